"""Dropout reads p as the KEEP probability (Keras' keep_prob): keeps units with probability p, scales by 1/p.

loses: test_dropout_forward_basic, test_dropout_forward_drop_rate, test_dropout_forward_rescaling, test_dropout_backward
message: p is the DROP probability
message: divided by p instead of by 1 - p
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    keep = rng.random(x.shape) < p
    scaled_mask = keep.astype(x.dtype) / x.dtype.type(max(p, 1e-12))
    return x * scaled_mask, scaled_mask
