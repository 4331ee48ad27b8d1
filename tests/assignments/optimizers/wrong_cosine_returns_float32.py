"""The schedule computed and returned as a numpy float32 instead of a Python float.

The values are right to float32 precision, so only the test that checks the type loses its points.

loses: test_cosine_with_warmup_decay
message: should return a Python float
"""

import numpy as np


def cosine_with_warmup(step, total_steps, lr_max, warmup_steps=0, lr_min=0.0):
    if step < warmup_steps:
        return np.float32(lr_max * (step + 1) / warmup_steps)
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return np.float32(lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(np.pi * progress)))
