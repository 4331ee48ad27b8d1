"""The bounds an instructor sets on one notebook's execution (what ``coursekit grade --timeout ...`` fills in).

Standard library only: ``coursekit --help`` shows these defaults in a plain ``pip install -e .``, where the
course extra (nbgrader, Dask) is not installed. :mod:`coursekit.sandbox` enforces them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SandboxLimits"]


@dataclass(frozen=True)
class SandboxLimits:
    """Bounds on one notebook's execution; sizes in the units their names say."""

    cell_timeout: float = 30.0  # wall seconds for one cell before it is interrupted
    notebook_timeout: float = 300.0  # wall seconds for the whole notebook, kernel start included
    memory_mb: int = 2048  # address space of each process in the sandbox (RLIMIT_AS)
    output_kb: int = 4096  # outputs kept per notebook; beyond it the cell is interrupted
    max_procs: int = 64  # processes and threads in the sandbox (pids cgroup)
    scratch_mb: int = 64  # size of the writable home and of /tmp (each a tmpfs)
    protect: tuple[str, ...] = ()  # host paths that must never be visible in the sandbox
    # without a working bubblewrap, run student code anyway, with the grader's permissions: the instructor's
    # explicit choice (``coursekit grade --unsandboxed``); otherwise grading refuses to start
    unsandboxed: bool = False
    # deprecated, no effect: the sandbox is always required unless ``unsandboxed``; kept so code that sets it
    # still runs and grading keys (which include it) computed before stay valid
    require_sandbox: bool = False

    def __post_init__(self):
        for name in ("cell_timeout", "notebook_timeout", "memory_mb", "output_kb", "max_procs", "scratch_mb"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SandboxLimits.{name} must be positive, got {getattr(self, name)!r}")
