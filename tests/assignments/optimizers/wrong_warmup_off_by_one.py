"""The warmup starts at 0: lr_max * step / warmup_steps, one step behind (step 0 is wasted).

loses: test_cosine_with_warmup_warmup
message: off by one
visible: off by one, step 0 already uses
"""

import math


def cosine_with_warmup(step, total_steps, lr_max, warmup_steps=0, lr_min=0.0):
    if step < warmup_steps:
        return lr_max * step / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))
