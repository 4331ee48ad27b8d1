"""``coursekit grade`` run by an ordinary user, as most instructors run it: bubblewrap without root,
processes bounded by ``RLIMIT_NPROC`` (or a delegated cgroup), nothing left running afterwards.

When the suite runs as root (CI, containers) the grader runs under ``setpriv`` as a user id
nobody uses, with no supplementary groups; as an ordinary user it simply runs as that user. Where
this interpreter is installed in a home other users cannot enter (pyenv in ``/root``), the grader
runs in a private mount namespace (``bwrap`` as root) in which that one installation is visible.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

from tests.coursekit.cases import CASES, write_submission
from tests.coursekit.helpers import LIMITS, totals

pytestmark = pytest.mark.slow

STUDENTS = ["good", "mse_sum", "fork_bomb", "infinite_loop"]


def _unused_uid() -> int:
    """A user id without an account or a process (spread by pid, so concurrent suites differ)."""
    in_use = {p.info["uids"].real for p in psutil.process_iter(["uids"]) if p.info["uids"]}
    for offset in range(1000):
        uid = 61000 + (os.getpid() + offset) % 1000
        try:
            pwd.getpwuid(uid)
        except KeyError:
            if uid not in in_use:
                return uid
    pytest.skip("no unused user id in 61000-61999")


@pytest.fixture(scope="module")
def ordinary_user():
    """``(command prefix, uid)`` running a command as an ordinary user."""
    if os.geteuid() != 0:
        return [], os.geteuid()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux) to become an ordinary user")
    uid = _unused_uid()
    prefix = [*_show_interpreter(), setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]
    # the grader starts more interpreters (Dask workers): the user must be able to, without root's capabilities
    spawn = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import coursekit.cli'], check=True)"
    check = subprocess.run([*prefix, sys.executable, "-c", spawn], capture_output=True, text=True)
    if check.returncode != 0:
        pytest.skip(f"user {uid} cannot run this interpreter and checkout: {check.stderr.strip()[-300:]}")
    return prefix, uid


def _show_interpreter() -> list[str]:
    """A ``bwrap`` prefix that makes this interpreter's installation reachable when a folder above it
    is closed to other users (``/root``, mode 0700): that folder becomes an empty tmpfs holding only
    the installation, read-only, in a mount namespace of the grader's own; nothing else changes."""
    installation = Path(os.path.realpath(sys.base_prefix))
    folders = [*reversed(installation.parents), installation]
    closed = next((folder for folder in folders if not os.stat(folder).st_mode & stat.S_IXOTH), None)
    if closed is None:
        return []
    bwrap = shutil.which("bwrap")
    if bwrap is None or closed == installation:
        pytest.skip(f"{installation} is closed to other users and bubblewrap cannot show it to them")
    args = [bwrap, "--die-with-parent", "--dev-bind", "/", "/", "--perms", "0755", "--tmpfs", str(closed)]
    for folder in folders[folders.index(closed) + 1 : -1]:
        args += ["--perms", "0755", "--dir", str(folder)]
    return [*args, "--ro-bind", str(installation), str(installation), "--"]


@pytest.fixture
def course(demo_template, ordinary_user):
    """A copy of the demo course with a few submissions, owned by the ordinary user."""
    _, uid = ordinary_user
    top = Path(tempfile.mkdtemp(prefix="coursekit-user-"))
    top.chmod(0o755)
    root = top / "course"
    shutil.copytree(demo_template, root)
    for student in STUDENTS:
        write_submission(root, student, CASES[student])
    (top / "home").mkdir()
    for path in [top, *top.rglob("*")]:
        os.lchown(path, uid, uid)
    yield root
    shutil.rmtree(top)


def test_an_ordinary_user_grades_in_the_sandbox(course, ordinary_user):
    prefix, uid = ordinary_user
    env = {**os.environ, "HOME": str(course.parent / "home"), "USER": "grader", "LOGNAME": "grader"}
    env.pop("XDG_RUNTIME_DIR", None)
    start = time.time()
    command = [sys.executable, "-m", "coursekit.cli", "--course", str(course), "grade", "demo", "--workers", "2"]
    result = subprocess.run(
        [*prefix, *command, *LIMITS],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    sandbox = result.stderr.splitlines()[0]
    assert sandbox.startswith("sandbox: bubblewrap ("), result.stderr
    # root's pids cgroup is not this user's (unless delegated to it): RLIMIT_NPROC bounds the fork bomb
    assert sandbox.endswith(("process limit: rlimit", "process limit: cgroup-v2", "process limit: cgroup-v1"))
    assert f"{len(STUDENTS)} graded now" in result.stdout
    assert totals(course) == {student: CASES[student].score for student in STUDENTS}
    assert os.stat(course / "gradebook.db").st_uid == uid  # written by the user, not by root
    deadline = time.monotonic() + 10
    while left := _started_since(start, uid):
        assert time.monotonic() < deadline, f"processes of user {uid} still running after grading: {left}"
        time.sleep(0.2)


def _started_since(start: float, uid: int) -> list[int]:
    """Processes of user ``uid`` started since ``start`` (the grader's workers, sandboxes, kernels)."""
    return [
        p.pid
        for p in psutil.process_iter(["uids", "create_time"])
        if p.info["uids"] and p.info["uids"].real == uid and (p.info["create_time"] or 0) >= start - 1
    ]
