"""The book's shared look (dnnbook.figures): figure factory, log axes with plain labels, one legend below."""

import matplotlib as mpl
import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook.figures import PALETTE, STYLE, legend_below, log_axis, new_figure, style


def tick_labels(ax, axis: str = "y") -> list[str]:
    ax.figure.canvas.draw()
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [tick.get_text() for tick in ticks if tick.get_text()]


def test_new_figure_gives_a_flat_list_of_axes_in_the_book_style():
    fig, axes = new_figure(3, 2, figsize=(6.0, 4.0), sharey=True)
    assert isinstance(fig, Figure) and isinstance(axes, list) and len(axes) == 6
    assert tuple(fig.get_size_inches()) == (6.0, 4.0) and fig.get_layout_engine() is not None
    (line,) = axes[0].plot([0, 1], [0, 1])
    assert line.get_color() == PALETTE[0]  # the palette applies even outside use_style()
    assert axes[0].get_shared_y_axes().joined(axes[0], axes[5])


def test_style_is_applied_only_inside_the_block():
    before = mpl.rcParams["axes.grid"]
    with style():
        assert mpl.rcParams["axes.grid"] is STYLE["axes.grid"]
    assert mpl.rcParams["axes.grid"] == before


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (0.2, 0.7, ["0.2", "0.3", "0.4", "0.5", "0.7"]),  # less than a decade: 1-2-3-4-5-7
        (0.05, 3.0, ["0.05", "0.1", "0.2", "0.5", "1", "2"]),  # one or two decades: 1-2-5
        (1e-7, 1e3, ["1e-05", "0.001", "0.1", "10"]),  # many decades: powers of ten
    ],
)
def test_log_axis_spans_the_data_with_plain_labels(low, high, expected):
    _, (ax,) = new_figure()
    ax.plot([1, 2, 3], [low, np.sqrt(low * high), high])
    log_axis(ax)
    labels = tick_labels(ax)
    assert ax.get_yscale() == "log" and len(ax.yaxis.get_minor_locator()()) == 0  # no minor ticks
    assert all(label in labels for label in expected), labels
    assert not any("$" in label for label in labels), "plain text, no mathtext to parse"
    if high / low > 100:
        assert all(np.log10(float(label)).is_integer() for label in labels), f"not only powers of ten: {labels}"


def test_log_axis_with_decades_fixes_the_range_and_labels_powers_of_ten():
    _, (ax,) = new_figure()
    ax.plot([1, 2], [1e-3, 1e2])
    log_axis(ax, "x", decades=(-30, 0))
    assert ax.get_xlim() == (1e-30, 1.0) and ax.get_yscale() == "linear"
    assert tick_labels(ax, "x") == ["10⁻³⁰", "10⁻²⁵", "10⁻²⁰", "10⁻¹⁵", "10⁻¹⁰", "10⁻⁵", "10⁰"]  # at most 7 ticks
    log_axis(ax, "x", decades=(-50, 25))
    assert tick_labels(ax, "x") == ["10⁻⁴⁰", "10⁻²⁰", "10⁰", "10²⁰"]  # every 20 decades


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"which": "z"}, "which must be"), ({"which": "both", "decades": (0, 2)}, "one axis")],
)
def test_log_axis_rejects_bad_arguments(kwargs, message):
    ax = Figure().subplots()
    with pytest.raises(ValueError, match=message):
        log_axis(ax, **kwargs)


def test_legend_below_names_each_label_once_across_all_axes():
    fig, (left, right) = new_figure(2)
    for ax in (left, right):
        ax.plot([0, 1], [0, 1], label="training")
    right.plot([0, 1], [1, 0], label="validation")
    legend_below(fig, ncols=2)
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == ["training", "validation"]
    fig.canvas.draw()
    assert legend.get_window_extent().y1 <= min(ax.get_window_extent().y0 for ax in fig.axes)  # below the data
