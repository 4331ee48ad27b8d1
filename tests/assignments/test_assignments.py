"""The nbgrader assignments, checked on the real notebooks (conventions: tests/assignments/README.md).

For every ``solutions/<assignment>/``: the committed release is exactly what ``nbgrader generate_assignment``
produces now and holds no solution and no hidden test. Every submission is graded by coursekit, the grader students
get (``coursekit.grading.grade``: sandboxed, cell by cell, output budget, integrity guard): the release filled in with
the source's solutions earns full marks; the release handed in unchanged earns zero; the release filled in with each
``tests/assignments/<assignment>/wrong_*.py`` loses exactly the points it declares with a message naming its bug (in
the text the student's feedback shows), and with each ``right_*.py`` earns full marks. coursekit grades every submission
completely and flags none for review (not even one that hands its work to dnnopt: the hidden tests zero it, and the
scan sees nothing suspicious in an import). Releases and grading run in a pool of two worker processes.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from tests.assignments import harness

pytestmark = pytest.mark.slow

ASSIGNMENTS = harness.assignments()
VARIANTS = [pytest.param(a, path, id=f"{a}/{path.stem}") for a in ASSIGNMENTS for path in harness.variant_paths(a)]
MIN_WRONG = 5
MAX_SECONDS_PER_SUBMISSION = 10.0


@pytest.fixture(scope="module")
def course(request, tmp_path_factory):
    """``course(assignment)`` -> (generated release directory, {student: future of its ``Graded``}).

    Every assignment this session tests is generated and graded once, all jobs queued at the start on a pool of two
    worker processes, so the pool stays busy; each job builds its own submission, so one broken variant file fails
    only its own test.
    """
    wanted = sorted(
        {
            item.callspec.params["assignment"]
            for item in request.session.items
            if item.module is request.module and "assignment" in getattr(item, "callspec", {}).params
        }
    )
    scratch = tmp_path_factory.mktemp("courses")
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        releases = {a: pool.submit(harness.generate_release, str(scratch / a), a) for a in wanted}
        jobs = {}
        for a in wanted:
            submissions = {
                "source": "source",
                "source_again": "source",
                "release": "release",
                **{path.stem: str(path) for path in harness.variant_paths(a)},
            }
            jobs[a] = {
                student: pool.submit(harness.grade_submission, a, student, answers)
                for student, answers in submissions.items()
            }

        def results(assignment: str):
            return Path(releases[assignment].result()), jobs[assignment]

        yield results


# -- the release --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_what_nbgrader_generates(course, assignment):
    release, _ = course(assignment)
    generated = harness.read_notebooks(release)
    committed = harness.read_notebooks(harness.EXERCISES / assignment)
    assert sorted(committed) == sorted(generated), "exercises/ and the generated release hold different notebooks"
    for name in generated:
        differences = harness.notebook_differences(generated[name], committed[name])
        assert not differences, (
            f"exercises/{assignment}/{name}.ipynb is stale or hand-edited; regenerate it "
            f"(see tests/assignments/README.md): {differences}"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_and_no_hidden_test(assignment):
    source = harness.read_notebooks(harness.SOLUTIONS / assignment)
    release = harness.read_notebooks(harness.EXERCISES / assignment)
    for name, notebook in release.items():
        text = nbformat.writes(notebook)
        for marker in (harness.SOLUTION_BEGIN, harness.HIDDEN_BEGIN, "_own("):
            assert marker not in text, f"exercises/{assignment}/{name}.ipynb contains {marker!r}"
        released = {harness.nbgrader_meta(c)["grade_id"]: c for c in notebook.cells if harness.is_solution(c)}
        for cell in filter(harness.is_solution, source[name].cells):
            stub = released[harness.nbgrader_meta(cell)["grade_id"]].source
            assert "raise NotImplementedError()" in stub
            stub_lines = {line.strip() for line in stub.splitlines()}
            leaked = [line for line in harness.solution_lines(cell) if line in stub_lines]
            assert not leaked, f"solution code in exercises/{assignment}/{name}.ipynb: {leaked}"


@pytest.mark.parametrize("folder", [harness.SOLUTIONS, harness.EXERCISES], ids=["solutions", "exercises"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebooks_are_committed_without_outputs(folder, assignment):
    for name, notebook in harness.read_notebooks(folder / assignment).items():
        executed = [c.id for c in notebook.cells if c.cell_type == "code" and (c.outputs or c.execution_count)]
        assert not executed, f"{folder.name}/{assignment}/{name}.ipynb has outputs in cells {executed}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_first_test_cell_embeds_the_hidden_preamble(assignment):
    block = f"{harness.HIDDEN_BEGIN}\n{harness.PREAMBLE}"
    for name, notebook in harness.read_notebooks(harness.SOLUTIONS / assignment).items():
        first_test = next(filter(harness.is_test, notebook.cells))
        assert first_test.source.startswith(block), (
            f"the first test cell of solutions/{assignment}/{name}.ipynb must open with {harness.HIDDEN_BEGIN} and "
            "the exact text of tests/assignments/hidden_preamble.py"
        )


# -- grading ------------------------------------------------------------------------------------------------------


def graded_unflagged(graded: harness.Graded, what: str) -> None:
    """coursekit graded the whole submission (no internal error, nothing timed out) and flagged nothing."""
    assert graded.error is None and graded.status == "graded", f"{what}: {graded.status}, {graded.error}"
    assert graded.flags == [], f"coursekit flags {what} for review: {graded.flags}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_source_earns_full_marks_quickly_and_deterministically(course, assignment):
    _, graded = course(assignment)
    source = graded["source"].result()
    graded_unflagged(source, "the solutions")
    assert source.max_score > 0 and source.lost() == set(), {
        grade_id: source.cells[grade_id].failure for grade_id in source.lost()
    }
    # CPU time, not wall time: unaffected by whatever else shares the machine
    assert source.cpu_seconds < MAX_SECONDS_PER_SUBMISSION, (
        f"grading the solutions took {source.cpu_seconds:.1f} s of CPU in the grader process and its sandboxed "
        f"kernel ({source.seconds:.1f} s wall); the limit is {MAX_SECONDS_PER_SUBMISSION:g} s"
    )
    again = graded["source_again"].result()
    assert {k: c.score for k, c in again.cells.items()} == {k: c.score for k, c in source.cells.items()}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_submitted_unchanged_earns_only_free_points(course, assignment):
    _, graded = course(assignment)
    release = graded["release"].result()
    graded_unflagged(release, "the unchanged release")
    paid = {grade_id for grade_id in release.cells if not grade_id.startswith(harness.FREE_PREFIX)}
    assert release.lost() == paid, f"the unchanged release earns points in {sorted(paid - release.lost())}"
    assert all(release.cells[grade_id].score == 0 for grade_id in paid)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_enough_typical_wrong_implementations(assignment):
    wrong = [path for path in harness.variant_paths(assignment) if path.name.startswith("wrong_")]
    assert len(wrong) >= MIN_WRONG, f"tests/assignments/{assignment}/ has {len(wrong)} wrong_*.py, need {MIN_WRONG}"


@pytest.mark.parametrize(("assignment", "path"), VARIANTS)
def test_variant_loses_exactly_the_declared_points(course, assignment, path):
    variant = harness.read_variant(path)
    _, graded = course(assignment)
    result = graded[variant.name].result()  # re-raises here if the variant file could not be applied
    graded_unflagged(result, path.name)
    unknown = variant.loses - set(result.cells)
    assert not unknown, f"{path.name} declares unknown grade ids {sorted(unknown)}"
    failures = {grade_id: result.cells[grade_id].failure for grade_id in result.lost()}
    assert result.lost() == variant.loses, f"{path.name}: lost {sorted(result.lost())}; failures: {failures}"
    assert all(result.cells[grade_id].score == 0 for grade_id in variant.loses), "test cells are all-or-nothing"
    for message in variant.messages:
        assert any(message in failure for failure in failures.values()), (
            f"{path.name}: no failure message contains {message!r}: {failures}"
        )
