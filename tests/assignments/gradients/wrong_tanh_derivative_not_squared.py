"""Tanh backward forgets the square: 1 - tanh(x) instead of 1 - tanh(x)**2.

loses: test_tanh_backward
message: the square is missing
visible: the square is missing
"""


def tanh_backward(dout, cache):
    out = cache
    return dout * (1 - out)
