"""The norms of the arrays summed, not their squares: 0.5 * weight_decay * sum ||W||.

loses: test_l2_penalty
message: the norms were not squared
visible: the norms were not squared
"""

import numpy as np


def l2_penalty(weights, weight_decay):
    return float(0.5 * weight_decay * sum(np.linalg.norm(W) for W in weights))
