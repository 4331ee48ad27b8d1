"""Adam returns the bias-corrected m_hat and v_hat as its state, so the next step corrects them again.

Each step from a correct state is right; only the averages it hands back are wrong, and the steps taken from them
are accepted in test_adam_update (charged once, in test_adam_moments).

loses: test_adam_moments
message: v was returned bias-corrected
visible: return the raw averages, not the bias-corrected m_hat and v_hat
"""

import numpy as np


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = (beta1 * m + (1 - beta1) * dw) / (1 - beta1**t)
    v = (beta2 * v + (1 - beta2) * dw**2) / (1 - beta2**t)
    return w - lr * m / (np.sqrt(v) + eps), m, v
