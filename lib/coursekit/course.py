"""An nbgrader course folder: its configuration, its paths, its assignments and submissions."""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc
from traitlets.config import Config, PyFileConfigLoader

from .grading import CONFIG_SECTIONS, MAX_NOTEBOOK_BYTES, GradingTask
from .limits import SandboxLimits
from .submission import read_submission

__all__ = ["Course", "CourseError", "check_student_id"]

STATE_DIR = ".coursekit"  # coursekit's own bookkeeping, next to gradebook.db


class CourseError(RuntimeError):
    """The course folder is not in the state a command needs."""


@dataclass
class Course:
    """A course root (where ``nbgrader_config.py`` is) and nbgrader's view of it."""

    root: Path
    config: Config
    coursedir: CourseDirectory

    @classmethod
    def load(cls, root: str | Path = ".") -> Course:
        root = Path(root).resolve()
        if not (root / "nbgrader_config.py").is_file():
            raise CourseError(f"no nbgrader_config.py in {root}: run coursekit in the course root or pass --course")
        config = PyFileConfigLoader(
            "nbgrader_config.py", path=str(root), log=logging.getLogger("coursekit")
        ).load_config()
        config.CourseDirectory.root = str(root)
        if "LatePolicy" in config and "plugin_class" not in config.AssignLatePenalties:
            # the course's late policy (coursekit.late) decides nbgrader's late penalties
            config.AssignLatePenalties.plugin_class = "coursekit.late.LatePolicy"
        return cls(root, config, CourseDirectory(config=config))

    # -- paths ---------------------------------------------------------------------------------
    def step_dir(self, step: str, assignment: str, student: str = ".") -> Path:
        """nbgrader's ``<root>/<step>/<student>/<assignment>`` (student "." for source/release)."""
        return Path(self.coursedir.format_path(step, student, assignment)).resolve()

    def source_dir(self, assignment: str) -> Path:
        return self.step_dir(self.coursedir.source_directory, assignment)

    def release_dir(self, assignment: str) -> Path:
        return self.step_dir(self.coursedir.release_directory, assignment)

    def submitted_dir(self, assignment: str, student: str) -> Path:
        return self.step_dir(self.coursedir.submitted_directory, assignment, student)

    def autograded_dir(self, assignment: str, student: str) -> Path:
        return self.step_dir(self.coursedir.autograded_directory, assignment, student)

    @property
    def db_url(self) -> str:
        return self.coursedir.db_url

    def gradebook(self) -> Gradebook:
        """nbgrader's gradebook of this course (use as a context manager).

        Raises CourseError when the SQLite file does not exist yet, instead of letting nbgrader
        create an empty one.
        """
        path = self.db_url.removeprefix("sqlite:///")
        if self.db_url.startswith("sqlite:///") and not Path(path).is_file():
            raise CourseError(f"no gradebook at {path}: run `coursekit release ASSIGNMENT` first")
        return Gradebook(self.db_url, self.coursedir.course_id or "default_course")

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def protected_paths(self) -> tuple[str, ...]:
        """Everything student code must never see: sources, grades, other submissions."""
        cd = self.coursedir
        paths = [
            self.root / getattr(cd, f"{step}_directory")
            for step in ("source", "submitted", "autograded", "feedback", "solution", "source_with_tests")
        ]
        paths += [self.state_dir]
        if cd.db_url.startswith("sqlite:///"):
            paths.append(Path(cd.db_url.removeprefix("sqlite:///")))
        return tuple(str(p.resolve()) for p in paths)

    # -- contents ------------------------------------------------------------------------------
    def assignments(self) -> list[str]:
        """The assignments in the gradebook (released ones), in its order."""
        with self.gradebook() as gb:
            return [assignment.name for assignment in gb.assignments]

    def notebooks(self, assignment: str) -> list[str]:
        """Names (without ``.ipynb``) of the assignment's source notebooks."""
        source = self.source_dir(assignment)
        names = sorted(p.stem for p in source.glob("*.ipynb"))
        if not names:
            raise CourseError(f"assignment {assignment!r} has no notebooks in {source}")
        return names

    def students(self, assignment: str) -> list[str]:
        """Students with something at ``submitted/<student>/<assignment>``, sorted.

        Links are listed, not followed (their submissions end flagged): a student folder that is
        a link counts when its target has the assignment, the assignment's entry counts whatever
        it is.
        """
        submitted = self.root / self.coursedir.submitted_directory
        if not submitted.is_dir():
            return []
        students = []
        for entry in os.scandir(submitted):
            base, parts = self._submission_path(assignment, entry.name)
            if entry.is_dir(follow_symlinks=False) or entry.is_symlink():
                if os.path.lexists(base.joinpath(*parts)):
                    students.append(entry.name)
        return sorted(students)

    def _submission_path(self, assignment: str, student: str) -> tuple[Path, list[str]]:
        """``(base, parts)``: the instructor's folder above the student's, and the path below it.

        With nbgrader's default layout, ``(<root>/submitted, [student, assignment])``.
        """
        check_student_id(student)
        structure = self.coursedir.directory_structure.split("/")
        first = next(i for i, part in enumerate(structure) if "{student_id}" in part)
        names = {
            "nbgrader_step": self.coursedir.submitted_directory,
            "student_id": student,
            "assignment_id": assignment,
        }
        formatted = [part.format(**names) for part in structure]
        return self.root.joinpath(*formatted[:first]), formatted[first:]

    def nbgrader_settings(self) -> dict:
        """The parts of the configuration that grading uses, as plain JSON-able values."""
        return {section: dict(self.config[section]) for section in CONFIG_SECTIONS if section in self.config}

    def sources(self, assignment: str) -> dict[str, bytes]:
        """The source notebooks (hidden tests included), by name."""
        return {
            name: (self.source_dir(assignment) / f"{name}.ipynb").read_bytes() for name in self.notebooks(assignment)
        }

    def release_files(self, assignment: str) -> dict[str, bytes]:
        """The release's other files (data students got next to the notebooks), by name.

        Raises CourseError for a link or a special file there: its contents would go into every
        sandbox, so the release must hold the files themselves.
        """
        release = self.release_dir(assignment)
        files = {}
        for path in sorted(release.iterdir()):
            mode = path.lstat().st_mode
            if stat.S_ISDIR(mode) or path.suffix == ".ipynb":
                continue
            if not stat.S_ISREG(mode):
                raise CourseError(
                    f"{path} is not a regular file (a link?): put the file itself in the release, "
                    "since its contents are copied into every student's sandbox"
                )
            if path.stat().st_size < 16 << 20:
                files[path.name] = path.read_bytes()
        return files

    def task(self, assignment: str, student: str, limits: SandboxLimits) -> GradingTask:
        """Read one submission (without following links, see :mod:`coursekit.submission`) and the
        assignment's source into a :class:`GradingTask`."""
        sources = self.sources(assignment)
        base, parts = self._submission_path(assignment, student)
        folder = read_submission(base, parts, sorted(sources), MAX_NOTEBOOK_BYTES)
        return GradingTask(
            assignment,
            student,
            folder.notebooks,
            sources,
            limits,
            self.nbgrader_settings(),
            self.release_files(assignment),
            _timestamp(folder.timestamp, student),
            folder.flags,
        )


def check_student_id(student: str) -> str:
    """``student`` if it can name a folder of its own; ValueError naming the problem otherwise."""
    if student in ("", ".", "..") or "/" in student or "\0" in student:
        raise ValueError(f"{student!r} is not a student id: it must be a folder name (not empty, '.', '..', no '/')")
    return student


def _timestamp(text: str | None, student: str) -> str | None:
    """nbgrader's submission time, if ``timestamp.txt`` holds one it can parse (else None, logged)."""
    if text is None:
        return None
    try:
        parse_utc(text)
    except (ValueError, OverflowError):
        logging.getLogger("coursekit").warning("ignoring %r's timestamp.txt: not a timestamp (%r)", student, text[:40])
        return None
    return text
