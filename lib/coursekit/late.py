"""The late policy of a course: due dates, extensions, a grace period and a capped penalty per day.

It lives in ``nbgrader_config.py`` (every key optional)::

    c.LatePolicy.duedates = {"dropout": "2026-03-02 17:00:00 UTC"}  # per assignment
    c.LatePolicy.extensions = {"dropout": {"erin": 48}}  # hours, per assignment and student
    c.LatePolicy.grace_minutes = 15  # up to this late counts as on time
    c.LatePolicy.percent_per_day = 10  # of the score, per day or part of a day late
    c.LatePolicy.max_percent = 50  # the most a submission can lose

and goes through nbgrader's own machinery: the due date is the assignment's ``duedate`` in the
gradebook, an extension is the submission's ``extension``, the submission's time is its
``timestamp.txt`` (``timestamp``), and :class:`LatePolicy` is the ``LateSubmissionPlugin`` that
``AssignLatePenalties`` asks for each notebook's penalty (:meth:`Course.load` installs it when the
section exists). So the penalty is in the gradebook, where nbgrader's CSV, the formgrader,
``coursekit export`` and the feedback pages read it. :func:`apply_late_policy` writes the
policy's current values and recomputes every penalty without grading anything again: a changed
due date, extension or rule takes effect at the next ``coursekit grade`` (or ``export``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from nbgrader.api import MissingEntry
from nbgrader.plugins import BasePlugin
from nbgrader.preprocessors import AssignLatePenalties
from nbgrader.utils import parse_utc
from traitlets import Dict, Float

if TYPE_CHECKING:
    from .course import Course

__all__ = ["LatePolicy", "LateSubmission", "apply_late_policy"]

DAY = 24 * 3600.0


class LatePolicy(BasePlugin):
    """Late penalty: ``percent_per_day`` of the score per started day past the due date, at most
    ``max_percent``; nothing within ``grace_minutes`` of it."""

    duedates = Dict(help="due date per assignment, e.g. {'dropout': '2026-03-02 17:00:00 UTC'}").tag(config=True)
    extensions = Dict(help="extra hours per assignment and student, e.g. {'dropout': {'erin': 48}}").tag(config=True)
    grace_minutes = Float(0.0, help="a submission this late (or less) has no penalty").tag(config=True)
    percent_per_day = Float(0.0, help="percent of the score taken per day, or part of a day, late").tag(config=True)
    max_percent = Float(100.0, help="the largest penalty, in percent of the score").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        """Points taken off ``score`` (nbgrader's plugin interface)."""
        if total_seconds_late <= self.grace_minutes * 60:
            return 0.0
        percent = min(self.percent_per_day * math.ceil(total_seconds_late / DAY), self.max_percent)
        return round(score * percent / 100, 6)  # 1.8, not 1.7999999999999998

    def duedate(self, assignment: str):
        """The assignment's due date (naive UTC, as nbgrader stores it) or None."""
        text = self.duedates.get(assignment)
        try:
            return None if text is None else parse_utc(text)
        except (ValueError, OverflowError, TypeError):
            raise ValueError(f"LatePolicy.duedates[{assignment!r}] = {text!r} is not a date and time") from None

    def extension(self, assignment: str, student: str) -> timedelta | None:
        hours = self.extensions.get(assignment, {}).get(student)
        if hours is None:
            return None
        if not isinstance(hours, int | float) or hours < 0:
            raise ValueError(f"LatePolicy.extensions[{assignment!r}][{student!r}] = {hours!r} is not a number of hours")
        return timedelta(hours=hours)


@dataclass
class LateSubmission:
    """A submission past its due date (extension included)."""

    student: str
    seconds_late: float
    penalty: float  # points
    in_grace: bool = False  # within the policy's grace period

    def __str__(self) -> str:
        why = " (within the grace period)" if self.in_grace else ""
        return f"{self.student}: {self.seconds_late / 3600:.1f} h late, penalty {self.penalty:g} points{why}"


def apply_late_policy(course: Course, assignment: str) -> list[LateSubmission]:
    """Write the policy's due date and extensions into the gradebook and recompute every penalty
    of ``assignment`` with the course's late-submission plugin; returns the late submissions.

    Without a ``LatePolicy`` section the gradebook's due date (``nbgrader db assignment add
    --duedate``) and extensions are left as they are, and nbgrader's configured plugin decides.
    """
    configured = "LatePolicy" in course.config
    policy = LatePolicy(config=course.config)
    plugin = AssignLatePenalties(config=course.config).plugin_class(config=course.config)
    late = []
    with course.gradebook() as gb:
        try:
            entry = gb.find_assignment(assignment)
        except MissingEntry:
            return []
        if configured:
            entry.duedate = policy.duedate(assignment)
        for submission in entry.submissions:
            student = submission.student.id
            if configured:
                submission.extension = policy.extension(assignment, student)
            seconds = submission.total_seconds_late
            penalty = 0.0
            for notebook in submission.notebooks:
                points = plugin.late_submission_penalty(student, notebook.score, seconds) if seconds > 0 else None
                notebook.late_submission_penalty = None if points is None else min(max(points, 0.0), notebook.score)
                penalty += notebook.late_submission_penalty or 0.0
            if seconds > 0:
                in_grace = configured and seconds <= policy.grace_minutes * 60
                late.append(LateSubmission(student, seconds, penalty, in_grace))
        gb.db.commit()
    return sorted(late, key=lambda submission: submission.student)
