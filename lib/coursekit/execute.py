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
"""

from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass, field

import nbformat
import zmq
from nbgrader import utils as nbgrader_utils

from .guard import Guard
from .sandbox import SandboxedKernel, SandboxError, SandboxLimits
from .scan import defined_names, imported_modules

__all__ = ["Execution", "execute_notebook", "is_test_cell"]

GRACE = 3.0  # seconds a kernel gets to honour an interrupt before it is killed
IDLE_WAIT = 1.0  # seconds to wait for the last outputs once the kernel has replied
CELL_ALLOWANCE = 64 * 1024  # output bytes every cell may show, even past the notebook budget
GUARD_ALLOWANCE = 1 << 20  # output bytes a guard run may receive (stale output flushed late)
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


@dataclass
class _Run:
    outputs: list = field(default_factory=list)
    reply: dict | None = None
    idle: bool = False
    clear_pending: bool = False
    status: str = "ok"  # "ok", "timeout", "deadline" (notebook time), "killed" or "died"
    too_much_output: bool = False
    allowance: int = 0  # output bytes this cell may still show beyond the notebook budget
    budgeted: bool = True  # whether its output counts against the notebook's budget


def is_test_cell(cell) -> bool:
    """An nbgrader autograder-test cell: graded, code, and not a student's answer."""
    return cell.cell_type == "code" and nbgrader_utils.is_grade(cell) and not nbgrader_utils.is_solution(cell)


def _error(ename: str, evalue: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


class _Session:
    """Send code to one kernel and collect its outputs within a shared output budget."""

    def __init__(self, kernel: SandboxedKernel, limits: SandboxLimits, deadline: float):
        self.kernel = kernel
        self.limits = limits
        self.deadline = deadline
        self.budget = limits.output_kb * 1024
        client = kernel.client
        # a message over the size limit (see SandboxedKernel) makes ZeroMQ drop the
        # connection, and the message with it: the monitor is how we learn about it
        self.monitor = client.iopub_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        self.poller = zmq.Poller()
        for socket in (client.iopub_channel.socket, client.shell_channel.socket, self.monitor):
            self.poller.register(socket, zmq.POLLIN)

    def close(self) -> None:
        self.kernel.client.iopub_channel.socket.disable_monitor()
        self.monitor.close(linger=0)

    def run(self, code: str, *, timeout: float, store_history: bool = True, budgeted: bool = True) -> _Run:
        """Execute ``code``; ``budgeted=False`` (the guard's runs) spares the notebook budget."""
        client = self.kernel.client
        msg_id = client.execute(code, store_history=store_history, allow_stdin=False, stop_on_error=False)
        run = _Run(allowance=CELL_ALLOWANCE if budgeted else GUARD_ALLOWANCE, budgeted=budgeted)
        end = min(time.monotonic() + timeout, self.deadline)
        interrupted, replied_at = False, None
        while not (run.idle and run.reply is not None):
            now = time.monotonic()
            if replied_at is not None and now > replied_at + IDLE_WAIT:
                break  # the reply is authoritative; an "idle" lost with a dropped message is not
            if not interrupted and (now >= end or run.too_much_output):
                if now >= end:
                    run.status = "deadline" if end >= self.deadline else "timeout"
                self.kernel.interrupt()
                interrupted, end = True, now + GRACE
            elif now >= end:
                run.status = "killed"
                break
            if not self.kernel.alive():
                run.status = "died"
                break
            wait = min(end, replied_at + IDLE_WAIT if replied_at else end) - now
            ready = dict(self.poller.poll(timeout=1000 * max(0.0, min(wait, 0.5))))
            if client.iopub_channel.socket in ready:
                message = self._receive(client.iopub_channel)
                if message and message["parent_header"].get("msg_id") == msg_id:
                    self._handle(message, run)
            if self.monitor in ready:
                self.monitor.recv_multipart()
                run.too_much_output = run.too_much_output or self.kernel.alive()
            if client.shell_channel.socket in ready:
                message = self._receive(client.shell_channel)
                if message and message["parent_header"].get("msg_id") == msg_id:
                    run.reply, replied_at = message["content"], time.monotonic()
        return run

    @staticmethod
    def _receive(channel) -> dict | None:
        """The next message, or None if it does not decode (the kernel is untrusted)."""
        try:
            return channel.get_msg(timeout=0)
        except (queue.Empty, ValueError, KeyError):
            return None

    def _handle(self, message: dict, run: _Run) -> None:
        kind, content = message["msg_type"], message["content"]
        if kind == "status":
            run.idle = run.idle or content["execution_state"] == "idle"
        elif kind == "clear_output":
            if content.get("wait"):
                run.clear_pending = True
            else:
                run.outputs.clear()
        elif kind in ("stream", "display_data", "execute_result", "error"):
            size = len(json.dumps(content))
            budget = self.budget if run.budgeted else 0
            if run.too_much_output or size > budget + run.allowance:
                run.too_much_output = True
                return
            spent_from_budget = min(size, budget)
            self.budget -= spent_from_budget
            run.allowance -= size - spent_from_budget
            if run.clear_pending:
                run.outputs.clear()
                run.clear_pending = False
            output = nbformat.v4.output_from_msg(message)
            last = run.outputs[-1] if run.outputs else None
            if kind == "stream" and last and last.output_type == "stream" and last.name == output.name:
                last.text += output.text
            else:
                run.outputs.append(output)


def _stdout(run: _Run) -> str:
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
            session = _Session(kernel, limits, deadline=start + limits.notebook_timeout)
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


def _install_guard(session: _Session, guard: Guard, execution: Execution) -> str | None:
    run = session.run(guard.install_code(), timeout=GUARD_TIMEOUT, store_history=False, budgeted=False)
    errors = [o for o in run.outputs if o.output_type == "error"]
    if run.status != "ok" or errors:
        detail = f"{errors[0].ename}: {errors[0].evalue}" if errors else run.status
        execution.status = "failed"
        execution.flags.append(f"the integrity guard could not be installed ({detail})")
        return "the integrity guard could not be installed"
    return None


def _check(session: _Session, guard: Guard, record: set[str] = frozenset()) -> list[str]:
    code, token = guard.check_code(record)
    run = session.run(code, timeout=GUARD_TIMEOUT, store_history=False, budgeted=False)
    return guard.problems(_stdout(run), token)


def _run_cell(session: _Session, guard: Guard, cell, execution: Execution) -> str | None:
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


def _apply_status(cell, run: _Run, limits: SandboxLimits, execution: Execution) -> str | None:
    """Record what went wrong in the cell; return a reason to stop, or None to go on."""
    if run.too_much_output:
        cell.outputs.append(
            _error(
                "OutputLimitError",
                f"the notebook's output passed {limits.output_kb} KB; the rest was discarded and the cell interrupted",
            )
        )
        execution.flags.append(f"output larger than {limits.output_kb} KB")
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
