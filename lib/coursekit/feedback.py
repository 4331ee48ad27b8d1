"""``coursekit feedback``: nbgrader's ``generate_feedback`` with the hidden tests taken out.

nbgrader's feedback shows test cells as graded, hidden tests and their tracebacks included.
Here its ``GenerateFeedback`` converter runs with one more preprocessor,
:class:`HideHiddenTests` (see :mod:`coursekit.redact`), and every page it writes is then read
back: a page that still holds a hidden-test line is deleted and reported, never left for a
student. Submissions flagged for review get no feedback until an instructor clears the flag
(nbgrader's formgrader) or passes ``include_flagged``.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.converters import GenerateFeedback
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Dict
from traitlets.config import Config

from .course import Course
from .grading import nbgrader_log
from .redact import hidden_lines, redact_notebook

__all__ = ["FeedbackReport", "HideHiddenTests", "generate_feedback"]

TAG = re.compile(r"<[^>]*>")


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests, their tracebacks and any output line quoting them."""

    secrets = Dict(help="notebook name -> its hidden lines (coursekit.redact.hidden_lines)")

    def preprocess(self, nb, resources):
        return redact_notebook(nb, self.secrets[resources["nbgrader"]["notebook"]]), resources


@dataclass
class FeedbackReport:
    """Pages written, students held back for review, and pages deleted by the final check."""

    written: list[Path] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def _file_sources(course: Course, assignment: str, name: str) -> list[str]:
    path = course.source_dir(assignment) / f"{name}.ipynb"
    if not path.is_file():
        return []
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def page_text(path: Path) -> str:
    """The visible text of an HTML page, one normalized line per line."""
    text = html.unescape(TAG.sub("", path.read_text(errors="replace")))
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def generate_feedback(course: Course, assignment: str, *, include_flagged: bool = False) -> FeedbackReport:
    """Write ``feedback/<student>/<assignment>/*.html`` for every autograded submission."""
    report = FeedbackReport()
    with course.gradebook() as gb:
        flagged = sorted(
            {s.student.id for s in gb.find_assignment(assignment).submissions if any(nb.flagged for nb in s.notebooks)}
        )
        # the source as graded (the gradebook's copy) and as it is now (the file, which also
        # has the cells without nbgrader metadata, part of what students already see)
        recorded = {nb.name: [c.source for c in nb.source_cells] for nb in gb.find_assignment(assignment).notebooks}
    sources = {
        name: hidden_lines([*cells, *_file_sources(course, assignment, name)]) for name, cells in recorded.items()
    }
    feedback_root = course.root / course.coursedir.feedback_directory
    if not include_flagged:
        report.withheld = flagged
        for student in flagged:  # stale pages from before the flag must go too
            shutil.rmtree(feedback_root / student / assignment, ignore_errors=True)
    config = Config(course.config)
    config.GenerateFeedback.preprocessors = [GetGrades, HideHiddenTests(secrets=sources), CSSHTMLHeaderPreprocessor]
    graded = {s for s in course.students(assignment) if list(course.autograded_dir(assignment, s).glob("*.ipynb"))}
    coursedir = course.coursedir
    coursedir.assignment_id, coursedir.student_id = assignment, "*"
    # nbgrader only knows to skip students by name: the withheld ones, and those with nothing
    # graded (no notebook could be read)
    skipped = sorted(set(report.withheld) | (set(course.students(assignment)) - graded))
    coursedir.student_id_exclude = ",".join(skipped)
    if graded - set(report.withheld):
        converter = GenerateFeedback(coursedir=coursedir, config=config, log=nbgrader_log())
        converter.force = True
        converter.start()
    for page in sorted(feedback_root.glob(f"*/{assignment}/*.html")):
        text = page_text(page)
        leaked = [line for line in sources.get(page.stem, []) if line in text]
        if leaked:
            page.unlink()
            report.deleted.append(f"{page}: contained {leaked[0]!r}")
        else:
            report.written.append(page)
    return report
