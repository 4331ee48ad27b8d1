"""Layers: thin classes over the kernels in ``dnnopt.functional``.

Every layer has ``forward(x, training=True)``, ``backward(dout) -> dx``, a ``params`` dict and, after ``backward``,
a ``grads`` dict with the same keys. ``backward`` only *computes* gradients; an optimizer changes the parameters.
"""

from __future__ import annotations

import textwrap

import numpy as np

from . import functional as F
from . import init as initializers
from ._checks import as_rng, check_probability

__all__ = [
    "BatchNorm",
    "Dropout",
    "Layer",
    "LeakyReLU",
    "Linear",
    "PReLU",
    "ReLU",
    "Residual",
    "Sequential",
    "Sigmoid",
    "Tanh",
]


_NO_FORWARD = object()  # the cache of a layer whose forward has not run yet (a real cache may be None)


class Layer:
    """Base class: parameter and gradient dicts, buffers (non-trained state) and the forward cache."""

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self._cache = _NO_FORWARD

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def __call__(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        return self.forward(x, training)

    def named_children(self) -> list[tuple[str, Layer]]:
        """Sub-layers with the prefix of their parameter names (containers override this)."""
        return []

    def _forward_cache(self):
        """The forward cache, or a clear error if ``backward`` comes first."""
        if self._cache is _NO_FORWARD:
            raise RuntimeError(f"{type(self).__name__}.backward() called before forward(x, training=True)")
        return self._cache

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of every parameter and buffer, e.g. to restore the best weights after early stopping."""
        return {key: value.copy() for key, value in {**self.params, **self.buffers}.items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy ``state`` back into the parameter and buffer arrays in place."""
        own = {**self.params, **self.buffers}
        if own.keys() != state.keys():
            raise KeyError(f"state keys {sorted(state)} do not match the layer's {sorted(own)}")
        for key, value in state.items():
            own[key][...] = value

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Linear(Layer):
    """``out = x @ W + b`` with ``W`` of shape (in_features, out_features) drawn by ``init``."""

    def __init__(
        self, in_features: int, out_features: int, init="he_normal", rng=None, dtype=np.float32, bias: bool = True
    ) -> None:
        super().__init__()
        self.params["W"] = initializers.get(init)((in_features, out_features), rng=as_rng(rng), dtype=dtype)
        if bias:
            self.params["b"] = np.zeros(out_features, dtype=dtype)

    def forward(self, x, training=True):
        out, self._cache = F.linear_forward(x, self.params["W"], self.params.get("b"))
        return out

    def backward(self, dout):
        dx, dW, db = F.linear_backward(dout, self._forward_cache())
        self.grads = {"W": dW} if db is None else {"W": dW, "b": db}
        return dx

    def __repr__(self) -> str:
        fan_in, fan_out = self.params["W"].shape
        return f"Linear({fan_in}, {fan_out}, bias={'b' in self.params})"


class _Activation(Layer):
    """A parameter-free elementwise layer; each subclass names its kernel pair on its class line."""

    def __init_subclass__(cls, *, forward, backward, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        cls._forward, cls._backward = staticmethod(forward), staticmethod(backward)

    def forward(self, x, training=True):
        out, self._cache = self._forward(x)
        return out

    def backward(self, dout):
        return self._backward(dout, self._forward_cache())


class ReLU(_Activation, forward=F.relu_forward, backward=F.relu_backward):
    """max(0, x)."""


class Sigmoid(_Activation, forward=F.sigmoid_forward, backward=F.sigmoid_backward):
    """Logistic sigmoid; its derivative is at most 1/4."""


class Tanh(_Activation, forward=F.tanh_forward, backward=F.tanh_backward):
    """Hyperbolic tangent; its derivative is at most 1."""


class LeakyReLU(_Activation, forward=F.leaky_relu_forward, backward=F.leaky_relu_backward):
    """x for x > 0, ``alpha * x`` otherwise."""

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x, training=True):
        out, self._cache = self._forward(x, self.alpha)
        return out

    def __repr__(self) -> str:
        return f"LeakyReLU(alpha={self.alpha})"


class PReLU(Layer):
    """Leaky ReLU whose negative slope ``alpha`` (one per feature) is learned."""

    def __init__(self, num_features: int, alpha: float = 0.25, dtype=np.float32) -> None:
        super().__init__()
        self.params["alpha"] = np.full(num_features, alpha, dtype=dtype)

    def forward(self, x, training=True):
        out, self._cache = F.prelu_forward(x, self.params["alpha"])
        return out

    def backward(self, dout):
        dx, dalpha = F.prelu_backward(dout, self._forward_cache())
        self.grads = {"alpha": dalpha}
        return dx


class Dropout(Layer):
    """Inverted dropout with drop probability ``p``; the identity when not training."""

    def __init__(self, p: float, rng=None) -> None:
        super().__init__()
        self.p = check_probability(p)
        self.rng = as_rng(rng)

    def forward(self, x, training=True):
        out, self._cache = F.dropout_forward(x, self.p, training, self.rng)  # cache: None when nothing was dropped
        return out

    def backward(self, dout):
        return F.dropout_backward(dout, self._forward_cache())

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"


class BatchNorm(Layer):
    """Batch normalization over the features of x (N, D), with running averages for inference."""

    def __init__(self, num_features: int, momentum: float = 0.1, eps: float = 1e-5, dtype=np.float32) -> None:
        super().__init__()
        self.momentum, self.eps = momentum, eps
        self.params = {"gamma": np.ones(num_features, dtype), "beta": np.zeros(num_features, dtype)}
        self.buffers = {"running_mean": np.zeros(num_features, dtype), "running_var": np.ones(num_features, dtype)}

    def forward(self, x, training=True):
        out, self._cache = F.batchnorm_forward(
            x,
            self.params["gamma"],
            self.params["beta"],
            self.buffers["running_mean"],
            self.buffers["running_var"],
            training,
            self.momentum,
            self.eps,
        )
        return out

    def backward(self, dout):
        dx, dgamma, dbeta = F.batchnorm_backward_compact(dout, self._forward_cache())
        self.grads = {"gamma": dgamma, "beta": dbeta}
        return dx

    def __repr__(self) -> str:
        return f"BatchNorm({self.params['gamma'].shape[0]}, momentum={self.momentum}, eps={self.eps})"


class _Container(Layer):
    """A layer made of sub-layers; its dicts are the children's, keyed ``"<index>.<name>"``."""

    def _gather(self, attribute: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.{key}": value
            for prefix, child in self.named_children()
            for key, value in getattr(child, attribute).items()
        }

    def __init__(self) -> None:
        """Not ``Layer``'s: ``params``, ``grads`` and ``buffers`` are views over the children's, which keep their
        own forward caches."""

    @property
    def params(self) -> dict[str, np.ndarray]:
        return self._gather("params")

    @property
    def grads(self) -> dict[str, np.ndarray]:
        return self._gather("grads")

    @property
    def buffers(self) -> dict[str, np.ndarray]:
        return self._gather("buffers")


class Sequential(_Container):
    """Layers applied one after another."""

    def __init__(self, *layers: Layer) -> None:
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"Sequential takes layers, got {type(layer).__name__} at position {i}")
        self.layers = list(layers)

    def named_children(self) -> list[tuple[str, Layer]]:
        return [(str(i), layer) for i, layer in enumerate(self.layers)]

    def forward_all(self, x: np.ndarray, training: bool = True) -> list[np.ndarray]:
        """Every layer's output, in order (the last one is the network's output)."""
        outputs = []
        for layer in self.layers:
            x = layer.forward(x, training)
            outputs.append(x)
        return outputs

    def forward(self, x, training=True):
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward_all(self, dout: np.ndarray) -> list[np.ndarray]:
        """The gradient with respect to every layer's input, in layer order (the first one is ``dx``)."""
        grads = [dout]
        for layer in reversed(self.layers):
            grads.append(layer.backward(grads[-1]))
        return grads[:0:-1]

    def backward(self, dout):
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def __len__(self) -> int:
        return len(self.layers)

    def __repr__(self) -> str:
        inner = ",\n".join(f"({i}) {layer!r}" for i, layer in enumerate(self.layers))
        return "Sequential(\n" + textwrap.indent(inner, "  ") + "\n)"


class Residual(_Container):
    """``out = x + block(x)``: the identity path carries the gradient past the block unchanged."""

    def __init__(self, block: Layer) -> None:
        super().__init__()
        self.block = block

    def named_children(self) -> list[tuple[str, Layer]]:
        return [("block", self.block)]

    def forward(self, x, training=True):
        out = self.block.forward(x, training)
        if out.shape != x.shape:
            raise ValueError(f"a residual block must keep the shape of its input: {x.shape} became {out.shape}")
        return x + out

    def backward(self, dout):
        return dout + self.block.backward(dout)  # the block says so if its forward has not run

    def __repr__(self) -> str:
        return f"Residual({self.block!r})"
