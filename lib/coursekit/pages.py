"""One graded notebook as a self-contained HTML feedback page (built here, not by nbconvert's exporter).

A page has, top to bottom: the score (after any late penalty, which is explained), a summary
naming every test with its points and failure message, then the notebook: the student's cells
exactly as written with their outputs, and each test cell's visible code with its result. Hidden
tests are kept out as :mod:`coursekit.redact` describes; student HTML is made inert as
:mod:`coursekit.sanitize` describes; a note stands wherever something was removed, saying why.

Every page carries a Content-Security-Policy that forbids scripts and any network request (a
second wall behind the sanitizer), and :func:`verify` reads the finished page back, with a
different HTML parser than the sanitizer's, before it is written. A page that fails it is not
written: :func:`scores_page` (scores only) goes out instead and the instructor is told.

Why our own page instead of nbgrader's ``GenerateFeedback``: its HTML exporter puts student HTML
in the page raw, loads MathJax and require.js from CDNs, shows hidden tests, and selects students
through a comma-joined exclusion string; what we keep from nbconvert is its Markdown renderer.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from .execute import is_test_cell
from .redact import ANSI, Secrets, clear_hidden
from .sanitize import TAGS, clean_html, html_text, inventory, removed_parts, render_markdown

__all__ = ["Grades", "UnsafePage", "feedback_page", "scores_page", "verify"]

TAINTED_TEXT_CHARS = 4000  # text kept per output once the kernel has run hidden tests
IMAGES = ("image/svg+xml", "image/png", "image/jpeg", "image/gif")
RICH = {  # MIME type -> how a note names it
    "application/vnd.jupyter.widget-view+json": "An interactive widget",
    "text/html": "An HTML",
    "text/markdown": "A Markdown",
    "text/latex": "A LaTeX",
    "application/javascript": "A JavaScript",
}
NOTE_FIGURE = "A figure produced after hidden tests ran is not shown: it could display test code."
NOTE_FIGURE_UNKEPT = "The figure this cell draws is not shown: grading does not keep figures. Run the cell to see it."
FIGURE_CALL = re.compile(r"\bplt\.(?:show|plot|subplots|figure|imshow)\b|\.savefig\(")
NOTE_RICH = "{kind} output produced after hidden tests ran is not shown: it could display test code."
NOTE_SCRIPT = "A JavaScript output is not shown: feedback pages run no code."
NOTE_WIDGET = "An interactive widget is not shown: it needs a running notebook."
NOTE_REMOVED = "Removed from this {what}: {parts} (feedback pages run no code and load nothing from the internet)."
NOTE_HIDDEN = "{count} of this output hidden: it quotes a hidden test."
NOTE_QUOTES = "An output that quotes a hidden test is not shown."
NOTE_CUT = f"Output cut after {TAINTED_TEXT_CHARS} characters."
NOTE_HIDDEN_TESTS = "This cell's hidden tests are not shown."
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
body { margin: 0 auto; max-width: 56rem; padding: 1rem; color: #1b1b1b; background: #fff;
       font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.5rem; margin: .5rem 0; } h2 { font-size: 1.25rem; margin-top: 2rem; }
.markdown h1 { font-size: 1.35rem; } .markdown h2 { font-size: 1.2rem; margin-top: 1rem; }
pre, code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .875rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: .4rem 0; padding: .5rem .75rem;
      background: #f6f8fa; border-radius: 4px; }
pre.message { background: #fdecea; color: #7f1d1d; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #ddd; }
td { overflow-wrap: anywhere; } td.points { white-space: nowrap; }
.score { font-size: 1.25rem; font-weight: 600; }
.late, .note { border-left: 4px solid #b7791f; background: #fffbeb; padding: .4rem .75rem; margin: .4rem 0; }
.passed .mark { color: #1b5e20; } .failed .mark { color: #b71c1c; }
.cell { margin: 1rem 0; }
.test { border: 1px solid #d0d7de; border-left-width: 6px; border-radius: 4px; padding: .5rem .75rem; }
.test.passed { border-left-color: #2e7d32; } .test.failed { border-left-color: #c62828; }
.output-html { overflow-x: auto; }
img { max-width: 100%; height: auto; }
math[display="block"] { overflow-x: auto; overflow-y: hidden; margin: .5rem 0; }
.comment { border-left: 4px solid #0969da; background: #ddf4ff; padding: .4rem .75rem; }
"""
STYLE = CSS + HtmlFormatter(style="default").get_style_defs(".highlight")
HEAD_TAGS = {"html", "head", "body", "meta", "title", "style"}


class UnsafePage(RuntimeError):
    """A page failed :func:`verify`; the message says why (it names no hidden line)."""


@dataclass(frozen=True)
class Grades:
    """What the gradebook holds for one submitted notebook."""

    student: str
    assignment: str
    notebook: str
    cells: dict[str, tuple[float | None, float]]  # grade_id -> (score, or None until graded by hand; max score)
    comments: dict[str, str] = field(default_factory=dict)  # grade_id -> an instructor's comment
    late_penalty: float = 0.0
    timestamp: datetime | None = None
    duedate: datetime | None = None

    @property
    def score(self) -> float:
        return sum(score or 0.0 for score, _ in self.cells.values()) - self.late_penalty

    @property
    def max_score(self) -> float:
        return sum(maximum for _, maximum in self.cells.values())


@dataclass
class _Test:
    grade_id: str
    title: str
    anchor: str
    message: str = ""


# -- the page ---------------------------------------------------------------------------------------
def feedback_page(nb, grades: Grades, secrets: Secrets) -> str:
    """The full page for an autograded notebook ``nb`` (raises :class:`UnsafePage`).

    ``secrets`` are the notebook's secret lines less the student's own (:meth:`Secrets.without`).
    """
    tests, cells, tainted = [], [], False
    for index, cell in enumerate(nb.cells):
        tainted = tainted or "BEGIN HIDDEN TESTS" in cell.source
        if cell.cell_type == "markdown":
            cells.append(_markdown_cell(cell))
        elif cell.cell_type == "raw":
            cells.append(f'<div class="cell"><pre>{_e(cell.source)}</pre></div>')
        elif is_test_cell(cell):
            test = _Test(cell.metadata.nbgrader["grade_id"], _title(cell.source), f"cell-{index}")
            tests.append(test)
            cells.append(_test_cell(cell, test, grades, secrets))
        else:
            cells.append(_code_cell(cell, grades, secrets, tainted))
    body = _header(grades) + _summary(tests, grades) + "<h2>Your notebook</h2>" + "".join(cells)
    return verify(_document(grades, body), secrets)


def scores_page(grades: Grades, why: str) -> str:
    """A minimal page: the score and each test's points, no code and no messages."""
    tests = [_Test(grade_id, "", "") for grade_id in grades.cells]
    note = f'<p class="note">{_e(why)}</p>'
    return verify(_document(grades, _header(grades) + note + _summary(tests, grades)), Secrets(frozenset()))


def verify(document: str, secrets: Secrets) -> str:
    """``document`` if it is safe to show, else raise :class:`UnsafePage` saying why.

    Safe: only the allowed tags, exactly our own ``<style>`` and ``<meta>`` elements, no event
    handler, no URL but in-page links and embedded images, and no secret line in the text.
    """
    found = inventory(document)
    problems = [f"<{tag}> element" for tag in sorted(set(found.tags) - TAGS - HEAD_TAGS)]
    problems += [
        f"{found.tags.count(tag)} <{tag}> elements"
        for tag, most in (("style", 1), ("meta", 3))
        if found.tags.count(tag) > most
    ]
    for tag, name, value in found.attributes:
        if name.startswith("on"):
            problems.append(f"event handler {name} on <{tag}>")
        elif name in ("href", "src") and not (value.startswith("#") or value.startswith("data:image/")):
            problems.append(f"URL {value[:60]!r} in <{tag} {name}>")
    if "".join(found.styles) != STYLE:
        problems.append("a changed <style> element")
    if leaked := secrets.found_in("".join(found.text)):
        problems.append(f"{len(leaked)} line(s) of hidden tests in its text")
    if problems:
        raise UnsafePage("; ".join(problems))
    return document


def _document(grades: Grades, body: str) -> str:
    title = f"Feedback: {grades.assignment}/{grades.notebook} ({grades.student})"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{STYLE}</style></head>\n"
        f"<body>{clean_html(body, ours=True)}</body></html>\n"
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _points(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def _header(grades: Grades) -> str:
    parts = [
        f"<h1>Feedback: {_e(grades.assignment)} / {_e(grades.notebook)}</h1>",
        f"<p>Student: <strong>{_e(grades.student)}</strong></p>",
        f'<p class="score">Score: {_points(grades.score)} / {_points(grades.max_score)}</p>',
    ]
    late = _lateness(grades)
    if late:
        parts.append(f'<p class="late">{_e(late)}</p>')
    return "".join(parts)


def _lateness(grades: Grades) -> str:
    """One sentence on a late submission (empty when on time or when no due date is set)."""
    if grades.timestamp is None or grades.duedate is None or grades.timestamp <= grades.duedate:
        return ""
    late = (
        f"Submitted {grades.timestamp:%Y-%m-%d %H:%M} UTC, {_duration(grades.timestamp - grades.duedate)} after "
        f"the due date ({grades.duedate:%Y-%m-%d %H:%M} UTC)"
    )
    if grades.late_penalty > 0:
        return f"{late}: a late penalty of {grades.late_penalty:g} points is taken off the score above."
    return f"{late}: no late penalty."


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    return ", ".join(f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in parts if n) or "less than a minute"


def _summary(tests: list[_Test], grades: Grades) -> str:
    rows = []
    for test in tests:
        score, maximum = grades.cells.get(test.grade_id, (None, 0.0))
        name = f"<code>{_e(test.grade_id)}</code>"
        if test.anchor:
            name = f'<a href="#{test.anchor}">{name}</a>'
        if test.title:
            name += f"<br>{_e(test.title)}"
        rows.append(
            f'<tr class="{_status(score, maximum)}"><td>{name}</td>'
            f'<td class="points">{_points(score)} / {_points(maximum)}</td>'
            f"<td>{_result(score, maximum, test.message)}</td></tr>"
        )
    return (
        '<h2>Tests</h2><table class="summary"><thead><tr><th>Test</th><th>Points</th><th>Result</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _status(score: float | None, maximum: float) -> str:
    return "pending" if score is None else "passed" if score >= maximum else "failed"


def _result(score: float | None, maximum: float, message: str) -> str:
    status = _status(score, maximum)
    label = {"pending": "to be graded by hand", "passed": "✓ passed", "failed": "✗ failed"}[status]
    detail = f'<pre class="message">{_e(message)}</pre>' if message and status != "passed" else ""
    return f'<span class="mark">{label}</span>{detail}'


# -- cells ------------------------------------------------------------------------------------------
def _title(source: str) -> str:
    """A test's description: the first comment line of its visible code, without the ``#``."""
    for line in clear_hidden(source).splitlines():
        if line.strip().startswith("#"):
            return line.strip().lstrip("#").strip()
    return ""


def _source(code: str) -> str:
    return f'<pre class="source highlight">{highlight(code, PythonLexer(), HtmlFormatter(nowrap=True))}</pre>'


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _markdown_cell(cell) -> str:
    raw = render_markdown(cell.source, cell.get("attachments"))
    parts = removed_parts(raw)
    note = _note(NOTE_REMOVED.format(what="text", parts=", ".join(parts))) if parts else ""
    return f'<div class="cell markdown">{clean_html(raw)}{note}</div>'


def _comment(cell, grades: Grades) -> str:
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
    comment = grades.comments.get(grade_id, "") if grade_id else ""
    return f'<p class="comment">Comment from grading: {_e(comment)}</p>' if comment else ""


def _code_cell(cell, grades: Grades, secrets: Secrets, tainted: bool) -> str:
    outputs = "".join(_output(output, secrets, tainted) for output in cell.get("outputs", []))
    notes = _figure_note(cell, tainted) + _comment(cell, grades)
    return f'<div class="cell code">{_source(cell.source)}{outputs}{notes}</div>'


def _figure_note(cell, tainted: bool) -> str:
    """A note for a cell that draws a figure but has none to show (matplotlib's Agg backend keeps none)."""
    drawn = any(image in output.get("data", {}) for output in cell.get("outputs", []) for image in IMAGES)
    if drawn or not FIGURE_CALL.search(cell.source):
        return ""
    return _note(NOTE_FIGURE if tainted else NOTE_FIGURE_UNKEPT)


def _test_cell(cell, test: _Test, grades: Grades, secrets: Secrets) -> str:
    score, maximum = grades.cells.get(test.grade_id, (None, 0.0))
    errors = [o for o in cell.outputs if o.output_type == "error"]
    test.message = "\n".join(_error_line(error, secrets) for error in errors)
    outputs = "".join(_output(o, secrets, tainted=True) for o in cell.outputs if o.output_type != "error")
    hidden = _note(NOTE_HIDDEN_TESTS) if "BEGIN HIDDEN TESTS" in cell.source else ""
    title = f" · {_e(test.title)}" if test.title else ""
    return (
        f'<div class="cell test {_status(score, maximum)}" id="{test.anchor}">'
        f"<p><strong>Test <code>{_e(test.grade_id)}</code></strong>{title} · "
        f"{_points(score)} / {_points(maximum)} points · {_result(score, maximum, test.message)}</p>"
        f"<details><summary>Test code</summary>{_source(clear_hidden(cell.source))}{hidden}</details>{outputs}</div>"
    )


# -- outputs ----------------------------------------------------------------------------------------
def _ansi_free(text: str) -> str:
    return ANSI.sub("", text)


def _error_line(error, secrets: Secrets) -> str:
    """``ename: evalue``, the message filtered for secret lines (a traceback would quote the code)."""
    return f"{error.ename}: {secrets.filter(_ansi_free(error.evalue))[0]}"


def _output(output, secrets: Secrets, tainted: bool) -> str:
    kind = output.output_type
    if kind == "stream":
        return _text(output.text, secrets, tainted)
    if kind == "error" and tainted:
        return f'<pre class="message">{_e(_error_line(output, secrets))}</pre>'
    if kind == "error":
        return _text("\n".join(output.traceback), secrets, tainted, css="message")
    data = output.get("data", {})
    plain = _text(str(data["text/plain"]), secrets, tainted) if "text/plain" in data else ""
    image = next((mime for mime in IMAGES if mime in data), None)
    rich = next((mime for mime in RICH if mime in data), None)
    if rich is None and image is None:
        return plain
    if tainted:
        return _note(NOTE_RICH.format(kind=RICH[rich]) if rich else NOTE_FIGURE) + (plain if rich else "")
    if rich == "application/javascript":
        return _note(NOTE_SCRIPT)
    if rich == "application/vnd.jupyter.widget-view+json":
        return _note(NOTE_WIDGET) + plain
    if rich is not None:
        return _rich(str(data[rich]), rich, secrets)
    return f'<img src="data:{image};base64,{_base64(data[image], image)}" alt="a figure from your code">'


def _base64(value, mime: str) -> str:
    """The image as base64 (nbformat stores SVG as text, raster images as base64 already)."""
    if mime == "image/svg+xml":
        return base64.b64encode(str(value).encode()).decode("ascii")
    return "".join(str(value).split())


def _rich(value: str, mime: str, secrets: Secrets) -> str:
    raw = value if mime == "text/html" else render_markdown(value)
    cleaned = clean_html(raw)
    if secrets.found_in(html_text(cleaned)):
        return _note(NOTE_QUOTES)
    parts = removed_parts(raw)
    note = _note(NOTE_REMOVED.format(what="output", parts=", ".join(parts))) if parts else ""
    return f'<div class="output-html">{cleaned}</div>{note}'


def _text(text: str, secrets: Secrets, tainted: bool, css: str = "output") -> str:
    text, notes = _ansi_free(text), []
    if tainted and len(text) > TAINTED_TEXT_CHARS:
        text = text[:TAINTED_TEXT_CHARS]
        notes.append(NOTE_CUT)
    text, hidden = secrets.filter(text)
    if hidden:
        notes.append(NOTE_HIDDEN.format(count="1 line" if hidden == 1 else f"{hidden} lines"))
    return f'<pre class="{css}">{_e(text)}</pre>' + "".join(_note(n) for n in notes)
