"""Leaky ReLU backward with the default slope 0.01 written in, whatever alpha the forward pass used.

loses: test_leaky_relu_backward
message: alpha = 0.01 whatever alpha
visible: alpha = 0.01 whatever alpha
"""

import numpy as np


def leaky_relu_backward(dout, cache):
    positive, _alpha = cache
    return np.where(positive, dout, 0.01 * dout)
