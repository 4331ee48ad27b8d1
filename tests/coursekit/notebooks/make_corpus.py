"""Write the editor corpus: correct submissions of ``dropout`` as real editors save them, and damaged ones.

The files are committed; tests read them and never run this. Run it again (``python -m
tests.coursekit.notebooks.make_corpus`` in the repository root) only when the dropout assignment
changes, since each file starts from the release in ``exercises/dropout/`` with the source's
answers filled in, then takes on what one editor writes (its metadata, cell ids, nbformat
version, outputs, JSON layout) or what one accident does to a file. ``README.md`` lists them.
"""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent
ASSIGNMENT = "dropout"
PYTHON = "3.11.9"
LANGUAGE_INFO = {  # what ipykernel reports, saved by JupyterLab, Notebook and VS Code alike
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": PYTHON,
}
IPYKERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
PRINTS = {  # what the release's own code cells print once the answers are right
    "code-13": "1.2e-10\n",
    "code-17": "simulated mean 2.9982 (expected 3.0), simulated variance 2.2487\n",
    "code-21": "p = 0.2: inference output -0.1406, average over masks -0.1371\n"
    "p = 0.5: inference output -0.1406, average over masks -0.1302\n",
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _grade_id(cell: dict) -> str | None:
    return cell["metadata"].get("nbgrader", {}).get("grade_id")


def answered() -> dict:
    """The release with every answer cell holding the source's solution (markers removed)."""
    release = _load(REPOSITORY / "exercises" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    source = _load(REPOSITORY / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    answers = {
        _grade_id(cell): [line for line in cell["source"] if "### BEGIN SOLUTION" not in line and "### END" not in line]
        for cell in source["cells"]
        if cell["metadata"].get("nbgrader", {}).get("solution")
    }
    for cell in release["cells"]:
        if _grade_id(cell) in answers:
            cell["source"] = answers[_grade_id(cell)]
    return release


def _code_cells(nb: dict) -> list[dict]:
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def _executed(nb: dict) -> dict:
    """Run All, as far as the file shows it: execution counts, and the release's prints."""
    for count, cell in enumerate(_code_cells(nb), start=1):
        cell["execution_count"] = count
        text = PRINTS.get(cell.get("id"))
        cell["outputs"] = [{"name": "stdout", "output_type": "stream", "text": text.splitlines(True)}] if text else []
    return nb


def _ran_in(kernelspec: dict, **metadata) -> dict:
    """The answered notebook after Run All in an editor whose kernel is ``kernelspec``."""
    nb = _executed(answered())
    nb["metadata"] = {"kernelspec": kernelspec, "language_info": LANGUAGE_INFO, **metadata}
    return nb


def _new_cell(source: str, *, cell_id: str | None) -> dict:
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
    if cell_id is not None:
        cell["id"] = cell_id
    return cell


def _index(nb: dict, grade_id: str) -> int:
    return next(i for i, cell in enumerate(nb["cells"]) if _grade_id(cell) == grade_id)


def _dump(nb: dict, indent: int = 1) -> str:
    """JSON as Jupyter writes it (nbformat: one-space indent, sorted keys, raw unicode)."""
    return json.dumps(nb, indent=indent, sort_keys=True, ensure_ascii=False) + "\n"


# -- editors ----------------------------------------------------------------------------------
def jupyterlab4() -> str:
    nb = _ran_in(IPYKERNEL)
    scratch = _new_cell("x = np.ones((2, 3))\ndropout_forward(x, 0.5, True, np.random.default_rng(0))[0]", cell_id=None)
    scratch["id"] = str(uuid.UUID(int=0x5EED))  # JupyterLab 4 gives new cells a UUID
    scratch["metadata"] = {"tags": []}
    nb["cells"].insert(_index(nb, "dropout_forward") + 1, scratch)
    nb["cells"][0]["metadata"]["jp-MarkdownHeadingCollapsed"] = True
    return _dump(nb)


def notebook7() -> str:
    nb = _ran_in(IPYKERNEL)
    for cell in _code_cells(nb):
        if cell.get("id") == "code-21":
            cell["metadata"]["scrolled"] = True
            cell["metadata"]["jupyter"] = {"outputs_hidden": False}
    return _dump(nb)


def vscode() -> str:
    """VS Code's Jupyter extension: a virtualenv's kernelspec, the interpreter hash, and cells it adds without ids."""
    nb = _ran_in(
        {"display_name": ".venv", "language": "python", "name": "python3"},
        vscode={"interpreter": {"hash": "3f2b1c0e9d8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c"}},
    )
    nb["cells"].insert(_index(nb, "dropout_backward") + 1, _new_cell("print(dropout_backward)", cell_id=None))
    return _dump(nb)


def vscode_transient() -> str:
    """VS Code's Jupyter extension in late 2020 saved outputs with a ``transient`` key, which the
    schema does not allow (microsoft/vscode-jupyter#1873): an invalid file Jupyter refuses."""
    nb = _executed(answered())
    index = _index(nb, "dropout_forward") + 1
    shown = _new_cell("np.round(dropout_forward(np.ones(4), 0.5, True, np.random.default_rng(0))[0], 2)", cell_id="a1")
    shown["execution_count"] = 99
    shown["outputs"] = [
        {
            "data": {"text/plain": ["array([2., 0., 2., 2.])"]},
            "execution_count": 99,
            "metadata": {},
            "output_type": "execute_result",
            "transient": {"display_id": None},
        }
    ]
    nb["cells"].insert(index, shown)
    return _dump(nb)


def vscode_conda() -> str:
    """VS Code on a conda base environment, a notebook it created itself: nbformat 4.2, no cell ids."""
    nb = answered()
    nb["nbformat_minor"] = 2
    for cell in nb["cells"]:
        del cell["id"]
    nb["metadata"] = {
        "kernelspec": {"display_name": "base (Python 3.9.13)", "language": "python", "name": "base"},
        "language_info": {"name": "python", "version": "3.9.13"},
        "orig_nbformat": 4,
    }
    return _dump(nb)


def vscode_no_kernelspec() -> str:
    nb = answered()
    nb["metadata"] = {"language_info": {"name": "python"}}
    return _dump(nb)


def colab() -> str:
    """Google Colab's download: nbformat 4.0, ids in cell metadata, its own metadata, a GPU, a Drive cell."""
    nb = _executed(answered())
    nb["nbformat_minor"] = 0
    for number, cell in enumerate(nb["cells"]):
        cell["metadata"]["id"] = f"c{number:03d}XyZ9aBq"
        del cell["id"]
        if cell.get("outputs"):
            cell["metadata"]["colab"] = {"base_uri": "https://localhost:8080/"}
            cell["metadata"]["outputId"] = str(uuid.UUID(int=number + 0xC0FFEE))
    drive = _new_cell("from google.colab import drive\ndrive.mount('/content/drive')", cell_id=None)
    drive["metadata"] = {"id": "mountDrive01"}
    nb["cells"].insert(1, drive)
    nb["metadata"] = {
        "colab": {"provenance": [], "gpuType": "T4", "name": f"{ASSIGNMENT}.ipynb"},
        "kernelspec": {"display_name": "Python 3", "name": "python3"},
        "language_info": {"name": "python"},
        "accelerator": "GPU",
    }
    ordered = {key: nb[key] for key in ("nbformat", "nbformat_minor", "metadata", "cells")}
    return json.dumps(ordered, indent=2, ensure_ascii=False)  # Colab: two spaces, its own key order


def nbformat44() -> str:
    """Classic Notebook 6 and other pre-4.5 tools: no cell ids."""
    nb = _executed(answered())
    nb["nbformat_minor"] = 4
    for cell in nb["cells"]:
        del cell["id"]
    return _dump(nb)


def nbformat45() -> str:
    return _dump(answered())


# -- accidents --------------------------------------------------------------------------------
def stripped_outputs() -> str:
    """nbstripout: outputs and counts gone, notebook metadata trimmed."""
    nb = answered()
    nb["metadata"] = {"kernelspec": nb["metadata"]["kernelspec"]}
    return _dump(nb)


def deleted_cells() -> str:
    """A locked test cell and a markdown cell deleted (VS Code ignores ``deletable: false``)."""
    nb = answered()
    gone = {"test_dropout_backward_eval"}
    nb["cells"] = [c for c in nb["cells"] if _grade_id(c) not in gone and c.get("id") != "md-16"]
    return _dump(nb)


def answer_in_new_cell() -> str:
    """The answer cell deleted and the answer typed into a new cell, which carries no nbgrader metadata."""
    nb = answered()
    index = _index(nb, "dropout_variance")
    nb["cells"][index] = _new_cell("".join(nb["cells"][index]["source"]), cell_id="0f8e1d2c")
    return _dump(nb)


def duplicated_cells() -> str:
    """An answer cell and a test cell copied and pasted: the copies keep their grade ids (and cell ids)."""
    nb = answered()
    for grade_id in ("dropout_forward", "test_dropout_rng"):
        index = _index(nb, grade_id)
        nb["cells"].insert(index + 1, copy.deepcopy(nb["cells"][index]))
    return _dump(nb)


def reordered_cells() -> str:
    """The dropout_backward answer dragged below the test that checks it."""
    nb = answered()
    answer = nb["cells"].pop(_index(nb, "dropout_backward"))
    nb["cells"].insert(_index(nb, "test_dropout_backward") + 1, answer)
    return _dump(nb)


def crlf() -> str:
    """Saved on Windows with CRLF line ends, in the file and in the cells' lines."""
    nb = answered()
    for cell in nb["cells"]:
        cell["source"] = [line.replace("\n", "\r\n") for line in cell["source"]]
    return _dump(nb).replace("\n", "\r\n")


def bom() -> str:
    return "\ufeff" + nbformat45()


def truncated() -> str:
    """An upload or save cut short."""
    text = nbformat45()
    return text[: len(text) * 3 // 5]


FILES = {
    "jupyterlab4.ipynb": jupyterlab4,
    "notebook7.ipynb": notebook7,
    "vscode.ipynb": vscode,
    "vscode-transient.ipynb": vscode_transient,
    "vscode-conda.ipynb": vscode_conda,
    "vscode-no-kernelspec.ipynb": vscode_no_kernelspec,
    "colab.ipynb": colab,
    "nbformat44.ipynb": nbformat44,
    "nbformat45.ipynb": nbformat45,
    "stripped-outputs.ipynb": stripped_outputs,
    "deleted-cells.ipynb": deleted_cells,
    "answer-in-new-cell.ipynb": answer_in_new_cell,
    "duplicated-cells.ipynb": duplicated_cells,
    "reordered-cells.ipynb": reordered_cells,
    f"{ASSIGNMENT} (1).ipynb": nbformat45,
    f"Copy of {ASSIGNMENT}.ipynb": colab,
    "crlf.ipynb": crlf,
    "bom.ipynb": bom,
    "truncated.ipynb": truncated,
}


def main() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make().encode("utf-8"))  # bytes: CRLF stays CRLF


if __name__ == "__main__":
    main()
