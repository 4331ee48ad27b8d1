"""The step number read as 0-based: the bias correction uses t + 1 (t is already 1 on the first step).

loses: test_adam_update
message: the bias correction used t + 1
"""

import numpy as np


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    step = t + 1  # "t counts the steps taken before this one"
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1**step), v / (1 - beta2**step)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
