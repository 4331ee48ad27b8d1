"""Gradient checking by central differences in float64: how students (and our tests) verify a backward pass."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["GradCheckResult", "check_function", "check_layer", "numerical_gradient", "rel_error"]


def _require_float64(x: np.ndarray, name: str) -> None:
    if not isinstance(x, np.ndarray) or x.dtype != np.float64:
        got = x.dtype if isinstance(x, np.ndarray) else type(x).__name__
        raise TypeError(
            f"gradient checks need float64 for {name} (float32 round-off swamps the differences), got {got}"
        )


def numerical_gradient(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, dout=None, h: float = 1e-6):
    """Central-difference gradient of ``sum(f(x) * dout)`` with respect to ``x`` (``dout`` defaults to ones).

    ``x`` is perturbed in place one entry at a time and restored. Each entry costs two calls of ``f``; the error is
    O(h**2) from truncation plus O(eps / h) from round-off, about 1e-10 in float64 with h = 1e-6.
    """
    _require_float64(x, "x")
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = np.asarray(f(x), dtype=np.float64)
        x[index] = original - h
        f_minus = np.asarray(f(x), dtype=np.float64)
        x[index] = original
        weights = 1.0 if dout is None else dout
        grad[index] = np.sum((f_plus - f_minus) * weights) / (2.0 * h)
    return grad


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest absolute difference relative to the largest entry: max|a - b| / max(max|a|, max|b|).

    Relative to the whole array's scale rather than entry by entry, so tiny entries (where both values are round-off)
    do not dominate. Two arrays of zeros have error 0.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"cannot compare gradients of shapes {a.shape} and {b.shape}")
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0))
    return 0.0 if scale == 0.0 else float(np.abs(a - b).max() / scale)


@dataclass
class GradCheckResult:
    """How far one analytic gradient is from its central-difference estimate."""

    name: str
    max_rel_error: float
    worst_index: tuple[int, ...]
    analytic: np.ndarray
    numeric: np.ndarray

    def __str__(self) -> str:
        i = self.worst_index
        return (
            f"{self.name}: rel. error {self.max_rel_error:.2e}, worst at {i}: analytic {self.analytic[i]:.6g} vs "
            f"numeric {self.numeric[i]:.6g}"
        )


def _result(name: str, analytic, numeric) -> GradCheckResult:
    if analytic is None or np.shape(analytic) != numeric.shape:
        raise ValueError(f"the gradient for {name} has shape {np.shape(analytic)}, expected {numeric.shape}")
    analytic = np.asarray(analytic, dtype=np.float64)
    worst = np.unravel_index(np.argmax(np.abs(analytic - numeric)), numeric.shape) if numeric.size else ()
    return GradCheckResult(name, rel_error(analytic, numeric), tuple(int(i) for i in worst), analytic, numeric)


# Seed of the random upstream gradient. Deliberately not 0: inputs drawn with seed 0 and the same shape would make
# dout an affine function of x, and batch norm's dx is then exactly zero, a check that proves nothing.
DOUT_SEED = 20_260_101


def check_function(forward: Callable, backward: Callable, wrt: tuple[str, ...], seed: int = DOUT_SEED, **inputs):
    """Check a functional kernel pair: ``backward(dout, cache)`` against central differences of ``forward``.

    ``wrt`` names the inputs whose gradients ``backward`` returns, in its order; e.g.
    ``check_function(linear_forward, linear_backward, ("x", "W", "b"), x=x, W=W, b=b)``. Other keyword
    arguments are passed to ``forward`` unchanged (pass ``rng`` as an int seed so every call draws the same mask).
    Returns one ``GradCheckResult`` per name in ``wrt``.
    """
    for name in wrt:
        _require_float64(inputs[name], name)
    out, cache = forward(**inputs)
    dout = np.random.default_rng(seed).standard_normal(np.shape(out))
    analytic = backward(dout, cache)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    if len(analytic) != len(wrt):
        raise ValueError(f"backward returned {len(analytic)} gradients but wrt names {len(wrt)}: {wrt}")
    results = []
    for name, grad in zip(wrt, analytic, strict=True):

        def f(value, name=name):
            return forward(**{**inputs, name: value})[0]

        results.append(_result(name, grad, numerical_gradient(f, inputs[name].copy(), dout)))
    return results


def check_layer(layer, x: np.ndarray, training: bool = True, seed: int = DOUT_SEED) -> list[GradCheckResult]:
    """Check a layer's ``backward`` (dx and every entry of ``grads``) against central differences.

    Every numerical evaluation runs on a fresh copy of the layer as it was before the check, so stochastic layers
    (dropout) draw the same mask and stateful ones (batch norm's running averages) start from the same state.
    The layer and ``x`` must be float64.
    """
    _require_float64(x, "x")
    for name, param in layer.params.items():
        _require_float64(param, f"parameter {name!r} (build the layer with dtype=np.float64)")
    pristine = copy.deepcopy(layer)
    out = layer.forward(x, training)
    dout = np.random.default_rng(seed).standard_normal(out.shape)
    dx = layer.backward(dout)

    def output_with_input(value):
        return copy.deepcopy(pristine).forward(value, training)

    results = [_result("x", dx, numerical_gradient(output_with_input, x.copy(), dout))]
    grads = layer.grads
    for name, param in pristine.params.items():

        def output_with_param(value, name=name):
            trial = copy.deepcopy(pristine)
            trial.params[name][...] = value
            return trial.forward(x, training)

        results.append(_result(name, grads.get(name), numerical_gradient(output_with_param, param.copy(), dout)))
    return results
