"""He normal with LeCun's std sqrt(1 / fan_in): the ReLU network's activations shrink layer after layer.

loses: test_he_normal_std, test_std_at_layer_20
message: He doubles the variance
"""

import numpy as np


def he_normal(shape, rng):
    fan_in, _ = shape
    return (rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(np.float32)
