"""nbgrader settings for the course, read by every ``nbgrader`` command run from the repository root.

Authoring and release (see ``tests/assignments/README.md`` for the notebook conventions)::

    nbgrader generate_assignment gradients --force          # solutions/gradients -> exercises/gradients
    nbgrader generate_assignment gradients --force --no-db  # same output, touches no gradebook

The gradebook (``gradebook.db`` at the root, git-ignored) is instructor state, never committed. SQLite allows one
writer, so a throwaway regeneration while someone else grades should use ``--no-db`` or its own database:
``--db sqlite:////tmp/scratch-gradebook.db``. nbgrader runs ``alembic`` from ``PATH`` to create a new gradebook, so
run it with the virtualenv activated (or ``PATH=.venv/bin:$PATH``).
"""

c = get_config()  # noqa: F821 (nbgrader injects get_config)

c.CourseDirectory.course_id = "dnnopt"
c.CourseDirectory.source_directory = "solutions"  # what instructors edit: solutions and hidden tests
c.CourseDirectory.release_directory = "exercises"  # what students get: generated, committed, never hand-edited

# Autograding: one submission of any assignment runs in a few seconds. The per-cell limit only stops a submission
# that loops forever; the kernel gets the same time to start on a busy machine.
c.Execute.timeout = 30  # seconds per cell
c.Execute.startup_timeout = 60  # seconds for the kernel to start

# A student who deletes a test cell gets it back (and graded) instead of silently dropping its points.
c.OverwriteCells.add_missing_cells = True
