"""dnnbook.regularization: the estimator, the experiments, the figures and the explorable of the chapter "Bias,
variance and regularization"."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook import regularization
from dnnopt import functional as F
from dnnopt import train
from dnnopt.data import two_moons
from dnnopt.models import mlp
from dnnopt.optim import SGD
from dnnopt.train import History


# --- the estimator --------------------------------------------------------------------------------------------------
def test_bias_variance_matches_a_hand_computed_case():
    # average model (1, 2); bias^2 = ((1-0)^2 + (2-1)^2) / 2 = 1; variance at each point var(0, 1, 2) = 2/3
    predictions = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, 3.0]])  # (3 models, 2 points)
    bias_sq, variance = regularization.bias_variance(predictions, np.array([0.0, 1.0]))
    assert bias_sq == pytest.approx(1.0)
    assert variance == pytest.approx(2.0 / 3.0)


def test_bias_sq_plus_variance_is_the_mean_squared_error_to_the_target():
    rng = np.random.default_rng(0)
    predictions, y_true = rng.normal(size=(7, 11)), rng.normal(size=11)
    bias_sq, variance = regularization.bias_variance(predictions, y_true)
    assert bias_sq + variance == pytest.approx(np.mean((predictions - y_true) ** 2))


def test_bias_sq_is_too_high_and_variance_too_low_by_variance_over_k():
    # K unbiased models with variance 4 at each point: E[bias_sq] = 4/K and E[variance] = 4 (K - 1)/K
    rng = np.random.default_rng(0)
    n_models, sd = 5, 2.0
    estimates = np.array(
        [regularization.bias_variance(sd * rng.standard_normal((n_models, 50)), np.zeros(50)) for _ in range(400)]
    )  # (400, 2)
    assert estimates[:, 0].mean() == pytest.approx(sd**2 / n_models, rel=0.05)
    assert estimates[:, 1].mean() == pytest.approx(sd**2 * (n_models - 1) / n_models, rel=0.05)


def test_identical_models_have_no_variance():
    predictions = np.tile(np.array([0.5, 1.5, -1.0]), (4, 1))  # (4, 3), every model the same
    assert regularization.bias_variance(predictions, np.zeros(3)) == pytest.approx((np.mean([0.25, 2.25, 1.0]), 0.0))


@pytest.mark.parametrize(
    ("predictions", "y_true", "message"),
    [
        (np.zeros((3, 4)), np.zeros(5), "n_models, n_points"),
        (np.zeros(4), np.zeros(4), "2-D"),
        (np.zeros((3, 4)), np.zeros((4, 1)), "1-D"),
    ],
)
def test_bias_variance_rejects_mismatched_shapes(predictions, y_true, message):
    with pytest.raises(ValueError, match=message):
        regularization.bias_variance(predictions, y_true)


# --- polynomial fits --------------------------------------------------------------------------------------------------
def test_min_norm_fit_is_least_squares_below_and_minimum_norm_interpolation_above_the_threshold():
    rng = np.random.default_rng(1)
    for p in (3, 12):  # 8 points: overdetermined, then underdetermined
        features, targets = rng.normal(size=(2, 8, p)), rng.normal(size=(2, 8))
        coef = regularization.min_norm_fit(features, targets)  # (2, p)
        for s in range(2):
            expected = np.linalg.lstsq(features[s], targets[s], rcond=None)[0]  # lstsq returns the min-norm one
            np.testing.assert_allclose(coef[s], expected, atol=1e-10)
    np.testing.assert_allclose(np.einsum("snp,sp->sn", features, coef), targets, atol=1e-10)  # p = 12 interpolates


def test_min_norm_fit_rejects_bad_shapes():
    with pytest.raises(ValueError, match=r"\(S, n, p\)"):
        regularization.min_norm_fit(np.zeros((8, 3)), np.zeros(8))


def test_degree_zero_fit_is_the_mean_of_each_training_set():
    fits = regularization.resampled_fits(degree=0, n_train=10, n_sets=5, seed=3)
    assert fits.predictions.shape == (5, 201) and fits.y_train.shape == fits.train_predictions.shape == (5, 10)
    np.testing.assert_allclose(fits.predictions, np.repeat(fits.y_train.mean(axis=1, keepdims=True), 201, axis=1))


def test_resampled_training_sets_are_independent_and_reproducible():
    x, y = regularization.resampled_training_sets(n_train=6, n_sets=3, seed=0)
    assert x.shape == y.shape == (3, 6)
    assert len({tuple(row) for row in x}) == 3  # three different draws
    np.testing.assert_array_equal(x, regularization.resampled_training_sets(n_train=6, n_sets=3, seed=0)[0])


def test_decomposition_accounts_for_the_measured_test_error_and_has_the_classical_shape():
    curve = regularization.polynomial_bias_variance(degrees=(1, 3, 9), n_train=30, n_sets=100, seed=0)
    np.testing.assert_allclose(curve.total, curve.test_mse, rtol=0.03)  # bias^2 + variance + noise = test MSE
    assert curve.noise_var == pytest.approx(0.09)
    assert curve.bias_sq[1] < curve.bias_sq[0] / 10  # a cubic follows the sine, a line cannot
    assert curve.variance[2] > 10 * curve.variance[1]  # degree 9 chases the noise
    assert np.all(np.diff(curve.train_mse) < 0)  # the training error only goes down


def test_double_descent_peaks_at_the_interpolation_threshold_and_descends_again():
    result = regularization.double_descent(n_features=(3, 5, 10, 20, 40, 200), n_train=20, n_sets=10, seed=0)
    peak = int(np.argmax(result.median_test_mse))
    assert result.n_features[peak] == 20
    assert result.median_test_mse[-1] < result.median_test_mse[peak] / 1e3
    assert np.all(result.train_mse[result.n_features >= 20] < 1e-8)  # interpolation from p = n on


def test_min_norm_fits_norm_peaks_at_the_threshold_and_only_falls_beyond_it():
    # past p = n the old fit padded with a zero still interpolates: the smallest norm can only go down
    result = regularization.double_descent(n_features=(3, 10, 20, 25, 40, 200), n_train=20, n_sets=10, seed=0)
    assert result.n_features[np.argmax(result.median_norm)] == 20
    assert np.all(np.diff(result.median_norm[2:]) < 0)
    with pytest.raises(ValueError, match="read-only"):
        result.median_norm[0] = 0.0


# --- early stopping ---------------------------------------------------------------------------------------------------
def test_early_stopping_point_on_a_hand_made_curve():
    val_loss = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.8, 0.9]  # a dip at epoch 1, the minimum at epoch 4
    assert regularization.early_stopping_point(val_loss, patience=2) == (1, 3)  # fooled by the dip
    assert regularization.early_stopping_point(val_loss, patience=3) == (4, 7)
    assert regularization.early_stopping_point(val_loss, patience=10) == (4, 7)  # the curve ends first
    assert regularization.early_stopping_point([0.5, 0.5, 0.5], patience=2) == (0, 2)  # a tie is no improvement


def test_early_stopping_point_replays_fit_with_patience():
    X, y = two_moons(n=60, noise=0.35, seed=0)
    val = two_moons(n=100, noise=0.35, seed=1)

    def run(**kwargs):
        model = mlp([2, 32, 32, 2], rng=0)
        return train.fit(model, X, y, optimizer=SGD(model, lr=0.05, momentum=0.9), batch_size=20, val_data=val,
                         statistics=False, rng=0, **kwargs)  # fmt: skip

    long = run(epochs=80)
    for patience in (2, 10):
        stopped = run(epochs=80, patience=patience)
        replayed = regularization.early_stopping_point(long.val_loss, patience)
        assert (stopped.best_epoch, stopped.stopped_epoch) == replayed


@pytest.mark.parametrize(("val_loss", "patience", "message"), [([0.5], 0, "patience"), ([0.5], 1.5, "patience"),
                                                               ([], 3, "empty")])  # fmt: skip
def test_early_stopping_point_rejects_bad_input(val_loss, patience, message):
    with pytest.raises(ValueError, match=message):
        regularization.early_stopping_point(val_loss, patience)


# --- gradient noise ---------------------------------------------------------------------------------------------------
def test_gradient_noise_vanishes_for_the_full_batch_and_matches_the_spread_for_single_examples():
    X, y = two_moons(n=40, noise=0.3, seed=0)
    model = mlp([2, 8, 2], rng=0)
    before = {key: value.copy() for key, value in model.params.items()}
    noise = regularization.gradient_noise(model, X, y, batch_sizes=[1, 40], n_draws=400, rng=0)
    assert noise[1] == pytest.approx(0.0, abs=1e-10)  # B = N is the full gradient
    assert noise[0] == pytest.approx(
        regularization.gradient_spread(model, X, y), rel=0.15
    )  # B = 1: sigma_g^2 on average
    for key, value in model.params.items():
        np.testing.assert_array_equal(value, before[key])  # measuring does not train


def test_gradient_noise_rejects_impossible_batch_sizes():
    X, y = two_moons(n=10, seed=0)
    with pytest.raises(ValueError, match="batch sizes"):
        regularization.gradient_noise(mlp([2, 2], rng=0), X, y, batch_sizes=[20])


# --- ensembles --------------------------------------------------------------------------------------------------------
def test_subset_ensembles_scores_every_subset_and_never_beat_convexity():
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(3, 40, 4))  # 3 models, 40 samples, 4 classes
    probs = np.exp(logits) / np.exp(logits).sum(axis=2, keepdims=True)
    labels = rng.integers(0, 4, size=40)
    scores = regularization.subset_ensembles(probs, labels)
    assert [rows.shape for rows in scores] == [(3, 2), (3, 2), (1, 2)]  # 3 choose 1, 2, 3 subsets
    single = [(-np.mean(np.log(p[np.arange(40), labels])), np.mean(p.argmax(axis=1) == labels)) for p in probs]
    np.testing.assert_allclose(scores[0], single)
    everything = probs.mean(axis=0)
    assert scores[2][0, 1] == pytest.approx(np.mean(everything.argmax(axis=1) == labels))
    assert scores[2][0, 0] <= scores[0][:, 0].mean()  # cross-entropy is convex in the probabilities
    with pytest.raises(ValueError, match="labels must have shape"):
        regularization.subset_ensembles(probs, labels[:10])


# --- figures ----------------------------------------------------------------------------------------------------------
def _history(n_epochs: int, offset: float = 0.0) -> History:
    epochs = np.arange(1, n_epochs + 1)
    history = History(
        train_loss=list(1.0 / epochs + offset),
        val_loss=list(1.0 / epochs + 0.1 + offset),
        train_acc=[0.9] * n_epochs,
        val_acc=[0.8] * n_epochs,
        step_loss=list(np.linspace(2, 0.1, 50)),
    )
    history.best_epoch, history.stopped_epoch = 3, n_epochs - 1
    return history


def _labelled(fig: Figure) -> None:
    """Every axes with data has a title and axis labels, as the book requires."""
    for ax in fig.axes:
        if ax.lines or ax.patches or ax.collections:
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel(), f"unlabelled axes: {ax}"


def _legend_labels(fig: Figure) -> set[str]:
    return {text.get_text() for legend in fig.legends for text in legend.get_texts()}


def test_decomposition_and_fits_figures():
    curve = regularization.polynomial_bias_variance(degrees=(0, 1, 2, 3), n_train=30, n_sets=50, seed=0)
    fig = regularization.plot_decomposition(curve)
    _labelled(fig)
    assert {"bias²", "variance", "noise σ²", "measured test MSE", "training MSE"} <= _legend_labels(fig)
    fits = [regularization.resampled_fits(d, n_train=30, n_sets=50) for d in (1, 3)]
    fig = regularization.plot_resampled_fits(fits, n_shown=5)
    assert len(fig.axes) == 2 and len(fig.axes[0].lines) == 3  # the single fits (one line), average, truth
    assert {"5 single fits", "average of 50 fits", "true f(x)"} == _legend_labels(fig)


def test_draw_fits_draws_the_single_fits_as_one_broken_line():
    fits = regularization.resampled_fits(3, n_train=30, n_sets=50)
    fig = Figure()
    ax = fig.subplots()
    regularization.draw_fits(ax, fits, n_shown=4)
    single = ax.lines[0].get_ydata()  # (4 * (201 + 1),): four fits, each followed by a NaN
    np.testing.assert_array_equal(single.reshape(4, 202)[:, :201], fits.predictions[:4])
    assert np.isnan(single.reshape(4, 202)[:, 201]).all()
    np.testing.assert_allclose(ax.lines[1].get_ydata(), fits.predictions.mean(axis=0))


def test_short_decomposition_leaves_out_the_sum_and_the_training_error():
    curve = regularization.polynomial_bias_variance(degrees=(0, 1, 2, 3), n_train=30, n_sets=50, seed=0)
    fig = Figure()
    ax = fig.subplots()
    regularization.draw_decomposition(ax, curve, detailed=False)
    assert ax.get_legend_handles_labels()[1] == ["bias²", "variance", "noise σ²", "measured test MSE"]


def test_training_figures_are_labelled():
    X, y = two_moons(n=30, seed=0)
    histories = {"a": _history(10), "b": _history(10, 0.1)}
    runs = {"slow": (np.zeros((6, 2)), np.linspace(1.0, 0.5, 5)), "fast": (np.ones((6, 2)), np.linspace(1, 0.4, 5))}
    design = np.column_stack([np.linspace(0, 1, 5), np.ones(5)])
    figures = [
        regularization.plot_loss_curves(histories, title="curves"),
        regularization.plot_decision_boundaries({"m": mlp([2, 4, 2], rng=0)}, X, y),
        regularization.plot_lr_paths(runs, design, np.linspace(0, 1, 5), np.array([1.0, 0.0])),
        regularization.plot_step_losses(histories, title="steps"),
        regularization.plot_batch_size(
            [1, 2, 4],
            np.array([4.0, 2.0, 1.0]),
            np.array([4.0, 2.0, 1.0]),
            {5: np.array([[0.1, 0.2], [0.3, 0.4]]), 10: np.array([[0.1, 0.1], [0.2, 0.3]])},
        ),
        regularization.plot_learning_curve([10, 100], [0.0, 0.0], [0.3, 0.1], title="more data"),
        regularization.plot_weight_histograms({"none": np.linspace(-1, 1, 50)}, {"none": [0.5, 0.4]}),
        regularization.plot_early_stopping(_history(10), patiences=(1, 3)),
        regularization.plot_ensemble([np.array([[0.3, 0.9], [0.32, 0.88]]), np.array([[0.28, 0.91]])]),
        regularization.plot_double_descent(regularization.double_descent(n_features=(2, 5, 10), n_train=5, n_sets=3)),
    ]
    for fig in figures:
        assert isinstance(fig, Figure)
        _labelled(fig)
    accuracy = {"plain": {"validation": 0.9, "shifted": 0.4}, "augmented": {"validation": 0.9, "shifted": 0.8}}
    fig = regularization.plot_augmentation(np.linspace(0, 1, 64), [np.zeros(64)] * 2, accuracy)
    assert len(fig.axes) == 5  # original + 2 shifts in a 2 x 2 grid, and the bars


# --- the explorable ---------------------------------------------------------------------------------------------------
def test_explorable_frame_changes_with_each_control():
    explorer = regularization.bias_variance_picture()
    default = explorer.update()
    assert default.startswith(b"\x89PNG")
    assert explorer.update(degree=9) != default
    assert explorer.update(degree=3, n_train=120) != default
    assert explorer.alt


# --- label smoothing --------------------------------------------------------------------------------------------------
def test_label_smoothing_backward_is_the_gradient_for_smoothed_targets():
    rng = np.random.default_rng(3)
    logits, labels, smoothing = rng.normal(size=(6, 4)).astype(np.float32), rng.integers(0, 4, 6), 0.2
    layer = regularization.LabelSmoothing(smoothing)
    np.testing.assert_array_equal(layer.forward(logits), logits)  # the forward pass is the identity
    _, dlogits = F.softmax_cross_entropy(logits, labels)  # what fit hands the last layer
    targets = (1 - smoothing) * np.eye(4)[labels] + smoothing / 4  # (6, 4)
    expected = (F.softmax(logits.astype(np.float64)) - targets) / 6  # d/dlogits of mean(-sum(q log softmax))
    smoothed = layer.backward(dlogits)
    assert smoothed.dtype == np.float32
    np.testing.assert_allclose(smoothed, expected, atol=1e-6)
    plain = regularization.LabelSmoothing(0.0)
    plain.forward(logits)
    np.testing.assert_allclose(plain.backward(dlogits), dlogits)  # smoothing 0: the plain cross-entropy


def test_label_smoothing_rejects_a_strength_outside_zero_to_one():
    with pytest.raises(ValueError, match="smoothing"):
        regularization.LabelSmoothing(1.0)
