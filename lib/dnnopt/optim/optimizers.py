"""Optimizers and gradient clipping. Parameters are updated in place, so layers see the new values."""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

from ._checks import check_float_array

__all__ = ["SGD", "Adam", "Optimizer", "clip_grad_norm", "clip_grad_value"]


def _as_named_arrays(arrays, what: str) -> dict[str, np.ndarray]:
    """A dict of arrays from a dict or a list/tuple (keyed by position)."""
    if isinstance(arrays, np.ndarray):
        raise TypeError(f"{what} must be a dict or a list of arrays, not a single array; wrap it in a list")
    if isinstance(arrays, Mapping):
        named = dict(arrays)
    elif isinstance(arrays, list | tuple):
        named = {str(i): a for i, a in enumerate(arrays)}
    else:
        raise TypeError(f"{what} must be a dict or a list of arrays, got {type(arrays).__name__}")
    for key, array in named.items():
        check_float_array(array, f"{what}[{key!r}]")
    return named


def _check_hyper(value, name: str, low: float, high: float = math.inf, include_low: bool = True) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    ok = (low <= value if include_low else low < value) and value <= high
    if not ok or math.isnan(value):
        bound = "[" if include_low else "("
        raise ValueError(f"{name} must be in {bound}{low}, {high}], got {value}")
    return float(value)  # a Python float keeps float32 arrays float32 under numpy 2's promotion rules


class Optimizer:
    """Holds the parameters (a model with ``.params``/``.grads``, a dict, or a list of arrays)."""

    def __init__(self, params, lr: float) -> None:
        self._model = params if hasattr(params, "params") and hasattr(params, "grads") else None
        self.params = _as_named_arrays(self._model.params if self._model else params, "params")
        self.lr = _check_hyper(lr, "lr", 0.0, include_low=False)

    def step(self, grads=None) -> None:
        """Update every parameter in place from ``grads`` (default: the model's current ``grads``)."""
        if grads is None:
            if self._model is None:
                raise TypeError("step() needs the gradients when the optimizer was built from arrays, not a model")
            grads = self._model.grads
        grads = _as_named_arrays(grads, "grads")
        for key, param in self.params.items():
            if key not in grads:
                raise KeyError(f"no gradient for parameter {key!r}; was backward() called?")
            if grads[key].shape != param.shape:
                raise ValueError(f"gradient {key!r} has shape {grads[key].shape}, parameter has {param.shape}")
            self._update(key, param, grads[key])

    def _update(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with momentum (PyTorch's form) and L2 weight decay.

    ``g = grad + weight_decay * w``; ``v = momentum * v + g``; ``w -= lr * v``
    (Nesterov: ``w -= lr * (g + momentum * v)``).
    """

    def __init__(
        self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(params, lr)
        self.momentum = _check_hyper(momentum, "momentum", 0.0, 1.0)
        self.weight_decay = _check_hyper(weight_decay, "weight_decay", 0.0)
        if nesterov and self.momentum == 0.0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.nesterov = nesterov
        self.velocity = {key: np.zeros_like(p) for key, p in self.params.items()} if self.momentum else {}

    def _update(self, key, param, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        if self.momentum:
            velocity = self.velocity[key]
            velocity *= self.momentum
            velocity += grad
            grad = grad + self.momentum * velocity if self.nesterov else velocity
        param -= self.lr * grad


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; ``weight_decay`` adds ``weight_decay * w`` to the gradient."""

    def __init__(
        self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr)
        self.beta1 = _check_hyper(betas[0], "betas[0]", 0.0, 1.0)
        self.beta2 = _check_hyper(betas[1], "betas[1]", 0.0, 1.0)
        self.eps = _check_hyper(eps, "eps", 0.0)
        self.weight_decay = _check_hyper(weight_decay, "weight_decay", 0.0)
        self.m = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.v = {key: np.zeros_like(p) for key, p in self.params.items()}
        self.t = 0

    def step(self, grads=None) -> None:
        self.t += 1
        super().step(grads)

    def _update(self, key, param, grad):
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        m, v = self.m[key], self.v[key]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * (grad * grad)
        step_size = self.lr / (1.0 - self.beta1**self.t)
        denom = np.sqrt(v / (1.0 - self.beta2**self.t))
        denom += self.eps
        param -= step_size * (m / denom)


def clip_grad_value(grads, clip_value: float) -> None:
    """Clip every gradient entry to [-clip_value, clip_value], in place. Changes the update's direction."""
    clip_value = _check_hyper(clip_value, "clip_value", 0.0)
    for grad in _as_named_arrays(grads, "grads").values():
        np.clip(grad, -clip_value, clip_value, out=grad)


def clip_grad_norm(grads, max_norm: float) -> float:
    """Rescale all gradients together, in place, so their global L2 norm is at most ``max_norm``.

    The direction of the update is kept. Returns the global norm measured *before* clipping.
    """
    max_norm = _check_hyper(max_norm, "max_norm", 0.0)
    arrays = list(_as_named_arrays(grads, "grads").values())
    total_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))
    if not math.isfinite(total_norm):
        raise ValueError(f"the gradient norm is {total_norm}: a gradient holds NaN or inf, clipping cannot fix it")
    scale = max_norm / (total_norm + 1e-6)
    if scale < 1.0:
        for grad in arrays:
            grad *= scale
    return total_norm
