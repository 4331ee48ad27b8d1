"""Killing ``coursekit grade`` mid-batch loses nothing and counts nothing twice."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing

import pytest

from tests.coursekit.cases import CASES, write_submission
from tests.coursekit.helpers import LIMITS, run_coursekit, totals

pytestmark = pytest.mark.slow

STUDENTS = {f"{name}_{i}": CASES[name] for i in range(2) for name in ("good", "mse_sum", "relu_only")}
FIRST_RESULTS_SECONDS = 120  # a hang guard: two ordinary submissions take a few seconds each


def test_killed_batch_resumes_without_losing_or_double_counting(demo_template, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(demo_template, root)
    for student, case in STUDENTS.items():
        write_submission(root, student, case)
    ledger = root / ".coursekit" / "demo"
    grader = subprocess.Popen(
        [sys.executable, "-m", "coursekit.cli", "--course", str(root), "grade", "demo", "--workers", "2", *LIMITS],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + FIRST_RESULTS_SECONDS
    while len(list(ledger.glob("*.json"))) < 2 and grader.poll() is None:
        assert time.monotonic() < deadline, f"grading had not recorded two results after {FIRST_RESULTS_SECONDS} s"
        time.sleep(0.05)
    os.killpg(grader.pid, signal.SIGKILL)  # the instructor's process and its workers
    grader.wait()
    done_before = len(list(ledger.glob("*.json")))
    assert 2 <= done_before < len(STUDENTS), "the kill did not land mid-batch"

    resumed = run_coursekit(root, "grade", "demo", "--workers", "2", *LIMITS)
    graded_now = len(STUDENTS) - done_before
    assert f"{graded_now} graded now, {done_before} already graded (skipped)" in resumed.stdout
    assert totals(root) == {student: case.score for student, case in STUDENTS.items()}
    with closing(sqlite3.connect(root / "gradebook.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall()
    assert dict(rows) == dict.fromkeys(STUDENTS, 1)
