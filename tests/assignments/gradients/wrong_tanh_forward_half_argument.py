"""Tanh built from the sigmoid as 2 sigmoid(x) - 1, forgetting the 2x: that is tanh(x / 2).

The backward pass, written from the cached output as 1 - t**2, is right for that output and keeps its points.

loses: test_tanh_forward
message: which is tanh(x / 2)
visible: that is 2 sigmoid(x) - 1 = tanh(x / 2)
"""

import numpy as np


def tanh_forward(x):
    out = 2 / (1 + np.exp(-x)) - 1
    return out, out
