"""The cosine measured from step 0 over total_steps, ignoring that it starts when the warmup ends.

loses: test_cosine_with_warmup_decay
message: the cosine was measured from step 0
visible: the cosine was measured from step 0
"""

import math


def cosine_with_warmup(step, total_steps, lr_max, warmup_steps=0, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * (step + 1) / warmup_steps
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * step / total_steps))
