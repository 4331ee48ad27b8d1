"""Feedback pages for every real assignment (``solutions/*``), checked against the source notebook.

Each assignment gets two submissions, made from its release as a student hands it in: ``everyday``,
correct, with a helper cell of its own full of everyday lines that hidden tests contain too
(``else:``, ``N = len(x)``, ``return out, cache``...); and ``partly``, the same with the first typical
wrong implementation of ``tests/assignments/<assignment>/`` in place. Both must get their full page:
the student's lines all visible, the failed tests named with the messages the assignment's own
suite expects, nothing over-redacted, and no line of a hidden region the student did not write.
"""

from __future__ import annotations

import copy
import shutil

import nbformat
import pytest
from bs4 import BeautifulSoup

from coursekit.course import Course
from coursekit.execute import is_test_cell
from coursekit.feedback import generate_feedback
from coursekit.release import release
from tests.assignments.harness import REPO, apply_variant, assignments, read_variant, variant_paths
from tests.coursekit.cases import EVERYDAY_CELL, EVERYDAY_LINES
from tests.coursekit.helpers import grade_in_process, hidden_test_lines, html_text

pytestmark = pytest.mark.slow

ASSIGNMENTS = assignments()
NOTE_FIGURE = "A figure produced after hidden tests ran is not shown: it could display test code."


def _first_wrong(assignment: str):
    """The first typical wrong implementation that loses some tests (not all) and calls no library."""
    return next(
        read_variant(path)
        for path in variant_paths(assignment)
        if path.name.startswith("wrong_") and "dnnopt" not in path.name
    )


def _everyday(course: Course, assignment: str) -> dict[str, nbformat.NotebookNode]:
    """The release with the source's answers (matched by grade_id) and the everyday helper cell."""
    notebooks = {}
    for path in sorted(course.release_dir(assignment).glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        source = nbformat.read(course.source_dir(assignment) / path.name, as_version=4)
        answers = {
            c.metadata.nbgrader["grade_id"]: c.source
            for c in source.cells
            if c.metadata.get("nbgrader", {}).get("solution")
        }
        for cell in nb.cells:
            cell.source = answers.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
        first_answer = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("solution"))
        nb.cells.insert(first_answer + 1, nbformat.v4.new_code_cell(EVERYDAY_CELL))
        notebooks[path.stem] = nb
    return notebooks


def _submit(course: Course, assignment: str, student: str, notebooks: dict) -> None:
    folder = course.submitted_dir(assignment, student)
    folder.mkdir(parents=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / f"{name}.ipynb")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("real-feedback") / "course"
    root.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions", root / "solutions")
    course = Course.load(root)
    for assignment in ASSIGNMENTS:
        assert release(course, assignment, check_grades=False).problems == []
        everyday = _everyday(course, assignment)
        _submit(course, assignment, "everyday", everyday)
        _submit(course, assignment, "partly", apply_variant(copy.deepcopy(everyday), _first_wrong(assignment).path))
        grade_in_process(root, assignment)
    return course


def _page(course: Course, assignment: str, student: str):
    pages = sorted((course.root / "feedback" / student / assignment).glob("*.html"))
    assert len(pages) == len(course.notebooks(assignment))
    return pages


def _unwritten_secrets(course: Course, assignment: str, student: str) -> set[str]:
    """Lines of the source's hidden regions (computed independently) that the student did not write."""
    own = []
    for path in course.submitted_dir(assignment, student).glob("*.ipynb"):
        cells = nbformat.read(path, as_version=4).cells
        own += [" ".join(line.split()) for c in cells if not is_test_cell(c) for line in c.source.splitlines()]
    secrets = set()
    for source in course.source_dir(assignment).glob("*.ipynb"):
        secrets |= hidden_test_lines(source)
    return {line for line in secrets if not any(line in mine for mine in own)}


def _summary(page) -> dict[str, str]:
    soup = BeautifulSoup(page.read_text(), "html.parser")
    return {row.find("code").text: row.get_text(" ", strip=True) for row in soup.select("table.summary tbody tr")}


@pytest.mark.skipif(not ASSIGNMENTS, reason="no assignments in solutions/ yet")
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_and_partly_wrong_submissions_get_full_pages(course, assignment):
    report = generate_feedback(course, assignment, include_flagged=True)
    assert report.complete and report.scores_only == [] and report.withheld == []
    with course.gradebook() as gb:
        scores = {s.student.id: (s.score, s.max_score) for s in gb.find_assignment(assignment).submissions}
    assert scores["everyday"][0] == scores["everyday"][1] > scores["partly"][0]
    wrong = _first_wrong(assignment)
    for student in ("everyday", "partly"):
        secrets = _unwritten_secrets(course, assignment, student)
        text = "\n".join(html_text(page) for page in _page(course, assignment, student))
        for line in EVERYDAY_LINES:
            assert line in text, (student, line)
        assert "[line hidden" not in text, student  # nothing a student wrote or a test says is redacted
        assert sorted(line for line in secrets if line in text) == [], student
        summary = {gid: row for page in _page(course, assignment, student) for gid, row in _summary(page).items()}
        failed = {gid for gid, row in summary.items() if "failed" in row}
        assert failed == (set() if student == "everyday" else set(wrong.loses)), student
        assert "Test cell" not in text
    partly = "\n".join(html_text(page) for page in _page(course, assignment, "partly"))
    for message in wrong.messages:
        assert message in partly, message
    drawn = any(
        "plt.show()" in cell.source
        for path in course.source_dir(assignment).glob("*.ipynb")
        for cell in nbformat.read(path, as_version=4).cells
    )
    assert (NOTE_FIGURE in partly) == drawn
