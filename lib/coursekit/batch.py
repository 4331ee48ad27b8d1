"""Grade every submission of an assignment on Dask workers, resumably.

Workers run :func:`coursekit.grading.grade` (each sandboxed kernel has its own scratch space),
on a Dask cluster (``scheduler``) or on local worker processes (:mod:`coursekit.cluster`);
this process alone writes results, as they arrive, through :class:`GradebookWriter`. A
submission whose ledger entry matches its current inputs is skipped, so an interrupted batch
resumes where it stopped. A worker process that dies takes no result with it: its submission
is sent to another worker (a few times at most, then flagged for review).
"""

from __future__ import annotations

import os
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace

from tqdm import tqdm

from . import cluster
from .course import Course, CourseError, check_student_id
from .gradebook import GradebookWriter
from .grading import GradingResult
from .limits import SandboxLimits

__all__ = ["BatchSummary", "grade_assignment"]


@dataclass
class BatchSummary:
    """Counts and the submissions that need a look, for the table printed at the end."""

    assignment: str
    skipped: int = 0
    counts: Counter = field(default_factory=Counter)  # status -> submissions
    flagged: list[GradingResult] = field(default_factory=list)
    not_graded: list[GradingResult] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)  # per submission, worker time
    workers: Counter = field(default_factory=Counter)  # worker address -> submissions graded
    unsandboxed: int = 0  # submissions whose code ran without a sandbox (--unsandboxed)

    def add(self, result: GradingResult, worker: str | None = None) -> None:
        self.counts[result.status] += 1
        self.unsandboxed += not result.sandboxed
        if worker is not None:
            self.workers[worker] += 1
        self.seconds.append(sum(nb.seconds for nb in result.notebooks))
        if result.flags:
            self.flagged.append(result)
        if result.status != "graded":
            self.not_graded.append(result)

    def table(self) -> str:
        """A plain-text summary: totals, then one line per submission worth a look."""
        done = sum(self.counts.values())
        lines = [f"coursekit grade {self.assignment}: {done} graded now, {self.skipped} already graded (skipped)"]
        if self.unsandboxed:
            lines.append(
                f"  !!! UNSANDBOXED: {self.unsandboxed} submissions ran WITHOUT a sandbox (--unsandboxed): their "
                "code had your permissions (your files, the course folder, the gradebook, the network) !!!"
            )
        for label, value in [
            ("graded", self.counts["graded"]),
            ("timed out", self.counts["timed out"]),
            ("failed", self.counts["failed"]),
            ("flagged", len(self.flagged)),
        ]:
            lines.append(f"  {label:<10} {value:>5}")
        if self.seconds:
            lines.append(
                f"  {'mean time':<10} {sum(self.seconds) / len(self.seconds):>5.1f} s per submission (in a worker)"
            )
        for worker, count in sorted(self.workers.items()):
            lines.append(f"  worker {worker}: {count} graded")
        review = {r.student: r for r in self.not_graded + self.flagged}
        if review:
            lines.append("")
            lines.append(f"  {'student':<16} {'status':<10} {'score':>9}  why")
            for student, result in sorted(review.items()):
                why = "; ".join(result.flags) or "-"
                score = f"{result.score:g}/{result.max_score:g}"
                lines.append(f"  {_padded(_shown(student), 16)} {result.status:<10} {score:>9}  {why}")
        return "\n".join(lines)


def _shown(student: str) -> str:
    """A student id as the table shows it: as is, or quoted when spaces or control characters would hide
    where it ends."""
    plain = student.isprintable() and not any(c.isspace() for c in student)
    return student if plain else repr(student)


def _padded(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (wide characters such as 学 take two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def grade_assignment(
    course: Course,
    assignment: str,
    *,
    workers: int | None = None,
    limits: SandboxLimits | None = None,
    force: bool = False,
    students: list[str] | None = None,
    scheduler: str | None = None,
) -> BatchSummary:
    """Autograde ``submitted/*/<assignment>/`` into the gradebook; see the module docstring.

    Parameters
    ----------
    course : Course
        The course folder.
    assignment : str
        Assignment name.
    workers : int, optional
        Local worker processes (default: the number of cores); not used with ``scheduler``.
    limits : SandboxLimits, optional
        Sandbox bounds; the course's private folders are added to ``protect``.
    force : bool
        Grade again even submissions whose ledger says they are done. A submission graded
        without a sandbox is graded again by any run that is not ``limits.unsandboxed``.
    students : list of str, optional
        Only these students (ValueError for one without a submission).
    scheduler : str, optional
        Address of a Dask scheduler whose workers grade (default: a local cluster).
    """
    limits = limits or SandboxLimits()
    limits = replace(limits, protect=limits.protect + course.protected_paths())
    writer = GradebookWriter(course, assignment)
    summary = BatchSummary(assignment)
    for student in students or ():
        check_student_id(student)
    submitted = course.students(assignment)
    unknown = sorted(set(students or ()) - set(submitted))
    if unknown:
        raise CourseError(f"no submission of {assignment!r} by {', '.join(map(repr, unknown))} in submitted/")
    tasks = []
    for student in students or submitted:
        task = course.task(assignment, student, limits)
        if force or not _done(writer.ledger(student), task, limits):
            tasks.append(task)
        else:
            summary.skipped += 1
    if not tasks:
        return summary
    local_workers = min(workers or os.cpu_count() or 1, len(tasks))
    with (
        cluster.connect(scheduler, local_workers, unsandboxed=limits.unsandboxed) as client,
        tqdm(
            total=len(tasks), unit="submission", disable=not sys.stderr.isatty(), desc=f"grading {assignment}"
        ) as progress,
    ):
        for result, worker in cluster.grade_on_cluster(client, tasks):
            writer.record(result)
            summary.add(result, worker)
            progress.update()
    return summary


def _done(ledger: dict | None, task, limits: SandboxLimits) -> bool:
    """Whether the ledger holds this task's grade already: complete, with the same inputs, and
    sandboxed unless this run is unsandboxed too (entries from before the field count as sandboxed)."""
    return (
        ledger is not None
        and ledger.get("complete", False)
        and ledger.get("key") == task.key()
        and (ledger.get("sandboxed", True) or limits.unsandboxed)
    )
