"""Clipping by norm clips each array to max_norm on its own instead of using the global norm.

loses: test_clip_grad_norm_scaling
message: each array was clipped to max_norm on its own
visible: each array was clipped to max_norm on its own
"""

import numpy as np


def clip_grad_norm(grads, max_norm):
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    total_norm = float(np.sqrt(sum(np.sum(grad**2) for grad in arrays)))
    for grad in arrays:
        norm = np.linalg.norm(grad)
        if norm > max_norm:
            grad *= max_norm / norm
    return total_norm
