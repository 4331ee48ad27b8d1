"""Every explorable the book shows, found by convention: in each chapter module's ``__all__``, the functions that
take no required argument return an ``Explorable``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

from ._core import Explorable

__all__ = ["explorable_factories"]


def _takes_no_required_argument(function: Callable) -> bool:
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        for p in inspect.signature(function).parameters.values()
    )


def explorable_factories() -> dict[str, Callable[[], Explorable]]:
    """``{"<module>.<function>": factory}`` for every chapter module of ``dnnopt.widgets``."""
    from dnnopt import widgets

    factories = {}
    for module_info in pkgutil.iter_modules(widgets.__path__):
        if module_info.name.startswith("_") or module_info.name in {"catalog", "bench"}:
            continue
        module = importlib.import_module(f"dnnopt.widgets.{module_info.name}")
        for name in getattr(module, "__all__", []):
            function = getattr(module, name)
            if callable(function) and _takes_no_required_argument(function):
                factories[f"{module_info.name}.{name}"] = function
    return factories
