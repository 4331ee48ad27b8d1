"""The compact formula without its 1/N.

loses: test_batchnorm_backward_compact
message: the 1/N in front of the formula is missing
visible: the 1/N in front of the formula is missing
"""


def batchnorm_backward_compact(dout, cache):
    x_hat, _, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma * inv_std * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
