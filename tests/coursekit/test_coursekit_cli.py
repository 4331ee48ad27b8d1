"""The ``coursekit`` command where the course extra is not installed (a plain ``pip install -e .``).

The command runs in a fresh interpreter without site-packages (``python -I -S``, this checkout's
``lib/`` alone on ``sys.path``), so nbgrader, Dask, psutil, even numpy cannot be imported: help
must still work, and every command must end with one sentence naming the install command.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import coursekit

LIB = Path(coursekit.__file__).resolve().parents[1]
# the console script `coursekit` runs exactly this: coursekit.cli:main
ENTRY_POINT = f"import sys; sys.path.insert(0, {str(LIB)!r}); from coursekit.cli import main; sys.exit(main())"
INSTALL = (
    "install them with pip install -e '.[course]' (in a clone of the repository) or pip install 'dnnopt-book[course]'."
)


def coursekit_without_extra(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-I", "-S", "-c", ENTRY_POINT, *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_nothing_but_the_standard_library_is_importable_there(tmp_path):
    probe = "import importlib.util as u; print([m for m in ('numpy', 'nbgrader', 'dask') if u.find_spec(m)])"
    result = subprocess.run([sys.executable, "-I", "-S", "-c", probe], capture_output=True, text=True, cwd=tmp_path)
    assert result.stdout == "[]\n", result.stderr


@pytest.mark.parametrize("args", [["--help"], ["grade", "--help"]])
def test_help_works_without_the_course_extra(args, tmp_path):
    result = coursekit_without_extra(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: coursekit" in result.stdout and result.stderr == ""
    expected = "release,grade,feedback,export" if args == ["--help"] else "--notebook-timeout NOTEBOOK_TIMEOUT"
    assert expected in result.stdout


@pytest.mark.parametrize(
    "args", [["grade", "demo", "--workers", "2"], ["release", "demo"], ["feedback", "demo"], ["export"]]
)
def test_a_command_without_the_course_extra_says_how_to_install_it(args, tmp_path):
    result = coursekit_without_extra(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"coursekit: error: `coursekit {args[0]}` needs the course tools, and nbgrader, dask, distributed, psutil "
        f"are not installed: {INSTALL}"
    ]
