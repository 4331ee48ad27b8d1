"""Weight initializers.

Every initializer takes ``shape = (fan_in, fan_out)`` for a dense weight (the layout ``x @ W`` uses), draws from the
``rng`` it is given (a ``np.random.Generator`` or an int seed; never numpy's global state) and returns ``dtype``
(float32 by default). ``gain`` multiplies the standard deviation (and the uniform limit).

=================  =========================================  ==========================================
initializer        std of the normal form                     limit ``a`` of the uniform form U(-a, a)
=================  =========================================  ==========================================
Xavier / Glorot    ``gain * sqrt(2 / (fan_in + fan_out))``    ``gain * sqrt(6 / (fan_in + fan_out))``
He / Kaiming       ``gain * sqrt(2 / fan_in)``                ``gain * sqrt(6 / fan_in)``
LeCun              ``gain * sqrt(1 / fan_in)``                ``gain * sqrt(3 / fan_in)``
=================  =========================================  ==========================================

A uniform U(-a, a) has variance a**2 / 3, so each limit is sqrt(3) times the matching std.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ._checks import as_rng, check_number

__all__ = [
    "fan_in_fan_out",
    "get",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "zeros",
]


def _check_shape(shape) -> tuple[int, ...]:
    try:
        shape = tuple(int(n) for n in shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of ints such as (fan_in, fan_out), got {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"shape must not contain negative sizes, got {shape}")
    return shape


def _check_dtype(dtype) -> np.dtype:
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating-point type such as np.float32, got {dtype}")
    return dtype


def fan_in_fan_out(shape) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` for a weight of ``shape``.

    A dense weight has ``shape = (fan_in, fan_out)``. For a convolution kernel ``(k1, ..., fan_in_ch, fan_out_ch)``
    each fan is multiplied by the receptive field size ``k1 * ...``.
    """
    shape = _check_shape(shape)
    if len(shape) < 2:
        raise ValueError(f"fan_in and fan_out need a weight of at least 2 dimensions, got shape {shape}")
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


def zeros(shape, dtype=np.float32) -> np.ndarray:
    """All zeros: never breaks the symmetry between hidden units (see the initialization chapter)."""
    return np.zeros(_check_shape(shape), dtype=_check_dtype(dtype))


def normal(shape, std, rng=None, dtype=np.float32) -> np.ndarray:
    """Draw from N(0, std**2). ``std`` is a standard deviation, not a variance."""
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    std = check_number(std, "std", 0.0)
    return (as_rng(rng).standard_normal(shape) * std).astype(dtype, copy=False)


def uniform(shape, limit, rng=None, dtype=np.float32) -> np.ndarray:
    """Draw from U(-limit, limit), whose std is ``limit / sqrt(3)``."""
    shape, dtype = _check_shape(shape), _check_dtype(dtype)
    limit = check_number(limit, "limit", 0.0)
    return as_rng(rng).uniform(-limit, limit, size=shape).astype(dtype, copy=False)


def _std(shape, gain: float, numerator: float, avg_fans: bool) -> float:
    """``gain * sqrt(numerator / fan)`` with fan = fan_in + fan_out (``avg_fans``) or fan_in."""
    fan_in, fan_out = fan_in_fan_out(shape)
    fan = fan_in + fan_out if avg_fans else fan_in
    if fan == 0:
        raise ValueError(f"cannot initialize a weight with a zero fan, shape {tuple(shape)}")
    return check_number(gain, "gain", 0.0) * math.sqrt(numerator / fan)


def xavier_normal(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """Glorot & Bengio (2010): std = gain * sqrt(2 / (fan_in + fan_out)), for tanh/sigmoid/linear layers."""
    return normal(shape, _std(shape, gain, 2.0, avg_fans=True), rng, dtype)


def xavier_uniform(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """Glorot & Bengio (2010): U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    return uniform(shape, math.sqrt(3.0) * _std(shape, gain, 2.0, avg_fans=True), rng, dtype)


def he_normal(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """He et al. (2015): std = gain * sqrt(2 / fan_in), for ReLU layers (ReLU halves the variance)."""
    return normal(shape, _std(shape, gain, 2.0, avg_fans=False), rng, dtype)


def he_uniform(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """He et al. (2015): U(-a, a) with a = gain * sqrt(6 / fan_in)."""
    return uniform(shape, math.sqrt(3.0) * _std(shape, gain, 2.0, avg_fans=False), rng, dtype)


def lecun_normal(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """LeCun et al. (1998): std = gain * sqrt(1 / fan_in), for tanh-like and SELU layers."""
    return normal(shape, _std(shape, gain, 1.0, avg_fans=False), rng, dtype)


def lecun_uniform(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """LeCun et al. (1998): U(-a, a) with a = gain * sqrt(3 / fan_in)."""
    return uniform(shape, math.sqrt(3.0) * _std(shape, gain, 1.0, avg_fans=False), rng, dtype)


def _zeros_initializer(shape, rng=None, dtype=np.float32, gain=1.0) -> np.ndarray:
    """``zeros`` with the common initializer signature, for ``get("zeros")``."""
    return zeros(shape, dtype)


_INITIALIZERS: dict[str, Callable] = {
    "zeros": _zeros_initializer,
    "xavier_normal": xavier_normal,
    "xavier_uniform": xavier_uniform,
    "glorot_normal": xavier_normal,
    "glorot_uniform": xavier_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "kaiming_normal": he_normal,
    "kaiming_uniform": he_uniform,
    "lecun_normal": lecun_normal,
    "lecun_uniform": lecun_uniform,
}


def get(name: str) -> Callable:
    """Return the initializer called ``name`` (e.g. ``"he_normal"``; ``glorot_*``/``kaiming_*`` are aliases)."""
    if callable(name):
        return name
    try:
        return _INITIALIZERS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown initializer {name!r}; expected one of {sorted(_INITIALIZERS)}") from None
