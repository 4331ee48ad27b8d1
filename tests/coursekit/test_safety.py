"""Safe by default: links, pipes and devices in submissions are never followed or opened; odd student
ids are handled exactly; without a sandbox nothing runs unless the instructor says ``--unsandboxed``.

One batch (module fixture) grades the demo assignment through ``coursekit grade --workers 2`` for
students whose submission is or holds a link, a FIFO or a device, and for students with ids that
break string joining (a comma, spaces, unicode, a leading dash, a dot). Outcomes are read back from
the ledger and the gradebook directly.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
import stat
import sys
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from coursekit.grading import GradingTask
from coursekit.sandbox import SandboxLimits, explain_bwrap_failure, probe
from tests.coursekit.cases import CASES, write_submission
from tests.coursekit.helpers import LIMITS, run_coursekit, totals

ODD_IDS = ["flagged,good_c", "good_c", "with space", "zoë", "学生", "-rf", "a.b", ".dot"]
FLAGGED = {"flagged,good_c", "with space"}  # these submit the numpy_patch case, the others a good one


@dataclass(frozen=True)
class Expected:
    score: float
    status: str
    flags: tuple[str, ...]  # phrases, each in some flag; () for no flag at all


def _link(target: Path, link: Path) -> None:
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, link)


def _submission(root: Path, student: str) -> Path:
    return root / "submitted" / student / "demo"


def make_links(root: Path) -> dict[str, Expected]:
    """Submissions that are, or hold, things other than regular files and folders."""
    solution = root / "solutions" / "demo" / "demo.ipynb"
    _link(solution, _submission(root, "linked_notebook") / "demo.ipynb")
    _link(root / "solutions" / "demo", _submission(root, "linked_folder"))
    write_submission(root, "target", CASES["good"])
    _link(root / "submitted" / "target", root / "submitted" / "linked_student")
    fifo = _submission(root, "fifo_notebook")
    fifo.mkdir(parents=True)
    os.mkfifo(fifo / "demo.ipynb")
    write_submission(root, "odd_files", CASES["good"])
    folder = _submission(root, "odd_files")
    _link(root / "gradebook.db", folder / "data.csv")
    _link(Path("../../../solutions/demo/demo.ipynb"), folder / "deep" / "deeper" / "notes.ipynb")
    os.mkfifo(folder / "pipe")
    if os.geteuid() == 0:  # making a device takes root
        os.mknod(folder / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # what /dev/null is
    _link(Path("/dev/zero"), folder / "timestamp.txt")
    device = ("the submitted null is a character device",) if os.geteuid() == 0 else ()
    return {
        "linked_notebook": Expected(0, "failed", (f"demo.ipynb is a symbolic link to '{solution}'",)),
        "linked_folder": Expected(0, "failed", ("submitted/linked_folder/demo is a symbolic link", "not a folder")),
        "linked_student": Expected(0, "failed", ("submitted/linked_student is a symbolic link",)),
        "fifo_notebook": Expected(0, "failed", ("demo.ipynb is a named pipe (FIFO)",)),
        "odd_files": Expected(
            6,
            "graded",
            (
                "the submitted data.csv is a symbolic link to",
                "the submitted deep/deeper/notes.ipynb is a symbolic link",
                "the submitted pipe is a named pipe (FIFO)",
                "not read: timestamp.txt is a symbolic link to '/dev/zero'",
                *device,
            ),
        ),
        "target": Expected(6, "graded", ()),
    }


def make_odd_ids(root: Path) -> dict[str, Expected]:
    expected = {}
    for student in ODD_IDS:
        case = CASES["numpy_patch"] if student in FLAGGED else CASES["good"]
        write_submission(root, student, case)
        expected[student] = Expected(case.score, "graded", ("numpy.isclose was replaced",) if case.flag else ())
    return expected


@dataclass
class Batch:
    root: Path
    stdout: str
    expected: dict[str, Expected]


@pytest.fixture(scope="module")
def batch(demo_template, tmp_path_factory) -> Batch:
    root = tmp_path_factory.mktemp("safety") / "course"
    shutil.copytree(demo_template, root)
    expected = make_links(root) | make_odd_ids(root)
    result = run_coursekit(root, "grade", "demo", "--workers", "2", *LIMITS)
    return Batch(root, result.stdout, expected)


def ledger(root: Path, student: str) -> dict:
    return json.loads((root / ".coursekit" / "demo" / f"{student}.json").read_text())


@pytest.mark.slow
def test_every_submission_gets_its_outcome(batch):
    assert f"{len(batch.expected)} graded now" in batch.stdout
    scores = totals(batch.root)
    for student, expected in batch.expected.items():
        entry = ledger(batch.root, student)
        assert (entry["status"], entry["score"], scores[student]) == (expected.status, expected.score, expected.score)
        for phrase in expected.flags:
            assert any(phrase in flag for flag in entry["flags"]), (student, phrase, entry["flags"])
        if not expected.flags:
            assert entry["flags"] == [], (student, entry["flags"])


@pytest.mark.slow
def test_a_linked_solution_is_never_read(batch):
    """The symlink to solutions/ is not graded as the student's work: nothing of it reaches a graded notebook
    (the source's answer cells are the only place with solution markers)."""
    for student in ("linked_notebook", "linked_folder"):
        assert not (batch.root / "autograded" / student).exists()
    graded = list((batch.root / "autograded").glob("*/demo/*.ipynb"))
    assert len(graded) == len([e for e in batch.expected.values() if e.status == "graded"])
    for notebook in graded:
        assert "BEGIN SOLUTION" not in notebook.read_text(), notebook


@pytest.mark.slow
def test_odd_ids_are_kept_exactly_everywhere(batch):
    with closing(sqlite3.connect(batch.root / "gradebook.db")) as db:
        students = {row[0] for row in db.execute("SELECT student_id FROM submitted_assignment")}
    assert set(ODD_IDS) <= students
    assert {path.stem for path in (batch.root / ".coursekit" / "demo").glob("*.json")} == set(batch.expected)
    # the summary names the flagged students exactly (quoted where a space would hide where the id ends),
    # and not the good one whose id is part of another's
    review = batch.stdout.split("why", 1)[1]
    assert "\n  flagged,good_c " in review and "\n  'with space' " in review
    assert "\n  good_c " not in review and "zoë" not in review


@pytest.mark.slow
def test_one_odd_student_is_graded_again_by_its_exact_id(batch):
    again = run_coursekit(batch.root, "grade", "demo", "--workers", "1", "--force", "--student=-rf", *LIMITS)
    assert "1 graded now, 0 already graded" in again.stdout
    unicode = run_coursekit(batch.root, "grade", "demo", "--workers", "1", "--student", "学生", *LIMITS)
    assert "0 graded now, 1 already graded" in unicode.stdout


@pytest.mark.slow
def test_student_ids_that_are_not_folder_names_are_refused(demo_template, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(demo_template, root)
    for student in ("..", ".", "a/b"):
        result = run_coursekit(root, "grade", "demo", "--workers", "1", f"--student={student}", check=False)
        assert result.returncode == 2
        assert f"coursekit: error: {student!r} is not a student id" in result.stderr
    missing = run_coursekit(root, "grade", "demo", "--workers", "1", "--student", "nobody", check=False)
    assert "coursekit: error: no submission of 'demo' by 'nobody' in submitted/" in missing.stderr


@pytest.mark.slow
def test_a_release_with_a_link_is_refused(demo_template, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(demo_template, root)
    write_submission(root, "good", CASES["good"])
    _link(root / "gradebook.db", root / "exercises" / "demo" / "data.csv")
    result = run_coursekit(root, "grade", "demo", "--workers", "1", *LIMITS, check=False)
    assert result.returncode == 2
    assert "data.csv is not a regular file (a link?): put the file itself in the release" in result.stderr


# -- no sandbox --------------------------------------------------------------------------------
def _without_bwrap() -> dict[str, str]:
    """An environment whose PATH has this interpreter's scripts and no bubblewrap."""
    bin_dir = Path(sys.executable).parent
    assert not (bin_dir / "bwrap").exists()
    return {**os.environ, "PATH": str(bin_dir)}


@pytest.mark.slow
def test_without_bubblewrap_nothing_runs_unless_unsandboxed(demo_template, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(demo_template, root)
    write_submission(root, "good", CASES["good"])
    env = _without_bwrap()
    refused = run_coursekit(root, "grade", "demo", "--workers", "1", *LIMITS, check=False, env=env)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "coursekit: error: bubblewrap (bwrap) is not installed, so student code cannot be sandboxed: install it "
        "with `apt-get install bubblewrap` (Debian, Ubuntu; `dnf install bubblewrap` on Fedora); or pass "
        "--unsandboxed to run student code with your permissions"
    ]
    assert not (root / ".coursekit" / "demo").exists()  # nothing graded
    release = run_coursekit(root, "release", "demo", check=False, env=env)
    assert release.returncode == 2 and "or skip the grade check with --no-grade-check" in release.stderr

    allowed = run_coursekit(root, "grade", "demo", "--workers", "1", "--unsandboxed", *LIMITS, env=env)
    assert "!!! UNSANDBOXED: 1 submissions ran WITHOUT a sandbox (--unsandboxed)" in allowed.stdout
    assert "sandbox: NONE" in allowed.stderr
    assert ledger(root, "good")["sandboxed"] is False and totals(root) == {"good": 6}
    # once there is a sandbox, what ran without one is graded again, in it; then it is done
    sandboxed = run_coursekit(root, "grade", "demo", "--workers", "1", *LIMITS)
    assert "1 graded now, 0 already graded" in sandboxed.stdout and "UNSANDBOXED" not in sandboxed.stdout
    assert ledger(root, "good")["sandboxed"] is True
    assert "0 graded now, 1 already graded" in run_coursekit(root, "grade", "demo", "--workers", "1", *LIMITS).stdout


def test_grading_keys_are_those_of_before_the_sandbox_became_mandatory():
    """A ledger written before ``unsandboxed`` existed still matches: no regrade for nothing.

    The digest was computed with the previous grading code (commit 801385b) for this very task.
    """
    task = GradingTask(
        "dropout",
        "zoë",
        {"dropout": b"answer"},
        {"dropout": b"source"},
        SandboxLimits(cell_timeout=8, protect=("/x",)),
        {"ClearOutput": {"x": 1}},
        {"data.csv": b"1,2"},
        "2026-01-01 10:00:00 UTC",
    )
    before = "3417bc3ec524182126d7702cf5b3f891a846c553cbb4d79d51419858bc538af3"
    assert task.key() == before
    names = [field.name for field in dataclasses.fields(GradingTask)]
    assert names[:8] == ["assignment", "student", "submitted", "sources", "limits", "config", "files", "timestamp"]
    unsandboxed = GradingTask(**{**task.__dict__, "limits": SandboxLimits(cell_timeout=8, unsandboxed=True)})
    assert unsandboxed.key() == before
    flagged = GradingTask(**{**task.__dict__, "flags": {"dropout": ["dropout.ipynb is a symbolic link"]}})
    assert flagged.key() != before


# -- why bubblewrap fails, in one sentence ----------------------------------------------------
def _sysctl(tmp_path: Path, **values: str) -> Path:
    for name, value in values.items():
        path = tmp_path / name.replace(".", "/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{value}\n")
    return tmp_path


UID_MAP = "bwrap: setting up uid map: Permission denied"


def test_apparmor_restriction_is_named_with_its_fix(tmp_path):
    sysctl = _sysctl(tmp_path, **{"kernel.apparmor_restrict_unprivileged_userns": "1"})
    sentence = explain_bwrap_failure(UID_MAP, sysctl, root=False)
    assert sentence.startswith(f"bubblewrap cannot create its user namespace ({UID_MAP}) because AppArmor")
    assert "kernel.apparmor_restrict_unprivileged_userns=1" in sentence
    assert "`sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`" in sentence
    assert "AppArmor profile for /usr/bin/bwrap" in sentence
    # root is not bound by it: another cause
    assert "AppArmor" not in explain_bwrap_failure(UID_MAP, sysctl, root=True)


@pytest.mark.parametrize(
    ("setting", "fix"),
    [
        ({"user.max_user_namespaces": "0"}, "`sudo sysctl -w user.max_user_namespaces=10000`"),
        ({"kernel.unprivileged_userns_clone": "0"}, "`sudo sysctl -w kernel.unprivileged_userns_clone=1`"),
        ({}, "in a container, allow it user namespaces"),
    ],
)
def test_other_causes_are_named_with_their_fix(tmp_path, setting, fix):
    sentence = explain_bwrap_failure("bwrap: No permissions to create new namespace", _sysctl(tmp_path, **setting))
    assert fix in sentence and sentence.count(". ") == 0  # one sentence


def test_the_probe_detects_a_failing_bubblewrap(tmp_path):
    broken = tmp_path / "bwrap"
    broken.write_text(f"#!/bin/sh\necho '{UID_MAP}' >&2\nexit 1\n")
    broken.chmod(0o755)
    sysctl = _sysctl(tmp_path / "sys", **{"kernel.apparmor_restrict_unprivileged_userns": "1"})
    with pytest.warns(Warning):
        caps = probe(str(broken), sysctl)
    assert caps.bwrap is None
    assert caps.missing == explain_bwrap_failure(UID_MAP, sysctl, root=os.geteuid() == 0)
    assert caps.warnings[0] == caps.missing
