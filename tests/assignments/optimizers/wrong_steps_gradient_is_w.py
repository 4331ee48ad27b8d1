"""steps_to_tolerance steps with the gradient w, as if every curvature were 1, instead of curvatures * w.

The answers computed with it are graded against what this steps_to_tolerance gives: charged once.

loses: test_steps_to_tolerance
message: the gradient of 0.5 * sum(curvatures * w**2) is curvatures * w
visible: the gradient of 0.5 * sum(curvatures * w**2) is curvatures * w
"""

import numpy as np


def steps_to_tolerance(curvatures, lr, momentum=0.0, tol=1e-6, max_steps=20_000):
    w = np.ones(len(curvatures))
    velocity = np.zeros_like(w)
    target = tol * np.linalg.norm(w)
    for step in range(1, max_steps + 1):
        w, velocity = sgd_momentum(w, w, velocity, lr, momentum)  # noqa: F821 (the notebook's)
        if np.linalg.norm(w) < target:
            return step
    return None
