"""The bubblewrap command line that runs the kernel: namespaces, mounts, environment.

* ``bwrap --unshare-all --unshare-user --disable-userns --cap-drop ALL``: no network (an empty
  network namespace), its own PID namespace (killing its PID 1 kills everything the student
  started), no capabilities, no nested namespaces;
* read-only mounts of the Python installation and nothing else of the host: no course folder,
  no gradebook, no other student; the only writable places are a size-limited home and ``/tmp``
  (tmpfs) that vanish with the sandbox. A Python directory that would expose a protected path
  (the course's solutions, gradebook, submissions) is refused, never mounted.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys

from ..limits import SandboxLimits
from .errors import SandboxError

__all__ = [
    "HOME",
    "SOCKETS",
    "bwrap_command",
    "kernel_args",
    "kernel_env",
    "namespace_args",
    "python_paths",
    "with_task_limit",
]

HOME = "/home/student"  # the kernel's working directory inside the sandbox
SOCKETS = "/run/kernel"  # where the kernel binds its ZeroMQ sockets, inside the sandbox
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


def namespace_args() -> list[str]:
    """bwrap's isolation options (also what the capability probe tries)."""
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


def kernel_args(connection_file: str) -> list[str]:
    """The interpreter's arguments that start an IPython kernel on ``connection_file``."""
    # no history database holding the tests
    return ["-m", "ipykernel_launcher", "-f", connection_file, "--HistoryManager.enabled=False"]


def with_task_limit(max_procs: int, command: list[str]) -> list[str]:
    """``command`` run with ``RLIMIT_NPROC`` set to ``max_procs`` from inside the sandbox.

    Set there, after bubblewrap made the sandbox's user namespace, the limit counts the tasks of
    that namespace only (Linux 5.14 and later count ``RLIMIT_NPROC`` per user namespace): this
    sandbox's processes and threads, bubblewrap's init included. Set outside, it would count every
    task of the user, so a fork bomb in one sandbox could leave a neighbour unable to start a thread.
    """
    set_limit = (
        "import os, resource, sys; n = int(sys.argv[1]); "
        "resource.setrlimit(resource.RLIMIT_NPROC, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
    )
    return [sys.executable, "-I", "-S", "-c", set_limit, str(max_procs), *command]


def kernel_env(bin_dir: str) -> dict[str, str]:
    """The kernel's whole environment (nothing of the grader's is passed on)."""
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


@functools.cache
def python_paths() -> tuple[str, ...]:
    """Directories the kernel's Python needs: its prefixes and its default ``sys.path``."""
    script = "import sys, json; print(json.dumps([sys.prefix, sys.base_prefix, *sys.path]))"
    out = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True).stdout
    paths = {os.path.realpath(p) for p in json.loads(out) if p and os.path.isdir(p)}
    paths.add(os.path.dirname(os.path.realpath(sys.executable)))
    # keep only the outermost directories (a prefix already contains its site-packages)
    return tuple(sorted(p for p in paths if not any(p != q and p.startswith(q.rstrip("/") + "/") for q in paths)))


def bwrap_command(
    bwrap: str, limits: SandboxLimits, *, files: dict[str, int], info_fd: int, command: list[str]
) -> list[str]:
    """The full ``bwrap ... -- command`` line for one sandbox.

    Parameters
    ----------
    bwrap : str
        Path of the bubblewrap executable.
    limits : SandboxLimits
        Its ``scratch_mb`` sizes the tmpfs mounts; nothing in ``protect`` may be mounted.
    files : dict of str to int
        Absolute paths inside the sandbox to readable file descriptors holding their contents.
    info_fd : int
        Where bwrap writes its JSON info (the sandbox's ``child-pid``).
    command : list of str
        What runs inside, with :func:`kernel_env` as its whole environment.

    Raises
    ------
    SandboxError
        A Python directory to mount contains a protected path.
    """
    mounts = python_paths()
    _check_mounts(mounts, limits.protect)
    scratch = str(limits.scratch_mb << 20)
    args = [bwrap, *namespace_args(), *_root_args(), "--proc", "/proc", "--dev", "/dev"]
    for tmpfs in (HOME, "/tmp", "/dev/shm"):
        args += ["--size", scratch, "--tmpfs", tmpfs]
    args += ["--remount-ro", "/dev", "--size", "1048576", "--tmpfs", "/run", "--dir", SOCKETS]
    # Python after the tmpfs mounts: a virtualenv under /tmp (a CI checkout) must not be hidden by the new /tmp
    for path in mounts:
        args += ["--ro-bind", path, path]
    args += ["--remount-ro", "/"]  # the root tmpfs bwrap builds must not take writes
    for target, fd in files.items():
        args += ["--file", str(fd), target]
    args += ["--info-fd", str(info_fd), "--chdir", HOME, "--clearenv"]
    for name, value in kernel_env(os.path.dirname(sys.executable)).items():
        args += ["--setenv", name, value]
    return [*args, "--", *command]


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
