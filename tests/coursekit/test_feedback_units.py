"""Fast checks of feedback's pieces (no kernel): which lines are secret, the sanitizer, and pages built
from a hand-made graded notebook."""

from __future__ import annotations

from datetime import datetime, timedelta

import nbformat
import pytest
from bs4 import BeautifulSoup

from coursekit.pages import Grades, UnsafePage, feedback_page, scores_page, verify
from coursekit.redact import HIDDEN_MARKER, Secrets, canonical, clear_hidden, hidden_lines
from coursekit.sanitize import clean_html, removed_parts, render_markdown

SOURCE = """\
# f is exact on a grid.
assert f(1) == 1, "f(1) is 1"
### BEGIN HIDDEN TESTS
expected_grid = reference(grid)
n = len(grid)
for value in grid:
    if value < 0:
        continue
    else:
        results = []
assert close(f(grid), expected_grid), (
    "f must be exact"
)
### END HIDDEN TESTS"""
SECRET = "expected_grid = reference(grid)"
TEST = {"grade": True, "solution": False, "grade_id": "test_f", "points": 2, "locked": True}


# -- secret lines --------------------------------------------------------------------------------------
def test_everyday_lines_are_never_secret_and_a_students_own_line_is_theirs():
    secrets = Secrets.of([SOURCE])
    assert canonical(SECRET) in secrets.lines and canonical("n = len(grid)") in secrets.lines
    for line in ("else:", "continue", "results = []", ")"):
        assert canonical(line) not in secrets.lines, line  # fewer than three words
    mine = secrets.without(["def g(grid):\n    n = len(grid)  # rows"])
    assert canonical("n = len(grid)") not in mine.lines and canonical(SECRET) in mine.lines


def test_only_what_the_release_shows_is_public():
    released = Secrets.of([SOURCE, "print(expected_grid = reference(grid))"])
    assert canonical(SECRET) not in released.lines
    in_a_solution = Secrets.of([SOURCE, "### BEGIN SOLUTION\nexpected_grid = reference(grid)\n### END SOLUTION"])
    assert canonical(SECRET) in in_a_solution.lines  # a solution is not shown to students either


@pytest.mark.parametrize(
    "leak",
    [
        f"        {SECRET}",
        f"x = 1; {SECRET}  # copied",
        repr(["# f is exact\n", f"{SECRET}\n", "n = len(grid)\n"]),
        f"\x1b[32m{SECRET}\x1b[0m",
    ],
)
def test_the_filter_finds_a_secret_however_it_is_printed(leak):
    text, hidden = Secrets.of([SOURCE]).filter(f"before\n{leak}\nafter\n")
    assert (text, hidden) == (f"before\n{HIDDEN_MARKER}\nafter\n", 1)


@pytest.mark.parametrize("harmless", ["min = len(grid)", "f must be exact", "n = len(grids)", "expected_grid"])
def test_the_filter_leaves_other_lines_alone(harmless):
    # token boundaries; a test's message as raised has no quotes; parts of a line are not the line
    assert Secrets.of([SOURCE]).filter(harmless) == (harmless, 0)


def test_hidden_regions_go_by_construction_even_unclosed():
    assert clear_hidden(SOURCE) == '# f is exact on a grid.\nassert f(1) == 1, "f(1) is 1"'
    assert clear_hidden("a = 1\n### BEGIN HIDDEN TESTS\nsecret = 2") == "a = 1"


def test_hidden_lines_for_the_release_check_skip_what_is_public_or_empty():
    lines = hidden_lines([SOURCE, "print('expected_grid = reference(grid)')"])
    assert "expected_grid = reference(grid)" not in lines and ")" not in lines
    assert "assert close(f(grid), expected_grid), (" in lines


# -- the sanitizer --------------------------------------------------------------------------------------
ATTACKS = {
    "<script>alert(1)</script>ok": ["scripts"],
    "<img src=x onerror=alert(1)>": ["scripts"],
    '<a href="javascript:alert(1)">x</a>': ["scripts", "links"],
    '<iframe src="https://evil.example"></iframe>': ["embedded frames or objects", "content loaded from the internet"],
    '<img src="https://evil.example/p.png">': ["content loaded from the internet"],
    '<img src="//evil.example/p.png">': ["content loaded from the internet"],
    '<div style="background:url(https://evil.example/b.png)">x</div>': ["content loaded from the internet"],
    "<style>@import 'https://evil.example/s.css';</style>": ["content loaded from the internet"],
    '<link rel="stylesheet" href="https://evil.example/s.css">': ["content loaded from the internet", "links"],
    '<form action="https://evil.example"><input name="q"></form>': ["form controls", "links"],
    '<object data="https://evil.example/x.swf"></object>': [
        "embedded frames or objects",
        "content loaded from the internet",
    ],
    '<svg onload="alert(1)"><circle r="1"/></svg>': ["scripts"],
    # an mXSS classic: Python's parser (like a browser's HTML mode) sees only text in <style>, so no note
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">': [],
    '<a href="https://evil.example/page">read more</a>': ["links"],
}


@pytest.mark.parametrize("markup", list(ATTACKS))
def test_sanitizing_leaves_nothing_that_runs_or_loads(markup):
    soup = BeautifulSoup(clean_html(markup), "html.parser")
    assert not soup.find_all(["script", "style", "iframe", "object", "embed", "form", "input", "link", "svg"])
    for element in soup.find_all(True):
        for name, value in element.attrs.items():
            assert not name.startswith("on") and name != "style"
            assert name not in ("src", "href", "data", "action") or str(value).startswith(("#", "data:image/"))
    assert removed_parts(markup) == ATTACKS[markup]


def test_embedded_images_and_in_page_links_stay():
    markup = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="plot"><a href="#cell-3">see</a>'
    assert clean_html(markup) == markup and removed_parts(markup) == []
    assert clean_html('<img src="data:text/html;base64,PHNjcmlwdD4=">') == "<img>"


def test_markdown_math_becomes_mathml_offline():
    html = clean_html(
        render_markdown("Var is $\\frac{N}{N-1}\\sigma^2$.\n\n$$\\sqrt{2/n}$$\n\n$\\text{<script>x</script>}$")
    )
    soup = BeautifulSoup(html, "html.parser")
    assert [m["display"] for m in soup.find_all("math")] == ["inline", "block", "inline"]
    assert soup.find("mfrac") and soup.find("msqrt") and not soup.find("script")
    assert "http" not in html  # no xmlns, no CDN
    assert '<code class="tex">$\\frac{1}{$</code>' in render_markdown("bad: $\\frac{1}{$")


def test_markdown_attachments_become_embedded_images():
    attachments = {"plot.png": {"image/png": "iVBORw0KGgo="}}
    html = clean_html(render_markdown("![a plot](attachment:plot.png)", attachments))
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "missing" in clean_html(render_markdown("![a](attachment:missing.png)"))  # shown as text


# -- pages ----------------------------------------------------------------------------------------------
def _output(kind: str, **fields):
    return nbformat.v4.new_output(kind, **fields)


def _graded_notebook():
    png = {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}
    cells = [
        nbformat.v4.new_markdown_cell("# Title with $x^2$\n<script>alert(1)</script>"),
        nbformat.v4.new_code_cell("plot()", outputs=[_output("display_data", data=png)]),
        nbformat.v4.new_code_cell(
            'display(HTML("<b onclick=x()>bold</b>"))',
            outputs=[_output("display_data", data={"text/html": "<b onclick='x()'>bold</b>", "text/plain": "<HTML>"})],
        ),
        nbformat.v4.new_code_cell(
            SOURCE,
            metadata={"nbgrader": TEST},
            outputs=[
                _output(
                    "error",
                    ename="AssertionError",
                    evalue="f must be exact",
                    traceback=[f"----> 4 {SECRET}", "AssertionError: f must be exact"],
                )
            ],
        ),
        nbformat.v4.new_code_cell(
            "leak()\nplt.show()",
            outputs=[
                _output("stream", name="stdout", text=f"ok\n  {SECRET}  \nbye\n"),
                _output("display_data", data=png),
                _output("display_data", data={"text/html": "<b>x</b>", "text/plain": "<b>x</b> as text"}),
            ],
        ),
        nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nplt.show()"),
    ]
    return nbformat.v4.new_notebook(cells=cells)


GRADES = Grades("ünï, a", "demo", "demo", {"test_f": (0.0, 2.0)}, {"test_f": "see me"})


def test_a_page_shows_the_student_everything_but_hidden_tests_and_scripts():
    page = feedback_page(_graded_notebook(), GRADES, Secrets.of([SOURCE]))
    soup = BeautifulSoup(page, "html.parser")
    text = soup.get_text()
    assert SECRET not in text and "reference(grid)" not in text and "BEGIN HIDDEN" not in text
    assert "f(1) is 1" in text and "This cell's hidden tests are not shown." in text  # the visible test
    row = soup.select_one("table.summary tbody tr").get_text(" ", strip=True)
    assert row == "test_f f is exact on a grid. 0 / 2 ✗ failed AssertionError: f must be exact"
    assert "----> 4" not in text  # a test's traceback is not shown
    assert f"ok\n{HIDDEN_MARKER}\nbye" in text and "1 line of this output hidden: it quotes a hidden test." in text
    images = soup.find_all("img")
    assert len(images) == 1 and images[0]["src"] == "data:image/png;base64,iVBORw0KGgo="  # before the tests
    assert text.count("A figure produced after hidden tests ran is not shown: it could display test code.") == 2
    assert "An HTML output produced after hidden tests ran is not shown" in text and "<b>x</b> as text" in text
    assert "Removed from this output: scripts" in text and "Removed from this text: scripts" in text
    assert soup.find("math") and not soup.find("script") and not soup.find(onclick=True)
    assert "Score: 0 / 2" in text and "Student: ünï, a" in text


def test_the_late_penalty_is_explained_at_the_top():
    due = datetime(2025, 3, 1, 12, 0)
    late = Grades(
        "s", "a", "nb", {"t": (5.0, 6.0)}, late_penalty=2.0, timestamp=due + timedelta(days=1, minutes=1), duedate=due
    )
    soup = BeautifulSoup(scores_page(late, "scores only"), "html.parser")
    assert soup.select_one(".late").get_text() == (
        "Submitted 2025-03-02 12:01 UTC, 1 day, 1 minute after the due date (2025-03-01 12:00 UTC): "
        "a late penalty of 2 points is taken off the score above."
    )
    assert "Score: 3 / 6" in soup.get_text()
    on_time = Grades("s", "a", "nb", {"t": (5.0, 6.0)}, timestamp=due, duedate=due)
    assert BeautifulSoup(scores_page(on_time, "x"), "html.parser").select_one(".late") is None


def test_a_scores_page_shows_points_and_no_code():
    text = BeautifulSoup(scores_page(GRADES, "Your page could not be shown safely."), "html.parser").get_text()
    assert "test_f" in text and "0 / 2" in text and "Your page could not be shown safely." in text
    assert "assert" not in text


@pytest.mark.parametrize(
    ("injected", "problem"),
    [
        ("<script>x()</script>", "<script> element"),
        ('<img src="https://evil.example/p.png">', "URL 'https://evil.example/p.png' in <img src>"),
        ("<b onclick=x()>b</b>", "event handler onclick on <b>"),
        (f"<pre>{SECRET}</pre>", "1 line(s) of hidden tests in its text"),
        ("<style>body{}</style>", "2 <style> elements"),
    ],
)
def test_the_final_check_refuses_an_unsafe_page(injected, problem):
    page = scores_page(GRADES, "x")
    with pytest.raises(UnsafePage, match=problem.replace("(", r"\(").replace(")", r"\)")):
        verify(page.replace("</body>", f"{injected}</body>"), Secrets.of([SOURCE]))
