"""Support for ``test_assignments.py``: regenerate releases, build submissions, grade them as students are graded.

nbgrader is the authoring tool: ``generate_release`` runs its ``generate_assignment`` in a scratch course. coursekit
is the grader: ``grade_submission`` hands a submission to :func:`coursekit.grading.grade`, the function that grades
students (sanitize, sandboxed cell-by-cell execution with an output budget and an integrity guard, nbgrader's
scoring). Both run in worker processes and import nbgrader and coursekit there, not in the test process.
"""

from __future__ import annotations

import ast
import copy
import os
import resource
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions"
EXERCISES = REPO / "exercises"
CASES = Path(__file__).resolve().parent
PREAMBLE = (CASES / "hidden_preamble.py").read_text()
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
SOLUTION_BEGIN, SOLUTION_END = "### BEGIN SOLUTION", "### END SOLUTION"
FREE_PREFIX = "free_"  # a test cell whose grade_id starts with this may give points to the unchanged release
# Cell metadata that Jupyter front ends rewrite as you work; none of it is nbgrader's business.
VOLATILE_METADATA = {"execution", "collapsed", "scrolled", "ExecuteTime", "jupyter", "trusted"}


def assignments() -> list[str]:
    """Every ``solutions/<assignment>/`` that holds a notebook."""
    return sorted(path.parent.name for path in SOLUTIONS.glob("*/*.ipynb"))


def notebook_paths(directory: Path) -> dict[str, Path]:
    """The notebooks of one assignment directory, by notebook name (file stem)."""
    return {path.stem: path for path in sorted(directory.glob("*.ipynb"))}


def read_notebooks(directory: Path) -> dict[str, nbformat.NotebookNode]:
    return {name: nbformat.read(path, as_version=4) for name, path in notebook_paths(directory).items()}


def nbgrader_meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def is_solution(cell) -> bool:
    return bool(nbgrader_meta(cell).get("solution"))


def is_test(cell) -> bool:
    return bool(nbgrader_meta(cell).get("grade")) and cell.cell_type == "code"


# -- comparing notebooks ------------------------------------------------------------------------------------------


def _comparable(cell) -> dict:
    cell = copy.deepcopy(cell)
    for key in VOLATILE_METADATA:
        cell.metadata.pop(key, None)
    return dict(cell)


def notebook_differences(expected: nbformat.NotebookNode, actual: nbformat.NotebookNode) -> list[str]:
    """Cell-by-cell differences between two notebooks (volatile front-end metadata ignored)."""
    problems = []
    if len(expected.cells) != len(actual.cells):
        problems.append(f"{len(expected.cells)} cells expected, {len(actual.cells)} found")
    for index, (want, got) in enumerate(zip(expected.cells, actual.cells, strict=False)):
        want, got = _comparable(want), _comparable(got)
        for key in sorted(set(want) | set(got)):
            if want.get(key) != got.get(key):
                problems.append(f"cell {index} ({want.get('id')}): {key} differs")
    if expected.metadata != actual.metadata:
        problems.append("notebook metadata differs")
    return problems


def solution_lines(cell) -> list[str]:
    """The non-blank, non-comment lines between the solution delimiters of a source cell."""
    lines, inside = [], False
    for line in cell.source.splitlines():
        stripped = line.strip()
        if stripped == SOLUTION_BEGIN:
            inside = True
        elif stripped == SOLUTION_END:
            inside = False
        elif inside and stripped and not stripped.startswith("#"):
            lines.append(stripped)
    return lines


# -- wrong (and right) implementations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One file in ``tests/assignments/<assignment>/``: a typical wrong (or an alternative right) implementation."""

    path: Path
    summary: str
    loses: frozenset[str]
    messages: tuple[str, ...]  # what the graded feedback says about the cells it loses
    visible: tuple[str, ...] = ()  # what the visible tests say while the student works (a first-attempt mistake)

    @property
    def name(self) -> str:
        return self.path.stem


def variant_paths(assignment: str) -> list[Path]:
    folder = CASES / assignment
    return sorted([*folder.glob("wrong_*.py"), *folder.glob("right_*.py"), *folder.glob("first_*.py")])


def read_variant(path: Path) -> Variant:
    """Parse the expected outcome from the file's docstring (see README.md)."""
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    fields: dict[str, list[str]] = {"loses": [], "message": [], "visible": []}
    for line in docstring.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in fields and value.strip():
            fields[key.strip()].append(value.strip())
    loses = frozenset(g.strip() for line in fields["loses"] for g in line.split(",")) - {"none"}
    kind = path.name.partition("_")[0]
    if kind == "first" and (fields["loses"] or fields["message"] or not fields["visible"]):
        raise ValueError(f"{path}: a first-attempt mistake declares only 'visible:' lines (it is graded by them)")
    if kind != "first" and not fields["loses"]:
        raise ValueError(f"{path}: the docstring needs a 'loses:' line (grade ids, or 'none')")
    if kind == "wrong" and (not loses or not fields["message"]):
        raise ValueError(f"{path}: a wrong implementation must declare the cells it loses and a 'message:'")
    if kind == "right" and (loses or fields["visible"]):
        raise ValueError(f"{path}: a right implementation must declare 'loses: none' and no 'visible:'")
    summary = docstring.splitlines()[0] if docstring else ""
    return Variant(path, summary, loses, tuple(fields["message"]), tuple(fields["visible"]))


def defined_functions(source: str) -> list[str]:
    """The functions a cell (or a variant file) defines at top level."""
    return [node.name for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)]


def _defined_name(node: ast.stmt) -> str | None:
    """The name a top-level ``def``/``class`` or ``NAME = ...`` statement defines, else None."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return node.name
    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
    if len(targets) == 1 and isinstance(targets[0], ast.Name):
        return targets[0].id
    return None


def _span(node: ast.stmt) -> tuple[int, int]:
    """0-based [start, stop) line range of a statement, decorators included."""
    start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return start - 1, node.end_lineno


def apply_variant(notebooks: dict[str, nbformat.NotebookNode], path: Path) -> dict[str, nbformat.NotebookNode]:
    """The source notebooks with the file's definitions replacing their namesakes in solution cells; its other
    statements (imports, and helpers: definitions of ``_private`` names no solution cell defines) go first in the
    first cell it changes."""
    text = path.read_text()
    lines = text.splitlines()
    module = ast.parse(text)
    body = module.body[1:] if ast.get_docstring(module) else module.body
    answered = {
        _defined_name(node)
        for notebook in notebooks.values()
        for cell in filter(is_solution, notebook.cells)
        for node in ast.parse(cell.source).body
    }
    replacements, extras = {}, []
    for node in body:
        start, stop = _span(node)
        name = _defined_name(node)
        if name is None or (name.startswith("_") and name not in answered):
            extras.extend(lines[start:stop])
        else:
            replacements[name] = lines[start:stop]
    notebooks = copy.deepcopy(notebooks)
    replaced, first_cell = set(), None
    for notebook in notebooks.values():
        for cell in filter(is_solution, notebook.cells):
            cell_lines = cell.source.splitlines()
            for node in reversed(ast.parse(cell.source).body):
                name = _defined_name(node)
                if name in replacements:
                    start, stop = _span(node)
                    cell_lines[start:stop] = replacements[name]
                    replaced.add(name)
                    first_cell = first_cell or cell
            cell.source = "\n".join(cell_lines)
    missing = set(replacements) - replaced
    if missing:
        raise ValueError(f"{path.name} defines {sorted(missing)}, which no solution cell defines")
    if first_cell is None:
        raise ValueError(f"{path.name} replaces nothing")
    first_cell.source = "\n".join([*extras, "", first_cell.source]) if extras else first_cell.source
    return notebooks


def fill_in(release: nbformat.NotebookNode, answered: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the release whose solution cells hold ``answered``'s (matched by grade_id): what a student submits."""
    answers = {nbgrader_meta(cell)["grade_id"]: cell.source for cell in filter(is_solution, answered.cells)}
    notebook = copy.deepcopy(release)
    for cell in filter(is_solution, notebook.cells):
        cell.source = answers[nbgrader_meta(cell)["grade_id"]]
    return notebook


def submission(assignment: str, answers: str) -> dict[str, nbformat.NotebookNode]:
    """The committed release filled in with ``answers``: ``"source"`` (the solutions), ``"release"`` (nothing, the
    release handed in unchanged) or a variant file's path (the solutions with the file's definitions)."""
    release = read_notebooks(EXERCISES / assignment)
    if answers == "release":
        return release
    answered = read_notebooks(SOLUTIONS / assignment)
    if answers != "source":
        answered = apply_variant(answered, Path(answers))
    return {name: fill_in(notebook, answered[name]) for name, notebook in release.items()}


# -- the release (nbgrader, in a worker process) ------------------------------------------------------------------


def generate_release(root: str, assignment: str) -> str:
    """Copy ``solutions/<assignment>`` into a fresh course at ``root``, generate its release; return the release dir.

    Like ``nbgrader generate_assignment --no-db``: the same notebooks, no gradebook.
    """
    from nbgrader.converters import GenerateAssignment
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.utils import capture_log
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    config.CourseDirectory.root = root
    config.GenerateAssignment.no_database = True
    config.SaveCells.enabled = False
    config.Application.log_level = "ERROR"
    coursedir = CourseDirectory(config=config)
    coursedir.assignment_id = assignment
    shutil.copytree(
        SOLUTIONS / assignment,
        Path(root, coursedir.source_directory, assignment),
        ignore=shutil.ignore_patterns(".ipynb_checkpoints"),
    )
    generator = GenerateAssignment(coursedir=coursedir, config=config)
    generator.force = True
    result = capture_log(generator)
    if not result["success"]:
        raise RuntimeError(
            f"nbgrader generate_assignment {assignment} failed:\n{result.get('log', '')}\n{result['error']}"
        )
    return str(Path(root, coursedir.release_directory, assignment))


# -- grading (coursekit, in a worker process) ---------------------------------------------------------------------


@dataclass
class CellGrade:
    score: float
    max_score: float
    failure: str  # what the student's feedback shows of the cell's errors ("ename: evalue") and stderr


@dataclass
class Graded:
    student: str
    status: str  # coursekit's: "graded", "timed out" or "failed"
    flags: list[str]  # coursekit's reasons to review the submission by hand (suspicious code, tampering)
    error: str | None  # coursekit itself failed (not the submission)
    seconds: float  # wall-clock time of the grade call
    cpu_seconds: float  # CPU time of the grader process and of the sandboxed kernel it started
    cells: dict[str, CellGrade] = field(default_factory=dict)  # test cells, by grade_id
    checks: dict[str, str] = field(default_factory=dict)  # the errors of the other code cells, by cell id

    def failures(self) -> list[str]:
        """Every failure text of the notebook: lost test cells first, then the other cells that failed."""
        return [cell.failure for cell in self.cells.values() if cell.score < cell.max_score] + [
            text for text in self.checks.values() if text
        ]

    @property
    def score(self) -> float:
        return sum(cell.score for cell in self.cells.values())

    @property
    def max_score(self) -> float:
        return sum(cell.max_score for cell in self.cells.values())

    def lost(self) -> set[str]:
        return {grade_id for grade_id, cell in self.cells.items() if cell.score < cell.max_score}


def grading_task(
    assignment: str, student: str, notebooks: dict[str, nbformat.NotebookNode], visible_only: bool = False
):
    """The ``GradingTask`` ``coursekit grade`` would build for these notebooks in ``submitted/<student>/``.

    The repository root is the course (its ``nbgrader_config.py``): sources, nbgrader settings, release files and
    the folders student code must never see come from it; the sandbox is required, never skipped. With
    ``visible_only`` the committed release stands in for the source, so the test cells are restored from what
    students see: the notebook is graded by its visible tests alone, as a student runs it while working.
    """
    from coursekit.course import Course
    from coursekit.grading import GradingTask
    from coursekit.sandbox import SandboxLimits

    course = Course.load(REPO)
    release = {name: path.read_bytes() for name, path in notebook_paths(EXERCISES / assignment).items()}
    return GradingTask(
        assignment,
        student,
        {name: nbformat.writes(notebook).encode() for name, notebook in notebooks.items()},
        release if visible_only else course.sources(assignment),
        SandboxLimits(protect=course.protected_paths(), require_sandbox=True),
        course.nbgrader_settings(),
        course.release_files(assignment),
    )


def _failures(result, source: nbformat.NotebookNode) -> dict[str, str]:
    """The errors and stderr of every code cell of a ``NotebookResult`` (test cells by grade_id, the others by cell
    id), filtered for hidden-test lines as the student's feedback page filters them (none when coursekit could not
    run the notebook at all)."""
    from coursekit.redact import Secrets

    if result.notebook is None:
        return {}
    graded = nbformat.reads(result.notebook, as_version=4)
    tests = [cell.source for cell in graded.cells if is_test(cell)]
    own = [cell.source for cell in graded.cells if not is_test(cell)]
    secrets = Secrets.of([*(cell.source for cell in source.cells), *tests]).without(own)
    return {
        nbgrader_meta(cell)["grade_id"] if is_test(cell) else cell.id: secrets.filter(
            "\n".join(
                f"{out.ename}: {out.evalue}" if out.output_type == "error" else out.text
                for out in cell.outputs
                if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr")
            )
        )[0]
        for cell in graded.cells
        if cell.cell_type == "code"
    }


def grade_submission(assignment: str, student: str, answers: str, visible_only: bool = False) -> Graded:
    """Grade ``submission(assignment, answers)`` as ``student`` with :func:`coursekit.grading.grade`, by the hidden
    and visible tests (what the student's feedback shows) or, with ``visible_only``, by the visible tests alone."""
    from coursekit.grading import grade

    task = grading_task(assignment, student, submission(assignment, answers), visible_only)
    start = time.perf_counter()
    with CpuMeter() as cpu:
        result = grade(task)
    graded = Graded(student, result.status, result.flags, None, time.perf_counter() - start, cpu.seconds)
    sources = read_notebooks((EXERCISES if visible_only else SOLUTIONS) / assignment)
    for notebook in result.notebooks:
        graded.error = graded.error or notebook.error
        failures = _failures(notebook, sources[notebook.name])
        for grade_id, (score, max_score) in notebook.scores.items():
            graded.cells[grade_id] = CellGrade(score, max_score, failures.pop(grade_id, ""))
        graded.checks.update(failures)
    return graded


# -- CPU time, the sandboxed kernel's included --------------------------------------------------------------------


class CpuMeter:
    """CPU seconds of this process and of every process it starts while the ``with`` block runs.

    ``getrusage`` counts only the children this process waits for, and their waited-for children. A sandboxed kernel
    runs below bubblewrap's init, which dies with it unwaited, so its time never reaches us: a thread reads
    ``/proc/<pid>/stat`` of every process below our children every ``interval`` seconds and keeps each one's last
    value. A kernel is idle from its last cell until it is killed, so the sampling misses at most a few ticks of it.
    """

    def __init__(self, interval: float = 0.1):
        self.interval = interval
        self.seconds = 0.0
        self._ticks: dict[tuple[int, str], int] = {}  # (pid, start time) -> utime + stime, in clock ticks
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_done, daemon=True)

    def __enter__(self) -> CpuMeter:
        if not Path(f"/proc/self/task/{threading.get_native_id()}/children").is_file():
            raise RuntimeError("CpuMeter needs Linux's /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN)")
        self._start = _own_cpu_seconds()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self._sample()
        grandchildren = sum(self._ticks.values()) / os.sysconf("SC_CLK_TCK")
        self.seconds = _own_cpu_seconds() - self._start + grandchildren

    def _sample_until_done(self) -> None:
        while not self._done.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        children = _children(os.getpid())
        for pid in _descendants(children):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:  # it ended since we listed it
                continue
            self._ticks[pid, fields[19]] = int(fields[11]) + int(fields[12])  # utime + stime; key: start time


def _own_cpu_seconds() -> float:
    """CPU time of this process and of the children it waited for."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def _children(pid: int) -> list[int]:
    """The processes any thread of ``pid`` started that still run."""
    found = []
    for listing in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in listing.read_text().split()]
        except OSError:
            continue
    return found


def _descendants(pids: list[int]) -> list[int]:
    """Every process that ``pids`` started, and that those started, and so on (``pids`` excluded)."""
    found, parents = [], list(pids)
    while parents:
        children = _children(parents.pop())
        found += children
        parents += children
    return found
