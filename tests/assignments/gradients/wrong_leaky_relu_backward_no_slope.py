"""Leaky ReLU backward drops the gradient for negative inputs (ReLU's derivative, not alpha).

loses: test_leaky_relu_backward
message: that is ReLU's
visible: that is ReLU's derivative
"""

import numpy as np


def leaky_relu_backward(dout, cache):
    positive, _alpha = cache
    return np.where(positive, dout, 0)
