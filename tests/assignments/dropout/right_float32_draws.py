"""Another correct dropout: uniform draws made directly in float32, rng.random(shape) < 1 - p, the mask cached
as booleans with p.

loses: none
"""

import numpy as np


def dropout_forward(x, p, training, rng):
    if not (0.0 <= p < 1.0):
        raise ValueError(f"drop probability p={p} is outside [0, 1)")
    if not training or p == 0:
        return x, None
    keep = rng.random(x.shape, dtype=np.float32) < 1 - p
    return np.where(keep, x / x.dtype.type(1 - p), x.dtype.type(0)), (keep, p)


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    keep, p = cache
    return np.where(keep, dout / dout.dtype.type(1 - p), dout.dtype.type(0))
