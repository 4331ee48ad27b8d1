"""Start an IPython kernel inside a bubblewrap sandbox and connect to it from outside.

The kernel is the only thing that runs student code, so it is the only thing inside the sandbox:

* ``bwrap --unshare-all --unshare-user --disable-userns --cap-drop ALL``: no network (an empty
  network namespace), its own PID namespace (killing its PID 1 kills everything the student
  started), no capabilities, no nested namespaces;
* read-only mounts of the Python installation and nothing else of the host: no course folder,
  no gradebook, no other student; the only writable places are a size-limited home and ``/tmp``
  (tmpfs) that vanish with the sandbox;
* resource limits set on the process before it becomes the sandbox (so nothing escapes them):
  address space (``RLIMIT_AS``), CPU seconds, file size, open files, and the number of processes
  through a ``pids`` cgroup (``RLIMIT_NPROC`` does not bind root), falling back loudly.

The grader talks to the kernel over ZeroMQ *Unix* sockets (jupyter's ``ipc`` transport). They
live in the sandbox's own tmpfs and the grader reaches them through ``/proc/<pid>/root``, so
the sandbox needs no writable host directory and no TCP (a kernel in an empty network namespace
cannot reach a grader on the host's loopback). The notebook itself never enters the sandbox:
the grader sends one cell at a time.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import queue
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import zmq
from jupyter_client import BlockingKernelClient

__all__ = [
    "SandboxError",
    "SandboxLimits",
    "SandboxUnavailableWarning",
    "SandboxedKernel",
    "capabilities",
]

HOME = "/home/student"  # the kernel's working directory inside the sandbox
SOCKETS = "/run/kernel"  # where the kernel binds its ZeroMQ sockets, inside the sandbox
CGROUP_V1_PIDS = Path("/sys/fs/cgroup/pids")
CGROUP_V2 = Path("/sys/fs/cgroup")
ETC_FILES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "fonts",
    "alternatives",
    "passwd",
    "group",
    "nsswitch.conf",
    "mime.types",
)


class SandboxError(RuntimeError):
    """The sandbox could not be set up, or would expose something it must not."""


class SandboxUnavailableWarning(UserWarning):
    """Student code runs with weaker isolation than requested."""


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
    require_sandbox: bool = False  # refuse to run unsandboxed when bubblewrap is missing

    def __post_init__(self):
        for name in ("cell_timeout", "notebook_timeout", "memory_mb", "output_kb", "max_procs", "scratch_mb"):
            if not getattr(self, name) > 0:
                raise ValueError(f"SandboxLimits.{name} must be positive, got {getattr(self, name)!r}")


@dataclass(frozen=True)
class Capabilities:
    """What isolation this machine offers, measured once per process."""

    bwrap: str | None  # path of a working bubblewrap, or None
    pids: str  # "cgroup-v2", "cgroup-v1", "rlimit" or "none"
    warnings: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        sandbox = f"bubblewrap ({self.bwrap})" if self.bwrap else "NONE (unsandboxed)"
        return f"sandbox: {sandbox}; process limit: {self.pids}"


@functools.cache
def capabilities() -> Capabilities:
    """Probe bubblewrap and the ways to bound the number of processes, warning about gaps."""
    notes = []
    bwrap = shutil.which("bwrap")
    if bwrap is not None:
        probe = subprocess.run(
            [bwrap, *_namespace_args(), "--ro-bind", "/", "/", "true"], capture_output=True, text=True
        )
        if probe.returncode != 0:
            notes.append(f"bubblewrap is installed but fails here: {probe.stderr.strip()}")
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
        _remove_stale_cgroups(_cgroup_parent(pids))
    if pids == "none":
        notes.append(
            "no limit on the number of processes: no writable pids cgroup, and "
            "RLIMIT_NPROC does not bind root; a fork bomb is bounded only by the "
            "notebook's wall time"
        )
    for note in notes:
        warnings.warn(note, SandboxUnavailableWarning, stacklevel=2)
    return Capabilities(bwrap=bwrap, pids=pids, warnings=tuple(notes))


def _namespace_args() -> list[str]:
    return [
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
        "--hostname",
        "sandbox",
    ]


def _pids_strategy() -> str:
    if os.geteuid() == 0:
        if _cgroup_parent("cgroup-v2") is not None:
            return "cgroup-v2"
        if _cgroup_parent("cgroup-v1") is not None:
            return "cgroup-v1"
        return "none"
    return "rlimit"


def _cgroup_parent(kind: str) -> Path | None:
    """A cgroup directory under which we may create per-sandbox pids cgroups, or None."""
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


def _remove_stale_cgroups(parent: Path) -> None:
    """Remove the cgroups of sandboxes whose grader was killed before it could clean up."""
    for group in parent.glob("sandbox-*-*"):
        owner = int(group.name.split("-")[1])
        if not Path(f"/proc/{owner}").exists():
            for pid in _read(group / "cgroup.procs").split():
                _kill(int(pid))
            with contextlib.suppress(OSError):
                group.rmdir()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


class _PidsCgroup:
    """A fresh pids cgroup for one sandbox, removed (after killing stragglers) on close."""

    def __init__(self, kind: str, max_procs: int):
        parent = _cgroup_parent(kind)
        if parent is None:
            raise SandboxError(f"the {kind} pids controller disappeared")
        self.path = parent / f"sandbox-{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir()
        (self.path / "pids.max").write_text(str(max_procs))

    def add(self, pid: int) -> None:
        (self.path / "cgroup.procs").write_text(str(pid))

    def close(self) -> None:
        deadline = time.monotonic() + 5.0
        while True:
            for pid in _read(self.path / "cgroup.procs").split():
                _kill(int(pid))
            try:
                self.path.rmdir()
                return
            except OSError:
                if time.monotonic() > deadline:
                    warnings.warn(f"could not remove cgroup {self.path}", SandboxUnavailableWarning, stacklevel=2)
                    return
                time.sleep(0.02)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@functools.cache
def _python_paths() -> tuple[str, ...]:
    """Directories the kernel's Python needs: its prefixes and its default ``sys.path``."""
    script = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, *sys.path]))"
    out = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True).stdout
    paths = {os.path.realpath(p) for p in json.loads(out) if p and os.path.isdir(p)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    # keep only the outermost directories (a prefix already contains its site-packages)
    return tuple(sorted(p for p in paths if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in paths)))


def _check_mounts(mounts, protect) -> None:
    for mount in mounts:
        for secret in protect:
            secret = os.path.realpath(secret)
            if secret == mount or secret.startswith(mount.rstrip("/") + "/"):
                raise SandboxError(
                    f"refusing to mount {mount} in the sandbox: it contains {secret}, which "
                    "student code must not see (install the grading environment outside the "
                    "course folder)"
                )


def _root_args() -> list[str]:
    """Mounts for the system: /usr read-only, merged-/usr symlinks, a few files of /etc."""
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    return args


def _kernel_env(bin_dir: str) -> dict[str, str]:
    return {
        "HOME": HOME,
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "NBGRADER_EXECUTION": "autograde",  # what nbgrader sets while grading
        "OPENBLAS_NUM_THREADS": "1",  # one thread per kernel: workers already fill the cores
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MB of address space per arena
        "MPLBACKEND": "agg",
        "PYTHONDONTWRITEBYTECODE": "1",
        "JUPYTER_PLATFORM_DIRS": "1",
    }


class SandboxedKernel:
    """An IPython kernel in a fresh sandbox, reached over Unix sockets; a context manager.

    Parameters
    ----------
    limits : SandboxLimits
        Time, memory, process and size bounds.
    files : dict of str to bytes, optional
        Files to place in the kernel's working directory (relative paths).
    """

    def __init__(self, limits: SandboxLimits, files: dict[str, bytes] | None = None):
        self.limits = limits
        self.files = dict(files or {})
        self.caps = capabilities()
        if self.caps.bwrap is None and limits.require_sandbox:
            raise SandboxError(
                "bubblewrap is unavailable and the sandbox is required: " + "; ".join(self.caps.warnings)
            )
        self.process: subprocess.Popen | None = None
        self.sandbox_pid: int | None = None
        self.client: BlockingKernelClient | None = None
        self._cgroup: _PidsCgroup | None = None
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
        mounts = _python_paths()
        _check_mounts(mounts, self.limits.protect)
        scratch = str(self.limits.scratch_mb << 20)
        args = [self.caps.bwrap, *_namespace_args(), *_root_args()]
        args += [
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--size",
            scratch,
            "--tmpfs",
            HOME,
            "--size",
            scratch,
            "--tmpfs",
            "/tmp",
            "--size",
            scratch,
            "--tmpfs",
            "/dev/shm",
            "--remount-ro",
            "/dev",
            "--size",
            "1048576",
            "--tmpfs",
            "/run",
            "--dir",
            SOCKETS,
        ]
        # Python after the tmpfs mounts: a virtualenv under /tmp (a CI checkout) must not be hidden by the new /tmp
        for path in mounts:
            args += ["--ro-bind", path, path]
        args += ["--remount-ro", "/"]  # the root tmpfs bwrap builds must not take writes
        fds = []
        for name, data in [("connection.json", json.dumps(connection).encode()), *self.files.items()]:
            target = f"{SOCKETS}/{name}" if name == "connection.json" else f"{HOME}/{name}"
            fd = _data_fd(data)
            fds.append(fd)
            args += ["--file", str(fd), target]
        info_read, info_write = os.pipe()
        fds.append(info_write)
        args += ["--info-fd", str(info_write), "--chdir", HOME, "--clearenv"]
        for name, value in _kernel_env(os.path.dirname(sys.executable)).items():
            args += ["--setenv", name, value]
        args += ["--", sys.executable, *_kernel_args(f"{SOCKETS}/connection.json")]
        try:
            self._spawn(args, pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)
        with os.fdopen(info_read) as info:
            text = info.read()
        if not text:
            raise SandboxError(f"bubblewrap did not start (exit code {self.process.wait()})")
        self.sandbox_pid = json.loads(text)["child-pid"]

    def _start_unsandboxed(self, connection: dict) -> None:
        import tempfile

        self._host_dir = Path(tempfile.mkdtemp(prefix="coursekit-kernel-"))
        connection["ip"] = str(self._host_dir / "kernel")
        (self._host_dir / "connection.json").write_text(json.dumps(connection))
        work = self._host_dir / "home"
        work.mkdir()
        for name, data in self.files.items():
            (work / name).write_bytes(data)
        env = {**_kernel_env(os.path.dirname(sys.executable)), "HOME": str(work)}
        self._spawn([sys.executable, *_kernel_args(str(self._host_dir / "connection.json"))], cwd=work, env=env)

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
            self._cgroup = _PidsCgroup(self.caps.pids, limits.max_procs)
            self._cgroup.add(pid)
        elif self.caps.pids == "rlimit":
            nproc = _count_own_processes() + limits.max_procs
            resource.prlimit(pid, resource.RLIMIT_NPROC, (nproc, nproc))

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
            _kill(self.sandbox_pid)  # PID 1 of the namespace: the kernel dies with it
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


def _kernel_args(connection_file: str) -> list[str]:
    return [
        "-m",
        "ipykernel_launcher",
        "-f",
        connection_file,
        "--HistoryManager.enabled=False",
    ]  # no history database holding the tests


def _data_fd(data: bytes) -> int:
    """A readable file descriptor holding ``data`` (a memfd: nothing touches the disk)."""
    fd = os.memfd_create("coursekit")
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _count_own_processes() -> int:
    uid = os.getuid()
    count = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                status = Path(entry.path, "status").read_text()
            except OSError:
                continue
            match = re.search(r"^Uid:\s+(\d+)", status, re.MULTILINE)
            count += bool(match and int(match.group(1)) == uid)
    return count
