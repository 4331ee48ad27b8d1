"""The penalty without its factor 0.5: weight_decay * sum ||W||^2.

loses: test_l2_penalty
message: the factor 0.5 is missing
visible: the factor 0.5 is missing
"""

import numpy as np


def l2_penalty(weights, weight_decay):
    return float(weight_decay * sum(np.sum(W**2) for W in weights))
