"""The book's look, shared by every chapter: palette, style, figure factory, log axes, legends.

The palette is Okabe & Ito's, readable with every common colour-vision deficiency; yellow is last because it has
little contrast on white. Figures are at most 7.5 inches wide, so that a phone shrinking them to its width keeps the
text legible; legends sit outside the data. Figures are ``matplotlib.figure.Figure`` objects not registered with
pyplot, so a notebook shows each exactly once (as the cell's value) and tests can inspect its artists.
"""

from __future__ import annotations

import contextlib
import math

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

__all__ = [
    "LINESTYLES",
    "MARKERS",
    "PALETTE",
    "STYLE",
    "legend_below",
    "log_axis",
    "new_figure",
    "style",
    "use_style",
]

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", "-.", ":"]

STYLE = {
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "legend.frameon": False,
    "legend.fontsize": "small",
    "figure.dpi": 100,
    "figure.figsize": (7.0, 3.5),
    "figure.constrained_layout.use": True,
    "image.cmap": "viridis",
}


@contextlib.contextmanager
def style():
    """Apply the book's figure style inside a ``with`` block only."""
    with mpl.rc_context(STYLE):
        yield


def use_style() -> None:
    """Apply the book's figure style to every later figure (call once in a chapter's imports cell)."""
    mpl.rcParams.update(STYLE)


def new_figure(ncols: int = 1, nrows: int = 1, figsize=(7.0, 3.5), **subplot_kw) -> tuple[Figure, list[Axes]]:
    """A constrained-layout figure in the book's style and its ``nrows * ncols`` axes, row by row, as a list.

    ``subplot_kw`` goes to ``Figure.subplots`` (``sharex=True``, ``sharey=True``, ``width_ratios=...``).
    """
    with style():
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, list(axes.ravel())


def _plain_number(value: float, _position=None) -> str:
    """A tick label without mathtext: 0.01, 0.2, 100, 1e+06."""
    return f"{value:g}" if 1e-3 <= value <= 1e4 else f"{value:.0e}"


_SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _power_of_ten(exponent: int) -> str:
    """``10⁻³⁰`` as plain text (unicode superscripts)."""
    return "10" + str(exponent).translate(_SUPERSCRIPTS)


def log_axis(ax: Axes, which: str = "y", decades: tuple[int, int] | None = None, max_ticks: int = 7) -> None:
    """Put ``ax``'s ``"x"``, ``"y"`` or ``"both"`` axes on a log scale with plain-text tick labels, no minor ticks.

    Without ``decades`` the axis spans the data (call it after plotting or setting limits): ticks at every decade,
    at 1-2-5 within each decade when the data span one or two decades, and at 1-2-3-4-5-7 within less than one,
    labelled 0.01, 0.2, 100, 1e+06.

    ``decades = (low, high)`` fixes the axis to ``10**low`` .. ``10**high`` with ticks at every 1, 2, 5, 10 or 20
    decades (at most ``max_ticks``), labelled 10⁻³⁰: for data spread over dozens of decades (gradient norms), and
    for the frames of an explorable, which must all have the same axes.

    Plain labels and no minor ticks: matplotlib's default log ticks (mathtext labels, dozens of minor ticks) take
    about 0.1 s per axis to lay out, a real cost for an explorable's many frames.
    """
    if which not in ("x", "y", "both"):
        raise ValueError(f"which must be 'x', 'y' or 'both', got {which!r}")
    if decades is not None and which == "both":
        raise ValueError("decades fixes the range of one axis: which must be 'x' or 'y'")
    for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if which not in (name, "both"):
            continue
        getattr(ax, f"set_{name}scale")("log")
        if decades is not None:
            low, high = decades
            step = next((k for k in (1, 2, 5, 10, 20) if (high - low) / k < max_ticks), 50)
            exponents = range(math.ceil(low / step) * step, high + 1, step)
            axis.set_ticks([10.0**e for e in exponents], labels=[_power_of_ten(e) for e in exponents])
            axis.set_minor_locator(NullLocator())
            getattr(ax, f"set_{name}lim")(10.0**low, 10.0**high)
            continue
        ax.autoscale_view()
        low, high = axis.get_view_interval()
        span = np.log10(high / low) if low > 0 else np.inf  # in decades
        subs = (1.0,) if span > 2 else (1.0, 2.0, 5.0) if span > 1 else (1.0, 2.0, 3.0, 4.0, 5.0, 7.0)
        axis.set_major_locator(LogLocator(subs=subs))
        axis.set_minor_locator(NullLocator())
        axis.set_major_formatter(FuncFormatter(_plain_number))


def legend_below(fig: Figure, ncols: int = 3) -> None:
    """One legend for the whole figure, under the axes, so that it never covers data (each label once)."""
    handles, labels = [], []
    for ax in fig.axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    fig.legend(handles, labels, loc="outside lower center", ncols=ncols)
