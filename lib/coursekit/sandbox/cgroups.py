"""A ``pids`` cgroup per sandbox: the bound on processes and threads that also binds root.

``RLIMIT_NPROC`` does not bind root, so a grader running as root puts each sandbox in a fresh
cgroup ``coursekit/sandbox-<grader pid>-<random>`` with ``pids.max`` set, under cgroup v2 (or the
v1 ``pids`` hierarchy). Another user does the same where the ``coursekit`` cgroup was delegated
to it, and otherwise falls back to ``RLIMIT_NPROC`` (:mod:`coursekit.sandbox.probe`). Closing
a cgroup kills whatever is left inside; cgroups whose grader died before it could clean up are
removed the next time a grader probes the machine (:func:`remove_stale_cgroups`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
import warnings
from pathlib import Path

import psutil

from .errors import SandboxError, SandboxUnavailableWarning

__all__ = ["PidsCgroup", "cgroup_parent", "remove_stale_cgroups", "usable"]

CGROUP_V1_PIDS = Path("/sys/fs/cgroup/pids")
CGROUP_V2 = Path("/sys/fs/cgroup")
CLOSE_SECONDS = 5.0  # how long closing a cgroup keeps killing stragglers before it gives up


def cgroup_parent(kind: str) -> Path | None:
    """A cgroup directory under which we may create per-sandbox pids cgroups, or None.

    ``kind`` is ``"cgroup-v2"`` or ``"cgroup-v1"``; whether this process may is :func:`usable`'s question.
    """
    if kind == "cgroup-v2":
        if "pids" not in _read(CGROUP_V2 / "cgroup.controllers").split():
            return None
        parent = CGROUP_V2 / "coursekit"
    else:
        if not (CGROUP_V1_PIDS / "cgroup.procs").exists():
            return None
        parent = CGROUP_V1_PIDS / "coursekit"
    try:
        parent.mkdir(exist_ok=True)
        if kind == "cgroup-v2":  # the controller must reach our cgroup, then its children
            if "pids" not in _read(parent / "cgroup.controllers").split():
                return None
            if "pids" not in _read(parent / "cgroup.subtree_control").split():
                (parent / "cgroup.subtree_control").write_text("+pids")
    except OSError:
        return None
    return parent


def usable(parent: Path) -> bool:
    """Whether this process can make a pids cgroup under ``parent`` and move a process into it
    (root can; another user only where the cgroup was delegated to it). Tried once, by the probe."""
    trial = parent / f"sandbox-{os.getpid()}-probe"
    try:
        trial.mkdir()
    except OSError:
        return False
    try:
        with subprocess.Popen(["/bin/sh", "-c", "read -r _"], stdin=subprocess.PIPE) as child:
            try:
                (trial / "pids.max").write_text("4")
                (trial / "cgroup.procs").write_text(str(child.pid))
                return True
            except OSError:
                return False
            finally:
                child.kill()
    finally:
        with contextlib.suppress(OSError):
            trial.rmdir()


def remove_stale_cgroups(parent: Path) -> None:
    """Remove the cgroups of sandboxes whose grader was killed before it could clean up."""
    for group in parent.glob("sandbox-*-*"):
        owner = int(group.name.split("-")[1])
        if not psutil.pid_exists(owner):
            _kill_members(group)
            with contextlib.suppress(OSError):
                group.rmdir()


class PidsCgroup:
    """A fresh pids cgroup for one sandbox, removed (after killing stragglers) on close."""

    def __init__(self, kind: str, max_procs: int):
        parent = cgroup_parent(kind)
        if parent is None:
            raise SandboxError(f"the {kind} pids controller disappeared")
        self.path = parent / f"sandbox-{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir()
        (self.path / "pids.max").write_text(str(max_procs))

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def close(self) -> None:
        deadline = time.monotonic() + CLOSE_SECONDS
        while True:
            _kill_members(self.path)
            try:
                self.path.rmdir()
                return
            except OSError:
                if time.monotonic() > deadline:
                    warnings.warn(f"could not remove cgroup {self.path}", SandboxUnavailableWarning, stacklevel=2)
                    return
                time.sleep(0.02)


def _kill_members(group: Path) -> None:
    for pid in _read(group / "cgroup.procs").split():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid), signal.SIGKILL)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""
