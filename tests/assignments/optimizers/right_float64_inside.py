"""Another correct solution: computes in float64 and casts back to the input's dtype, counts with a 0-based loop,
and measures the answers with its own loops.

loses: none
"""

import math

import numpy as np


def sgd_momentum(w, dw, velocity, lr, momentum=0.9):
    new_velocity = (np.float64(momentum) * velocity + dw).astype(w.dtype)
    return (w - np.float64(lr) * new_velocity).astype(w.dtype), new_velocity


def nesterov_momentum(w, dw, velocity, lr, momentum=0.9):
    new_velocity = (np.float64(momentum) * velocity + dw).astype(w.dtype)
    step = np.float64(lr) * (dw + np.float64(momentum) * new_velocity)
    return (w - step).astype(w.dtype), new_velocity


def steps_to_tolerance(curvatures, lr, momentum=0.0, tol=1e-6, max_steps=20_000):
    w = np.ones(len(curvatures))
    velocity = np.zeros_like(w)
    target = tol * np.linalg.norm(w)
    for index in range(max_steps):
        w, velocity = sgd_momentum(w, curvatures * w, velocity, lr, momentum)
        if np.linalg.norm(w) < target:
            return index + 1
    return None


def rmsprop(w, dw, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    avg64 = alpha * square_avg.astype(np.float64) + (1 - alpha) * dw.astype(np.float64) ** 2
    w64 = w.astype(np.float64) - lr * dw.astype(np.float64) / (np.sqrt(avg64) + eps)
    return w64.astype(w.dtype), avg64.astype(w.dtype)


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    g = dw.astype(np.float64)
    m64 = beta1 * m.astype(np.float64) + (1 - beta1) * g
    v64 = beta2 * v.astype(np.float64) + (1 - beta2) * g * g
    m_hat = m64 / np.float64(1 - beta1**t)
    v_hat = v64 / np.float64(1 - beta2**t)
    w64 = w.astype(np.float64) - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w64.astype(w.dtype), m64.astype(w.dtype), v64.astype(w.dtype)


def adamw(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    decayed = (w.astype(np.float64) * (1 - lr * weight_decay)).astype(w.dtype)
    return adam(decayed, dw, m, v, t, lr=lr, beta1=beta1, beta2=beta2, eps=eps)


def cosine_with_warmup(step, total_steps, lr_max, warmup_steps=0, lr_min=0.0):
    if step >= warmup_steps:
        fraction = (step - warmup_steps) / (total_steps - warmup_steps)
        return float(lr_min + (lr_max - lr_min) * 0.5 * (1.0 + np.cos(np.pi * fraction)))
    return float(lr_max * (step + 1) / warmup_steps)


# The answers, measured with this notebook's functions (KAPPAS and ratios come from the notebook).
gd_steps = [steps_to_tolerance(np.array([1.0, k]), 2 / (1 + k)) for k in KAPPAS]  # noqa: F821
momentum_steps = [
    steps_to_tolerance(np.array([1.0, k]), 4 / (math.sqrt(k) + 1) ** 2, (1 - 2 / (math.sqrt(k) + 1)) ** 2)
    for k in KAPPAS  # noqa: F821
]
first_step_ratio = ratios[0].item()  # noqa: F821
largest_ratio = float(np.max(ratios))  # noqa: F821
largest_ratio_step = int(np.flatnonzero(ratios == ratios.max())[0]) + 1  # noqa: F821
