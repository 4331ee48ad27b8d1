"""The chapter's figures: ``draw_*(ax, ...)`` draws on the axes it is given and returns None."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes

from ..figures import LINESTYLES, MARKERS, PALETTE, log_axis
from .quadratic import Quadratic

__all__ = [
    "draw_contours",
    "draw_lr_sweep",
    "draw_over_seeds",
    "draw_path",
    "draw_steps_vs_kappa",
]


def draw_contours(ax: Axes, problem: Quadratic, extent: float, levels: Sequence[float] = (0.02, 0.1, 0.3, 0.6)) -> None:
    """Level sets of a 2-D quadratic as ellipses (lines, no contour search): ``levels`` are fractions of the loss
    at the corner (extent, extent); the axes show [-extent, extent] in both directions."""
    theta = np.linspace(0, 2 * np.pi, 121)
    corner = float(problem.loss(np.array([extent, extent])))
    for level in levels:
        radii = np.sqrt(2 * level * corner / problem.curvatures)  # semi-axes along the eigenvectors
        ellipse = np.stack([radii[0] * np.cos(theta), radii[1] * np.sin(theta)], axis=1)  # (121, 2) eigenbasis
        if problem.rotation is not None:
            ellipse = ellipse @ problem.rotation.T
        ax.plot(ellipse[:, 0], ellipse[:, 1], color="0.75", linewidth=0.8)
    ax.plot(0, 0, marker="*", color="0.3", markersize=9, linestyle="none")
    ax.set(xlim=(-extent, extent), ylim=(-extent, extent), aspect="equal")
    ax.grid(False)


def draw_path(ax: Axes, path: np.ndarray, label: str, index: int = 0, max_points: int = 80) -> None:
    """The first ``max_points`` iterates of a 2-D run (steps + 1, 2) as a line with markers, starting point ringed."""
    points = path[:max_points]
    color = PALETTE[index % len(PALETTE)]
    ax.plot(points[:, 0], points[:, 1], color=color, marker=".", markersize=3, linewidth=1.0, label=label)
    ax.plot(*points[0], marker="o", markerfacecolor="none", color=color, markersize=7)


def draw_over_seeds(ax: Axes, x: np.ndarray, curves: Mapping[str, np.ndarray], ylabel: str, log_y: bool = True) -> None:
    """One line per label: the mean over seeds of ``curves[label]`` (n_seeds, len(x)), and a band from the lowest
    to the highest seed. Non-finite values (diverged runs) are left out of the band and the mean."""
    for index, (label, values) in enumerate(curves.items()):
        values = np.asarray(values, dtype=float)
        finite = np.where(np.isfinite(values), values, np.nan)
        color = PALETTE[index % len(PALETTE)]
        with np.errstate(invalid="ignore"):
            ax.fill_between(x, np.nanmin(finite, axis=0), np.nanmax(finite, axis=0), color=color, alpha=0.2, lw=0)
            ax.plot(x, np.nanmean(finite, axis=0), color=color, linestyle=LINESTYLES[index % 4], label=label)
    if log_y:
        log_axis(ax)
    ax.set_ylabel(ylabel)


def draw_steps_vs_kappa(
    ax: Axes, kappas: Sequence[float], measured: Mapping[str, np.ndarray], theory: Mapping[str, np.ndarray]
) -> None:
    """Steps to the tolerance against kappa (log-log): each seed's measurement as a marker, the theory as a line.

    ``measured[name]`` has shape (len(kappas), n_seeds), ``theory[name]`` shape (len(kappas),).
    """
    kappas = np.asarray(kappas, dtype=float)
    for index, (name, steps) in enumerate(measured.items()):
        color = PALETTE[index % len(PALETTE)]
        steps = np.asarray(steps, dtype=float)
        for seed_column in steps.T:
            ax.plot(kappas, seed_column, marker=MARKERS[index], color=color, linestyle="none", alpha=0.7)
        ax.plot(kappas, theory[name], color=color, linestyle=LINESTYLES[index % 4], label=f"{name}: theory")
        ax.plot([], [], marker=MARKERS[index], color=color, linestyle="none", label=f"{name}: measured")
    ax.set_xscale("log")
    ax.set_xticks(kappas, [f"{k:g}" for k in kappas])
    ax.minorticks_off()
    log_axis(ax)
    ax.set_xlabel("condition number κ (log scale)")
    ax.set_ylabel("steps to tolerance (log scale)")


def draw_lr_sweep(ax: Axes, learning_rates: Sequence[float], final_losses: Mapping[str, np.ndarray]) -> None:
    """Final training loss against the learning rate (log-log), mean over seeds with the seeds' range as error bars.

    ``final_losses[name]`` has shape (len(learning_rates), n_seeds); diverged runs (inf) are drawn at the top.
    """
    rates = np.asarray(learning_rates, dtype=float)
    for index, (name, losses) in enumerate(final_losses.items()):
        losses = np.minimum(np.asarray(losses, dtype=float), 10.0)  # a diverged run is shown at the top, 10
        mean = losses.mean(axis=1)
        error = np.stack([mean - losses.min(axis=1), losses.max(axis=1) - mean])
        shift = 1.0 + 0.03 * (index - len(final_losses) / 2)  # a small sideways offset so error bars do not overlap
        ax.errorbar(rates * shift, mean, yerr=error, marker=MARKERS[index % 6], color=PALETTE[index], capsize=2,
                    linestyle=LINESTYLES[index % 4], markersize=4, label=name)  # fmt: skip
    ax.set_xscale("log")
    ax.set_xticks(rates, [f"{lr:g}" for lr in rates])
    ax.minorticks_off()
    log_axis(ax)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("final training loss (log scale)")
