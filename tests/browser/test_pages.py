"""Every page of the built book in a real browser, offline, at desktop and phone width.

Each test reads the page's recorded visit (tests/browser/conftest.py) and names the page and the
check in its failure message.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.book.site import toc_documents

pytestmark = pytest.mark.slow

RAW_MATH = re.compile(r".{0,50}(?:\$\$|\\\[|\\begin\{).{0,50}", re.DOTALL)
IMAGE_FILE_NAME = re.compile(r"\.(?:png|jpe?g|gif|svg|webp)$", re.IGNORECASE)
ID_ATTRIBUTE = re.compile(r"""\s(?:id|name)=["']([^"']+)["']""")


def test_no_console_errors(visit):
    errors = dict.fromkeys(visit.console_errors)  # each once, in order
    assert not errors, f"{visit.page}: console errors:\n" + "\n".join(errors)


def test_no_failed_requests_with_the_network_blocked(visit):
    failed = dict.fromkeys(visit.failed_requests)  # each once, in order
    assert not failed, f"{visit.page}: failed requests:\n" + "\n".join(failed)


def test_math_is_rendered(visit):
    snapshot = visit.snapshot
    raw = RAW_MATH.search(" ".join(snapshot["prose"].split()))
    assert raw is None, f"{visit.page}: raw TeX left in the text: {raw.group()!r}"
    if snapshot["mathElements"]:
        assert snapshot["mathjaxContainers"] >= snapshot["mathElements"], (
            f"{visit.page}: MathJax rendered {snapshot['mathjaxContainers']} of {snapshot['mathElements']} equations"
        )


def test_images_load_and_have_alt_text(visit):
    for image in visit.snapshot["images"]:
        where = f"{visit.page}: image {image['src']!r}"
        assert image["naturalWidth"] > 0 and image["naturalHeight"] > 0, f"{where} did not load"
        alt = image["alt"]
        assert alt is not None, f"{where} has no alt attribute"
        if image["inContent"] and not image["decorative"]:
            assert alt.strip(), f"{where} has empty alt text"
            assert not IMAGE_FILE_NAME.search(alt.strip()), f"{where} has a file name as alt text: {alt!r}"


@cache
def anchors_in(path: Path) -> frozenset[str]:
    return frozenset(ID_ATTRIBUTE.findall(path.read_text(encoding="utf-8", errors="replace")))


def test_internal_links_and_anchors_resolve(visit, site, built_book):
    broken = []
    for href in dict.fromkeys(visit.snapshot["links"]):
        if not href.startswith(site):
            continue  # external (citations, launch buttons): Sphinx's linkcheck builder checks those
        parts = urlsplit(href)
        relative = unquote(parts.path).removeprefix(urlsplit(site).path)
        target = built_book / (relative or "index.html")
        if target.is_dir():
            target /= "index.html"
        if not target.is_file():
            broken.append(f"{href} (no such file)")
        elif parts.fragment and target.suffix == ".html" and unquote(parts.fragment) not in anchors_in(target):
            broken.append(f"{href} (no id {unquote(parts.fragment)!r} in {relative or 'index.html'})")
    assert not broken, f"{visit.page}: broken internal links:\n" + "\n".join(broken)


def test_headings_are_in_order(visit):
    headings = visit.snapshot["headings"]
    assert headings, f"{visit.page}: no headings"
    levels = [level for level, _ in headings]
    assert levels[0] == 1 and levels.count(1) == 1, f"{visit.page}: expected one <h1> first, got {headings[:4]}"
    for (previous, _), (level, text) in itertools.pairwise(headings):
        assert level <= previous + 1, f"{visit.page}: heading h{level} {text!r} follows h{previous} (skips a level)"


def test_no_serious_accessibility_violations(visit):
    problems = [
        f"{violation['impact']} {violation['id']}: {violation['help']} at {violation['targets']}"
        for violation in visit.axe_violations
    ]
    assert not problems, f"{visit.page}: axe-core violations:\n" + "\n".join(problems)


def test_no_horizontal_scroll_at_phone_width(visit):
    overflow = visit.phone_overflow
    assert overflow["scrollWidth"] <= overflow["clientWidth"], (
        f"{visit.page}: at 390 px the page is {overflow['scrollWidth']} px wide; sticking out: "
        + ", ".join(overflow["offenders"])
    )


def test_screenshots_saved(visit):
    for path in visit.screenshots:
        assert path.is_file() and path.stat().st_size > 0, f"{visit.page}: screenshot {path} missing"
    assert len(visit.screenshots) == 3, f"{visit.page}: expected desktop, phone and full-page phone screenshots"


def test_prev_next_follow_the_table_of_contents(visit, site):
    """Chapters link to their neighbours in _toc.yml; pages outside it (search, index) to none."""
    documents = toc_documents()
    document = urlsplit(visit.url).path.removeprefix(urlsplit(site).path).removesuffix(".html")
    index = documents.index(document) if document in documents else None
    expected = {
        "prev": site + documents[index - 1] + ".html" if index else None,
        "next": site + documents[index + 1] + ".html" if index is not None and index + 1 < len(documents) else None,
    }
    actual = {key: visit.snapshot[key] for key in expected}
    assert actual == expected, f"{visit.page}: prev/next links {actual}, expected {expected}"


def test_every_built_page_is_checked(built_book):
    from tests.book.site import PAGES

    built = {path.relative_to(built_book).as_posix() for path in built_book.rglob("*.html")}
    built -= {path for path in built if path.startswith("_")}  # _static, _sources: not pages
    assert built == set(PAGES), (
        f"pages built but not checked: {sorted(built - set(PAGES))} (left over from a removed chapter? "
        "`jupyter-book clean .` removes old output)"
    )


def test_every_chapter_has_a_working_explorable(visitor, book_chapter):
    visit = visitor.visit(f"{book_chapter}.html")
    assert visit.explorables, f"{visit.page}: no kernel-free explorable (no element with class dnnopt-explorable)"
    for explorable in visit.explorables:
        where = f"{visit.page}: explorable {explorable['id']!r}"
        assert explorable["hasImage"], f"{where} has no <img>"
        assert explorable["controls"], f"{where} has no <select> or <input type=range> control"
        for control in explorable["controls"]:
            assert control["changedTo"] is not None, (
                f"{where}: moving control {control['name']!r} through its {control['values']} values "
                "never changed the figure"
            )


def test_next_button_walks_the_whole_book(visitor):
    """Click "next" from the first page to the last: the reader goes through the TOC in order."""
    documents = toc_documents()
    visited = [documents[0]]
    with visitor.tab(documents[0] + ".html") as page:
        while page.locator(".prev-next-area a.right-next").count() and len(visited) <= len(documents):
            with page.expect_navigation(wait_until="domcontentloaded"):
                page.locator(".prev-next-area a.right-next").click()
            visited.append(urlsplit(page.url).path.removeprefix(urlsplit(visitor.site).path).removesuffix(".html"))
    assert visited == documents, f"clicking 'next' visits {visited}, expected {documents}"


SEARCHES = {  # a chapter's key term -> the chapter the search must find
    "dropout": "book/dropout",
    "batch normalization": "book/batchnorm",
    "Glorot": "book/initialization",
    "Xavier": "book/initialization",
    "vanishing gradients": "book/gradients",
    "bias-variance": "book/regularization",
}


@pytest.mark.parametrize(("term", "chapter"), SEARCHES.items())
def test_search_finds_the_chapter(visitor, term, chapter):
    with visitor.tab("search.html?q=" + term.replace(" ", "+")) as page:
        page.wait_for_function(
            "() => { const s = document.querySelector('#search-results .search-summary');"
            " return s && s.textContent.trim().length > 0; }"
        )
        hits = page.eval_on_selector_all("#search-results ul.search > li > a:first-of-type", "a => a.map(x => x.href)")
    found = [urlsplit(hit).path.removeprefix(urlsplit(visitor.site).path).removesuffix(".html") for hit in hits]
    assert chapter in found[:3], f"search.html: searching {term!r} gives {found[:5]}, expected {chapter} in the top 3"
