"""What the book tests share: where the book is, its pages in reading order, how to build it.

Imported by tests/conftest.py (fixtures) and by the book and browser test modules.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML_DIR = ROOT / "_build" / "html"
ARTIFACTS = ROOT / "test-artifacts"
# The README's build plus --all: every page is read again (executed chapters still come from the
# execution cache), so a warning from an earlier build of an unchanged chapter is reported again
# instead of "no targets are out of date".
BUILD_COMMAND = ("build", ".", "-W", "-n", "--keep-going", "--all")
BUILD_TIMEOUT_S = 900
# Sphinx reports problems as "<location>: WARNING: <message>" (or ERROR/CRITICAL); the kernel's
# own "[IPKernelApp] WARNING | ..." start-up notice is not a build warning.
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
SPHINX_PROBLEM = re.compile(r"\b(?:WARNING|ERROR|CRITICAL|SEVERE): ")

# The teaching chapters: each has figures, an explorable and a key term the search must find.
CHAPTERS = (
    "book/intro",
    "book/gradients",
    "book/initialization",
    "book/optimizers",
    "book/batchnorm",
    "book/regularization",
    "book/dropout",
)


def toc_documents(toc_path: Path = ROOT / "_toc.yml") -> list[str]:
    """Every document of ``_toc.yml`` in reading order (the root first)."""
    toc = yaml.safe_load(toc_path.read_text())

    def walk(entries: list[dict]) -> list[str]:
        found = []
        for entry in entries:
            if "file" in entry:
                found.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                found += walk(entry.get(key, []))
        return found

    return [toc["root"], *walk([toc])]


# Sphinx's own pages a reader reaches from every chapter (index.html redirects to the root).
SPECIAL_PAGES = ("index.html", "search.html", "genindex.html")
PAGES = tuple(f"{document}.html" for document in toc_documents()) + SPECIAL_PAGES


def build_book(*command: str) -> tuple[int, str, float]:
    """Run ``jupyter-book <command>`` (default: the README's build); return (exit status, log, seconds)."""
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    start = time.perf_counter()
    result = subprocess.run(
        [str(jupyter_book), *(command or BUILD_COMMAND)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
        check=False,
    )
    log = ANSI_COLOUR.sub("", result.stdout + result.stderr)
    return result.returncode, log, time.perf_counter() - start
