"""Xavier normal uses the variance 2 / (fan_in + fan_out) as the standard deviation.

The 20-layer experiment built on it vanishes too, but it reports what this student's own code measures: the bug is
charged once, in the initializer's cell.

loses: test_xavier_normal_std
message: was used as the standard deviation; take its square root
visible: the variance 2 / (fan_in + fan_out) was used as the std; take its square root
"""

import numpy as np


def xavier_normal(shape, rng):
    fan_in, fan_out = shape
    return (rng.standard_normal(shape) * (2.0 / (fan_in + fan_out))).astype(np.float32)
