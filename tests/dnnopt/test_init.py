"""Initializers: statistics over 10**6 draws, exact uniform bounds, dtypes, no global random state."""

import math

import numpy as np
import pytest

from dnnopt import init

SHAPE = (1000, 1000)  # 10**6 draws
FAN_IN, FAN_OUT = 1000, 1000
NORMALS = {
    "xavier_normal": math.sqrt(2 / (FAN_IN + FAN_OUT)),
    "he_normal": math.sqrt(2 / FAN_IN),
    "lecun_normal": math.sqrt(1 / FAN_IN),
}
UNIFORMS = {
    "xavier_uniform": math.sqrt(6 / (FAN_IN + FAN_OUT)),
    "he_uniform": math.sqrt(6 / FAN_IN),
    "lecun_uniform": math.sqrt(3 / FAN_IN),
}


@pytest.mark.parametrize(("name", "std"), NORMALS.items())
def test_normal_initializers_have_the_formula_std(name, std):
    W = init.get(name)(SHAPE, rng=0)
    assert abs(W.std() / std - 1) < 0.01
    assert abs(W.mean()) < 0.01 * std
    # untruncated: about 0.27% of a normal lies beyond 3 std
    assert 0.002 < np.mean(np.abs(W) > 3 * std) < 0.0035


@pytest.mark.parametrize(("name", "limit"), UNIFORMS.items())
def test_uniform_initializers_have_exact_bounds_and_std(name, limit):
    W = init.get(name)(SHAPE, rng=1, dtype=np.float64)
    assert W.min() >= -limit and W.max() < limit
    assert W.max() > 0.999 * limit and W.min() < -0.999 * limit
    assert abs(W.std() / (limit / math.sqrt(3)) - 1) < 0.01


def test_fans_are_not_swapped():
    # (fan_in, fan_out) = (100, 1000): He uses fan_in only, so its std is sqrt(2/100), not sqrt(2/1000)
    W = init.he_normal((100, 10_000), rng=0)
    assert abs(W.std() / math.sqrt(2 / 100) - 1) < 0.01


@pytest.mark.parametrize("name", [*NORMALS, *UNIFORMS])
def test_gain_multiplies_the_std(name):
    plain = init.get(name)((300, 300), rng=3)
    doubled = init.get(name)((300, 300), rng=3, gain=2.0)
    np.testing.assert_allclose(doubled, 2 * plain, rtol=1e-6)


def test_normal_and_uniform_take_std_and_limit():
    assert abs(init.normal(SHAPE, std=0.5, rng=0).std() - 0.5) < 0.005
    W = init.uniform(SHAPE, limit=0.2, rng=0)
    assert W.min() >= -0.2 and W.max() < 0.2


def test_zeros_are_zeros_float32_by_default():
    Z = init.zeros((3, 4))
    assert Z.dtype == np.float32 and not Z.any()
    assert init.get("zeros")((2, 2), rng=0).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", [*NORMALS, *UNIFORMS])
def test_dtype_is_respected(name, dtype):
    assert init.get(name)((4, 5), rng=0).dtype == np.float32
    assert init.get(name)((4, 5), rng=0, dtype=dtype).dtype == dtype


def test_same_seed_same_weights_and_global_state_untouched():
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (checking the global state is untouched)
    a = init.he_normal((20, 30), rng=7)
    b = init.he_normal((20, 30), rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, init.he_normal((20, 30), rng=8))
    np.testing.assert_array_equal(state, np.random.get_state()[1])  # noqa: NPY002


def test_fan_in_fan_out():
    assert init.fan_in_fan_out((3, 5)) == (3, 5)
    assert init.fan_in_fan_out((3, 3, 16, 32)) == (144, 288)  # conv kernel: times the receptive field
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.fan_in_fan_out((5,))


def test_bad_input_names_the_problem():
    with pytest.raises(ValueError, match=r"unknown initializer 'glorot'.*expected one of"):
        init.get("glorot")
    with pytest.raises(TypeError, match="floating-point"):
        init.he_normal((3, 3), dtype=np.int32)
    with pytest.raises(ValueError, match=r"std must be a finite number >= 0\.0"):
        init.normal((3, 3), std=-1.0)
    with pytest.raises(TypeError, match="rng must be"):
        init.he_normal((3, 3), rng="seed")
    with pytest.raises(ValueError, match="zero fan"):
        init.xavier_normal((0, 0))
