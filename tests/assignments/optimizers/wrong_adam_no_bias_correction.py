"""Adam steps with the raw averages m and v: no bias correction.

Answers computed with this adam (and adamw, which calls it) are graded against what this adam gives, so the bug is
charged once.

loses: test_adam_update
message: the bias correction is missing
visible: the bias correction is missing
"""

import numpy as np


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    return w - lr * m / (np.sqrt(v) + eps), m, v
