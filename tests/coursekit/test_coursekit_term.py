"""A term's bookkeeping on the demo course: late policy, LMS exports that agree, review flags.

One graded course (module fixture, graded with the library): a correct submission on time, one
inside the grace period, one two days late, a partly wrong one, an unreadable one, and a student
on the roster who submitted nothing. The ``coursekit`` commands run in this process (``cli.main``).
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest

from coursekit import cli, demo
from coursekit.course import Course, CourseError
from coursekit.export import Roster
from coursekit.late import LatePolicy, apply_late_policy
from tests.coursekit.cases import MSE, MSE_SUM, RELU, Case, write_submission
from tests.coursekit.helpers import grade_in_process, hidden_test_lines, totals

pytestmark = pytest.mark.slow

POLICY = """
c.LatePolicy.duedates = {"demo": "2026-03-02 17:00:00 UTC"}
c.LatePolicy.grace_minutes = 15
c.LatePolicy.percent_per_day = 10
c.LatePolicy.max_percent = 50
"""
ROSTER = """\
id,first_name,last_name,email,lms_user_id,sis_user_id,sis_login_id,section,username
on_time,Ada,Lovelace,ada@example.edu,1001,S1,ada,Lab A,ada
absent,Alan,Turing,alan@example.edu,1002,S2,alan,Lab B,alan
"""
SUBMITTED = {  # student -> (answers, timestamp)
    "on_time": ({"relu": RELU, "mse": MSE}, "2026-03-02 16:59:00 UTC"),
    "grace": ({"relu": RELU, "mse": MSE}, "2026-03-02 17:10:00 UTC"),
    "two_days": ({"relu": RELU, "mse": MSE}, "2026-03-04 16:00:00 UTC"),  # 47 h late: 2 days, 20%
    "partly": ({"relu": RELU, "mse": MSE_SUM}, None),
}


@pytest.fixture(scope="module")
def course(demo_template, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("term") / "course"
    shutil.copytree(demo_template, root)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write(POLICY)
    for student, (answers, timestamp) in SUBMITTED.items():
        write_submission(root, student, Case(answers, 0, "graded", None))
        if timestamp:
            (root / "submitted" / student / "demo" / "timestamp.txt").write_text(timestamp)
    write_submission(root, "unreadable", Case(None, 0, "failed", None, raw=b'{"cells": ['))
    grade_in_process(root, demo.ASSIGNMENT)
    (root / "roster.csv").write_text(ROSTER)
    return root


def _coursekit(root: Path, capsys, *args: str) -> str:
    capsys.readouterr()
    assert cli.main(["--course", str(root), *args]) == 0
    return capsys.readouterr().out


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="") as file:
        return list(csv.reader(file))


def _by(path: Path, column: str) -> dict[str, dict[str, str]]:
    with open(path, newline="") as file:
        return {row[column]: row for row in csv.DictReader(file)}


def test_the_late_rule():
    policy = LatePolicy(grace_minutes=15, percent_per_day=10, max_percent=50)
    assert policy.late_submission_penalty("s", 6.0, 14 * 60) == 0  # within the grace period
    assert policy.late_submission_penalty("s", 6.0, 16 * 60) == pytest.approx(0.6)  # a started day
    assert policy.late_submission_penalty("s", 6.0, 47 * 3600) == pytest.approx(1.2)  # two days
    assert policy.late_submission_penalty("s", 6.0, 30 * 86400) == pytest.approx(3.0)  # capped at 50%
    with pytest.raises(ValueError, match="not a date"):
        LatePolicy(duedates={"demo": "next friday"}).duedate("demo")


def test_every_export_agrees_with_the_table_and_nbgrader(course, capsys):
    assert cli.main(["--course", str(course), "export", "--csv", str(course / "grades.csv")]) == 0
    assert "in no export (they submitted nothing): 'absent'" in capsys.readouterr().err
    with Course.load(course).gradebook() as gb:
        gb.update_or_create_student("absent")  # what `nbgrader db student import roster.csv` does
    out = _coursekit(course, capsys, "export", "--csv", str(course / "grades.csv"), "--to", str(course / "exports"))
    table = dict(line.split() for line in out.splitlines()[1:] if not line.startswith(("(", "wrote")))
    nbgrader = _by(course / "grades.csv", "student_id")
    canvas = _rows(course / "exports" / "canvas.csv")
    moodle = _by(course / "exports" / "moodle.csv", "Username")
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "demo"]
    assert canvas[1] == ["    Points Possible", "", "", "", "", "6"]
    canvas_by_login = {row[3] or row[0]: row for row in canvas[2:]}
    assert canvas_by_login["ada"][:5] == ["Lovelace, Ada", "1001", "S1", "ada", "Lab A"]
    assert moodle["ada"]["Email address"] == "ada@example.edu"
    expected = {"on_time": 6, "grace": 6, "two_days": 4.8, "partly": 3, "unreadable": 0, "absent": 0}
    login = {"on_time": "ada", "absent": "alan"}  # the roster's; other students are known by their ids
    for student, final in expected.items():
        assert float(nbgrader[student]["score"]) == pytest.approx(final), student
        assert float(canvas_by_login[login.get(student, student)][5]) == pytest.approx(final), student
        assert float(moodle[login.get(student, student)]["demo"]) == pytest.approx(final), student
        shown = table[student].rstrip("*L")
        assert shown == ("-" if student == "absent" else f"{final:g}/6"), student
    assert float(nbgrader["two_days"]["late_submission_penalty"]) == pytest.approx(1.2)
    assert table["two_days"].endswith("L") and table["unreadable"].endswith("*")
    results = json.loads((course / "exports" / "results" / "demo" / "two_days.json").read_text())
    assert results["score"] == pytest.approx(4.8) and results["late_penalty"] == pytest.approx(1.2)
    assert not (course / "exports" / "results" / "demo" / "absent.json").exists()


def test_per_test_results_have_messages_but_no_hidden_test(course, capsys):
    _coursekit(course, capsys, "export", "--csv", str(course / "grades.csv"), "--to", str(course / "exports"))
    results = json.loads((course / "exports" / "results" / "demo" / "partly.json").read_text())
    tests = {test["name"]: test for test in results["tests"]}
    assert set(tests) == {"demo/test_relu", "demo/test_mse", "demo/test_mse_type"}
    assert sum(test["score"] for test in tests.values()) == pytest.approx(results["score"]) == 3
    assert sum(test["max_score"] for test in tests.values()) == 6
    failed = tests["demo/test_mse"]
    assert failed["status"] == "failed" and failed["output"].startswith("AssertionError: ")
    assert tests["demo/test_relu"]["visibility"] == "after_published"  # its cell has hidden tests
    text = json.dumps(results)
    hidden = hidden_test_lines(course / "solutions" / "demo" / "demo.ipynb")
    assert not [line for line in hidden if line in text]


def test_a_changed_policy_reprices_without_grading_again(course):
    before = totals(course)
    config = course / "nbgrader_config.py"
    original = config.read_text()
    try:
        config.write_text(
            original + 'c.LatePolicy.percent_per_day = 25\nc.LatePolicy.extensions = {"demo": {"grace": 1}}\n'
        )
        late = {entry.student: entry for entry in apply_late_policy(Course.load(course), "demo")}
        assert set(late) == {"two_days"}  # the extension makes "grace" on time
        assert late["two_days"].penalty == pytest.approx(3.0)  # 2 days at 25%, capped at 50%
        assert totals(course) == before  # the tests' scores: nothing was graded again
    finally:
        config.write_text(original)
        apply_late_policy(Course.load(course), "demo")


def test_the_grade_summary_names_late_submissions_and_counts_open_flags(course, capsys):
    cli._late_and_flagged(Course.load(course), "demo")  # what `coursekit grade` prints after its table
    lines = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert "late submissions (2):" in lines
    assert "two_days: 47.0 h late, penalty 1.2 points" in lines
    assert "grace: 0.2 h late, penalty 0 points (within the grace period)" in lines
    assert "open review flags: 1 (`coursekit flags demo` lists them)" in lines


def test_flags_lists_an_unreadable_submission_and_clears_it(course, capsys):
    listed = _coursekit(course, capsys, "flags")
    assert "unreadable" in listed and "not a valid notebook" in listed and "1 open review flags" in listed
    assert "cleared" in _coursekit(course, capsys, "flags", "--clear", "unreadable", "demo")
    assert "0 open review flags" in _coursekit(course, capsys, "flags", "demo")
    assert cli.main(["--course", str(course), "flags", "--clear", "unreadable", "demo"]) == 2
    assert "no open flag on 'unreadable'" in capsys.readouterr().err


def test_a_roster_with_unknown_columns_is_refused(tmp_path):
    (tmp_path / "roster.csv").write_text("id,mail\nada,ada@example.edu\n")
    with pytest.raises(CourseError, match=r"unknown columns \['mail'\]"):
        Roster.read(tmp_path / "roster.csv")
