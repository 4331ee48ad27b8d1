"""Dropout zeroes units but never rescales the survivors by 1/(1-p), forward or backward.

The backward pass agrees with this forward pass (the same unscaled mask), so it keeps its points: the bug is charged
to the forward pass only.

loses: test_dropout_forward_rescaling
message: the survivors were not rescaled by 1/(1-p)
visible: the survivors were not rescaled by 1/(1-p)
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    mask = (rng.random(x.shape) >= p).astype(x.dtype)
    return x * mask, mask
