"""``coursekit release``: nbgrader's ``generate_assignment``, then checks on what it produced."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

import nbformat
from nbgrader.converters import GenerateAssignment

from .course import Course
from .grading import GradingTask, grade
from .limits import SandboxLimits
from .redact import hidden_lines, notebook_text
from .sandbox import SandboxError, capabilities

__all__ = ["ReleaseReport", "find_leaks", "release"]


@dataclass
class ReleaseReport:
    """What ``release`` found: problems make the release unusable; notes are informational."""

    assignment: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def release(
    course: Course, assignment: str, *, check_grades: bool = True, limits: SandboxLimits | None = None
) -> ReleaseReport:
    """Generate the student version of ``assignment`` and check it.

    Checks: every released notebook has no outputs, no solution or hidden-test region and no
    line of a hidden test; with ``check_grades``, the source notebooks graded as a submission
    earn full marks and the released ones (submitted unchanged) are reported with their score.
    The grade check runs notebooks, so without a sandbox (and ``limits.unsandboxed``) it raises
    :class:`SandboxError` before anything is generated.
    """
    limits = limits or SandboxLimits()
    if check_grades and capabilities().bwrap is None and not limits.unsandboxed:
        raise SandboxError(f"{capabilities().missing}; or skip the grade check with --no-grade-check")
    _put_alembic_on_path()
    coursedir = course.coursedir
    coursedir.assignment_id = assignment
    converter = GenerateAssignment(coursedir=coursedir, config=course.config)
    converter.force = True
    converter.create_assignment = True
    converter.start()
    report = ReleaseReport(assignment)
    sources = course.sources(assignment)
    released = {name: (course.release_dir(assignment) / f"{name}.ipynb").read_bytes() for name in sources}
    for name in sources:
        problems = find_leaks(nbformat.reads(released[name], as_version=4), nbformat.reads(sources[name], as_version=4))
        report.problems += [f"{name}: {problem}" for problem in problems]
    if check_grades:
        _check_grades(course, assignment, sources, released, limits, report)
    return report


def find_leaks(nb, source) -> list[str]:
    """What the released notebook ``nb`` shows that it must not, one sentence each (empty: clean).

    Outputs, solution or hidden-test regions, and lines of ``source``'s hidden tests.
    """
    problems = []
    if any(cell.get("outputs") for cell in nb.cells):
        problems.append("has outputs (release notebooks must be clean)")
    text = notebook_text(nb)
    for marker in ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION"):
        if marker in text:
            problems.append(f"contains a {marker!r} region")
    leaked = [line for line in hidden_lines(c.source for c in source.cells) if line in text]
    if leaked:
        problems.append(f"contains {len(leaked)} hidden-test lines, e.g. {leaked[0]!r}")
    return problems


def _put_alembic_on_path() -> None:
    """nbgrader creates a gradebook by running the ``alembic`` command it finds on PATH: make it
    the one installed next to this interpreter, also when the virtual environment is not activated."""
    scripts = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", "")
    if scripts not in path.split(os.pathsep):
        os.environ["PATH"] = os.pathsep.join([scripts, path])


def _check_grades(course, assignment, sources, released, limits, report) -> None:
    for label, submitted in (("source", sources), ("release", released)):
        task = GradingTask(
            assignment,
            f"coursekit-{label}-check",
            dict(submitted),
            sources,
            limits,
            course.nbgrader_settings(),
            course.release_files(assignment),
        )
        result = grade(task)
        line = f"{label} graded as a submission: {result.score:g}/{result.auto_max_score:g}"
        if label == "source" and result.score != result.auto_max_score:
            report.problems.append(f"{line} (the source must earn full marks); flags: {result.flags}")
        else:
            report.notes.append(line)
