"""What isolation this machine offers: a working bubblewrap, and a way to bound processes.

Measured once per process (:func:`capabilities`), with a :class:`SandboxUnavailableWarning`
for every gap, so the instructor hears about a weaker sandbox before any student code runs.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass, field

from .bwrap import namespace_args
from .cgroups import cgroup_parent, remove_stale_cgroups
from .errors import SandboxUnavailableWarning

__all__ = ["Capabilities", "capabilities", "probe"]


@dataclass(frozen=True)
class Capabilities:
    """What isolation this machine offers."""

    bwrap: str | None  # path of a working bubblewrap, or None
    pids: str  # "cgroup-v2", "cgroup-v1", "rlimit" or "none"
    warnings: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        sandbox = f"bubblewrap ({self.bwrap})" if self.bwrap else "NONE (unsandboxed)"
        return f"sandbox: {sandbox}; process limit: {self.pids}"


@functools.cache
def capabilities() -> Capabilities:
    """This machine's capabilities, probed on the first call (with the ``bwrap`` found on PATH)."""
    return probe(shutil.which("bwrap"))


def probe(bwrap: str | None) -> Capabilities:
    """Try the bubblewrap at ``bwrap`` (None: not installed) and the ways to bound the number of
    processes, warning about each gap; stale cgroups of dead graders are removed on the way."""
    notes = []
    if bwrap is not None:
        try:
            trial = subprocess.run(
                [bwrap, *namespace_args(), "--ro-bind", "/", "/", "true"], capture_output=True, text=True
            )
            failure = trial.stderr.strip() if trial.returncode != 0 else None
        except OSError as error:
            failure = str(error)
        if failure is not None:
            notes.append(f"bubblewrap is installed but fails here: {failure}")
            bwrap = None
    else:
        notes.append("bubblewrap (bwrap) is not installed (Debian: apt-get install bubblewrap)")
    if bwrap is None:
        notes.append(
            "student code will run WITHOUT a sandbox: it can read the course folder, "
            "the gradebook and other students' work, and use the network"
        )
    pids = _pids_strategy()
    if pids.startswith("cgroup"):
        remove_stale_cgroups(cgroup_parent(pids))
    if pids == "none":
        notes.append(
            "no limit on the number of processes: no writable pids cgroup, and "
            "RLIMIT_NPROC does not bind root; a fork bomb is bounded only by the "
            "notebook's wall time"
        )
    for note in notes:
        warnings.warn(note, SandboxUnavailableWarning, stacklevel=3)
    return Capabilities(bwrap=bwrap, pids=pids, warnings=tuple(notes))


def _pids_strategy() -> str:
    if os.geteuid() == 0:
        if cgroup_parent("cgroup-v2") is not None:
            return "cgroup-v2"
        if cgroup_parent("cgroup-v1") is not None:
            return "cgroup-v1"
        return "none"
    return "rlimit"
