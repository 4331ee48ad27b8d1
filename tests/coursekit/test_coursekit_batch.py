"""Adversarial submissions through ``coursekit grade --workers 2``, then feedback and export.

One batch (module fixture) grades every case of ``tests.coursekit.cases.CASES`` side by side with good
submissions; the tests then check each outcome, the gradebook, the sandbox's denials,
repeatability, and that no feedback page holds a line of a hidden test.
"""

from __future__ import annotations

import csv
import json
import shutil
import socket
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from coursekit.course import Course
from coursekit.feedback import generate_feedback
from coursekit.sandbox import capabilities
from tests.coursekit.cases import ANY_FLAG, CASES, RELU, network_code, snoop_code, write_submission
from tests.coursekit.helpers import (
    LIMITS,
    gradebook_dump,
    hidden_test_lines,
    leaked_lines,
    run_coursekit,
    totals,
)

pytestmark = pytest.mark.slow

CANARY = "coursekit-canary-7f3a9c"  # planted in places student code must not read
MUST_FLAG = {name for name, case in CASES.items() if case.flag not in (None, ANY_FLAG)}
MAY_FLAG = {name for name, case in CASES.items() if case.flag is not None}
NOTEBOOK_SECONDS = float(LIMITS[LIMITS.index("--notebook-timeout") + 1])
# what a notebook that hit its limit may take beyond it: the interrupt's grace (3 s), the kill,
# the cgroup's cleanup (up to 5 s) and nbgrader's post-processing
STOP_SECONDS = 15


@dataclass
class Batch:
    root: Path
    stdout: str
    listener: socket.socket
    secret_paths: list[str]


@pytest.fixture(scope="module")
def batch(demo_template, tmp_path_factory):
    root = tmp_path_factory.mktemp("adversarial") / "course"
    shutil.copytree(demo_template, root)
    (root / "solutions" / "demo" / "notes.txt").write_text(CANARY)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    secret_paths = [
        str(root / "solutions" / "demo" / "notes.txt"),
        "../../solutions/demo/notes.txt",
        str(root / "gradebook.db"),
        str(root / "submitted" / "good" / "demo" / "demo.ipynb"),
    ]
    for name, case in CASES.items():
        answers = {
            "snoop_files": {"relu": RELU, "mse": snoop_code(secret_paths)},
            "network": {"relu": RELU, "mse": network_code(listener.getsockname()[1])},
        }
        write_submission(root, name, case, answers.get(name))
    (root / "submitted" / "good" / "demo" / "secret.txt").write_text(CANARY)
    result = run_coursekit(root, "grade", "demo", "--workers", "2", *LIMITS)
    yield Batch(root, result.stdout, listener, secret_paths)
    listener.close()


def ledger(root: Path, student: str) -> dict:
    return json.loads((root / ".coursekit" / "demo" / f"{student}.json").read_text())


def test_batch_ends_with_a_summary(batch):
    assert f"coursekit grade demo: {len(CASES)} graded now" in batch.stdout
    for label in ("graded", "timed out", "failed", "flagged"):
        assert label in batch.stdout


def test_no_submission_runs_past_its_time_limit(batch):
    """Loops, sleeps, fork bombs and floods are stopped: each notebook ends within its limit."""
    for student in CASES:
        for name, notebook in ledger(batch.root, student)["notebooks"].items():
            assert notebook["seconds"] <= NOTEBOOK_SECONDS + STOP_SECONDS, (
                f"{student}/{name} took {notebook['seconds']:.1f} s to grade, more than its "
                f"{NOTEBOOK_SECONDS:g} s limit plus {STOP_SECONDS} s to stop it"
            )


def outputs(root: Path, student: str) -> list:
    """What each code cell of the graded notebook printed, in short (for failure messages)."""
    path = root / "autograded" / student / "demo" / "demo.ipynb"
    if not path.is_file():
        return []
    return [
        (
            cell.metadata.get("nbgrader", {}).get("grade_id"),
            [
                (o.output_type, o.get("name"), o.get("ename"), str(o.get("evalue", o.get("text")))[:160])
                for o in cell.outputs
            ],
        )
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    ]


@pytest.mark.parametrize("student", sorted(CASES))
def test_each_submission_gets_its_outcome(batch, student):
    case, entry = CASES[student], ledger(batch.root, student)
    statuses = case.status if isinstance(case.status, tuple) else (case.status,)
    assert totals(batch.root)[student] == case.score, (entry, outputs(batch.root, student))
    assert entry["score"] == case.score
    assert entry["status"] in statuses, (entry, batch.stdout)
    if case.flag is None:
        assert entry["flags"] == []
    elif case.flag != ANY_FLAG:
        assert any(case.flag in flag for flag in entry["flags"]), entry["flags"]


def test_gradebook_is_consistent(batch):
    with closing(sqlite3.connect(batch.root / "gradebook.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        per_student = dict(
            db.execute("SELECT student_id, COUNT(*) FROM submitted_assignment GROUP BY student_id").fetchall()
        )
        flagged = {
            row[0]
            for row in db.execute(
                "SELECT submitted_assignment.student_id FROM submitted_notebook JOIN "
                "submitted_assignment ON submitted_notebook.assignment_id = submitted_assignment.id "
                "WHERE submitted_notebook.flagged"
            )
        }
    assert per_student == dict.fromkeys(CASES, 1)
    assert MUST_FLAG <= flagged <= MAY_FLAG
    # three grade cells per student, no more, no less
    assert len(gradebook_dump(batch.root)) == 3 * len(CASES)


def _stdout_of(root: Path, student: str) -> str:
    nb = nbformat.read(root / "autograded" / student / "demo" / "demo.ipynb", as_version=4)
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)


def test_student_code_cannot_read_the_course_or_write_outside_scratch(batch):
    printed = _stdout_of(batch.root, "snoop_files")
    for path in batch.secret_paths:
        assert f"DENIED {path}" in printed
    assert "WRITE DENIED" in printed
    assert "READ" not in printed
    for notebook in (batch.root / "autograded").glob("*/demo/*.ipynb"):
        assert CANARY not in notebook.read_text()


def test_student_code_has_no_network(batch):
    printed = _stdout_of(batch.root, "network")
    assert printed.count("NO NETWORK") == 3 and "CONNECTED" not in printed, outputs(batch.root, "network")
    with pytest.raises(BlockingIOError):
        batch.listener.accept()  # nothing reached the host's loopback


@pytest.mark.skipif(not capabilities().pids.startswith("cgroup"), reason="no pids cgroup here")
def test_sandboxes_leave_no_cgroups_behind(batch):
    parent = Path("/sys/fs/cgroup/pids/coursekit")
    if not parent.is_dir():
        parent = Path("/sys/fs/cgroup/coursekit")
    # a cgroup is named after the grading process that made it; other graders may be running
    leaked = [group for group in parent.glob("sandbox-*") if not psutil.pid_exists(int(group.name.split("-")[1]))]
    assert leaked == []


def test_grading_again_gives_the_same_gradebook(batch):
    before = gradebook_dump(batch.root)
    again = run_coursekit(batch.root, "grade", "demo", "--workers", "2", *LIMITS)
    assert f"{len(CASES)} already graded (skipped)" in again.stdout
    assert gradebook_dump(batch.root) == before
    subset = ["good", "mse_sum", "numpy_patch", "os_exit", "invalid_json", "empty_notebook"]
    forced = run_coursekit(
        batch.root,
        "grade",
        "demo",
        "--workers",
        "2",
        "--force",
        *LIMITS,
        *[arg for student in subset for arg in ("--student", student)],
    )
    assert f"{len(subset)} graded now" in forced.stdout
    assert gradebook_dump(batch.root) == before


def test_feedback_never_shows_a_hidden_test(batch):
    course = Course.load(batch.root)
    secrets = hidden_test_lines(batch.root / "solutions" / "demo" / "demo.ipynb")
    assert len(secrets) >= 8
    # the leak is real: the kernel printed hidden tests into the graded notebook...
    graded = (batch.root / "autograded" / "linecache_leak" / "demo" / "demo.ipynb").read_text()
    assert any(line in graded for line in secrets)
    # ...and flagged submissions get no feedback until someone has looked at them
    report = generate_feedback(course, "demo")
    assert MUST_FLAG <= set(report.withheld) <= MAY_FLAG
    assert {p.parts[-3] for p in report.written} == set(CASES) - set(report.withheld)
    # with them included, still no page shows a line of a hidden test; a notebook that could not
    # be read gets its scores alone
    report = generate_feedback(course, "demo", include_flagged=True)
    assert report.complete and {p.parts[-3] for p in report.written} == set(CASES)
    assert sorted(report.scores_only) == [
        f"{student}/demo: no graded notebook (it could not be read or run)"
        for student in ("empty_file", "invalid_json", "missing_notebook")
    ]
    pages = sorted((batch.root / "feedback").glob("*/demo/demo.html"))
    assert "linecache_leak" in {page.parts[-3] for page in pages}
    for page in pages:
        assert leaked_lines(page, secrets) == [], page
    good = (batch.root / "feedback" / "good" / "demo" / "demo.html").read_text()
    assert "relu(-1) is 0, relu(2) is 2" in good  # visible tests stay visible


def test_feedback_keeps_the_failure_message_not_the_test(batch):
    generate_feedback(Course.load(batch.root), "demo", include_flagged=True)
    page = (batch.root / "feedback" / "mse_sum" / "demo" / "demo.html").read_text()
    assert "mse of zeros against ones is 1" in page  # the visible test's message
    assert "hidden_pred" not in page


def test_export_writes_one_row_per_student(batch, tmp_path):
    out = tmp_path / "grades.csv"
    result = run_coursekit(batch.root, "export", "--csv", str(out))
    with out.open() as file:
        rows = {row["student_id"]: row for row in csv.DictReader(file)}
    assert set(rows) == set(CASES)
    for name, case in CASES.items():
        assert float(rows[name]["raw_score"]) == case.score
    assert "flagged for review" in result.stdout
