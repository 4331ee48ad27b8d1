"""Submissions of the real ``dropout`` assignment as JupyterLab, Notebook, VS Code and Colab save them,
and damaged ones (``tests/coursekit/notebooks/``, see its README), through ``coursekit grade --workers 2``.

Each file either grades correctly (full marks, nothing flagged) or ends flagged with the reason
named below; none may print nbformat's warnings to the instructor's terminal.
"""

from __future__ import annotations

import json
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from coursekit.course import Course
from coursekit.release import release
from tests.coursekit.helpers import run_coursekit
from tests.coursekit.notebooks import make_corpus

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).resolve().parent / "notebooks"
REPOSITORY = Path(__file__).resolve().parents[2]
FULL = 11  # dropout's points


@dataclass(frozen=True)
class Outcome:
    score: float
    status: str = "graded"
    flag: str | None = None  # a phrase of the flag it must carry; None: not flagged


OUTCOMES = {
    "jupyterlab4.ipynb": Outcome(FULL),
    "notebook7.ipynb": Outcome(FULL),
    "vscode.ipynb": Outcome(FULL),
    "vscode-transient.ipynb": Outcome(FULL),
    "vscode-conda.ipynb": Outcome(FULL),
    "vscode-no-kernelspec.ipynb": Outcome(FULL),
    "colab.ipynb": Outcome(FULL),
    "nbformat44.ipynb": Outcome(FULL),
    "nbformat45.ipynb": Outcome(FULL),
    "stripped-outputs.ipynb": Outcome(FULL),
    "deleted-cells.ipynb": Outcome(FULL, flag="deleted the locked cell 'test_dropout_backward_eval'"),
    "answer-in-new-cell.ipynb": Outcome(FULL),
    "duplicated-cells.ipynb": Outcome(FULL),
    # run as submitted, the moved answer is defined after its 2-point test: that test fails
    "reordered-cells.ipynb": Outcome(FULL - 2, flag="cells were moved: 'test_dropout_backward' comes before"),
    "dropout (1).ipynb": Outcome(FULL, flag="graded 'dropout (1).ipynb' in place of the missing dropout.ipynb"),
    "Copy of dropout.ipynb": Outcome(FULL, flag="graded 'Copy of dropout.ipynb' in place of the missing"),
    "crlf.ipynb": Outcome(FULL),
    "bom.ipynb": Outcome(FULL),
    "truncated.ipynb": Outcome(0, "failed", "not a valid notebook (NotJSONError"),
}


def student_of(filename: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", filename.removesuffix(".ipynb").lower()).strip("-")


@dataclass
class Graded:
    root: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Graded:
    root = tmp_path_factory.mktemp("editors") / "course"
    (root / "solutions").mkdir(parents=True)
    shutil.copy(REPOSITORY / "nbgrader_config.py", root)
    shutil.copytree(REPOSITORY / "solutions" / "dropout", root / "solutions" / "dropout")
    course = Course.load(root)
    assert release(course, "dropout", check_grades=False).problems == []
    for filename in OUTCOMES:
        folder = course.submitted_dir("dropout", student_of(filename))
        folder.mkdir(parents=True)
        renamed = filename.startswith(("dropout ", "Copy of"))
        shutil.copy(CORPUS / filename, folder / (filename if renamed else "dropout.ipynb"))
    result = run_coursekit(root, "grade", "dropout", "--workers", "2")
    return Graded(root, result.stdout, result.stderr)


def test_every_corpus_file_has_an_expected_outcome():
    assert {path.name for path in CORPUS.glob("*.ipynb")} == set(OUTCOMES)
    listed = re.findall(r"^\| `([^`]+\.ipynb)` \|", (CORPUS / "README.md").read_text(), flags=re.MULTILINE)
    assert sorted(listed) == sorted(OUTCOMES)


def test_the_corpus_is_current():
    """The files are what ``make_corpus`` writes from today's assignment (else: run it again)."""
    stale = [name for name, make in make_corpus.FILES.items() if (CORPUS / name).read_bytes() != make().encode()]
    assert stale == [], f"regenerate with `python -m tests.coursekit.notebooks.make_corpus`: {stale}"


@pytest.mark.parametrize("filename", sorted(OUTCOMES))
def test_each_editor_file_grades_or_is_flagged(graded, filename):
    outcome = OUTCOMES[filename]
    entry = json.loads((graded.root / ".coursekit" / "dropout" / f"{student_of(filename)}.json").read_text())
    assert (entry["status"], entry["score"], entry["max_score"]) == (outcome.status, outcome.score, FULL), entry
    if outcome.flag is None:
        assert entry["flags"] == []
    else:
        assert any(outcome.flag in flag for flag in entry["flags"]), entry["flags"]


def test_no_nbformat_warning_reaches_the_instructor(graded):
    # the corpus does make nbformat warn: a copied cell repeats an id, a VS Code cell has none
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for name in ("duplicated-cells.ipynb", "vscode.ipynb"):
            nbformat.reads((CORPUS / name).read_text(), as_version=4)
    assert {type(w.message).__name__ for w in caught} == {"DuplicateCellId", "MissingIDFieldWarning"}
    # coursekit prints what the sandbox is (and its gaps) and the summary, nothing else
    assert all(line.startswith(("sandbox:", "warning:")) for line in graded.stderr.splitlines()), graded.stderr
    assert "Warning" not in graded.stderr and "Warning" not in graded.stdout


def test_cells_added_back_are_valid_notebook_cells(graded):
    """nbgrader adds a deleted test cell back without an id; the graded notebook must still be valid 4.5."""
    path = graded.root / "autograded" / student_of("deleted-cells.ipynb") / "dropout" / "dropout.ipynb"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    assert nb.nbformat_minor == 5 and all("id" in cell for cell in nb.cells)
    restored = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_dropout_backward_eval"]
    assert len(restored) == 1
