"""Dropout backward draws a new mask from the generator instead of reusing the forward pass's mask.

loses: test_dropout_backward
message: did you draw a new mask in backward
visible: did you draw a new mask in backward
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    scaled_mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * scaled_mask, (p, rng)


def dropout_backward(dout, cache):
    if cache is None:
        return dout
    p, rng = cache
    return dout * (rng.random(dout.shape) >= p).astype(dout.dtype) / dout.dtype.type(1 - p)
