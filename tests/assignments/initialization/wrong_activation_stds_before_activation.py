"""The experiment records the std of each layer's pre-activation z = h @ W instead of the activation f(z).

loses: test_activation_stds
message: record the std of h after the activation
visible: record the std of h after the activation
"""

import numpy as np


def activation_stds(initializer, activation, depth=20, width=256, n_samples=256, seed=0):
    f = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh}[activation]
    rng = np.random.default_rng(seed)
    h = rng.standard_normal((n_samples, width))
    stds = []
    for _ in range(depth):
        z = h @ initializer((width, width), rng)
        stds.append(z.std())
        h = f(z)
    return np.array(stds)
