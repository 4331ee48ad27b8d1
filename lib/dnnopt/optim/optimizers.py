"""Optimizers and gradient clipping, with ``torch.optim``'s names, defaults and update equations.

Parameters are updated in place, so layers see the new values. Every hyperparameter is kept as a Python float, so
float32 parameters and buffers stay float32 under numpy 2's promotion rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from .._checks import check_float_array, check_number

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "clip_grad_norm", "clip_grad_value"]


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


class Optimizer:
    """Holds the parameters (a model with ``.params``/``.grads``, a dict, or a list of arrays) and ``lr``.

    ``lr`` is a plain attribute: change it between steps, or let a scheduler (``dnnopt.optim.lr_scheduler``) do it.
    """

    def __init__(self, params, lr: float, weight_decay: float = 0.0) -> None:
        self._model = params if hasattr(params, "params") and hasattr(params, "grads") else None
        self.params = _as_named_arrays(self._model.params if self._model else params, "params")
        self.lr = check_number(lr, "lr", 0.0, include_low=False)
        self.weight_decay = check_number(weight_decay, "weight_decay", 0.0)
        self.initial_lr: float | None = None  # set by the first scheduler attached, like torch's "initial_lr"
        self.t = 0  # steps taken

    def step(self, grads=None) -> None:
        """Update every parameter in place from ``grads`` (default: the model's current ``grads``)."""
        if grads is None:
            if self._model is None:
                raise TypeError("step() needs the gradients when the optimizer was built from arrays, not a model")
            grads = self._model.grads
        grads = _as_named_arrays(grads, "grads")
        self.t += 1
        for key, param in self.params.items():
            if key not in grads:
                raise KeyError(f"no gradient for parameter {key!r}; was backward() called?")
            if grads[key].shape != param.shape:
                raise ValueError(f"gradient {key!r} has shape {grads[key].shape}, parameter has {param.shape}")
            self._update(key, param, grads[key])

    def _update(self, key: str, param: np.ndarray, grad: np.ndarray) -> None:
        raise NotImplementedError

    def _buffers(self) -> dict[str, np.ndarray]:
        """One zero array per parameter (same shape and dtype): a running average or a momentum buffer."""
        return {key: np.zeros_like(p) for key, p in self.params.items()}

    def _coupled_decay(self, grad: np.ndarray, param: np.ndarray) -> np.ndarray:
        """L2 weight decay as torch adds it: through the gradient, ``grad + weight_decay * w``."""
        return grad + self.weight_decay * param if self.weight_decay else grad


class SGD(Optimizer):
    """Stochastic gradient descent with momentum (PyTorch's form) and L2 weight decay.

    ``g = grad + weight_decay * w``; ``v = momentum * v + g``; ``w -= lr * v``
    (Nesterov: ``w -= lr * (g + momentum * v)``).
    """

    def __init__(
        self, params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.momentum = check_number(momentum, "momentum", 0.0, 1.0)
        if nesterov and self.momentum == 0.0:
            raise ValueError("Nesterov momentum needs momentum > 0")
        self.nesterov = nesterov
        self.velocity = self._buffers() if self.momentum else {}

    def _update(self, key, param, grad):
        grad = self._coupled_decay(grad, param)
        if self.momentum:
            velocity = self.velocity[key]
            velocity *= self.momentum
            velocity += grad
            grad = grad + self.momentum * velocity if self.nesterov else velocity
        param -= self.lr * grad


class Adagrad(Optimizer):
    """AdaGrad (Duchi et al., 2011): each coordinate's step shrinks with the sum of its squared gradients.

    ``g = grad + weight_decay * w``; ``s += g**2``; ``w -= lr * g / (sqrt(s) + eps)``
    """

    def __init__(self, params, lr: float = 0.01, eps: float = 1e-10, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        self.eps = check_number(eps, "eps", 0.0)
        self.sum_sq = self._buffers()

    def _update(self, key, param, grad):
        grad = self._coupled_decay(grad, param)
        self.sum_sq[key] += grad * grad
        param -= self.lr * grad / (np.sqrt(self.sum_sq[key]) + self.eps)


class RMSprop(Optimizer):
    """RMSProp (Hinton, 2012): AdaGrad's sum replaced by an exponential moving average of squared gradients.

    ``g = grad + weight_decay * w``; ``s = alpha * s + (1 - alpha) * g**2``; ``u = g / (sqrt(s) + eps)``;
    ``w -= lr * u``, or with momentum ``b = momentum * b + u``; ``w -= lr * b``.
    """

    def __init__(
        self,
        params,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.alpha = check_number(alpha, "alpha", 0.0, 1.0)
        self.eps = check_number(eps, "eps", 0.0)
        self.momentum = check_number(momentum, "momentum", 0.0, 1.0)
        self.square_avg = self._buffers()
        self.momentum_buffer = self._buffers() if self.momentum else {}

    def _update(self, key, param, grad):
        grad = self._coupled_decay(grad, param)
        square_avg = self.square_avg[key]
        square_avg *= self.alpha
        square_avg += (1.0 - self.alpha) * (grad * grad)
        update = grad / (np.sqrt(square_avg) + self.eps)
        if self.momentum:
            buffer = self.momentum_buffer[key]
            buffer *= self.momentum
            buffer += update
            update = buffer
        param -= self.lr * update


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) with bias correction; ``weight_decay`` adds ``weight_decay * w`` to the gradient.

    ``m = b1 * m + (1 - b1) * g``; ``v = b2 * v + (1 - b2) * g**2``;
    ``w -= lr * (m / (1 - b1**t)) / (sqrt(v / (1 - b2**t)) + eps)``
    """

    def __init__(
        self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, lr, weight_decay)
        self.beta1 = check_number(betas[0], "betas[0]", 0.0, 1.0)
        self.beta2 = check_number(betas[1], "betas[1]", 0.0, 1.0)
        self.eps = check_number(eps, "eps", 0.0)
        self.m, self.v = self._buffers(), self._buffers()

    def _update(self, key, param, grad):
        grad = self._coupled_decay(grad, param)
        self._adam_step(key, param, grad)

    def _adam_step(self, key, param, grad):
        m, v = self.m[key], self.v[key]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * (grad * grad)
        step_size = self.lr / (1.0 - self.beta1**self.t)
        denom = np.sqrt(v / (1.0 - self.beta2**self.t))
        denom += self.eps
        param -= step_size * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): ``w *= 1 - lr * weight_decay``, then the Adam
    step on the plain gradient. Unlike L2 through the gradient, the decay is not rescaled by Adam's denominator."""

    def __init__(
        self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8, weight_decay: float = 0.01
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay)

    def _update(self, key, param, grad):
        param *= 1.0 - self.lr * self.weight_decay
        self._adam_step(key, param, grad)


def clip_grad_value(grads, clip_value: float) -> None:
    """Clip every gradient entry to [-clip_value, clip_value], in place. Changes the update's direction."""
    clip_value = check_number(clip_value, "clip_value", 0.0)
    for grad in _as_named_arrays(grads, "grads").values():
        np.clip(grad, -clip_value, clip_value, out=grad)


def clip_grad_norm(grads, max_norm: float) -> float:
    """Rescale all gradients together, in place, so their global L2 norm is at most ``max_norm``.

    The direction of the update is kept. Returns the global norm measured *before* clipping.
    """
    max_norm = check_number(max_norm, "max_norm", 0.0)
    arrays = list(_as_named_arrays(grads, "grads").values())
    total_norm = math.sqrt(sum(float(np.vdot(g, g)) for g in arrays))
    if not math.isfinite(total_norm):
        raise ValueError(f"the gradient norm is {total_norm}: a gradient holds NaN or inf, clipping cannot fix it")
    scale = max_norm / (total_norm + 1e-6)
    if scale < 1.0:
        for grad in arrays:
            grad *= scale
    return total_norm
