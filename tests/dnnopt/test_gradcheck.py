"""The gradient checker itself: it must catch wrong gradients, not only pass right ones."""

import numpy as np
import pytest

from dnnopt import functional as F
from dnnopt.gradcheck import check_function, numerical_gradient, rel_error


def test_numerical_gradient_of_a_known_function():
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])  # restored after the perturbations


def test_a_wrong_backward_is_caught_and_located():
    def wrong_sigmoid_backward(dout, out):
        return dout * out  # forgot the (1 - out) factor

    x = np.random.default_rng(0).standard_normal((3, 4))
    (result,) = check_function(F.sigmoid_forward, wrong_sigmoid_backward, ("x",), x=x)
    assert result.max_rel_error > 0.1
    assert result.worst_index == np.unravel_index(np.argmax(np.abs(result.analytic - result.numeric)), x.shape)
    assert "worst at" in str(result)


def test_rel_error():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) == pytest.approx(0.2 / 2.2)
    with pytest.raises(ValueError, match="shapes"):
        rel_error(np.zeros(2), np.zeros(3))


def test_float32_is_refused():
    with pytest.raises(TypeError, match="need float64"):
        numerical_gradient(np.sum, np.ones(3, np.float32))
