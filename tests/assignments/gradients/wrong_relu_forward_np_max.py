"""ReLU forward with np.max(x, 0), the largest entry along axis 0, instead of the elementwise np.maximum(x, 0).

loses: test_relu_forward
message: np.maximum, not np.max
visible: np.max(x, 0) is the largest entry along axis 0
"""

import numpy as np


def relu_forward(x):
    return np.max(x, 0), x > 0
