"""``coursekit grade`` run by an ordinary user, as most instructors run it: bubblewrap without root,
processes bounded by ``RLIMIT_NPROC`` (or a delegated cgroup), nothing left running afterwards.

When the suite runs as root (CI, containers) the grader runs under ``setpriv`` as a user id
nobody uses, with no supplementary groups; as an ordinary user it simply runs as that user. Where
this interpreter is installed in a home other users cannot enter (pyenv in ``/root``), the grader
runs in a private mount namespace (``bwrap`` as root) in which that one installation is visible.
"""

from __future__ import annotations

import json
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

from coursekit import cluster
from coursekit.sandbox import Capabilities
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
    assert sandbox.endswith(("process limit: rlimit", "rlimit-per-user", "process limit: cgroup-v2", "cgroup-v1"))
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


# student code for the test below: a bomb whose processes stay until its sandbox closes, and what any
# notebook may do (NumPy, Dask, a test helper start threads and processes)
HOLD = (
    "import os, time\nchildren = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
    "            time.sleep(600)\n            os._exit(0)\n        children += 1\n"
    "except BlockingIOError:\n    print(children)"
)
SPAWN = (
    "import subprocess, threading\nthread = threading.Thread(target=print, args=('thread ran',))\n"
    "thread.start()\nthread.join()\nprint('process ran' if subprocess.run(['true']).returncode == 0 else 'no')"
)
# run as the ordinary user: an innocent kernel starts, the bomb next to it takes all it may, then the innocent
# kernel runs SPAWN (a limit computed at its start from a count of the user's tasks would leave it none)
NEIGHBOURS = """
import json, sys, time
from coursekit.sandbox import SandboxedKernel, SandboxLimits, capabilities
from coursekit.session import KernelSession

def text(run):
    errors = [f"{o.ename}: {o.evalue}" for o in run.outputs if o.output_type == "error"]
    return "".join(o.get("text", "") for o in run.outputs) + "".join(errors)

hold, spawn = sys.argv[1:]
limits = SandboxLimits(memory_mb=1024, max_procs=32)
report = {"pids": capabilities().pids}
with SandboxedKernel(limits) as innocent, SandboxedKernel(limits) as bomb:
    deadline = time.monotonic() + 120
    report["bomb"] = text(KernelSession(bomb, limits, deadline).run(hold, timeout=30))
    report["innocent"] = text(KernelSession(innocent, limits, deadline).run(spawn, timeout=30))
print(json.dumps(report))
"""


def test_a_fork_bomb_leaves_the_sandbox_next_to_it_its_processes(ordinary_user):
    prefix, _ = ordinary_user
    command = [*prefix, sys.executable, "-c", NEIGHBOURS, HOLD, SPAWN]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    if report["pids"] == "rlimit-per-user":
        assert _linux() < (5, 14), "Linux 5.14+ counts RLIMIT_NPROC per user namespace: the probe should see it"
        pytest.skip("RLIMIT_NPROC counts all of the user's tasks here: sandboxes are graded one at a time")
    assert 0 < int(report["bomb"]) < 32, report  # the bomb is bounded by its own sandbox's limit
    assert report["innocent"] == "thread ran\nprocess ran\n", report


def _linux() -> tuple[int, int]:
    major, minor = os.uname().release.split(".")[:2]
    return int(major), int(minor)


def test_where_sandboxes_would_share_one_process_count_they_run_one_at_a_time(monkeypatch):
    shared = Capabilities(bwrap="bwrap", pids="rlimit-per-user")  # what the probe finds on Linux before 5.14
    monkeypatch.setattr(cluster, "_sandbox", lambda: shared)
    with cluster.connect(None, 2) as client:
        assert list(client.nthreads().values()) == [1]
