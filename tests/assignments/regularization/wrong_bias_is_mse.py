"""The "squared bias" computed from every model's error instead of the mean prediction's (that is the MSE).

The sweep and the weight-decay answers, read from the curves this student's own functions draw, keep their points:
the bug is charged to bias_variance only.

loses: test_bias_variance_example, test_bias_variance_values
message: that is the mean squared error of the individual models
visible: that is the mean squared error of the individual models
"""

import numpy as np


def bias_variance(predictions, y_true):
    return float(np.mean((predictions - y_true) ** 2)), float(np.mean(predictions.var(axis=0)))
