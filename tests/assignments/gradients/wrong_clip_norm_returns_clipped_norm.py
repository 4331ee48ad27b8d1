"""Clipping by norm returns the norm measured after clipping instead of before.

loses: test_clip_grad_norm_total
message: returned the norm after clipping
visible: you returned the norm after clipping
"""

import numpy as np


def clip_grad_norm(grads, max_norm):
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    total_norm = float(np.sqrt(sum(np.sum(grad**2) for grad in arrays)))
    if total_norm > max_norm:
        for grad in arrays:
            grad *= max_norm / total_norm
    return float(np.sqrt(sum(np.sum(grad**2) for grad in arrays)))
