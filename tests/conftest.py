"""Shared fixtures: the built book (built once per session) and the list of its pages.

Tests that take a ``book_chapter`` argument run once per teaching chapter, tests that take a
``book_page`` argument once per HTML page of the built book (chapters, the other TOC pages, and
Sphinx's index and search pages). Both lists come from ``_toc.yml`` (tests/book/site.py), so they
are known before the build.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.book.site import ARTIFACTS, BUILD_COMMAND, CHAPTERS, HTML_DIR, PAGES, SPHINX_PROBLEM, build_book
from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--no-book-build",
        action="store_true",
        help="test the existing _build/html instead of building the book first",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "book_chapter" in metafunc.fixturenames:
        metafunc.parametrize("book_chapter", CHAPTERS)
    if "book_page" in metafunc.fixturenames:
        metafunc.parametrize("book_page", PAGES)


@pytest.fixture(scope="session")
def built_book(request: pytest.FixtureRequest) -> Path:
    """``_build/html`` after one ``jupyter-book build . -W -n --keep-going --all`` (execution cache on).

    Fails, showing the build's problems and the end of its log, when the build fails or warns.
    The full log is kept in ``test-artifacts/book-build.log``.
    """
    if not request.config.getoption("--no-book-build"):
        status, log, seconds = build_book()
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "book-build.log").write_text(f"# {seconds:.1f} s, exit {status}\n{log}")
        problems = [line for line in log.splitlines() if SPHINX_PROBLEM.search(line)]
        if status != 0 or problems:
            tail = "\n".join(log.splitlines()[-40:])
            pytest.fail(
                f"`jupyter-book {' '.join(BUILD_COMMAND)}` exited {status} with "
                f"{len(problems)} warnings/errors:\n"
                + "\n".join(problems[:50])
                + f"\n--- end of the build log ---\n{tail}",
                pytrace=False,
            )
    if not (HTML_DIR / "index.html").is_file():
        pytest.fail(f"no built book in {HTML_DIR}", pytrace=False)
    return HTML_DIR


# One Playwright driver and one Chromium per session, shared by the browser suite and the feedback-page test
# (a second sync_playwright() inside the first one's event loop is refused).
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (make browser)", pytrace=False)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
