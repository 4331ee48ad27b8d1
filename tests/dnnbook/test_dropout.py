"""The dropout chapter's experiments, figures and explorable (dnnbook.dropout)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook import dropout
from dnnbook.experiments import experiment_split
from dnnopt.models import mlp
from dnnopt.train import evaluate

TINY = dropout.DropoutSetup(n_train=60, width=16, epochs=3, batch_size=20)  # a few hundred milliseconds per run


def test_flip_labels_changes_about_the_fraction_and_always_to_another_class():
    y = np.random.default_rng(0).integers(0, 10, size=20_000)
    y_noisy, flipped = dropout.flip_labels(y, 0.2, rng=1)
    assert y_noisy.dtype == y.dtype and y_noisy.shape == y.shape
    assert abs(flipped.mean() - 0.2) < 0.01
    assert np.all(y_noisy[flipped] != y[flipped]) and np.array_equal(y_noisy[~flipped], y[~flipped])
    assert set(np.unique(y_noisy)) == set(range(10))
    assert not dropout.flip_labels(y, 0.0, rng=1)[1].any()
    with pytest.raises(ValueError, match="fraction"):
        dropout.flip_labels(y, 1.5)


def test_dropout_run_hands_each_caller_its_own_copy_and_records_memorization():
    run = dropout.dropout_run(0.5, 0.2, TINY)
    again = dropout.dropout_run(np.float64(0.5), label_noise=0.2, setup=TINY)  # the same run, spelled differently
    assert again is not run and again.history.val_loss == run.history.val_loss
    assert dropout.dropout_run(0.0, 0.2, TINY).history.val_loss != run.history.val_loss
    first_weights = next(iter(run.model.params.values()))
    kept = first_weights.copy()
    run.history.val_loss.clear()  # a caller spoils its copy ...
    first_weights[...] = 0.0
    fresh = dropout.dropout_run(0.5, 0.2, TINY)  # ... and the next caller does not notice
    assert fresh.history.val_loss == again.history.val_loss
    np.testing.assert_array_equal(next(iter(fresh.model.params.values())), kept)
    assert len(fresh.history.train_loss) == TINY.epochs and len(run.flipped) == TINY.n_train
    assert 0.0 <= run.memorized <= 1.0
    assert np.isnan(dropout.dropout_run(0.5, 0.0, TINY).memorized)  # nothing flipped, nothing to memorize


def test_runs_with_different_p_start_from_the_same_weights():
    """The comparison is controlled: dropout layers draw no weights, so the initial Linear weights are identical."""
    plain, dropped = mlp([64, 16, 16, 10], dropout=0.0, rng=0), mlp([64, 16, 16, 10], dropout=0.5, rng=0)
    first_weights = [v for k, v in plain.params.items() if k.endswith("W")]
    second_weights = [v for k, v in dropped.params.items() if k.endswith("W")]
    assert all(np.array_equal(a, b) for a, b in zip(first_weights, second_weights, strict=True))


def test_thinned_predictions_are_probabilities_differ_per_network_and_leave_the_model_alone():
    model = dropout.dropout_run(0.5, 0.2, TINY).model
    X = experiment_split(TINY).X_val[:30]
    states = [layer.rng.bit_generator.state for layer in model.layers if hasattr(layer, "rng")]
    probabilities = dropout.thinned_predictions(model, X, n_networks=5, seed=0)
    assert probabilities.shape == (5, 30, 10)
    np.testing.assert_allclose(probabilities.sum(axis=2), 1.0, rtol=1e-5)
    assert not np.allclose(probabilities[0], probabilities[1])  # each network has its own masks
    assert states == [layer.rng.bit_generator.state for layer in model.layers if hasattr(layer, "rng")]
    np.testing.assert_array_equal(probabilities, dropout.thinned_predictions(model, X, n_networks=5, seed=0))


def test_ensemble_accuracy_averages_the_first_k_networks():
    # two images (true classes 0 and 1), three networks, two classes
    probabilities = np.array(
        [
            [[0.4, 0.6], [0.3, 0.7]],  # network 1: wrong on image 0, right on image 1
            [[0.9, 0.1], [0.6, 0.4]],  # network 2: right, wrong
            [[0.9, 0.1], [0.8, 0.2]],  # network 3: right, wrong
        ]
    )
    accuracy = dropout.ensemble_accuracy(probabilities, np.array([0, 1]))
    # k=1: [0.4,0.6],[0.3,0.7] -> 1 of 2; k=2: [0.65,0.35],[0.45,0.55] -> 2 of 2; k=3: image 1 mean [0.567,0.433] -> 1
    np.testing.assert_allclose(accuracy, [0.5, 1.0, 0.5])


def test_thinned_masks_keep_inputs_and_outputs_and_drop_about_p_of_the_hidden_units():
    masks = dropout.thinned_masks([5, 10_000, 10_000, 3], p=0.3, rng=0)
    assert masks[0].all() and masks[-1].all()
    assert all(abs(1 - m.mean() - 0.3) < 0.02 for m in masks[1:-1])
    assert all(m.all() for m in dropout.thinned_masks([5, 8, 3], p=0.0, rng=0))


def test_draw_network_removes_every_edge_of_a_dropped_unit():
    sizes = [3, 4, 2]
    kept = [np.ones(3, bool), np.array([True, False, True, False]), np.ones(2, bool)]
    fig = Figure()
    ax = fig.subplots()
    dropout.draw_network(ax, sizes, kept, title="thinned")
    assert len(ax.lines) == 3 * 2 + 2 * 2  # edges into and out of the two surviving hidden units
    full = Figure().subplots()
    dropout.draw_network(full, sizes)
    assert len(full.lines) == 3 * 4 + 4 * 2
    assert ax.get_title() == "thinned"


def test_chapter_figures_draw_every_run_with_labels():
    runs = [dropout.dropout_run(p, 0.2, TINY) for p in (0.0, 0.5)]
    fig = Figure()
    axes = fig.subplots(1, 2)
    dropout.draw_dropout_curves(axes, runs)
    assert [ax.get_title() for ax in axes] == ["p = 0", "p = 0.5"]
    assert all(len(ax.lines) == 4 for ax in axes)  # training (two label sets), validation, best-epoch marker
    clean_axes = Figure().subplots(1, 1, squeeze=False).ravel()
    dropout.draw_dropout_curves(clean_axes, [dropout.dropout_run(0.5, 0.0, TINY)])
    assert len(clean_axes[0].lines) == 3  # with clean labels the two training losses are the same curve
    grid = Figure().subplots(2, 2)
    dropout.draw_dropout_curves(grid.flat, runs * 2)
    assert [ax.get_xlabel() for ax in grid.flat] == ["", "", "epoch", "epoch"]  # bottom row only
    assert [bool(ax.get_ylabel()) for ax in grid.flat] == [True, False, True, False]  # left column only
    ax = Figure().subplots()
    seeds = [dropout.seed_setup(seed, TINY) for seed in (0, 1)]
    by_p = [[dropout.dropout_run(p, 0.2, setup) for setup in seeds] for p in (0.0, 0.5)]
    clean_by_p = [[dropout.dropout_run(p, 0.0, setup) for setup in seeds] for p in (0.0, 0.5)]
    dropout.draw_accuracy_vs_p(ax, by_p, clean_by_p)
    assert ax.get_xlabel() == "drop probability p" and len(ax.get_legend_handles_labels()[1]) == 4
    mean_line = ax.lines[0]  # the training accuracy: mean over the two seeds at each p
    expected = [np.mean([run.history.train_acc[-1] for run in runs]) for runs in by_p]
    np.testing.assert_allclose(mean_line.get_ydata(), expected)
    ax = Figure().subplots()
    dropout.draw_ensemble(ax, np.array([0.8, 0.85, 0.9]), 0.88, np.array([0.8, 0.79]))
    assert len(ax.get_legend_handles_labels()[1]) == 3


def test_seed_setup_changes_only_the_seed_and_the_run():
    setup = dropout.seed_setup(3, TINY)
    assert setup.seed == 3 and setup.width == TINY.width and dropout.seed_setup(TINY.seed, TINY) == TINY
    other, run = dropout.dropout_run(0.5, 0.2, setup), dropout.dropout_run(0.5, 0.2, TINY)
    assert other.history.val_loss != run.history.val_loss


def test_true_train_loss_is_the_eval_loss_on_the_true_labels():
    run = dropout.dropout_run(0.0, 0.2, TINY)
    split = experiment_split(TINY)
    loss, accuracy = evaluate(run.model, split.X_train, split.y_train)
    assert len(run.true_train_loss) == TINY.epochs
    assert run.true_train_loss[-1] == pytest.approx(loss) and run.true_train_acc == pytest.approx(accuracy)
    assert run.gap == pytest.approx(run.history.val_loss[-1] - loss)
    clean = dropout.dropout_run(0.0, 0.0, TINY)  # trained on the true labels: the same measure, every epoch
    loss, accuracy = evaluate(clean.model, split.X_train, split.y_train)
    assert len(clean.true_train_loss) == TINY.epochs
    assert clean.true_train_loss[-1] == pytest.approx(loss) and clean.true_train_acc == pytest.approx(accuracy)


def test_samples_to_match_finds_the_first_k_that_reaches_the_target():
    accuracy_by_k = np.array([0.7, 0.85, 0.82, 0.9, 0.91])
    assert dropout.samples_to_match(accuracy_by_k, 0.85) == 2
    assert dropout.samples_to_match(accuracy_by_k, 0.9) == 4
    assert dropout.samples_to_match(accuracy_by_k, 0.95) is None


def test_ensemble_loss_is_the_cross_entropy_of_the_running_average():
    probabilities = np.array([[[0.5, 0.5]], [[0.9, 0.1]]])  # two networks, one image of class 0
    np.testing.assert_allclose(dropout.ensemble_loss(probabilities, np.array([0])), [-np.log(0.5), -np.log(0.7)])


def _tiny_mlp(seed=0):
    """A 3-4-3 ReLU MLP whose hidden units are all active at x (positive biases), and x (3,)."""
    rng = np.random.default_rng(seed)
    layers = [(rng.normal(size=(3, 4)), 3 + rng.random(4)), (rng.normal(size=(4, 3)), rng.normal(size=3))]
    return layers, rng.normal(size=3)


def test_exact_ensemble_gives_the_geometric_mean_exactly_when_one_softmax_layer_follows_the_dropped_units():
    layers, x = _tiny_mlp()
    for p in (0.2, 0.5):
        means = dropout.exact_ensemble(x, layers, p, dropped=[False, True])
        np.testing.assert_allclose(means.geometric, means.weight_scaled, atol=1e-12)
        assert np.abs(means.arithmetic - means.weight_scaled).max() > 1e-4
        np.testing.assert_allclose([means.arithmetic.sum(), means.geometric.sum()], 1.0)
    active = dropout.exact_ensemble(x, layers, 0.5, dropped=[True, True])  # every ReLU stays on: still linear
    np.testing.assert_allclose(active.geometric, active.weight_scaled, atol=1e-12)


def test_exact_ensemble_is_only_approximate_when_dropped_units_feed_a_relu_that_switches():
    """h = relu(y0 - y1) with both inputs 1: eval mode gives h = 0, logits (0, 0); the masks (2, 0) give h = 2."""
    layers = [(np.array([[1.0], [-1.0]]), np.zeros(1)), (np.array([[1.0, 0.0]]), np.zeros(2))]
    means = dropout.exact_ensemble(np.ones(2), layers, 0.5, dropped=[True, True])
    np.testing.assert_allclose(means.weight_scaled, [0.5, 0.5])
    expected_logit = 0.25 * 2  # E[h]: only the input mask (kept, dropped) gives h = 2, with probability 1/4
    np.testing.assert_allclose(means.geometric, np.exp([expected_logit, 0]) / np.exp([expected_logit, 0]).sum())


def test_exact_ensemble_matches_a_hand_computed_two_mask_case():
    """One input x = 1, p = 0.5, a single softmax layer with logits (w * y, 0): masks y = 0 and y = 2."""
    W, b = np.array([[1.0, 0.0]]), np.zeros(2)
    means = dropout.exact_ensemble(np.array([1.0]), [(W, b)], 0.5, dropped=[True])
    softmax = lambda z: np.exp(z) / np.exp(z).sum()  # noqa: E731
    np.testing.assert_allclose(means.arithmetic, (softmax(np.array([0.0, 0])) + softmax(np.array([2.0, 0]))) / 2)
    np.testing.assert_allclose(means.weight_scaled, softmax(np.array([1.0, 0])))
    np.testing.assert_allclose(means.geometric, means.weight_scaled)


def test_exact_ensemble_rejects_bad_input():
    layers, x = _tiny_mlp()
    with pytest.raises(ValueError, match="one dropped flag per layer"):
        dropout.exact_ensemble(x, layers, 0.5, dropped=[True])
    wide = [(np.zeros((20, 3)), np.zeros(3))]
    with pytest.raises(ValueError, match="at most 16"):
        dropout.exact_ensemble(np.zeros(20), wide, 0.5, dropped=[True])


def test_explorable_changes_with_each_control():
    explorer = dropout.dropout_curves(TINY)
    default = explorer.update()
    assert explorer.update(p=0.0) != default
    assert explorer.update(p=0.5, labels="clean") != default
    assert explorer.update(p=0.5, labels="20% flipped") == default  # cached frame
