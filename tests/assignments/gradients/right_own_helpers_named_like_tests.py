"""Correct, with the student's own helpers defined in the tanh cell and named like the hidden tests' helpers once
were (_sigmoid, _check_close, _own): nothing clashes, since every name the hidden tests define starts with _ck_.

loses: none
"""

import numpy as np


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _check_close(a, b):
    return np.allclose(a, b)


def _own(values):
    return np.array(values, copy=True)


def tanh_forward(x):
    out = 2 * _sigmoid(2 * _own(x)) - 1
    assert _check_close(out, np.tanh(x))
    return out, out
