"""Explorable for the chapter "Bias, variance and regularization".

* ``bias_variance_picture()``: polynomial fits over many resampled training sets for a chosen degree and
  training-set size, beside the bias^2 / variance / test-error curves with the chosen degree marked.

The fits are cheap least-squares problems and the curves are computed once per training-set size when the
explorable is built (and cached), so a frame only draws. Every frame has the same axes at the same place (fixed
margins and limits, no layout pass): moving a control changes the data and nothing else.
"""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.ticker import NullLocator

from ..plots import PALETTE
from ..plots.bias_variance import draw_decomposition, draw_fits, polynomial_bias_variance, resampled_fits
from ._core import Explorable

__all__ = ["bias_variance_picture"]

DEGREES = (1, 3, 5, 9)  # the slider
CURVE_DEGREES = tuple(range(10))  # the decomposition curve (as in the chapter's figure)
N_TRAIN = (15, 30, 120)
Y_RANGE = (1e-5, 1e7)  # every frame's error axis: holds all three training-set sizes' curves
Y_TICKS = (1e-4, 1e-2, 1.0, 1e2, 1e4, 1e6)  # few tick labels: text is most of the cost of a frame


def _draw_bias_variance(fig, degree: int, n_train: int) -> None:
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
        _draw_bias_variance,
        controls={"degree": list(DEGREES), "n_train": list(N_TRAIN)},
        defaults={"degree": 3, "n_train": 30},
        figsize=(9.0, 4.2),
        alt="Left: twenty polynomial fits of the chosen degree, each to its own resampled noisy training set, "
        "their average and the true sine curve. Right: squared bias, variance, noise and the measured test error "
        "against the degree for the chosen training-set size (log scale), "
        "with the chosen degree highlighted.",
    )
