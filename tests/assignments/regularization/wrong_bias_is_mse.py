"""The "squared bias" computed from every model's error instead of the mean prediction's (that is the MSE).

The experiment's answers, read from the wrong curves, are wrong too; the sweep itself earns its points.

loses: test_bias_variance_example, test_bias_variance_values, test_weight_decay_answers
message: that is the mean squared error of the individual models
"""

import numpy as np


def bias_variance(predictions, y_true):
    return float(np.mean((predictions - y_true) ** 2)), float(np.mean(predictions.var(axis=0)))
