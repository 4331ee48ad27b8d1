"""coursekit: safe, parallel, repeatable nbgrader autograding with feedback that hides tests.

Commands (``coursekit --help``): ``release``, ``grade``, ``feedback``, ``export``. The library
entry point for one submission is :func:`coursekit.grading.grade`, a pure function of a
:class:`coursekit.grading.GradingTask`. Importing coursekit changes nothing outside it.

==================  ===============================================================================
``cli``             the command (standard library only until a command runs)
``course``          an nbgrader course folder: paths, submissions, one :class:`GradingTask` each
``submission``      a student's folder read without following links or blocking on pipes
``release``         nbgrader's ``generate_assignment``, then checks on the release
``batch``           grade an assignment on Dask workers, resumably; ``cluster`` runs them
``grading``         grade one submission: nbgrader's sanitize steps, execution, scores
``execute``         run a notebook cell by cell in the sandbox (why not nbclient: see there)
``session``         the Jupyter protocol over ZeroMQ: one kernel, time and output budgets
``sandbox``         bubblewrap, cgroups and the kernel's lifecycle; ``limits``: what it bounds
``guard``, ``scan`` run-time integrity checks and the static scan for tampering
``gradebook``       the one writer of grades, graded notebooks and the resume ledger
``feedback``        a page for every graded submission, and the files ``release_feedback`` reads
``pages``           one graded notebook as a self-contained HTML page; ``redact``: no hidden tests in
                    it; ``sanitize``: student HTML made inert, math as MathML
``export``          grades as CSV
``demo``            a tiny course to try it on
==================  ===============================================================================
"""

from importlib.metadata import version

__all__ = ["__version__"]
__version__ = version("dnnopt-book")  # written once, in pyproject.toml
