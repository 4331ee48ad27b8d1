"""Benchmark: ``coursekit grade --workers N`` against serial ``nbgrader autograde``, one run.

``python -m coursekit.bench`` builds a throwaway course (the demo assignment, or
``--course DIR --assignment NAME`` to use a real one), makes the submissions (the source
notebook, the release, and for the demo a half-right answer, in turn), copies the course
twice and times both commands on the same submissions, end to end as an instructor runs them.
It prints both wall times, the seconds per submission and the ratio, and checks that both
gradebooks agree on every student's total.
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

from . import demo
from .course import Course
from .release import release

__all__ = ["main", "make_course"]


def make_course(root: Path, submissions: int, course: Path | None = None,
                assignment: str = demo.ASSIGNMENT) -> str:
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
            half = demo.submission(target.release_dir(assignment) / f"{assignment}.ipynb",
                                   {"relu": demo.CORRECT["relu"]})
            nbformat.write(half, folder / f"{assignment}.ipynb")
            continue
        for notebook in variant.glob("*.ipynb"):
            shutil.copy(notebook, folder / notebook.name)
    return assignment


def _timed(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)
    return time.perf_counter() - start


def _totals(root: Path, assignment: str) -> dict[str, float]:
    with Course.load(root).gradebook() as gb:
        return {s.student.id: s.score for s in gb.find_assignment(assignment).submissions}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coursekit.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--course", type=Path, help="a course root to take the assignment from")
    parser.add_argument("--assignment", default=demo.ASSIGNMENT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        base = Path(tmp) / "course"
        base.mkdir()
        assignment = make_course(base, args.submissions, args.course, args.assignment)
        serial, parallel = Path(tmp) / "nbgrader", Path(tmp) / "coursekit"
        shutil.copytree(base, serial)
        shutil.copytree(base, parallel)
        nbgrader_time = _timed([sys.executable, "-m", "nbgrader", "autograde", assignment],
                               serial)
        coursekit_time = _timed([sys.executable, "-m", "coursekit.cli", "grade", assignment,
                                 "--workers", str(args.workers)], parallel)
        expected, got = _totals(serial, assignment), _totals(parallel, assignment)
    n = args.submissions
    print(f"{n} submissions of {assignment!r}")
    print(f"  nbgrader autograde (serial):   {nbgrader_time:7.1f} s  "
          f"({nbgrader_time / n:.2f} s per submission)")
    print(f"  coursekit grade --workers {args.workers}:  {coursekit_time:7.1f} s  "
          f"({coursekit_time / n:.2f} s per submission)")
    print(f"  speed-up: {nbgrader_time / coursekit_time:.2f}x")
    disagree = sorted(s for s in expected if expected[s] != got.get(s))
    print(f"  totals agree for {n - len(disagree)}/{n} students"
          + (f"; differ for {disagree[:5]}" if disagree else ""))
    return 1 if disagree else 0


if __name__ == "__main__":
    sys.exit(main())
