"""The gradient computed by scaling the weights in place (and returning them), which changes the model.

loses: test_l2_grad
message: l2_grad changed the weights in place
visible: l2_grad changed the weights in place
"""


def l2_grad(weights, weight_decay):
    for W in weights:
        W *= weight_decay
    return list(weights)
