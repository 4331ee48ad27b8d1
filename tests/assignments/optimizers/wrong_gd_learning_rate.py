"""Gradient descent measured with the "safe" learning rate 1 / lambda_max instead of the best 2 / (lambda_min +
lambda_max).

loses: test_gd_steps
message: that is the count for lr = 1 / lambda_max
"""

# The notebook defines KAPPAS and steps_to_tolerance.
# ruff: noqa: F821
import numpy as np

gd_steps = [steps_to_tolerance(np.array([1.0, kappa]), lr=1 / kappa) for kappa in KAPPAS]
