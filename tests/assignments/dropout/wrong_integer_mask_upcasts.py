"""Dropout multiplies by rng.binomial's int64 mask without casting: float32 inputs come back as float64.

The backward pass keeps the dtype of the dout it gets (float64, like this forward pass's output), so only the forward
pass loses points.

loses: test_dropout_forward_basic
message: cast the mask to x.dtype
visible: cast the mask to x.dtype
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    mask = rng.binomial(1, 1 - p, size=x.shape)
    return x * mask / (1 - p), mask / (1 - p)
