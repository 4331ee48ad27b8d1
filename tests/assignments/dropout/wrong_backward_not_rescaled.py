"""Dropout caches the boolean keep mask, and backward passes dout through it without the 1/(1-p) of the forward pass.

loses: test_dropout_backward
message: dx was not scaled by 1/(1-p)
visible: dx was not scaled by 1/(1-p)
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    keep = rng.random(x.shape) >= p
    return x * (keep.astype(x.dtype) / x.dtype.type(1 - p)), keep


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    return dout * cache.astype(dout.dtype)
