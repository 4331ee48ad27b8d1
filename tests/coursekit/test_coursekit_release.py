"""``coursekit release``: nbgrader's release, then checks that grade the source and the release."""

from __future__ import annotations

import nbformat
import pytest

from coursekit import demo
from coursekit.release import find_leaks
from tests.coursekit.helpers import run_coursekit


@pytest.mark.slow
def test_release_generates_and_grades_both_versions(tmp_path):
    demo.create_course(tmp_path)
    result = run_coursekit(tmp_path, "release", "demo")
    assert "source graded as a submission: 6/6" in result.stdout
    assert "release graded as a submission: 0/6" in result.stdout
    text = (tmp_path / "exercises" / "demo" / "demo.ipynb").read_text()
    assert "raise NotImplementedError()" in text and "np.maximum" not in text
    assert "HIDDEN TESTS" not in text and "hidden_pred" not in text


def test_release_check_names_each_leak():
    source = demo.source_notebook()
    leaky = demo.source_notebook()
    leaky.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="hi\n")]
    problems = find_leaks(leaky, source)
    assert problems[0] == "has outputs (release notebooks must be clean)"
    assert "contains a 'BEGIN HIDDEN TESTS' region" in problems
    assert "contains a 'BEGIN SOLUTION' region" in problems
    assert any(p.startswith("contains 8 hidden-test lines") for p in problems), problems
