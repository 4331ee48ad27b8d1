"""The velocity includes the learning rate (v = momentum * v + lr * dw; w = w - v), CS231n's convention.

The same path as PyTorch's while lr is constant from a zero velocity (so the step counts are right), but not the
velocity PyTorch keeps.

loses: test_sgd_momentum_update
message: the velocity includes lr
visible: lr belongs in the step, not in the velocity
"""


def sgd_momentum(w, dw, velocity, lr, momentum=0.9):
    velocity = momentum * velocity + lr * dw
    return w - velocity, velocity
