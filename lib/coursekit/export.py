"""``coursekit export``: nbgrader's CSV export of the gradebook, plus a table with review flags."""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin

from .course import Course

__all__ = ["export_grades", "grades_table"]


def export_grades(course: Course, csv_path: str | Path) -> Path:
    """Write nbgrader's grades CSV (one row per student and assignment) to ``csv_path``."""
    plugin = CsvExportPlugin(config=course.config)
    plugin.to = str(csv_path)
    with course.gradebook() as gb:
        plugin.export(gb)
    return Path(csv_path)


def grades_table(course: Course) -> str:
    """Scores per student and assignment, ``*`` marking submissions flagged for review."""
    with course.gradebook() as gb:
        assignments = [a.name for a in gb.assignments]
        rows = []
        for student in gb.students:
            cells = []
            for assignment in assignments:
                try:
                    submission = gb.find_submission(assignment, student.id)
                except MissingEntry:  # nothing submitted
                    cells.append("-")
                    continue
                flag = "*" if any(nb.flagged for nb in submission.notebooks) else ""
                cells.append(f"{submission.score:g}/{submission.max_score:g}{flag}")
            rows.append([student.id, *cells])
    header = ["student", *assignments]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(value).ljust(width) for value, width in zip(row, widths, strict=True)) for row in [header, *rows]
    ]
    return "\n".join([*lines, "(* flagged for review)"])
