"""ReLU delegates to dnnopt's own kernels instead of computing anything.

loses: test_relu_forward, test_relu_backward
message: calling a library's implementation earns no points
"""

from dnnopt.functional import relu_backward as library_relu_backward
from dnnopt.functional import relu_forward as library_relu_forward


def relu_forward(x):
    return library_relu_forward(x)


def relu_backward(dout, cache):
    return library_relu_backward(dout, cache)
