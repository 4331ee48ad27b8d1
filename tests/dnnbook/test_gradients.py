"""Experiments, figures and explorables of the introduction and the gradients chapter: right data, clear errors."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from dnnbook import gradients
from dnnbook.figures import PALETTE
from dnnbook.gradients import (
    DEEP,
    deep_sigmoid_run,
    gradient_flow,
    layer_gradient_norms,
    plot_activation_derivatives,
    plot_clipping,
    plot_depth_sweep,
    plot_digits,
    plot_history,
    plot_layer_gradient_norms,
    plot_loss_curves,
    plot_signal_and_gradient,
    readout_loss,
    tanh_run,
    training_curves,
)
from dnnopt.train import History

TANH_EPOCHS = 10


def small_history(epochs=3, steps_per_epoch=4, n_layers=4) -> History:
    losses = np.linspace(2.3, 0.5, epochs).tolist()
    return History(
        train_loss=losses,
        val_loss=[v + 0.1 for v in losses],
        train_acc=[0.5, 0.7, 0.9][:epochs],
        val_acc=[0.4, 0.6, 0.8][:epochs],
        step_loss=np.linspace(2.4, 0.4, epochs * steps_per_epoch).tolist(),
        grad_norms=np.logspace(-3, 0, n_layers) * np.arange(1, epochs + 1)[:, None],  # (epochs, n_layers)
        unit_std=np.logspace(0, -3, n_layers) * np.ones((epochs, 1)),  # (epochs, n_layers)
    )


# --- the experiment behind the gradient figures ------------------------------------------------------------------
def test_layer_gradient_norms_has_one_norm_per_linear_layer():
    norms = layer_gradient_norms("tanh", 10)
    assert norms.shape == (11,)
    assert np.all(np.isfinite(norms)) and np.all(norms > 0)


def test_sigmoid_gradients_vanish_and_residual_connections_keep_them():
    plain = layer_gradient_norms("sigmoid", 10)
    residual = layer_gradient_norms("sigmoid", 10, residual=True)
    assert plain[0] / plain[-1] < 1e-4, "10 sigmoid layers should shrink the gradient by at least (1/4)^10 ~ 1e-6"
    assert residual[0] / residual[-1] > 1e-2, "the identity path should keep the first layer's gradient alive"


def test_larger_weights_give_larger_gradients():
    small, standard, large = (layer_gradient_norms("relu", 10, gain=g)[0] for g in (0.5, 1.0, 2.0))
    assert small < standard < large


def test_layer_gradient_norms_returns_a_copy_of_its_cache():
    norms = layer_gradient_norms("relu", 10)
    norms[:] = -1.0
    assert np.all(layer_gradient_norms("relu", 10) > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": "softplus", "depth": 5}, "unknown activation"),
        ({"activation": "relu", "depth": 0}, "depth must be a positive int"),
        ({"activation": "relu", "depth": 5, "gain": 0.0}, "gain must be positive"),
    ],
)
def test_layer_gradient_norms_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layer_gradient_norms(**kwargs)


# --- the training runs ----------------------------------------------------------------------------------------
def test_tanh_run_is_reproducible_and_hands_out_copies():
    first = tanh_run(0.1, seed=0)
    assert len(first.train_loss) == TANH_EPOCHS and len(first.step_loss) == TANH_EPOCHS * 22, "1348 images / 64"
    assert first.grad_norms.shape == (TANH_EPOCHS, 3), "one gradient norm per Linear of 64-64-64-10"
    first.train_loss[-1] = -1.0
    first.grad_norms[:] = 0.0
    again = tanh_run(0.1, seed=0)
    assert again.train_loss[-1] > 0 and np.all(again.grad_norms > 0), "a caller changed the cached run"
    assert tanh_run(0.1, seed=1).step_loss[0] != again.step_loss[0], "another seed gives other initial weights"
    with pytest.raises(ValueError, match="lr must be positive"):
        tanh_run(0.0)


def test_a_too_high_learning_rate_blows_the_loss_up_and_a_clipped_one_does_not():
    high, clipped = tanh_run(1.0, seed=0), tanh_run(1.0, seed=0, clip_norm=1.0)
    assert high.step_loss[0] == clipped.step_loss[0], "same seed, same initial weights"
    assert max(high.step_loss) > 10 * high.step_loss[0]
    assert clipped.train_loss[-1] < 0.5 < math.log(10) < high.train_loss[-1]


def test_plain_deep_sigmoid_net_forgets_its_input_and_the_residual_one_learns():
    plain, residual = deep_sigmoid_run(False, seed=0), deep_sigmoid_run(True, seed=0)
    n_layers = DEEP.depth + 1  # the hidden layers and the output layer
    assert plain.unit_std.shape == plain.grad_norms.shape == (DEEP.epochs, n_layers)
    assert abs(plain.train_loss[-1] - math.log(10)) < 0.1 and residual.train_loss[-1] < 1.0
    last_hidden = DEEP.depth - 1
    assert plain.unit_std[0, last_hidden] < 1e-4 * plain.unit_std[0, 0], "the input's signal vanishes forward"
    assert residual.unit_std[:, : DEEP.depth].min() > 0.1, "the identity path carries it"
    assert plain.grad_norms[0, -1] > 1e4 * plain.grad_norms[0, 0], "and the gradient vanishes backward"


def test_readout_learns_from_the_pixels_but_not_from_the_collapsed_last_layer():
    assert readout_loss(0, seed=0) < 1.0
    assert readout_loss(DEEP.depth, seed=0) > 2.2
    for layer in (-1, DEEP.depth + 1, 1.0):
        with pytest.raises(ValueError, match="layer must be an int"):
            readout_loss(layer)


# --- figures --------------------------------------------------------------------------------------------------------
def lines_by_label(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines() if not line.get_label().startswith("_")}


def test_activation_derivatives_peak_at_one_quarter_and_one():
    fig = plot_activation_derivatives(alpha=0.1)
    assert isinstance(fig, Figure)
    value_ax, slope_ax = fig.axes
    slopes = lines_by_label(slope_ax)
    assert set(slopes) == {"sigmoid", "tanh", "ReLU", "leaky ReLU (alpha=0.1)"}
    assert np.nanmax(slopes["sigmoid"].get_ydata()) == pytest.approx(0.25)
    assert np.nanmax(slopes["tanh"].get_ydata()) == pytest.approx(1.0)
    relu = slopes["ReLU"].get_ydata()
    assert set(np.unique(relu[np.isfinite(relu)])) == {0.0, 1.0}
    # the dots mark the value used at the kink: 0 for ReLU, alpha for leaky ReLU
    dots = sorted(float(line.get_ydata()[0]) for line in slope_ax.get_lines() if line.get_marker() == "o")
    assert dots == pytest.approx([0.0, 0.1])
    assert value_ax.get_xlabel() and slope_ax.get_ylabel() and value_ax.get_legend() is not None


def test_layer_gradient_norms_figure_has_a_log_panel_per_entry_and_skips_zeros():
    panels = {
        "a": {"one": np.array([1e-3, 1e-2, 1.0]), "two": np.array([0.0, 1.0, 2.0])},
        "b": {"one": np.array([1.0, 1.0]), "two": np.array([1e-40, 1e-20])},
    }
    fig = plot_layer_gradient_norms(panels, title="t")
    assert len(fig.axes) == 2
    first, second = fig.axes
    assert first.get_yscale() == "log" and first.get_title() == "a"
    lines = lines_by_label(first)
    assert list(lines) == ["one", "two"]
    assert list(lines["two"].get_xdata()) == [2, 3], "the zero norm (layer 1) cannot be drawn on a log scale"
    assert lines["one"].get_color() == PALETTE[0]
    assert "||dW||" in first.get_ylabel()
    assert first.get_xlabel() == "" and "layer" in second.get_xlabel(), "stacked panels: x label at the bottom"
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == ["one", "two"], "one legend for all panels"
    with pytest.raises(ValueError, match="same line labels"):
        plot_layer_gradient_norms({"a": {"one": np.ones(2)}, "b": {"three": np.ones(2)}})


def test_log_axes_span_the_data_with_plain_text_powers_of_ten():
    fig = plot_layer_gradient_norms({"a": {"one": np.array([2.7e-46, 3e-3, 2.6])}})
    (ax,) = fig.axes
    low, high = ax.get_ylim()
    assert low <= 2.7e-46 and high >= 2.6, "every point is inside the axes"
    assert low >= 1e-48 and high <= 100, "no empty decades beyond one on either side"
    labels = [tick.get_text() for tick in ax.get_yticklabels()]
    assert labels[-1] == "10⁰" and labels[0] == "10⁻⁴⁰", labels
    assert not any("$" in label for label in labels), "plain text, no mathtext to parse"


def test_depth_sweep_plots_one_line_per_activation_and_checks_lengths():
    fig = plot_depth_sweep([10, 20], {"sigmoid": [1e-6, 1e-12], "relu": [1.0, 1.2]})
    (ax,) = fig.axes
    assert set(lines_by_label(ax)) == {"sigmoid", "relu"}
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="shape"):
        plot_depth_sweep([10, 20, 30], {"sigmoid": [1e-6, 1e-12]})


def test_loss_curves_draw_one_thin_line_per_seed_and_one_legend_entry_per_label():
    seeds = [small_history(), small_history(), small_history()]
    fig = plot_loss_curves({"three seeds": seeds, "one run": small_history()}, per="epoch", chance=True)
    (ax,) = fig.axes
    lines = [line for line in ax.get_lines() if line.get_linestyle() != ":"]
    assert len(lines) == 4
    assert {line.get_color() for line in lines[:3]} == {PALETTE[0]} and lines[3].get_color() == PALETTE[1]
    (legend,) = fig.legends
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels[:2] == ["three seeds", "one run"] and "ln 10" in labels[2]
    (chance,) = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert chance.get_ydata()[0] == pytest.approx(math.log(10))
    with pytest.raises(ValueError, match="empty"):
        plot_loss_curves({"no seeds": []})


def test_signal_and_gradient_figure_puts_forward_and_backward_side_by_side():
    history = small_history(epochs=3, n_layers=4)
    fig = plot_signal_and_gradient({"plain": history, "residual": small_history()}, epochs=(0, -1))
    forward_ax, backward_ax = fig.axes
    assert forward_ax.get_yscale() == backward_ax.get_yscale() == "log"
    assert len(forward_ax.get_lines()) == len(backward_ax.get_lines()) == 4, "2 runs x 2 epochs"
    first, last = forward_ax.get_lines()[:2]
    assert list(first.get_ydata()) == list(history.unit_std[0]) and last.get_label() == "plain, epoch 3"
    assert list(backward_ax.get_lines()[1].get_ydata()) == list(history.grad_norms[-1])
    assert "per-unit std" in forward_ax.get_ylabel() and fig.get_figwidth() <= 7.5
    with pytest.raises(ValueError, match="epoch 3 is not in 'plain'"):
        plot_signal_and_gradient({"plain": history}, epochs=(3,))


def test_loss_curves_per_step_and_per_epoch():
    history = small_history()
    by_step = plot_loss_curves({"run": history}, title="t", per="step")
    by_epoch = plot_loss_curves({"run": history}, per="epoch")
    assert len(lines_by_label(by_step.axes[0])["run"].get_xdata()) == len(history.step_loss)
    assert len(lines_by_label(by_epoch.axes[0])["run"].get_xdata()) == len(history.train_loss)
    assert by_step.axes[0].get_xlabel() == "mini-batch step" and by_epoch.axes[0].get_xlabel() == "epoch"
    assert by_step.axes[0].get_title() == "t" and len(by_step.legends) == 1
    with pytest.raises(ValueError, match="per must be"):
        plot_loss_curves({"run": history}, per="batch")
    with pytest.raises(ValueError, match="empty"):
        plot_loss_curves({})


def test_clipping_figure_shows_value_clipping_turning_and_norm_clipping_keeping_the_direction():
    grad = [3.0, 1.0]
    fig = plot_clipping(grad, clip_value=1.0, max_norm=1.0)
    (ax,) = fig.axes
    tips = [np.array(a.xy, dtype=float) for a in ax.texts if isinstance(a, Annotation)]
    assert len(tips) == 3
    original, by_value, by_norm = tips
    assert original == pytest.approx(grad)
    assert by_value == pytest.approx([1.0, 1.0])
    assert np.linalg.norm(by_norm) == pytest.approx(1.0, rel=1e-5)
    assert by_norm / np.linalg.norm(by_norm) == pytest.approx(original / np.linalg.norm(original))
    assert np.all(np.array(grad) == [3.0, 1.0]), "the caller's gradient must not be clipped in place"
    with pytest.raises(ValueError, match="2-D vector"):
        plot_clipping([1.0, 2.0, 3.0])


def test_history_figure_has_loss_and_accuracy_for_both_sets():
    fig = plot_history(small_history())
    loss_ax, acc_ax = fig.axes
    assert loss_ax.get_yscale() == "log"
    for ax in (loss_ax, acc_ax):
        assert set(lines_by_label(ax)) == {"training set", "validation set"}
    (legend,) = fig.legends
    assert len(legend.get_texts()) == 2, "one legend for both panels, outside the data"
    with pytest.raises(ValueError, match="no epochs"):
        plot_history(History())


def test_digits_figure_shows_n_labelled_images_in_rows():
    X = np.zeros((9, 64), dtype=np.float32)
    fig = plot_digits(X, np.arange(9), n=8, per_row=6)
    assert len(fig.axes) == 12, "two rows of six"
    shown = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in shown] == [f"label {i}" for i in range(8)]
    assert fig.get_figwidth() <= 7.0, "narrow enough to stay readable on a phone"
    with pytest.raises(ValueError, match="shape"):
        plot_digits(np.zeros((5, 10)), np.arange(5))


# --- explorables ----------------------------------------------------------------------------------------------------
def test_gradient_flow_changes_with_every_control():
    explorer = gradient_flow()
    explorer.update(activation="sigmoid", depth=10, weight_scale=1.0)
    first = explorer.update()
    for change in ({"activation": "relu"}, {"weight_scale": 2.0}, {"depth": 50}):
        frame = explorer.update(**change)
        assert frame != first, f"changing {change} did not change the figure"
        first = frame


def test_training_curves_changes_with_the_learning_rate_and_batch_size():
    explorer = training_curves()
    default = explorer.update()
    assert explorer.update(lr=3.0) != default
    assert explorer.update(batch_size=128) != explorer.update(batch_size=32)


@pytest.mark.parametrize(
    ("factory", "frames"),
    [
        (
            gradient_flow,
            [
                {"activation": "sigmoid", "depth": 50, "weight_scale": 0.5},
                {"activation": "relu", "depth": 50, "weight_scale": 2.0},
                {"activation": "tanh", "depth": 10, "weight_scale": 1.0},
            ],
        ),
        (
            training_curves,
            [{"lr": 0.01, "batch_size": 128}, {"lr": 1.0, "batch_size": 32}, {"lr": 3.0, "batch_size": 128}],
        ),
    ],
)
def test_explorable_frames_share_their_axes_and_show_all_the_data(factory, frames):
    """Fixed limits and margins: moving a control changes the data, never the axes."""
    explorer = factory()
    layouts = []
    for values in frames:
        fig = Figure(figsize=explorer.figsize)
        explorer.draw(fig, **values)
        layouts.append([(tuple(ax.get_position().bounds), ax.get_xlim(), ax.get_ylim()) for ax in fig.axes])
        for ax in fig.axes:
            (xlow, xhigh), (ylow, yhigh) = ax.get_xlim(), ax.get_ylim()
            for line in ax.get_lines():
                x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
                assert np.all((xlow <= x) & (x <= xhigh)) and np.all((ylow <= y) & (y <= yhigh)), (values, line)
    assert layouts[1:] == layouts[:-1]


def test_gradient_flow_range_holds_every_frame():
    low, high = (10.0**e for e in gradients.DECADES)
    for activation in gradients.ACTIVATIONS:
        for depth in gradients.DEPTHS:
            for scale in gradients.WEIGHT_SCALES:
                for residual in (False, True):
                    norms = layer_gradient_norms(activation, depth, gain=scale, residual=residual)
                    assert low < norms.min() and norms.max() < high, (activation, depth, scale, residual)
