"""The sweep reads the notebook's global training sets and test points instead of its arguments.

loses: test_bias_variance_sweep
message: did the sweep use the global TRAINING_SETS instead of its training_sets argument
visible: did the sweep use the global TRAINING_SETS instead of its training_sets argument
"""

# The notebook defines the helpers and constants used below.
# ruff: noqa: F821
import numpy as np


def bias_variance_sweep(weight_decays, training_sets, x_test, y_test_true, degree=9):
    results = []
    for weight_decay in weight_decays:
        predictions = np.array(
            [predict_polynomial(fit_ridge_polynomial(x, y, degree, weight_decay), X_TEST) for x, y in TRAINING_SETS]
        )
        results.append(bias_variance(predictions, Y_TEST_TRUE))
    bias_sq, variance = np.array(results).T
    return bias_sq, variance
