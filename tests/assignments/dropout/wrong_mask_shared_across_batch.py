"""Dropout draws one mask over the features and reuses it for every example in the batch.

loses: test_dropout_forward_drop_rate
message: the same mask is shared by every example
visible: the same mask is shared by every example
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    scaled_mask = (rng.random(x.shape[-1]) >= p).astype(x.dtype) / x.dtype.type(1 - p)  # (D,), broadcast over N
    return x * scaled_mask, scaled_mask
