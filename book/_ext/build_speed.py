"""Sphinx extension: two slow spots of third-party extensions, avoided without changing any page.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. Profiled on a full build of the book (every page
written, the chapters' outputs cached), these two took 7.2 of its 30 seconds:

- **Citations.** sphinxcontrib-bibtex 2.7 asks pybtex for its ``plaintext`` backend once per citation, and pybtex
  0.26 answers by scanning every installed package's entry points (about 25 ms each time; 104 citations, 2.8 s). The
  backend is registered here as a pybtex runtime plugin, the same class the entry point names, which pybtex looks
  up first.
- **Figure references.** Sphinx 7.4 resolves every ``{numref}`` by unpickling the whole doctree of the page the
  figure is on (``env.get_doctree``; sphinx-doc/sphinx#12883), a megabyte or two for a chapter with an explorable's
  pre-rendered frames, to read one node's type (92 references, 4.4 s). Here the standard domain's numref
  resolution reads doctrees through a memo that lives for one write phase; it only reads them, and the memo is
  emptied when the pages are read again and when the build ends.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from pybtex.backends.plaintext import Backend as PlaintextBackend
from pybtex.plugin import register_plugin
from sphinx.application import Sphinx
from sphinx.domains.std import StandardDomain
from sphinx.environment import BuildEnvironment

_numref_doctrees: dict[str, nodes.document] = {}  # docname -> doctree, read-only, for the current write phase


class _ReadOnlyDoctrees:
    """Stands in for the environment while the numref resolution runs: ``get_doctree`` is memoized."""

    def __init__(self, env: BuildEnvironment) -> None:
        self._env = env

    def get_doctree(self, docname: str) -> nodes.document:
        if docname not in _numref_doctrees:
            _numref_doctrees[docname] = self._env.get_doctree(docname)
        return _numref_doctrees[docname]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._env, name)


class StandardDomainWithNumrefMemo(StandardDomain):
    def _resolve_numref_xref(self, env: BuildEnvironment, *args: Any) -> nodes.Element | None:
        return super()._resolve_numref_xref(_ReadOnlyDoctrees(env), *args)


def forget_doctrees(app: Sphinx, *args: Any) -> None:
    _numref_doctrees.clear()


def setup(app: Sphinx) -> dict[str, Any]:
    register_plugin("pybtex.backends", "plaintext", PlaintextBackend, force=True)
    app.add_domain(StandardDomainWithNumrefMemo, override=True)
    app.connect("env-updated", forget_doctrees)  # the pages were read again: their doctrees may have changed
    app.connect("build-finished", forget_doctrees)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
