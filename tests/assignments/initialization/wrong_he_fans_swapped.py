"""He normal divides by fan_out (shape read as (fan_out, fan_in)); invisible on the square layers of the experiment.

loses: test_he_normal_std
message: fan_in and fan_out are swapped
visible: fan_in and fan_out are swapped
"""

import numpy as np


def he_normal(shape, rng):
    _, fan_in = shape
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
