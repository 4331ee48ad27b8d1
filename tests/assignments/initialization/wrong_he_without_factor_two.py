"""He normal with LeCun's std sqrt(1 / fan_in): the ReLU network's activations shrink layer after layer.

The reported std at layer 20 is what this student's own experiment measures, so only the initializer loses points.

loses: test_he_normal_std
message: He doubles the variance
visible: He doubles the variance for ReLU
"""

import numpy as np


def he_normal(shape, rng):
    fan_in, _ = shape
    return (rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(np.float32)
