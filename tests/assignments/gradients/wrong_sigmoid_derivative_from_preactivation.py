"""Sigmoid backward evaluates s * (1 - s) at the pre-activation x instead of the output s = sigmoid(x).

loses: test_sigmoid_backward
message: computed from the pre-activation x
visible: you evaluated s * (1 - s) at the pre-activation x
"""

import numpy as np


def sigmoid_forward(x):
    return 1 / (1 + np.exp(-x)), x


def sigmoid_backward(dout, cache):
    x = cache
    return dout * x * (1 - x)
