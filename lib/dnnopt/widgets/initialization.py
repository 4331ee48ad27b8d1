"""Explorable for the weight-initialization chapter: one forward and backward pass, layer by layer."""

from __future__ import annotations

from ..plots.initialization import INITIALIZERS, layer_statistics, plot_activation_histograms, plot_layer_scales
from ._core import Explorable

__all__ = ["ACTIVATIONS", "DEPTH", "activation_histograms", "draw_activation_histograms"]

DEPTH = 30  # deep enough that a per-layer factor of 0.5 or 2 compounds to about 1e-9 or 1e9
ACTIVATIONS = ["sigmoid", "tanh", "relu"]


def draw_activation_histograms(fig, activation: str, init: str, depth: int = DEPTH) -> None:
    """Left: per-layer activation histograms. Right: std of the forward and backward signal per layer (log)."""
    stats = layer_statistics(depth, activation, init)
    # fixed margins instead of the figure's automatic layout: a third less work per live update
    fig.set_layout_engine("none")
    hist_ax, scale_ax = fig.subplots(
        1, 2, width_ratios=[1.25, 1], gridspec_kw=dict(left=0.07, right=0.985, bottom=0.13, top=0.8, wspace=0.5)
    )
    plot_activation_histograms(hist_ax, stats, activation)
    plot_layer_scales(scale_ax, {"forward: h_l": stats.act_std, "backward: dL/dh_l": stats.grad_std}, "std (log scale)")
    scale_ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False, fontsize="small"
    )  # above the axes: never on the lines
    # one title for both panels: each axes title costs a layout pass per frame
    fig.suptitle(
        f"{activation}, {init}: activations of ten layers (left), signal scale through {depth} layers (right)",
        fontsize="medium",
    )


def activation_histograms() -> Explorable:
    """Per-layer activation histograms and signal scales of a 30-layer MLP for a chosen activation and initializer.

    12 frames (3 activations x 4 initializers from ``INITIALIZERS``), each one forward and backward pass of 256
    standard-normal samples through 30 hidden layers of width 128 (``layer_statistics``). All 12 passes run here,
    once (about half a second, cached), so that a live update only redraws.
    """
    for activation in ACTIVATIONS:
        for init in INITIALIZERS:
            layer_statistics(DEPTH, activation, init)
    return Explorable(
        draw_activation_histograms,
        controls={"activation": ACTIVATIONS, "init": list(INITIALIZERS)},
        defaults={"activation": "tanh", "init": "xavier_normal"},
        figsize=(9.0, 4.0),
        alt=f"Left: histograms of the activations of ten evenly spaced hidden layers of a {DEPTH}-layer network, "
        "stacked from the first layer at the top to the last at the bottom, each labelled with its standard "
        "deviation. Right: the standard deviation of the forward signal and of the backward gradient at every "
        "hidden layer, on a log scale. Controls choose the activation function and the initializer.",
    )
