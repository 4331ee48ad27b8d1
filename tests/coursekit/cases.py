"""Submissions for the demo assignment (relu: 2 points, mse: 3 + 1), good and adversarial.

Each case says what the student's answer cells contain and the outcome grading must reach:
total score, status, and a phrase one of its flags must contain (None: no flag at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

from coursekit import demo

ANY_FLAG = "*"  # flagged or not, both correct (how a kernel breaks under a flood varies)
RELU = demo.CORRECT["relu"]
MSE = demo.CORRECT["mse"]
MSE_SUM = "def mse(pred, target):\n    return float(np.sum((pred - target) ** 2))"


@dataclass(frozen=True)
class Case:
    """One submission and the outcome it must get."""

    answers: dict | None  # grade_id -> code for the answer cells; None: see ``raw``
    score: float
    status: str | tuple[str, ...]  # the outcome, or the outcomes that are all correct
    flag: str | None  # a phrase some flag contains, None for "not flagged", or ANY_FLAG
    raw: bytes | None = None  # the file's bytes instead of a notebook (None and no answers: missing)
    edit: str | None = None  # "tamper", "delete" or "empty": how to change the test cells


# a student's own helper cell, full of lines that hidden tests contain too (the student's to see)
EVERYDAY_CELL = """\
import numpy as np


def running_total(x, cache=None):
    results = []
    N = len(x)
    D = x.shape[1]
    for i in range(N):
        if i < 0:
            continue
        else:
            results.append(D)
    try:
        out = sum(results)
    finally:
        pass
    return out, cache


def total(values):
    result = 0
    for value in values:
        result += value
    return result


print(running_total(np.ones((2, 3))), total([1, 2]))"""
EVERYDAY_LINES = [
    "else:",
    "finally:",
    "continue",
    "return result",
    "N = len(x)",
    "D = x.shape[1]",
    "return out, cache",
    "results = []",
]


def snoop_code(paths: list[str]) -> str:
    """Try to read each path and print what happened (the content must never appear)."""
    return (
        MSE
        + f"""
report = []
for path in {paths!r}:
    try:
        with open(path, "rb") as handle:
            report.append(f"READ {{path}} {{handle.read(200)}}")
    except OSError as error:
        report.append(f"DENIED {{path}} {{type(error).__name__}}")
try:
    open("/etc/coursekit-was-here", "w")
except OSError as error:
    report.append(f"WRITE DENIED {{type(error).__name__}}")
print("\\n".join(report))  # one write: one output message
"""
    )


def network_code(port: int) -> str:
    """Try the host's loopback listener and a public address; print what happened."""
    return (
        MSE
        + f"""
import socket
report = []
for address in [("127.0.0.1", {port}), ("151.101.0.223", 443), ("pypi.org", 443)]:
    try:
        socket.create_connection(address, timeout=2).close()
        report.append(f"CONNECTED {{address}}")
    except OSError as error:
        report.append(f"NO NETWORK {{address}} {{type(error).__name__}}")
print("\\n".join(report))  # one write: one output message
"""
    )


CASES = {
    "good": Case({"relu": RELU, "mse": MSE}, 6, "graded", None),
    "relu_only": Case({"relu": RELU}, 2, "graded", None),
    "mse_sum": Case({"relu": RELU, "mse": MSE_SUM}, 3, "graded", None),
    "tampered_tests": Case({"relu": RELU, "mse": MSE_SUM}, 3, "graded", "changed the locked cell", edit="tamper"),
    "deleted_tests": Case({"relu": RELU, "mse": MSE_SUM}, 3, "graded", "deleted the locked cell", edit="delete"),
    "numpy_patch": Case(
        {"relu": RELU, "mse": "def mse(pred, target):\n    return 0.0\n\nnp.isclose = lambda *args, **kwargs: True"},
        2,
        "graded",
        "numpy.isclose was replaced",
    ),
    "numpy_patch_obfuscated": Case(
        {
            "relu": RELU,
            "mse": "def mse(pred, target):\n    return 0.0\n\n"
            "setattr(__import__('nump' + 'y'), 'isclose', lambda *args, **kwargs: True)",
        },
        2,
        "graded",
        "numpy.isclose was replaced",
    ),
    # replacing isinstance breaks the kernel itself: it stops answering and is killed
    "builtins_patch": Case(
        {
            "relu": RELU,
            "mse": "def mse(pred, target):\n"
            "    return np.float32(np.mean((pred - target) ** 2))\n\n"
            "import builtins\nbuiltins.isinstance = lambda obj, cls: True",
        },
        2,
        "timed out",
        "assigns to builtins.isinstance",
    ),
    "error_display_patch": Case(
        {"relu": RELU, "mse": MSE_SUM + "\n\nget_ipython().showtraceback = lambda *a, **k: None"},
        2,
        "graded",
        "showtraceback was changed",
    ),
    "fake_numpy_alias": Case(
        {
            "relu": RELU,
            "mse": "class Agreeable:\n    def __getattr__(self, name):\n"
            "        return lambda *args, **kwargs: True\n\nnp = Agreeable()\n\n"
            "def mse(pred, target):\n    return 0.0",
        },
        2,
        "graded",
        "'np' (defined by a locked cell) was rebound",
    ),
    "hook_leak": Case(
        {
            "relu": RELU + "\n\nget_ipython().events.register('pre_run_cell', lambda info: print(info.raw_cell))",
            "mse": MSE,
        },
        0,
        "graded",
        "pre_run_cell callbacks was changed",
    ),
    "linecache_leak": Case(
        {
            "relu": RELU,
            "mse": MSE + "\n\nimport linecache\n"
            "for entry in list(linecache.cache.values()):\n    print(''.join(entry[2]))",
        },
        6,
        "graded",
        "imports linecache",
    ),
    "sys_exit": Case({"relu": RELU + "\n\nimport sys\nsys.exit(0)", "mse": MSE}, 6, "graded", "uses sys.exit"),
    "os_exit": Case({"relu": RELU, "mse": MSE + "\n\nimport os\nos._exit(1)"}, 2, "failed", "the kernel died"),
    "infinite_loop": Case({"relu": RELU, "mse": "while True:\n    pass"}, 2, "timed out", None),
    "stubborn_loop": Case(
        {
            "relu": RELU,
            "mse": "import time\nwhile True:\n    try:\n        time.sleep(1)\n"
            "    except KeyboardInterrupt:\n        pass",
        },
        2,
        "timed out",
        None,
    ),
    # the bomb stops at the pids limit (BlockingIOError) or runs past the time limit; either
    # way mse, defined after it, never exists
    "fork_bomb": Case(
        {"relu": RELU, "mse": "import os\nwhile True:\n    os.fork()\n\n" + MSE},
        2,
        ("graded", "timed out"),
        "uses os.fork",
    ),
    "memory_30gb": Case(
        {
            "relu": RELU,
            "mse": "def mse(pred, target):\n    hog = np.ones(30 * 2**30 // 8)\n"
            "    return float(np.mean((pred - target) ** 2))",
        },
        2,
        "graded",
        None,
    ),
    # the flood is interrupted past the output budget, or the kernel, too busy to answer, is
    # killed, or its output machinery fails under the memory limit and writes to stderr:
    # the mse tests score zero every time
    "print_1gb": Case(
        {
            "relu": RELU,
            "mse": "def mse(pred, target):\n    chunk = 'x' * 2**16\n"
            "    for _ in range(2**14):\n        print(chunk)\n"
            "    return float(np.mean((pred - target) ** 2))",
        },
        2,
        ("graded", "timed out"),
        ANY_FLAG,
    ),
    # a forgotten debug print past the output budget (but no flood): the output is cut, the grade is not
    "debug_print": Case(
        {
            "relu": RELU,
            "mse": "def mse(pred, target):\n    print('x' * 100_000)\n    return float(np.mean((pred - target) ** 2))",
        },
        6,
        "graded",
        None,
    ),
    "invalid_json": Case(None, 0, "failed", "not a valid notebook", raw=b"{this is not json"),
    "empty_file": Case(None, 0, "failed", "not a valid notebook", raw=b""),
    "missing_notebook": Case(None, 0, "failed", "missing notebook"),
    "empty_notebook": Case(None, 0, "graded", "empty notebook", edit="empty"),
    "snoop_files": Case(None, 6, "graded", None),  # answers: snoop_code(paths), set by the test
    "network": Case(None, 6, "graded", "imports socket"),  # answers: network_code(port)
}


def write_submission(course_root: Path, student: str, case: Case, answers: dict | None = None):
    """Put ``case`` (with ``answers`` overriding its own) in ``submitted/<student>/demo/``."""
    folder = course_root / "submitted" / student / demo.ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{demo.ASSIGNMENT}.ipynb"
    answers = answers if answers is not None else case.answers
    if case.raw is not None:
        path.write_bytes(case.raw)
        return
    if answers is None and case.edit is None:
        return  # the notebook is missing
    released = course_root / "exercises" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    nb = demo.submission(released, answers or {})
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("points")]
    if case.edit == "tamper":
        for cell in tests:
            cell.source = "pass"
    elif case.edit == "delete":
        nb.cells = [c for c in nb.cells if c not in tests]
    elif case.edit == "empty":
        nb.cells = []
    nbformat.write(nb, path)
