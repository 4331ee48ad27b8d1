"""Read what a student submitted without following a link, blocking on a pipe or opening a device.

Everything in ``submitted/<student>/<assignment>/`` is the student's, and the grader reads it with
the instructor's permissions: a notebook that is a symbolic link to ``solutions/<a>/<a>.ipynb``
would otherwise be read, and graded, as the student's work; a FIFO would block ``open`` forever; a
device file could be anything. So nothing below the course's ``submitted/`` folder is ever
dereferenced: each folder is opened relative to its parent's descriptor with ``O_NOFOLLOW |
O_DIRECTORY``, each file is ``lstat``-ed first and opened only if it is a regular file, with
``O_NOFOLLOW | O_NONBLOCK``, and ``fstat`` must then agree (the file cannot be swapped in between).
What could not be read is described in one sentence, a flag for review.

A notebook saved under another name (``dropout (1).ipynb``, ``Copy of dropout.ipynb``,
``dropout-Copy1.ipynb``) stands in for a missing one when it is the only such candidate; that is
flagged too, so someone checks it is the student's submission.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["SubmittedFolder", "read_submission"]

MAX_ENTRIES = 2000  # a submission folder holding more is not scanned further (and says so)
MAX_DEPTH = 8
TIMESTAMP_BYTES = 256
KINDS = {
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a folder",
}
# what editors and operating systems call a copy of NAME.ipynb, NAME standing for the name
RENAMED = (
    r"Copy of {name}",  # Google Drive / Colab
    r"{name} ?\(\d+\)",  # a browser's second download
    r"{name}-Copy\d+",  # Jupyter's Duplicate
    r"{name} copy( \d+)?",  # macOS Finder
    r"{name} - Copy( \(\d+\))?",  # Windows Explorer
)


class Unreadable(Exception):
    """A path in the submission that is not what it must be; the message says what it is."""


@dataclass
class SubmittedFolder:
    """One student's submission of one assignment, as far as it could be read safely.

    Attributes
    ----------
    notebooks : dict of str to bytes or None
        Each expected notebook name (no ``.ipynb``) to its bytes, None if it could not be read.
    timestamp : str or None
        The text of ``timestamp.txt``, if it is a regular file.
    flags : dict of str to list of str
        Notebook name to what a reviewer must know (a link, a renamed file); problems of the
        folder as a whole are listed under the first notebook.
    """

    notebooks: dict[str, bytes | None]
    timestamp: str | None = None
    flags: dict[str, list[str]] = field(default_factory=dict)

    def flag(self, name: str, reason: str) -> None:
        self.flags.setdefault(name, []).append(reason)


def read_submission(base: Path, parts: list[str], names: list[str], max_bytes: int) -> SubmittedFolder:
    """Read the notebooks ``names`` from ``base/<parts...>`` without following any link below ``base``.

    Parameters
    ----------
    base : Path
        The instructor's folder (``<course>/submitted``); it may itself be a link.
    parts : list of str
        The path below ``base``, e.g. ``[student, assignment]``; none of it is followed.
    names : list of str
        Notebook names without ``.ipynb``, sorted; the first gets the folder's flags.
    max_bytes : int
        A notebook is read up to ``max_bytes + 1`` bytes (the grader refuses larger ones).
    """
    folder = SubmittedFolder(dict.fromkeys(names))
    try:
        fd = _open_folder(base, parts)
    except Unreadable as problem:
        for name in names:
            folder.flag(name, f"not read: {problem}")
        return folder
    try:
        entries = _entries(fd)
        read = {"timestamp.txt"}  # what is flagged when read, not again by the scan
        for name in names:
            filename = _notebook_file(name, entries, folder)
            if filename is not None:
                read.add(filename)
                folder.notebooks[name] = _read_regular(fd, filename, max_bytes + 1, folder, name)
        timestamp = _read_regular(fd, "timestamp.txt", TIMESTAMP_BYTES, folder, names[0], missing_ok=True)
        if timestamp is not None:
            folder.timestamp = timestamp.decode("utf-8", errors="replace").strip()
        for reason in _special_files(fd, "", MAX_DEPTH, [MAX_ENTRIES], skip=read):
            folder.flag(names[0], reason)
    finally:
        os.close(fd)
    return folder


def _open_folder(base: Path, parts: list[str]) -> int:
    """A descriptor of ``base/parts...``, refusing a link or a non-folder at every step below base."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    shown = base.name
    for part in parts:
        shown = f"{shown}/{part}"
        try:
            info = os.stat(part, dir_fd=fd, follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode):
                raise Unreadable(f"{shown} is {_describe(fd, part, info)}, not a folder")
            child = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
        except OSError as error:
            raise Unreadable(f"{shown} cannot be opened ({error.strerror})") from None
        finally:
            os.close(fd)
        fd = child
    return fd


def _entries(fd: int) -> dict[str, os.stat_result]:
    """The folder's entries, ``lstat``-ed."""
    entries = {}
    for name in os.listdir(fd):
        with contextlib.suppress(OSError):
            entries[name] = os.stat(name, dir_fd=fd, follow_symlinks=False)
    return entries


def _notebook_file(name: str, entries: dict, folder: SubmittedFolder) -> str | None:
    """The file to read as notebook ``name``: ``name.ipynb``, else its only renamed copy, else None."""
    filename = f"{name}.ipynb"
    if filename in entries:
        return filename
    pattern = re.compile("|".join(p.format(name=re.escape(name)) for p in RENAMED))
    copies = sorted(f for f in entries if f.endswith(".ipynb") and pattern.fullmatch(f.removesuffix(".ipynb")))
    if len(copies) > 1:
        folder.flag(name, f"missing notebook {filename}; it may be one of {', '.join(map(repr, copies))}")
        return None
    if copies:
        folder.flag(name, f"graded {copies[0]!r} in place of the missing {filename} (renamed?)")
        return copies[0]
    return None  # the grader reports a missing notebook


def _read_regular(
    fd: int, filename: str, limit: int, folder: SubmittedFolder, flag_as: str, *, missing_ok: bool = False
) -> bytes | None:
    """Up to ``limit`` bytes of a regular file in the folder ``fd``; None (and a flag) otherwise."""
    try:
        info = os.stat(filename, dir_fd=fd, follow_symlinks=False)
    except FileNotFoundError:
        if not missing_ok:
            folder.flag(flag_as, f"{filename} disappeared while it was read")
        return None
    if not stat.S_ISREG(info.st_mode):
        folder.flag(flag_as, f"not read: {filename} is {_describe(fd, filename, info)}")
        return None
    try:
        file = os.open(filename, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    except OSError as error:
        folder.flag(flag_as, f"not read: {filename} cannot be opened ({error.strerror})")
        return None
    with os.fdopen(file, "rb") as handle:
        if not stat.S_ISREG(os.fstat(file).st_mode):  # swapped since the lstat
            folder.flag(flag_as, f"not read: {filename} changed while it was read")
            return None
        return handle.read(limit)


def _special_files(fd: int, prefix: str, depth: int, budget: list[int], skip=frozenset()) -> list[str]:
    """Reasons for every link, pipe, device or socket in the folder tree (folders entered, never followed)."""
    reasons = []
    for name, info in sorted(_entries(fd).items()):
        if name in skip:
            continue
        budget[0] -= 1
        if budget[0] < 0:
            return [*reasons, f"the submission holds more than {MAX_ENTRIES} files; the rest was not checked"]
        path = f"{prefix}{name}"
        kind = stat.S_IFMT(info.st_mode)
        if kind == stat.S_IFDIR and depth > 0:
            try:
                child = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            except OSError:
                continue
            try:
                reasons += _special_files(child, f"{path}/", depth - 1, budget)
            finally:
                os.close(child)
        elif kind not in (stat.S_IFREG, stat.S_IFDIR):
            reasons.append(f"the submitted {path} is {_describe(fd, name, info)} (not read)")
    return list(dict.fromkeys(reasons))


def _describe(fd: int, name: str, info: os.stat_result) -> str:
    """``a symbolic link to '...'``, ``a named pipe (FIFO)``, ..."""
    kind = KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
    if stat.S_ISLNK(info.st_mode):
        with contextlib.suppress(OSError):
            return f"{kind} to {os.readlink(name, dir_fd=fd)[:200]!r}"
    return kind
