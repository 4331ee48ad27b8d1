"""Sphinx extension: fix what our toolchain writes that fails automated accessibility checks.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``; the browser tests run axe-core on
every page and allow no serious or critical violation.

- Sphinx 7.4 writes the bibliography as ``<div role="list">`` whose entries have
  ``role="doc-biblioentry"``: a deprecated DPUB-ARIA role that is not a list item, so axe reports
  ``aria-required-children`` (critical) on the list. The entries become ``role="listitem"``.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

DEPRECATED_ROLES = {'role="doc-biblioentry"': 'role="listitem"'}


def fix_roles(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    body = context.get("body")
    if body:
        for old, new in DEPRECATED_ROLES.items():
            body = body.replace(old, new)
        context["body"] = body


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", fix_roles)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
