"""The backward pass also takes an SGD step on gamma and beta ("the layer learns"), changing the caller's arrays.

loses: test_batchnorm_backward_gradcheck, test_batchnorm_backward_reference
message: backward only computes gradients
visible: backward only computes gradients
"""


def batchnorm_backward(dout, cache):
    x_hat, centered, inv_std, gamma = cache
    N = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dvar = -0.5 * inv_std**3 * (dx_hat * centered).sum(axis=0)
    dcentered = dx_hat * inv_std + (2.0 / N) * centered * dvar
    dx = dcentered - dcentered.mean(axis=0)
    gamma -= 0.01 * dgamma
    return dx, dgamma, dbeta
