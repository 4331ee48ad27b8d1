"""A Dask cluster on this machine's loopback for the tests and the grading benchmark: a ``dask scheduler``
and ``dask worker`` processes on 127.0.0.1, started with the ``dask`` command as an instructor would."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from distributed import Client

from coursekit.cluster import ClusterError

__all__ = ["Loopback", "loopback_cluster"]


@dataclass
class Loopback:
    """A ``dask scheduler`` and ``dask worker`` processes on 127.0.0.1."""

    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]


@contextlib.contextmanager
def loopback_cluster(
    workers: int,
    folder: Path,
    *,
    env: dict[str, str] | None = None,
    worker_args: Sequence[str] = (),
    timeout: float = 60.0,
) -> Iterator[Loopback]:
    """Start a scheduler and ``workers`` single-threaded workers with the ``dask`` command.

    Each process leads its own process group, killed on exit (also on errors), with
    everything it started. Logs go to ``folder``. ``env`` is added to the processes'
    environment (``DASK_...`` settings); ``worker_args`` to each ``dask worker`` command.
    """
    dask_cli = str(Path(sys.executable).with_name("dask"))
    scheduler_file = folder / "scheduler.json"
    environment = {**os.environ, **(env or {})}
    processes: list[subprocess.Popen] = []

    def start(name: str, *args: str) -> subprocess.Popen:
        with (folder / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [dask_cli, *args],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=environment,
                cwd=folder,
                start_new_session=True,
            )
        processes.append(process)
        return process

    try:
        scheduler = start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        )
        deadline = time.monotonic() + timeout
        while not scheduler_file.is_file():
            if scheduler.poll() is not None or time.monotonic() > deadline:
                raise ClusterError(f"dask scheduler did not start; see {folder}/scheduler.log")
            time.sleep(0.05)
        address = json.loads(scheduler_file.read_text())["address"]
        started = [
            start(
                f"worker-{index}",
                "worker",
                address,
                "--host",
                "127.0.0.1",
                "--nworkers",
                "1",
                "--nthreads",
                "1",
                "--no-dashboard",
                "--local-directory",
                str(folder),
                *worker_args,
            )
            for index in range(workers)
        ]
        with Client(address, timeout=timeout) as client:
            client.wait_for_workers(workers, timeout=max(deadline - time.monotonic(), 1.0))
        yield Loopback(address, scheduler, started)
    finally:
        for process in reversed(processes):  # workers first, the scheduler last
            _stop(process)


def _stop(process: subprocess.Popen, grace: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL what is left after ``grace`` seconds."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
