"""Kernels: forward values against independent formulas, backward against central differences (float64)."""

import numpy as np
import pytest

from dnnopt import functional as F
from dnnopt.gradcheck import check_function

TOL = 1e-7
SHAPES = [(1, 3), (4, 5), (7, 2)]


def away_from_zero(rng, shape, margin=1e-3):
    """Inputs at least ``margin`` from 0, so the central difference never straddles the ReLU kink."""
    x = rng.standard_normal(shape)
    return np.where(np.abs(x) < margin, margin * np.sign(x + 1e-12) * 10, x)


def assert_grads_ok(results):
    for result in results:
        assert result.max_rel_error < TOL, str(result)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    ("forward", "backward", "kwargs"),
    [
        (F.relu_forward, F.relu_backward, {}),
        (F.leaky_relu_forward, F.leaky_relu_backward, {"alpha": 0.1}),
        (F.sigmoid_forward, F.sigmoid_backward, {}),
        (F.tanh_forward, F.tanh_backward, {}),
    ],
)
def test_activation_gradients(forward, backward, kwargs, shape):
    x = away_from_zero(np.random.default_rng(0), shape)
    assert_grads_ok(check_function(forward, backward, ("x",), x=x, **kwargs))


@pytest.mark.parametrize("shape", SHAPES)
def test_linear_gradients(shape):
    rng = np.random.default_rng(1)
    x, W, b = rng.standard_normal(shape), rng.standard_normal((shape[1], 4)), rng.standard_normal(4)
    assert_grads_ok(check_function(F.linear_forward, F.linear_backward, ("x", "W", "b"), x=x, W=W, b=b))


@pytest.mark.parametrize("alpha_shape", [(), (5,)])
def test_prelu_gradients(alpha_shape):
    rng = np.random.default_rng(2)
    x, alpha = away_from_zero(rng, (6, 5)), rng.uniform(0.1, 0.3, alpha_shape)
    assert_grads_ok(check_function(F.prelu_forward, F.prelu_backward, ("x", "alpha"), x=x, alpha=alpha))


# N = 2 is degenerate (x_hat = +-1 whatever x is, dx ~ 1e-6): numerical noise would dominate the check
@pytest.mark.parametrize("shape", [(3, 3), (8, 4), (32, 1)])
@pytest.mark.parametrize("backward", [F.batchnorm_backward, F.batchnorm_backward_compact])
def test_batchnorm_gradients(backward, shape):
    rng = np.random.default_rng(3)
    D = shape[1]
    inputs = dict(
        x=rng.normal(2.0, 3.0, shape),
        gamma=rng.uniform(0.5, 2, D),
        beta=rng.standard_normal(D),
        running_mean=np.zeros(D),
        running_var=np.ones(D),
        training=True,
    )
    assert_grads_ok(check_function(F.batchnorm_forward, backward, ("x", "gamma", "beta"), **inputs))


def test_layernorm_gradients():
    rng = np.random.default_rng(4)
    x, gamma, beta = rng.normal(1.0, 2.0, (5, 6)), rng.uniform(0.5, 2, 6), rng.standard_normal(6)
    assert_grads_ok(
        check_function(F.layernorm_forward, F.layernorm_backward, ("x", "gamma", "beta"), x=x, gamma=gamma, beta=beta)
    )


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_gradient_uses_the_forward_mask(p):
    x = np.random.default_rng(5).standard_normal((6, 7))
    assert_grads_ok(check_function(F.dropout_forward, F.dropout_backward, ("x",), x=x, p=p, training=True, rng=0))


@pytest.mark.parametrize("shape", [(1, 3), (5, 4)])
def test_loss_gradients(shape):
    rng = np.random.default_rng(6)
    logits, y = rng.standard_normal(shape), rng.integers(0, shape[1], shape[0])
    assert_grads_ok(
        check_function(
            lambda logits: F.softmax_cross_entropy(logits, y),
            lambda dout, dlogits: dout * dlogits,
            ("logits",),
            logits=logits,
        )
    )
    pred, target = rng.standard_normal(shape), rng.standard_normal(shape)
    assert_grads_ok(
        check_function(lambda pred: F.mse(pred, target), lambda dout, dpred: dout * dpred, ("pred",), pred=pred)
    )


def test_forward_values_match_the_formulas():
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 3.0]])
    np.testing.assert_allclose(F.relu_forward(x)[0], [[0, 0, 0, 0.5, 3]])
    np.testing.assert_allclose(F.leaky_relu_forward(x, 0.1)[0], [[-0.2, -0.05, 0, 0.5, 3]])
    np.testing.assert_allclose(F.sigmoid_forward(x)[0], 1 / (1 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(F.tanh_forward(x)[0], np.tanh(x))
    # ReLU's derivative at exactly 0 is taken as 0, like every framework
    np.testing.assert_array_equal(F.relu_backward(np.ones_like(x), F.relu_forward(x)[1]), [[0, 0, 0, 1, 1]])


def test_derivative_bounds_sigmoid_quarter_tanh_one():
    x = np.linspace(-10, 10, 2001)
    dsig = F.sigmoid_backward(np.ones_like(x), F.sigmoid_forward(x)[1])
    dtanh = F.tanh_backward(np.ones_like(x), F.tanh_forward(x)[1])
    assert dsig.max() == pytest.approx(0.25) and dtanh.max() == pytest.approx(1.0)
    assert dtanh[0] < 1e-7  # saturated: the gradient vanishes, it is never amplified


def test_sigmoid_and_softmax_are_stable_for_huge_inputs():
    x = np.array([[-1e4, -1e3, 0.0, 1e3, 1e4]], dtype=np.float32)
    out = F.sigmoid_forward(x)[0]
    assert np.isfinite(out).all() and out[0, 0] == 0 and out[0, -1] == 1
    loss, dlogits = F.softmax_cross_entropy(x, np.array([4]))
    assert loss == 0.0 and np.isfinite(dlogits).all()
    loss, _ = F.softmax_cross_entropy(x, np.array([0]))
    assert loss == pytest.approx(2e4, rel=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_keeps_relative_accuracy_in_the_far_tail(dtype):
    x = np.array([-80.0, -20.0, -15.0, 0.0, 15.0], dtype=dtype)
    out = F.sigmoid_forward(x)[0]
    exact = 1 / (1 + np.exp(-x.astype(np.float64)))
    np.testing.assert_allclose(out, exact, rtol=1e-6)


def test_cross_entropy_matches_an_independent_computation():
    rng = np.random.default_rng(7)
    logits, y = rng.standard_normal((10, 4)), rng.integers(0, 4, 10)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    loss, _ = F.softmax_cross_entropy(logits, y)
    assert loss == pytest.approx(-np.log(probs[np.arange(10), y]).mean())
    mse, _ = F.mse(logits, np.zeros_like(logits))
    assert mse == pytest.approx(np.mean(logits**2))


def test_dropout_statistics_and_eval_identity():
    rng = np.random.default_rng(8)
    x = np.ones((1000, 1000), dtype=np.float32)
    out, mask = F.dropout_forward(x, 0.3, True, rng)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.003
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)  # survivors scaled by 1/(1-p)
    assert abs(out.mean() - 1.0) < 0.01  # the expectation is unchanged
    same, cache = F.dropout_forward(x, 0.3, False, rng)
    np.testing.assert_array_equal(same, x)
    dout = np.full_like(x, 2.0)
    assert F.dropout_backward(dout, cache) is dout  # after a non-training forward: dout unchanged
    np.testing.assert_array_equal(F.dropout_backward(dout, mask), dout * mask)


def test_batchnorm_training_statistics_and_running_averages():
    rng = np.random.default_rng(9)
    D = 4
    gamma, beta = np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.0, -1.0, 2.0, 0.5])
    running_mean, running_var = np.zeros(D), np.ones(D)
    x = rng.normal(5.0, 3.0, (256, D))
    out, _ = F.batchnorm_forward(x, gamma, beta, running_mean, running_var, True, momentum=0.1)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-10)
    np.testing.assert_allclose(out.std(axis=0), gamma * np.sqrt(x.var(0) / (x.var(0) + 1e-5)), rtol=1e-10)
    # PyTorch's convention: running = 0.9 * running + 0.1 * batch, with the unbiased batch variance
    np.testing.assert_allclose(running_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(running_var, 0.9 + 0.1 * x.var(axis=0, ddof=1))

    for _ in range(200):  # warm up: the running averages converge to the data's statistics
        F.batchnorm_forward(rng.normal(5.0, 3.0, (256, D)), gamma, beta, running_mean, running_var, True)
    np.testing.assert_allclose(running_mean, 5.0, atol=0.3)
    np.testing.assert_allclose(running_var, 9.0, rtol=0.1)
    single = rng.normal(5.0, 3.0, (1, D))
    out, cache = F.batchnorm_forward(single, gamma, beta, running_mean, running_var, False)
    np.testing.assert_allclose(out, gamma * (single - running_mean) / np.sqrt(running_var + 1e-5) + beta)
    assert cache is None


def test_batchnorm_errors():
    x, v = np.ones((1, 3)), np.ones(3)
    with pytest.raises(ValueError, match="at least 2 samples"):
        F.batchnorm_forward(x, v, v, v.copy(), v.copy(), True)
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        F.batchnorm_forward(np.ones((4, 3)), np.ones(2), v, v, v, True)
    with pytest.raises(ValueError, match="needs the cache of a training-mode forward"):
        F.batchnorm_backward(np.ones((4, 3)), None)


def test_penalties():
    W1, W2 = np.array([[1.0, -2.0]]), np.array([3.0])
    assert F.l2_penalty([W1, W2], 0.1) == pytest.approx(0.5 * 0.1 * 14)
    np.testing.assert_allclose(F.l2_grad([W1, W2], 0.1)[0], 0.1 * W1)
    assert F.l1_penalty([W1, W2], 0.1) == pytest.approx(0.6)
    np.testing.assert_allclose(F.l1_grad([W1], 0.1)[0], [[0.1, -0.1]])
    with pytest.raises(TypeError, match="list of arrays"):
        F.l2_penalty(W1, 0.1)
    with pytest.raises(ValueError, match="weight_decay must be a number >= 0"):
        F.l2_grad([W1], -1.0)


FORWARDS_FLOAT32 = [
    lambda x: F.relu_forward(x),
    lambda x: F.leaky_relu_forward(x),
    lambda x: F.sigmoid_forward(x),
    lambda x: F.tanh_forward(x),
    lambda x: F.dropout_forward(x, 0.5, True, 0),
    lambda x: F.prelu_forward(x, np.full(3, 0.2, np.float32)),
]
BACKWARDS = [
    F.relu_backward,
    F.leaky_relu_backward,
    F.sigmoid_backward,
    F.tanh_backward,
    F.dropout_backward,
    lambda d, c: F.prelu_backward(d, c)[0],
]


@pytest.mark.parametrize("index", range(len(BACKWARDS)))
def test_float32_in_float32_out(index):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out, cache = FORWARDS_FLOAT32[index](x)
    assert out.dtype == np.float32
    assert BACKWARDS[index](np.ones_like(out), cache).dtype == np.float32


def test_float32_linear_batchnorm_losses():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    W, b = rng.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32)
    out, cache = F.linear_forward(x, W, b)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in F.linear_backward(out, cache))
    g, z = np.ones(3, np.float32), np.zeros(3, np.float32)
    out, cache = F.batchnorm_forward(x, g, z, z.copy(), g.copy(), True, momentum=np.float64(0.1))
    assert out.dtype == np.float32
    for backward in (F.batchnorm_backward, F.batchnorm_backward_compact):
        assert all(grad.dtype == np.float32 for grad in backward(out, cache))
    assert F.softmax_cross_entropy(out, np.array([0, 1, 2, 0, 1]))[1].dtype == np.float32
    assert F.mse(out, out)[1].dtype == np.float32


@pytest.mark.parametrize(
    "bad", [np.ones((2, 3), dtype=int), np.ones((2, 3), dtype=complex), np.ones((2, 3), dtype=object), [[1.0, 2.0]]]
)
def test_bad_dtypes_are_rejected_with_a_clear_message(bad):
    with pytest.raises(TypeError, match="x must be"):
        F.relu_forward(bad)


def test_bad_input_names_the_problem():
    x = np.ones((2, 3))
    for p in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match=r"drop probability and must be in \[0, 1\)"):
            F.dropout_forward(x, p, True, 0)
    with pytest.raises(TypeError, match="training must be True or False"):
        F.dropout_forward(x, 0.5, "train", 0)
    with pytest.raises(ValueError, match="x has 3 features but W expects 4"):
        F.linear_forward(x, np.ones((4, 2)), np.ones(2))
    with pytest.raises(TypeError, match="x is float32 but W is float64"):
        F.linear_forward(x.astype(np.float32), np.ones((3, 2)), None)
    with pytest.raises(ValueError, match="labels must be in"):
        F.softmax_cross_entropy(x, np.array([0, 3]))
    with pytest.raises(TypeError, match="integer class labels"):
        F.softmax_cross_entropy(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="NaN or inf"):
        F.softmax_cross_entropy(np.array([[np.nan, 1.0]]), np.array([0]))
    with pytest.raises(ValueError, match="dout has shape"):
        F.relu_backward(np.ones((3, 3)), F.relu_forward(x)[1])
