"""``coursekit flags``: the submissions flagged for review, and clearing one after a look.

A flag is nbgrader's ``flagged`` field on a submitted notebook (what the formgrader shows); the
reasons are the ones grading wrote in the ledger (``.coursekit/<assignment>/<student>.json``).
The gradebook is the truth: a flag cleared in the formgrader is not listed, and an unreadable
submission (which the formgrader never lists, having no graded notebook) is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nbgrader.api import MissingEntry

from .course import Course, CourseError

__all__ = ["Flag", "clear_flag", "open_flags"]


@dataclass(frozen=True)
class Flag:
    """An open review flag: which submission, its score and why."""

    student: str
    assignment: str
    score: float
    max_score: float
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        why = "; ".join(self.reasons) or "flagged by hand"
        return f"{self.assignment:<16} {self.student:<16} {self.score:g}/{self.max_score:g}  {why}"


def open_flags(course: Course, assignment: str | None = None) -> list[Flag]:
    """Flagged submissions (of ``assignment``, or of all), sorted by assignment and student."""
    flags = []
    with course.gradebook() as gb:
        for entry in gb.assignments:
            if assignment not in (None, entry.name):
                continue
            for submission in entry.submissions:
                if any(notebook.flagged for notebook in submission.notebooks):
                    student = submission.student.id
                    reasons = tuple(_ledger(course, entry.name, student).get("flags", ()))
                    flags.append(Flag(student, entry.name, submission.score, submission.max_score, reasons))
    return sorted(flags, key=lambda flag: (flag.assignment, flag.student))


def clear_flag(course: Course, student: str, assignment: str) -> Flag:
    """Clear the flag of ``student``'s submission of ``assignment``; returns what was cleared.

    Raises CourseError when there is no such submission or it is not flagged. The flag stays
    cleared until grading runs on that submission again (changed notebook, tests or options,
    or ``--force``) and finds the same problem.
    """
    flag = next((f for f in open_flags(course, assignment) if f.student == student), None)
    if flag is None:
        raise CourseError(f"no open flag on {student!r}'s {assignment!r} (see `coursekit flags`)")
    with course.gradebook() as gb:
        try:
            submission = gb.find_submission(assignment, student)
        except MissingEntry:  # it was there a moment ago
            raise CourseError(f"no submission of {assignment!r} by {student!r} in the gradebook") from None
        for notebook in submission.notebooks:
            notebook.flagged = False
        gb.db.commit()
    return flag


def _ledger(course: Course, assignment: str, student: str) -> dict:
    try:
        return json.loads((course.state_dir / assignment / f"{student}.json").read_text())
    except (OSError, ValueError):
        return {}
