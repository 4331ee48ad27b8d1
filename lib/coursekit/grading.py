"""Grade one submission: a pure function of (submitted notebooks, assignment source, limits).

:func:`grade` is what a worker runs. It touches no course folder and no gradebook: everything
it needs travels in a :class:`GradingTask` (picklable, so a process pool or a Dask cluster can
carry it) and everything it produces comes back in a :class:`GradingResult` for the one
gradebook writer (:mod:`coursekit.gradebook`). Each notebook goes through nbgrader's own steps:

1. parse and validate the JSON (a broken file scores zero and is flagged);
2. nbgrader's *sanitize* preprocessors (``ClearOutput``, ``DeduplicateIds``,
   ``OverwriteKernelspec``, ``OverwriteCells`` with deleted test cells added back,
   ``CheckCellMetadata``), against a private gradebook built from the source notebook with
   nbgrader's ``SaveCells``, so tampered or deleted test cells are replaced by the source's;
3. execution in the sandbox (:mod:`coursekit.execute`) instead of nbgrader's ``Execute``;
4. nbgrader's post-processing (``IgnorePattern``, ``ClearMetadataPreprocessor``,
   ``LimitOutput``, ``CheckCellMetadata``) and ``nbgrader.utils.determine_grade`` per cell.

Tampering with locked cells and suspicious code (:mod:`coursekit.scan`) add flags for review.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import hashlib
import itertools
import json
import logging
import shutil
import sqlite3
import tempfile
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearMetadataPreprocessor
from nbformat.validator import normalize
from nbformat.warnings import DuplicateCellId, MissingIDFieldWarning
from nbgrader import utils as nbgrader_utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import (
    CheckCellMetadata,
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    ComputeChecksums,
    DeduplicateIds,
    IgnorePattern,
    LimitOutput,
    LockCells,
    OverwriteCells,
    OverwriteKernelspec,
    SaveCells,
)
from traitlets.config import Config

from .execute import execute_notebook, is_test_cell
from .limits import SandboxLimits
from .sandbox import capabilities
from .scan import defined_names, module_aliases, suspicious_code

__all__ = ["GradingResult", "GradingTask", "NotebookResult", "grade"]

MAX_NOTEBOOK_BYTES = 64 << 20  # a submitted file larger than this is not read at all
CONFIG_SECTIONS = (
    "LockCells",
    "ClearSolutions",
    "ClearOutput",
    "ComputeChecksums",
    "ClearHiddenTests",
    "ClearMarkScheme",
    "DeduplicateIds",
    "OverwriteCells",
    "CheckCellMetadata",
    "IgnorePattern",
    "ClearMetadataPreprocessor",
    "LimitOutput",
)
log = logging.getLogger("coursekit")


@functools.cache
def nbgrader_log() -> logging.Logger:
    """The logger nbgrader's steps get while coursekit runs them: errors only, set up on first use.

    nbgrader's preprocessors warn about every restored test cell; that is expected here (the
    tamper check reports what matters), so they log to a quiet logger of their own.
    """
    quiet = logging.getLogger("coursekit.nbgrader")
    quiet.setLevel(logging.ERROR)
    return quiet


@dataclass(frozen=True)
class GradingTask:
    """Everything needed to grade one student's submission of one assignment.

    Attributes
    ----------
    assignment, student : str
        Identifiers, as in nbgrader's ``submitted/<student>/<assignment>/``.
    submitted : dict of str to bytes or None
        Each notebook of the assignment (name without ``.ipynb``) to the submitted file's
        bytes, or None when the student did not submit it.
    sources : dict of str to bytes
        The same names to the *source* notebooks, hidden tests included.
    limits : SandboxLimits
        Sandbox bounds.
    config : dict
        The course's nbgrader configuration for the preprocessors above (plain JSON values).
    files : dict of str to bytes
        Extra files placed next to the notebook while it runs (the release's data files).
    timestamp : str or None
        Submission time (nbgrader's ``timestamp.txt``), passed through to the gradebook.
    flags : dict of str to list of str
        What reading the submission found, by notebook name: a notebook that is a link (then
        ``submitted`` holds None for it), a renamed file, a link beside it. Added to that
        notebook's flags for review.
    """

    assignment: str
    student: str
    submitted: dict[str, bytes | None]
    sources: dict[str, bytes]
    limits: SandboxLimits = field(default_factory=SandboxLimits)
    config: dict = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    timestamp: str | None = None
    flags: dict[str, list[str]] = field(default_factory=dict)

    def key(self) -> str:
        """A digest of every input that can change the grade (for resuming and caching).

        Where student code may run (``limits.protect``, ``limits.unsandboxed``) is not an input
        of the grade; the ledger records whether a submission ran sandboxed, and one graded
        without a sandbox is graded again once there is one (:mod:`coursekit.batch`).
        """
        digest = hashlib.sha256()
        for name in sorted(self.sources):
            data = self.submitted.get(name)
            digest.update(f"{name}\0{data is None}\0".encode())
            digest.update(hashlib.sha256(data or b"").digest())
            digest.update(hashlib.sha256(self.sources[name]).digest())
        for name in sorted(self.files):
            digest.update(name.encode() + hashlib.sha256(self.files[name]).digest())
        limits = {k: v for k, v in asdict(self.limits).items() if k not in ("protect", "unsandboxed")}
        digest.update(json.dumps([limits, self.config, self.timestamp], sort_keys=True).encode())
        if self.flags:  # only then: keys of submissions read before flags existed stay valid
            digest.update(json.dumps(self.flags, sort_keys=True).encode())
        return digest.hexdigest()


@dataclass
class NotebookResult:
    """One graded notebook: its outcome, the graded notebook and its scores."""

    name: str
    status: str  # "graded", "timed out" or "failed"
    notebook: str | None  # the graded notebook (JSON), None when nothing could be run
    scores: dict[str, list]  # grade_id -> [auto score or None (manual grading), max score]
    flags: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # the grader itself failed (not the student): grade again later
    sandboxed: bool | None = None  # whether student code ran in bubblewrap; None: nothing ran

    @property
    def score(self) -> float:
        return sum(score or 0.0 for score, _ in self.scores.values())

    @property
    def max_score(self) -> float:
        return sum(maximum for _, maximum in self.scores.values())

    @property
    def auto_max_score(self) -> float:
        """Points the autograder decides (manually graded answers excluded)."""
        return sum(maximum for score, maximum in self.scores.values() if score is not None)


@dataclass
class GradingResult:
    """The outcome of :func:`grade` for one submission."""

    assignment: str
    student: str
    key: str
    timestamp: str | None
    notebooks: list[NotebookResult]

    @property
    def complete(self) -> bool:
        """False when the grader itself failed on some notebook (a rerun grades it again)."""
        return all(nb.error is None for nb in self.notebooks)

    @property
    def status(self) -> str:
        """The worst notebook status: failed, then timed out, then graded."""
        statuses = {nb.status for nb in self.notebooks}
        return next((s for s in ("failed", "timed out") if s in statuses), "graded")

    @property
    def flags(self) -> list[str]:
        return [f"{nb.name}: {flag}" for nb in self.notebooks for flag in nb.flags]

    @property
    def sandboxed(self) -> bool:
        """False when student code of this submission ran outside the sandbox (``unsandboxed``)."""
        return all(nb.sandboxed is not False for nb in self.notebooks)

    @property
    def score(self) -> float:
        return sum(nb.score for nb in self.notebooks)

    @property
    def max_score(self) -> float:
        return sum(nb.max_score for nb in self.notebooks)

    @property
    def auto_max_score(self) -> float:
        return sum(nb.auto_max_score for nb in self.notebooks)


def grade(task: GradingTask) -> GradingResult:
    """Grade every notebook of one submission; never raises for anything a student did."""
    notebooks = []
    for name in sorted(task.sources):
        start = time.monotonic()
        try:
            result = _grade_notebook(task, name)
        except Exception as error:  # a bug of ours must not stop the batch either
            log.error("grading %r/%s/%s failed:\n%s", task.student, task.assignment, name, traceback.format_exc())
            result = _zero(task, name, f"internal grading error: {type(error).__name__}: {error}")
            result.error = result.flags[0]
        result.flags[:0] = [flag for flag in task.flags.get(name, []) if flag not in result.flags]
        result.seconds = time.monotonic() - start
        notebooks.append(result)
    return GradingResult(task.assignment, task.student, task.key(), task.timestamp, notebooks)


# -- the assignment's source, prepared once per process -------------------------------------
@dataclass(frozen=True)
class _Source:
    db_url: str
    assignment: str  # the name the private gradebook knows this source by
    release: nbformat.NotebookNode  # what students received (for spotting tampering)
    grade_cells: dict[str, float]  # grade_id -> max score
    locked_names: frozenset[str]  # what locked cells define (test helpers, module aliases)


@functools.cache
def _private_gradebook() -> str:
    """A per-process SQLite gradebook holding the sources' cells (never the course's)."""
    folder = Path(tempfile.mkdtemp(prefix="coursekit-grader-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "sources.db"
    # nbgrader stamps a new gradebook with its schema version by running the `alembic`
    # command (a second or more); a scratch gradebook is never migrated, so give it a table
    # up front and nbgrader creates the rest without asking alembic
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.commit()
    return f"sqlite:///{path}"


@functools.lru_cache(maxsize=64)
def _prepare(assignment: str, name: str, source: str, config_json: str) -> _Source:
    """Store the source's cells in a private gradebook exactly as ``generate_assignment`` does."""
    config = Config(json.loads(config_json))
    digest = hashlib.sha256("\0".join([assignment, name, source, config_json]).encode())
    db_url, private_id = _private_gradebook(), f"{assignment}-{digest.hexdigest()[:16]}"
    with Gradebook(db_url) as gb:
        gb.update_or_create_assignment(private_id)
    nb = nbformat.reads(source, as_version=4)
    resources = {"nbgrader": {"db_url": db_url, "assignment": private_id, "notebook": name}}
    for step in (
        LockCells,
        ClearSolutions,
        ClearOutput,
        CheckCellMetadata,
        ComputeChecksums,
        SaveCells,
        ClearHiddenTests,
        ClearMarkScheme,
        ComputeChecksums,
        CheckCellMetadata,
    ):
        nb, resources = step(config=config, log=nbgrader_log())(nb, resources)
    with Gradebook(db_url) as gb:
        notebook = gb.find_notebook(name, private_id)
        grade_cells = {cell.name: float(cell.max_score) for cell in notebook.grade_cells}
        locked = [cell.source for cell in notebook.source_cells if cell.cell_type == "code" and cell.locked]
    names = frozenset().union(*(defined_names(source) for source in locked))
    return _Source(db_url, private_id, nb, grade_cells, names)


# -- one notebook ---------------------------------------------------------------------------
def _zero(task: GradingTask, name: str, flag: str | None) -> NotebookResult:
    """No notebook could be run: every grade cell scores zero, flagged for review."""
    try:
        cells = _source_of(task, name).grade_cells
    except Exception:  # the source itself is broken: nothing to attach scores to
        cells = {}
    return NotebookResult(name, "failed", None, {gid: [0.0, m] for gid, m in cells.items()}, [flag] if flag else [])


def _source_of(task: GradingTask, name: str) -> _Source:
    config = {k: v for k, v in task.config.items() if k in CONFIG_SECTIONS}
    return _prepare(task.assignment, name, task.sources[name].decode("utf-8"), json.dumps(config, sort_keys=True))


def _grade_notebook(task: GradingTask, name: str) -> NotebookResult:
    source = _source_of(task, name)
    data = task.submitted.get(name)
    if data is None:  # the reason it was not read is among the task's flags
        return _zero(task, name, None if task.flags.get(name) else "missing notebook")
    if len(data) > MAX_NOTEBOOK_BYTES:
        return _zero(task, name, f"notebook file larger than {MAX_NOTEBOOK_BYTES >> 20} MB")
    try:
        nb = parse_notebook(data)
    except Exception as error:
        return _zero(task, name, f"not a valid notebook ({_first_line(error)}){_truncation(data)}")
    _deduplicate(nb)
    flags = ["empty notebook (no cells)"] if not nb.cells else []
    flags += _tampering(nb, source.release) + _reordered(nb, source.release) + _suspicious(nb, source)
    config = Config(task.config)
    resources = {
        "nbgrader": {
            "db_url": source.db_url,
            "assignment": source.assignment,
            "notebook": name,
            "student": task.student,
        }
    }
    try:
        nb = _sanitize(nb, config, resources)
    except Exception as error:
        # nbgrader cannot put back cells when their neighbours are gone too; grade the
        # release with the student's answers in it instead, and say so
        flags.append(
            f"the notebook's structure was broken ({_first_line(error)}); graded "
            "the released notebook with the submitted answers filled in"
        )
        nb = _sanitize(_answers_into(source.release, nb), config, resources)
    execution = execute_notebook(nb, task.limits, task.files)
    for step in (IgnorePattern, ClearMetadataPreprocessor, LimitOutput, CheckCellMetadata):
        nb, resources = step(config=config, log=nbgrader_log())(nb, resources)
    scores = {gid: [0.0, maximum] for gid, maximum in source.grade_cells.items()}
    for cell in nb.cells:
        if nbgrader_utils.is_grade(cell):
            score, maximum = nbgrader_utils.determine_grade(cell, nbgrader_log())
            scores[cell.metadata["nbgrader"]["grade_id"]] = [score, maximum]
    status = {"completed": "graded"}.get(execution.status, execution.status)
    result = NotebookResult(name, status, nbformat.writes(nb), scores, flags + execution.flags, error=execution.error)
    result.sandboxed = capabilities().bwrap is not None  # the kernel refuses to run unsandboxed unless allowed
    return result


def parse_notebook(data: bytes) -> nbformat.NotebookNode:
    """A submitted file as a valid notebook, read as leniently as Jupyter opens it; raises otherwise.

    A UTF-8 byte order mark (some Windows editors) is skipped; outputs are dropped before the
    notebook is validated (grading clears them anyway, and editors have written invalid ones,
    e.g. VS Code's ``transient`` key); cell ids in a notebook that says it is older than
    nbformat 4.5 (jupytext, some VS Code versions) make it a 4.5 notebook; missing or repeated
    cell ids (VS Code's new cells, copied cells) are repaired. nbformat's warnings and log lines
    about all this would reach the instructor's terminal, so none are emitted.
    """
    nb = nbformat.convert(nbformat.reader.reads(data.decode("utf-8-sig")), 4)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
    if nb.nbformat_minor < 5 and any("id" in cell for cell in nb.get("cells", [])):
        nb.nbformat_minor = 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingIDFieldWarning)
        warnings.simplefilter("ignore", DuplicateCellId)
        _, repaired = normalize(nb)
    nb = nbformat.from_dict(repaired)
    nbformat.validate(nb)
    return nb


def _truncation(data: bytes) -> str:
    """A hint when the file looks cut short (an interrupted save or upload)."""
    tail = data.rstrip()[-1:]
    return f"; the file ends abruptly after {len(data)} bytes (cut short?)" if tail and tail != b"}" else ""


def _sanitize(nb, config: Config, resources: dict):
    """nbgrader's sanitize steps, deleted test cells added back (with cell ids, as nbformat 4.5 wants)."""
    for step in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata):
        options = {"add_missing_cells": True} if step is OverwriteCells else {}
        nb, resources = step(config=config, log=nbgrader_log(), **options)(nb, resources)
    nb = nbformat.from_dict(nb)  # cells nbgrader added back hold plain dicts
    if nb.nbformat_minor >= 5:
        for cell in nb.cells:
            cell.setdefault("id", nbformat.v4.nbbase.random_cell_id())
    return nb


def _answers_into(release, submitted):
    """A copy of the release whose answer cells hold the submission's (matched by grade_id)."""
    answers = {
        cell.metadata["nbgrader"]["grade_id"]: cell.source
        for cell in submitted.cells
        if nbgrader_utils.is_solution(cell) and "grade_id" in cell.metadata["nbgrader"]
    }
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        if nbgrader_utils.is_solution(cell):
            cell.source = answers.get(cell.metadata["nbgrader"]["grade_id"], cell.source)
    return nb


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:200] if text else ''}"


def _tampering(nb, release) -> list[str]:
    """Locked cells the student changed or deleted (nbgrader restores them; we tell someone)."""
    locked = {
        cell.metadata.nbgrader["grade_id"]: cell.source
        for cell in release.cells
        if nbgrader_utils.is_locked(cell) and "grade_id" in cell.metadata.get("nbgrader", {})
    }
    submitted = {gid: cell.source for cell in nb.cells if (gid := _grade_id(cell)) in locked}
    flags = [
        f"changed the locked cell {gid!r} (the original was restored before grading)"
        for gid, text in submitted.items()
        if _lines(text) != _lines(locked[gid])
    ]
    flags += [
        f"deleted the locked cell {gid!r} (it was added back before grading)" for gid in locked if gid not in submitted
    ]
    return flags


def _lines(text: str) -> list[str]:
    """A cell's lines, whatever their line ends (a Windows editor saves CRLF)."""
    return text.splitlines()


def _deduplicate(nb) -> None:
    """Copies of a cell with the same grade id (copy and paste): the last keeps it, as nbgrader's
    ``DeduplicateIds`` intends, the others become plain cells (nbgrader 0.9 leaves them with empty
    nbgrader metadata, which its next steps cannot read)."""
    seen = set()
    for cell in reversed(nb.cells):
        grade_id = _grade_id(cell)
        if grade_id in seen:
            del cell.metadata["nbgrader"]
        elif grade_id is not None:
            seen.add(grade_id)


def _reordered(nb, release) -> list[str]:
    """A flag when the student moved graded or locked cells relative to each other.

    The notebook is still run in the order submitted (as the student ran it), so a test moved
    above the answer it checks fails; a person should look.
    """
    released = [gid for cell in release.cells if (gid := _grade_id(cell))]
    position = {gid: index for index, gid in enumerate(released)}
    submitted = [gid for gid in dict.fromkeys(_grade_id(cell) for cell in nb.cells) if gid in position]
    for earlier, later in itertools.pairwise(submitted):
        if position[earlier] > position[later]:
            return [f"cells were moved: {earlier!r} comes before {later!r} (run in the submitted order)"]
    return []


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _suspicious(nb, source: _Source) -> list[str]:
    """Static-scan the cells a student may edit."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    aliases = {name for cell in code for name in module_aliases(cell.source)}
    flags = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or nbgrader_utils.is_locked(cell) or is_test_cell(cell):
            continue
        for reason in suspicious_code(cell.source, protected=source.locked_names, aliases=aliases):
            flags.append(f"cell {index + 1} {reason}")
    return flags
