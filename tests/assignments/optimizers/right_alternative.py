"""Another correct solution: PyTorch's own arrangement of Adam, the incremental form of RMSProp, a self-contained
adamw, a bounded while loop, and answers from closed forms or typed in.

loses: none
"""

import math

import numpy as np


def sgd_momentum(w, dw, velocity, lr, momentum=0.9):
    new_velocity = np.add(np.multiply(momentum, velocity), dw)
    new_w = w.copy()
    new_w -= lr * new_velocity  # in place, but on a copy
    return new_w, new_velocity


def nesterov_momentum(w, dw, velocity, lr, momentum=0.9):
    new_velocity = momentum * velocity + dw
    return w - lr * dw - lr * momentum * new_velocity, new_velocity


def steps_to_tolerance(curvatures, lr, momentum=0.0, tol=1e-6, max_steps=20_000):
    w, velocity = np.ones(len(curvatures)), np.zeros(len(curvatures))
    target = tol * math.sqrt(len(curvatures))
    step = 0
    while step < max_steps:
        step += 1
        w, velocity = sgd_momentum(w, np.multiply(curvatures, w), velocity, lr, momentum)
        if np.linalg.norm(w) < target:
            return step
    return None


def rmsprop(w, dw, square_avg, lr=0.01, alpha=0.99, eps=1e-8):
    square_avg = square_avg + (1 - alpha) * (np.square(dw) - square_avg)
    return w - lr * dw / (np.sqrt(square_avg) + eps), square_avg


def adam(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
    m = m * beta1 + dw * (1 - beta1)
    v = v * beta2 + np.square(dw) * (1 - beta2)
    step_size = lr / (1 - beta1**t)
    denominator = np.sqrt(v) / math.sqrt(1 - beta2**t) + eps
    return w - step_size * (m / denominator), m, v


def adamw(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    w = w - lr * weight_decay * w
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw * dw
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def cosine_with_warmup(step, total_steps, lr_max, warmup_steps=0, lr_min=0.0):
    if warmup_steps and step <= warmup_steps - 1:
        return float(lr_max * (step + 1) / warmup_steps)
    angle = math.pi * (step - warmup_steps) / (total_steps - warmup_steps)
    return float(lr_min + (lr_max - lr_min) * (math.cos(angle) + 1) / 2)


gd_steps = [69, 691, 6908]
momentum_steps = [27, 93, 315]
first_step_ratio = (1 - 0.9) / math.sqrt(1 - 0.999)  # m_1 = 0.1 g, v_1 = 0.001 g**2; eps is negligible here
largest_ratio = max((1 - 0.9**t) / math.sqrt(1 - 0.999**t) for t in range(1, 101))
largest_ratio_step = max(range(1, 101), key=lambda t: (1 - 0.9**t) / math.sqrt(1 - 0.999**t))
adamw_shrink = np.full(3, (1 - 0.01 * 0.1) ** 100)
l2_shrink = np.array([0.76141447, -0.00535761, 0.00301729])
