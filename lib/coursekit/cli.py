"""The ``coursekit`` command: release, grade, feedback, export, flags (run in the course root).

A plain ``pip install -e .`` (what a reader does) installs this command without the course
extra (nbgrader, Dask). So this module imports only the standard library (and
:mod:`coursekit.limits`, which does too): ``coursekit --help`` always works, and a command run
without the extra ends with one sentence naming the install command instead of a traceback.
Each command imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import sys
import warnings
from typing import TYPE_CHECKING

from .limits import SandboxLimits

if TYPE_CHECKING:
    from .course import Course

__all__ = ["main"]

# the `course` extra of pyproject.toml, by the names they are imported as
COURSE_PACKAGES = ("nbgrader", "dask", "distributed", "psutil")
INSTALL = "pip install -e '.[course]' (in a clone of the repository) or pip install 'dnnopt-book[course]'"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="coursekit",
        description="Sandboxed, parallel, resumable nbgrader autograding with feedback that never shows hidden tests.",
    )
    parser.add_argument(
        "--course", default=".", help="course root, where nbgrader_config.py is (default: the current directory)"
    )
    commands = parser.add_subparsers(dest="command", required=True)

    release = commands.add_parser("release", help="generate the student version and check it")
    release.add_argument("assignment")
    release.add_argument(
        "--no-grade-check", action="store_true", help="skip grading the source (full marks) and release (reported)"
    )

    grade = commands.add_parser("grade", help="autograde submitted/*/ASSIGNMENT/")
    grade.add_argument("assignment")
    defaults = SandboxLimits()
    grade.add_argument(
        "--workers", type=int, help=f"local worker processes (default: number of cores, {os.cpu_count()})"
    )
    grade.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the Dask cluster whose scheduler is at ADDRESS (e.g. "
        "tcp://10.0.0.5:8786) instead of local worker processes",
    )
    grade.add_argument(
        "--timeout", type=float, default=defaults.cell_timeout, help="seconds per cell (default: %(default)s)"
    )
    grade.add_argument(
        "--notebook-timeout",
        type=float,
        default=defaults.notebook_timeout,
        help="seconds per notebook (default: %(default)s)",
    )
    grade.add_argument(
        "--memory-mb",
        type=int,
        default=defaults.memory_mb,
        help="address space per sandboxed process (default: %(default)s)",
    )
    grade.add_argument(
        "--output-kb", type=int, default=defaults.output_kb, help="output kept per notebook (default: %(default)s)"
    )
    grade.add_argument(
        "--max-procs",
        type=int,
        default=defaults.max_procs,
        help="processes and threads per sandbox (default: %(default)s)",
    )
    grade.add_argument(
        "--student", action="append", help="only this student (repeatable; an id starting with - as --student=-x)"
    )
    grade.add_argument(
        "--force", action="store_true", help="grade again submissions already graded with the same inputs"
    )
    grade.add_argument(
        "--unsandboxed",
        action="store_true",
        help="where bubblewrap is missing or fails, run student code anyway: it runs with YOUR permissions "
        "(your files, the course folder, the gradebook, the network); without this flag grading refuses",
    )
    grade.add_argument(
        "--require-sandbox", action="store_true", help="deprecated, no effect: the sandbox is always required now"
    )

    feedback = commands.add_parser(
        "feedback", help="HTML feedback pages: scores and messages, no hidden tests, no scripts, nothing remote"
    )
    feedback.add_argument("assignment")
    feedback.add_argument(
        "--student", action="append", help="only this student (repeatable; default: every submission)"
    )
    feedback.add_argument(
        "--include-flagged", action="store_true", help="also write feedback for submissions flagged for review"
    )

    export = commands.add_parser(
        "export", help="grades: nbgrader's CSV, Canvas and Moodle import files, per-test results (Gradescope's JSON)"
    )
    export.add_argument("--csv", default="grades.csv", help="nbgrader's CSV (default: %(default)s)")
    export.add_argument(
        "--to", default="exports", help="folder for canvas.csv, moodle.csv and results/ (default: %(default)s)"
    )
    export.add_argument(
        "--roster",
        help="CSV of students' LMS identities (columns id, first_name, last_name, email, lms_user_id, sis_user_id, "
        "sis_login_id, section, username; default: c.LMS.roster in nbgrader_config.py, else roster.csv if present, "
        "else the gradebook's students)",
    )

    flags = commands.add_parser("flags", help="list the submissions flagged for review, or clear one")
    flags.add_argument("assignment", nargs="?", help="only this assignment (default: all)")
    flags.add_argument("--clear", nargs=2, metavar=("STUDENT", "ASSIGNMENT"), help="clear the flag of this submission")
    return parser


def _release(course: Course, args) -> int:
    from .release import release

    report = release(course, args.assignment, check_grades=not args.no_grade_check)
    for note in report.notes:
        print(f"  {note}")
    for problem in report.problems:
        print(f"  PROBLEM: {problem}", file=sys.stderr)
    print(
        f"released {args.assignment} to {course.release_dir(args.assignment)}"
        + (" with problems" if report.problems else "")
    )
    return 1 if report.problems else 0


def _grade(course: Course, args) -> int:
    from .batch import grade_assignment
    from .cluster import LOCAL, ClusterError, check_sandboxes
    from .sandbox import SandboxUnavailableWarning, capabilities

    # importing distributed set its loggers to INFO, a line per worker joining and leaving
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if args.workers is not None and args.workers < 1:
        raise ValueError(f"--workers must be at least 1, got {args.workers}")
    if args.workers is not None and args.scheduler is not None:
        raise ValueError(
            "--workers sets the size of the local cluster; with --scheduler the cluster's own workers grade"
        )
    limits = SandboxLimits(
        cell_timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        memory_mb=args.memory_mb,
        output_kb=args.output_kb,
        max_procs=args.max_procs,
        unsandboxed=args.unsandboxed,
    )
    if args.require_sandbox:
        print("coursekit: note: --require-sandbox is the default now and has no effect", file=sys.stderr)
    if args.scheduler is None:  # student code runs on this machine (a cluster checks its own)
        with warnings.catch_warnings():  # said once below, not as Python warnings
            warnings.simplefilter("ignore", SandboxUnavailableWarning)
            caps = capabilities()
        check_sandboxes({LOCAL: caps}, args.unsandboxed)
        print(caps.describe(), *[f"warning: {note}" for note in caps.warnings], sep="\n", file=sys.stderr)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            summary = grade_assignment(
                course,
                args.assignment,
                workers=args.workers,
                limits=limits,
                force=args.force,
                students=args.student,
                scheduler=args.scheduler,
            )
    except ClusterError as error:
        print(f"coursekit: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "interrupted: finished submissions are saved; run the same command again to grade the rest", file=sys.stderr
        )
        return 130
    print(summary.table())
    _late_and_flagged(course, args.assignment)
    return 0


def _late_and_flagged(course: Course, assignment: str) -> None:
    """After grading: apply the late policy to every submission (changed due dates and penalties
    included), name the late ones, and count every open flag, not only this run's."""
    from .flags import open_flags
    from .late import apply_late_policy

    late = apply_late_policy(course, assignment)
    if late:
        print(f"  late submissions ({len(late)}):")
        for submission in late:
            print(f"    {submission}")
    flags = open_flags(course, assignment)
    if flags:
        print(f"  open review flags: {len(flags)} (`coursekit flags {assignment}` lists them)")


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one line for the instructor, without the source line Python would quote."""
    print(f"coursekit: warning: {message}", file=sys.stderr)


def _feedback(course: Course, args) -> int:
    from .feedback import generate_feedback
    from .late import apply_late_policy

    apply_late_policy(course, args.assignment)  # pages show the policy as it is now
    report = generate_feedback(course, args.assignment, students=args.student, include_flagged=args.include_flagged)
    print(f"wrote {len(report.written)} feedback pages for {args.assignment}")
    if report.withheld:
        print(f"withheld (flagged for review; clear the flag or pass --include-flagged): {', '.join(report.withheld)}")
    if report.unfetchable:
        print(
            "not collected through nbgrader's exchange (no submission_secret.txt), so `nbgrader fetch_feedback` "
            f"cannot find their pages: hand them over directly: {', '.join(report.unfetchable)}"
        )
    for problem in report.scores_only:
        print(f"  SCORES ONLY: {problem}", file=sys.stderr)
    if report.not_graded:
        print(
            f"  NOT GRADED YET (no page): {', '.join(report.not_graded)}: run `coursekit grade {args.assignment}`",
            file=sys.stderr,
        )
    return 0 if report.complete else 1


def _export(course: Course, args) -> int:
    from pathlib import Path

    from .export import Roster, export_grades, grades_table, read_grades, write_lms_files
    from .late import apply_late_policy

    for assignment in course.assignments():
        apply_late_policy(course, assignment)
    lms = course.config.LMS
    roster = Roster.from_gradebook(course, lms.get("canvas_assignment_ids"))
    path = args.roster or lms.get("roster") or ("roster.csv" if (course.root / "roster.csv").is_file() else None)
    if path is not None:
        roster = Roster.read(course.root / path, lms.get("canvas_assignment_ids")).merged(roster)
    grades = read_grades(course)
    csv_path = export_grades(course, args.csv)
    written = write_lms_files(course, grades, roster, Path(args.to))
    print(grades_table(grades))
    print(
        f"wrote {csv_path}, {args.to}/canvas.csv, {args.to}/moodle.csv and "
        f"{len(written) - 2} per-test results in {args.to}/results/"
    )
    if unknown := sorted(set(roster.people) - set(grades.students)):
        print(
            f"not in the gradebook, so in no export (they submitted nothing): {', '.join(map(repr, unknown))}: "
            f"import the roster with `nbgrader db student import {path}` to export their zeros",
            file=sys.stderr,
        )
    return 0


def _flags(course: Course, args) -> int:
    from .flags import clear_flag, open_flags

    if args.clear:
        student, assignment = args.clear
        print(f"cleared: {clear_flag(course, student, assignment)}")
        return 0
    flags = open_flags(course, args.assignment)
    for flag in flags:
        print(flag)
    print(
        f"{len(flags)} open review flags"
        + (": clear one with `coursekit flags --clear STUDENT ASSIGNMENT`" if flags else "")
    )
    return 0


def _missing_course_packages() -> list[str]:
    """The packages of the course extra that are not installed."""
    return [name for name in COURSE_PACKAGES if importlib.util.find_spec(name) is None]


def main(argv: list[str] | None = None) -> int:
    """Run one ``coursekit`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    if missing := _missing_course_packages():
        print(
            f"coursekit: error: `coursekit {args.command}` needs the course tools, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not installed: install them with {INSTALL}.",
            file=sys.stderr,
        )
        return 2
    if args.command == "grade" and args.scheduler is None:
        from . import forkserver

        forkserver.start()  # the local workers' imports now run beside ours
    from .course import Course, CourseError
    from .sandbox import SandboxError

    logging.basicConfig(format="%(levelname)s: %(message)s", level=logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.WARNING)
    command = {"release": _release, "grade": _grade, "feedback": _feedback, "export": _export, "flags": _flags}
    command = command[args.command]
    try:
        return command(Course.load(args.course), args)
    except (CourseError, SandboxError, ValueError) as error:
        print(f"coursekit: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
