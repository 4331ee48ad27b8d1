"""How the local cluster's worker processes start: forked from one server that imported the grader once.

Importing the grader takes about a second (nbgrader imports its Jupyter server extensions). A worker forked from a
server that has already imported it starts at once, and the server can start before anything else:
``coursekit grade`` calls :func:`start` first thing, so the server's imports run on the second core while the command
makes its own (one local grade of one submission: about 4.3 s -> 3.3 s). Kept apart from :mod:`coursekit.cluster`, which
imports the grader itself.
"""

from __future__ import annotations

import multiprocessing.forkserver

import dask

__all__ = ["LOCAL_WORKERS", "start"]

# Dask settings for local worker processes: forked from the server, never from the instructor's process (whose
# threads make a plain fork unsafe) nor spawned afresh (each would import the grader again).
LOCAL_WORKERS = {"distributed.worker.multiprocessing-method": "forkserver"}
PRELOAD = ["distributed", "coursekit.grading"]


def start() -> None:
    """Start the fork server with its imports under way; returns at once, and does nothing once it runs."""
    from distributed.utils import get_mp_context  # importing distributed loads the defaults dask.config.set needs

    with dask.config.set(LOCAL_WORKERS):
        context = get_mp_context()  # distributed sets its own preload list on the first call only
    context.set_forkserver_preload(PRELOAD)
    multiprocessing.forkserver.ensure_running()
