"""Sigmoid as exp(x) / (1 + exp(x)): right for moderate inputs, nan (inf / inf) for large positive ones.

loses: test_sigmoid_forward_stable
message: overflows to inf / inf
visible: overflows to inf / inf
"""

import numpy as np


def sigmoid_forward(x):
    e = np.exp(x)
    out = e / (1 + e)
    return out, out
