"""The initialization chapter's experiments, figures and explorable (dnnbook.initialization)."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook import initialization
from dnnopt import data, init, models, train


def per_layer_factor(values: np.ndarray) -> float:
    """Geometric mean of the ratio between consecutive layers."""
    return float(np.exp(np.mean(np.diff(np.log(values)))))


def test_fixed_std_draws_that_std_whatever_the_fans():
    initializer = initialization.fixed_std(0.01)
    W = initializer((400, 500), rng=0)
    assert W.dtype == np.float32 and W.shape == (400, 500)
    assert W.std() == pytest.approx(0.01, rel=0.01)
    assert initializer.__name__ == "std=0.01"


def test_resolve_initializer_knows_chapter_names_library_names_and_callables():
    assert initialization.resolve_initializer("std=1") is initialization.INITIALIZERS["std=1"]
    assert initialization.resolve_initializer("he_normal") is init.he_normal
    assert initialization.resolve_initializer(init.lecun_normal) is init.lecun_normal
    with pytest.raises(ValueError, match="unknown initializer 'std=2'"):
        initialization.resolve_initializer("std=2")


def test_layer_statistics_shapes_and_forward_factors_match_the_variance_argument():
    depth, width = 12, 128
    small = initialization.layer_statistics(depth, "tanh", "std=0.01", width=width)
    assert len(small.activations) == depth and small.activations[0].shape == (256, width)
    assert small.act_std.shape == small.grad_std.shape == (depth,)
    # linear regime: the std is multiplied by sqrt(width) * 0.01 ~ 0.113 per layer
    assert per_layer_factor(small.act_std) == pytest.approx(math.sqrt(width) * 0.01, rel=0.1)
    # ReLU with std 1: sqrt(width / 2) = 8 per layer, forward
    large = initialization.layer_statistics(depth, "relu", "std=1", width=width)
    assert per_layer_factor(large.act_std) == pytest.approx(math.sqrt(width / 2), rel=0.1)
    # Xavier on a square ReLU net loses a factor sqrt(2); He keeps the scale
    xavier = initialization.layer_statistics(depth, "relu", "xavier_normal", width=width)
    he = initialization.layer_statistics(depth, "relu", "he_normal", width=width)
    assert per_layer_factor(xavier.act_std) == pytest.approx(1 / math.sqrt(2), rel=0.1)
    assert 0.5 < he.act_std[-1] / he.act_std[0] < 2.0


def test_layer_statistics_backward_signal_shrinks_or_grows_toward_the_input():
    small = initialization.layer_statistics(12, "tanh", "std=0.01")
    assert small.grad_std[0] < 1e-6 * small.grad_std[-1]  # vanishes toward the input
    saturated = initialization.layer_statistics(12, "tanh", "std=1")
    assert np.all(saturated.act_std > 0.9)  # saturated forward ...
    assert saturated.grad_std[0] > 100 * saturated.grad_std[-1]  # ... yet the gradient grows toward the input


def test_layer_statistics_is_the_documented_seeded_pass_and_rejects_a_network_without_hidden_layers():
    stats = initialization.layer_statistics(3, "relu", "he_normal", width=16, n_samples=32, seed=5)
    rng = np.random.default_rng(5)  # the recipe of the docstring, step by step
    model = models.mlp([16] * 4 + [10], activation="relu", init="he_normal", rng=rng, dtype=np.float64)
    X, y = rng.standard_normal((32, 16)), rng.integers(0, 10, size=32)
    probe = train.probe(model, X, y)
    np.testing.assert_array_equal(stats.act_std, [h.std() for h in probe.activations[:-1]])
    np.testing.assert_array_equal(stats.grad_std, [g.std() for g in probe.output_grads[:-1]])
    other_seed = initialization.layer_statistics(3, "relu", "he_normal", width=16, n_samples=32, seed=6)
    assert not np.array_equal(stats.act_std, other_seed.act_std)
    with pytest.raises(ValueError, match="depth must be at least 1"):
        initialization.layer_statistics(0, "relu", "he_normal")


def test_layer_statistics_is_a_read_only_value():
    stats = initialization.layer_statistics(3, "tanh", "xavier_normal")
    for array in (stats.act_std, stats.grad_std, *stats.activations):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.0


def test_steps_to_target_uses_the_running_mean_of_the_last_window_steps():
    losses = [2.0, 2.0, 0.1, 0.1, 0.1]
    assert initialization.steps_to_target(losses, target=0.5, window=1) == 3
    assert initialization.steps_to_target(losses, target=0.5, window=2) == 4  # mean(0.1, 0.1) at step 4
    assert initialization.steps_to_target(losses, target=0.05, window=2) is None
    assert initialization.steps_to_target([0.1], target=0.5, window=3) is None  # shorter than one window
    with pytest.raises(ValueError, match="window must be >= 1"):
        initialization.steps_to_target(losses, target=0.5, window=0)


def test_sweep_table_reports_divergence_and_partial_success():
    cells = [
        initialization.SweepCell("he_normal", "relu", (0.9, 0.8), (40, None), diverged=0, total_steps=100),
        initialization.SweepCell("std=1", "relu", (math.nan, math.nan), (None, None), diverged=2, total_steps=3),
        initialization.SweepCell("he_normal", "tanh", (0.5, 0.7), (10, 30), diverged=0, total_steps=100),
        initialization.SweepCell("std=1", "tanh", (0.1, 0.1), (None, None), diverged=0, total_steps=100),
    ]
    lines = initialization.sweep_table(cells).splitlines()
    assert lines[0] == "| initializer | relu: val. accuracy | relu: steps | tanh: val. accuracy | tanh: steps |"
    assert lines[2] == "| he_normal | 0.85 ± 0.05 | 40 (1 of 2 seeds) | 0.60 ± 0.10 | 20 |"
    assert lines[3] == "| std=1 | diverged | never | 0.10 ± 0.00 | never (> 100) |"


def test_init_sweep_trains_each_pair_for_each_seed():
    split = data.digits(seed=0)
    small = data.Split(split.X_train[:128], split.y_train[:128], split.X_val[:64], split.y_val[:64])
    cells = initialization.init_sweep(
        small, {"He": "he_normal", "huge": "std=1"}, ["relu"], seeds=[0, 1], epochs=1, batch_size=32
    )  # the chapter's six hidden layers of width 64
    assert [(c.init, c.activation) for c in cells] == [("He", "relu"), ("huge", "relu")]
    he, huge = cells
    assert he.total_steps == 4 and len(he.val_acc) == 2 and he.diverged == 0
    assert all(0.0 <= a <= 1.0 for a in he.val_acc)
    assert huge.diverged == 2 and all(math.isnan(a) for a in huge.val_acc)


def test_activation_histograms_draws_one_ridge_per_shown_layer_with_its_std():
    stats = initialization.layer_statistics(30, "tanh", "xavier_normal")
    ax = Figure().subplots()
    initialization.draw_activation_histograms(ax, stats, "tanh", max_layers=10)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "30" and labels[-1] == "1" and len(labels) == 10  # layer 1 on top
    std_texts = [t.get_text() for t in ax.texts]
    assert std_texts[0] == f"std {stats.act_std[0]:.2g}" and len(std_texts) == 10
    with pytest.raises(ValueError, match="no histogram range for activation 'elu'"):
        initialization.draw_activation_histograms(ax, stats, "elu")


def test_weight_matrices_handle_a_constant_matrix_and_label_every_panel():
    fig = Figure()
    axes = fig.subplots(1, 2)
    initialization.draw_weight_matrices(axes, {"zeros": np.zeros((4, 3)), "random": np.arange(12.0).reshape(4, 3)})
    assert [ax.get_title() for ax in axes] == ["zeros", "random"]
    assert axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert axes[1].images[0].get_clim() == (0.0, 11.0)


def test_explorable_frame_changes_with_each_control():
    explorer = initialization.activation_histograms()
    assert set(explorer.controls) == {"activation", "init"}
    default = explorer.update()
    assert default.startswith(b"\x89PNG")
    other_init = explorer.update(init="std=0.01")
    other_activation = explorer.update(activation="relu")
    assert len({default, other_init, other_activation}) == 3
    assert explorer.update(activation="tanh", init="xavier_normal") == default  # same values, same picture


def test_explorable_legend_sits_above_the_lines_not_on_them():
    explorer = initialization.activation_histograms()
    fig = Figure(figsize=explorer.figsize)
    explorer.draw(fig, activation="tanh", init="std=1")  # the backward line crosses the whole panel
    fig.canvas.draw()
    scale_ax = fig.axes[1]
    legend_box = scale_ax.get_legend().get_window_extent()
    assert legend_box.y0 >= scale_ax.get_window_extent().y1
    assert legend_box.x1 <= fig.bbox.x1  # and fits in the figure


def test_sigmoid_gradient_shrinks_toward_the_input_with_xavier_or_he():
    for name in ["xavier_normal", "he_normal"]:  # the chapter's "things to try"
        stats = initialization.layer_statistics(30, "sigmoid", name)
        assert stats.grad_std[0] < 1e-10 * stats.grad_std[-1]
