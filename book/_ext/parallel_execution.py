"""Sphinx extension: execute the chapters that need it in parallel, one kernel per core.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. With ``execute_notebooks: cache``
myst-nb executes each changed chapter while Sphinx reads it, one after the other, so a full build
uses one core. Before Sphinx reads anything, this extension finds the chapters whose code is not
in the execution cache, runs them concurrently (each kernel is its own process), and stores the
results in the cache exactly as myst-nb would; myst-nb then finds every chapter cached. A chapter
that fails here is not cached, so myst-nb runs it again itself and reports the error as usual.
Notebooks with their own execution settings (``mystnb: execution_*`` metadata) are left to myst-nb.

The execution cache is keyed on each chapter's code. The chapters also run our library, so this extension keeps a
digest of every ``lib/**/*.py`` next to the cache: when the library changed since the last build, the cache is
cleared and every chapter is read (and executed) again, so a page never shows what an older library computed.

Kernels inherit the build's environment; unless it says otherwise, each kernel gets one BLAS
thread (the chapters' matrices are small): two kernels with a thread pool each on two cores made
OpenBLAS's spinning threads slow a chapter down tenfold, and results stay the same from build to
build whatever the machine.
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Any

from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from myst_nb.core.read import create_nb_reader
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
LIBRARY_DIGEST = "library.sha256"  # next to the execution cache


def library_digest(root: Path) -> str:
    """A digest of the path and contents of every ``.py`` file under ``root / "lib"``."""
    digest = hashlib.sha256()
    for path in sorted((root / "lib").rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def rerun_when_the_library_changed(app: Sphinx, env: Any, added, changed, removed) -> list[str]:
    """``env-get-outdated``: clear the execution cache and re-read every chapter if ``lib/`` changed."""
    nb_config = env.mystnb_config
    if nb_config.execution_mode != "cache":
        return []
    stamp = Path(nb_config.execution_cache_path) / LIBRARY_DIGEST
    digest = library_digest(Path(app.confdir))
    if stamp.is_file() and stamp.read_text() == digest:
        return []
    if stamp.is_file():
        logger.info("lib/ changed since the last build: executing every chapter again")
        get_cache(nb_config.execution_cache_path).clear_cache()  # removes the whole folder, the stamp too
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest)
    return sorted(env.found_docs - added - changed - removed)


def _uncached_notebooks(env: Any, docnames: list[str], cache: Any) -> list[tuple[Path, Any, Any]]:
    """(path, notebook, reader format) of each chapter to execute, read as myst-nb reads it."""
    nb_config = env.mystnb_config
    pending = []
    for docname in docnames:
        path = Path(env.doc2path(docname))
        text = path.read_text(encoding="utf-8")
        reader = create_nb_reader(str(path), env.myst_config, nb_config, text)
        if reader is None:
            continue  # plain Markdown
        notebook = reader.read(text)
        excluded = any(PurePosixPath(path.as_posix()).match(p) for p in nb_config.execution_excludepatterns)
        has_code = any(cell.cell_type == "code" for cell in notebook.cells)
        own_settings = any(key.startswith("execution") for key in notebook.metadata.get(nb_config.metadata_key, {}))
        if excluded or not has_code or own_settings:
            continue
        try:
            cache.match_cache_notebook(notebook)
        except KeyError:
            pending.append((path, notebook, reader.read_fmt))
    return pending


def execute_in_parallel(app: Sphinx, env: Any, docnames: list[str]) -> None:
    nb_config = env.mystnb_config
    if nb_config.execution_mode != "cache":
        return
    cache = get_cache(nb_config.execution_cache_path)
    pending = _uncached_notebooks(env, docnames, cache)
    workers = min(len(pending), os.cpu_count() or 1)
    if workers < 2:
        return  # nothing to gain: myst-nb executes a single chapter itself

    def execute(item: tuple[Path, Any, Any]):
        path, notebook, _ = item
        return single_nb_execution(
            notebook,
            cwd=str(path.parent),
            allow_errors=nb_config.execution_allow_errors,
            timeout=nb_config.execution_timeout,
            meta_override=True,
        )

    logger.info(f"executing {len(pending)} notebooks, {workers} at a time")
    with ThreadPoolExecutor(max_workers=workers) as pool:  # the work happens in the kernels
        results = list(pool.map(execute, pending))
    for (path, notebook, read_fmt), result in zip(pending, results, strict=True):
        if result.err is not None:  # myst-nb runs it again and reports the error in context
            logger.info(f"{path.name}: failed in parallel ({type(result.err).__name__}), left to myst-nb")
            continue
        record = cache.add_nb_to_project(str(path), read_data=read_fmt)
        cache.cache_notebook_bundle(
            CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time}),
            check_validity=False,
            overwrite=True,
        )
        logger.info(f"{path.name}: executed in {result.time:.1f} s (in parallel)")


def setup(app: Sphinx) -> dict[str, Any]:
    for variable in ONE_THREAD:
        os.environ.setdefault(variable, "1")  # read by each kernel as it starts
    app.connect("env-get-outdated", rerun_when_the_library_changed)
    app.connect("env-before-read-docs", execute_in_parallel)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
