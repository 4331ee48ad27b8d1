"""Dropout never checks p: p = 1 divides by zero and p = 1.5 or -0.1 run silently.

loses: test_dropout_rejects_bad_p
message: raise ValueError for p outside [0, 1)
visible: p = 1 must raise ValueError
"""

import numpy as np


def dropout_forward(x, p, training, rng):
    if not training:
        return x, None
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled_mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * scaled_mask, scaled_mask
