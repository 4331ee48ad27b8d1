"""The layer delegated to dnnopt's implementation: no points for any of the three functions.

The warm-up answers, computed with a working forward pass, still earn theirs.

loses: test_batchnorm_forward_training, test_batchnorm_forward_running, test_batchnorm_forward_inference, test_batchnorm_backward_gradcheck, test_batchnorm_backward_reference, test_batchnorm_backward_compact
message: calling a library's implementation earns no points
"""  # noqa: E501 (the harness reads one 'loses:' line)

from dnnopt import functional as F


def batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    return F.batchnorm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)


def batchnorm_backward(dout, cache):
    return F.batchnorm_backward(dout, cache)


def batchnorm_backward_compact(dout, cache):
    return F.batchnorm_backward_compact(dout, cache)
