"""``coursekit grade --scheduler`` on a real Dask cluster: a ``dask scheduler`` and ``dask worker``
processes on 127.0.0.1 (:func:`tests.coursekit.cluster_support.loopback_cluster`).

The cluster grades exactly as local mode does; a worker killed mid-batch loses no submission
and grades none twice; a submission whose grading keeps killing workers ends flagged.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import psutil
import pytest

from coursekit.cluster import connect
from tests.coursekit.cases import CASES, Case, write_submission
from tests.coursekit.cluster_support import loopback_cluster
from tests.coursekit.helpers import gradebook_dump, totals

pytestmark = pytest.mark.slow

LIMITS = [
    "--timeout",
    "4",
    "--notebook-timeout",
    "40",
    "--memory-mb",
    "1024",
    "--output-kb",
    "256",
    "--max-procs",
    "32",
]
GRADE_SECONDS = 150  # one `coursekit grade` of a test batch, on 2 busy cores
# good and bad submissions whose outcomes, flags included, do not depend on timing (a flood,
# a fork bomb or a dying kernel can end in more than one correct way)
MIXED = ["good", "mse_sum", "tampered_tests", "sys_exit", "invalid_json", "missing_notebook", "infinite_loop"]


def make_course(template: Path, root: Path, students: dict[str, Case]) -> Path:
    shutil.copytree(template, root)
    for student, case in students.items():
        write_submission(root, student, case)
    return root


@contextmanager
def grading(root: Path, *args: str) -> Iterator[subprocess.Popen]:
    """``coursekit grade demo`` on ``root`` in the background, output in ``root/grade.log``;
    killed at the end, with every process it started, if it is still running."""
    with (root / "grade.log").open("w") as log:
        grader = subprocess.Popen(
            [sys.executable, "-m", "coursekit.cli", "--course", str(root), "grade", "demo", *LIMITS, *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield grader
    finally:
        if grader.poll() is None:
            os.killpg(grader.pid, signal.SIGKILL)
            grader.wait()


def finish(root: Path, grader: subprocess.Popen) -> str:
    """Wait for ``grader`` to succeed; return what it printed."""
    try:
        grader.wait(GRADE_SECONDS)
    except subprocess.TimeoutExpired:
        pytest.fail(f"coursekit grade ran over {GRADE_SECONDS} s:\n{(root / 'grade.log').read_text()}")
    output = (root / "grade.log").read_text()
    assert grader.returncode == 0, output
    return output


def grade(root: Path, *args: str) -> str:
    """Run ``coursekit grade demo`` on ``root``; return what it printed."""
    with grading(root, *args) as grader:
        return finish(root, grader)


def ledgers(root: Path) -> dict[str, dict]:
    """Each student's ledger entry, without the timings."""
    entries = {}
    for path in (root / ".coursekit" / "demo").glob("*.json"):
        entry = json.loads(path.read_text())
        for notebook in entry["notebooks"].values():
            del notebook["seconds"]
        entries[path.stem] = entry
    return entries


def per_worker(output: str) -> dict[str, int]:
    return {worker: int(count) for worker, count in re.findall(r"worker (tcp://[\d.:]+): (\d+) graded", output)}


def submissions_per_student(root: Path) -> dict[str, int]:
    with closing(sqlite3.connect(root / "gradebook.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return dict(db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall())


def test_cluster_grades_exactly_as_local_mode(demo_template, tmp_path):
    students = {name: CASES[name] for name in MIXED}
    local = make_course(demo_template, tmp_path / "local", students)
    remote = make_course(demo_template, tmp_path / "remote", students)
    local_output = grade(local, "--workers", "2")
    (tmp_path / "dask").mkdir()
    with loopback_cluster(2, tmp_path / "dask") as cluster:
        remote_output = grade(remote, "--scheduler", cluster.address)
    assert f"{len(MIXED)} graded now" in remote_output
    assert gradebook_dump(remote) == gradebook_dump(local)
    assert ledgers(remote) == ledgers(local)
    assert totals(remote) == {name: case.score for name, case in students.items()}
    for name, case in students.items():
        assert ledgers(remote)[name]["status"] == case.status
        assert bool(ledgers(remote)[name]["flags"]) == (case.flag is not None)
    for output in (remote_output, local_output):
        counts = per_worker(output)  # both workers took part, every submission counted once
        assert len(counts) == 2 and sum(counts.values()) == len(MIXED), output


def test_a_worker_killed_mid_batch_loses_nothing(demo_template, tmp_path):
    students = {f"{name}_{i}": CASES[name] for i in range(2) for name in ("good", "mse_sum", "relu_only")}
    root = make_course(demo_template, tmp_path / "course", students)
    (tmp_path / "dask").mkdir()
    with loopback_cluster(2, tmp_path / "dask") as cluster, grading(root, "--scheduler", cluster.address) as grader:
        victim = _busy_worker(cluster.workers, root, grader)
        os.killpg(victim.pid, signal.SIGKILL)  # the worker, its nanny and its sandbox
        done_before = len(ledgers(root))
        victim.wait()
        output = finish(root, grader)
    assert 1 <= done_before < len(students), "the kill did not land mid-batch"
    entries = ledgers(root)
    assert set(entries) == set(students)
    assert all(entry["status"] == "graded" and entry["flags"] == [] for entry in entries.values())
    assert totals(root) == {student: case.score for student, case in students.items()}
    assert submissions_per_student(root) == dict.fromkeys(students, 1)
    # every submission recorded once: the summary counts each result the writer received
    assert f"{len(students)} graded now, 0 already graded" in output
    assert sum(per_worker(output).values()) == len(students)


def _busy_worker(workers: list[subprocess.Popen], root: Path, grader: subprocess.Popen) -> subprocess.Popen:
    """Wait until a result is in and a worker is running a kernel (grading); return it.

    ``dask worker`` (the nanny) runs the worker process, which starts a kernel (in its
    sandbox) only while it grades.
    """
    ledger = root / ".coursekit" / "demo"
    deadline = time.monotonic() + GRADE_SECONDS
    while time.monotonic() < deadline and grader.poll() is None:
        if any(ledger.glob("*.json")):
            for worker in workers:
                processes = psutil.Process(worker.pid).children()
                if any(process.children() for process in processes):
                    return worker
        time.sleep(0.05)
    pytest.fail(f"no worker was caught grading:\n{(root / 'grade.log').read_text()}")


CRASHING_PRELOAD = '''
"""Stands in for grading that kills its worker process (a crash in native code, the OOM killer)."""
import os

import coursekit.cluster

grade = coursekit.cluster.grade


def crashing_grade(task):
    if task.student.startswith("crash"):
        os._exit(70)
    return grade(task)


def dask_setup(worker):
    coursekit.cluster.grade = crashing_grade
'''


def test_a_submission_that_keeps_killing_workers_is_flagged(demo_template, tmp_path):
    students = {"crash": CASES["good"], **{f"good_{i}": CASES["good"] for i in range(3)}}
    root = make_course(demo_template, tmp_path / "course", students)
    (tmp_path / "dask").mkdir()
    preload = tmp_path / "dask" / "crashing_preload.py"
    preload.write_text(CRASHING_PRELOAD)
    # no nanny: a dead worker stays dead; two deaths allowed, a third worker finishes the batch
    with loopback_cluster(
        3,
        tmp_path / "dask",
        env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1"},
        worker_args=["--no-nanny", "--preload", str(preload)],
    ) as cluster:
        output = grade(root, "--scheduler", cluster.address)
        dead = [worker for worker in cluster.workers if worker.poll() is not None]
    assert len(dead) == 2, output
    entries = ledgers(root)
    assert entries["crash"]["status"] == "failed"
    assert entries["crash"]["flags"] == ["demo: grading it repeatedly crashed the worker process"]
    assert entries["crash"]["complete"]  # flagged for review, not graded again by a rerun
    assert totals(root) == {"crash": 0, "good_0": 6, "good_1": 6, "good_2": 6}
    assert submissions_per_student(root) == dict.fromkeys(students, 1)
    assert re.search(r"crash\s+failed\s+\S+\s+demo: grading it repeatedly crashed", output)


def test_local_workers_start_with_the_grader_imported():
    """Local workers fork from a server that imported the grader, so no worker spends a second importing it."""
    with connect(None, 2) as client:
        # a lambda travels by value: a function of this module would import it, and coursekit with it, on the worker
        imported = client.run(lambda: "coursekit.grading" in sys.modules)
    assert list(imported.values()) == [True, True]
