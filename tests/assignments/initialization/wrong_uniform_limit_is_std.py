"""Xavier uniform uses the normal std sqrt(2 / (fan_in + fan_out)) as the limit of U(-a, a).

loses: test_xavier_uniform_std
message: was used as the uniform limit
visible: you used the normal std sqrt(2 / (fan_in + fan_out)) as the limit
"""

import numpy as np


def xavier_uniform(shape, rng):
    fan_in, fan_out = shape
    limit = np.sqrt(2.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)
