"""A tiny nbgrader course to try coursekit on (and to benchmark it): two functions, six points.

``create_course(root)`` writes ``nbgrader_config.py`` and ``solutions/demo/demo.ipynb``;
``coursekit release demo`` then makes the student version, and :func:`submission` fills a
released notebook's answer cells to make submissions.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["ASSIGNMENT", "CORRECT", "create_course", "submission"]

ASSIGNMENT = "demo"
CONFIG = """\
c = get_config()  # noqa: F821
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
"""

CORRECT = {  # the source's answers, by grade_id
    "relu": "def relu(x):\n    return np.maximum(x, 0.0)",
    "mse": "def mse(pred, target):\n    return float(np.mean((pred - target) ** 2))",
}

CELLS = [  # (kind, grade_id, points, source); kind: markdown, locked, answer or test
    ("markdown", None, 0, "# Demo assignment\n\nImplement `relu` and `mse` with NumPy."),
    ("locked", "imports", 0, "import numpy as np"),
    (
        "answer",
        "relu",
        0,
        '''def relu(x):
    """Elementwise max(x, 0)."""
    ### BEGIN SOLUTION
    return np.maximum(x, 0.0)
    ### END SOLUTION''',
    ),
    (
        "test",
        "test_relu",
        2,
        """assert relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0], "relu(-1) is 0, relu(2) is 2"
### BEGIN HIDDEN TESTS
grid = np.linspace(-3.0, 3.0, 13)
expected_relu = np.where(grid > 0, grid, 0.0)
assert np.allclose(relu(grid), expected_relu), "relu must zero negative inputs and keep the rest"
### END HIDDEN TESTS""",
    ),
    (
        "answer",
        "mse",
        0,
        '''def mse(pred, target):
    """Mean of the squared differences over all elements, as a float."""
    ### BEGIN SOLUTION
    return float(np.mean((pred - target) ** 2))
    ### END SOLUTION''',
    ),
    (
        "test",
        "test_mse",
        3,
        """assert np.isclose(mse(np.zeros(3), np.ones(3)), 1.0), "mse of zeros against ones is 1"
### BEGIN HIDDEN TESTS
hidden_pred = np.arange(12.0).reshape(3, 4)
hidden_target = np.full((3, 4), 2.0)
hidden_mse = np.mean((hidden_pred - hidden_target) ** 2)
assert np.isclose(mse(hidden_pred, hidden_target), hidden_mse), "mse must average, not sum"
### END HIDDEN TESTS""",
    ),
    (
        "test",
        "test_mse_type",
        1,
        """### BEGIN HIDDEN TESTS
assert isinstance(mse(np.ones(2), np.ones(2)), float), "mse must return a Python float"
### END HIDDEN TESTS""",
    ),
]


def _cell(kind: str, grade_id: str | None, points: float, source: str):
    if kind == "markdown":
        return nbformat.v4.new_markdown_cell(source)
    meta = {
        "grade": kind == "test",
        "grade_id": grade_id,
        "locked": kind != "answer",
        "schema_version": 3,
        "solution": kind == "answer",
        "task": False,
    }
    if kind == "test":
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


def source_notebook() -> nbformat.NotebookNode:
    """The demo's nbgrader source notebook, hidden tests included."""
    nb = nbformat.v4.new_notebook(cells=[_cell(*spec) for spec in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def create_course(root: str | Path) -> Path:
    """Write a course with the demo assignment's source into ``root``; return ``root``."""
    root = Path(root)
    (root / "solutions" / ASSIGNMENT).mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(CONFIG)
    nbformat.write(source_notebook(), root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    return root


def submission(released: str | Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A released notebook with the answer cells named in ``answers`` (by grade_id) filled in."""
    nb = nbformat.read(released, as_version=4)
    unknown = set(answers) - {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells}
    if unknown:
        raise ValueError(f"no cells with grade_id {sorted(unknown)} in {released}")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb
