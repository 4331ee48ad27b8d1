"""Dropout multiplies by (1-p) at inference (the original, non-inverted rule) on top of inverted training.

loses: test_dropout_eval_identity
message: scaled by (1-p) at inference
visible: you scaled by (1-p) at inference
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x * x.dtype.type(1 - p), None
    scaled_mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return x * scaled_mask, scaled_mask
