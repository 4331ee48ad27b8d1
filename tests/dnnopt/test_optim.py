"""Optimizers against hand-written PyTorch-convention updates; clipping; float32 kept."""

import math

import numpy as np
import pytest

from dnnopt import layers as L
from dnnopt.optim import SGD, Adam, clip_grad_norm, clip_grad_value


def quadratic_grads(w):
    return {"w": 2.0 * w["w"]}  # gradient of ||w||^2


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_weight_decay_matches_the_reference_update(nesterov):
    params = {"w": np.array([1.0, -2.0, 3.0])}
    opt = SGD(params, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=nesterov)
    w, v = params["w"].copy(), np.zeros(3)
    for _ in range(5):
        g = 2.0 * w + 0.01 * w
        v = 0.9 * v + g
        w = w - 0.1 * ((g + 0.9 * v) if nesterov else v)
        opt.step(quadratic_grads(params))
    np.testing.assert_allclose(params["w"], w)


def test_adam_matches_the_reference_update():
    params = {"w": np.array([1.0, -2.0])}
    opt = Adam(params, lr=0.01)
    w, m, v = params["w"].copy(), 0.0, 0.0
    for t in range(1, 6):
        g = 2.0 * w
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        opt.step(quadratic_grads(params))
    np.testing.assert_allclose(params["w"], w)


def test_optimizer_updates_a_model_in_place_from_its_grads():
    layer = L.Linear(3, 2, rng=0)
    W = layer.params["W"]
    before = W.copy()
    opt = SGD(layer, lr=0.5)
    layer.forward(np.ones((4, 3), np.float32))
    layer.backward(np.ones((4, 2), np.float32))
    opt.step()
    assert layer.params["W"] is W  # same array, updated in place
    np.testing.assert_allclose(W, before - 0.5 * layer.grads["W"])


@pytest.mark.parametrize(
    "make",
    [
        lambda p: SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-3, nesterov=True),
        lambda p: Adam(p, lr=np.float64(1e-3), weight_decay=1e-3),
    ],
)
def test_float32_stays_float32(make):
    params = {"w": np.ones(4, np.float32)}
    opt = make(params)
    opt.step({"w": np.ones(4, np.float32)})
    assert params["w"].dtype == np.float32
    buffers = opt.velocity if isinstance(opt, SGD) else opt.m
    assert all(buf.dtype == np.float32 for buf in buffers.values())


def test_clip_grad_norm_scales_globally_and_returns_the_norm_before():
    grads = {"a": np.array([3.0, 0.0], np.float32), "b": np.array([[4.0]], np.float32)}
    total = clip_grad_norm(grads, max_norm=1.0)
    assert total == pytest.approx(5.0)
    np.testing.assert_allclose(grads["a"], [0.6, 0.0], rtol=1e-5)
    np.testing.assert_allclose(grads["b"], [[0.8]], rtol=1e-5)
    assert grads["a"].dtype == np.float32
    small = [np.array([0.1, 0.2])]
    assert clip_grad_norm(small, 10.0) == pytest.approx(math.sqrt(0.05))
    np.testing.assert_array_equal(small[0], [0.1, 0.2])  # below the threshold: untouched


def test_clip_grad_value_changes_direction_in_place():
    grads = [np.array([0.5, -3.0, 10.0], np.float32)]
    clip_grad_value(grads, 1.0)
    np.testing.assert_array_equal(grads[0], [0.5, -1.0, 1.0])
    assert grads[0].dtype == np.float32


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match=r"lr must be in \(0"):
        SGD({"w": np.ones(2)}, lr=0.0)
    with pytest.raises(ValueError, match="momentum must be in"):
        SGD({"w": np.ones(2)}, lr=0.1, momentum=1.5)
    with pytest.raises(KeyError, match="no gradient for parameter 'w'"):
        SGD({"w": np.ones(2)}, lr=0.1).step({"v": np.ones(2)})
    with pytest.raises(ValueError, match="gradient 'w' has shape"):
        SGD({"w": np.ones(2)}, lr=0.1).step({"w": np.ones(3)})
    with pytest.raises(TypeError, match="needs the gradients"):
        SGD({"w": np.ones(2)}, lr=0.1).step()
    with pytest.raises(ValueError, match="NaN or inf"):
        clip_grad_norm([np.array([np.nan, 1.0])], 1.0)
    with pytest.raises(TypeError, match="not a single array"):
        clip_grad_norm(np.ones(3), 1.0)
