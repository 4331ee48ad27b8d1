"""Dropout reads p as the KEEP probability (Keras' keep_prob): keeps units with probability p, scales by 1/p.

The forward pass loses its three cells, each for a different property (p = 0 drops everything, the drop rate, the
survivors' scale); the backward pass routes dout through the forward pass's own scaled mask, which is right for that
forward pass, so it keeps its points.

loses: test_dropout_forward_basic, test_dropout_forward_drop_rate, test_dropout_forward_rescaling
message: p is the DROP probability
message: divided by p instead of by 1 - p
visible: p is the DROP probability
"""


def dropout_forward(x, p, training, rng):
    if not 0 <= p < 1:
        raise ValueError(f"p must be in [0, 1), got {p}")
    if not training:
        return x, None
    keep = rng.random(x.shape) < p
    scaled_mask = keep.astype(x.dtype) / x.dtype.type(max(p, 1e-12))
    return x * scaled_mask, scaled_mask
