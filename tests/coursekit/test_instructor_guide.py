"""The instructor guide states what the course and the ``coursekit`` command really are (no grading: fast)."""

from __future__ import annotations

import json
import re
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
