"""The bias averaged over the points without squaring it.

The sweep and the weight-decay answers, read from the curves this student's own functions draw, keep their points:
the bug is charged to bias_variance only.

loses: test_bias_variance_example, test_bias_variance_values
message: the bias was not squared
visible: the bias was not squared
"""

import numpy as np


def bias_variance(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    return float(np.mean(mean_prediction - y_true)), float(np.mean(predictions.var(axis=0)))
