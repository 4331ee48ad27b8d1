"""The variance across models computed with ddof=1.

loses: test_bias_variance_example, test_bias_variance_values
message: ddof=1
visible: that is the variance with ddof=1
"""

import numpy as np


def bias_variance(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    return float(np.mean((mean_prediction - y_true) ** 2)), float(np.mean(predictions.var(axis=0, ddof=1)))
