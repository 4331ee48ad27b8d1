"""Another correct dropout: a binomial mask cast to x's dtype, a (mask, p) cache, a copy at inference.

loses: none
"""

import numpy as np


def dropout_forward(x, p, training, rng):
    if p < 0 or p >= 1:
        raise ValueError("p must satisfy 0 <= p < 1")
    if not training:
        return x.copy(), ("identity", None)
    mask = rng.binomial(1, 1 - p, size=x.shape).astype(x.dtype)
    return x * mask / np.asarray(1 - p, dtype=x.dtype), (mask, p)


def dropout_backward(dout, cache):
    mask, p = cache
    if isinstance(mask, str):
        return dout.copy()
    return dout * mask / np.asarray(1 - p, dtype=dout.dtype)
