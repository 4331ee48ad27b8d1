"""Adam's step size computed with numpy scalars (np.sqrt of a Python float is a numpy float64): float32 in, float64 out.

adamw, which calls this adam, returns float64 too; that is graded against what this adam gives (the decay, then this
adam), so the bug is charged once, in test_adam_pure.

loses: test_adam_pure
message: float32 inputs gave a float64 w
visible: float32 inputs gave outputs of dtypes ['float64', 'float32', 'float32']
"""

import numpy as np


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw**2
    step_size = lr * np.sqrt(1 - beta2**t) / (1 - beta1**t)  # a numpy float64 scalar
    denominator = np.sqrt(v) + eps * np.sqrt(1 - beta2**t)  # eps on sqrt(v_hat), as in PyTorch
    return w - step_size * m / denominator, m, v
