"""Keep hidden tests out of what students see: the lines to hide, and a notebook filter.

A *hidden line* is a line inside a ``### BEGIN HIDDEN TESTS`` region of the source that carries
some content (at least four letters or digits: a lone ``)`` reveals nothing) and that no line
outside the hidden regions contains (``return`` in a solution gives nothing away).
:func:`redact_notebook` turns an autograded notebook into what feedback may show:

* test cells lose their hidden regions (nbgrader's ``ClearHiddenTests``), and their errors
  shrink to ``ename: evalue`` (a traceback quotes the test's source);
* from the first cell holding a hidden test on, the kernel has seen test code, so anything it
  printed is suspect: only text outputs are kept, capped in size; images, HTML and other rich
  outputs are dropped (text can be checked, a picture of the test source cannot);
* every line of every output that contains a hidden line is replaced by a marker.
"""

from __future__ import annotations

import re

from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["HIDDEN_MARKER", "hidden_lines", "notebook_text", "redact_notebook"]

HIDDEN_MARKER = "[coursekit: line hidden, it quotes a hidden test]"
BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TAINTED_TEXT_CHARS = 4000  # per output, once the kernel has seen hidden tests
MIN_CONTENT = 4


def _normal(line: str) -> str:
    return " ".join(ANSI.sub("", line).split())


def split_hidden(source: str) -> tuple[list[str], list[str]]:
    """One cell's source as (lines outside hidden-test regions, lines inside them)."""
    public, hidden, inside = [], [], False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        else:
            (hidden if inside else public).append(line)
    return public, hidden


def notebook_text(nb) -> str:
    """All sources and text outputs of a notebook, whitespace-normalized, one line per line."""
    lines = []
    for cell in nb.cells:
        lines += cell.source.splitlines()
        for output in cell.get("outputs", []):
            lines += _output_text(output).splitlines()
    return "\n".join(_normal(line) for line in lines)


def _output_text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join([f"{output.ename}: {output.evalue}", *output.traceback])
    return "\n".join(str(value) for value in output.get("data", {}).values())


def hidden_lines(sources) -> list[str]:
    """Normalized lines of hidden-test regions that nothing else in the notebook shows.

    Parameters
    ----------
    sources : iterable of str
        Every cell source of a source notebook. A hidden line that also occurs within a line
        outside the hidden regions (a visible test, a solution, the text) gives nothing away.
    """
    public, hidden = [], set()
    for source in sources:
        shown, inside = split_hidden(source)
        public += [_normal(line) for line in shown]
        hidden |= {_normal(line) for line in inside}
    public_text = "\n".join(public)
    return sorted(
        line for line in hidden if line not in public_text and sum(ch.isalnum() for ch in line) >= MIN_CONTENT
    )


def _redact(text: str, secrets: list[str]) -> str:
    out = []
    for line in text.splitlines(keepends=True):
        normal = _normal(line)
        hit = any(secret in normal for secret in secrets)
        out.append(HIDDEN_MARKER + ("\n" if line.endswith("\n") else "") if hit else line)
    return "".join(out)


def redact_notebook(nb, secrets: list[str]):
    """Make an autograded notebook safe to show a student (modifies and returns ``nb``)."""
    clear = ClearHiddenTests(enforce_metadata=False)
    tainted = False
    for index, cell in enumerate(nb.cells):
        has_hidden = BEGIN in cell.source
        tainted = tainted or has_hidden
        if has_hidden:
            clear.preprocess_cell(cell, {}, index)
        if cell.cell_type != "code":
            continue
        cell.outputs = [_redact_output(o, secrets, tainted, has_hidden) for o in cell.outputs]
        cell.outputs = [o for o in cell.outputs if o is not None]
    return nb


def _redact_output(output, secrets: list[str], tainted: bool, hidden_test: bool):
    kind = output.output_type
    if kind == "error":
        output.evalue = _redact(output.evalue, secrets)
        if hidden_test or tainted:
            output.traceback = [f"{output.ename}: {output.evalue}"]
        else:
            output.traceback = [_redact(line, secrets) for line in output.traceback]
        return output
    if kind == "stream":
        text = output.text[:TAINTED_TEXT_CHARS] if tainted else output.text
        output.text = _redact(text, secrets)
        return output
    data = output.get("data", {})
    if tainted:
        if "text/plain" not in data:
            return None
        output.data = {"text/plain": _redact(str(data["text/plain"])[:TAINTED_TEXT_CHARS], secrets)}
        return output
    for mime, value in data.items():
        if isinstance(value, str) and not mime.startswith("image/"):
            data[mime] = _redact(value, secrets)
    return output
