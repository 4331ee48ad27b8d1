"""The one writer: grading results into nbgrader's gradebook, ``autograded/`` and a ledger.

Only the instructor's process writes, one submission at a time, so SQLite never sees two
writers. Scores go in through nbgrader's own ``SaveAutoGrades`` and ``AssignLatePenalties``
(run on the graded notebook, as ``nbgrader autograde`` does); notebooks that could not run
score zero on every cell, as nbgrader does for a missing notebook; nbgrader's ``flagged``
field on the submitted notebook marks what needs review (the formgrader shows it and can
clear it). Writing a result sets values, it never adds to them, so recording a submission twice
leaves the gradebook as recording it once. The ledger entry
(``.coursekit/<assignment>/<student>.json``) is written last: if grading is killed before,
that submission is simply graded again next time.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from nbgrader.utils import parse_utc
from sqlalchemy.exc import SAWarning

from .course import Course, CourseError
from .grading import GradingResult

__all__ = ["GradebookWriter"]


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


class GradebookWriter:
    """Record :class:`GradingResult` objects for one assignment of a course."""

    def __init__(self, course: Course, assignment: str):
        self.course = course
        self.assignment = assignment
        self.ledger_dir = course.state_dir / assignment
        with course.gradebook() as gb:
            try:
                known = {nb.name for nb in gb.find_assignment(assignment).notebooks}
            except MissingEntry:
                raise CourseError(
                    f"assignment {assignment!r} is not in the gradebook: run `coursekit release {assignment}` first"
                ) from None
        missing = set(course.notebooks(assignment)) - known
        if missing:
            raise CourseError(
                f"notebooks {sorted(missing)} of {assignment!r} are not in the "
                f"gradebook: run `coursekit release {assignment}` again"
            )

    def ledger(self, student: str) -> dict | None:
        """What was recorded for ``student`` last time, or None."""
        path = self.ledger_dir / f"{student}.json"
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError):
            return None

    def record(self, result: GradingResult) -> None:
        """Write one submission's grades, graded notebooks, flags and ledger entry."""
        with warnings.catch_warnings():
            # nbgrader 0.9 creating a submission under SQLAlchemy 2 warns about objects "not
            # in session"; the rows are created correctly (nbgrader autograde warns the same)
            warnings.filterwarnings("ignore", "Object of type .* not in session", SAWarning)
            self._record(result)

    def _record(self, result: GradingResult) -> None:
        course, student = self.course, result.student
        folder = course.autograded_dir(self.assignment, student)
        shutil.rmtree(folder, ignore_errors=True)  # what an earlier grading wrote
        if any(notebook.notebook is not None for notebook in result.notebooks):
            folder.mkdir(parents=True)
            if result.timestamp:
                _write_atomic(folder / "timestamp.txt", result.timestamp)
        timestamp = parse_utc(result.timestamp) if result.timestamp else None
        with course.gradebook() as gb:
            gb.update_or_create_student(student)
            options = {"timestamp": timestamp} if timestamp else {}
            gb.update_or_create_submission(self.assignment, student, **options)
        for notebook in result.notebooks:
            path = folder / f"{notebook.name}.ipynb"
            resources = {
                "nbgrader": {
                    "db_url": course.db_url,
                    "assignment": self.assignment,
                    "notebook": notebook.name,
                    "student": student,
                }
            }
            if notebook.notebook is not None:
                _write_atomic(path, notebook.notebook)
                graded = nbformat.reads(notebook.notebook, as_version=4)
                for step in (SaveAutoGrades, AssignLatePenalties):
                    graded, resources = step(config=course.config)(graded, resources)
            with course.gradebook() as gb:
                submitted = gb.find_submission_notebook(notebook.name, self.assignment, student)
                if notebook.notebook is None:
                    for grade in submitted.grades:
                        grade.auto_score, grade.needs_manual_grade = 0.0, False
                submitted.flagged = bool(notebook.flags)
                gb.db.commit()
        self.ledger_dir.mkdir(parents=True, exist_ok=True)
        entry = {
            "key": result.key,
            "complete": result.complete,
            "sandboxed": result.sandboxed,
            "status": result.status,
            "score": result.score,
            "max_score": result.max_score,
            "flags": result.flags,
            "notebooks": {
                nb.name: {"status": nb.status, "scores": nb.scores, "flags": nb.flags, "seconds": round(nb.seconds, 3)}
                for nb in result.notebooks
            },
        }
        _write_atomic(self.ledger_dir / f"{student}.json", json.dumps(entry, indent=1))
