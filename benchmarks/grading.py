"""Benchmark: ``coursekit grade`` on 1 and N local workers and on a loopback Dask cluster,
against serial ``nbgrader autograde``, side by side in one run.

Run ``python -m benchmarks.grading`` in the repository root, with the course extra installed
(``pip install -e '.[course]'``). It builds a throwaway course (the demo assignment, or
``--course DIR --assignment NAME`` to use a real one), makes the submissions (the source
notebook, the release, and for the demo a half-right answer, in turn), copies the course once
per command and times each on the same submissions, end to end as an instructor runs them:
``nbgrader autograde``, ``coursekit grade --workers 1``, ``--workers N``, and
``--scheduler`` on a ``dask scheduler`` with N ``dask worker`` processes on 127.0.0.1 (started
before the clock starts, as a cluster is). It prints each wall time, seconds per submission,
submissions per second and the speed-up over nbgrader (a ratio of two runs on the same machine
minutes apart, so other load on a shared machine affects both), and checks that every
gradebook agrees with nbgrader's on every student's total.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from coursekit import demo
from coursekit.course import Course
from coursekit.release import release
from tests.coursekit.cluster_support import loopback_cluster

__all__ = ["main", "make_course"]


def make_course(root: Path, submissions: int, course: Path | None = None, assignment: str = demo.ASSIGNMENT) -> str:
    """Build a course with ``submissions`` students in ``root``; return the assignment name."""
    if course is None:
        demo.create_course(root)
    else:
        shutil.copy(course / "nbgrader_config.py", root / "nbgrader_config.py")
        source = Course.load(course).source_dir(assignment)
        shutil.copytree(source, Course.load(root).source_dir(assignment))
    target = Course.load(root)
    release(target, assignment, check_grades=False)
    variants = [target.source_dir(assignment), target.release_dir(assignment)]
    for index in range(submissions):
        folder = target.submitted_dir(assignment, f"student{index:03d}")
        folder.mkdir(parents=True)
        variant = variants[index % len(variants)]
        if course is None and index % 4 == 3:  # the demo also gets half-right answers
            half = demo.submission(
                target.release_dir(assignment) / f"{assignment}.ipynb", {"relu": demo.CORRECT["relu"]}
            )
            nbformat.write(half, folder / f"{assignment}.ipynb")
            continue
        for notebook in variant.glob("*.ipynb"):
            shutil.copy(notebook, folder / notebook.name)
    return assignment


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _totals(root: Path, assignment: str) -> dict[str, float]:
    with Course.load(root).gradebook() as gb:
        return {s.student.id: s.score for s in gb.find_assignment(assignment).submissions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.grading", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--course", type=Path, help="a course root to take the assignment from")
    parser.add_argument("--assignment", default=demo.ASSIGNMENT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        base = Path(tmp) / "course"
        base.mkdir()
        assignment = make_course(base, args.submissions, args.course, args.assignment)
        nbgrader = "nbgrader autograde (serial)"
        grade = [sys.executable, "-m", "coursekit.cli", "grade", assignment]
        commands = {nbgrader: [sys.executable, "-m", "nbgrader", "autograde", assignment]}
        for workers in sorted({1, args.workers}):
            commands[f"coursekit grade --workers {workers}"] = [*grade, "--workers", str(workers)]
        seconds, totals = {}, {}
        for index, (label, command) in enumerate(commands.items()):
            seconds[label], totals[label] = _run(base, Path(tmp) / f"run{index}", command, assignment)
        (Path(tmp) / "dask").mkdir()
        start = time.perf_counter()
        with loopback_cluster(args.workers, Path(tmp) / "dask") as cluster:
            cluster_start = time.perf_counter() - start
            label = f"coursekit grade --scheduler (loopback, {args.workers} workers)"
            seconds[label], totals[label] = _run(
                base, Path(tmp) / "cluster", [*grade, "--scheduler", cluster.address], assignment
            )
    n = args.submissions
    print(f"{n} submissions of {assignment!r}")
    print(f"  {'command':<52} {'wall s':>7} {'s/submission':>13} {'submissions/s':>14} {'speed-up':>9}")
    for label, wall in seconds.items():
        print(f"  {label:<52} {wall:7.1f} {wall / n:13.2f} {n / wall:14.2f} {seconds[nbgrader] / wall:8.2f}x")
    parallel = f"coursekit grade --workers {args.workers}"
    print(f"  speed-up of --workers {args.workers} over nbgrader: {seconds[nbgrader] / seconds[parallel]:.2f}x")
    print(f"  (the loopback cluster took {cluster_start:.1f} s to start, not counted above)")
    disagreeing = {
        label: sorted(s for s, total in totals[nbgrader].items() if got.get(s) != total)
        for label, got in totals.items()
    }
    for label, students in disagreeing.items():
        if students:
            print(f"  totals of {label} differ from nbgrader's for {students[:5]}")
    if not any(disagreeing.values()):
        print(f"  totals agree with nbgrader's for all {n} students in every run")
    return 1 if any(disagreeing.values()) else 0


def _run(base: Path, root: Path, command: list[str], assignment: str) -> tuple[float, dict[str, float]]:
    """Time ``command`` on a fresh copy of the course ``base``; return that and the totals."""
    shutil.copytree(base, root)
    return _timed(command, root), _totals(root, assignment)


if __name__ == "__main__":
    sys.exit(main())
