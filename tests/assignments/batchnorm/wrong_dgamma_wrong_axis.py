"""dgamma and dbeta summed over the features (axis 1) instead of over the batch (axis 0).

loses: test_batchnorm_backward_gradcheck, test_batchnorm_backward_reference
message: sum over the batch, axis 0
visible: sum over the batch, axis 0
"""


def batchnorm_backward(dout, cache):
    x_hat, centered, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=1)
    dgamma = (dout * x_hat).sum(axis=1)
    dx_hat = dout * gamma
    dvar = -0.5 * inv_std**3 * (dx_hat * centered).sum(axis=0)
    dcentered = dx_hat * inv_std + (2.0 / N) * centered * dvar
    dx = dcentered - dcentered.mean(axis=0)
    return dx, dgamma, dbeta
