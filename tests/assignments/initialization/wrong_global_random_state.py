"""LeCun normal draws from numpy's global random state and ignores rng: right scale, irreproducible.

loses: test_lecun_normal_basic
message: global random state
visible: draw from the rng argument, not from np.random
"""

import numpy as np


def lecun_normal(shape, rng):
    fan_in, _ = shape
    return (np.random.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(np.float32)  # noqa: NPY002
