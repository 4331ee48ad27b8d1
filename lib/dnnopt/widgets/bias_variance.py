"""Explorable for the chapter "Bias, variance and regularization".

* ``bias_variance_picture()``: polynomial fits over many resampled training sets for a chosen degree and
  training-set size, beside the bias^2 / variance / test-error curves with the chosen degree marked.

The fits are cheap least-squares problems and the curves are cached per training-set size, so every frame only
redraws.
"""

from __future__ import annotations

from ..plots import PALETTE
from ..plots.bias_variance import bias_variance, log_axis, polynomial_bias_variance, resampled_fits
from ._core import Explorable

__all__ = ["bias_variance_picture"]

DEGREES = (1, 3, 5, 9)  # the slider
CURVE_DEGREES = tuple(range(10))  # the decomposition curve (as in the chapter's figure)
N_TRAIN = (15, 30, 120)
N_SHOWN = 20  # single fits drawn per frame


def _draw_bias_variance(fig, degree: int, n_train: int) -> None:
    fits_ax, curve_ax = fig.subplots(1, 2)
    fits = resampled_fits(degree, n_train)
    for i, prediction in enumerate(fits.predictions[:N_SHOWN]):
        fits_ax.plot(fits.x_grid, prediction, color=PALETTE[5], linewidth=0.6, alpha=0.6,
                     label=f"{N_SHOWN} single fits" if i == 0 else None)
    fits_ax.plot(fits.x_grid, fits.predictions.mean(axis=0), color=PALETTE[0], linewidth=2.5, label="average fit")
    fits_ax.plot(fits.x_grid, fits.f_grid, color="black", linestyle="--", label="true f(x)")
    bias_sq, variance = bias_variance(fits.predictions, fits.f_grid)
    fits_ax.set(title=f"degree {degree}, n = {n_train}: bias² {bias_sq:.3g}, var {variance:.3g}", xlabel="x",
                ylabel="prediction", ylim=(-2.0, 2.0))
    fits_ax.legend(loc="lower left")

    curve = polynomial_bias_variance(CURVE_DEGREES, n_train)
    curve_ax.plot(curve.degrees, curve.bias_sq, marker="o", color=PALETTE[0], label="bias²")
    curve_ax.plot(curve.degrees, curve.variance, marker="s", color=PALETTE[1], label="variance")
    curve_ax.plot(curve.degrees, curve.test_mse, marker="x", color="black", label="test MSE")
    curve_ax.axhline(curve.noise_var, color=PALETTE[6], linestyle=":", label="noise σ²")
    curve_ax.axvline(degree, color=PALETTE[3], linewidth=2.0, alpha=0.6)
    curve_ax.set_ylim(1e-5, 1e7)
    log_axis(curve_ax)
    curve_ax.set(title=f"the decomposition, {n_train} training points", xlabel="polynomial degree",
                 ylabel="mean squared error (log)", xticks=CURVE_DEGREES)
    curve_ax.legend(loc="upper left", fontsize="x-small")


def bias_variance_picture() -> Explorable:
    """Resampled polynomial fits and the bias-variance curves for a chosen degree and training-set size."""
    return Explorable(
        _draw_bias_variance,
        controls={"degree": list(DEGREES), "n_train": list(N_TRAIN)},
        defaults={"degree": 3, "n_train": 30},
        figsize=(9.0, 3.6),
        alt="Left: twenty polynomial fits of the chosen degree, each to its own resampled noisy training set, "
            "their average and the true sine curve. Right: squared bias, variance and test error against the "
            "degree for the chosen training-set size, with the chosen degree marked.",
    )
