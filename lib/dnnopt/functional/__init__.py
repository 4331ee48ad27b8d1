"""Pure kernels: every forward returns ``(out, cache)`` and every backward takes ``(dout, cache)``."""

from .activations import (
    leaky_relu_backward,
    leaky_relu_forward,
    prelu_backward,
    prelu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from .dropout import dropout_backward, dropout_forward
from .linear import linear_backward, linear_forward
from .losses import mse, softmax, softmax_cross_entropy
from .normalization import (
    batchnorm_backward,
    batchnorm_backward_compact,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)
from .penalties import l1_grad, l1_penalty, l2_grad, l2_penalty
