"""Clipping by value loops over grads itself: right for a list, but a dict of arrays yields its keys.

loses: test_clip_grad_value
message: iterating a dict gives its keys
visible: iterating a dict gives its keys
"""

import numpy as np


def clip_grad_value(grads, clip_value):
    for grad in grads:
        np.clip(grad, -clip_value, clip_value, out=grad)
