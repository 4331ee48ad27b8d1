"""Keep hidden tests out of what students see, without hiding what the students wrote themselves.

Feedback protects hidden-test *content* three ways, strongest first:

1. **By construction.** A test cell is shown without its ``### BEGIN HIDDEN TESTS`` regions
   (:func:`clear_hidden`), and a failed test shows ``ename: evalue`` only, never a traceback (a
   traceback quotes the cell's source). The student's own cells are shown exactly as written.
2. **By kind.** Once the kernel has run a hidden test, whatever it displays may show one: a
   figure or a rich output produced after that point is not shown, and a note says why
   (:mod:`coursekit.pages`). Text can be checked; a picture of the test's source cannot.
3. **By content.** Every text output and error message is checked line by line against the
   *secret lines* of its notebook (:class:`Secrets`); a line that contains one is replaced by
   :data:`HIDDEN_MARKER`.

**Which lines are secret.** A line is secret for one student's page when it is

* a line of a hidden-test region (of the source as graded, as it is now, or of the graded test
  cells themselves),
* with at least three words (runs of letters, digits and ``_``), not all of them numbers, and
* found nowhere outside the hidden regions: not in any line the release shows (text, visible
  tests, setup code; the solution regions are *not* public) and not in any line of that
  student's own cells.

**Why this rule cannot fire on everyday lines.** ``else:``, ``finally:``, ``continue``,
``return result`` and ``results = []`` have fewer than three words: they say nothing about a test,
and a filter keyed on them would hit everyday output. Longer ordinary lines (``N = len(x)``,
``D = x.shape[1]``, ``return out, cache``) are secret only for a student who did not write them,
and then they match only an output line that prints that code: matching compares sequences of
tokens (words and single punctuation marks) at token boundaries, so a secret's punctuation has to
appear in the same order (``n = len ( x )`` never matches inside ``min = len(x)``, and numbers or
prose a program prints do not contain ``expected = np . where (``). The messages the tests are
designed to show survive too: a message's source line carries its quotes (``"the factor 0.5 is
missing"``), the raised message does not. (The course test suite checks both on every real
assignment: a correct submission full of everyday lines keeps every line, and the release graded
as a submission keeps every failure message.)

**What it catches.** A hidden line printed re-indented, inside a longer line, or inside a
``repr`` of a cell's source (``\\n`` and ``\\t`` escapes read as spaces, backslashes dropped), in
stdout, in an error message or in a test's output. **What no text filter catches:** a
submission that encodes a test (base64, reversed) before printing it. Such code must read ``In``,
``linecache``, ``inspect`` or frames, which the static scan flags (:mod:`coursekit.scan`), and
flagged submissions get no feedback until an instructor has looked at them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "HIDDEN_MARKER",
    "Secrets",
    "canonical",
    "clear_hidden",
    "hidden_lines",
    "notebook_text",
    "split_hidden",
]

HIDDEN_MARKER = "[line hidden: it quotes a hidden test]"
BEGIN, END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"
BEGIN_SOLUTION, END_SOLUTION = "BEGIN SOLUTION", "END SOLUTION"
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ESCAPED_SPACE = re.compile(r"\\[nrt]")  # a newline or tab as written inside a repr
TOKEN = re.compile(r"\w+|[^\w\s]")
WORD = re.compile(r"\w+")
MIN_WORDS = 3
MIN_CONTENT = 4  # hidden_lines (the release check): letters or digits a line needs to count


def _normal(line: str) -> str:
    return " ".join(ANSI.sub("", line).split())


def canonical(text: str) -> str:
    """``text`` as space-separated tokens (words and single punctuation marks), for matching.

    ANSI colours and backslashes are dropped and ``\\n``, ``\\r``, ``\\t`` escapes read as
    spaces, so source printed through ``repr`` matches its lines.
    """
    text = ESCAPED_SPACE.sub(" ", ANSI.sub("", text)).replace("\\", "")
    return " ".join(TOKEN.findall(text))


def split_hidden(source: str) -> tuple[list[str], list[str]]:
    """One cell's source as (lines outside hidden-test regions, lines inside them).

    A region that is never closed runs to the end of the cell (hidden, to be safe).
    """
    public, hidden, inside = [], [], False
    for line in source.splitlines():
        if BEGIN in line:
            inside = True
        elif END in line:
            inside = False
        else:
            (hidden if inside else public).append(line)
    return public, hidden


def clear_hidden(source: str) -> str:
    """A test cell's source without its hidden-test regions (what the release shows)."""
    return "\n".join(split_hidden(source)[0])


def _released_lines(source: str) -> list[str]:
    """The lines of a source cell that the release shows: outside hidden and solution regions."""
    shown, inside = [], False
    for line in split_hidden(source)[0]:
        if BEGIN_SOLUTION in line:
            inside = True
        elif END_SOLUTION in line:
            inside = False
        elif not inside:
            shown.append(line)
    return shown


def _is_substantial(line: str) -> bool:
    words = WORD.findall(line)
    return len(words) >= MIN_WORDS and not all(word.isdigit() for word in words)


@dataclass(frozen=True)
class Secrets:
    """Secret lines (canonical, see the module docstring) and a filter for text that may hold them."""

    lines: frozenset[str]

    @classmethod
    def of(cls, sources: Iterable[str]) -> Secrets:
        """The secret lines of one notebook.

        ``sources``: cell sources with hidden regions, i.e. the source notebook's cells (as graded
        and as now) and the graded notebook's test cells.
        """
        hidden, public = set(), []
        for source in sources:
            hidden |= {canonical(line) for line in split_hidden(source)[1] if _is_substantial(line)}
            public += [canonical(line) for line in _released_lines(source)]
        return cls(_not_in(hidden, public))

    def without(self, own_sources: Iterable[str]) -> Secrets:
        """These secrets less the lines a student's own cells contain (theirs to see)."""
        own = [canonical(line) for source in own_sources for line in source.splitlines()]
        return Secrets(_not_in(self.lines, own))

    def found_in(self, text: str) -> list[str]:
        """The secret lines that occur in ``text`` (each within one line of it)."""
        return sorted({secret for line in text.splitlines() for secret in self._in_line(line)})

    def filter(self, text: str) -> tuple[str, int]:
        """``text`` with every line that contains a secret replaced by the marker, and how many."""
        out, hidden = [], 0
        for line in text.splitlines(keepends=True):
            if self._in_line(line):
                out.append(HIDDEN_MARKER + ("\n" if line.endswith("\n") else ""))
                hidden += 1
            else:
                out.append(line)
        return "".join(out), hidden

    def _in_line(self, line: str) -> list[str]:
        padded = f" {canonical(line)} "
        return [secret for secret in self.lines if f" {secret} " in padded]


def _not_in(candidates: Iterable[str], lines: list[str]) -> frozenset[str]:
    """The candidates (canonical) that occur, at token boundaries, in none of ``lines``."""
    joined = " " + " \n ".join(lines) + " "
    return frozenset(line for line in candidates if line and f" {line} " not in joined)


# -- the release check (coursekit.release) ---------------------------------------------------------
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

    Used to check a release, which must contain none of them. Parameters: ``sources``, every
    cell source of a source notebook. A hidden line that also occurs within a line outside the
    hidden regions (a visible test, a solution, the text) gives nothing away.
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
