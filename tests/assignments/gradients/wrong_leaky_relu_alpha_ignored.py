"""Leaky ReLU hard-codes alpha = 0.01 and ignores the argument, in the forward and the backward pass.

The backward pass agrees with this forward pass (slope 0.01 for x < 0), so only the forward pass loses its points:
the bug is charged once.

loses: test_leaky_relu_forward
message: the alpha argument is ignored
visible: the alpha argument is ignored
"""

import numpy as np


def leaky_relu_forward(x, alpha=0.01):
    positive = x > 0
    return np.where(positive, x, 0.01 * x), positive


def leaky_relu_backward(dout, cache):
    return np.where(cache, dout, 0.01 * dout)
