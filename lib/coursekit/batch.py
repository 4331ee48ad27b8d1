"""Grade every submission of an assignment in parallel worker processes, resumably.

Workers run :func:`coursekit.grading.grade` (each sandboxed kernel has its own scratch space);
this process alone writes results, as they arrive, through :class:`GradebookWriter`. A
submission whose ledger entry matches its current inputs is skipped, so an interrupted batch
resumes where it stopped. A worker process that dies takes no result with it: the pool is
rebuilt and the unfinished submissions are sent again (a few times at most).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import warnings
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from tqdm import tqdm

from .course import Course
from .gradebook import GradebookWriter
from .grading import GradingResult, GradingTask, NotebookResult, grade
from .sandbox import SandboxLimits, SandboxUnavailableWarning

__all__ = ["BatchSummary", "grade_assignment"]

MAX_POOL_RESTARTS = 3


@dataclass
class BatchSummary:
    """Counts and the submissions that need a look, for the table printed at the end."""

    assignment: str
    skipped: int = 0
    counts: Counter = field(default_factory=Counter)  # status -> submissions
    flagged: list[GradingResult] = field(default_factory=list)
    not_graded: list[GradingResult] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # per submission, worker time

    def add(self, result: GradingResult) -> None:
        self.counts[result.status] += 1
        self.seconds.append(sum(nb.seconds for nb in result.notebooks))
        if result.flags:
            self.flagged.append(result)
        if result.status != "graded":
            self.not_graded.append(result)

    def table(self) -> str:
        """A plain-text summary: totals, then one line per submission worth a look."""
        done = sum(self.counts.values())
        lines = [f"coursekit grade {self.assignment}: {done} graded now, "
                 f"{self.skipped} already graded (skipped)"]
        for label, value in [("graded", self.counts["graded"]),
                             ("timed out", self.counts["timed out"]),
                             ("failed", self.counts["failed"]),
                             ("flagged", len(self.flagged))]:
            lines.append(f"  {label:<10} {value:>5}")
        if self.seconds:
            lines.append(f"  {'mean time':<10} {sum(self.seconds) / len(self.seconds):>5.1f} s "
                         "per submission (in a worker)")
        review = {r.student: r for r in self.not_graded + self.flagged}
        if review:
            lines.append("")
            lines.append(f"  {'student':<16} {'status':<10} {'score':>9}  why")
            for student, result in sorted(review.items()):
                why = "; ".join(result.flags) or "-"
                score = f"{result.score:g}/{result.max_score:g}"
                lines.append(f"  {student:<16} {result.status:<10} {score:>9}  {why}")
        return "\n".join(lines)


def _init_worker() -> None:
    # the instructor's process already reported missing sandbox features, once
    warnings.simplefilter("ignore", SandboxUnavailableWarning)


def grade_assignment(course: Course, assignment: str, *, workers: int | None = None,
                     limits: SandboxLimits | None = None, force: bool = False,
                     students: list[str] | None = None) -> BatchSummary:
    """Autograde ``submitted/*/<assignment>/`` into the gradebook; see the module docstring.

    Parameters
    ----------
    course : Course
        The course folder.
    assignment : str
        Assignment name.
    workers : int, optional
        Worker processes (default: the number of cores).
    limits : SandboxLimits, optional
        Sandbox bounds; the course's private folders are added to ``protect``.
    force : bool
        Grade again even submissions whose ledger says they are done.
    students : list of str, optional
        Only these students.
    """
    limits = limits or SandboxLimits()
    limits = SandboxLimits(**{**limits.__dict__,
                              "protect": limits.protect + course.protected_paths()})
    writer = GradebookWriter(course, assignment)
    summary = BatchSummary(assignment)
    tasks = []
    for student in students or course.students(assignment):
        task = course.task(assignment, student, limits)
        ledger = writer.ledger(student)
        if (not force and ledger is not None and ledger.get("complete")
                and ledger.get("key") == task.key()):
            summary.skipped += 1
        else:
            tasks.append(task)
    with tqdm(total=len(tasks), unit="submission", disable=not sys.stderr.isatty(),
              desc=f"grading {assignment}") as progress:
        for result in _run_pool(tasks, workers or os.cpu_count() or 1):
            writer.record(result)
            summary.add(result)
            progress.update()
    return summary


def _run_pool(tasks: list[GradingTask], workers: int):
    """Yield one result per task, in completion order, surviving dead worker processes."""
    pending = {task.student: task for task in tasks}
    for _ in range(MAX_POOL_RESTARTS):
        if not pending:
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["coursekit.grading"])  # imported once, then forked
        pool = ProcessPoolExecutor(max_workers=min(workers, len(pending)), mp_context=context,
                                   initializer=_init_worker)
        futures = {pool.submit(grade, task): student for student, task in pending.items()}
        try:
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for future in done:
                    student = futures.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        continue  # graded again by the next pool
                    del pending[student]
                    yield result
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
    for task in pending.values():
        yield _crashed(task)


def _crashed(task: GradingTask) -> GradingResult:
    """A submission whose grading kept killing worker processes: zero, flagged for review."""
    notebooks = [NotebookResult(name, "failed", None, {}, ["grading it repeatedly crashed the "
                                                           "worker process"])
                 for name in sorted(task.sources)]
    return GradingResult(task.assignment, task.student, task.key(), task.timestamp, notebooks)
