"""ReLU backward multiplies dout by the output max(0, x) instead of the 0/1 derivative.

loses: test_relu_backward
message: instead of the 0/1 derivative
visible: you multiplied dout by the output max(0, x) instead of the 0/1 derivative
"""

import numpy as np


def relu_forward(x):
    out = np.maximum(x, 0)
    return out, out


def relu_backward(dout, cache):
    return dout * cache
