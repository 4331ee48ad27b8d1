"""The bias averaged over the points without squaring it.

The experiment's answers, read from the wrong curves, are wrong too; the sweep itself earns its points.

loses: test_bias_variance_example, test_bias_variance_values, test_weight_decay_answers
message: the bias was not squared
"""

import numpy as np


def bias_variance(predictions, y_true):
    mean_prediction = predictions.mean(axis=0)
    return float(np.mean(mean_prediction - y_true)), float(np.mean(predictions.var(axis=0)))
