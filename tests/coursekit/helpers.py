"""Helpers for the coursekit tests: a demo course, the CLI, checks independent of coursekit."""

from __future__ import annotations

import html
import re
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import nbformat

from coursekit import demo
from coursekit.course import Course
from coursekit.gradebook import GradebookWriter
from coursekit.grading import grade
from coursekit.release import release
from coursekit.sandbox import SandboxLimits

LIMITS = [
    "--timeout",
    "8",
    "--notebook-timeout",
    "60",
    "--memory-mb",
    "1024",
    "--output-kb",
    "256",
    "--max-procs",
    "32",
]


def run_coursekit(
    root: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run the ``coursekit`` command (as instructors do) on the course at ``root``, in ``env`` if given."""
    result = subprocess.run(
        [sys.executable, "-m", "coursekit.cli", "--course", str(root), *args],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"coursekit {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def make_demo_course(root: Path) -> Path:
    """The demo course, released (exercises/ generated, gradebook created)."""
    demo.create_course(root)
    report = release(Course.load(root), demo.ASSIGNMENT, check_grades=False)
    assert not report.problems, report.problems
    return root


def grade_in_process(root: Path, assignment: str) -> None:
    """Grade every submission of ``assignment`` with the library, one by one (no worker processes: cheap)."""
    course = Course.load(root)
    writer = GradebookWriter(course, assignment)
    limits = SandboxLimits(protect=course.protected_paths())
    for student in course.students(assignment):
        writer.record(grade(course.task(assignment, student, limits)))


def hidden_test_lines(source: Path) -> set[str]:
    """Lines inside hidden-test regions of ``source`` that nothing outside them shows.

    Computed here independently of coursekit: stripped lines between the markers, with at
    least three words that are not all numbers (a lone ``)`` or ``except Exception:`` reveals
    nothing about a test: coursekit.redact's documented rule), that are not part of a line
    outside the hidden regions (``return`` in a solution reveals nothing either).
    """
    public, hidden, inside = [], set(), False
    for cell in nbformat.read(source, as_version=4).cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside:
                hidden.add(line.strip())
            else:
                public.append(line.strip())
    shown = "\n".join(public)
    return {line for line in hidden if line not in shown and _says_something(line)}


def _says_something(line: str) -> bool:
    words = re.findall(r"\w+", line)
    return len(words) >= 3 and not all(word.isdigit() for word in words)


def html_text(path: Path) -> str:
    """The visible text of an HTML page, whitespace-normalized line by line."""
    text = html.unescape(re.sub(r"<[^>]*>", "", path.read_text()))
    return "\n".join(" ".join(line.split()) for line in text.splitlines())


def leaked_lines(page: Path, secrets: set[str]) -> list[str]:
    """Secret lines (normalized) that appear in the page's text."""
    text = html_text(page)
    return sorted(line for line in secrets if " ".join(line.split()) in text)


def gradebook_dump(root: Path) -> list[tuple]:
    """Every student's grades and flags, sorted: what "the same gradebook" compares."""
    with closing(sqlite3.connect(root / "gradebook.db")) as db:
        grades = db.execute("""
            SELECT submitted_assignment.student_id, notebook.name, base_cell.name,
                   grade.auto_score, grade.manual_score, submitted_notebook.flagged
            FROM grade
            JOIN submitted_notebook ON grade.notebook_id = submitted_notebook.id
            JOIN submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id
            JOIN notebook ON submitted_notebook.notebook_id = notebook.id
            JOIN base_cell ON grade.cell_id = base_cell.id""").fetchall()
    return sorted(grades, key=repr)


def totals(root: Path) -> dict[str, float]:
    """Each student's total auto score for the demo assignment."""
    scores: dict[str, float] = {}
    for student, _, _, auto, manual, _ in gradebook_dump(root):
        scores[student] = scores.get(student, 0.0) + (manual if manual is not None else auto or 0)
    return scores
