"""The built book, read as HTML: every chapter is there, shows its figures and no errors.

The session fixture ``built_book`` (tests/conftest.py) builds the book once with
``jupyter-book build . -W -n --keep-going``; a warning fails every test here.
"""

from __future__ import annotations

import base64
import io
import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from tests.book.site import CHAPTERS, ROOT, build_book, toc_documents

pytestmark = pytest.mark.slow

# myst-nb's classes for a cell's error and stderr outputs.
ERROR_OUTPUT_CLASSES = ("traceback", "stderr", "error")
IMAGE_SUFFIX = re.compile(r"\.(?:png|jpe?g|gif|svg|webp)$", re.IGNORECASE)


def read_page(html_dir: Path, document: str) -> BeautifulSoup:
    path = html_dir / f"{document}.html"
    assert path.is_file(), f"{document}: page missing from the build ({path})"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def article(soup: BeautifulSoup):
    """The page's own content, without the theme's navigation and header buttons."""
    return soup.select_one("article.bd-article") or soup.body


def image_bytes(html_dir: Path, page_path: Path, src: str) -> bytes:
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        return base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
    return (page_path.parent / unquote(src.split("#")[0].split("?")[0])).read_bytes()


def image_size(data: bytes) -> tuple[float, float]:
    """Width and height in pixels (SVG: from its width/height or viewBox)."""
    if data.lstrip().startswith((b"<?xml", b"<svg")):
        root = BeautifulSoup(data, "html.parser").find("svg")
        if root.get("viewbox"):
            _, _, width, height = map(float, re.split(r"[\s,]+", root["viewbox"].strip()))
            return width, height
        return tuple(float(re.match(r"[\d.]+", root.get(key, "0")).group()) for key in ("width", "height"))
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_toc_lists_every_chapter_and_every_book_page():
    """A page missing from _toc.yml is silently skipped (only_build_toc_files): catch it here."""
    documents = toc_documents()
    assert set(CHAPTERS) <= set(documents), f"chapters missing from _toc.yml: {set(CHAPTERS) - set(documents)}"
    on_disk = {f"book/{path.stem}" for path in (ROOT / "book").glob("*.md")}
    assert on_disk == set(documents), (
        f"book/*.md not in _toc.yml: {sorted(on_disk - set(documents))}; "
        f"_toc.yml entries with no file: {sorted(set(documents) - on_disk)}"
    )


def test_chapter_page_exists_with_its_title(built_book, book_chapter):
    soup = read_page(built_book, book_chapter)
    heading = article(soup).find("h1")
    assert heading is not None and heading.get_text(strip=True), f"{book_chapter}: no <h1> title"


def test_chapter_has_figures_that_are_real_images(built_book, book_chapter):
    soup = read_page(built_book, book_chapter)
    page_path = built_book / f"{book_chapter}.html"
    images = article(soup).find_all("img")
    assert images, f"{book_chapter}: no figures (no <img> in the chapter's content)"
    for image in images:
        src = image.get("src", "")
        where = f"{book_chapter}: image {src[:80]!r}"
        try:
            width, height = image_size(image_bytes(built_book, page_path, src))
        except (OSError, ValueError) as error:
            pytest.fail(f"{where} cannot be read: {error}")
        assert width > 0 and height > 0, f"{where} has size {width}x{height}"


def test_chapter_images_have_alt_text(built_book, book_chapter):
    """Not empty and not just the file name (what myst-nb writes when a cell gives no alt)."""
    soup = read_page(built_book, book_chapter)
    for image in article(soup).find_all("img"):
        alt = (image.get("alt") or "").strip()
        src = image.get("src", "")[:80]
        assert alt, f"{book_chapter}: image {src!r} has no alt text"
        assert not IMAGE_SUFFIX.search(alt), (
            f"{book_chapter}: image {src!r} has a file name for alt text ({alt!r}); give the cell "
            "`mystnb: image: alt:` metadata or use a figure with a caption"
        )


def test_chapter_has_no_error_output(built_book, book_chapter):
    soup = read_page(built_book, book_chapter)
    for output in article(soup).select("div.output, div.cell_output"):
        classes = set(output.get("class", []))
        assert not classes & set(ERROR_OUTPUT_CLASSES), (
            f"{book_chapter}: a cell printed an error or to stderr: {output.get_text()[:300]!r}"
        )
    text = article(soup).get_text()
    assert "Traceback (most recent call last)" not in text, f"{book_chapter}: a traceback is shown"


def test_chapter_has_no_raw_dollar_math(built_book, book_chapter):
    """``$$`` left in the text means a display equation was not parsed as math."""
    soup = read_page(built_book, book_chapter)
    content = article(soup)
    for element in content.select("pre, code, .math, script, style, .highlight"):
        element.decompose()
    text = content.get_text(" ")
    match = re.search(r".{0,60}\$\$.{0,60}", text, re.DOTALL)
    assert match is None, f"{book_chapter}: raw $$ in the text: {match.group()!r}"


@pytest.mark.skipif(
    os.environ.get("DNNOPT_LINKCHECK") != "1",
    reason="external links need the internet: set DNNOPT_LINKCHECK=1 where there is one "
    "(the Pages workflow checks them with the linkcheck builder)",
)
def test_external_links_resolve(built_book):
    status, log, _ = build_book("build", ".", "--builder", "linkcheck")
    report = ROOT / "_build" / "linkcheck" / "output.txt"
    broken = [line for line in report.read_text().splitlines() if "[broken]" in line] if report.exists() else []
    assert status == 0 and not broken, "broken external links:\n" + "\n".join(broken or log.splitlines()[-20:])
