"""Support for ``test_assignments.py``: regenerate releases, build submissions, autograde them in parallel.

nbgrader is imported only inside worker processes (``generate_release`` and ``autograde`` run there), each job in
its own scratch course directory with its own copy of the gradebook, so jobs never share an SQLite writer.
"""

from __future__ import annotations

import ast
import copy
import os
import resource
import shutil
import sys
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
    messages: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.path.stem


def variant_paths(assignment: str) -> list[Path]:
    folder = CASES / assignment
    return sorted([*folder.glob("wrong_*.py"), *folder.glob("right_*.py")])


def read_variant(path: Path) -> Variant:
    """Parse the expected outcome from the file's docstring (see README.md)."""
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    fields: dict[str, list[str]] = {"loses": [], "message": []}
    for line in docstring.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in fields and value.strip():
            fields[key.strip()].append(value.strip())
    if not fields["loses"]:
        raise ValueError(f"{path}: the docstring needs a 'loses:' line (grade ids, or 'none')")
    loses = frozenset(g.strip() for line in fields["loses"] for g in line.split(",")) - {"none"}
    if path.name.startswith("wrong_") and (not loses or not fields["message"]):
        raise ValueError(f"{path}: a wrong implementation must declare the cells it loses and a 'message:'")
    if path.name.startswith("right_") and loses:
        raise ValueError(f"{path}: a right implementation must declare 'loses: none'")
    return Variant(path, docstring.splitlines()[0] if docstring else "", loses, tuple(fields["message"]))


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
    """The source notebooks with the file's definitions replacing their namesakes in solution cells."""
    text = path.read_text()
    lines = text.splitlines()
    module = ast.parse(text)
    body = module.body[1:] if ast.get_docstring(module) else module.body
    replacements, extras = {}, []
    for node in body:
        start, stop = _span(node)
        name = _defined_name(node)
        if name is None:
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


# -- grading (in worker processes) ----------------------------------------------------------------------------------


@dataclass
class CellGrade:
    score: float
    max_score: float
    failure: str  # "ename: evalue" of every error (and any stderr) the cell printed


@dataclass
class Graded:
    student: str
    seconds: float  # wall-clock time of the autograde call
    cpu_seconds: float  # CPU time of the grader and its kernel: what the submission costs on an idle machine
    cells: dict[str, CellGrade] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return sum(cell.score for cell in self.cells.values())

    @property
    def max_score(self) -> float:
        return sum(cell.max_score for cell in self.cells.values())

    def lost(self) -> set[str]:
        return {grade_id for grade_id, cell in self.cells.items() if cell.score < cell.max_score}


def init_worker() -> None:
    """nbgrader runs ``alembic`` from PATH when it creates a gradebook: put this interpreter's scripts first."""
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the kernels it started)."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def _config(root: Path):
    """The repository's ``nbgrader_config.py``, pointed at a scratch course directory with its own gradebook."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
    config.Application.log_level = "ERROR"
    return config


def _course(root: Path):
    """An nbgrader ``CourseDirectory`` (and its config) for the scratch course at ``root``."""
    from nbgrader.coursedir import CourseDirectory

    config = _config(root)
    return config, CourseDirectory(config=config)


def _run(app_class, root: Path, assignment: str, student: str = ".") -> None:
    from nbgrader.utils import capture_log

    config, coursedir = _course(root)
    coursedir.assignment_id, coursedir.student_id = assignment, student
    app = app_class(coursedir=coursedir, config=config)
    app.force = True
    result = capture_log(app)
    if not result["success"]:
        raise RuntimeError(
            f"nbgrader {app_class.__name__} failed for {student}/{assignment}:\n"
            f"{result.get('log', '')}\n{result['error']}"
        )


def generate_release(root: str, assignment: str) -> str:
    """Copy ``solutions/<assignment>`` into a fresh course at ``root``, generate its release; return the release dir."""
    from nbgrader.converters import GenerateAssignment

    root = Path(root)
    _, coursedir = _course(root)
    source = root / coursedir.source_directory / assignment
    shutil.copytree(SOLUTIONS / assignment, source, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    _run(GenerateAssignment, root, assignment)
    return str(root / coursedir.release_directory / assignment)


def submission(assignment: str, what: str) -> dict[str, nbformat.NotebookNode]:
    """The notebooks a student hands in: ``"source"``, ``"release"`` (unchanged), or a variant file's path."""
    if what == "source":
        return read_notebooks(SOLUTIONS / assignment)
    if what == "release":
        return read_notebooks(EXERCISES / assignment)
    return apply_variant(read_notebooks(SOLUTIONS / assignment), Path(what))


def autograde(template: str, root: str, assignment: str, student: str, what: str) -> Graded:
    """Autograde ``submission(assignment, what)`` as ``student`` in a copy, at ``root``, of the course ``template``."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde

    template, root = Path(template), Path(root)
    _, coursedir = _course(root)
    root.mkdir(parents=True)
    shutil.copy(template / "gradebook.db", root / "gradebook.db")
    shutil.copytree(template / coursedir.source_directory, root / coursedir.source_directory)
    submitted = root / coursedir.submitted_directory / student / assignment
    submitted.mkdir(parents=True)
    for name, notebook in submission(assignment, what).items():
        nbformat.write(notebook, submitted / f"{name}.ipynb")
    start, start_cpu = time.perf_counter(), _cpu_seconds()
    _run(Autograde, root, assignment, student)
    graded = Graded(student, time.perf_counter() - start, _cpu_seconds() - start_cpu)
    failures = {}
    for path in (root / coursedir.autograded_directory / student / assignment).glob("*.ipynb"):
        for cell in filter(is_test, nbformat.read(path, as_version=4).cells):
            failures[nbgrader_meta(cell)["grade_id"]] = "\n".join(
                f"{out.ename}: {out.evalue}" if out.output_type == "error" else out.text
                for out in cell.outputs
                if out.output_type == "error" or (out.output_type == "stream" and out.name == "stderr")
            )
    with Gradebook(coursedir.db_url) as gradebook:
        for notebook in gradebook.find_submission(assignment, student).notebooks:
            for grade in notebook.grades:
                graded.cells[grade.name] = CellGrade(grade.score, grade.max_score, failures.get(grade.name, ""))
    return graded
