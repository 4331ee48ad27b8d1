"""Explorables: a figure with knobs, live with a kernel and precomputed without one.

Each chapter's explorables live in a module beside this one (``dnnopt.widgets.gradients`` ...).
"""

from ._core import Explorable

__all__ = ["Explorable"]
