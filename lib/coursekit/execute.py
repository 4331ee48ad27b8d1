"""Execute a notebook in a sandboxed kernel, one cell at a time, within time and output limits.

The grader (outside the sandbox) holds the notebook and sends the kernel one cell's code at a
time, so no cell reaches the sandbox before its turn and the notebook file never does. Test
cells run with ``store_history=False`` (they never enter ``In``/``_ih``), inside a pair of
integrity checks (:mod:`coursekit.guard`). Whatever goes wrong ends as an error output in the
cell it hit, so nbgrader's usual rule (an error scores zero) gives the right grade:

==================  ======================================================================
``CellTimeoutError``  the cell ran past its time limit and was interrupted (or killed)
``OutputLimitError``  the notebook's outputs passed their budget; the cell was interrupted
``DeadKernelError``   the kernel died (``os._exit``, a crash, the memory limit)
``IntegrityError``    the guard found library or kernel objects replaced around a test
``NotRunError``       a test cell not executed because an earlier problem stopped the run
==================  ======================================================================

Why not nbclient: nbclient (what nbconvert and nbgrader execute notebooks with) is the obvious
tool, and this module, :mod:`coursekit.session` and :mod:`coursekit.sandbox.kernel` speak the
Jupyter protocol over ZeroMQ themselves only because nbclient cannot do what untrusted code
needs: an **output budget that interrupts** the cell passing it (nbclient keeps every output in
memory, and nbgrader's ``LimitOutput`` trims them only after the run); **detecting one oversized
message** (our ZeroMQ context caps message size and a socket monitor sees the dropped
connection; nbclient would receive the gigabyte); **kill escalation** (a kernel that ignores
the interrupt for ``session.GRACE`` seconds is killed; nbclient interrupts, then waits on);
and **kernels inside bubblewrap over ``ipc`` sockets**, reached through ``/proc/<pid>/root``
with resource limits set before the kernel starts (nbclient starts its kernel through a
``KernelManager`` on local TCP ports, which a kernel in an empty network namespace cannot
serve). Simplifying this to nbclient gives those up; the adversarial cases in
``tests/coursekit/cases.py`` (``print_1gb``, ``stubborn_loop``, ``builtins_patch``) exercise them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import nbformat
from nbgrader import utils as nbgrader_utils

from .guard import Guard
from .limits import SandboxLimits
from .sandbox import SandboxedKernel, SandboxError
from .scan import defined_names, imported_modules
from .session import CodeRun, KernelSession

__all__ = ["Execution", "execute_notebook", "is_test_cell"]

GUARD_TIMEOUT = 20.0  # seconds for installing or running the integrity check
ALWAYS_WATCHED = ["numpy", "numpy.testing", "numpy.linalg", "numpy.random", "math"]
UNWATCHED = {"sys"}  # IPython rebinds sys's hooks each cell; the guard checks them by itself


@dataclass
class Execution:
    """How a notebook's execution went; the outputs themselves are written into the cells."""

    status: str = "completed"  # "completed", "timed out" or "failed"
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # the sandbox failed: not the submission's doing


def is_test_cell(cell) -> bool:
    """An nbgrader autograder-test cell: graded, code, and not a student's answer."""
    return cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _stdout(run: CodeRun) -> str:
    return "".join(o.text for o in run.outputs if o.output_type == "stream" and o.name == "stdout")


def execute_notebook(nb, limits: SandboxLimits, files: dict[str, bytes] | None = None) -> Execution:
    """Run every code cell of ``nb`` in a fresh sandboxed kernel, filling in outputs in place.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A sanitized nbgrader notebook (tests restored from the source, hidden ones included).
    limits : SandboxLimits
        Time, memory, process and output bounds.
    files : dict of str to bytes, optional
        Extra files for the kernel's working directory.

    Returns
    -------
    Execution
        Status (completed, timed out, failed), flags for review, and wall time.
    """
    start = time.monotonic()
    execution = Execution()
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in cells:
        cell.outputs, cell.execution_count = [], None
    tests = [cell for cell in cells if is_test_cell(cell)]
    modules = ALWAYS_WATCHED + [
        m for cell in tests for m in imported_modules(cell.source) if m.split(".")[0] not in UNWATCHED
    ]
    guard = Guard(modules=list(dict.fromkeys(modules)))
    stop_reason, reached = None, []  # why the run stopped early; the cells sent to the kernel
    try:
        with SandboxedKernel(limits, files) as kernel:
            session = KernelSession(kernel, limits, deadline=start + limits.notebook_timeout)
            try:
                stop_reason = _install_guard(session, guard, execution)
                for cell in cells:
                    if stop_reason is not None:
                        break
                    reached.append(cell)
                    stop_reason = _run_cell(session, guard, cell, execution)
            finally:
                session.close()
    except (SandboxError, RuntimeError, OSError) as error:  # the sandbox, not the student
        execution.status, execution.error = "failed", f"the sandbox failed: {error}"
        execution.flags.append(execution.error)
        stop_reason = "the sandbox failed"
    for cell in tests:
        if not any(cell is other for other in reached):
            cell.outputs = [_error("NotRunError", f"this test was not run: {stop_reason}")]
    execution.seconds = time.monotonic() - start
    return execution


def _install_guard(session: KernelSession, guard: Guard, execution: Execution) -> str | None:
    run = session.run(guard.install_code(), timeout=GUARD_TIMEOUT, store_history=False, budgeted=False)
    errors = [o for o in run.outputs if o.output_type == "error"]
    if run.status != "ok" or errors:
        detail = f"{errors[0].ename}: {errors[0].evalue}" if errors else run.status
        execution.status = "failed"
        execution.flags.append(f"the integrity guard could not be installed ({detail})")
        return "the integrity guard could not be installed"
    return None


def _check(session: KernelSession, guard: Guard, record: set[str] = frozenset()) -> list[str]:
    code, token = guard.check_code(record)
    run = session.run(code, timeout=GUARD_TIMEOUT, store_history=False, budgeted=False)
    return guard.problems(_stdout(run), token)


def _run_cell(session: KernelSession, guard: Guard, cell, execution: Execution) -> str | None:
    """Run one cell, writing its outputs; return why the run must stop, or None.

    A test cell runs between two integrity checks; after any locked cell (tests, read-only
    setup like ``import numpy as np``) the guard records the names it defined, so a later
    student cell cannot swap them for fakes.
    """
    limits = session.limits
    is_test, locked = is_test_cell(cell), nbgrader_utils.is_locked(cell)
    if is_test and (problems := _check(session, guard)):
        return _integrity_failure(cell, problems, execution)
    run = session.run(cell.source, timeout=limits.cell_timeout, store_history=not is_test)
    cell.outputs = run.outputs
    cell.execution_count = (run.reply or {}).get("execution_count")
    if run.reply and run.reply.get("status") == "error":
        _ensure_error_shown(cell, run.reply, is_test, execution)
    stop = _apply_status(cell, run, limits, execution)
    if stop is None and locked:
        problems = _check(session, guard, defined_names(cell.source))
        if problems and is_test:
            cell.outputs = []
        if problems:
            return _integrity_failure(cell, problems, execution)
    return stop


def _integrity_failure(cell, problems: list[str], execution: Execution) -> str:
    summary = "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")
    cell.outputs.append(
        _error(
            "IntegrityError",
            "objects the tests rely on were changed by "
            f"the submission, so this test and later ones score zero: {summary}",
        )
    )
    execution.flags.append(f"tampering detected at run time: {summary}")
    return "the submission tampered with objects the tests rely on"


def _ensure_error_shown(cell, reply: dict, is_test: bool, execution: Execution) -> None:
    """The kernel said the cell failed; make sure an error output says so (as nbgrader does)."""
    if any(o.output_type == "error" and o.ename == reply.get("ename") for o in cell.outputs):
        return
    cell.outputs.append(_error(reply.get("ename", "Error"), reply.get("evalue", "")))
    if is_test:
        execution.flags.append("a test failed without showing its error (error display suppressed?)")


def _apply_status(cell, run: CodeRun, limits: SandboxLimits, execution: Execution) -> str | None:
    """Record what went wrong in the cell; return a reason to stop, or None to go on."""
    if run.too_much_output:
        cell.outputs.append(
            _error(
                "OutputLimitError",
                f"the notebook's output passed {limits.output_kb} KB; the rest was discarded and the cell interrupted",
            )
        )
        execution.flags.append(f"output larger than {limits.output_kb} KB")
    elif run.discarded:
        note = f"[coursekit: {run.discarded // 1024} KB of output past the notebook's {limits.output_kb} KB not kept]\n"
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=note))
    if run.status == "ok":
        return None
    if run.status == "died":
        cell.outputs.append(
            _error("DeadKernelError", "the kernel died while running this cell (os._exit, a crash or the memory limit)")
        )
        execution.status = "failed"
        execution.flags.append("the kernel died")
        return "the kernel died in an earlier cell"
    execution.status = "timed out"
    if run.status == "deadline":
        cell.outputs.append(
            _error("CellTimeoutError", f"the notebook ran longer than {limits.notebook_timeout:g} s and was stopped")
        )
        return "the notebook ran out of time"
    if run.status == "killed":
        cell.outputs.append(
            _error(
                "CellTimeoutError",
                "the kernel stopped responding (the "
                "cell ran past its time limit or output limit and did not "
                "stop when interrupted), so it was killed",
            )
        )
        return "the kernel was killed after it stopped responding"
    cell.outputs.append(
        _error("CellTimeoutError", f"the cell ran longer than {limits.cell_timeout:g} s and was interrupted")
    )
    return None
