"""Input validation shared by the library (private): clear messages instead of deep numpy tracebacks."""

from __future__ import annotations

import math
import numbers

import numpy as np


def as_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """Return a ``Generator`` for ``rng`` (a Generator, an int seed, or None for fresh entropy).

    Never touches numpy's global random state.
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def check_array(x, name: str) -> np.ndarray:
    """Require a numpy array (not a list, scalar or other object)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(x).__name__}")
    return x


def check_float_array(x, name: str, ndim: int | None = None) -> np.ndarray:
    """Require a real floating-point array, optionally of a given number of dimensions.

    Integer, complex, boolean and object arrays are rejected: silently casting them would hide a bug
    (integer inputs would truncate gradients, complex ones have no order for ReLU).
    """
    check_array(x, name)
    if x.dtype.kind != "f":  # np.floating's kind; 13x cheaper than np.issubdtype, and layers call this every step
        raise TypeError(f"{name} must be a real floating-point array (float32 or float64), got dtype {x.dtype}")
    if ndim is not None and x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    return x


def check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    """Require two arrays of identical shape."""
    if a.shape != b.shape:
        raise ValueError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match")


def check_probability(p, name: str = "p") -> float:
    """Require a drop probability in [0, 1)."""
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"{name} must be a real number in [0, 1), got {type(p).__name__}")
    if not 0.0 <= p < 1.0:
        raise ValueError(f"{name} is the drop probability and must be in [0, 1), got {p}")
    return float(p)


def check_number(value, name: str, low: float, high: float = math.inf, include_low: bool = True) -> float:
    """Require a finite real number in [low, high] (or (low, high] without ``include_low``); return it as a Python
    float, which keeps float32 arrays float32 under numpy 2's promotion rules."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    in_range = (low <= value if include_low else low < value) and value <= high
    if not (in_range and math.isfinite(value)):
        bounds = (
            f"{'[' if include_low else '('}{low}, {high}]"
            if high < math.inf
            else f"{'>=' if include_low else '>'} {low}"
        )
        raise ValueError(f"{name} must be a finite number {'in ' * (high < math.inf)}{bounds}, got {value}")
    return float(value)


def check_count(value, name: str) -> int:
    """Require a positive int (a number of steps, a period)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)
