"""The compact formula written with dout where it needs dx_hat = gamma * dout: dx misses the factor gamma.

loses: test_batchnorm_backward_compact
message: dx misses the factor gamma
visible: dx misses the factor gamma
"""


def batchnorm_backward_compact(dout, cache):
    x_hat, _, inv_std, _gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = (inv_std / N) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
