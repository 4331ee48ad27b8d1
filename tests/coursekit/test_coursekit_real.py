"""The course's real assignments (``solutions/``) through coursekit: grades, tampering, feedback.

One course holds every assignment; each gets two submissions: the source (full marks) and the
release unchanged (zero, every hidden test's failure message shown), graded one by one with the
library (``grade`` and the gradebook writer, no worker processes: cheap). The first assignment
also gets two adversarial ones and is graded with ``coursekit grade --workers 2``: the source with
numpy's comparisons rigged in a cell of its own (every test zero, flagged) and the source
printing the kernel's cached cell sources, hidden tests included, after the first test (full
marks, flagged). Feedback, flagged submissions included, must not show a line of a hidden test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from coursekit.course import Course
from coursekit.execute import is_test_cell
from coursekit.feedback import generate_feedback
from coursekit.gradebook import GradebookWriter
from coursekit.grading import grade
from coursekit.release import release
from coursekit.sandbox import SandboxLimits
from tests.coursekit.helpers import hidden_test_lines, leaked_lines, run_coursekit

pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[2]
SOLUTIONS = REPOSITORY / "solutions"
ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.glob("*") if list(p.glob("*.ipynb")))
RIG = "import numpy\nnumpy.allclose = lambda *args, **kwargs: True\nnumpy.isclose = numpy.allclose"
LEAK = "import linecache\nfor entry in list(linecache.cache.values()):\n    print(''.join(entry[2]))"


def _submit(course: Course, assignment: str, student: str, edit=None) -> None:
    folder = course.submitted_dir(assignment, student)
    folder.mkdir(parents=True)
    base = course.release_dir(assignment) if student == "release" else course.source_dir(assignment)
    for path in base.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        if edit is not None:
            edit(nb)
        nbformat.write(nb, folder / path.name)


def _rig(nb) -> None:
    nb.cells.insert(0, nbformat.v4.new_code_cell(RIG))


def _leak(nb) -> None:
    first_test = next(i for i, cell in enumerate(nb.cells) if is_test_cell(cell))
    nb.cells.insert(first_test + 1, nbformat.v4.new_code_cell(LEAK))


STUDENTS = [("source", None), ("release", None), ("rigged", _rig), ("leaky", _leak)]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("real") / "course"
    root.mkdir()
    shutil.copy(REPOSITORY / "nbgrader_config.py", root)
    shutil.copytree(SOLUTIONS, root / "solutions")
    course = Course.load(root)
    limits = SandboxLimits(protect=course.protected_paths())
    for assignment in ASSIGNMENTS:
        assert release(course, assignment, check_grades=False).problems == []
        students = STUDENTS if assignment == ASSIGNMENTS[0] else STUDENTS[:2]
        for student, edit in students:
            _submit(course, assignment, student, edit)
        if assignment == ASSIGNMENTS[0]:
            graded = run_coursekit(root, "grade", assignment, "--workers", "2")
            assert f"{len(students)} graded now" in graded.stdout
            continue
        writer = GradebookWriter(course, assignment)
        for student, _ in students:
            writer.record(grade(course.task(assignment, student, limits)))
    return course


@pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments in solutions/ yet")
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_real_assignment_grades_and_feedback_hides_its_tests(course, assignment):
    with course.gradebook() as gb:
        scores = {
            s.student.id: (s.score, s.max_score, any(nb.flagged for nb in s.notebooks))
            for s in gb.find_assignment(assignment).submissions
        }
    full = scores["source"][0]
    assert full > 0 and scores["release"][0] == 0
    secrets = set()
    for source in course.source_dir(assignment).glob("*.ipynb"):
        secrets |= hidden_test_lines(source)
    if assignment == ASSIGNMENTS[0]:
        assert scores["rigged"][0] == 0 and scores["rigged"][2], "rigged numpy zeroes the tests"
        assert scores["leaky"][0] == full and scores["leaky"][2], "printing the cache is flagged"
        printed = "".join(p.read_text() for p in course.autograded_dir(assignment, "leaky").glob("*.ipynb"))
        assert any(line in printed for line in secrets), "the leak should print hidden tests"

    report = generate_feedback(course, assignment, include_flagged=True)
    assert report.complete and report.scores_only == []
    pages = sorted((course.root / "feedback").glob(f"*/{assignment}/*.html"))
    assert {page.parts[-3] for page in pages} == set(scores)
    for page in pages:
        assert leaked_lines(page, secrets) == [], page
