"""The gradient 2 * weight_decay * W, as if the penalty had no 0.5.

loses: test_l2_grad
message: you returned 2 * weight_decay * W
visible: you returned 2 * weight_decay * W
"""


def l2_grad(weights, weight_decay):
    return [2 * weight_decay * W for W in weights]
