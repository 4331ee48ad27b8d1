"""Figures for the book. This module holds the shared look; each chapter's figures live in a module beside it.

The palette is Okabe & Ito's, readable with every common colour-vision deficiency; yellow is last because it has
little contrast on white.
"""

from __future__ import annotations

import contextlib

import matplotlib as mpl
from cycler import cycler

__all__ = ["PALETTE", "STYLE", "style", "use_style"]

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]

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
