"""alpha read as the weight of the new squared gradient: s = (1 - alpha) * s + alpha * dw**2.

loses: test_rmsprop_update
message: alpha weighs the OLD average
visible: alpha weighs the OLD average
"""

import numpy as np


def rmsprop(w, dw, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = (1 - alpha) * square_avg + alpha * dw**2
    return w - lr * dw / (np.sqrt(square_avg) + eps), square_avg
