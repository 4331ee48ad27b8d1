"""An nbgrader course folder: its configuration, its paths, its assignments and submissions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.utils import parse_utc
from traitlets.config import Config, PyFileConfigLoader

from .grading import CONFIG_SECTIONS, MAX_NOTEBOOK_BYTES, GradingTask
from .limits import SandboxLimits

__all__ = ["Course", "CourseError"]

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
    def notebooks(self, assignment: str) -> list[str]:
        """Names (without ``.ipynb``) of the assignment's source notebooks."""
        source = self.source_dir(assignment)
        names = sorted(p.stem for p in source.glob("*.ipynb"))
        if not names:
            raise CourseError(f"assignment {assignment!r} has no notebooks in {source}")
        return names

    def students(self, assignment: str) -> list[str]:
        """Students with a ``submitted/<student>/<assignment>/`` folder, sorted."""
        submitted = self.root / self.coursedir.submitted_directory
        if not submitted.is_dir():
            return []
        return sorted(
            p.name for p in submitted.iterdir() if p.is_dir() and self.submitted_dir(assignment, p.name).is_dir()
        )

    def nbgrader_settings(self) -> dict:
        """The parts of the configuration that grading uses, as plain JSON-able values."""
        return {section: dict(self.config[section]) for section in CONFIG_SECTIONS if section in self.config}

    def sources(self, assignment: str) -> dict[str, bytes]:
        """The source notebooks (hidden tests included), by name."""
        return {
            name: (self.source_dir(assignment) / f"{name}.ipynb").read_bytes() for name in self.notebooks(assignment)
        }

    def release_files(self, assignment: str) -> dict[str, bytes]:
        """The release's other files (data students got next to the notebooks), by name."""
        release = self.release_dir(assignment)
        return {
            p.name: p.read_bytes()
            for p in sorted(release.glob("*"))
            if p.is_file() and p.suffix != ".ipynb" and p.stat().st_size < 16 << 20
        }

    def task(self, assignment: str, student: str, limits: SandboxLimits) -> GradingTask:
        """Read one submission (and the assignment's source) into a :class:`GradingTask`."""
        sources = self.sources(assignment)
        folder = self.submitted_dir(assignment, student)
        submitted = {name: _read_capped(folder / f"{name}.ipynb") for name in sources}
        return GradingTask(
            assignment,
            student,
            submitted,
            sources,
            limits,
            self.nbgrader_settings(),
            self.release_files(assignment),
            _timestamp(folder / "timestamp.txt"),
        )


def _timestamp(path: Path) -> str | None:
    """nbgrader's submission time, if the file holds one it can parse (else None, logged)."""
    if not path.is_file():
        return None
    text = path.read_text(errors="replace").strip()
    try:
        parse_utc(text)
    except (ValueError, OverflowError):
        logging.getLogger("coursekit").warning("ignoring %s: not a timestamp (%r)", path, text[:40])
        return None
    return text


def _read_capped(path: Path) -> bytes | None:
    """A submitted file's bytes (None if missing); a huge file is cut, so it fails to parse."""
    if not path.is_file():
        return None
    with path.open("rb") as file:
        return file.read(MAX_NOTEBOOK_BYTES + 1)
