"""nbgrader's own exchange around coursekit: release, fetch, submit, collect, grading and
``coursekit feedback``, then ``nbgrader release_feedback`` and the student's ``fetch_feedback``
(grading runs in this process, as ``coursekit grade`` would run it in a worker).

A term's real loop, run with nbgrader's commands in a scratch course with an exchange folder: one
student goes through the exchange (her page must reach her), another is collected by hand with no
``submission_secret.txt`` (``release_feedback`` must still work for everyone, and the instructor is
told that page cannot be fetched).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursekit import demo
from tests.coursekit.helpers import grade_in_process, make_demo_course, run_coursekit

pytestmark = pytest.mark.slow

COURSE_ID = "dnnopt"


def _nbgrader(cwd: Path, exchange: Path, *args: str) -> subprocess.CompletedProcess:
    """One nbgrader command, as its user would type it, with the scratch exchange and cache."""
    scripts = str(Path(sys.executable).parent)  # nbgrader runs `alembic` from PATH
    env = {**os.environ, "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")])}
    options = [f"--Exchange.root={exchange / 'root'}", f"--Exchange.cache={exchange / 'cache'}"]
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args, *options], cwd=cwd, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_release_feedback_and_fetch_feedback_after_coursekit_feedback(tmp_path):
    course, exchange, alice = tmp_path / "course", tmp_path / "exchange", tmp_path / "alice"
    make_demo_course(course)
    (exchange / "root").mkdir(parents=True)
    with (course / "nbgrader_config.py").open("a") as config:
        config.write(f"c.CourseDirectory.course_id = {COURSE_ID!r}\n")
    _nbgrader(course, exchange, "release_assignment", demo.ASSIGNMENT)
    alice.mkdir()
    _nbgrader(alice, exchange, "fetch_assignment", demo.ASSIGNMENT, "--course", COURSE_ID)
    fetched = alice / demo.ASSIGNMENT / f"{demo.ASSIGNMENT}.ipynb"
    nbformat.write(demo.submission(fetched, demo.CORRECT), fetched)
    _nbgrader(alice, exchange, "submit", demo.ASSIGNMENT, "--course", COURSE_ID, "--student", "alice")
    _nbgrader(course, exchange, "collect", demo.ASSIGNMENT)
    assert (course / "submitted" / "alice" / demo.ASSIGNMENT / "submission_secret.txt").is_file()
    by_hand = course / "submitted" / "bob" / demo.ASSIGNMENT
    by_hand.mkdir(parents=True)
    shutil.copy(fetched, by_hand)

    grade_in_process(course, demo.ASSIGNMENT)
    result = run_coursekit(course, "feedback", demo.ASSIGNMENT)
    assert "wrote 2 feedback pages" in result.stdout
    assert "cannot find their pages: hand them over directly: bob" in result.stdout
    for student in ("alice", "bob"):
        folder = course / "feedback" / student / demo.ASSIGNMENT
        assert {p.name for p in folder.iterdir()} == {"demo.html", "timestamp.txt", "submission_secret.txt"}
    secret = course / "submitted" / "alice" / demo.ASSIGNMENT / "submission_secret.txt"
    assert (course / "feedback" / "alice" / demo.ASSIGNMENT / "submission_secret.txt").read_text() == secret.read_text()

    _nbgrader(course, exchange, "release_feedback", demo.ASSIGNMENT)
    _nbgrader(alice, exchange, "fetch_feedback", demo.ASSIGNMENT, "--course", COURSE_ID, "--student", "alice")
    received = list((alice / demo.ASSIGNMENT / "feedback").glob("*/demo.html"))
    assert len(received) == 1
    assert received[0].read_text() == (course / "feedback" / "alice" / demo.ASSIGNMENT / "demo.html").read_text()
    assert "Score: 6 / 6" in received[0].read_text()
