"""Sphinx extension: fix what our toolchain writes that fails automated accessibility checks.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``; the browser tests run axe-core on
every page and allow no serious or critical violation. On every HTML page this rewrites

- the bibliography entries: Sphinx 7.4 writes ``<div role="list">`` whose entries have
  ``role="doc-biblioentry"``, a deprecated DPUB-ARIA role that is not a list item, so axe reports
  ``aria-required-children`` (critical). The entries become ``role="listitem"``;
- matplotlib's ``Animation.to_jshtml()`` player: its frame ``<img>`` has no alt text and its
  frame slider no label (axe: ``image-alt`` and ``label``, both critical). Both get a name.
"""

from __future__ import annotations

import re
from typing import Any

from sphinx.application import Sphinx

FIXES = (
    (re.compile(r'role="doc-biblioentry"'), 'role="listitem"'),
    (re.compile(r'<img id="(_anim_img\w+)">'), r'<img id="\1" alt="Animation frame">'),
    (re.compile(r'<input id="(_anim_slider\w+)" type="range"'), r'<input id="\1" type="range" aria-label="Frame"'),
)


def fix_accessibility(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    body = context.get("body")
    if body:
        for pattern, replacement in FIXES:
            body = pattern.sub(replacement, body)
        context["body"] = body


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", fix_accessibility)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
