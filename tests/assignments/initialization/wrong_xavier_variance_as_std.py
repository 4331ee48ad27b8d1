"""Xavier normal uses the variance 2 / (fan_in + fan_out) as the standard deviation; the 20-layer experiment
built on it then vanishes too.

loses: test_xavier_normal_std, test_std_at_layer_20
message: was used as the standard deviation; take its square root
message: expected a value in
"""

import numpy as np


def xavier_normal(shape, rng):
    fan_in, fan_out = shape
    return (rng.standard_normal(shape) * (2.0 / (fan_in + fan_out))).astype(np.float32)
