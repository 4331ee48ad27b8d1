"""dnnopt: a small, correct numpy deep-learning library for teaching optimization in deep networks.

Modules: ``init`` (initializers), ``functional`` (pure forward/backward kernels), ``layers`` (classes over them),
``models`` (ready-made MLPs), ``optim`` (SGD, Adam, clipping), ``train`` (fit, evaluate, probe),
``gradcheck`` (central differences), ``data`` (datasets that ship with the package).
"""

from importlib.metadata import version

from . import data, functional, gradcheck, init, layers, models, optim, train

__all__ = ["data", "functional", "gradcheck", "init", "layers", "models", "optim", "train"]
__version__ = version("dnnopt-book")  # the one place it is written is pyproject.toml
