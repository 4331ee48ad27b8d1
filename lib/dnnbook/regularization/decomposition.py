"""Bias and variance, measured: the estimator, polynomial fits over resampled training sets, double descent.

* ``bias_variance``: the estimator (squared bias and variance of models trained on different training sets);
* ``resampled_fits`` and ``polynomial_bias_variance``: least-squares polynomials fitted to many resampled training
  sets, and the decomposition of their test error per degree;
* ``double_descent``: min-norm fits past the interpolation threshold;
* figures: ``draw_fits``, ``draw_decomposition``, ``plot_resampled_fits``, ``plot_decomposition``,
  ``plot_double_descent``; the explorable ``bias_variance_picture``.

Polynomials are written in the Legendre basis on [0, 1]: the same functions as powers of x, but far better
conditioned, so a degree-9 fit is a least-squares problem and not a rounding-error contest. Results are values:
frozen dataclasses with read-only arrays (``polynomial_bias_variance`` is cached).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator

from dnnopt._checks import as_rng, check_float_array
from dnnopt.data import regression_1d, true_function

from ..experiments import read_only
from ..explorable import Explorable
from ..figures import PALETTE, legend_below, log_axis, new_figure, style

__all__ = [
    "BiasVarianceCurve",
    "DoubleDescent",
    "ResampledFits",
    "bias_variance",
    "bias_variance_picture",
    "double_descent",
    "draw_decomposition",
    "draw_fits",
    "legendre_features",
    "min_norm_fit",
    "plot_decomposition",
    "plot_double_descent",
    "plot_resampled_fits",
    "polynomial_bias_variance",
    "resampled_fits",
    "resampled_training_sets",
]

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
    read_only(x, y)  # shared by every caller of the cache
    return x, y


@dataclass(frozen=True)
class ResampledFits:
    """Polynomials of one degree, each fitted to its own training set, evaluated on a grid over [0, 1] (read-only)."""

    degree: int
    x_grid: np.ndarray  # (G,)
    f_grid: np.ndarray  # (G,) the noiseless target
    predictions: np.ndarray  # (n_sets, G)
    y_train: np.ndarray  # (n_sets, n_train), shared by every fit to the same training sets
    train_predictions: np.ndarray  # (n_sets, n_train)

    def __post_init__(self) -> None:
        read_only(self.x_grid, self.f_grid, self.predictions, self.y_train, self.train_predictions)


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


@dataclass(frozen=True)
class BiasVarianceCurve:
    """The decomposition of the expected test error, one entry per polynomial degree (read-only)."""

    degrees: np.ndarray  # (D,)
    bias_sq: np.ndarray  # (D,)
    variance: np.ndarray  # (D,)
    noise_var: float  # sigma**2, the same for every model
    test_mse: np.ndarray  # (D,) measured directly: fresh noisy targets vs predictions
    train_mse: np.ndarray  # (D,) mean squared error on each model's own training set
    n_train: int

    def __post_init__(self) -> None:
        read_only(self.degrees, self.bias_sq, self.variance, self.test_mse, self.train_mse)

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


@dataclass(frozen=True)
class DoubleDescent:
    """Test error of min-norm polynomial fits as the number of features passes the number of training points."""

    n_features: np.ndarray  # (P,)
    median_test_mse: np.ndarray  # (P,) median over training sets
    train_mse: np.ndarray  # (P,) mean over training sets
    median_norm: np.ndarray  # (P,) median over training sets of the coefficients' Euclidean norm
    n_train: int
    noise_var: float

    def __post_init__(self) -> None:
        read_only(self.n_features, self.median_test_mse, self.train_mse, self.median_norm)


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
    give errors so large that they swamp the mean. The median norm of the coefficients shows the mechanism
    (Belkin et al., 2019): past the threshold every added feature can only lower the smallest interpolating norm.
    """
    x, y = _training_sets(n_train, n_sets, float(noise), seed)
    x_grid = np.linspace(0.0, 1.0, N_GRID)
    median_test, train, norms = [], [], []
    for p in n_features:
        features = legendre_features(x, p)  # (n_sets, n_train, p)
        coef = min_norm_fit(features, y)  # (n_sets, p)
        predictions = coef @ legendre_features(x_grid, p).T  # (n_sets, G)
        test = np.mean((predictions - true_function(x_grid)) ** 2, axis=1) + noise**2  # (n_sets,)
        median_test.append(float(np.median(test)))
        train.append(float(np.mean((np.einsum("snp,sp->sn", features, coef) - y) ** 2)))
        norms.append(float(np.median(np.linalg.norm(coef, axis=1))))
    return DoubleDescent(
        np.array(n_features), np.array(median_test), np.array(train), np.array(norms), n_train, noise**2
    )


# --- figures ----------------------------------------------------------------------------------------------------------
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
    fig, axes = new_figure(len(fits), figsize=(2.5 * len(fits), 3.2), sharey=True)
    with style():
        for ax, fit in zip(axes, fits, strict=True):
            draw_fits(ax, fit, n_shown)
        axes[0].set_ylabel("prediction")
        legend_below(fig)
    return fig


def plot_decomposition(curve: BiasVarianceCurve) -> Figure:
    """Bias^2, variance, noise, their sum and the measured test error against the degree (log scale)."""
    fig, (ax,) = new_figure(figsize=(7.0, 4.2))
    with style():
        draw_decomposition(ax, curve)
        ax.axvline(curve.degrees[np.argmin(curve.test_mse)], color="grey", linewidth=0.8)
        log_axis(ax)
        ax.set_title(f"Polynomial fits to {curve.n_train} noisy points: the error decomposed")
        legend_below(fig)
    return fig


def plot_double_descent(result: DoubleDescent) -> Figure:
    """Left: median test error and mean training error against the number of features (log-log), threshold marked.
    Right: the median norm of the fitted coefficients against the number of features (log-log)."""
    fig, (ax, norm_ax) = new_figure(2, figsize=(7.5, 4.2))
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
        norm_ax.plot(result.n_features, result.median_norm, marker="s", color=PALETTE[0], label="‖coefficients‖")
        for panel in (ax, norm_ax):
            panel.axvline(result.n_train, color="grey", linewidth=1.0)
            log_axis(panel, "both")
            panel.set_xlabel("number of features p (log scale)")
        ax.set(title="Error: two descents", ylabel="mean squared error (log scale)")
        norm_ax.set(title="Norm of the min-norm fit", ylabel="median ‖coefficients‖ (log scale)")
        ax.plot([], [], color="grey", linewidth=1.0, label=f"p = n = {result.n_train} (interpolation)")
        legend_below(fig, ncols=2)
    return fig


# --- explorable -------------------------------------------------------------------------------------------------------
# The fits are cheap least-squares problems and the curves are computed once per training-set size when the
# explorable is built (and cached), so a frame only draws. Every frame has the same axes at the same place (fixed
# margins and limits, no layout pass): moving a control changes the data and nothing else.
DEGREES = (1, 3, 5, 9)  # the slider
CURVE_DEGREES = tuple(range(10))  # the decomposition curve (as in the chapter's figure)
N_TRAIN = (15, 30, 120)
Y_RANGE = (1e-5, 1e7)  # every frame's error axis: holds all three training-set sizes' curves
Y_TICKS = (1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6)  # few tick labels: text is most of the cost of a frame


def _bias_variance_picture_frame(fig, degree: int, n_train: int) -> None:
    """One frame: the fits of the chosen degree (left) and the decomposition with that degree marked (right)."""
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # no engine at all ("none" keeps a placeholder that costs a layout pass)
    fits_ax, curve_ax = fig.subplots(1, 2, gridspec_kw=dict(left=0.07, right=0.99, bottom=0.27, top=0.87, wspace=0.22))
    draw_fits(fits_ax, resampled_fits(degree, n_train))
    fits_ax.set(ylabel="prediction", xticks=(0.0, 0.5, 1.0), yticks=(-2, -1, 0, 1, 2))
    draw_decomposition(curve_ax, polynomial_bias_variance(CURVE_DEGREES, n_train), detailed=False)
    curve_ax.axvline(degree, color=PALETTE[3], linewidth=6.0, alpha=0.25)
    curve_ax.set(yscale="log", ylim=Y_RANGE, title=f"the decomposition, {n_train} training points")
    curve_ax.set_yticks(Y_TICKS, [f"{t:g}" for t in Y_TICKS], minor=False)
    curve_ax.yaxis.set_minor_locator(NullLocator())
    fig.legend(*fits_ax.get_legend_handles_labels(), loc="lower left", ncols=2, bbox_to_anchor=(0.0, 0.0))
    fig.legend(*curve_ax.get_legend_handles_labels(), loc="lower right", ncols=2, bbox_to_anchor=(1.0, 0.0))


def bias_variance_picture() -> Explorable:
    """Resampled polynomial fits and the bias-variance curves for a chosen degree and training-set size."""
    for n_train in N_TRAIN:
        polynomial_bias_variance(CURVE_DEGREES, n_train)  # the sweeps, once (cached): frames only draw
    return Explorable(
        _bias_variance_picture_frame,
        controls={"degree": list(DEGREES), "n_train": list(N_TRAIN)},
        defaults={"degree": 3, "n_train": 30},
        alt="Left: twenty polynomial fits of the chosen degree, each to its own resampled noisy training set, "
        "their average and the true sine curve. Right: squared bias, variance, noise and the measured test error "
        "against the degree for the chosen training-set size (log scale), "
        "with the chosen degree highlighted.",
        figsize=(9.0, 4.2),
    )
