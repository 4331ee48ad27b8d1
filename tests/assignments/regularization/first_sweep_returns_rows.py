"""The sweep returns one row (bias_sq, variance) per weight decay, an array of shape (n_weight_decays, 2).

With two weight decays that array also has two rows of two values, which is how it once passed the visible test.

visible: you returned one row (bias_sq, variance) per weight decay
"""

# The notebook defines the helpers and variables used below.
# ruff: noqa: F821
import numpy as np


def bias_variance_sweep(weight_decays, training_sets, x_test, y_test_true, degree=9):
    def split(weight_decay):
        fits = [fit_ridge_polynomial(x, y, degree, weight_decay) for x, y in training_sets]
        return bias_variance(np.array([predict_polynomial(c, x_test) for c in fits]), y_test_true)

    return np.array([split(weight_decay) for weight_decay in weight_decays])  # (n_weight_decays, 2)
