"""The initialization chapter's experiments, initializers, figures and explorable (dnnbook.initialization)."""

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from dnnbook import initialization
from dnnbook.figures import style
from dnnopt import init, models, train

TINY = initialization.Recipe(depth=2, width=8, epochs=1, lr=0.05, batch_size=256)
"""A recipe that trains in a fraction of a second: two hidden layers of width 8, one epoch."""


def per_layer_factor(values: np.ndarray) -> float:
    """Geometric mean of the ratio between consecutive layers."""
    return float(np.exp(np.mean(np.diff(np.log(values)))))


# --- initializers -------------------------------------------------------------------------------------------------
def test_fixed_std_draws_that_std_whatever_the_fans():
    initializer = initialization.fixed_std(0.01)
    W = initializer((400, 500), rng=0)
    assert W.dtype == np.float32 and W.shape == (400, 500)
    assert W.std() == pytest.approx(0.01, rel=0.01)
    assert initializer.__name__ == "std=0.01"


def test_standard_uniform_is_u_of_one_over_sqrt_fan_in_with_a_third_of_lecuns_variance():
    fan_in, fan_out = 400, 300
    W = initialization.standard_uniform((fan_in, fan_out), rng=0)
    assert W.dtype == np.float32 and W.shape == (fan_in, fan_out)
    assert np.abs(W).max() <= 1 / math.sqrt(fan_in) < 1.01 * np.abs(W).max()  # the limit, and draws reach it
    assert W.var() == pytest.approx(1 / (3 * fan_in), rel=0.02)
    assert np.array_equal(W, initialization.standard_uniform((fan_in, fan_out), rng=0))  # seeded
    assert initialization.standard_uniform((fan_in, fan_out), rng=0, gain=2.0).std() == pytest.approx(2 * W.std())
    with pytest.raises(ValueError, match="zero fan_in"):
        initialization.standard_uniform((0, 3))


@pytest.mark.parametrize("shape", [(64, 64), (100, 30), (30, 100)])
def test_orthogonal_has_orthonormal_columns_or_rows_times_the_gain(shape):
    W = initialization.orthogonal(shape, rng=3, dtype=np.float64, gain=1.5)
    assert W.shape == shape and W.dtype == np.float64
    small = min(shape)
    gram = W.T @ W if shape[0] >= shape[1] else W @ W.T  # (small, small)
    np.testing.assert_allclose(gram, 1.5**2 * np.eye(small), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.5, rtol=1e-12)
    assert np.array_equal(W, initialization.orthogonal(shape, rng=3, dtype=np.float64, gain=1.5))
    assert not np.array_equal(W, initialization.orthogonal(shape, rng=4, dtype=np.float64, gain=1.5))


def test_orthogonal_is_haar_distributed_float32_by_default_and_rejects_bad_input():
    # Haar-distributed Q has E[Q_11] = 0; without the sign correction of R's diagonal, Q_11 is biased
    first = np.array([initialization.orthogonal((4, 4), rng=seed, dtype=np.float64)[0, 0] for seed in range(2000)])
    assert abs(first.mean()) < 0.05
    assert initialization.orthogonal((5, 5), rng=0).dtype == np.float32
    with pytest.raises(ValueError, match="dense weight shape"):
        initialization.orthogonal((3, 3, 3))
    with pytest.raises(ValueError, match="zero fan"):
        initialization.orthogonal((0, 3))
    with pytest.raises(ValueError, match="gain must be"):
        initialization.orthogonal((3, 3), gain=-1.0)
    with pytest.raises(TypeError, match="floating-point"):
        initialization.orthogonal((3, 3), dtype=np.int64)


def test_resolve_initializer_knows_chapter_names_library_names_and_callables():
    assert initialization.resolve_initializer("std=1") is initialization.INITIALIZERS["std=1"]
    assert initialization.resolve_initializer("standard") is initialization.standard_uniform
    assert initialization.resolve_initializer("he_normal") is init.he_normal
    assert initialization.resolve_initializer(init.lecun_normal) is init.lecun_normal
    with pytest.raises(ValueError, match="unknown initializer 'std=2'"):
        initialization.resolve_initializer("std=2")


def test_distinct_units_counts_columns_equal_up_to_rounding_as_one():
    W = np.full((64, 32), 0.1, dtype=np.float32)
    step = np.spacing(np.float32(0.1))  # one float32 rounding step near 0.1
    W[5, 7] += step  # what a different summation order leaves behind
    assert initialization.distinct_units(W) == 1
    assert initialization.unit_gap(W) == pytest.approx(step)
    W[5, 9] += 1e-3  # a real difference
    assert initialization.distinct_units(W) == 2
    assert initialization.distinct_units(W, rtol=0.0) == 3  # exact comparison: the rounding step counts too
    assert initialization.distinct_units(init.xavier_normal((64, 32), rng=0)) == 32
    with pytest.raises(ValueError, match="2-D weight"):
        initialization.distinct_units(np.zeros(3))
    with pytest.raises(ValueError, match="2-D weight"):
        initialization.unit_gap(np.zeros(3))


# --- one pass through a deep network ------------------------------------------------------------------------------
def test_layer_statistics_shapes_and_forward_factors_match_the_variance_argument():
    depth, width = 12, 128
    small = initialization.layer_statistics(depth, "tanh", "std=0.01", width=width)
    assert len(small.activations) == len(small.gradients) == depth
    assert small.activations[0].shape == small.gradients[0].shape == (128, width)
    assert small.act_std.shape == small.unit_std.shape == small.grad_std.shape == (depth,)
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
    # Glorot & Bengio's standard init: variance 1 / (3 n) per weight, so a factor 1/sqrt(3) per tanh layer (at most)
    standard = initialization.layer_statistics(depth, "tanh", "standard", width=width)
    assert per_layer_factor(standard.act_std) < 1 / math.sqrt(3)


def test_unit_std_separates_spread_across_inputs_from_spread_across_units():
    units_differ_inputs_do_not = np.tile(np.arange(4.0), (5, 1))  # (5 examples, 4 units), every row equal
    assert initialization.unit_std(units_differ_inputs_do_not) == 0.0
    assert units_differ_inputs_do_not.std() == pytest.approx(math.sqrt(1.25))
    # the review's example: sigmoid + Xavier at layer 30 looks spread out, but no unit depends on the input
    sigmoid = initialization.layer_statistics(30, "sigmoid", "xavier_normal")
    assert sigmoid.act_std[-1] > 0.05 and sigmoid.unit_std[-1] < 1e-10
    assert sigmoid.unit_std[0] == pytest.approx(sigmoid.act_std[0], rel=0.05)  # layer 1 still follows the input


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
    np.testing.assert_array_equal(stats.unit_std, [h.std(axis=0).mean() for h in probe.activations[:-1]])
    np.testing.assert_array_equal(stats.grad_std, [g.std() for g in probe.output_grads[:-1]])
    np.testing.assert_array_equal(stats.gradients[0], probe.output_grads[0])
    other_seed = initialization.layer_statistics(3, "relu", "he_normal", width=16, n_samples=32, seed=6)
    assert not np.array_equal(stats.act_std, other_seed.act_std)
    with pytest.raises(ValueError, match="depth must be at least 1"):
        initialization.layer_statistics(0, "relu", "he_normal")


def test_layer_statistics_is_a_read_only_value():
    stats = initialization.layer_statistics(3, "tanh", "xavier_normal")
    for array in (stats.act_std, stats.unit_std, stats.grad_std, *stats.activations, *stats.gradients):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0.0


def test_jacobian_singular_values_spread_with_gaussian_weights_and_stay_at_one_with_orthogonal():
    gaussian = initialization.jacobian_singular_values("xavier_normal", depth=10, width=32, seed=0)
    orthogonal = initialization.jacobian_singular_values(initialization.orthogonal, depth=10, width=32, seed=0)
    assert gaussian.shape == orthogonal.shape == (32,)
    assert np.all(np.diff(gaussian) <= 0)  # largest first
    np.testing.assert_allclose(orthogonal, 1.0, atol=1e-12)
    assert gaussian[0] / gaussian[-1] > 1e4
    assert 0.1 < np.mean(gaussian**2) < 10  # the variance argument holds on average


# --- training runs ------------------------------------------------------------------------------------------------
def test_digits_split_is_raw_or_centered_on_the_training_mean_and_read_only():
    raw, centered = initialization.digits_split("raw"), initialization.digits_split("centered")
    assert raw.X_train.shape == (1348, 64) and raw.X_val.shape == (449, 64)
    assert raw.X_train.min() >= 0.0 and raw.X_train.mean() > 0.2  # pixels in [0, 1]
    np.testing.assert_allclose(centered.X_train.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(centered.X_val, raw.X_val - raw.X_train.mean(axis=0), atol=1e-6)  # the same shift
    with pytest.raises(ValueError, match="read-only"):
        raw.X_train[0, 0] = 1.0
    with pytest.raises(ValueError, match="'raw' or 'centered'"):
        initialization.digits_split("standardized")


def test_train_run_is_cached_reproducible_read_only_and_records_the_hidden_layers():
    run = initialization.train_run("tanh", "xavier_normal", 0, TINY)
    assert initialization.train_run("tanh", "xavier_normal", 0, TINY) is run  # cached
    assert run.train_loss.shape == run.val_acc.shape == (1,)
    assert run.step_loss.shape == (math.ceil(1348 / 256),)
    assert run.act_mean.shape == run.act_std.shape == run.unit_std.shape == (1, TINY.depth)
    assert not run.diverged
    initialization.train_run.cache_clear()
    again = initialization.train_run("tanh", "xavier_normal", 0, TINY)
    np.testing.assert_array_equal(again.step_loss, run.step_loss)  # the seed fixes weights and batches
    other = initialization.train_run("tanh", "xavier_normal", 1, TINY)
    assert not np.array_equal(other.step_loss, run.step_loss)
    with pytest.raises(ValueError, match="read-only"):
        run.train_loss[0] = 0.0


def test_he_trains_and_xavier_stalls_in_a_30_layer_relu_network():
    deep = initialization.Recipe(depth=30, width=64, epochs=1, lr=0.03, batch_size=128, clip_norm=1.0)
    xavier = initialization.train_run("relu", "xavier_normal", 0, deep)
    he = initialization.train_run("relu", "he_normal", 0, deep)
    assert abs(xavier.train_loss[-1] - math.log(10)) < 0.01  # stuck at the class frequencies
    assert he.train_loss[-1] < math.log(10) - 0.05
    assert xavier.unit_std[0, -1] < 1e-3 < he.unit_std[0, -1]  # Xavier's last layer hardly sees the input


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


def test_init_sweep_trains_each_pair_for_each_seed_with_the_cached_runs():
    cells = initialization.init_sweep({"He": "he_normal", "huge": "std=1"}, ["relu"], seeds=[0, 1], recipe=TINY)
    assert [(c.init, c.activation) for c in cells] == [("He", "relu"), ("huge", "relu")]
    he, huge = cells
    assert he.total_steps == 6 and len(he.val_acc) == 2 and he.diverged == 0
    assert he.val_acc[1] == initialization.train_run("relu", "he_normal", 1, TINY).val_acc[-1]
    huge_runs = [initialization.train_run("relu", "std=1", seed, TINY) for seed in (0, 1)]
    assert huge.diverged == sum(run.diverged for run in huge_runs)
    assert all(math.isnan(a) == run.diverged for a, run in zip(huge.val_acc, huge_runs, strict=True))


# --- figures ------------------------------------------------------------------------------------------------------
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


def test_gradient_histograms_label_each_layer_with_its_gradient_std_on_a_symmetric_range():
    stats = initialization.layer_statistics(10, "tanh", "standard")
    ax = Figure().subplots()
    initialization.draw_gradient_histograms(ax, stats, limit=0.002)
    assert ax.get_xlim() == (-0.002, 0.002)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["-0.002", "0", "0.002"]
    assert [t.get_text() for t in ax.texts] == [f"std {s:.2g}" for s in stats.grad_std]
    with pytest.raises(ValueError, match="limit must be positive"):
        initialization.draw_gradient_histograms(ax, stats, limit=0.0)


def test_seed_curves_draw_one_line_per_seed_and_name_each_label_once():
    ax = Figure().subplots()
    curves = {"a": [np.array([3.0, 2.0]), np.array([3.0, 1.0]), np.array([2.0, 1.0])], "b": [np.array([1.0, 1.0])]}
    initialization.draw_seed_curves(ax, curves, ylabel="loss", log=True)
    assert len(ax.lines) == 4
    assert [line.get_linestyle() for line in ax.lines[:3]] == ["-", "--", "-."]  # seeds by line style
    assert ax.get_legend_handles_labels()[1] == ["a", "b"]
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss"
    np.testing.assert_array_equal(ax.lines[0].get_xdata(), [1, 2])  # epochs counted from 1


def test_weight_matrices_handle_a_constant_matrix_and_label_every_panel():
    fig = Figure()
    axes = fig.subplots(1, 2)
    initialization.draw_weight_matrices(axes, {"zeros": np.zeros((4, 3)), "random": np.arange(12.0).reshape(4, 3)})
    assert [ax.get_title() for ax in axes] == ["zeros", "random"]
    assert axes[0].images[0].get_clim() == (-1.0, 1.0)
    assert axes[1].images[0].get_clim() == (0.0, 11.0)


# --- explorable ---------------------------------------------------------------------------------------------------
def test_explorable_frame_changes_with_each_control():
    explorer = initialization.activation_histograms()
    assert set(explorer.controls) == {"activation", "init"}
    default = explorer.update()
    assert default.startswith(b"\x89PNG")
    other_init = explorer.update(init="std=0.01")
    other_activation = explorer.update(activation="relu")
    assert len({default, other_init, other_activation}) == 3
    assert explorer.update(activation="tanh", init="xavier_normal") == default  # same values, same picture


def test_explorable_shows_three_spreads_with_the_legend_above_the_lines():
    explorer = initialization.activation_histograms()
    with style():  # as the explorable renders its frames: under the book's style (constrained layout by default)
        fig = Figure(figsize=explorer.figsize, layout=explorer.layout)
    assert fig.get_layout_engine() is None  # fixed margins: no layout pass per frame
    explorer.draw(fig, activation="tanh", init="std=1")  # the backward line crosses the whole panel
    fig.canvas.draw()
    scale_ax = fig.axes[1]
    assert len(scale_ax.lines) == 3
    legend_box = scale_ax.get_legend().get_window_extent()
    assert legend_box.y0 >= scale_ax.get_window_extent().y1
    assert legend_box.x1 <= fig.bbox.x1  # and fits in the figure


def test_sigmoid_gradient_shrinks_toward_the_input_with_xavier_or_he():
    for name in ["xavier_normal", "he_normal"]:  # the chapter's "things to try"
        stats = initialization.layer_statistics(30, "sigmoid", name)
        assert stats.grad_std[0] < 1e-10 * stats.grad_std[-1]
