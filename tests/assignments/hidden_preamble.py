# Grading helpers, hidden from students. Every solution notebook's first test cell opens with this exact text as a
# hidden-tests block (tests/assignments/test_assignments.py checks the copies; see tests/assignments/README.md).
# Every name the hidden tests define starts with _ck_: a student's own helper (say `_sigmoid`) can never rebind one,
# which coursekit's integrity guard would report as tampering.
import sys as _ck_sys
import types as _ck_types

import numpy as _ck_np

import dnnopt.functional
import dnnopt.init
import dnnopt.optim
from dnnopt.gradcheck import numerical_gradient as _ck_numerical_gradient
from dnnopt.gradcheck import rel_error as _ck_rel_error

_ck_REFERENCE = (dnnopt.functional, dnnopt.init, dnnopt.optim, _ck_numerical_gradient, _ck_rel_error)  # for the tests
_ck_LIBRARIES = ("dnnopt", "torch", "tensorflow", "jax", "keras", "scipy", "sklearn", "autograd")


def _ck_borrowed(func, seen):
    """Names in func (and in the notebook functions it calls) that resolve to another library's code."""
    if func in seen:
        return []
    seen.add(func)
    found, codes = [], [func.__code__]
    closure = {n: c.cell_contents for n, c in zip(func.__code__.co_freevars, func.__closure__ or (), strict=True)}
    while codes:
        code = codes.pop()
        codes += [const for const in code.co_consts if isinstance(const, _ck_types.CodeType)]
        for name in (*code.co_names, *code.co_freevars):
            value = closure[name] if name in closure else func.__globals__.get(name)
            origin = value.__name__ if isinstance(value, _ck_types.ModuleType) else getattr(value, "__module__", "")
            if name in _ck_LIBRARIES or str(origin).split(".")[0] in _ck_LIBRARIES:
                found.append(f"{name} ({origin or name})")
            elif isinstance(value, _ck_types.FunctionType) and value.__module__ == "__main__":
                found += _ck_borrowed(value, seen)
    return found


def _ck_own(func):
    """``func`` checked to be the student's own work: defined in this notebook with numpy, no library's version.

    While the returned wrapper runs, dnnopt's function of the same name raises.
    """
    name = getattr(func, "__name__", repr(func))
    assert isinstance(func, _ck_types.FunctionType) and func.__module__ == "__main__", (
        f"{name} is {getattr(func, '__module__', '?')}.{name}, not a function you wrote in this notebook: "
        "calling a library's implementation earns no points"
    )
    borrowed = _ck_borrowed(func, set())
    assert not borrowed, (
        f"{name} uses {', '.join(sorted(set(borrowed)))}: write it yourself with numpy; "
        "calling a library's implementation earns no points"
    )
    namesakes = [
        m
        for m in list(_ck_sys.modules.values())
        if getattr(m, "__name__", "").startswith("dnnopt") and callable(getattr(m, name, None))
    ]

    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} called dnnopt's {name}: calling a library's implementation earns no points")

    def run(*args, **kwargs):
        originals = [getattr(module, name) for module in namesakes]
        for module in namesakes:
            setattr(module, name, refuse)
        try:
            return func(*args, **kwargs)
        finally:
            for module, original in zip(namesakes, originals, strict=True):
                setattr(module, name, original)

    return run


def _ck_check_close(what, got, want, *, hint, bugs=(), rtol=1e-6, atol=1e-12):
    """Assert ``got`` matches ``want``. Otherwise name the first bug in ``bugs`` (pairs ``(explanation, typical wrong
    value)``) whose typical value ``got`` matches, or report the largest difference followed by ``hint``, which says
    what the likely bug is when none of ``bugs`` matches (so no failure is just a pair of numbers)."""
    got = _ck_np.asarray(got)
    assert got.shape == _ck_np.shape(want), f"{what} has shape {got.shape}, expected {_ck_np.shape(want)}. {hint}"
    if _ck_np.allclose(got, want, rtol=rtol, atol=atol):
        return
    for explanation, typical in bugs:
        if _ck_np.shape(typical) == got.shape and _ck_np.allclose(got, typical, rtol=1e-4, atol=1e-9):
            raise AssertionError(f"{what} is wrong; likely bug: {explanation}")
    largest = _ck_np.unravel_index(_ck_np.argmax(_ck_np.abs(got - want)), got.shape)
    worst = tuple(int(i) for i in largest) if got.ndim else ()
    raise AssertionError(
        f"{what} is wrong: at index {worst} got {_ck_plain(got[worst])!r}, expected "
        f"{_ck_plain(_ck_np.asarray(want)[worst])!r}. {hint}"
    )


def _ck_plain(value):
    """``value`` for a message: numpy scalars and arrays (also inside tuples and lists) as plain Python numbers and
    lists, so students read ``11`` and ``0.5``, not ``np.int64(11)`` and ``np.float64(0.5)``."""
    if isinstance(value, tuple | list):
        return type(value)(_ck_plain(item) for item in value)
    return value.tolist() if isinstance(value, _ck_np.generic | _ck_np.ndarray) else value


def _ck_global_random_untouched(call):
    """Run ``call()``; fail if it drew from numpy's global random state instead of the rng it was given."""
    before = _ck_np.random.get_state()[1].copy()  # noqa: NPY002 (watching the legacy state)
    result = call()
    assert _ck_np.array_equal(before, _ck_np.random.get_state()[1]), (  # noqa: NPY002
        "your function used numpy's global random state (np.random.normal, np.random.rand, ...): "
        "draw from the rng argument instead, so results are reproducible"
    )
    return result
