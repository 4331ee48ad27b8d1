"""Ready-made networks for the book's experiments."""

from __future__ import annotations

import itertools

import numpy as np

from ._checks import as_rng, check_probability
from .layers import BatchNorm, Dropout, Layer, LeakyReLU, Linear, PReLU, ReLU, Residual, Sequential, Sigmoid, Tanh

__all__ = ["ACTIVATIONS", "mlp"]

ACTIVATIONS = {"relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh, "prelu": PReLU}


def _activation(name: str, width: int, dtype) -> Layer:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {sorted(ACTIVATIONS)}")
    return PReLU(width, dtype=dtype) if name == "prelu" else ACTIVATIONS[name]()


def mlp(
    sizes,
    activation: str = "relu",
    init="he_normal",
    dropout: float = 0.0,
    batchnorm: bool = False,
    residual: bool = False,
    rng=None,
    dtype=np.float32,
) -> Sequential:
    """A multilayer perceptron ``sizes[0] -> ... -> sizes[-1]`` returning logits (no final activation).

    Each hidden layer is Linear -> [BatchNorm] -> activation -> [Dropout(p=dropout)]. With ``residual=True`` every
    hidden layer whose input and output widths match is wrapped in ``Residual`` (x + block(x)).
    Example: ``mlp([64, 128, 128, 10], activation="tanh", init="xavier_normal", rng=0)``.
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes needs at least an input and an output width, all >= 1, got {sizes}")
    dropout = check_probability(dropout, "dropout")
    rng = as_rng(rng)
    layers: list[Layer] = []
    for fan_in, fan_out in itertools.pairwise(sizes[:-1]):
        block: list[Layer] = [Linear(fan_in, fan_out, init=init, rng=rng, dtype=dtype)]
        if batchnorm:
            block.append(BatchNorm(fan_out, dtype=dtype))
        block.append(_activation(activation, fan_out, dtype))
        hidden = Residual(Sequential(*block)) if residual and fan_in == fan_out else Sequential(*block)
        layers.append(hidden)
        if dropout:
            layers.append(Dropout(dropout, rng=rng))
    layers.append(Linear(sizes[-2], sizes[-1], init=init, rng=rng, dtype=dtype))
    return Sequential(*layers)
