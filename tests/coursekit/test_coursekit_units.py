"""Fast checks of coursekit's pieces that need no kernel: scanning, the guard's report parsing,
task keys, limits and mounts, and the command's error messages (feedback's: test_feedback_units.py)."""

from __future__ import annotations

import re

import pytest

from coursekit import cli, demo
from coursekit.course import Course, CourseError
from coursekit.grading import GradingTask
from coursekit.guard import REPORT_PREFIX, Guard
from coursekit.sandbox import SandboxError, SandboxLimits
from coursekit.sandbox.bwrap import bwrap_command, python_paths
from coursekit.scan import defined_names, imported_modules, suspicious_code


# -- static scan ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("np.allclose = lambda *a, **k: True", "assigns to np.allclose"),
        ("np.testing.assert_allclose = print", "assigns to np.testing.assert_allclose"),
        ("setattr(np, 'isclose', None)", "uses setattr"),
        ("__import__('numpy').isclose = None", "uses __import__"),
        ("get_ipython().events.register('pre_run_cell', print)", "uses get_ipython"),
        ("print(In[3])", "uses In"),
        ("print(_i2)", "uses _i2"),
        ("import linecache", "imports linecache"),
        ("from inspect import stack", "imports inspect"),
        ("import sys\nsys.exit(0)", "uses sys.exit"),
        ("import os\nos._exit(1)", "uses os._exit"),
        ("%time x = 1\nimport socket", "imports socket"),  # magics are parsed as IPython runs them
    ],
)
def test_scan_flags_tampering(code, reason):
    assert reason in suspicious_code(code, aliases={"np"})


def test_scan_leaves_ordinary_solutions_alone():
    code = """
import numpy as np

def relu(x):
    out = np.maximum(x, 0.0)
    out.shape = x.shape
    rng = np.random.default_rng(0)
    return out * (rng.random(x.shape) >= 0)
"""
    assert suspicious_code(code, protected={"np", "check"}, aliases={"np"}) == []


def test_scan_flags_rebinding_what_locked_cells_define():
    assert suspicious_code("np = object()", protected={"np"}) == ["redefines 'np', which a read-only cell defines"]
    assert suspicious_code("import numpy as np", protected={"np"}) == []  # the same module
    assert suspicious_code("np = FakeNumpy()", aliases={"np"}) == ["rebinds 'np', the name of an imported module"]


def test_defined_and_imported_names():
    cell = "import numpy as np\nfrom dnnopt import functional as F\nx = 1\ndef _check():\n    pass"
    assert defined_names(cell) == {"np", "F", "_check"}
    assert imported_modules(cell) == ["numpy", "dnnopt"]
    assert defined_names("def broken(:") == set()


# -- guard reports ----------------------------------------------------------------------------
def test_guard_report_must_be_single_and_carry_the_token():
    code, token = Guard(["numpy"]).check_code({"np"})
    assert token in code and "record(['np'])" in code
    report = f"{REPORT_PREFIX}\t{token}\tnumpy.isclose was replaced\n"
    assert Guard.problems("noise\n" + report, token) == ["numpy.isclose was replaced"]
    assert Guard.problems(f"{REPORT_PREFIX}\t{token}\n", token) == []
    stale = f"{REPORT_PREFIX}\t{'0' * 32}\tflushed late\n"
    assert Guard.problems(stale + report, token) == ["numpy.isclose was replaced"]
    forged = f"{REPORT_PREFIX}\t{token}\n" + report
    for stdout in ("", forged, stale):
        assert Guard.problems(stdout, token) == ["the integrity check's report was missing or forged"]


# -- tasks, limits, mounts --------------------------------------------------------------------
def test_task_key_follows_every_input():
    source = {"nb": b"source"}
    task = GradingTask("a", "s", {"nb": b"answer"}, source)
    assert task.key() == GradingTask("a", "s", {"nb": b"answer"}, source).key()
    for other in (
        GradingTask("a", "s", {"nb": b"other"}, source),
        GradingTask("a", "s", {"nb": None}, source),
        GradingTask("a", "s", {"nb": b"answer"}, {"nb": b"fixed test"}),
        GradingTask("a", "s", {"nb": b"answer"}, source, SandboxLimits(cell_timeout=5)),
    ):
        assert other.key() != task.key()


def test_limits_reject_nonsense_by_name():
    with pytest.raises(ValueError, match="cell_timeout must be positive"):
        SandboxLimits(cell_timeout=0)
    with pytest.raises(ValueError, match="memory_mb must be positive"):
        SandboxLimits(memory_mb=-1)


def _bwrap_command(limits: SandboxLimits) -> list[str]:
    return bwrap_command("bwrap", limits, files={"/home/student/data.csv": 7}, info_fd=9, command=["python", "-V"])


def _mounted(command: list[str]) -> list[str]:
    """The host paths a bwrap command line mounts (``--ro-bind SOURCE DEST`` and friends)."""
    return [command[i + 1] for i, arg in enumerate(command) if arg in ("--ro-bind", "--bind", "--ro-bind-try")]


def test_no_mount_may_expose_the_course(tmp_path):
    python = python_paths()[0]  # a directory the kernel's Python needs, so it is mounted
    solutions = f"{python}/course/solutions"
    with pytest.raises(
        SandboxError, match=rf"refusing to mount {re.escape(python)} .* contains {re.escape(solutions)}"
    ):
        _bwrap_command(SandboxLimits(protect=(solutions,)))
    beside = str(tmp_path / "course" / "solutions")  # a course beside the Python installation is fine
    command = _bwrap_command(SandboxLimits(protect=(beside,)))
    assert set(python_paths()) <= set(_mounted(command))
    assert not any(beside.startswith(path.rstrip("/") + "/") for path in _mounted(command))


def test_bwrap_command_isolates_and_runs_the_kernel_last():
    command = _bwrap_command(SandboxLimits(scratch_mb=8))
    assert command[0] == "bwrap" and command[-3:] == ["--", "python", "-V"]
    for option in ("--unshare-all", "--disable-userns", "--die-with-parent", "--clearenv"):
        assert option in command
    assert command[command.index("--cap-drop") + 1] == "ALL"
    assert ["--file", "7", "/home/student/data.csv"] == command[command.index("--file") : command.index("--file") + 3]
    assert ["--size", str(8 << 20), "--tmpfs", "/tmp"] == command[command.index("/tmp") - 3 : command.index("/tmp") + 1]


# -- the command ------------------------------------------------------------------------------
def test_command_explains_a_missing_course(tmp_path, capsys):
    assert cli.main(["--course", str(tmp_path), "export"]) == 2
    assert "no nbgrader_config.py in" in capsys.readouterr().err
    with pytest.raises(CourseError, match=r"no nbgrader_config\.py"):
        Course.load(tmp_path)


def test_command_rejects_bad_worker_counts(tmp_path, capsys):
    demo.create_course(tmp_path)
    assert cli.main(["--course", str(tmp_path), "grade", "demo", "--workers", "0"]) == 2
    assert "--workers must be at least 1" in capsys.readouterr().err


def test_grading_an_unreleased_assignment_says_what_to_do(tmp_path, capsys):
    demo.create_course(tmp_path)
    assert cli.main(["--course", str(tmp_path), "grade", "demo", "--workers", "1"]) == 2
    assert "run `coursekit release ASSIGNMENT` first" in capsys.readouterr().err
    assert not (tmp_path / "gradebook.db").exists()  # no empty gradebook left behind
