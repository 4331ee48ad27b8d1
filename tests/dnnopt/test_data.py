"""Datasets: shapes, dtypes, determinism, no download."""

import numpy as np
import pytest

from dnnopt import data


def test_digits_split():
    split = data.digits(val_fraction=0.25, seed=0)
    assert split.X_train.shape == (1348, 64) and split.X_val.shape == (449, 64)
    assert split.X_train.dtype == np.float32 and split.y_train.dtype == np.int64
    assert 0.0 <= split.X_train.min() and split.X_train.max() <= 1.0
    assert set(np.unique(split.y_val)) == set(range(10))
    np.testing.assert_array_equal(data.digits(seed=0).y_val, split.y_val)
    assert not np.array_equal(data.digits(seed=1).y_val, split.y_val)


@pytest.mark.parametrize(
    "make",
    [
        lambda s: data.two_moons(100, seed=s),
        lambda s: data.regression_1d(30, seed=s),
    ],
)
def test_synthetic_sets_are_deterministic(make):
    a, b, c = make(0), make(0), make(1)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0]) and a[0].dtype == np.float32


def test_regression_noise_around_the_true_function():
    x, y = data.regression_1d(n=20_000, noise=0.3, seed=0)
    residual = y - data.true_function(x)
    assert abs(residual.std() - 0.3) < 0.01 and abs(residual.mean()) < 0.01


def test_shift_images_moves_pixels_and_keeps_shape():
    image = np.zeros((1, 64), np.float32)
    image[0, 3 * 8 + 3] = 1.0  # pixel (3, 3)
    shifted = data.shift_images(np.repeat(image, 200, axis=0), max_shift=1, rng=0)
    assert shifted.shape == (200, 64) and shifted.dtype == np.float32
    rows, cols = np.nonzero(shifted.reshape(200, 8, 8))[1:]
    assert set(rows) == {2, 3, 4} and set(cols) == {2, 3, 4}
    with pytest.raises(ValueError, match="64 columns"):
        data.shift_images(np.zeros((2, 10), np.float32))
