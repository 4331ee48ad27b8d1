"""Start an IPython kernel inside a bubblewrap sandbox, connect to it from outside, and kill it.

The kernel is the only thing that runs student code, so it is the only thing inside the sandbox
(its command line: :mod:`coursekit.sandbox.bwrap`). Resource limits are set on the process before
it becomes the sandbox, so nothing escapes them: address space (``RLIMIT_AS``), CPU seconds, file
size, open files, and the number of processes through a ``pids`` cgroup
(:mod:`coursekit.sandbox.cgroups`; ``RLIMIT_NPROC`` does not bind root), falling back loudly to
``RLIMIT_NPROC``, set inside the sandbox so that it counts the sandbox's tasks alone
(:func:`~coursekit.sandbox.bwrap.with_task_limit`).

The grader talks to the kernel over ZeroMQ *Unix* sockets (jupyter's ``ipc`` transport). They
live in the sandbox's own tmpfs and the grader reaches them through ``/proc/<pid>/root``, so
the sandbox needs no writable host directory and no TCP (a kernel in an empty network namespace
cannot reach a grader on the host's loopback). The notebook itself never enters the sandbox:
the grader sends one cell at a time (:mod:`coursekit.session`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import zmq
from jupyter_client import BlockingKernelClient

from ..limits import SandboxLimits
from .bwrap import HOME, SOCKETS, bwrap_command, kernel_args, kernel_env, with_task_limit
from .cgroups import PidsCgroup
from .errors import SandboxError
from .probe import Capabilities, capabilities

__all__ = ["SandboxedKernel"]


class SandboxedKernel:
    """An IPython kernel in a fresh sandbox, reached over Unix sockets; a context manager.

    Parameters
    ----------
    limits : SandboxLimits
        Time, memory, process and size bounds.
    files : dict of str to bytes, optional
        Files to place in the kernel's working directory (relative paths).
    caps : Capabilities, optional
        The isolation to use (default: this machine's, :func:`~coursekit.sandbox.capabilities`).
        Without bubblewrap it refuses (:class:`SandboxError` saying what is missing), unless
        ``limits.unsandboxed``: then the kernel runs with the grader's permissions.
    """

    def __init__(
        self, limits: SandboxLimits, files: dict[str, bytes] | None = None, *, caps: Capabilities | None = None
    ):
        self.limits = limits
        self.files = dict(files or {})
        self.caps = caps or capabilities()
        if self.caps.bwrap is None and not limits.unsandboxed:
            raise SandboxError(self.caps.missing)
        self.process: subprocess.Popen | None = None
        self.sandbox_pid: int | None = None
        self.client: BlockingKernelClient | None = None
        self._cgroup: PidsCgroup | None = None
        self._context: zmq.Context | None = None
        self._host_dir: Path | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> SandboxedKernel:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, timeout: float = 60.0) -> None:
        """Launch the sandbox and wait until the kernel answers."""
        key = secrets.token_hex(32)
        connection = {
            "transport": "ipc",
            "ip": f"{SOCKETS}/kernel",
            "key": key,
            "signature_scheme": "hmac-sha256",
            "kernel_name": "python3",
            "shell_port": 1,
            "iopub_port": 2,
            "stdin_port": 3,
            "control_port": 4,
            "hb_port": 5,
        }
        if self.caps.bwrap:
            self._start_bwrap(connection)
            client_ip = f"/proc/{self.sandbox_pid}/root{SOCKETS}/kernel"
        else:
            self._start_unsandboxed(connection)
            client_ip = connection["ip"]
        # a peer that sends a message larger than the output budget is cut off, so a
        # kernel printing a gigabyte in one go cannot make the grader hold it in memory
        self._context = zmq.Context()
        self._context.setsockopt(zmq.MAXMSGSIZE, self.limits.output_kb * 1024 + 65536)
        self.client = BlockingKernelClient(context=self._context)
        self.client.load_connection_info({**connection, "ip": client_ip})
        self.client.start_channels(hb=False)  # liveness is the process, not a heartbeat
        self._wait_for_ready(timeout)

    def _wait_for_ready(self, timeout: float) -> None:
        """Ask for kernel_info until its status message arrives on iopub.

        The sockets appear when the kernel is up, and a status message only reaches us once our
        subscription is through; requests are cheap, so ask often.
        """
        deadline = time.monotonic() + timeout
        while True:
            msg_id = self.client.kernel_info()
            end = time.monotonic() + 0.1
            while (left := end - time.monotonic()) > 0:
                try:
                    message = self.client.get_iopub_msg(timeout=left)
                except queue.Empty:
                    break
                if message["parent_header"].get("msg_id") == msg_id:
                    return
            if not self.alive():
                raise SandboxError("the kernel exited before it was ready")
            if time.monotonic() > deadline:
                raise SandboxError(f"the kernel was not ready after {timeout:g} s")

    def _start_bwrap(self, connection: dict) -> None:
        contents = {f"{SOCKETS}/connection.json": json.dumps(connection).encode()}
        contents.update({f"{HOME}/{name}": data for name, data in self.files.items()})
        files = {target: _data_fd(data) for target, data in contents.items()}
        info_read, info_write = os.pipe()
        with os.fdopen(info_read) as info:
            fds = [*files.values(), info_write]
            try:
                command = [sys.executable, *kernel_args(f"{SOCKETS}/connection.json")]
                if self.caps.pids == "rlimit":
                    command = with_task_limit(self.limits.max_procs, command)
                args = bwrap_command(self.caps.bwrap, self.limits, files=files, info_fd=info_write, command=command)
                self._spawn(args, pass_fds=fds)
            finally:
                for fd in fds:
                    os.close(fd)
            text = info.read()
        if not text:
            raise SandboxError(f"bubblewrap did not start (exit code {self.process.wait()})")
        self.sandbox_pid = json.loads(text)["child-pid"]

    def _start_unsandboxed(self, connection: dict) -> None:
        self._host_dir = Path(tempfile.mkdtemp(prefix="coursekit-kernel-"))
        connection["ip"] = str(self._host_dir / "kernel")
        (self._host_dir / "connection.json").write_text(json.dumps(connection))
        work = self._host_dir / "home"
        work.mkdir()
        for name, data in self.files.items():
            (work / name).write_bytes(data)
        env = {**kernel_env(os.path.dirname(sys.executable)), "HOME": str(work)}
        self._spawn([sys.executable, *kernel_args(str(self._host_dir / "connection.json"))], cwd=work, env=env)

    def _spawn(self, args: list[str], **popen) -> None:
        """Start ``args`` behind a gate: limits and cgroup are set before it runs anything."""
        gate = 'read -r _ && exec "$@" </dev/null'  # waits for one line on stdin, then execs
        self.process = subprocess.Popen(
            ["/bin/sh", "-c", gate, "coursekit-sandbox", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            **popen,
        )
        with self.process.stdin as gate_pipe:
            self._limit(self.process.pid)
            gate_pipe.write(b"go\n")

    def _limit(self, pid: int) -> None:
        limits = self.limits
        memory = limits.memory_mb << 20
        cpu = int(limits.notebook_timeout) + 5
        for which, value in [
            (resource.RLIMIT_AS, memory),
            (resource.RLIMIT_CPU, cpu),
            (resource.RLIMIT_FSIZE, limits.scratch_mb << 20),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_NOFILE, 1024),
        ]:
            resource.prlimit(pid, which, (value, value))
        if self.caps.pids.startswith("cgroup"):
            self._cgroup = PidsCgroup(self.caps.pids, limits.max_procs)
            self._cgroup.add(pid)
        elif self.caps.pids == "rlimit-per-user":  # one sandbox at a time then (coursekit.cluster)
            nproc = _count_own_tasks() + limits.max_procs
            resource.prlimit(pid, resource.RLIMIT_NPROC, (nproc, nproc))
        # "rlimit" is set inside the sandbox (with_task_limit): set here, it would count the user's other sandboxes too

    def alive(self) -> bool:
        """True while the sandbox (and so the kernel) is running."""
        return self.process is not None and self.process.poll() is None

    def interrupt(self) -> None:
        """Ask the kernel to raise KeyboardInterrupt in the running cell (control channel)."""
        if self.client is not None:
            message = self.client.session.msg("interrupt_request", {})
            self.client.control_channel.send(message)

    def close(self) -> None:
        """Kill everything in the sandbox and release its resources."""
        if self.client is not None:
            self.client.stop_channels()
            self.client = None
        if self.sandbox_pid is not None:
            with contextlib.suppress(ProcessLookupError):  # PID 1 of the namespace: the kernel dies with it
                os.kill(self.sandbox_pid, signal.SIGKILL)
        if self.process is not None:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        if self._cgroup is not None:
            self._cgroup.close()
            self._cgroup = None
        if self._context is not None:
            self._context.destroy(linger=0)
            self._context = None
        if self._host_dir is not None:
            shutil.rmtree(self._host_dir, ignore_errors=True)
            self._host_dir = None


def _data_fd(data: bytes) -> int:
    """A readable file descriptor holding ``data`` (a memfd: nothing touches the disk)."""
    fd = os.memfd_create("coursekit")
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _count_own_tasks() -> int:
    """Threads of every process whose real user is ours: what ``RLIMIT_NPROC`` counts (Linux
    counts each thread as a task, and a grader's worker process alone runs a dozen)."""
    uid = os.getuid()
    tasks = 0
    for process in psutil.process_iter(["uids", "num_threads"]):
        uids, threads = process.info["uids"], process.info["num_threads"]  # None where access is denied
        if uids is not None and uids.real == uid:
            tasks += threads or 1
    return tasks
