"""Every chapter checks its own claims while the book builds, and a claim made false fails the build.

A claim check is a call of ``dnnbook.claims.claim`` in a code cell tagged ``remove-cell`` (removed from the page,
executed with the chapter). The static tests read the chapters' sources; the slow test builds a one-chapter book in
which one claim is negated and expects the build to fail with the claim's sentence.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from tests.book.site import ANSI_COLOUR, CHAPTERS, ROOT, SPHINX_PROBLEM

MIN_CLAIMS = 3  # per chapter: the introduction has the fewest experiments
HIDDEN = "remove-cell"
# Tags and settings that would let a failing cell pass the build unnoticed.
FORGIVING_TAGS = {"raises-exception", "skip-execution"}


def _code_cells(chapter: str) -> list:
    notebook = jupytext.read(ROOT / f"{chapter}.md")
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _parse(source: str) -> ast.Module:
    return ast.parse(re.sub(r"^\s*[%!].*$", "", source, flags=re.M))  # IPython magics are not Python


def _claim_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "claim"]  # fmt: skip


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_checks_its_claims_in_hidden_cells(chapter):
    cells = _code_cells(chapter)
    hidden = [cell for cell in cells if HIDDEN in cell.metadata.get("tags", [])]
    shown_claims = [
        cell.source.splitlines()[0] for cell in cells if cell not in hidden and _claim_calls(_parse(cell.source))
    ]
    assert not shown_claims, f"{chapter}: claim checks belong in cells tagged {HIDDEN!r}: {shown_claims}"
    calls = [call for cell in hidden for call in _claim_calls(_parse(cell.source))]
    assert len(calls) >= MIN_CLAIMS, f"{chapter} checks {len(calls)} claims, at least {MIN_CLAIMS} expected"
    for call in calls:
        assert len(call.args) + len(call.keywords) == 3, f"{chapter}: claim(holds, statement, evidence), line {call}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_no_failing_cell_can_pass_unnoticed(chapter):
    notebook = jupytext.read(ROOT / f"{chapter}.md")
    forgiving = [cell.source.splitlines()[0] for cell in notebook.cells
                 if FORGIVING_TAGS & set(cell.metadata.get("tags", []))]  # fmt: skip
    assert not forgiving, f"{chapter}: cells tagged {sorted(FORGIVING_TAGS)} hide errors: {forgiving}"
    settings = notebook.metadata.get("mystnb", {})
    assert not any(key.startswith("execution") for key in settings), f"{chapter} overrides execution: {settings}"


def _negate_first_claim(source: str) -> tuple[str, str]:
    """The chapter's MyST source with its first hidden claim negated, and that claim's statement."""
    notebook = jupytext.reads(source, fmt="md:myst")
    for cell in notebook.cells:
        tree = _parse(cell.source) if cell.cell_type == "code" else None
        if tree and HIDDEN in cell.metadata.get("tags", []) and _claim_calls(tree):
            call = _claim_calls(tree)[0]
            statement = ast.literal_eval(call.args[1])
            call.args[0] = ast.UnaryOp(op=ast.Not(), operand=call.args[0])
            cell.source = ast.unparse(ast.fix_missing_locations(tree))
            return jupytext.writes(notebook, fmt="md:myst"), statement
    raise AssertionError("no hidden claim to negate")


@pytest.mark.slow
def test_a_false_claim_fails_the_build(tmp_path):
    """The introduction with its first claim negated, built alone with the book's configuration and -W."""
    book = tmp_path / "book"
    shutil.copytree(ROOT / "book", book / "book", ignore=shutil.ignore_patterns("*.md", "_vendor"))
    (book / "book" / "_vendor").symlink_to(ROOT / "book" / "_vendor")  # MathJax and friends, fetched from npm
    for name in ("_config.yml", "README.md"):
        shutil.copy(ROOT / name, book / name)
    (book / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    source, statement = _negate_first_claim((ROOT / "book" / "intro.md").read_text())
    (book / "book" / "intro.md").write_text(source)
    result = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter-book"), "build", str(book), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    log = result.stdout + result.stderr
    assert result.returncode != 0, "the build passed although a claim was false"
    failures = [
        line for line in log.splitlines() if SPHINX_PROBLEM.search(line) and "Executing notebook failed" in line
    ]
    assert failures, log[-3000:]
    report = ANSI_COLOUR.sub("", (book / "_build" / "html" / "reports" / "book" / "intro.err.log").read_text())
    assert f"ClaimError: The page says: {statement}" in report, report[-3000:]  # myst-nb's report of the failure
