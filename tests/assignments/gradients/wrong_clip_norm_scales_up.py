"""Clipping by norm always rescales to max_norm, blowing small gradients up.

loses: test_clip_grad_norm_scaling
message: scaled up to max_norm
visible: never scale up
"""

import numpy as np


def clip_grad_norm(grads, max_norm):
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    total_norm = float(np.sqrt(sum(np.sum(grad**2) for grad in arrays)))
    for grad in arrays:
        grad *= max_norm / total_norm
    return total_norm
