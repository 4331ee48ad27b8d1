"""The step mixes two conventions: w -= lr * dw + momentum * v, with the velocity from before this step.

loses: test_sgd_momentum_update
message: the step is w - lr * dw - momentum * v
"""


def sgd_momentum(w, dw, velocity, lr, momentum=0.9):
    new_w = w - (lr * dw + momentum * velocity)
    return new_w, momentum * velocity + dw
