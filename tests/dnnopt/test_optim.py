"""Optimizers and schedulers against hand-computed PyTorch-convention updates and closed forms; clipping; float32.

(Checked once against torch 2.13 itself: every optimizer's 25-step trajectory and every schedule's 40 steps agreed to
float64 rounding, < 3e-15; torch is not a test dependency.)"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from dnnopt import layers as L
from dnnopt.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    CosineAnnealingLR,
    LinearLR,
    RMSprop,
    SequentialLR,
    StepLR,
    clip_grad_norm,
    clip_grad_value,
)


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
        lambda p: AdamW(p, lr=np.float64(1e-3)),
        lambda p: RMSprop(p, momentum=0.9, weight_decay=1e-3),
        lambda p: Adagrad(p, weight_decay=1e-3),
    ],
)
def test_float32_stays_float32(make):
    params = {"w": np.ones(4, np.float32)}
    opt = make(params)
    for _ in range(2):
        opt.step({"w": np.ones(4, np.float32)})
    assert params["w"].dtype == np.float32
    buffers = [b for name, b in vars(opt).items() if isinstance(b, dict) and name != "params"]
    assert buffers and all(buf.dtype == np.float32 for group in buffers for buf in group.values())


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
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0\.0"):
        SGD({"w": np.ones(2)}, lr=0.0)
    with pytest.raises(ValueError, match="momentum must be a finite number in"):
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


# -- the first step, computed by hand for w = [1, -2], g = [0.5, -4] ------------------------------------------------
G = np.array([0.5, -4.0])


def first_step(make) -> np.ndarray:
    params = {"w": np.array([1.0, -2.0])}
    make(params).step({"w": G.copy()})
    return params["w"]


def test_adaptive_first_steps_by_hand():
    # Adagrad: s = g^2, so the step is lr * g / |g| = lr * sign(g), whatever the gradient's size
    np.testing.assert_allclose(first_step(lambda p: Adagrad(p, lr=0.1)), [0.9, -1.9])
    # RMSprop: s = 0.01 g^2, so g / sqrt(s) = 10 sign(g): the first step is ten times lr
    np.testing.assert_allclose(first_step(lambda p: RMSprop(p, lr=0.01)), [0.9, -1.9], rtol=1e-6)
    # Adam: bias correction makes m_hat = g and v_hat = g^2, so the first step is lr * sign(g)
    np.testing.assert_allclose(first_step(lambda p: Adam(p, lr=0.1)), [0.9, -1.9], rtol=1e-6)
    # AdamW: first w *= 1 - lr * weight_decay = 0.95, then the same Adam step
    np.testing.assert_allclose(first_step(lambda p: AdamW(p, lr=0.1, weight_decay=0.5)), [0.85, -1.8], rtol=1e-6)
    # Adam's L2 goes through the gradient and is normalized away: g + 0.5 w = [1, -5], the step is still lr * sign
    np.testing.assert_allclose(first_step(lambda p: Adam(p, lr=0.1, weight_decay=0.5)), [0.9, -1.9], rtol=1e-6)


def quadratic_trajectory(make, steps: int = 6) -> list[np.ndarray]:
    """Iterates of ``make`` on f(w) = ||w||^2 from w = [1, -2]."""
    params = {"w": np.array([1.0, -2.0])}
    opt, iterates = make(params), []
    for _ in range(steps):
        opt.step(quadratic_grads(params))
        iterates.append(params["w"].copy())
    return iterates


def test_rmsprop_with_momentum_and_decay_matches_the_reference_update():
    w, s, b = np.array([1.0, -2.0]), np.zeros(2), np.zeros(2)
    for got in quadratic_trajectory(lambda p: RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1)):
        g = 2.0 * w + 0.1 * w
        s = 0.9 * s + 0.1 * g * g
        b = 0.5 * b + g / (np.sqrt(s) + 1e-8)
        w = w - 0.01 * b
        np.testing.assert_allclose(got, w)


def test_adagrad_matches_the_reference_update():
    w, s = np.array([1.0, -2.0]), np.zeros(2)
    for got in quadratic_trajectory(lambda p: Adagrad(p, lr=0.3, weight_decay=0.1)):
        g = 2.1 * w
        s = s + g * g
        w = w - 0.3 * g / (np.sqrt(s) + 1e-10)
        np.testing.assert_allclose(got, w)


def test_adamw_decays_before_the_adam_step():
    w, m, v = np.array([1.0, -2.0]), 0.0, 0.0
    for t, got in enumerate(quadratic_trajectory(lambda p: AdamW(p, lr=0.05, weight_decay=0.2)), start=1):
        g = 2.0 * w  # the gradient at the weights *before* the decay
        w = w * (1 - 0.05 * 0.2)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.05 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        np.testing.assert_allclose(got, w)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: RMSprop(p, alpha=1.5), r"alpha must be a finite number in \[0.0, 1.0\]"),
        (lambda p: RMSprop(p, eps=-1e-8), "eps must be a finite number >= 0.0"),
        (lambda p: Adagrad(p, lr=-0.1), "lr must be a finite number > 0.0"),
        (lambda p: AdamW(p, betas=(0.9, 1.5)), r"betas\[1\] must be a finite number in"),
        (lambda p: AdamW(p, weight_decay=-0.01), "weight_decay must be a finite number >= 0.0"),
        (lambda p: Adam(p, lr="0.1"), "lr must be a number"),
    ],
)
def test_bad_hyperparameters_name_the_problem(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make({"w": np.ones(2)})


# -- schedulers ----------------------------------------------------------------------------------------------------


def lrs(make_scheduler, n_steps: int, lr: float = 0.5) -> list[float]:
    """The learning rate at construction and after each of ``n_steps`` scheduler steps."""
    opt = SGD({"w": np.zeros(1)}, lr=lr)
    scheduler = make_scheduler(opt)
    seen = [opt.lr]
    for _ in range(n_steps):
        scheduler.step()
        seen.append(opt.lr)
        assert scheduler.get_last_lr() == opt.lr
    return seen


def test_step_lr_is_a_staircase():
    assert lrs(lambda o: StepLR(o, step_size=3, gamma=0.1), 7) == pytest.approx(
        [0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.005, 0.005]
    )


def test_cosine_annealing_matches_its_closed_form():
    got = lrs(lambda o: CosineAnnealingLR(o, T_max=10, eta_min=0.1), 10)
    want = [0.1 + 0.4 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(11)]
    assert got == pytest.approx(want) and got[5] == pytest.approx(0.3) and got[10] == pytest.approx(0.1)


def test_linear_lr_ramps_then_holds():
    got = lrs(lambda o: LinearLR(o, start_factor=0.2, end_factor=1.0, total_iters=4), 6)
    assert got == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.5])
    assert lrs(LinearLR, 6, lr=0.3) == pytest.approx([0.1, 0.14, 0.18, 0.22, 0.26, 0.3, 0.3])  # torch's defaults


def test_sequential_lr_restarts_each_piece_at_its_milestone():
    """Linear warmup over 4 steps, then cosine over 8: the warmup's end is the cosine's start, both at base lr."""

    def warmup_then_cosine(opt):
        return SequentialLR(opt, [LinearLR(opt, 0.25, total_iters=4), CosineAnnealingLR(opt, T_max=8)], [4])

    got = lrs(warmup_then_cosine, 12, lr=0.4)
    want = [0.1, 0.175, 0.25, 0.325] + [0.2 * (1 + math.cos(math.pi * t / 8)) for t in range(9)]
    assert got == pytest.approx(want)


def test_schedules_are_relative_to_the_lr_when_the_first_scheduler_was_attached():
    opt = SGD({"w": np.zeros(1)}, lr=1.0)
    warmup = LinearLR(opt, start_factor=0.1, total_iters=2)  # sets opt.lr = 0.1
    cosine = CosineAnnealingLR(opt, T_max=4)  # still relative to 1.0, not to 0.1
    assert opt.initial_lr == 1.0 and warmup.base_lr == cosine.base_lr == 1.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: StepLR(o, step_size=0), "step_size must be a positive int"),
        (lambda o: StepLR(o, step_size=2.5), "step_size must be a positive int"),
        (lambda o: CosineAnnealingLR(o, T_max=10, eta_min=-1.0), "eta_min must be a finite number >= 0.0"),
        (lambda o: LinearLR(o, start_factor=0.0), r"start_factor must be a finite number in \(0.0, 1.0\]"),
        (lambda o: SequentialLR(o, [StepLR(o, 2)], milestones=[3]), "one milestone fewer than schedulers"),
        (lambda o: SequentialLR(o, [StepLR(o, 2), StepLR(o, 3), StepLR(o, 4)], [5, 5]), "increase strictly"),
        (lambda o: StepLR("sgd", step_size=2), "takes a dnnopt optimizer"),
    ],
)
def test_bad_scheduler_arguments_name_the_problem(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(SGD({"w": np.zeros(1)}, lr=0.1))


def test_sequential_lr_needs_one_optimizer():
    first, second = (SGD({"w": np.zeros(1)}, lr=0.1) for _ in range(2))
    with pytest.raises(ValueError, match="must drive the optimizer"):
        SequentialLR(first, [StepLR(first, 2), StepLR(second, 2)], milestones=[3])


# -- properties --------------------------------------------------------------------------------------------------

finite = st.floats(-1e3, 1e3, allow_nan=False, width=32)


@given(st.lists(arrays(np.float32, st.integers(1, 6), elements=finite), min_size=1, max_size=4), st.floats(1e-3, 1e3))
def test_clip_grad_norm_bounds_the_norm_and_keeps_the_direction(grads, max_norm):
    before = [g.astype(np.float64) for g in grads]
    total = clip_grad_norm(grads, max_norm)
    assert total == pytest.approx(math.sqrt(sum(float(np.sum(g * g)) for g in before)), rel=1e-5)
    after = math.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads))
    assert after <= max_norm * (1 + 1e-5)
    scale = min(1.0, max_norm / (total + 1e-6))
    for got, want in zip(grads, before, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, want * scale, rtol=1e-5, atol=1e-30)


@given(arrays(np.float64, 3, elements=st.floats(-1e3, 1e3).filter(lambda g: abs(g) > 1e-3)), st.floats(1e-4, 1.0))
def test_adam_and_adagrad_first_step_is_lr_in_every_coordinate(gradient, lr):
    """Per-coordinate scaling: the first step has size lr in every coordinate, whatever the gradient's scale."""
    for make in (lambda p: Adam(p, lr=lr), lambda p: Adagrad(p, lr=lr)):
        params = {"w": np.zeros(3)}
        make(params).step({"w": gradient.copy()})
        np.testing.assert_allclose(params["w"], -lr * np.sign(gradient), rtol=1e-4)
