"""The nbgrader assignments, checked on the real notebooks (conventions: tests/assignments/README.md).

For every ``solutions/<assignment>/``: the committed release is exactly what ``nbgrader generate_assignment``
produces now and holds no solution and no hidden test. Every submission is graded by coursekit, the grader students
get (``coursekit.grading.grade``: sandboxed, cell by cell, output budget, integrity guard): the release filled in with
the source's solutions earns full marks; the release handed in unchanged earns zero; the release filled in with each
``tests/assignments/<assignment>/wrong_*.py`` loses exactly the points it declares, every lost cell with a message
naming its bug (in the text the student's feedback shows), and with each ``right_*.py`` earns full marks. The student
side too: graded by the visible tests alone (the release as a student runs it while working), the solutions and every
``right_*.py`` pass them all, and each realistic first-attempt mistake (a ``wrong_*.py`` with a ``visible:`` line; every
graded function has some) is caught by a visible test whose message names it. coursekit grades every submission
completely and flags none for review (not even one that hands its work to dnnopt: the hidden tests zero it, and the
scan sees nothing suspicious in an import). Releases and grading run in a pool of two worker processes.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest

from coursekit.limits import SandboxLimits
from coursekit.scan import defined_names
from coursekit.session import CELL_ALLOWANCE, FLOOD_FACTOR
from tests.assignments import harness

pytestmark = pytest.mark.slow

ASSIGNMENTS = harness.assignments()
VARIANTS = [pytest.param(a, path, id=f"{a}/{path.stem}") for a in ASSIGNMENTS for path in harness.variant_paths(a)]
MIN_WRONG = 5
MAX_SECONDS_PER_SUBMISSION = 10.0
HIDDEN_PREFIX = "_ck_"  # every name a test cell defines (def, class, import), so no student's helper can rebind one
VISIBLE = "@visible"  # suffix of the students whose submission is graded by the visible tests alone


@pytest.fixture(scope="module")
def course(request, tmp_path_factory):
    """``course(assignment)`` -> (generated release directory, {student: future of its ``Graded``}).

    Every assignment this session tests is generated and graded once, all jobs queued at the start on a pool of two
    worker processes, so the pool stays busy; each job builds its own submission, so one broken variant file fails
    only its own test. Student ``<name>@visible`` is ``<name>``'s submission graded by the visible tests alone: the
    solutions, every right variant, every wrong variant that declares ``visible:`` and every first-attempt mistake
    (``first_*.py``, graded only that way).
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
            working = ["source"] + [path.stem for path in harness.variant_paths(a) if _graded_as_working(path)]
            jobs[a] = {
                student: pool.submit(harness.grade_submission, a, student, answers)
                for student, answers in submissions.items()
                if not student.startswith("first_")
            }
            jobs[a] |= {
                f"{student}{VISIBLE}": pool.submit(
                    harness.grade_submission, a, f"{student}{VISIBLE}", submissions[student], visible_only=True
                )
                for student in working
            }

        def results(assignment: str):
            return Path(releases[assignment].result()), jobs[assignment]

        yield results


def _graded_as_working(path: Path) -> bool:
    """Whether a variant is also graded by the visible tests alone: right ones, and mistakes declaring ``visible:``."""
    try:
        return path.name.startswith("right_") or bool(harness.read_variant(path).visible)
    except ValueError:  # a malformed docstring fails test_variant_docstring_is_well_formed
        return False


@pytest.mark.parametrize(("assignment", "path"), VARIANTS)
def test_variant_docstring_is_well_formed(assignment, path):
    harness.read_variant(path)  # raises ValueError naming what is missing


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
        for marker in (harness.SOLUTION_BEGIN, harness.HIDDEN_BEGIN, HIDDEN_PREFIX):
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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_define_only_hidden_names(assignment):
    """A student's own helper never collides with a test's (coursekit's guard would call the rebinding tampering)."""
    for name, notebook in harness.read_notebooks(harness.SOLUTIONS / assignment).items():
        for cell in filter(harness.is_test, notebook.cells):
            names = defined_names(cell.source)
            clashable = sorted(n for n in names if n != "dnnopt" and not n.startswith(HIDDEN_PREFIX))
            assert not clashable, (
                f"test cell {harness.nbgrader_meta(cell)['grade_id']} of solutions/{assignment}/{name}.ipynb defines "
                f"{clashable}: name what a test cell defines with the prefix {HIDDEN_PREFIX!r}"
            )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_states_the_graders_limits(assignment):
    """ "How this notebook is graded" gives the limits coursekit grades with, so a student knows to remove debug
    prints of large arrays before a test cell is interrupted for its output."""
    limits = SandboxLimits()
    wanted = [
        f"{limits.cell_timeout:g} seconds",
        f"{limits.notebook_timeout / 60:g} minutes",
        f"{limits.output_kb} KB",
        f"{CELL_ALLOWANCE // 1024} KB",
        f"{FLOOD_FACTOR * limits.output_kb // 1024} MB",
    ]
    for name, notebook in harness.read_notebooks(harness.SOLUTIONS / assignment).items():
        text = " ".join(notebook.cells[0].source.split())
        assert "How this notebook is graded" in text and all(w in text for w in wanted), (
            f"the first cell of solutions/{assignment}/{name}.ipynb must state the grader's limits: {wanted}"
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
def test_source_passes_every_visible_test_and_check(course, assignment):
    _, graded = course(assignment)
    working = graded["source" + VISIBLE].result()
    graded_unflagged(working, "the solutions, visible tests only")
    assert working.max_score > 0 and working.failures() == [], working.failures()


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_function_has_a_first_attempt_mistake(assignment):
    """Each function students write has a realistic first-attempt mistake that its visible tests must name."""
    functions = {
        function
        for notebook in harness.read_notebooks(harness.SOLUTIONS / assignment).values()
        for cell in filter(harness.is_solution, notebook.cells)
        for function in harness.defined_functions(cell.source)
    }
    covered = {
        function
        for path in harness.variant_paths(assignment)
        if harness.read_variant(path).visible
        for function in harness.defined_functions(path.read_text())
    }
    assert functions <= covered, (
        f"no wrong_*.py with a 'visible:' line defines {sorted(functions - covered)} (tests/assignments/{assignment}/)"
    )


@pytest.mark.parametrize(
    ("assignment", "path"), [param for param in VARIANTS if not param.values[1].name.startswith("first_")]
)
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
    unexplained = {g: f for g, f in failures.items() if not any(message in f for message in variant.messages)}
    assert not unexplained, f"{path.name}: these lost cells do not name the bug (no declared message): {unexplained}"


@pytest.mark.parametrize(("assignment", "path"), [param for param in VARIANTS if _graded_as_working(param.values[1])])
def test_visible_tests_name_a_first_attempt_mistake(course, assignment, path):
    """Graded by the visible tests alone, as the student runs the notebook: a right variant passes them all; a
    first-attempt mistake fails one whose message (or the error of an ungraded check cell) names it."""
    variant = harness.read_variant(path)
    _, graded = course(assignment)
    working = graded[variant.name + VISIBLE].result()
    graded_unflagged(working, f"{path.name}, visible tests only")
    failures = working.failures()
    if not variant.visible:
        assert failures == [], f"{path.name} is right but fails visible tests or checks: {failures}"
    for text in variant.visible:
        assert any(text in failure for failure in failures), (
            f"{path.name}: no visible test or check names the mistake with {text!r}: {failures}"
        )
