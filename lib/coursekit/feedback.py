"""``coursekit feedback``: a page for every graded submission, with no hidden test in it.

For each student (all, or those named) and each notebook of the assignment, the autograded
notebook and the gradebook's scores become ``feedback/<student>/<assignment>/<notebook>.html``
(:mod:`coursekit.pages`). Nothing of the submission runs and nothing is passed to another tool
as a joined string: students are handled one by one, by name.

* A submission flagged for review gets no page until an instructor clears the flag (nbgrader's
  formgrader) or passes ``include_flagged``; a stale page from before the flag is removed.
* A notebook that could not be graded, or whose page fails the final check, gets a page with
  its scores only, and the report says which and why.
* Next to the pages go the two files ``nbgrader release_feedback`` reads: ``timestamp.txt`` (the
  graded submission's) and ``submission_secret.txt`` (the one ``nbgrader submit`` wrote, read
  from ``submitted/`` without following links). A submission collected by hand has no secret;
  a fresh one is written so that ``release_feedback`` still works, and the report names those
  students: ``nbgrader fetch_feedback`` cannot find their pages, so hand them over directly.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import stat
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import nbformat
from nbgrader.api import MissingEntry

from .course import Course, CourseError
from .execute import is_test_cell
from .pages import Grades, UnsafePage, feedback_page, scores_page
from .pages import _error_line as error_line  # the message line a page shows for a failed test
from .redact import Secrets

__all__ = ["FeedbackReport", "TestResult", "generate_feedback", "test_results"]

log = logging.getLogger("coursekit")
SECRET_BYTES = 256  # nbgrader writes a 32-character hex uuid
WHY_UNSAFE = "Your full feedback page could not be shown safely; your instructor has been told and will follow up."
WHY_UNGRADED = (
    "Your notebook could not be graded, so there is no feedback on its cells; your instructor has the details."
)


@dataclass
class FeedbackReport:
    """What ``generate_feedback`` did, student by student."""

    written: list[Path] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)  # flagged for review
    scores_only: list[str] = field(default_factory=list)  # "student/notebook: why"
    not_graded: list[str] = field(default_factory=list)  # a submission, but nothing in the gradebook yet
    unfetchable: list[str] = field(default_factory=list)  # no submission_secret.txt: not collected by nbgrader

    @property
    def complete(self) -> bool:
        """Every student asked about got a page, or was held back on purpose (flagged)."""
        return not self.not_graded


@dataclass
class TestResult:
    """One test cell's result, as Gradescope's ``results.json`` has it (``score`` None: to grade by hand)."""

    name: str  # notebook/grade_id
    score: float | None
    max_score: float
    visibility: str  # "visible" or "after_published" (the cell has hidden tests)
    output: str  # the failure message shown in feedback ("" when passed)

    @property
    def status(self) -> str:
        return "passed" if self.score is not None and self.score >= self.max_score else "failed"


@dataclass
class _Submission:
    student: str
    flagged: bool
    grades: dict[str, Grades]  # notebook name -> its grades


def generate_feedback(
    course: Course, assignment: str, *, students: list[str] | None = None, include_flagged: bool = False
) -> FeedbackReport:
    """Write the feedback pages of ``assignment`` for ``students`` (default: every submission).

    Raises CourseError for a student with no ``submitted/<student>/<assignment>/`` folder or an
    assignment the gradebook does not know.
    """
    submitted = course.students(assignment)
    students = submitted if students is None else list(dict.fromkeys(students))  # in order, once each
    unknown = [student for student in students if student not in submitted]
    if unknown:
        raise CourseError(
            f"no submission of {assignment!r} from {', '.join(map(repr, unknown))} "
            f"(expected a folder {course.coursedir.submitted_directory}/<student>/{assignment}/)"
        )
    recorded, found = _read_gradebook(course, assignment, students)
    sources = {name: [*cells, *_file_sources(course, assignment, name)] for name, cells in recorded.items()}
    report = FeedbackReport()
    for student in students:
        submission = found.get(student)
        folder = course.root / course.coursedir.feedback_directory / student / assignment
        if submission is None:
            report.not_graded.append(student)
        elif submission.flagged and not include_flagged:
            report.withheld.append(student)
            shutil.rmtree(folder, ignore_errors=True)
        else:
            pages = {name: _page(course, assignment, submission, name, sources[name], report) for name in sources}
            report.written += _write(course, assignment, student, folder, pages, report)
    return report


def _read_gradebook(course: Course, assignment: str, students: list[str]):
    """The source cells as graded, by notebook, and each graded student's grades."""
    with course.gradebook() as gb:
        try:
            entry = gb.find_assignment(assignment)
        except MissingEntry:
            raise CourseError(
                f"assignment {assignment!r} is not in the gradebook: run `coursekit release {assignment}` first"
            ) from None
        recorded = {nb.name: [cell.source for cell in nb.source_cells] for nb in entry.notebooks}
        found = {}
        for submission in entry.submissions:
            student = submission.student.id
            if student in students:
                grades = {nb.name: _grades(submission, nb) for nb in submission.notebooks}
                found[student] = _Submission(student, any(nb.flagged for nb in submission.notebooks), grades)
    return recorded, found


def _grades(submission, notebook) -> Grades:
    return Grades(
        student=submission.student.id,
        assignment=submission.name,
        notebook=notebook.name,
        cells={g.name: (None if g.needs_manual_grade else g.score, g.max_score) for g in notebook.grades},
        comments={c.name: c.comment for c in notebook.comments if c.comment},
        late_penalty=notebook.late_submission_penalty or 0.0,
        timestamp=submission.timestamp,
        duedate=submission.duedate,
    )


def _file_sources(course: Course, assignment: str, name: str) -> list[str]:
    """The source notebook as it is now (it may hold cells added since grading)."""
    path = course.source_dir(assignment) / f"{name}.ipynb"
    if not path.is_file():
        return []
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def _page(
    course: Course, assignment: str, submission: _Submission, name: str, sources: list[str], report: FeedbackReport
) -> str:
    """One notebook's page: the full one, or the scores alone (reported) when that is all that is safe."""
    student = submission.student
    grades = submission.grades.get(name) or Grades(student, assignment, name, {})
    path = course.autograded_dir(assignment, student) / f"{name}.ipynb"
    if not path.is_file():
        report.scores_only.append(f"{student}/{name}: no graded notebook (it could not be read or run)")
        return scores_page(grades, WHY_UNGRADED)
    try:
        nb = nbformat.read(path, as_version=4)
        return feedback_page(nb, grades, _secrets(nb, sources))
    except UnsafePage as problem:
        report.scores_only.append(f"{student}/{name}: the page failed the final check ({problem})")
    except Exception as error:  # a bug of ours, or a notebook nobody foresaw: the student still gets a page
        log.error("feedback for %s/%s failed:\n%s", student, name, traceback.format_exc())
        report.scores_only.append(f"{student}/{name}: the page could not be made ({type(error).__name__}: {error})")
    return scores_page(grades, WHY_UNSAFE)


def _secrets(nb, sources: list[str]) -> Secrets:
    """The secret lines of a graded notebook: its sources' and test cells', less the student's own."""
    tests = [cell.source for cell in nb.cells if is_test_cell(cell)]
    own = [cell.source for cell in nb.cells if not is_test_cell(cell)]
    return Secrets.of([*sources, *tests]).without(own)


def test_results(course: Course, assignment: str, students: list[str]) -> dict[str, list[TestResult]]:
    """Each graded submission's test cells, in notebook order, with the messages its feedback page shows.

    A test whose source cell has a hidden part is ``after_published`` (Gradescope's word: shown
    once grades are released), the others ``visible``; a message is the redacted error line,
    never the test's code.
    """
    recorded, found = _read_gradebook(course, assignment, students)
    sources = {name: [*cells, *_file_sources(course, assignment, name)] for name, cells in recorded.items()}
    hidden = {name: _hidden_tests(course, assignment, name) for name in recorded}
    return {
        student: [
            test
            for name in recorded
            for test in _notebook_results(course, assignment, submission, name, sources[name], hidden[name])
        ]
        for student, submission in found.items()
    }


def _hidden_tests(course: Course, assignment: str, name: str) -> set[str]:
    """The grade ids of the source's test cells that have hidden tests."""
    path = course.source_dir(assignment) / f"{name}.ipynb"
    cells = nbformat.read(path, as_version=4).cells if path.is_file() else []
    return {c.metadata.nbgrader["grade_id"] for c in cells if is_test_cell(c) and "BEGIN HIDDEN TESTS" in c.source}


def _notebook_results(
    course: Course, assignment: str, submission: _Submission, name: str, sources: list[str], hidden: set[str]
) -> list[TestResult]:
    """One notebook's tests (those worth points) for one submission."""
    grades = submission.grades.get(name) or Grades(submission.student, assignment, name, {})
    path = course.autograded_dir(assignment, submission.student) / f"{name}.ipynb"
    messages = {}
    if path.is_file():
        graded = nbformat.read(path, as_version=4)
        secrets = _secrets(graded, sources)
        for cell in filter(is_test_cell, graded.cells):
            errors = [output for output in cell.outputs if output.output_type == "error"]
            messages[cell.metadata.nbgrader["grade_id"]] = "\n".join(error_line(e, secrets) for e in errors)
    return [
        TestResult(
            f"{name}/{grade_id}",
            score,
            maximum,
            "after_published" if grade_id in hidden else "visible",
            messages.get(grade_id, ""),
        )
        for grade_id, (score, maximum) in grades.cells.items()
        if maximum > 0
    ]


def _write(
    course: Course, assignment: str, student: str, folder: Path, pages: dict[str, str], report: FeedbackReport
) -> list[Path]:
    """Replace ``folder`` with the pages and the two files nbgrader's ``release_feedback`` reads."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    written = []
    for name, page in pages.items():
        written.append(folder / f"{name}.html")
        _write_atomic(written[-1], page)
    graded = course.autograded_dir(assignment, student) / "timestamp.txt"
    timestamp = graded.read_text() if graded.is_file() else f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f} UTC"
    _write_atomic(folder / "timestamp.txt", timestamp)
    secret = _read_small(course.submitted_dir(assignment, student) / "submission_secret.txt")
    if secret is None:
        report.unfetchable.append(student)
        secret = secrets.token_hex(16)
    _write_atomic(folder / "submission_secret.txt", secret)
    return written


def _read_small(path: Path) -> str | None:
    """A small regular file's text, never following a symlink; None if there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        text = file.read(SECRET_BYTES + 1).decode("ascii", errors="replace").strip()
    return text if 0 < len(text) <= SECRET_BYTES and text.isprintable() else None


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    os.replace(temporary, path)
