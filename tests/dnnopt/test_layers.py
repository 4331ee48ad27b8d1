"""Layer classes: gradients through check_layer, train vs eval, dtype, params/grads, errors."""

import numpy as np
import pytest

from dnnopt import layers as L
from dnnopt.gradcheck import check_layer
from dnnopt.models import mlp

F64 = np.float64


def layer_cases():
    return {
        "linear": (L.Linear(4, 3, init="xavier_normal", rng=0, dtype=F64), True),
        "linear_no_bias": (L.Linear(4, 3, rng=0, dtype=F64, bias=False), True),
        "relu": (L.ReLU(), True),
        "leaky_relu": (L.LeakyReLU(0.2), True),
        "prelu": (L.PReLU(4, dtype=F64), True),
        "sigmoid": (L.Sigmoid(), True),
        "tanh": (L.Tanh(), True),
        "dropout": (L.Dropout(0.5, rng=0), True),
        "dropout_eval": (L.Dropout(0.5, rng=0), False),
        "batchnorm": (L.BatchNorm(4, dtype=F64), True),
        "residual": (L.Residual(L.Sequential(L.Linear(4, 4, rng=1, dtype=F64), L.Tanh())), True),
        "sequential": (
            L.Sequential(
                L.Linear(4, 5, rng=2, dtype=F64, bias=False),
                L.BatchNorm(5, dtype=F64),
                L.ReLU(),
                L.Dropout(0.3, rng=3),
                L.Linear(5, 2, rng=4, dtype=F64),
            ),
            True,
        ),
    }


@pytest.mark.parametrize("batch", [1, 6])
@pytest.mark.parametrize("name", list(layer_cases()))
def test_layer_backward_matches_central_differences(name, batch):
    layer, training = layer_cases()[name]
    if batch == 1 and training and ("batchnorm" in name or name == "sequential"):
        pytest.skip("batch norm in training is undefined for one sample (tested as an error)")
    x = np.random.default_rng(5).standard_normal((batch, 4))
    results = check_layer(layer, x, training=training)
    assert len(results) == 1 + len(layer.params)
    for result in results:
        assert result.max_rel_error < 1e-7, f"{name}: {result}"


def test_backward_never_changes_parameters_and_fills_grads():
    model = mlp([4, 8, 8, 3], batchnorm=True, rng=0)
    before = {k: v.copy() for k, v in model.params.items()}
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    model.backward(np.ones_like(model.forward(x)))
    for key, value in model.params.items():
        np.testing.assert_array_equal(value, before[key])
    assert model.grads.keys() == model.params.keys()
    assert all(model.grads[k].shape == model.params[k].shape for k in model.params)


def test_batchnorm_layer_train_vs_eval():
    bn = L.BatchNorm(3)
    rng = np.random.default_rng(1)
    for _ in range(100):
        bn.forward(rng.normal(4.0, 2.0, (64, 3)).astype(np.float32), training=True)
    x = rng.normal(4.0, 2.0, (8, 3)).astype(np.float32)
    train_out = bn.forward(x, training=True)
    eval_out = bn.forward(x, training=False)
    expected = (x - bn.buffers["running_mean"]) / np.sqrt(bn.buffers["running_var"] + 1e-5)
    np.testing.assert_allclose(eval_out, expected, rtol=1e-5)
    assert not np.allclose(train_out, eval_out)
    np.testing.assert_allclose(bn.buffers["running_mean"], 4.0, atol=0.3)
    with pytest.raises(ValueError, match="needs the cache of a training-mode forward"):
        bn.backward(np.ones_like(eval_out))  # an eval forward leaves no cache to differentiate


def test_dropout_layer_train_vs_eval():
    drop = L.Dropout(0.5, rng=0)
    x = np.ones((100, 100), np.float32)
    assert 0.45 < (drop.forward(x) == 0).mean() < 0.55
    np.testing.assert_array_equal(drop.forward(x, training=False), x)
    np.testing.assert_array_equal(drop.backward(x), x)


def test_float32_through_a_whole_model():
    model = mlp([6, 8, 8, 3], activation="tanh", batchnorm=True, dropout=0.2, residual=True, rng=0)
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    out = model.forward(x)
    assert out.dtype == np.float32 and model.backward(np.ones_like(out)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in model.grads.values())


@pytest.mark.parametrize("layer", [L.PReLU(6), L.LeakyReLU(0.1), L.Sigmoid()])
def test_float32_through_every_parametrised_layer(layer):
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    out = layer.forward(x)
    assert out.dtype == np.float32 and layer.backward(np.ones_like(out)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads.values())


def test_backward_before_forward_is_a_clear_error():
    layers = (L.Linear(2, 2, rng=0), L.ReLU(), L.LeakyReLU(), L.Dropout(0.1), L.BatchNorm(2), L.PReLU(2))
    for layer in (*layers, L.Residual(L.Linear(2, 2, rng=0))):
        with pytest.raises(RuntimeError, match=r"backward\(\) called before forward"):
            layer.backward(np.ones((3, 2), np.float32))


def test_containers():
    model = mlp([3, 4, 4, 2], residual=True, rng=0)
    assert list(model.params) == ["0.0.W", "0.0.b", "1.block.0.W", "1.block.0.b", "2.W", "2.b"]
    with pytest.raises(AttributeError):
        model.params = {}
    with pytest.raises(TypeError, match="Sequential takes layers"):
        L.Sequential(L.ReLU(), "relu")
    with pytest.raises(ValueError, match="residual block must keep the shape"):
        L.Residual(L.Linear(3, 4, rng=0)).forward(np.ones((2, 3), np.float32))
    state = model.state_dict()
    model.params["2.W"][...] = 0
    model.load_state_dict(state)
    np.testing.assert_array_equal(model.params["2.W"], state["2.W"])


def test_backward_all_matches_layer_by_layer_backward():
    model = mlp([3, 5, 5, 2], activation="tanh", rng=0, dtype=np.float64)
    x = np.random.default_rng(1).standard_normal((4, 3))
    dout = np.ones_like(model.forward(x))
    grads = model.backward_all(dout)
    assert len(grads) == len(model.layers)
    np.testing.assert_allclose(grads[0], model.backward(dout))
    np.testing.assert_allclose(grads[-1], model.layers[-1].backward(dout))


def test_mlp_structure_and_errors():
    model = mlp([64, 32, 32, 10], activation="sigmoid", init="xavier_uniform", dropout=0.5, batchnorm=True, rng=0)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Sequential", "Dropout", "Sequential", "Dropout", "Linear"]
    assert [type(layer).__name__ for layer in model.layers[0].layers] == ["Linear", "BatchNorm", "Sigmoid"]
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        mlp([2, 2, 2], activation="gelu")
    with pytest.raises(ValueError, match="drop probability"):
        mlp([2, 2, 2], dropout=1.0)
