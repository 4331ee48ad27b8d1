"""The penalty and its gradient delegated to dnnopt: no points for either.

loses: test_l2_penalty, test_l2_grad
message: calling a library's implementation earns no points
"""

from dnnopt.functional import l2_grad as library_l2_grad
from dnnopt.functional import l2_penalty as library_l2_penalty


def l2_penalty(weights, weight_decay):
    return library_l2_penalty(weights, weight_decay)


def l2_grad(weights, weight_decay):
    return library_l2_grad(weights, weight_decay)
