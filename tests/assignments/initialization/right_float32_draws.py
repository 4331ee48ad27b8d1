"""Other correct implementations: drawing directly in float32, rng.normal with loc/scale, a uniform built from
rng.random, and an experiment that draws every weight before the inputs.

loses: none
"""

import numpy as np


def xavier_normal(shape, rng):
    std = np.float32(np.sqrt(2.0 / (shape[0] + shape[1])))
    return rng.standard_normal(shape, dtype=np.float32) * std


def xavier_uniform(shape, rng):
    limit = np.float32(np.sqrt(6.0 / (shape[0] + shape[1])))
    return (2 * rng.random(shape, dtype=np.float32) - 1) * limit


def he_normal(shape, rng):
    return rng.normal(loc=0.0, scale=np.sqrt(2.0 / shape[0]), size=shape).astype(np.float32)


def lecun_normal(shape, rng):
    return np.float32(1 / np.sqrt(shape[0])) * rng.standard_normal(shape, dtype=np.float32)


def activation_stds(initializer, activation, depth=20, width=256, n_samples=256, seed=0):
    rng = np.random.default_rng(seed)
    weights = [initializer((width, width), rng) for _ in range(depth)]
    h = rng.standard_normal((n_samples, width)).astype(np.float32)
    stds = np.empty(depth)
    for layer, W in enumerate(weights):
        z = h @ W
        h = np.tanh(z) if activation == "tanh" else z * (z > 0)
        stds[layer] = h.std()
    return stds
