"""Xavier uniform draws from a normal with the right std instead of from U(-a, a).

loses: test_xavier_uniform_std
message: not from a normal distribution
visible: draw from U(-a, a), not from a normal distribution
"""

import numpy as np


def xavier_uniform(shape, rng):
    fan_in, fan_out = shape
    return (rng.standard_normal(shape) * np.sqrt(2.0 / (fan_in + fan_out))).astype(np.float32)
