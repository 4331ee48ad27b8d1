"""Leaky ReLU hard-codes alpha = 0.01 and ignores the argument, in the forward and hence the backward pass.

loses: test_leaky_relu_forward, test_leaky_relu_backward
message: the alpha argument is ignored
message: alpha = 0.01 whatever alpha
"""

import numpy as np


def leaky_relu_forward(x, alpha=0.01):
    positive = x > 0
    return np.where(positive, x, 0.01 * x), positive


def leaky_relu_backward(dout, cache):
    return np.where(cache, dout, 0.01 * dout)
