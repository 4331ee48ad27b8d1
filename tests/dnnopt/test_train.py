"""Training loop: learning, history contents, early stopping with restore, divergence, probe."""

import math

import numpy as np
import pytest

from dnnopt import data, train
from dnnopt.models import mlp
from dnnopt.optim import SGD


@pytest.fixture(scope="module")
def moons():
    X, y = data.two_moons(n=400, noise=0.15, seed=0)
    return data.train_val_split(X, y, 0.25, seed=0)


def test_fit_learns_and_records_history(moons):
    model = mlp([2, 32, 32, 2], rng=0)
    history = train.fit(
        model,
        moons.X_train,
        moons.y_train,
        optimizer=SGD(model, lr=0.2, momentum=0.9),
        epochs=20,
        batch_size=32,
        val_data=(moons.X_val, moons.y_val),
        rng=0,
    )
    assert history.val_acc[-1] > 0.95 and history.train_loss[-1] < history.train_loss[0]
    assert len(history.train_loss) == len(history.val_acc) == 20
    assert len(history.step_loss) == 20 * math.ceil(300 / 32)
    assert history.grad_norms.shape == (20, 3) and history.act_std.shape == (20, 3)
    assert history.linear_names == ["0.0", "1.0", "2"]
    assert (history.grad_norms > 0).all() and not history.diverged


def test_without_patience_the_last_weights_are_kept(moons):
    model = mlp([2, 16, 2], rng=0)
    history = train.fit(model, moons.X_train, moons.y_train, epochs=5, val_data=(moons.X_val, moons.y_val), rng=0)
    assert train.evaluate(model, moons.X_val, moons.y_val)[0] == pytest.approx(history.val_loss[-1])


def test_drop_last_skips_the_short_batch(moons):
    model = mlp([2, 8, 2], batchnorm=True, rng=0)
    history = train.fit(model, moons.X_train, moons.y_train, epochs=2, batch_size=32, drop_last=True, rng=0)
    assert len(history.step_loss) == 2 * (300 // 32)
    with pytest.raises(ValueError, match="would train on nothing"):
        train.fit(model, moons.X_train, moons.y_train, batch_size=301, drop_last=True)


def test_same_seed_same_history(moons):
    runs = [train.fit(mlp([2, 16, 2], rng=1), moons.X_train, moons.y_train, epochs=3, rng=2) for _ in range(2)]
    assert runs[0].step_loss == runs[1].step_loss


def test_early_stopping_restores_the_best_weights(moons):
    X_noise = np.random.default_rng(0).standard_normal((40, 2)).astype(np.float32)
    y_noise = np.random.default_rng(1).integers(0, 2, 40)
    model = mlp([2, 64, 64, 2], rng=0)
    history = train.fit(
        model,
        X_noise,
        y_noise,
        optimizer=SGD(model, lr=0.5, momentum=0.9),
        epochs=200,
        batch_size=8,
        val_data=(moons.X_val, moons.y_val),
        patience=5,
        rng=0,
    )
    assert history.stopped_epoch < 199  # memorising noise: the validation loss stops improving
    assert history.stopped_epoch - history.best_epoch == 5
    best = history.val_loss[history.best_epoch]
    assert best == min(history.val_loss)
    assert train.evaluate(model, moons.X_val, moons.y_val)[0] == pytest.approx(best)


def test_a_too_high_learning_rate_diverges_and_stops():
    x, y = data.regression_1d(n=50, seed=0)
    model = mlp([1, 32, 32, 1], rng=0)
    history = train.fit(model, x, y, loss="mse", optimizer=SGD(model, lr=10.0), epochs=20, batch_size=10, rng=0)
    assert history.diverged and len(history.train_loss) < 20


def test_probe_reports_vanishing_gradients_in_a_deep_sigmoid_net():
    X, y = data.two_moons(n=128, seed=0)
    sigmoid = train.probe(mlp([2] + [32] * 10 + [2], activation="sigmoid", init="xavier_normal", rng=0), X, y)
    relu = train.probe(mlp([2] + [32] * 10 + [2], activation="relu", init="he_normal", rng=0), X, y)
    assert sigmoid.grad_norms[0] < 1e-3 * sigmoid.grad_norms[-1]  # first layer's gradient has vanished
    assert relu.grad_norms[0] > 1e-2 * relu.grad_norms[-1]
    assert len(sigmoid.activations) == 11 and sigmoid.act_std.shape == (11,)
    assert [g.shape for g in sigmoid.output_grads] == [a.shape for a in sigmoid.activations]
    grad_at_output = [np.linalg.norm(g) for g in sigmoid.output_grads]
    assert grad_at_output[0] < 1e-3 * grad_at_output[-2]  # dL/dh shrinks towards the input too


def test_mse_regression_and_errors():
    x, y = data.regression_1d(n=50, seed=0)
    model = mlp([1, 32, 1], activation="tanh", init="xavier_normal", rng=0)
    history = train.fit(
        model, x, y, loss="mse", optimizer=SGD(model, lr=0.1, momentum=0.9), epochs=100, batch_size=10, rng=0
    )
    assert history.train_loss[-1] < 0.5 * history.train_loss[0] and math.isnan(history.train_acc[0])
    with pytest.raises(ValueError, match="unknown loss 'hinge'"):
        train.fit(model, x, y, loss="hinge")
    with pytest.raises(ValueError, match="needs val_data"):
        train.fit(model, x, y, loss="mse", patience=3)
    with pytest.raises(ValueError, match="X contains NaN or inf"):
        train.fit(model, np.full_like(x, np.nan), y, loss="mse")
    with pytest.raises(ValueError, match="X has 50 samples but y has 49"):
        train.fit(model, x, y[:-1], loss="mse")


def test_on_step_sees_every_update_counted_from_one(moons):
    model = mlp([2, 8, 2], rng=0)
    seen = []
    history = train.fit(model, moons.X_train, moons.y_train, epochs=2, batch_size=100, rng=0,
                        on_step=lambda step, m: seen.append((step, m is model)))  # fmt: skip
    assert seen == [(step, True) for step in range(1, 7)] and len(history.step_loss) == 6


def test_unit_std_measures_spread_across_examples_not_units(moons):
    """A first block whose units differ but ignore the input: relu(b) = (0, 0, 1, 3) for every example."""
    model = mlp([2, 4, 2], rng=0)
    model[0][0].params["W"][...] = 0.0
    model[0][0].params["b"][...] = np.array([-3.0, -1.0, 1.0, 3.0], np.float32)
    history = train.fit(model, moons.X_train, moons.y_train, epochs=1, optimizer=SGD(model, lr=1e-12), rng=0)
    assert history.unit_std.shape == history.act_std.shape == (1, 2)  # (epochs, top-level layers)
    assert history.unit_std[0, 0] == 0.0 and history.act_std[0, 0] > 1.0


def test_without_statistics_training_is_the_same_and_records_only_losses(moons):
    runs = {
        statistics: train.fit(
            mlp([2, 8, 2], rng=0), moons.X_train, moons.y_train, epochs=2, rng=0, statistics=statistics
        )
        for statistics in (True, False)
    }
    assert runs[False].step_loss == runs[True].step_loss and runs[False].val_loss == runs[True].val_loss
    assert runs[False].grad_norms.size == runs[False].act_std.size == 0 and runs[True].grad_norms.shape == (2, 2)
