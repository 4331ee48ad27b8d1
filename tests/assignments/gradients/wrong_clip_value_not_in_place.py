"""Clipping by value builds new arrays (np.clip without out=) and never changes the caller's gradients.

loses: test_clip_grad_value
message: not changed in place
visible: np.clip(g, -c, c) returns a new array
"""

import numpy as np


def clip_grad_value(grads, clip_value):
    arrays = grads.values() if isinstance(grads, dict) else grads
    for grad in arrays:
        grad = np.clip(grad, -clip_value, clip_value)
