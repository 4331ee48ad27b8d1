"""sgd_momentum and adam update the caller's arrays in place (`velocity *= momentum`, `m *= beta1`, `w -= ...`).

The returned values are right. adamw, which calls this adam, changes its caller's m and v too; that is graded
against what this adam does (the decay, then this adam), so the bug is charged once, in test_adam_pure.

loses: test_sgd_momentum_pure, test_adam_pure
message: sgd_momentum changed the caller's w in place
message: adam changed the caller's m in place
visible: sgd_momentum changed the caller's w or dw in place
visible: adam changed the caller's m or v in place
"""

import numpy as np


def sgd_momentum(w, dw, velocity, lr, momentum=0.9):
    velocity *= momentum
    velocity += dw
    w -= lr * velocity
    return w, velocity


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw**2
    return w - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps), m, v
