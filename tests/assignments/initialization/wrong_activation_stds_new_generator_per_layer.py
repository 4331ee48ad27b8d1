"""The experiment creates a fresh generator from the seed for every layer, so every layer gets the same weights.

loses: test_activation_stds
message: every layer got the same weights
visible: every layer got the same weights
"""

import numpy as np


def activation_stds(initializer, activation, depth=20, width=256, n_samples=256, seed=0):
    f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[activation]
    h = np.random.default_rng(seed).standard_normal((n_samples, width))
    stds = []
    for _ in range(depth):
        h = f(h @ initializer((width, width), np.random.default_rng(seed)))
        stds.append(h.std())
    return np.array(stds)
