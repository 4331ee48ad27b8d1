"""The bias correction one step behind (t - 1): the first step divides by 1 - beta**0 = 0 and gives NaN.

Everything computed with this adam (adamw, the answers) is NaN too; it is graded against what this adam gives, and no
numpy warning costs a point, so the bug is charged once.

loses: test_adam_update
message: the bias correction used t - 1
visible: the bias correction used t - 1
"""

import numpy as np


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    m_hat, v_hat = m / (1 - beta1 ** (t - 1)), v / (1 - beta2 ** (t - 1))
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v
