"""Figures (and the small experiments behind them) for the chapter "Bias, variance and regularization".

Three kinds of functions live here:

* measurements: ``bias_variance`` (the estimator), polynomial fits over many resampled training sets
  (``resampled_fits``, ``polynomial_bias_variance``), min-norm fits past the interpolation threshold
  (``double_descent``), ``gradient_noise`` (mini-batch vs full-batch gradients) and ``subset_ensembles``;
* ``draw_*`` functions that draw onto an existing axes (shared by the chapter's figures and its explorable);
* ``plot_*`` functions, each returning a ``matplotlib.figure.Figure`` that is not registered with pyplot, so a
  notebook shows it exactly once (as the cell's value) and tests can inspect its artists.

Polynomials are written in the Legendre basis on [0, 1]: the same functions as powers of x, but far better
conditioned, so a degree-9 fit is a least-squares problem and not a rounding-error contest.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from .. import functional as F
from .._checks import as_rng, check_float_array
from ..data import regression_1d, true_function
from ..layers import Layer
from ..train import History
from . import PALETTE, style

__all__ = [
    "BiasVarianceCurve",
    "DoubleDescent",
    "ResampledFits",
    "bias_variance",
    "double_descent",
    "draw_decomposition",
    "draw_fits",
    "gradient_noise",
    "gradient_spread",
    "legendre_features",
    "log_axis",
    "min_norm_fit",
    "plot_augmentation",
    "plot_batch_size",
    "plot_decision_boundaries",
    "plot_decomposition",
    "plot_double_descent",
    "plot_early_stopping",
    "plot_ensemble",
    "plot_learning_curve",
    "plot_loss_curves",
    "plot_lr_paths",
    "plot_resampled_fits",
    "plot_step_losses",
    "plot_weight_histograms",
    "polynomial_bias_variance",
    "resampled_fits",
    "resampled_training_sets",
    "subset_ensembles",
]

MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", "-.", ":"]
N_GRID = 201  # test points, evenly spaced on [0, 1]: averages over them estimate E over x ~ U(0, 1)


# --- the estimator --------------------------------------------------------------------------------------------------
def bias_variance(predictions: np.ndarray, y_true: np.ndarray) -> tuple[float, float]:
    """Squared bias and variance of models trained on different training sets, averaged over the points.

    Parameters
    ----------
    predictions : array of shape (n_models, n_points); row k holds model k's predictions at the test points
    y_true : array of shape (n_points,), the noiseless target f(x) at the same points

    Returns
    -------
    bias_sq : float, mean over points of (mean over models of the prediction - f(x))**2
    variance : float, mean over points of the variance over models, ddof=0 (divided by n_models), so that
        ``bias_sq + variance == mean((predictions - y_true)**2)`` exactly. For K models, ``bias_sq`` is too high
        by variance/K on average and ``variance`` too low by the same amount.
    """
    check_float_array(predictions, "predictions", ndim=2)
    check_float_array(y_true, "y_true", ndim=1)
    if predictions.shape[1] != y_true.shape[0]:
        raise ValueError(
            f"predictions has {predictions.shape[1]} points per model (shape {predictions.shape}) "
            f"but y_true has {y_true.shape[0]}; predictions must be (n_models, n_points)"
        )
    mean_prediction = predictions.mean(axis=0)  # (n_points,), the "average model"
    bias_sq = float(np.mean((mean_prediction - y_true) ** 2))
    variance = float(np.mean(predictions.var(axis=0)))
    return bias_sq, variance


# --- polynomial regression over resampled training sets --------------------------------------------------------------
def legendre_features(x: np.ndarray, n_features: int) -> np.ndarray:
    """The first ``n_features`` Legendre polynomials of ``2x - 1`` (x in [0, 1]): shape ``x.shape + (n_features,)``.

    A fit on them is a polynomial of degree ``n_features - 1``.
    """
    if not (isinstance(n_features, int | np.integer) and n_features >= 1):
        raise ValueError(f"n_features must be an int >= 1, got {n_features!r}")
    return np.polynomial.legendre.legvander(2.0 * np.asarray(x, dtype=np.float64) - 1.0, n_features - 1)


def min_norm_fit(features: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least-squares coefficients for a stack of problems; the smallest-norm ones when there are many.

    Parameters
    ----------
    features : array of shape (S, n, p), one design matrix per training set
    targets : array of shape (S, n)

    Returns
    -------
    coef : array of shape (S, p), ``pinv(features) @ targets``: the least-squares fit when p <= n (and the
        features are independent), the interpolating fit of smallest norm when p > n
    """
    if features.ndim != 3 or targets.shape != features.shape[:2]:
        raise ValueError(f"features must be (S, n, p) and targets (S, n); got {features.shape} and {targets.shape}")
    return (np.linalg.pinv(features) @ targets[..., None])[..., 0]  # (S, p)


def resampled_training_sets(n_train: int, n_sets: int, noise: float = 0.3, seed: int = 0):
    """``n_sets`` independent draws of ``regression_1d(n_train, noise)``: x and y of shape (n_sets, n_train)."""
    if n_sets < 1 or n_train < 1:
        raise ValueError(f"n_sets and n_train must be >= 1, got {n_sets} and {n_train}")
    seeds = np.random.SeedSequence(seed).generate_state(n_sets)  # one independent seed per training set
    draws = [regression_1d(n_train, noise, seed=int(s)) for s in seeds]
    x = np.stack([x[:, 0] for x, _ in draws]).astype(np.float64)  # (n_sets, n_train)
    y = np.stack([y[:, 0] for _, y in draws]).astype(np.float64)  # (n_sets, n_train)
    return x, y


@functools.lru_cache(maxsize=16)
def _training_sets(n_train: int, n_sets: int, noise: float, seed: int):
    """``resampled_training_sets``, cached and read-only: every degree is fitted to the same training sets."""
    x, y = resampled_training_sets(n_train, n_sets, noise, seed)
    x.flags.writeable = y.flags.writeable = False  # shared by every caller of the cache
    return x, y


@dataclass
class ResampledFits:
    """Polynomials of one degree, each fitted to its own training set, evaluated on a grid over [0, 1]."""

    degree: int
    x_grid: np.ndarray  # (G,)
    f_grid: np.ndarray  # (G,) the noiseless target
    predictions: np.ndarray  # (n_sets, G)
    y_train: np.ndarray  # (n_sets, n_train), read-only: shared by every fit to the same training sets
    train_predictions: np.ndarray  # (n_sets, n_train)


def resampled_fits(
    degree: int, n_train: int = 30, n_sets: int = 200, noise: float = 0.3, seed: int = 0
) -> ResampledFits:
    """Fit a degree-``degree`` polynomial (least squares) to each of ``n_sets`` resampled training sets."""
    x, y = _training_sets(n_train, n_sets, float(noise), seed)
    x_grid = np.linspace(0.0, 1.0, N_GRID)
    train_features = legendre_features(x, degree + 1)  # (n_sets, n_train, degree + 1)
    coef = min_norm_fit(train_features, y)  # (n_sets, degree + 1)
    predictions = coef @ legendre_features(x_grid, degree + 1).T  # (n_sets, G)
    train_predictions = np.einsum("snp,sp->sn", train_features, coef)  # (n_sets, n_train)
    return ResampledFits(degree, x_grid, true_function(x_grid), predictions, y, train_predictions)


@dataclass
class BiasVarianceCurve:
    """The decomposition of the expected test error, one entry per polynomial degree."""

    degrees: np.ndarray  # (D,)
    bias_sq: np.ndarray  # (D,)
    variance: np.ndarray  # (D,)
    noise_var: float  # sigma**2, the same for every model
    test_mse: np.ndarray  # (D,) measured directly: fresh noisy targets vs predictions
    train_mse: np.ndarray  # (D,) mean squared error on each model's own training set
    n_train: int

    @property
    def total(self) -> np.ndarray:
        """bias^2 + variance + noise: what the decomposition predicts for ``test_mse``."""
        return self.bias_sq + self.variance + self.noise_var


@functools.lru_cache(maxsize=16)
def polynomial_bias_variance(
    degrees: tuple[int, ...] = tuple(range(10)), n_train: int = 30, n_sets: int = 200, noise: float = 0.3, seed: int = 0
) -> BiasVarianceCurve:
    """Bias^2, variance and the measured test error of polynomial fits, per degree (cached).

    The test error is measured independently of the decomposition: every model is scored against fresh noisy
    targets ``f(x) + noise * eps`` on the grid, so plotting both checks the identity on real numbers.
    """
    rng = as_rng(seed)
    rows = []
    for degree in degrees:
        fits = resampled_fits(degree, n_train, n_sets, noise, seed)
        bias_sq, variance = bias_variance(fits.predictions, fits.f_grid)
        fresh_targets = fits.f_grid + noise * rng.standard_normal(fits.predictions.shape)  # (n_sets, G)
        test_mse = float(np.mean((fresh_targets - fits.predictions) ** 2))
        train_mse = float(np.mean((fits.y_train - fits.train_predictions) ** 2))
        rows.append((bias_sq, variance, test_mse, train_mse))
    bias_sq, variance, test_mse, train_mse = map(np.array, zip(*rows, strict=True))
    return BiasVarianceCurve(np.array(degrees), bias_sq, variance, noise**2, test_mse, train_mse, n_train)


@dataclass
class DoubleDescent:
    """Test error of min-norm polynomial fits as the number of features passes the number of training points."""

    n_features: np.ndarray  # (P,)
    median_test_mse: np.ndarray  # (P,) median over training sets
    train_mse: np.ndarray  # (P,) mean over training sets
    n_train: int
    noise_var: float


def double_descent(
    n_features: Sequence[int] = (1, 2, 3, 4, 5, 6, 8, 10, 13, 16, 18, 20, 22, 25, 30, 40, 60, 100, 160, 250, 400),
    n_train: int = 20,
    n_sets: int = 50,
    noise: float = 0.3,
    seed: int = 0,
) -> DoubleDescent:
    """Fit ``p`` Legendre features by min-norm least squares, for each ``p`` in ``n_features``.

    The expected test error at a fixed training set is ``mean over x of (prediction - f(x))**2 + noise**2``;
    we report its median over the ``n_sets`` training sets, because near ``p = n_train`` a few unlucky sets
    give errors so large that they swamp the mean.
    """
    x, y = _training_sets(n_train, n_sets, float(noise), seed)
    x_grid = np.linspace(0.0, 1.0, N_GRID)
    median_test, train = [], []
    for p in n_features:
        features = legendre_features(x, p)  # (n_sets, n_train, p)
        coef = min_norm_fit(features, y)  # (n_sets, p)
        predictions = coef @ legendre_features(x_grid, p).T  # (n_sets, G)
        test = np.mean((predictions - true_function(x_grid)) ** 2, axis=1) + noise**2  # (n_sets,)
        median_test.append(float(np.median(test)))
        train.append(float(np.mean((np.einsum("snp,sp->sn", features, coef) - y) ** 2)))
    return DoubleDescent(np.array(n_features), np.array(median_test), np.array(train), n_train, noise**2)


# --- gradient noise of mini-batches ---------------------------------------------------------------------------------
def _flat_gradient(model: Layer, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """All parameter gradients of the mean cross-entropy on (X, y), concatenated: shape (n_params,)."""
    _, dlogits = F.softmax_cross_entropy(model.forward(X, training=True), y)
    model.backward(dlogits)
    return np.concatenate([g.ravel() for _, g in sorted(model.grads.items())]).astype(np.float64)


def gradient_spread(model: Layer, X: np.ndarray, y: np.ndarray) -> float:
    """``(1/N) sum_i ||g_i - g||^2``: the spread of the N per-example gradients around the full-batch gradient."""
    full = _flat_gradient(model, X, y)  # (n_params,)
    return float(
        np.mean([np.sum((_flat_gradient(model, X[i : i + 1], y[i : i + 1]) - full) ** 2) for i in range(len(X))])
    )


def gradient_noise(
    model: Layer, X: np.ndarray, y: np.ndarray, batch_sizes: Sequence[int], n_draws: int = 20, rng=None
) -> np.ndarray:
    """Mean squared distance between a mini-batch gradient and the full-batch gradient, per batch size.

    Batches are drawn without replacement; the model is not updated. Returns an array of shape
    (len(batch_sizes),): the average over ``n_draws`` batches of ``||g_B - g||^2``.
    """
    rng = as_rng(rng)
    if any(not 1 <= b <= len(X) for b in batch_sizes):
        raise ValueError(f"batch sizes must be between 1 and the {len(X)} samples, got {list(batch_sizes)}")
    full = _flat_gradient(model, X, y)  # (n_params,)
    noise = []
    for batch_size in batch_sizes:
        draws = [rng.choice(len(X), size=batch_size, replace=False) for _ in range(n_draws)]
        noise.append(np.mean([np.sum((_flat_gradient(model, X[b], y[b]) - full) ** 2) for b in draws]))
    return np.array(noise)


# --- ensembles --------------------------------------------------------------------------------------------------------
def subset_ensembles(probs: np.ndarray, labels: np.ndarray) -> list[np.ndarray]:
    """Cross-entropy and accuracy of every ensemble that averages the probabilities of a subset of the models.

    Parameters
    ----------
    probs : array of shape (K, N, C), predicted class probabilities of K models on the same N samples
    labels : int array of shape (N,)

    Returns
    -------
    scores : list of K arrays; ``scores[k - 1]`` has shape (K choose k, 2): (loss, accuracy) of each k-model ensemble
    """
    check_float_array(probs, "probs", ndim=3)
    if labels.shape != probs.shape[1:2]:
        raise ValueError(f"labels must have shape ({probs.shape[1]},) to match probs {probs.shape}, got {labels.shape}")
    rows = np.arange(len(labels))
    scores = []
    for k in range(1, len(probs) + 1):
        averages = [probs[list(subset)].mean(axis=0) for subset in itertools.combinations(range(len(probs)), k)]
        scores.append(
            np.array([(-np.mean(np.log(p[rows, labels])), np.mean(p.argmax(axis=1) == labels)) for p in averages])
        )
    return scores


# --- figures ----------------------------------------------------------------------------------------------------------
def _figure(ncols: int = 1, nrows: int = 1, figsize=(7.0, 3.5), **kwargs) -> tuple[Figure, np.ndarray]:
    """A constrained-layout figure in the book's style and its axes as a flat array."""
    with style():
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes.ravel()


def _plain_number(value: float, _position=None) -> str:
    """A tick label without mathtext: 0.01, 0.2, 100, 1e+06."""
    return f"{value:g}" if 1e-3 <= value <= 1e4 else f"{value:.0e}"


def log_axis(ax, which: str = "y") -> None:
    """Put ``ax``'s ``"x"``, ``"y"`` or ``"both"`` axes on a log scale (call it after plotting or setting limits).

    Ticks at every decade; at 1-2-5 within each decade when the data span one or two decades, and at 1-2-3-4-5-7
    within less than one. Plain labels and no minor ticks: matplotlib's default log ticks (mathtext labels, dozens
    of minor ticks) take about 0.1 s per axis to lay out, a real cost for an explorable's many frames.
    """
    if which not in ("x", "y", "both"):
        raise ValueError(f"which must be 'x', 'y' or 'both', got {which!r}")
    for name, axis, set_scale in (("x", ax.xaxis, ax.set_xscale), ("y", ax.yaxis, ax.set_yscale)):
        if which in (name, "both"):
            set_scale("log")
            ax.autoscale_view()
            low, high = axis.get_view_interval()
            decades = np.log10(high / low) if low > 0 else np.inf
            subs = (1.0,) if decades > 2 else (1.0, 2.0, 5.0) if decades > 1 else (1.0, 2.0, 3.0, 4.0, 5.0, 7.0)
            axis.set_major_locator(LogLocator(subs=subs))
            axis.set_minor_locator(NullLocator())
            axis.set_major_formatter(FuncFormatter(_plain_number))


def _legend_below(fig: Figure, ncols: int = 3) -> None:
    """One legend for the whole figure, under the axes, so that it never covers data."""
    handles, labels = [], []
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols)


def draw_fits(ax, fits: ResampledFits, n_shown: int = 20) -> None:
    """Draw ``n_shown`` single fits (thin), their average (thick) and the true function (dashed) onto ``ax``.

    The single fits are one line broken by NaNs: one artist instead of ``n_shown``, much cheaper to draw.
    """
    shown = fits.predictions[:n_shown]  # (n_shown, G)
    x = np.tile(np.append(fits.x_grid, np.nan), len(shown))  # (n_shown * (G + 1),)
    y = np.hstack([shown, np.full((len(shown), 1), np.nan)]).ravel()  # (n_shown * (G + 1),)
    ax.plot(x, y, color=PALETTE[5], linewidth=0.6, label=f"{len(shown)} single fits")
    ax.plot(
        fits.x_grid,
        fits.predictions.mean(axis=0),
        color=PALETTE[0],
        linewidth=2.5,
        label=f"average of {len(fits.predictions)} fits",
    )
    ax.plot(fits.x_grid, fits.f_grid, color="black", linestyle="--", linewidth=1.5, label="true f(x)")
    bias_sq, variance = bias_variance(fits.predictions, fits.f_grid)
    ax.set(title=f"degree {fits.degree}\nbias² {bias_sq:.3g}, variance {variance:.3g}", xlabel="x", ylim=(-2.0, 2.0))


def draw_decomposition(ax, curve: BiasVarianceCurve, detailed: bool = True) -> None:
    """Draw bias^2, variance, noise and the measured test error against the degree onto ``ax``; ``detailed`` adds
    the sum bias^2 + variance + noise and the training error."""
    d = curve.degrees
    ax.plot(d, curve.bias_sq, marker="o", color=PALETTE[0], label="bias²")
    ax.plot(d, curve.variance, marker="s", color=PALETTE[1], label="variance")
    ax.axhline(curve.noise_var, color=PALETTE[6], linestyle=":", label="noise σ²")
    if detailed:
        ax.plot(d, curve.total, color=PALETTE[3], linewidth=2.5, label="bias² + variance + noise")
    ax.plot(
        d,
        curve.test_mse,
        linestyle="none" if detailed else "-",
        marker="x",
        markersize=9,
        color="black",
        label="measured test MSE",
    )
    if detailed:
        ax.plot(d, curve.train_mse, marker="^", linestyle="--", color=PALETTE[2], label="training MSE")
    ax.set(xlabel="polynomial degree (model capacity)", ylabel="mean squared error (log scale)", xticks=d)


def plot_resampled_fits(fits: Sequence[ResampledFits], n_shown: int = 20) -> Figure:
    """One panel per degree: ``n_shown`` fits (thin), their average (thick) and the true function (dashed)."""
    fig, axes = _figure(len(fits), figsize=(2.5 * len(fits), 3.2), sharey=True)
    with style():
        for ax, fit in zip(axes, fits, strict=True):
            draw_fits(ax, fit, n_shown)
        axes[0].set_ylabel("prediction")
        _legend_below(fig)
    return fig


def plot_decomposition(curve: BiasVarianceCurve) -> Figure:
    """Bias^2, variance, noise, their sum and the measured test error against the degree (log scale)."""
    fig, (ax,) = _figure(figsize=(7.0, 4.2))
    with style():
        draw_decomposition(ax, curve)
        ax.axvline(curve.degrees[np.argmin(curve.test_mse)], color="grey", linewidth=0.8)
        log_axis(ax)
        ax.set_title(f"Polynomial fits to {curve.n_train} noisy points: the error decomposed")
        _legend_below(fig)
    return fig


def plot_loss_curves(histories: Mapping[str, History], title: str) -> Figure:
    """Validation loss (solid) and training loss (dashed) per epoch for each labelled run (log scale)."""
    fig, (ax,) = _figure(figsize=(7.0, 3.8))
    with style():
        for i, (label, history) in enumerate(histories.items()):
            epochs = np.arange(1, len(history.val_loss) + 1)
            ax.plot(epochs, history.val_loss, color=PALETTE[i % len(PALETTE)], label=label)
            ax.plot(epochs, history.train_loss, color=PALETTE[i % len(PALETTE)], linestyle="--")
        for linestyle, label in (("-", "validation"), ("--", "training")):
            ax.plot([], [], color="grey", linestyle=linestyle, label=label)  # legend entries for the line styles
        log_axis(ax)
        ax.set(title=title, xlabel="epoch", ylabel="cross-entropy loss (log scale)")
        _legend_below(fig)
    return fig


def plot_decision_boundaries(models: Mapping[str, Layer], X: np.ndarray, y: np.ndarray, n_grid: int = 120) -> Figure:
    """One panel per two-input classifier: its predicted probability of class 1 and the training points."""
    fig, axes = _figure(len(models), figsize=(2.5 * len(models), 3.0), sharey=True)
    pad = 0.5
    (x0_min, x1_min), (x0_max, x1_max) = X.min(axis=0) - pad, X.max(axis=0) + pad
    g0, g1 = np.meshgrid(np.linspace(x0_min, x0_max, n_grid), np.linspace(x1_min, x1_max, n_grid))
    grid = np.stack([g0.ravel(), g1.ravel()], axis=1).astype(X.dtype)  # (n_grid**2, 2)
    with style():
        for ax, (label, model) in zip(axes, models.items(), strict=True):
            prob = F.softmax(model.forward(grid, training=False))[:, 1].reshape(g0.shape)  # (n_grid, n_grid)
            ax.contourf(g0, g1, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.5)
            ax.contour(g0, g1, prob, levels=[0.5], colors="black", linewidths=1.5)
            for cls, (colour, marker) in enumerate(((PALETTE[0], "o"), (PALETTE[3], "s"))):
                ax.scatter(
                    *X[y == cls].T,
                    s=14,
                    color=colour,
                    marker=marker,
                    edgecolor="white",
                    linewidth=0.4,
                    label=f"class {cls}",
                )
            ax.set(title=label, xlabel="$x_1$")
            ax.grid(False)
        axes[0].set_ylabel("$x_2$")
        _legend_below(fig)
    return fig


def plot_lr_paths(
    runs: Mapping[str, tuple[np.ndarray, np.ndarray]],
    design: np.ndarray,
    targets: np.ndarray,
    theta_star: np.ndarray,
    n_path_steps: int = 15,
) -> Figure:
    """Gradient descent on a least-squares line for several learning rates.

    Parameters
    ----------
    runs : label -> (path of shape (T + 1, 2), losses of shape (T,)), parameters (slope, intercept) per step
    design : (N, 2) matrix [x, 1]; targets : (N,); theta_star : (2,) the least-squares solution
    n_path_steps : steps drawn in parameter space

    Left: contours of the mean squared error and the first ``n_path_steps`` steps of every path. Right: the loss
    above its minimum, per step (log scale): straight lines mean a constant factor per step.
    """
    fig, (left, right) = _figure(2, figsize=(7.5, 4.0))
    converged = [path for path, losses in runs.values() if losses[-1] <= losses[0]]
    points = np.concatenate([*converged, theta_star[None]])  # (P, 2): what the view must contain
    low, high = points.min(axis=0), points.max(axis=0)
    margin = 0.25 * (high - low).max()
    w, b = np.meshgrid(
        np.linspace(low[0] - margin, high[0] + margin, 120), np.linspace(low[1] - margin, high[1] + margin, 120)
    )
    residuals = w[..., None] * design[:, 0] + b[..., None] * design[:, 1] - targets  # (120, 120, N)
    min_loss = float(np.mean((design @ theta_star - targets) ** 2))
    with style():
        left.contour(w, b, np.mean(residuals**2, axis=-1), levels=12, colors="grey", linewidths=0.6)
        left.plot(*theta_star, marker="*", markersize=14, color="black", linestyle="none")
        for i, (label, (path, losses)) in enumerate(runs.items()):
            style_kw = {
                "color": PALETTE[i % len(PALETTE)],
                "marker": MARKERS[i % 6],
                "markersize": 3,
                "linestyle": LINESTYLES[i % 4],
            }
            left.plot(path[: n_path_steps + 1, 0], path[: n_path_steps + 1, 1], linewidth=1.0, label=label, **style_kw)
            right.plot(np.arange(len(losses)), losses - min_loss, **style_kw)
        left.set(
            xlim=(w.min(), w.max()),
            ylim=(b.min(), b.max()),
            title=f"First {n_path_steps} steps from (0, 0); ★ = minimum",
            xlabel="slope w",
            ylabel="intercept b",
        )
        left.grid(False)
        log_axis(right)
        right.set(title="Loss above the minimum", xlabel="step", ylabel="MSE - min MSE (log scale)")
        _legend_below(fig, ncols=len(runs))
    return fig


def plot_step_losses(histories: Mapping[str, History], title: str, smooth: int = 10) -> Figure:
    """Mini-batch training loss (moving average over ``smooth`` steps, log scale) of each labelled run."""
    fig, (ax,) = _figure(figsize=(7.0, 3.8))
    kernel = np.ones(smooth) / smooth
    with style():
        for i, (label, history) in enumerate(histories.items()):
            loss = np.convolve(history.step_loss, kernel, mode="valid")
            ax.plot(
                np.arange(smooth, len(history.step_loss) + 1),
                loss,
                color=PALETTE[i % len(PALETTE)],
                linestyle=LINESTYLES[i % 4],
                label=label,
            )
        log_axis(ax)
        ax.set(title=title, xlabel="step", ylabel=f"training loss, mean of {smooth} steps (log scale)")
        _legend_below(fig, ncols=len(histories))
    return fig


def plot_batch_size(
    batch_sizes: Sequence[int], noise: np.ndarray, predicted: np.ndarray, final_losses: Mapping[int, np.ndarray]
) -> Figure:
    """Left: gradient noise against batch size (log-log) with the sampling prediction. Right: final training and
    validation loss per batch size, averaged over seeds, with the mean gap annotated and each seed's validation loss
    as a dot.

    ``final_losses[batch_size]`` has shape (2 or more, n_seeds): row 0 the training loss, row 1 the validation loss.
    """
    fig, (left, right) = _figure(2, figsize=(7.5, 3.6))
    with style():
        left.plot(batch_sizes, noise, marker="o", linestyle="none", color=PALETTE[0], label="measured")
        left.plot(batch_sizes, predicted, color=PALETTE[1], label="σ²/B · (N-B)/(N-1)")
        log_axis(left, "both")
        left.set(
            title="Noise of a mini-batch gradient",
            xlabel="batch size B (log scale)",
            ylabel="E ||g_B - g||² (log scale)",
        )
        left.legend(loc="lower left")
        positions = np.arange(len(final_losses))
        train_loss = np.array([losses[0] for losses in final_losses.values()])  # (n_sizes, n_seeds)
        val_loss = np.array([losses[1] for losses in final_losses.values()])  # (n_sizes, n_seeds)
        right.bar(positions - 0.2, train_loss.mean(axis=1), width=0.4, color=PALETTE[0], label="training")
        right.bar(positions + 0.2, val_loss.mean(axis=1), width=0.4, color=PALETTE[1], hatch="//", label="validation")
        for x, seeds in zip(positions + 0.2, val_loss, strict=True):
            right.plot(np.full(len(seeds), x), seeds, linestyle="none", marker="o", markersize=3, color="black")
        for x, top, gap in zip(positions, val_loss.max(axis=1), (val_loss - train_loss).mean(axis=1), strict=True):
            right.annotate(
                f"gap {gap:.3f}", (x, top), xytext=(0, 4), textcoords="offset points", ha="center", fontsize="small"
            )
        right.set_xticks(positions, [str(b) for b in final_losses])
        right.set(
            title="After the same number of updates",
            xlabel="batch size",
            ylabel="cross-entropy loss",
            ylim=(0.0, 1.25 * val_loss.max()),
        )
        right.legend(loc="upper left", ncols=2)
    return fig


def plot_learning_curve(
    n_train: Sequence[int], train_error: Sequence[float], val_error: Sequence[float], title: str
) -> Figure:
    """Training and validation error rate against the number of training samples (log x)."""
    fig, (ax,) = _figure(figsize=(7.0, 3.4))
    with style():
        ax.plot(n_train, val_error, marker="o", color=PALETTE[1], label="validation error")
        ax.plot(n_train, train_error, marker="s", linestyle="--", color=PALETTE[0], label="training error")
        ax.fill_between(n_train, train_error, val_error, color=PALETTE[1], alpha=0.15, label="generalization gap")
        log_axis(ax, "x")
        ax.set_xticks(n_train, [str(n) for n in n_train])
        ax.set(title=title, xlabel="training samples (log scale)", ylabel="error rate (1 - accuracy)")
        ax.legend()
    return fig


def plot_weight_histograms(
    weights: Mapping[str, np.ndarray], curves: Mapping[str, Sequence[float]], bins: int = 60
) -> Figure:
    """Left: validation loss per epoch for each run. Right: histograms of one weight matrix per run (log counts).

    A run has the same colour and line style in both panels; one legend below the figure names them all.
    """
    fig, (left, right) = _figure(2, figsize=(7.5, 4.0))
    styles = {
        label: {"color": PALETTE[i % len(PALETTE)], "linestyle": LINESTYLES[i % 4]} for i, label in enumerate(curves)
    }
    with style():
        for label, val_loss in curves.items():
            left.plot(np.arange(1, len(val_loss) + 1), val_loss, label=label, **styles[label])
        log_axis(left)
        left.set(title="Validation loss", xlabel="epoch", ylabel="cross-entropy (log scale)")
        limit = max(float(np.abs(w).max()) for w in weights.values())
        edges = np.linspace(-limit, limit, bins + 1)
        for label, w in weights.items():
            right.hist(w.ravel(), bins=edges, histtype="step", linewidth=1.8, **styles[label])
        log_axis(right)
        right.set(title="Hidden-to-hidden weights after training", xlabel="weight value", ylabel="count (log scale)")
        _legend_below(fig)
    return fig


def plot_early_stopping(full: History, stopped: History, patience: int) -> Figure:
    """The validation curve of a long run, the same run stopped early, its best epoch and where it stopped."""
    fig, (ax,) = _figure(figsize=(7.0, 4.2))
    with style():
        epochs = np.arange(1, len(full.val_loss) + 1)
        ax.plot(epochs, full.val_loss, color="grey", linewidth=1.0, label="validation, training continued")
        ax.plot(epochs, full.train_loss, color="grey", linestyle="--", linewidth=1.0, label="training loss")
        stopped_epochs = np.arange(1, len(stopped.val_loss) + 1)
        ax.plot(
            stopped_epochs, stopped.val_loss, color=PALETTE[0], linewidth=2.5, label="validation, with early stopping"
        )
        best = stopped.best_epoch + 1
        ax.plot(
            best,
            stopped.val_loss[stopped.best_epoch],
            marker="*",
            markersize=15,
            color=PALETTE[1],
            linestyle="none",
            label=f"best epoch ({best}): weights restored",
        )
        ax.axvline(
            stopped.stopped_epoch + 1,
            color=PALETTE[3],
            linestyle=":",
            label=f"stopped ({patience} epochs without improvement)",
        )
        log_axis(ax)
        ax.set(
            title="Early stopping watches the validation loss", xlabel="epoch", ylabel="cross-entropy loss (log scale)"
        )
        _legend_below(fig, ncols=2)
    return fig


def plot_augmentation(
    image: np.ndarray, shifted: Sequence[np.ndarray], accuracy: Mapping[str, Mapping[str, float]]
) -> Figure:
    """Left: one digit and shifted copies, framed. Right: accuracy of each run (``accuracy[run][test set]``)."""
    fig = Figure(figsize=(7.5, 3.4), layout="constrained")
    with style():
        images_fig, bars_fig = fig.subfigures(1, 2, width_ratios=[1.0, 1.3])
        tiles = images_fig.subplots(2, (len(shifted) + 2) // 2)
        for ax in tiles.ravel():
            ax.set_axis_off()
        for ax, picture, label in zip(
            tiles.ravel(),
            [image, *shifted],
            ["original", *[f"shifted {i + 1}" for i in range(len(shifted))]],
            strict=False,
        ):
            ax.set_axis_on()
            ax.imshow(picture.reshape(8, 8), cmap="gray_r", vmin=0.0, vmax=1.0)
            ax.set(title=label, xticks=[], yticks=[])
            ax.spines[:].set_visible(True)  # the frame is the image border: it shows where the digit moved
        images_fig.suptitle("Augmented copies of one training image", fontsize="medium")
        ax = bars_fig.subplots()
        runs = list(accuracy)
        test_sets = list(accuracy[runs[0]])
        positions = np.arange(len(test_sets))
        width = 0.8 / len(runs)
        for i, run in enumerate(runs):
            values = [accuracy[run][t] for t in test_sets]
            x = positions + (i - (len(runs) - 1) / 2) * width
            ax.bar(x, values, width=width, color=PALETTE[i], hatch=["", "//", "..", "xx"][i % 4], label=run)
            for xi, v in zip(x, values, strict=True):
                ax.annotate(f"{v:.3f}", (xi, v), ha="center", va="bottom", fontsize="small")
        ax.set_xticks(positions, test_sets)
        ax.set(title="Validation accuracy", ylabel="accuracy", ylim=(0.0, 1.25))
        ax.set_yticks(np.linspace(0.0, 1.0, 6))
        ax.legend(loc="upper center", ncols=len(runs))
    return fig


def plot_ensemble(scores: Sequence[np.ndarray]) -> Figure:
    """Loss and accuracy of ensembles of k models against k: every subset as a dot, their mean as a line.

    ``scores`` is ``subset_ensembles``'s result: ``scores[k - 1]`` has one (loss, accuracy) row per k-model subset.
    """
    fig, axes = _figure(2, figsize=(7.5, 3.6))
    k = np.arange(1, len(scores) + 1)
    with style():
        for ax, column, ylabel in ((axes[0], 0, "cross-entropy loss"), (axes[1], 1, "accuracy")):
            for size, rows in zip(k, scores, strict=True):
                ax.plot(
                    np.full(len(rows), size),
                    rows[:, column],
                    marker="o",
                    linestyle="none",
                    color=PALETTE[1],
                    alpha=0.6,
                    label="one ensemble (a subset of the models)" if size == 1 else None,
                )
            ax.plot(
                k,
                [rows[:, column].mean() for rows in scores],
                marker="s",
                color=PALETTE[0],
                label="mean over the subsets of that size",
            )
            ax.set(xlabel="k (models averaged)", ylabel=f"validation {ylabel}", xticks=k)
        axes[0].set_title("Averaging predicted probabilities")
        axes[1].set_title("Accuracy of the same ensembles")
        _legend_below(fig, ncols=2)
    return fig


def plot_double_descent(result: DoubleDescent) -> Figure:
    """Median test error and mean training error against the number of features (log-log), threshold marked."""
    fig, (ax,) = _figure(figsize=(7.0, 4.2))
    with style():
        ax.plot(
            result.n_features,
            result.median_test_mse,
            marker="o",
            color=PALETTE[3],
            label="test MSE (median over training sets)",
        )
        train = np.maximum(result.train_mse, 1e-12)  # interpolation gives ~1e-30; keep it on the log axis
        ax.plot(
            result.n_features,
            train,
            marker="^",
            linestyle="--",
            color=PALETTE[2],
            label="training MSE (floored at 1e-12)",
        )
        ax.axhline(result.noise_var, color=PALETTE[6], linestyle=":", label="noise σ²")
        ax.axvline(result.n_train, color="grey", linewidth=1.0, label=f"p = n = {result.n_train} (interpolation)")
        log_axis(ax, "both")
        ax.set(
            title="Past the interpolation threshold the test error comes down again",
            xlabel="number of features p (log scale)",
            ylabel="mean squared error (log scale)",
        )
        _legend_below(fig, ncols=2)
    return fig
