"""Other correct implementations: the textbook sigmoid (warns, but stays right, for x = -1000), caches of x,
a dict check by duck typing, clipping with no epsilon, and a leaky ReLU built from np.maximum.

loses: none
"""

import numpy as np


def sigmoid_forward(x):
    return 1 / (1 + np.exp(-x)), x


def sigmoid_backward(dout, cache):
    s = 1 / (1 + np.exp(-cache))
    return dout * s * (1 - s)


def tanh_forward(x):
    return np.tanh(x), x


def tanh_backward(dout, cache):
    return dout * (1 - np.tanh(cache) ** 2)


def relu_forward(x):
    return x * (x > 0), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def leaky_relu_forward(x, alpha=0.01):
    return np.maximum(x, alpha * x), (x, alpha)


def leaky_relu_backward(dout, cache):
    x, alpha = cache
    slope = np.where(x > 0, 1, alpha).astype(dout.dtype)
    return dout * slope


def clip_grad_value(grads, clip_value):
    for grad in grads.values() if hasattr(grads, "values") else grads:
        grad[grad > clip_value] = clip_value
        grad[grad < -clip_value] = -clip_value


def clip_grad_norm(grads, max_norm):
    arrays = list(grads.values()) if hasattr(grads, "values") else grads
    total_norm = np.sqrt(sum((grad**2).sum() for grad in arrays))
    if total_norm > max_norm:
        for grad in arrays:
            grad[...] = grad * (max_norm / total_norm)
    return total_norm
