"""steps_to_tolerance checks ||w|| before the update, so it counts one update too many.

The answers computed with it are graded against what this steps_to_tolerance gives: charged once.

loses: test_steps_to_tolerance
message: off by one
visible: off by one: the first update is step 1
"""

import numpy as np


def steps_to_tolerance(curvatures, lr, momentum=0.0, tol=1e-6, max_steps=20_000):
    w = np.ones(len(curvatures))
    velocity = np.zeros_like(w)
    target = tol * np.linalg.norm(w)
    for step in range(1, max_steps + 1):
        if np.linalg.norm(w) < target:
            return step
        w, velocity = sgd_momentum(w, curvatures * w, velocity, lr, momentum)  # noqa: F821 (the notebook's)
    return None
