"""Read notebook code without running it: what tests import and define, and what looks like tampering.

The static scan is a hint for a human, never a verdict: it flags a submission for review
(feedback is withheld until an instructor clears the flag) and leaves its scores alone.
The runtime guard (:mod:`coursekit.guard`) is what zeroes tests that ran on tampered code.
"""

from __future__ import annotations

import ast
import functools
import re

from IPython.core.inputtransformer2 import TransformerManager

__all__ = ["defined_names", "imported_modules", "module_aliases", "parse_cell", "suspicious_code"]

# module attributes whose use in a solution only makes sense to inspect or rig the grader
SUSPICIOUS_ATTRIBUTES = {
    "sys": {
        "_getframe",
        "settrace",
        "setprofile",
        "modules",
        "meta_path",
        "path_hooks",
        "addaudithook",
        "exit",
        "stdout",
        "stderr",
        "excepthook",
        "displayhook",
    },
    "os": {
        "_exit",
        "fork",
        "forkpty",
        "kill",
        "killpg",
        "system",
        "popen",
        "execv",
        "execve",
        "execl",
        "execvp",
        "spawnv",
        "spawnl",
        "posix_spawn",
        "abort",
    },
    "threading": {"settrace", "setprofile", "Thread", "Timer"},
}
SUSPICIOUS_MODULES = {
    "ctypes",
    "gc",
    "inspect",
    "linecache",
    "importlib",
    "builtins",
    "signal",
    "subprocess",
    "multiprocessing",
    "socket",
    "urllib",
    "http",
    "requests",
    "IPython",
    "ipykernel",
    "traceback",
    "atexit",
    "faulthandler",
    "marshal",
    "dis",
}
SUSPICIOUS_NAMES = {
    "get_ipython",
    "In",
    "Out",
    "_ih",
    "_oh",
    "_i",
    "_ii",
    "_iii",
    "__builtins__",
    "__import__",
    "exec",
    "eval",
    "compile",
    "globals",
    "setattr",
    "delattr",
    "breakpoint",
    "__loader__",
    "__spec__",
}
HISTORY_NAME = re.compile(r"^_i+\d*$|^_\d+$")
_transformer = TransformerManager()


@functools.lru_cache(maxsize=4096)
def _as_python(source: str) -> str:
    """The cell's code as IPython runs it (magics become calls). Cached: IPython's tokenizing transform is most of a
    scan's time, and every submission of an assignment shares its test cells."""
    return _transformer.transform_cell(source)


def parse_cell(source: str) -> ast.Module | None:
    """Parse a cell as IPython would run it (magics become calls); None on a syntax error."""
    try:
        return ast.parse(_as_python(source))
    except (SyntaxError, ValueError):
        return None


def imported_modules(source: str) -> list[str]:
    """Absolute module names imported anywhere in a cell, in order of appearance."""
    tree = parse_cell(source)
    modules = []
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
    return list(dict.fromkeys(modules))


def defined_names(source: str) -> set[str]:
    """Names a cell binds at top level with ``def``, ``class`` or ``import``.

    These are what later tests may rely on (helpers, the ``np`` alias); plain variables like
    ``x = ...`` are excluded because a solution reusing the name ``x`` is normal.
    """
    tree = parse_cell(source)
    names = set()
    for node in tree.body if tree else ():
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def suspicious_code(source: str, protected: set[str] = frozenset(), aliases: set[str] = frozenset()) -> list[str]:
    """Reasons to look at a student cell by hand, e.g. ``"assigns to np.allclose"``.

    Parameters
    ----------
    source : str
        The cell's code.
    protected : set of str
        Names the test cells define (see :func:`defined_names`): rebinding them is suspicious.
    aliases : set of str
        Names bound to modules anywhere in the notebook: assigning to their attributes is
        monkeypatching.
    """
    tree = parse_cell(source)
    if tree is None:
        return []
    aliases = set(aliases) | _aliases(tree)
    reasons = []
    for node in ast.walk(tree):
        reasons += _check_node(node, aliases)
    for node in tree.body:
        rebound = _rebound_names(node)
        for name in sorted(rebound & set(protected)):
            reasons.append(f"redefines {name!r}, which a read-only cell defines")
        for name in sorted(rebound & aliases - set(protected)):
            reasons.append(f"rebinds {name!r}, the name of an imported module")
    return list(dict.fromkeys(reasons))


def module_aliases(source: str) -> set[str]:
    """Names a cell binds to modules with ``import`` (``np`` for ``import numpy as np``)."""
    tree = parse_cell(source)
    return _aliases(tree) if tree else set()


def _aliases(tree: ast.Module) -> set[str]:
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return aliases


def _check_node(node: ast.AST, aliases: set[str]) -> list[str]:
    if isinstance(node, ast.Import | ast.ImportFrom):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        return [f"imports {name}" for name in names if name.split(".")[0] in SUSPICIOUS_MODULES]
    if isinstance(node, ast.Name) and (node.id in SUSPICIOUS_NAMES or HISTORY_NAME.match(node.id)):
        return [f"uses {node.id}"]
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        if node.attr in SUSPICIOUS_ATTRIBUTES.get(node.value.id, ()):
            return [f"uses {node.value.id}.{node.attr}"]
    targets = []
    if isinstance(node, ast.Assign | ast.Delete):
        targets = node.targets
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        targets = [node.target]
    return [
        f"assigns to {ast.unparse(target)}"
        for target in targets
        if isinstance(target, ast.Attribute) and _root_name(target) in aliases
    ]


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _target_names(target: ast.expr) -> set[str]:
    """Names an assignment target binds (``a, *b = ...`` binds a and b; ``a.x = ...`` none)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return {name for element in target.elts for name in _target_names(element)}
    return set()


def _rebound_names(node: ast.stmt) -> set[str]:
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Assign):
        return {name for target in node.targets for name in _target_names(target)}
    if isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    return set()
