"""eps added inside the square root, in RMSProp and in Adam: sqrt(s + eps) instead of sqrt(s) + eps.

It only shows for gradients of about sqrt(eps) or smaller, which the hidden tests include.

loses: test_rmsprop_update, test_adam_update
message: eps was added inside the square root
visible: eps was added inside the square root: divide by sqrt(square_avg) + eps
visible: eps was added inside the square root: divide by sqrt(v_hat) + eps
"""

import numpy as np


def rmsprop(w, dw, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = alpha * square_avg + (1 - alpha) * dw**2
    return w - lr * dw / np.sqrt(square_avg + eps), square_avg


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / np.sqrt(v_hat + eps), m, v
