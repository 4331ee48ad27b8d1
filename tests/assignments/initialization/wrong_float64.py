"""Every initializer returns numpy's default float64 instead of float32.

loses: test_xavier_normal_basic, test_xavier_uniform_basic, test_he_normal_basic, test_lecun_normal_basic
message: return float32
visible: return float32 (.astype(np.float32)), got float64
"""

import numpy as np


def xavier_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(2.0 / sum(shape)), size=shape)


def xavier_uniform(shape, rng):
    limit = np.sqrt(6.0 / sum(shape))
    return rng.uniform(-limit, limit, size=shape)


def he_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(2.0 / shape[0]), size=shape)


def lecun_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(1.0 / shape[0]), size=shape)
