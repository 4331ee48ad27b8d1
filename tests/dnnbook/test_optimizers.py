"""The optimizers chapter's experiments, theory, figures and explorables (dnnbook.optimizers)."""

import matplotlib

matplotlib.use("Agg")

import math
from dataclasses import FrozenInstanceError, replace

import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook import optimizers
from dnnbook.experiments import experiment_split
from dnnopt import optim
from dnnopt.models import mlp

TINY = replace(optimizers.SETUP, n_train=128, batch_size=32, epochs=2)  # 8 steps per run: milliseconds


# --- quadratics ------------------------------------------------------------------------------------------------------


def test_quadratic_gradient_matches_central_differences_and_rotation_keeps_the_spectrum():
    problem = optimizers.two_d(kappa=10, angle_degrees=30)
    x = np.array([[0.3, -0.7], [1.0, 2.0]])  # (2 points, 2)
    step = 1e-6
    numeric = np.stack(
        [(problem.loss(x + step * e) - problem.loss(x - step * e)) / (2 * step) for e in np.eye(2)], axis=-1
    )
    np.testing.assert_allclose(problem.grad(x), numeric, rtol=1e-6)
    eigenvalues = np.linalg.eigvalsh(problem.rotation @ np.diag(problem.curvatures) @ problem.rotation.T)
    np.testing.assert_allclose(eigenvalues, [0.1, 1.0])
    assert problem.kappa == pytest.approx(10)


def test_quadratic_is_a_read_only_value_and_rejects_bad_input():
    problem = optimizers.two_d(kappa=10)
    with pytest.raises(ValueError, match="read-only"):
        problem.curvatures[0] = 5.0
    with pytest.raises(FrozenInstanceError):
        problem.rotation = np.eye(2)
    with pytest.raises(ValueError, match="positive"):
        optimizers.Quadratic(np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="orthogonal"):
        optimizers.Quadratic(np.array([1.0, 2.0]), rotation=np.ones((2, 2)))
    with pytest.raises(ValueError, match="kappa must be >= 1"):
        optimizers.two_d(0.5)


def test_random_quadratic_spans_exactly_one_over_kappa_to_one():
    problem = optimizers.random_quadratic(kappa=100, dim=8, seed=3)
    assert problem.curvatures.min() == pytest.approx(0.01) and problem.curvatures.max() == pytest.approx(1.0)
    assert problem.kappa == pytest.approx(100)
    np.testing.assert_array_equal(problem.curvatures, optimizers.random_quadratic(100, 8, 3).curvatures)


def test_descend_is_gradient_descent_coordinate_by_coordinate_and_runs_side_by_side():
    problem = optimizers.two_d(kappa=4)  # curvatures 0.25 and 1
    starts = np.array([[1.0, 1.0], [-2.0, 0.5]])
    path = optimizers.descend(problem, optimizers.sgd(1.5), starts, steps=5)
    assert path.shape == (6, 2, 2) and not path.flags.writeable
    factors = 1 - 1.5 * problem.curvatures  # (2,): eq-opt-gd-coordinate
    np.testing.assert_allclose(path[5], starts * factors**5)
    alone = optimizers.descend(problem, optimizers.sgd(1.5), starts[1], steps=5)
    np.testing.assert_allclose(path[:, 1], alone)


def test_spectral_rate_matches_the_closed_forms():
    curvatures = np.geomspace(0.01, 1.0, 7)
    assert optimizers.spectral_rate(1.0, 0.0, curvatures) == pytest.approx(0.99)
    assert optimizers.spectral_rate(2 / 1.01, 0.0, curvatures) == pytest.approx(99 / 101)
    lr, beta = optimizers.heavy_ball_tuning(0.01, 1.0)
    assert (lr, beta) == pytest.approx((4 / 1.1**2, (9 / 11) ** 2))
    assert optimizers.spectral_rate(lr, beta, curvatures) == pytest.approx(9 / 11, rel=1e-6)
    lr, beta = optimizers.nesterov_tuning(0.01, 1.0)
    assert optimizers.spectral_rate(lr, beta, curvatures, nesterov=True) == pytest.approx(0.9, rel=1e-6)
    assert optimizers.spectral_rate(2.1, 0.0, curvatures) > 1  # beyond 2 / h_max
    assert optimizers.spectral_rate(2.1, 0.5, curvatures) < 1  # momentum widens the stable range to 2 (1 + beta)


def test_steps_to_tolerance_counts_exactly_and_caps_a_diverging_run():
    problem = optimizers.Quadratic(np.array([1.0, 1.0]))
    steps = optimizers.steps_to_tolerance(problem, optimizers.sgd(0.5), np.array([[1.0, 0.0], [3.0, 4.0]]), tol=1e-3)
    np.testing.assert_array_equal(steps, [10, 10])  # 0.5^10 < 1e-3 < 0.5^9
    assert optimizers.theory_steps(0.5, 1e-3) == pytest.approx(math.log(1e3) / math.log(2))
    assert optimizers.theory_steps(1.0) == math.inf
    diverging = optimizers.steps_to_tolerance(problem, optimizers.sgd(2.5), np.ones((1, 2)), max_steps=50)
    np.testing.assert_array_equal(diverging, [50])
    with pytest.raises(ValueError, match="n_runs, d"):
        optimizers.steps_to_tolerance(problem, optimizers.sgd(0.5), np.ones(2))


def test_momentum_needs_far_fewer_steps_than_gradient_descent_on_an_ill_conditioned_quadratic():
    measured, theory = optimizers.steps_vs_kappa((10, 100), tol=1e-3, seeds=(0, 1, 2), dim=6)
    assert set(measured) == set(optimizers.TUNED_METHODS)
    assert measured["gradient descent"].shape == (2, 3) and theory["heavy ball"].shape == (2,)
    assert np.all(measured["heavy ball"][1] * 3 < measured["gradient descent"][1])
    assert np.all(measured["gradient descent"] <= np.ceil(theory["gradient descent"])[:, None])


def test_sign_changes_skips_exact_zeros():
    np.testing.assert_array_equal(optimizers.sign_changes(np.array([1.0, -1.0, 2.0, 0.0, 3.0])), 2)
    np.testing.assert_array_equal(optimizers.sign_changes(np.array([[1.0, 1.0], [-1.0, 2.0]])), [1, 0])


def test_tuned_knows_its_methods():
    assert optimizers.tuned("gradient descent", 0.1, 1.0) == pytest.approx((2 / 1.1, 0.0, False))
    assert optimizers.tuned("Nesterov", 0.01, 1.0)[2] is True
    with pytest.raises(ValueError, match="unknown method"):
        optimizers.tuned("Adam", 0.1, 1.0)


# --- training on digits ----------------------------------------------------------------------------------------------


def test_train_run_is_cached_read_only_and_records_every_step():
    run = optimizers.train_run("Adam", 0.01, seed=0, setup=TINY)
    assert optimizers.train_run("Adam", lr=0.01, seed=0, setup=TINY) is run
    assert TINY.steps == 8 and run.step_loss.shape == run.lr.shape == (8,)
    assert run.train_loss.shape == run.val_acc.shape == (2,) and run.first_weights.shape == (64, 64)
    np.testing.assert_array_equal(run.lr, 0.01)
    with pytest.raises(ValueError, match="read-only"):
        run.step_loss[0] = 0.0
    with pytest.raises(FrozenInstanceError):
        run.diverged = True
    assert run.final_loss == run.train_loss[-1] < run.step_loss[0]


def test_train_run_follows_its_schedule_and_seed():
    run = optimizers.train_run("momentum", 0.1, seed=1, schedule="warmup + cosine", setup=TINY)
    np.testing.assert_allclose(run.lr, 0.1 * optimizers.schedule_factors("warmup + cosine", TINY.steps))
    other = optimizers.train_run("momentum", 0.1, seed=2, schedule="warmup + cosine", setup=TINY)
    assert not np.array_equal(run.step_loss, other.step_loss)
    with pytest.raises(ValueError, match="unknown schedule"):
        optimizers.train_run("Adam", 0.01, 0, schedule="exponential", setup=TINY)
    with pytest.raises(ValueError, match="unknown optimizer"):
        optimizers.train_run("LBFGS", 0.01, 0, setup=TINY)


def test_weight_decay_reaches_the_optimizer():
    plain = optimizers.train_run("AdamW", 0.01, 0, weight_decay=0.0, setup=TINY)
    decayed = optimizers.train_run("AdamW", 0.01, 0, weight_decay=10.0, setup=TINY)
    assert np.linalg.norm(decayed.first_weights) < 0.5 * np.linalg.norm(plain.first_weights)


def test_a_diverging_run_has_an_infinite_final_loss():
    run = optimizers.train_run("SGD", 1e20, 0, setup=TINY)  # the first step overflows the output
    assert run.diverged and run.final_loss == math.inf


def test_schedule_factors_have_the_right_shapes():
    steps = 48
    np.testing.assert_array_equal(optimizers.schedule_factors("constant", steps), 1.0)
    step = optimizers.schedule_factors("step", steps)
    np.testing.assert_allclose(step[[0, 15, 16, 31, 32, 47]], [1, 1, 0.1, 0.1, 0.01, 0.01])
    cosine = optimizers.schedule_factors("cosine", steps)
    assert cosine[0] == 1 and np.all(np.diff(cosine) < 0) and cosine[-1] < 0.01
    warm = optimizers.schedule_factors("warmup + cosine", steps)
    assert warm[0] == pytest.approx(0.01) and warm[8] == pytest.approx(1.0) and np.all(np.diff(warm[:8]) > 0)


def test_good_range_interpolates_between_grid_points():
    rates = [0.001, 0.01, 0.1, 1.0, 10.0]
    low, high = optimizers.good_range(rates, [4.0, 2.0, 1.0, 2.0, 8.0])  # good: loss <= 2
    assert (low, high) == pytest.approx((0.01, 1.0))
    low, high = optimizers.good_range(rates, [4.0, 4.0, 1.0, math.inf, 8.0])
    # between 0.01 (log excess ln 2) and 0.1 (-ln 2) the crossing is half-way in log lr
    assert low == pytest.approx(10**-1.5) and high < 1.0
    # the log excess goes from ln(1.5/2) to ln(3/2): it crosses 0 a fraction ln(4/3) / ln(2) of the way
    crossing = 10 ** (-2 + math.log(4 / 3) / math.log(2))
    assert optimizers.good_range(rates, [1.0, 1.5, 3.0, 3.0, 3.0]) == pytest.approx((0.001, crossing))  # cut at 0.001
    with pytest.raises(ValueError, match="increasing"):
        optimizers.good_range([0.1, 0.01], [1.0, 2.0])


def test_gradient_noise_falls_with_the_batch_size_and_vanishes_for_the_full_batch():
    noise = optimizers.gradient_noise([1, 16, TINY.n_train], seed=0, n_draws=10, setup=TINY)
    assert noise[0] > 4 * noise[1] > 0 and noise[2] == pytest.approx(0.0, abs=1e-10)
    with pytest.raises(ValueError, match="between 1 and 128"):
        optimizers.gradient_noise([0], seed=0, setup=TINY)


def test_initial_gradient_is_the_first_batch_gradient_of_the_initial_model():
    w, g = optimizers.initial_gradient(0, setup=TINY)
    model = mlp(list(TINY.sizes), rng=0)
    assert w.shape == g.shape == (sum(p.size for p in model.params.values()),)
    np.testing.assert_array_equal(w[: 64 * 64], model.params["0.0.W"].ravel())
    assert np.count_nonzero(g) > 0.5 * g.size


def test_range_test_grows_the_rate_geometrically():
    run = optimizers.range_test("Adam", 0, 1e-4, 1.0, setup=TINY)
    np.testing.assert_allclose(run.lr, np.geomspace(1e-4, 1.0, TINY.steps))
    with pytest.raises(ValueError, match="lr_min < lr_max"):
        optimizers.range_test("Adam", 0, 1.0, 0.1, setup=TINY)


def test_with_batch_size_keeps_the_epochs():
    setup = optimizers.with_batch_size(16, TINY)
    assert setup.batch_size == 16 and setup.epochs == TINY.epochs and setup.steps == 16


# --- adaptive methods ------------------------------------------------------------------------------------------------


def test_bias_correction_factor_and_the_uncorrected_adam_it_builds():
    assert optimizers.bias_correction_factor(1) == pytest.approx(0.1 / math.sqrt(0.001))
    with pytest.raises(ValueError, match="t = 1"):
        optimizers.bias_correction_factor(np.array([0, 1]))
    # dnnopt's Adam with lr x factor(t) is Adam without bias correction (exactly when eps = 0)
    rng = np.random.default_rng(0)
    w0, grads = rng.standard_normal(5), rng.standard_normal((6, 5))
    w, optimizer = w0.copy(), optim.Adam([w0.copy()], lr=0.01, eps=0.0)
    m = v = np.zeros(5)
    for t, g in enumerate(grads, start=1):
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        w = w - 0.01 * m / np.sqrt(v)  # no bias correction
        optimizer.lr = 0.01 * float(optimizers.bias_correction_factor(t))
        optimizer.step([g])
    np.testing.assert_allclose(optimizer.params["0"], w, rtol=1e-12)
    uncorrected = optimizers.uncorrected_adam_run(0.01, 0, setup=TINY)
    assert uncorrected.lr[0] == pytest.approx(0.01 * math.sqrt(10))
    assert not np.array_equal(uncorrected.step_loss, optimizers.train_run("Adam", 0.01, 0, setup=TINY).step_loss)


def test_first_step_halves_at_eps_outside_and_at_sqrt_eps_over_3_inside():
    eps = 1e-8
    assert optimizers.first_step(np.array([eps]), eps)[0] == pytest.approx(0.5)
    assert optimizers.first_step(np.array([math.sqrt(eps / 3)]), eps, eps_inside=True)[0] == pytest.approx(0.5)
    assert optimizers.first_step(np.array([-1.0]), eps)[0] == pytest.approx(1.0)


def test_best_distance_picks_the_best_rate_of_the_grid():
    problem = optimizers.two_d(kappa=10)
    starts = np.array([[1.0, 0.0], [0.0, 1.0]])
    distance, lr = optimizers.best_distance(problem, "GD", starts, [0.1, 1.0, 3.0], steps=10)
    assert lr == 1.0 and distance == pytest.approx(0.9**10)  # the flat coordinate limits it; 3.0 diverges


def test_l2_in_adam_shrinks_quiet_pixels_far_more_than_adamw():
    activity = optimizers.pixel_activity()
    assert activity.shape == (64,) and activity.min() == 0.0 and activity.max() <= 1.0
    assert experiment_split(optimizers.SETUP).X_train.shape == (1024, 64)
    l2_quiet, l2_busy = optimizers.decay_by_pixel_activity("Adam", 0.01, 0.01, seed=0)
    w_quiet, w_busy = optimizers.decay_by_pixel_activity("AdamW", 0.01, 1.0, seed=0)
    assert l2_quiet < 0.3 * l2_busy and abs(w_quiet / w_busy - 1) < 0.2


# --- figures and explorables -----------------------------------------------------------------------------------------


def test_figures_draw_one_line_per_method_and_survive_diverged_runs():
    ax = Figure().subplots()
    optimizers.draw_over_seeds(ax, np.arange(3), {"a": np.array([[1.0, 0.5, np.inf], [1.0, 0.4, 0.2]])}, "loss")
    assert [line.get_label() for line in ax.lines] == ["a"] and np.isfinite(ax.lines[0].get_ydata()).all()
    ax = Figure().subplots()
    optimizers.draw_lr_sweep(ax, [0.01, 0.1], {"SGD": np.array([[1.0, 2.0], [np.inf, 5.0]]), "Adam": np.ones((2, 2))})
    assert len(ax.containers) == 2 and ax.get_xscale() == "log"
    ax = Figure().subplots()
    kappas = (10, 100)
    measured = {"gradient descent": np.array([[10, 12], [100, 110]])}
    optimizers.draw_steps_vs_kappa(ax, kappas, measured, {"gradient descent": np.array([11, 115])})
    labels = [line.get_label() for line in ax.lines if not line.get_label().startswith("_")]
    assert labels == ["gradient descent: theory", "gradient descent: measured"]
    ax = Figure().subplots()
    optimizers.draw_contours(ax, optimizers.two_d(10, 30), extent=1.0)
    optimizers.draw_path(ax, np.array([[1.0, 1.0], [0.5, 0.2]]), "path")
    assert ax.get_xlim() == (-1.0, 1.0) and ax.get_aspect() == 1.0


def test_momentum_explorable_paths_are_cached_and_frames_change():
    path = optimizers.momentum_path(100, 1.0, 0.9)
    assert path.shape == (151, 2) and optimizers.momentum_path(100, 1.0, 0.9) is path
    explorer = optimizers.momentum_on_quadratic()
    default = explorer.update()
    assert explorer.update(momentum=0.0) != default
    assert explorer.update(momentum=0.9) == default
