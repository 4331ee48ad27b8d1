"""Grade submissions on a Dask cluster: a remote one (``--scheduler``) or local worker processes.

Each submission is one Dask task, :func:`grade_on_worker` applied to a
:class:`~coursekit.grading.GradingTask`: the task carries everything grading needs (the
student's notebooks, the assignment's source with its hidden tests, the sandbox limits) and
returns the :class:`~coursekit.grading.GradingResult` with the graded notebooks. Results come
back to the instructor's process, where one writer records them; the gradebook never leaves it.

Without a scheduler address the same code runs on a :class:`distributed.LocalCluster` of worker
processes (one thread each). Only a few tasks per worker thread are in flight at a time, so a
batch of thousands never sits in the scheduler's memory at once.

A worker that dies mid-task (killed, out of memory, its machine lost) takes no result with it:
the scheduler runs the task again on another worker, and after ``allowed-failures`` deaths
(the scheduler's ``distributed.scheduler.allowed-failures`` setting; :data:`ALLOWED_FAILURES`
for the local cluster) gives up with ``KilledWorker``; that submission then ends "failed",
flagged for review. Any other error raised on a worker (a worker without coursekit, say) is
retried once, then recorded as a grader error, which the next run grades again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import time
import warnings
from collections.abc import Iterable, Iterator
from concurrent.futures import CancelledError

import dask
from distributed import Client, LocalCluster, as_completed, get_worker
from distributed.scheduler import KilledWorker

from . import forkserver
from .grading import GradingResult, GradingTask, NotebookResult, grade
from .sandbox import Capabilities, SandboxError, SandboxUnavailableWarning, capabilities

__all__ = ["ClusterError", "check_sandboxes", "connect", "grade_on_cluster", "grade_on_worker", "not_graded"]

ALLOWED_FAILURES = 2  # local cluster: a submission may see 3 workers die before it is flagged
TASK_RETRIES = 1  # an error raised on a worker (not a death) is tried once more
IN_FLIGHT_PER_THREAD = 2  # tasks handed to the scheduler per worker thread
WORKER_WAIT = 60.0  # seconds to wait for a worker to join, at the start or mid-batch
POLL_SECONDS = 0.1  # while waiting for a result
RESUME = "finished submissions are saved: run the same command again to grade the rest"
CONNECT_TIMEOUT = 30.0  # seconds to reach the scheduler
LOCAL = "this machine"  # who grades with a local cluster, for check_sandboxes


class ClusterError(RuntimeError):
    """The Dask cluster cannot be reached, has no usable workers, or was lost mid-batch."""


# -- on a worker ----------------------------------------------------------------------------
@functools.cache
def _sandbox() -> Capabilities:
    # the instructor is told about a worker's missing sandbox (connect), so the worker's own
    # warning, printed once per process, would only repeat it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SandboxUnavailableWarning)
        return capabilities()


def grade_on_worker(task: GradingTask) -> tuple[GradingResult, str]:
    """What one Dask task runs: grade the submission and name the worker that did it."""
    _sandbox()
    return grade(task), get_worker().address


# -- in the instructor's process ------------------------------------------------------------
@contextlib.contextmanager
def connect(scheduler: str | None, workers: int, *, unsandboxed: bool = False) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, or of ``workers`` local worker processes.

    Parameters
    ----------
    scheduler : str or None
        A Dask scheduler address (``tcp://host:8786``, ``tls://...``), or None for a local
        cluster on this machine.
    workers : int
        Worker processes of the local cluster (ignored with a scheduler); one where this
        machine's sandboxes would share a process limit (``rlimit-per-user``).
    unsandboxed : bool
        Accept workers (or, locally, a machine) without a working bubblewrap, with a warning;
        otherwise they are refused with a :class:`SandboxError` saying what is missing.
    """
    if scheduler is None:
        sandbox = _sandbox()
        check_sandboxes({LOCAL: sandbox}, unsandboxed)
        if sandbox.pids == "rlimit-per-user":  # its sandboxes would share one process count (the probe says so)
            workers = 1
        with dask.config.set({"distributed.scheduler.allowed-failures": ALLOWED_FAILURES, **forkserver.LOCAL_WORKERS}):
            forkserver.start()  # already running when `coursekit grade` started it
            # no dashboard; the scheduler's HTTP endpoint on any free port (not 8787)
            cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                scheduler_kwargs={"dashboard": False},
            )
        with cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT)
    except (OSError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        _check_workers(client, scheduler, unsandboxed)
        yield client


def _check_workers(client: Client, scheduler: str, unsandboxed: bool) -> None:
    """Wait for a worker; fail early on workers that cannot grade or cannot sandbox."""
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT)
    except TimeoutError:
        raise ClusterError(
            f"no worker joined the scheduler at {scheduler} within "
            f"{WORKER_WAIT:g} s: start some with `dask worker {scheduler}`"
        ) from None
    reports = client.run(_sandbox, on_error="return")
    broken = {worker: report for worker, report in reports.items() if not isinstance(report, Capabilities)}
    if broken:
        lines = [f"  {worker}: {type(error).__name__}: {error}" for worker, error in broken.items()]
        raise ClusterError(
            "these workers cannot run coursekit (install this project, with the "
            "same version, on every worker):\n" + "\n".join(lines)
        )
    check_sandboxes({f"worker {worker}": caps for worker, caps in reports.items()}, unsandboxed)


def check_sandboxes(reports: dict[str, Capabilities], unsandboxed: bool) -> None:
    """Refuse where student code cannot be sandboxed, unless ``unsandboxed``: then warn.

    ``reports`` maps who grades (:data:`LOCAL`, ``"worker tcp://..."``) to its capabilities.
    """
    without = {where: caps.missing for where, caps in sorted(reports.items()) if caps.bwrap is None}
    if without and not unsandboxed:
        reasons = "; ".join(
            missing if where == LOCAL else f"on {where}, {missing}" for where, missing in without.items()
        )
        raise SandboxError(f"{reasons}; or pass --unsandboxed to run student code with your permissions")
    for where in without:
        warnings.warn(
            f"{where} runs student code WITHOUT a sandbox, with your permissions (--unsandboxed)",
            SandboxUnavailableWarning,
            stacklevel=3,
        )


def grade_on_cluster(client: Client, tasks: Iterable[GradingTask]) -> Iterator[tuple[GradingResult, str | None]]:
    """Yield ``(result, worker address)`` for every task, in the order they finish.

    The worker is None for a submission no worker finished: it kept killing workers
    (flagged for review), or raised an error on every try (a grader error, graded again by
    the next run). Raises :class:`ClusterError` if the scheduler is lost or the cluster has
    had no worker for :data:`WORKER_WAIT` seconds.
    """
    waiting = iter(tasks)
    running: dict[str, GradingTask] = {}  # Dask key -> task
    finished = as_completed(loop=client.loop)

    def hand_out() -> None:
        threads = sum(client.nthreads().values())
        while len(running) < IN_FLIGHT_PER_THREAD * max(threads, 1):
            task = next(waiting, None)
            if task is None:
                return
            # no student id in the key: Dask splits keys on "-", and ids may hold anything
            key = "coursekit-grade-" + hashlib.sha256(f"{task.student}\0{task.key()}".encode()).hexdigest()[:24]
            running[key] = task
            finished.add(client.submit(grade_on_worker, task, key=key, retries=TASK_RETRIES))

    hand_out()
    while running:
        future = _next_finished(client, finished)
        task = running.pop(future.key)
        outcome = _outcome(future, task)
        future.release()  # the worker may forget the result now
        hand_out()
        yield outcome


def _next_finished(client: Client, finished: as_completed):
    """The next finished future; ClusterError once no worker was there for WORKER_WAIT s."""
    seen_a_worker = time.monotonic()
    while not finished.has_ready():
        time.sleep(POLL_SECONDS)
        try:
            workers = client.nthreads()
        except OSError as error:
            raise ClusterError(f"lost the Dask scheduler ({error}); {RESUME}") from None
        if workers:
            seen_a_worker = time.monotonic()
        elif time.monotonic() - seen_a_worker > WORKER_WAIT:
            raise ClusterError(f"no worker left on the cluster for {WORKER_WAIT:g} s; {RESUME}")
    return next(finished)


def _outcome(future, task: GradingTask) -> tuple[GradingResult, str | None]:
    # a finished result can still be lost (its worker dies before we fetch it): result()
    # then waits while the scheduler grades the submission again
    try:
        return future.result()
    except KilledWorker:
        return not_graded(task, "grading it repeatedly crashed the worker process"), None
    except CancelledError:
        raise ClusterError(
            f"the Dask cluster dropped {task.student}'s submission (scheduler gone?); {RESUME}"
        ) from None
    except Exception as error:  # raised on the worker, on every try
        reason = f"grader error on the cluster: {type(error).__name__}: {error}"
        return not_graded(task, reason, grade_again=True), None


def not_graded(task: GradingTask, reason: str, *, grade_again: bool = False) -> GradingResult:
    """A submission no worker could grade: zero, flagged for review with ``reason``.

    With ``grade_again`` the ledger marks it incomplete, so the next run grades it again (the
    grader failed, not the submission).
    """
    notebooks = [
        NotebookResult(name, "failed", None, {}, [reason], error=reason if grade_again else None)
        for name in sorted(task.sources)
    ]
    return GradingResult(task.assignment, task.student, task.key(), task.timestamp, notebooks)
