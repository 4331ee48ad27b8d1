"""AdamW with the decay added to the gradient (an L2 penalty inside Adam), not applied to the weights.

The decoupled-decay answer, computed with this adamw, is graded against what this adamw gives: charged once.

loses: test_adamw_update
message: the decay went through the gradient
visible: the decay went through the gradient
"""


def adamw(w, dw, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01):
    return adam(w, dw + weight_decay * w, m, v, t, lr, beta1, beta2, eps)  # noqa: F821 (the notebook's adam)
