"""What isolation this machine offers: a working bubblewrap, and a way to bound processes.

Measured once per process (:func:`capabilities`), with a :class:`SandboxUnavailableWarning`
for every gap, so the instructor hears about a weaker sandbox before any student code runs.
When bubblewrap is missing or fails, :attr:`Capabilities.missing` says why in one sentence with
the fix: not installed, unprivileged user namespaces blocked by AppArmor (Ubuntu 24.04's
default) or disabled by a sysctl, or another error. Student code then runs only where the
instructor asked for it explicitly (:attr:`SandboxLimits.unsandboxed`).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from .bwrap import namespace_args, with_task_limit
from .cgroups import cgroup_parent, remove_stale_cgroups, usable
from .errors import SandboxUnavailableWarning

__all__ = ["Capabilities", "capabilities", "explain_bwrap_failure", "probe"]

SYSCTL = Path("/proc/sys")
INSTALL = "install it with `apt-get install bubblewrap` (Debian, Ubuntu; `dnf install bubblewrap` on Fedora)"


@dataclass(frozen=True)
class Capabilities:
    """What isolation this machine offers."""

    bwrap: str | None  # path of a working bubblewrap, or None
    pids: str  # "cgroup-v2", "cgroup-v1", "rlimit", "rlimit-per-user" or "none"
    warnings: tuple[str, ...] = field(default=())
    missing: str = ""  # why there is no sandbox, with the fix, in one sentence ("" when bwrap works)

    def describe(self) -> str:
        sandbox = f"bubblewrap ({self.bwrap})" if self.bwrap else "NONE"
        return f"sandbox: {sandbox}; process limit: {self.pids}"


@functools.cache
def capabilities() -> Capabilities:
    """This machine's capabilities, probed on the first call (with the ``bwrap`` found on PATH)."""
    return probe(shutil.which("bwrap"))


def probe(bwrap: str | None, sysctl: Path = SYSCTL) -> Capabilities:
    """Try the bubblewrap at ``bwrap`` (None: not installed) and the ways to bound the number of
    processes, warning about each gap; stale cgroups of dead graders are removed on the way.
    ``sysctl`` is where the kernel's settings are read to explain a failing bubblewrap."""
    missing = ""
    if bwrap is None:
        missing = f"bubblewrap (bwrap) is not installed, so student code cannot be sandboxed: {INSTALL}"
    else:
        try:
            trial = subprocess.run(
                [bwrap, *namespace_args(), "--ro-bind", "/", "/", "true"], capture_output=True, text=True
            )
            failure = trial.stderr.strip() if trial.returncode != 0 else None
        except OSError as error:
            failure = str(error)
        if failure is not None:
            missing = explain_bwrap_failure(failure, sysctl, root=os.geteuid() == 0)
            bwrap = None
    notes = [missing] if missing else []
    pids = _pids_strategy(bwrap)
    if pids.startswith("cgroup"):
        remove_stale_cgroups(cgroup_parent(pids))
    if pids == "none":
        notes.append(
            "no limit on the number of processes: no writable pids cgroup, and "
            "RLIMIT_NPROC does not bind root; a fork bomb is bounded only by the "
            "notebook's wall time"
        )
    if pids == "rlimit-per-user":
        notes.append(
            "RLIMIT_NPROC counts all of this user's processes together here (Linux before 5.14, or no "
            "bubblewrap), so sandboxes side by side would share one process limit: local grading runs one "
            "submission at a time; to grade in parallel, grade as root (a pids cgroup per sandbox) or on Linux 5.14+"
        )
    for note in notes:
        warnings.warn(note, SandboxUnavailableWarning, stacklevel=3)
    return Capabilities(bwrap=bwrap, pids=pids, warnings=tuple(notes), missing=missing)


def explain_bwrap_failure(stderr: str, sysctl: Path = SYSCTL, *, root: bool = False) -> str:
    """One sentence: why an installed bubblewrap cannot make a sandbox here, and the fix.

    Parameters
    ----------
    stderr : str
        What bwrap printed when it failed.
    sysctl : Path
        The kernel's settings (``/proc/sys``), read to tell the causes apart.
    root : bool
        Whether the grader runs as root (whom AppArmor's restriction does not bind).
    """
    first = stderr.strip().splitlines()[0] if stderr.strip() else "no message"
    if not root and _sysctl(sysctl, "kernel/apparmor_restrict_unprivileged_userns") == "1":
        return (
            f"bubblewrap cannot create its user namespace ({first}) because AppArmor restricts unprivileged "
            "user namespaces here (kernel.apparmor_restrict_unprivileged_userns=1, Ubuntu 24.04's default): "
            "allow them with `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or load an "
            "AppArmor profile for /usr/bin/bwrap that grants `userns` (see the instructor guide)"
        )
    if _sysctl(sysctl, "user/max_user_namespaces") == "0":
        return (
            f"bubblewrap cannot create its user namespace ({first}) because user namespaces are disabled "
            "(user.max_user_namespaces=0): enable them with `sudo sysctl -w user.max_user_namespaces=10000`"
        )
    if not root and _sysctl(sysctl, "kernel/unprivileged_userns_clone") == "0":
        return (
            f"bubblewrap cannot create its user namespace ({first}) because unprivileged user namespaces "
            "are disabled (kernel.unprivileged_userns_clone=0): enable them with "
            "`sudo sysctl -w kernel.unprivileged_userns_clone=1`"
        )
    return (
        f"bubblewrap is installed but cannot create a sandbox here ({first}): in a container, allow it "
        "user namespaces (Docker: --security-opt seccomp=unconfined) or grade on the host"
    )


def _sysctl(root: Path, name: str) -> str | None:
    try:
        return (root / name).read_text().strip()
    except OSError:
        return None


def _pids_strategy(bwrap: str | None) -> str:
    """A pids cgroup we can create sandboxes in (root, or a user the cgroup was delegated to);
    else RLIMIT_NPROC, which binds every user but root: "rlimit" where each sandbox gets a count
    of its own, "rlimit-per-user" where the user's sandboxes would all share one."""
    for kind in ("cgroup-v2", "cgroup-v1"):
        parent = cgroup_parent(kind)
        if parent is not None and usable(parent):
            return kind
    if os.geteuid() == 0:
        return "none"
    return "rlimit" if bwrap is not None and _nproc_per_sandbox(bwrap) else "rlimit-per-user"


def _nproc_per_sandbox(bwrap: str) -> bool:
    """Whether RLIMIT_NPROC set inside a sandbox counts that sandbox's tasks alone (Linux 5.14+).

    With a limit of 3, bubblewrap's init, the interpreter and one child fit where the count is the
    sandbox's own; where it is the user's, this process and bubblewrap's outer process count too.
    """
    fork = "import os\nif os.fork() == 0:\n    os._exit(0)\nos.wait()"
    command = with_task_limit(3, [sys.executable, "-I", "-S", "-c", fork])
    trial = subprocess.run([bwrap, *namespace_args(), "--ro-bind", "/", "/", *command], capture_output=True)
    return trial.returncode == 0
