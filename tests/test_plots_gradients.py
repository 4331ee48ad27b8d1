"""Figures and explorables of the introduction and the gradients chapter: right artists, right data, clear errors."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from dnnopt.plots import PALETTE
from dnnopt.plots.gradients import (
    layer_gradient_norms,
    plot_activation_derivatives,
    plot_clipping,
    plot_depth_sweep,
    plot_digits,
    plot_history,
    plot_layer_gradient_norms,
    plot_loss_curves,
)
from dnnopt.train import History
from dnnopt.widgets.gradients import gradient_flow, training_curves


def small_history(epochs=3, steps_per_epoch=4) -> History:
    losses = np.linspace(2.3, 0.5, epochs).tolist()
    return History(train_loss=losses, val_loss=[v + 0.1 for v in losses], train_acc=[0.5, 0.7, 0.9][:epochs],
                   val_acc=[0.4, 0.6, 0.8][:epochs], step_loss=np.linspace(2.4, 0.4, epochs * steps_per_epoch).tolist())


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


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"activation": "softplus", "depth": 5}, "unknown activation"),
    ({"activation": "relu", "depth": 0}, "depth must be a positive int"),
    ({"activation": "relu", "depth": 5, "gain": 0.0}, "gain must be positive"),
])
def test_layer_gradient_norms_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        layer_gradient_norms(**kwargs)


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
    panels = {"a": {"one": np.array([1e-3, 1e-2, 1.0]), "two": np.array([0.0, 1.0, 2.0])},
              "b": {"three": np.array([1.0, 1.0])}}
    fig = plot_layer_gradient_norms(panels, title="t")
    assert len(fig.axes) == 2
    first, second = fig.axes
    assert first.get_yscale() == "log" and first.get_title() == "a"
    lines = lines_by_label(first)
    assert list(lines) == ["one", "two"]
    assert list(lines["two"].get_xdata()) == [2, 3], "the zero norm (layer 1) cannot be drawn on a log scale"
    assert lines["one"].get_color() == PALETTE[0]
    assert first.get_legend() is not None and "||dW||" in first.get_ylabel()
    assert len(lines_by_label(second)) == 1
    assert first.get_xlabel() == "" and "layer" in second.get_xlabel(), "stacked panels: x label at the bottom"


def test_depth_sweep_plots_one_line_per_activation_and_checks_lengths():
    fig = plot_depth_sweep([10, 20], {"sigmoid": [1e-6, 1e-12], "relu": [1.0, 1.2]})
    (ax,) = fig.axes
    assert set(lines_by_label(ax)) == {"sigmoid", "relu"}
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="shape"):
        plot_depth_sweep([10, 20, 30], {"sigmoid": [1e-6, 1e-12]})


def test_loss_curves_per_step_and_per_epoch():
    history = small_history()
    by_step = plot_loss_curves({"p": {"run": history}}, per="step")
    by_epoch = plot_loss_curves({"p": {"run": history}}, per="epoch")
    assert len(lines_by_label(by_step.axes[0])["run"].get_xdata()) == len(history.step_loss)
    assert len(lines_by_label(by_epoch.axes[0])["run"].get_xdata()) == len(history.train_loss)
    assert by_step.axes[0].get_xlabel() == "mini-batch step" and by_epoch.axes[0].get_xlabel() == "epoch"
    with pytest.raises(ValueError, match="per must be"):
        plot_loss_curves({"p": {"run": history}}, per="batch")
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
    with pytest.raises(ValueError, match="no epochs"):
        plot_history(History())


def test_digits_figure_shows_n_labelled_images():
    X = np.zeros((5, 64), dtype=np.float32)
    fig = plot_digits(X, np.arange(5), n=3)
    assert len(fig.axes) == 3
    assert [ax.get_title() for ax in fig.axes] == ["label 0", "label 1", "label 2"]
    assert all(len(ax.images) == 1 for ax in fig.axes)
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
