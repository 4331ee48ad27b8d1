"""Send code to one sandboxed kernel and collect its outputs, within time and an output budget.

This is the grader's side of the Jupyter messaging protocol, spoken over ZeroMQ directly (why
not through nbclient: see :mod:`coursekit.execute`). One :meth:`KernelSession.run` sends one
``execute_request`` and polls three sockets at once: iopub (outputs, status), shell (the reply)
and a monitor on iopub that reports a dropped connection, which is how an oversized message
shows itself (the kernel's ZeroMQ context caps message size, see
:class:`~coursekit.sandbox.SandboxedKernel`). Output past the notebook's budget is discarded and
the cell goes on: a forgotten debug print costs the student nothing but the print. A run that
passes its time, drops the connection with an oversized message, or keeps printing until
:data:`FLOOD_FACTOR` times the budget has been discarded (a flood, not a slip) is interrupted; a
kernel that ignores the interrupt for :data:`GRACE` seconds is given up on (the caller kills it).
"""

from __future__ import annotations

import json
import queue
import time
from dataclasses import dataclass, field

import nbformat
import zmq

from .limits import SandboxLimits
from .sandbox import SandboxedKernel

__all__ = ["CodeRun", "KernelSession"]

GRACE = 3.0  # seconds a kernel gets to honour an interrupt before it is killed
IDLE_WAIT = 1.0  # seconds to wait for the last outputs once the kernel has replied
CELL_ALLOWANCE = 64 * 1024  # output bytes every cell may show, even past the notebook budget
GUARD_ALLOWANCE = 1 << 20  # output bytes a guard run may receive (stale output flushed late)
FLOOD_FACTOR = 16  # discarded output, in notebook budgets, past which a run is interrupted


@dataclass
class CodeRun:
    """What one :meth:`KernelSession.run` collected, and how it ended."""

    outputs: list = field(default_factory=list)  # nbformat outputs, streams merged
    reply: dict | None = None  # the kernel's execute_reply content
    idle: bool = False
    clear_pending: bool = False
    status: str = "ok"  # "ok", "timeout", "deadline" (notebook time), "killed" or "died"
    too_much_output: bool = False  # a flood or an oversized message: the run was interrupted
    discarded: int = 0  # output bytes dropped past the budget (the run went on)
    allowance: int = 0  # output bytes this run may still show beyond the notebook budget
    budgeted: bool = True  # whether its output counts against the notebook's budget


class KernelSession:
    """Send code to one kernel and collect its outputs within a shared output budget.

    Parameters
    ----------
    kernel : SandboxedKernel
        A started kernel.
    limits : SandboxLimits
        Its ``output_kb`` is the budget shared by every budgeted run of the session.
    deadline : float
        ``time.monotonic()`` value no run may go past (the notebook's time limit).
    """

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

    def run(self, code: str, *, timeout: float, store_history: bool = True, budgeted: bool = True) -> CodeRun:
        """Execute ``code``; ``budgeted=False`` (the guard's runs) spares the notebook budget."""
        client = self.kernel.client
        msg_id = client.execute(code, store_history=store_history, allow_stdin=False, stop_on_error=False)
        run = CodeRun(allowance=CELL_ALLOWANCE if budgeted else GUARD_ALLOWANCE, budgeted=budgeted)
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

    def _handle(self, message: dict, run: CodeRun) -> None:
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
                run.discarded += size
                run.too_much_output = run.discarded > FLOOD_FACTOR * max(self.limits.output_kb * 1024, 1)
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
