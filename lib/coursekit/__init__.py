"""coursekit: safe, parallel, repeatable nbgrader autograding with feedback that hides tests.

Commands (``coursekit --help``): ``release``, ``grade``, ``feedback``, ``export``. The library
entry point for one submission is :func:`coursekit.grading.grade`, a pure function of a
:class:`coursekit.grading.GradingTask`.
"""

import os
import sys

__all__ = ["__version__"]
__version__ = "0.1.0"

# nbgrader's Gradebook runs the `alembic` command it finds on PATH: make it the one installed
# next to this interpreter, also when the virtual environment is not activated.
_BIN = os.path.dirname(sys.executable)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_BIN, os.environ.get("PATH", "")])
