"""Tables of results, shared by every chapter: a page shows one as ``Markdown(markdown_table(header, rows))``."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["markdown_table"]


def markdown_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A Markdown (GFM) table from a header and rows of cells (each cell formatted with ``str``).

    >>> print(markdown_table(["init", "accuracy"], [["He", 0.91]]))
    | init | accuracy |
    |---|---|
    | He | 0.91 |
    """
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row needs {len(header)} cells, one per header; got rows of {[len(r) for r in rows]}")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)
