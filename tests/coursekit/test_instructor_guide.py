"""The instructor guide states what the course and the ``coursekit`` command really are, and its recipes work
(no grading: fast)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

from coursekit import cli

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "book" / "instructor_guide.md").read_text()


def _points_and_tests(name: str) -> tuple[float, int]:
    """Total points and number of autograded test cells of the source notebook."""
    nb = json.loads((ROOT / "solutions" / name / f"{name}.ipynb").read_text())
    meta = [cell.get("metadata", {}).get("nbgrader", {}) for cell in nb["cells"]]
    tests = [m for m in meta if m.get("grade") and not m.get("solution")]
    return sum(m.get("points", 0) for m in tests), len(tests)


def test_the_assignment_list_matches_the_sources():
    listed = dict(
        (name, (float(points), int(cells)))
        for name, points, cells in re.findall(r"\*\*`(\w+)`\*\* \((\d+) points, (\d+) test cells", GUIDE)
    )
    sources = sorted(path.name for path in (ROOT / "solutions").iterdir() if path.is_dir())
    assert sorted(listed) == sources
    for name in sources:
        assert listed[name] == _points_and_tests(name), name


def test_every_grade_option_in_the_table_exists_with_its_default():
    grade = cli._parser()._subparsers._group_actions[0].choices["grade"]
    options = {action.option_strings[0]: action.default for action in grade._actions if action.option_strings}
    rows = re.findall(r"^\| `(--[\w-]+)[^`]*` \| (\w+) \|", GUIDE, flags=re.M)
    assert len(rows) >= 8
    for option, default in rows:
        assert option in options, option
        expected = {"off": False, "all": None}[default] if default in ("off", "all") else float(default)
        assert options[option] == expected, (option, default)


def _block(language: str, containing: str) -> str:
    """The guide's fenced ``language`` block that contains ``containing``."""
    blocks = re.findall(rf"^ *```{language}\n(.*?)^ *```", GUIDE, flags=re.M | re.S)
    (block,) = [textwrap.dedent(block) for block in blocks if containing in block]
    return block


def test_student_exchange_commands_name_the_configured_course():
    course_id = re.search(r'course_id = "(\w+)"', (ROOT / "nbgrader_config.py").read_text()).group(1)
    student = re.findall(r"^ *nbgrader (?:fetch_assignment|submit|fetch_feedback) .*$", GUIDE, flags=re.M)
    assert len(student) >= 3
    assert all(f"--course {course_id}" in line for line in student), student


def test_the_collection_recipe_writes_each_files_time(tmp_path):
    downloads = tmp_path / "downloads" / "dropout"
    downloads.mkdir(parents=True)
    (downloads / "ada.ipynb").write_text("{}")
    os.utime(downloads / "ada.ipynb", (1772473500, 1772473500))  # 2026-03-02 17:45:00 UTC
    subprocess.run(["bash", "-e", "-c", _block("bash", "timestamp.txt")], cwd=tmp_path, check=True)
    folder = tmp_path / "submitted" / "ada" / "dropout"
    assert (folder / "dropout.ipynb").read_text() == "{}"
    assert (folder / "timestamp.txt").read_text().strip() == "2026-03-02 17:45:00 UTC"


def test_the_zip_collect_expression_reads_canvas_file_names():
    expression = re.search(r'named_regexp = r"(.*)"', _block("python", "named_regexp")).group(1)
    for name in ("lovelaceada_12345_678901_dropout.ipynb", "lovelaceada_late_12345_678901_dropout.ipynb"):
        match = re.match(expression, f"/course/downloaded/dropout/extracted/{name}")
        assert match and match["student_id"] == "lovelaceada" and match["file_id"] == "dropout.ipynb", name
