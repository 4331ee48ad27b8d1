"""``coursekit export``: the gradebook's final scores, in one table and the files an LMS imports.

Every file is made from the same :class:`Grade` records (one per student and assignment, read
from nbgrader's gradebook, late penalties included), so they cannot disagree:

* ``grades.csv``: nbgrader's own CSV export (one row per student and assignment: raw score,
  late penalty, score, maximum);
* ``canvas.csv``: a Canvas gradebook import (``Student, ID, SIS User ID, SIS Login ID, Section``,
  then one column per assignment, ``Name (canvas id)`` when the roster names the Canvas
  assignment, and a ``Points Possible`` row);
* ``moodle.csv``: a Moodle grade import (an ``Email address`` and a ``Username`` column to map
  users by, then one column per grade item);
* ``results/<assignment>/<student>.json``: each submission's tests in the shape of Gradescope's
  autograder ``results.json`` (``score``, ``tests: [{name, score, max_score, visibility,
  output}]``), with the failure messages the feedback page shows.

A submission that does not exist scores 0 everywhere (the table shows ``-``). Students' LMS
identities come from a roster CSV (:class:`Roster`), else from the gradebook's student records
(``nbgrader db student import``).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin

from .course import Course, CourseError
from .feedback import TestResult, test_results

__all__ = ["Grade", "GradeSheet", "Roster", "export_grades", "grades_table", "read_grades", "write_lms_files"]

CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_IDENTITY = ["Email address", "Username"]
ROSTER_COLUMNS = {
    "id",
    "first_name",
    "last_name",
    "email",
    "lms_user_id",
    "sis_user_id",
    "sis_login_id",
    "section",
    "username",
}


@dataclass(frozen=True)
class Grade:
    """One student's grade on one assignment, as the gradebook has it."""

    student: str
    assignment: str
    raw: float  # the tests' points (manual scores where given)
    penalty: float  # late penalty, points
    max_score: float
    submitted: bool
    flagged: bool = False

    @property
    def final(self) -> float:
        return self.raw - self.penalty

    def cell(self) -> str:
        """The table's ``final/max``, ``*`` when flagged, ``L`` when late; ``-`` when nothing was submitted."""
        if not self.submitted:
            return "-"
        return f"{self.final:g}/{self.max_score:g}" + "*" * self.flagged + "L" * (self.penalty > 0)


@dataclass
class GradeSheet:
    """Every student's grade on every assignment of the gradebook."""

    assignments: dict[str, float]  # name -> max score, in the gradebook's order
    students: list[str]
    grades: dict[tuple[str, str], Grade] = field(default_factory=dict)  # (student, assignment) -> grade

    def __getitem__(self, key: tuple[str, str]) -> Grade:
        return self.grades[key]


def read_grades(course: Course) -> GradeSheet:
    """All final scores, read once from the gradebook (what every export is made from)."""
    with course.gradebook() as gb:
        result = GradeSheet({a.name: a.max_score for a in gb.assignments}, [s.id for s in gb.students])
        for student in result.students:
            for assignment, max_score in result.assignments.items():
                try:
                    submission = gb.find_submission(assignment, student)
                except MissingEntry:
                    result.grades[student, assignment] = Grade(student, assignment, 0.0, 0.0, max_score, False)
                    continue
                result.grades[student, assignment] = Grade(
                    student,
                    assignment,
                    submission.score,
                    submission.late_submission_penalty or 0.0,
                    max_score,
                    True,
                    any(nb.flagged for nb in submission.notebooks),
                )
    return result


@dataclass(frozen=True)
class Roster:
    """Students' identities in the LMS, by nbgrader student id.

    Read from a CSV whose ``id`` column holds nbgrader's student ids, with any of the columns
    ``first_name, last_name, email, lms_user_id`` (the ones ``nbgrader db student import``
    reads, so one file serves both), ``sis_user_id, sis_login_id, section`` (Canvas) and
    ``username`` (Moodle; the student id when empty). ``lms_user_id`` is Canvas's numeric
    ``ID``. Students missing from the file fall back to the gradebook's records.
    """

    people: dict[str, dict[str, str]]  # student id -> column -> value
    canvas_ids: dict[str, str] = field(default_factory=dict)  # assignment -> Canvas assignment id

    @classmethod
    def read(cls, path: str | Path, canvas_ids: dict[str, str] | None = None) -> Roster:
        with open(path, newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            columns = {name.strip() for name in reader.fieldnames or []}
            if "id" not in columns:
                raise CourseError(
                    f"roster {path} has no 'id' column (nbgrader's student ids); it has {sorted(columns)}"
                )
            unknown = columns - ROSTER_COLUMNS
            if unknown:
                raise CourseError(f"roster {path}: unknown columns {sorted(unknown)}; known: {sorted(ROSTER_COLUMNS)}")
            people = {}
            for row in reader:
                row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
                people[row["id"]] = row
        return cls(people, dict(canvas_ids or {}))

    @classmethod
    def from_gradebook(cls, course: Course, canvas_ids: dict[str, str] | None = None) -> Roster:
        columns = ("first_name", "last_name", "email", "lms_user_id")
        with course.gradebook() as gb:
            people = {s.id: {"id": s.id} | {c: getattr(s, c) or "" for c in columns} for s in gb.students}
        return cls(people, dict(canvas_ids or {}))

    def merged(self, other: Roster) -> Roster:
        """This roster, with ``other``'s entries for students it does not list."""
        return Roster(other.people | self.people, self.canvas_ids or other.canvas_ids)

    def person(self, student: str) -> dict[str, str]:
        return self.people.get(student, {"id": student})

    def name(self, student: str) -> str:
        """Canvas's sortable ``Last, First`` (the student id when the roster has no name)."""
        person = self.person(student)
        first, last = person.get("first_name", ""), person.get("last_name", "")
        return f"{last}, {first}" if first and last else last or first or student


def export_grades(course: Course, csv_path: str | Path) -> Path:
    """Write nbgrader's grades CSV (one row per student and assignment) to ``csv_path``."""
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(csv_path)
    with course.gradebook() as gb:
        plugin.export(gb)
    return Path(csv_path)


def grades_table(grades: GradeSheet) -> str:
    """Final scores per student and assignment (``*`` flagged for review, ``L`` late penalty taken)."""
    header = ["student", *grades.assignments]
    rows = [[student, *(grades[student, a].cell() for a in grades.assignments)] for student in grades.students]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(value).ljust(width) for value, width in zip(row, widths, strict=True)) for row in [header, *rows]
    ]
    return "\n".join([*lines, "(score after any late penalty; * flagged for review, L late, - nothing submitted: 0)"])


def write_lms_files(course: Course, grades: GradeSheet, roster: Roster, folder: str | Path) -> list[Path]:
    """Write ``canvas.csv``, ``moodle.csv`` and ``results/<assignment>/<student>.json`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [_canvas(grades, roster, folder / "canvas.csv"), _moodle(grades, roster, folder / "moodle.csv")]
    for assignment in grades.assignments:
        submitted = [student for student in grades.students if grades[student, assignment].submitted]
        (folder / "results" / assignment).mkdir(parents=True, exist_ok=True)
        for student, tests in test_results(course, assignment, submitted).items():
            written.append(folder / "results" / assignment / f"{student}.json")
            written[-1].write_text(json.dumps(_results(grades[student, assignment], tests), indent=1))
    return written


def _points(value: float) -> str:
    return f"{value:g}"


def _canvas(grades: GradeSheet, roster: Roster, path: Path) -> Path:
    columns = [
        f"{name} ({roster.canvas_ids[name]})" if name in roster.canvas_ids else name for name in grades.assignments
    ]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*CANVAS_IDENTITY, *columns])
        writer.writerow(["    Points Possible", "", "", "", "", *map(_points, grades.assignments.values())])
        for student in grades.students:
            person = roster.person(student)
            identity = [
                roster.name(student),
                person.get("lms_user_id", ""),
                person.get("sis_user_id", ""),
                person.get("sis_login_id", ""),
                person.get("section", ""),
            ]
            writer.writerow([*identity, *(_points(grades[student, a].final) for a in grades.assignments)])
    return path


def _moodle(grades: GradeSheet, roster: Roster, path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow([*MOODLE_IDENTITY, *grades.assignments])
        for student in grades.students:
            person = roster.person(student)
            identity = [person.get("email", ""), person.get("username") or student]
            writer.writerow([*identity, *(_points(grades[student, a].final) for a in grades.assignments)])
    return path


def _results(grade: Grade, tests: list[TestResult]) -> dict:
    """One submission in the shape of Gradescope's ``results.json``."""
    output = f"{grade.raw:g} of {grade.max_score:g} points"
    if grade.penalty:
        output += f", less a late penalty of {grade.penalty:g}"
    return {
        "score": grade.final,
        "max_score": grade.max_score,
        "output": output,
        "visibility": "after_published",
        "tests": [
            {
                "name": test.name,
                "score": test.score or 0.0,
                "max_score": test.max_score,
                "status": test.status,
                "visibility": test.visibility,
                "output": test.output,
            }
            for test in tests
        ],
        "student": grade.student,
        "late_penalty": grade.penalty,
        "flagged": grade.flagged,
    }
