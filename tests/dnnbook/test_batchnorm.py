"""The batch-norm chapter's experiments, figures and explorable (dnnbook.batchnorm)."""

import matplotlib

matplotlib.use("Agg")

import copy
import math
from dataclasses import FrozenInstanceError, replace

import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook import batchnorm
from dnnbook.experiments import experiment_split
from dnnopt import optim, train
from dnnopt.gradcheck import check_layer
from dnnopt.layers import BatchNorm
from dnnopt.models import mlp

TINY = batchnorm.BNSetup(depth=2, width=8, epochs=2, batch_size=16, n_train=64)  # 8 steps per run: milliseconds


def test_batchnorm_layers_finds_every_one_input_side_first():
    model = mlp([64, 8, 8, 8, 10], batchnorm=True, rng=0)
    layers = batchnorm.batchnorm_layers(model)
    assert len(layers) == 3 and all(isinstance(layer, BatchNorm) for layer in layers)
    assert layers[0] is model.layers[0].layers[1]
    assert batchnorm.batchnorm_layers(mlp([64, 8, 10], rng=0)) == []


def test_bn_run_is_cached_keeps_a_copy_per_epoch_and_records_every_step():
    run = batchnorm.bn_run("ReLU, He init", 0.1, True, TINY)
    assert batchnorm.bn_run("ReLU, He init", lr=0.1, batchnorm=1, setup=TINY) is run
    assert len(run.snapshots) == TINY.epochs + 1 and len(run.val_acc) == len(run.train_loss) == TINY.epochs
    assert len(run.step_loss) == TINY.epochs * TINY.n_train // TINY.batch_size
    first, last = run.snapshots[0].params["0.0.W"], run.snapshots[-1].params["0.0.W"]
    assert not np.array_equal(first, last)  # copies, not the same trained arrays
    with pytest.raises(ValueError, match="unknown setting"):
        batchnorm.bn_run("tanh", 0.1, True, TINY)


def test_a_run_is_a_read_only_value():
    run = batchnorm.bn_run("ReLU, He init", 0.1, True, TINY)
    X = experiment_split(TINY).X_val[:16]
    before = run.snapshots[-1].forward(X, training=False)  # inference works
    with pytest.raises(FrozenInstanceError):
        run.diverged = True
    with pytest.raises(ValueError, match="read-only"):
        run.snapshots[-1].params["0.0.W"][...] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        run.snapshots[-1].forward(X, training=True)  # would update the running averages in place
    np.testing.assert_array_equal(run.snapshots[-1].forward(X, training=False), before)
    assert isinstance(run.step_loss, tuple) and isinstance(run.snapshots, tuple)
    scratch = copy.deepcopy(run.snapshots[-1])  # a copy is the caller's to change
    scratch.forward(X, training=True)
    key = "0.1.running_mean"
    assert not np.array_equal(scratch.buffers[key], run.snapshots[-1].buffers[key])


def test_training_epoch_by_epoch_is_one_fit_call():
    split = experiment_split(TINY)
    by_epoch = batchnorm.train_epochs(batchnorm.build_model("ReLU, He init", True, TINY), split, 0.1, TINY)
    model = batchnorm.build_model("ReLU, He init", True, TINY)
    history = train.fit(
        model,
        split.X_train,
        split.y_train,
        optimizer=optim.SGD(model, lr=0.1),
        epochs=TINY.epochs,
        batch_size=TINY.batch_size,
        rng=TINY.seed,
    )
    np.testing.assert_allclose(by_epoch.step_loss, history.step_loss, rtol=1e-6)
    for key, value in model.state_dict().items():
        np.testing.assert_allclose(by_epoch.snapshots[-1].state_dict()[key], value, rtol=1e-6)


def test_drop_last_skips_the_incomplete_batch_of_every_epoch():
    ragged = batchnorm.BNSetup(depth=2, width=8, epochs=2, batch_size=16, n_train=72)  # 4 full batches and one of 8
    kept = batchnorm.train_epochs(
        batchnorm.build_model("ReLU, He init", True, ragged), experiment_split(ragged), 0.1, ragged
    )
    skipped_setup = replace(ragged, drop_last=True)
    skipped = batchnorm.train_epochs(
        batchnorm.build_model("ReLU, He init", True, skipped_setup), experiment_split(skipped_setup), 0.1, skipped_setup
    )
    assert len(kept.step_loss) == 2 * 5 and len(skipped.step_loss) == 2 * 4


def test_a_diverging_run_stops_and_says_so():
    run = batchnorm.train_epochs(batchnorm.build_model("ReLU, He init", False, TINY), experiment_split(TINY), 1e6, TINY)
    assert run.diverged and run.step_loss[-1] > 1e6
    assert len(run.snapshots) == len(run.val_acc) + 1


def test_first_batch_statistics_are_that_batch_s_and_leave_the_model_alone():
    model = batchnorm.build_model("ReLU, He init", True, TINY)
    X = experiment_split(TINY).X_train
    before = model.state_dict()
    frozen = batchnorm.first_batch_statistics(model, X[:16])
    pre_activation = model.layers[0].layers[0].forward(X[:16])  # (16, 8) input of the first batch norm
    np.testing.assert_allclose(frozen["0.1.running_mean"], pre_activation.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(frozen["0.1.running_var"], pre_activation.var(axis=0, ddof=1), rtol=1e-4)
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in before.items())
    patched = batchnorm.with_statistics(model, frozen)
    assert np.array_equal(patched.buffers["0.1.running_mean"], frozen["0.1.running_mean"])
    assert np.array_equal(model.buffers["0.1.running_mean"], before["0.1.running_mean"])


def test_train_mode_accuracy_uses_batches_and_leaves_the_running_averages_alone():
    split = experiment_split(TINY)
    trained = batchnorm.bn_run("ReLU, He init", 0.1, True, TINY).snapshots[-1]
    buffers = {k: v.copy() for k, v in trained.buffers.items()}
    accuracy = batchnorm.train_mode_accuracy(trained, split.X_val, split.y_val, batch_size=8)
    assert 0.0 <= accuracy <= 1.0
    assert all(np.array_equal(v, trained.buffers[k]) for k, v in buffers.items())
    plain = batchnorm.bn_run("ReLU, He init", 0.1, False, TINY).snapshots[-1]  # no batch norm: both modes agree
    n = len(split.X_val) // 8 * 8  # the incomplete last batch is dropped
    assert batchnorm.train_mode_accuracy(plain, split.X_val[:n], split.y_val[:n], 8) == pytest.approx(
        train.evaluate(plain, split.X_val[:n], split.y_val[:n])[1]
    )
    with pytest.raises(ValueError, match="at least 2"):
        batchnorm.train_mode_accuracy(trained, split.X_val, split.y_val, batch_size=1)


def test_batch_statistic_spread_shrinks_like_one_over_sqrt_b():
    values = np.random.default_rng(0).standard_normal(1000)
    sizes = [4, 16, 64]
    mean_spread, std_spread = batchnorm.batch_statistic_spread(values, sizes, n_batches=1000)
    np.testing.assert_allclose(mean_spread, 1 / np.sqrt(sizes), rtol=0.1)
    assert np.all(np.diff(std_spread) < 0)
    with pytest.raises(ValueError, match="between 2 and"):
        batchnorm.batch_statistic_spread(values, [1])


def test_random_affine_moves_at_every_training_step_is_the_identity_in_eval_and_has_the_right_gradient():
    layer = batchnorm.RandomAffine(shift=0.5, scale=0.5, rng=0)
    x = np.random.default_rng(1).standard_normal((6, 3))
    assert not np.allclose(layer.forward(x), layer.forward(x))
    assert np.array_equal(layer.forward(x, training=False), x)
    assert all(result.max_rel_error < 1e-7 for result in check_layer(layer, x))
    model = batchnorm.with_random_affine(mlp([64, 8, 8, 10], batchnorm=True, rng=0))
    assert all(isinstance(block.layers[2], batchnorm.RandomAffine) for block in model.layers[:-1])


def test_loss_along_gradient_starts_at_the_loss_and_first_goes_down():
    model = batchnorm.bn_run("ReLU, He init", 0.1, False, TINY).snapshots[1]
    split = experiment_split(TINY)
    X, y = split.X_train[:32], split.y_train[:32]
    losses = batchnorm.loss_along_gradient(model, X, y, [0.0, 1e-3])
    assert losses[0] == pytest.approx(train.probe(model, X, y).loss)
    assert losses[1] < losses[0]
    assert np.isinf(batchnorm.loss_along_gradient(model, X, y, [1e30])[0])


def test_smooth_is_a_trailing_moving_average():
    np.testing.assert_allclose(batchnorm.smooth([1.0, 3.0, 5.0, 7.0], window=2), [1.0, 2.0, 4.0, 6.0])


def test_figures_label_their_lines_and_mark_divergence():
    good, bad = (
        batchnorm.BNRun(step_loss=(2.0, 1.0, 0.5), train_loss=(0.5,), val_acc=(0.9,)),
        batchnorm.BNRun(step_loss=(2.0, 50.0, math.inf), diverged=True),
    )
    ax = Figure().subplots()
    batchnorm.draw_step_losses(ax, {"with batch norm": good, "without batch norm": bad})
    assert [line.get_label() for line in ax.lines] == ["with batch norm", "without batch norm (diverged)"]
    assert len(ax.lines[1].get_xdata()) == 2  # the infinite loss is not drawn
    loss_ax, acc_ax = Figure().subplots(1, 2)
    batchnorm.draw_lr_sweep(
        loss_ax, acc_ax, {"with batch norm": [good, good], "without batch norm": [good, bad]}, [0.1, 1.0]
    )
    assert [text.get_text() for text in loss_ax.texts] == ["diverged"]
    assert acc_ax.get_ylim() == (0.0, 1.0)
    ax = Figure().subplots()
    batchnorm.draw_statistic_spread(ax, [2, 4], np.array([0.7, 0.5]), np.array([0.4, 0.3]))
    assert len(ax.lines) == 3
    ax = Figure().subplots()
    batchnorm.draw_epoch_curves(ax, {"a": [0.1, 0.2], "b": [0.3, 0.4]}, "accuracy", styles={"b": ("#123456", "--")})
    assert ax.lines[1].get_color() == "#123456" and ax.lines[1].get_linestyle() == "--"


def test_explorable_changes_with_each_control():
    explorer = batchnorm.batchnorm_vs_lr(TINY)
    default = explorer.update()
    assert explorer.update(lr=1.0) != default
    assert explorer.update(lr=0.3, setting="sigmoid, Xavier init") != default
    assert explorer.update(setting="ReLU, He init") == default  # back to the default frame, cached


def test_seeded_changes_only_the_seed():
    assert batchnorm.seeded(TINY, 3) == replace(TINY, seed=3)
    assert len(batchnorm.SEEDS) >= 3


def test_frozen_statistics_layer_keeps_the_first_batch_fails_the_gradient_check_and_updates_itself():
    rng = np.random.default_rng(0)
    first, second = rng.normal(0.0, 1.0, (16, 3)), rng.normal(4.0, 3.0, (16, 3))  # (N, D) two distributions
    fresh = batchnorm.FrozenStatisticsBatchNorm(3, dtype=np.float64)
    assert all(result.max_rel_error < 1e-6 for result in check_layer(fresh, first))  # statistics = the batch's
    layer = batchnorm.FrozenStatisticsBatchNorm(3, dtype=np.float64)
    out = layer.forward(first)
    np.testing.assert_allclose(out.mean(axis=0), 0.0, atol=1e-12)
    shifted = layer.forward(second)  # normalized with the first batch's statistics, in training mode
    assert np.all(shifted.mean(axis=0) > 2.0) and np.all(shifted.std(axis=0) > 2.0)
    dx_check = check_layer(layer, second)[0]
    assert dx_check.name == "x" and dx_check.max_rel_error > 0.1
    gamma = layer.params["gamma"].copy()
    layer.forward(second)
    layer.backward(np.ones((16, 3)))
    np.testing.assert_allclose(layer.params["gamma"], gamma - layer.grads["gamma"])  # an unscaled update


def test_normalized_statistics_are_beta_and_gamma_with_batch_statistics_and_leave_the_model_alone():
    model = batchnorm.build_model("ReLU, He init", True, TINY)
    model.params["1.1.beta"][...] = 0.5
    X = experiment_split(TINY).X_train[:32]
    before = {k: v.copy() for k, v in model.state_dict().items()}
    means, stds = batchnorm.normalized_statistics(model, X, training=True)
    assert means.shape == stds.shape == (TINY.depth, TINY.width)
    np.testing.assert_allclose(means[1], 0.5, atol=1e-5)
    np.testing.assert_allclose(stds, 1.0, atol=1e-2)
    assert all(np.array_equal(v, model.state_dict()[k]) for k, v in before.items())


def test_relative_update_grows_a_hundredfold_when_a_layer_feeding_batch_norm_shrinks_tenfold():
    model = batchnorm.build_model("ReLU, He init", True, TINY)
    split = experiment_split(TINY)
    X, y = split.X_train[:32], split.y_train[:32]
    base = batchnorm.relative_update(model, X, y, lr=0.1)
    scaled = copy.deepcopy(model)
    scaled.params["1.0.W"][...] *= 0.1
    ratio = batchnorm.relative_update(scaled, X, y, lr=0.1) / base
    assert base.shape == (TINY.depth,)
    assert ratio[1] == pytest.approx(100, rel=0.05) and ratio[0] == pytest.approx(1, rel=0.05)


def test_input_shift_is_zero_without_training_and_positive_with_it():
    split = experiment_split(TINY)
    model = batchnorm.build_model("ReLU, He init", False, TINY)
    still = batchnorm.BNRun(snapshots=(copy.deepcopy(model), copy.deepcopy(model)))
    np.testing.assert_allclose(batchnorm.input_shift(still, split.X_train[:32]), 0.0)
    moving = batchnorm.bn_run("ReLU, He init", 0.1, False, TINY)
    shift = batchnorm.input_shift(moving, split.X_train[:32])
    assert shift.shape == (TINY.depth - 1,) and np.all(shift > 0)


def test_ioffe_run_records_accuracy_and_ordered_percentiles_and_is_read_only():
    run = batchnorm.ioffe_run(True, 0, steps=30, every=10)
    np.testing.assert_array_equal(run.steps, [10, 20, 30])
    assert run.val_acc.shape == (3,) and run.percentiles.shape == (3, 3)
    assert np.all(np.diff(run.percentiles, axis=1) >= 0)
    with pytest.raises(ValueError, match="read-only"):
        run.val_acc[0] = 1.0
    acc_ax, *pct_axes = Figure().subplots(1, 3)
    batchnorm.draw_ioffe(acc_ax, pct_axes, {"without batch norm": run, "with batch norm": run})
    assert len(acc_ax.lines) == 2 and len(pct_axes[0].lines) == 3
