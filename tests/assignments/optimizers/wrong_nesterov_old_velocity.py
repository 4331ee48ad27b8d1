"""Nesterov's step with the velocity from before this step, w - lr * (dw + momentum * v_old): heavy ball's step.

loses: test_nesterov_momentum_update
message: that is heavy ball's step
visible: that is heavy ball's step
"""


def nesterov_momentum(w, dw, velocity, lr, momentum=0.9):
    new_w = w - lr * (dw + momentum * velocity)
    return new_w, momentum * velocity + dw
