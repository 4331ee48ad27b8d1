"""The backward pass treats the batch mean as a constant: no gradient flows through it.

loses: test_batchnorm_backward_gradcheck, test_batchnorm_backward_reference
message: misses the path through the batch mean
visible: dx misses the path through the batch mean
"""


def batchnorm_backward(dout, cache):
    x_hat, centered, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dvar = -0.5 * inv_std**3 * (dx_hat * centered).sum(axis=0)
    dx = dx_hat * inv_std + (2.0 / N) * centered * dvar
    return dx, dgamma, dbeta
