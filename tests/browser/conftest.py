"""The built book in headless Chromium (Debian's ``/usr/bin/chromium``, driven by Playwright).

``_build/html`` is served by a local HTTP server on 127.0.0.1; every request to any other host is
blocked and counted as failed, which is how a reader with no internet sees the book. One browser
serves the whole session; each page is visited once at desktop width (1280x800) and once at
phone width (390x844) and everything the tests check is recorded in a ``PageVisit``, so the
per-check tests only read it. Screenshots go to ``test-artifacts/screenshots/``: each page at
1280x800 and 390x844, and the whole page at phone width.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Request, Route
from playwright.sync_api import Error as PlaywrightError

from tests.book.site import ARTIFACTS, ROOT
from tests.browser.chromium import DESKTOP, PHONE

AXE = ROOT / "book" / "_vendor" / "test" / "axe-core" / "axe.min.js"
SCREENSHOTS = ARTIFACTS / "screenshots"
TIMEOUT_MS = 20_000

# Wait until MathJax has typeset the page (when the page loads it), web fonts are in, and every
# image (lazy ones too) has loaded or failed.
SETTLE_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const images = Array.from(document.images);
  images.forEach((image) => { image.loading = "eager"; });
  await Promise.all(images.map((image) => image.decode().catch(() => null)));
  await document.fonts.ready;
}"""

# Everything the checks need from the rendered page, read in one go.
SNAPSHOT_JS = """() => {
  const content = document.querySelector("article.bd-article") || document.querySelector("main") || document.body;
  const textOf = (element) => {
    const copy = element.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((link) => link.remove());
    return copy.textContent.trim().replace(/\\s+/g, " ");
  };
  const prose = content.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style, textarea, mjx-container, .highlight").forEach((e) => e.remove());
  const link = (selector) => { const a = document.querySelector(selector); return a ? a.href : null; };
  return {
    url: location.href,
    title: document.title,
    mathElements: content.querySelectorAll(".math").length,
    mathjaxContainers: document.querySelectorAll("mjx-container").length,
    prose: prose.textContent,
    images: Array.from(document.images).map((image) => ({
      src: (image.currentSrc || image.src).slice(0, 120),
      alt: image.getAttribute("alt"),
      naturalWidth: image.naturalWidth,
      naturalHeight: image.naturalHeight,
      inContent: content.contains(image),
      decorative: image.getAttribute("role") === "presentation" || image.getAttribute("aria-hidden") === "true",
    })),
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.href),
    headings: Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
      .filter((h) => !h.closest(".onlyprint"))
      .map((h) => [Number(h.tagName[1]), textOf(h)]),
    prev: link(".prev-next-area a.left-prev"),
    next: link(".prev-next-area a.right-next"),
  };
}"""

# axe-core's serious and critical violations, started in the page and collected later (the
# check takes seconds; the phone visit runs meanwhile on the other core). Rules switched off, and why, are listed here:
# none so far (our fixes: book/_ext/accessibility.py, book/_static/dnnopt.css). `preload: false`
# stops axe from re-fetching every stylesheet itself (for its css-orientation-lock rule): it
# resolves the theme's `@import "../basic.css"` against the page instead of the stylesheet and
# would log a 404 that no reader ever gets. MathJax's rendered equations (mjx-container: thousands
# of nodes, a third of axe's time) are left out: MathJax makes them accessible itself (speech
# text and MathML for screen readers), and nothing we write goes inside them.
AXE_JS = """() => {
  const context = { exclude: [["mjx-container"]] };
  // axe.run does most of its work before its first await: started from a timer, it runs after this call returns
  window.dnnoptAxeViolations = new Promise((resolve) => setTimeout(resolve, 0))
    .then(() => axe.run(context, { resultTypes: ["violations"], preload: false }))
    .then((result) => result.violations
      .filter((violation) => ["serious", "critical"].includes(violation.impact))
      .map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
      })));
}"""
AXE_RESULT_JS = "() => window.dnnoptAxeViolations"

# Whether the page scrolls sideways and, if so, the innermost elements that stick out of it
# (outside any element that scrolls or clips on its own), with how far right they reach.
OVERFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const describe = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
    (typeof e.className === "string" && e.className.trim() ? "." + e.className.trim().split(/\\s+/).join(".") : "");
  const sticksOut = (e) => {  // its box, or text overflowing its box, reaches past the right edge
    const box = e.getBoundingClientRect();
    const overflowing = getComputedStyle(e).overflowX === "visible" ? box.left + e.scrollWidth : box.right;
    return box.width > 0 && Math.max(box.right, overflowing) > width + 1;
  };
  const contained = (e) => {
    for (let parent = e.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      if (getComputedStyle(parent).overflowX !== "visible") return true;
    }
    return false;
  };
  const offenders = [];
  if (root.scrollWidth > width) {
    for (const element of document.querySelectorAll("body *")) {
      if (!sticksOut(element) || contained(element)) continue;
      const box = element.getBoundingClientRect();
      if (box.left <= 0 && box.right >= root.scrollWidth - 1) continue;  // stretched by the overflow
      if (Array.from(element.children).some(sticksOut)) continue;  // report the innermost
      offenders.push(`${describe(element)} (${Math.round(box.left + Math.max(box.width, element.scrollWidth))}px)`);
      if (offenders.length >= 8) break;
    }
  }
  return { scrollWidth: root.scrollWidth, clientWidth: width, offenders };
}"""

# Every kernel-free explorable and, for each of its controls, whether moving it changes the image.
EXPLORABLE_JS = """async () => {
  const settle = (image) => image.decode().catch(() => null);
  const results = [];
  for (const root of document.querySelectorAll(".dnnopt-explorable")) {
    const image = root.querySelector("img");
    const controls = Array.from(root.querySelectorAll("select, input[type=range]"));
    const result = { id: root.id, hasImage: !!image, controls: [] };
    for (const control of controls) {
      const original = control.value;
      const values = control.tagName === "SELECT"
        ? Array.from(control.options).map((option) => option.value)
        : Array.from({ length: Number(control.max) - Number(control.min) + 1 },
                     (_, i) => String(Number(control.min) + i));
      const before = image ? image.src : null;
      let changedTo = null;
      for (const value of values.filter((v) => v !== original)) {
        control.value = value;
        control.dispatchEvent(new Event("input", { bubbles: true }));
        control.dispatchEvent(new Event("change", { bubbles: true }));
        if (image) await settle(image);
        if (image && image.src !== before && image.naturalWidth > 0) { changedTo = value; break; }
      }
      control.value = original;
      control.dispatchEvent(new Event("input", { bubbles: true }));
      result.controls.push({ name: control.dataset.control || control.id, values: values.length, changedTo });
    }
    results.push(result);
  }
  return results;
}"""


@dataclass
class PageVisit:
    """What one page showed in the browser (desktop and phone visits together)."""

    page: str
    url: str = ""
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    snapshot: dict = field(default_factory=dict)
    axe_violations: list[dict] = field(default_factory=list)
    explorables: list[dict] = field(default_factory=list)
    phone_overflow: dict = field(default_factory=dict)
    screenshots: list[Path] = field(default_factory=list)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="session")
def site(built_book: Path) -> Iterator[str]:
    """Base URL of ``_build/html`` served on 127.0.0.1 (a free port), for the whole session."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(built_book))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


class Visitor:
    """Visits each page once per width and keeps what it saw (``visit(page)`` is cached)."""

    def __init__(self, browser: Browser, site: str) -> None:
        self.site = site
        self.desktop = browser.new_context(**DESKTOP)
        self.phone = browser.new_context(**PHONE)
        for context in (self.desktop, self.phone):
            context.set_default_timeout(TIMEOUT_MS)
        self.visits: dict[str, PageVisit] = {}

    def close(self) -> None:
        self.desktop.close()
        self.phone.close()

    def open(self, context: BrowserContext, url: str, record: PageVisit) -> Page:
        """A new tab on ``url``, settled, with its console errors and failed requests recorded."""
        page = context.new_page()

        def only_local(route: Route) -> None:
            if route.request.url.startswith(self.site) or route.request.url.startswith("data:"):
                route.continue_()
            else:
                record.failed_requests.append(f"{route.request.url} (blocked: not the book's own server)")
                route.abort("blockedbyclient")

        def failed(request: Request) -> None:
            if not (request.failure or "").startswith("net::ERR_BLOCKED_BY_CLIENT"):  # recorded as blocked
                record.failed_requests.append(f"{request.url} ({request.failure})")

        page.route("**/*", only_local)
        page.on("requestfailed", failed)
        page.on("response", lambda r: r.status >= 400 and record.failed_requests.append(f"{r.url} (HTTP {r.status})"))
        page.on("console", lambda m: m.type == "error" and record.console_errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda error: record.console_errors.append(f"uncaught: {error}"))
        page.goto(url, wait_until="load")
        # index.html redirects with <meta http-equiv="Refresh">: that navigation may start at any moment after "load"
        # (even during the checks below), so a step that loses its page to it is retried on the page it lands on
        for attempt in range(3):
            try:
                if page.locator("meta[http-equiv='Refresh' i]").count():
                    page.wait_for_url(lambda landed: landed != url, wait_until="load")
                page.evaluate(SETTLE_JS)
                break
            except PlaywrightError as error:
                if "context was destroyed" not in str(error) or attempt == 2:
                    raise
                page.wait_for_load_state("load")
        page.wait_for_load_state("networkidle")
        return page

    @contextmanager
    def tab(self, page_name: str) -> Iterator[Page]:
        """A desktop tab on ``page_name`` (for tests that click around), closed afterwards."""
        page = self.desktop.new_page()
        try:
            page.goto(self.site + page_name)
            yield page
        finally:
            page.close()

    def screenshot(self, page: Page, record: PageVisit, width: str, full_page: bool = False) -> None:
        name = record.page.replace("/", "__").removesuffix(".html")
        path = SCREENSHOTS / (f"{name}-{width}-full.jpg" if full_page else f"{name}-{width}.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=path, full_page=full_page, **({"quality": 60} if full_page else {}))
        record.screenshots.append(path)

    def visit(self, page_name: str) -> PageVisit:
        if page_name in self.visits:
            return self.visits[page_name]
        record = self.visits[page_name] = PageVisit(page_name)
        desktop = self.open(self.desktop, self.site + page_name, record)
        record.url = desktop.url
        if record.url != self.site + page_name:  # a redirect (index.html): check where it lands
            desktop.close()
            landed = self.visit(record.url.removeprefix(self.site))
            record = self.visits[page_name] = dataclasses.replace(
                landed,
                page=page_name,
                console_errors=record.console_errors + landed.console_errors,
                failed_requests=record.failed_requests + landed.failed_requests,
            )
            return record
        record.snapshot = desktop.evaluate(SNAPSHOT_JS)
        self.screenshot(desktop, record, "desktop")
        desktop.add_script_tag(path=AXE)
        desktop.evaluate(AXE_JS)  # runs on while the phone visit below loads

        phone = self.open(self.phone, self.site + page_name, record)
        record.phone_overflow = phone.evaluate(OVERFLOW_JS)
        self.screenshot(phone, record, "phone")
        self.screenshot(phone, record, "phone", full_page=True)  # where layout problems show
        phone.close()

        record.axe_violations = desktop.evaluate(AXE_RESULT_JS)
        record.explorables = desktop.evaluate(EXPLORABLE_JS)  # last: it moves the controls
        desktop.close()
        return record


@pytest.fixture(scope="session")
def visitor(browser: Browser, site: str) -> Iterator[Visitor]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} missing: run `python scripts/fetch_assets.py` (make assets)", pytrace=False)
    visitor = Visitor(browser, site)
    yield visitor
    visitor.close()


@pytest.fixture
def visit(visitor: Visitor, book_page: str) -> PageVisit:
    """The recorded visit of this test's page (visited on first use, then shared)."""
    return visitor.visit(book_page)
