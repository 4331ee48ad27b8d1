"""Sphinx extension: static ipywidgets only where a page shows one, and working with MathJax 3.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. myst-nb adds the widget state of a
notebook and the widget manager (``nb_ipywidgets_js``: our local ``embed.js``, 1.9 MB) to every
page whose notebook created a widget, even when the page shows none: our explorables display
static HTML in the book (``nb_mime_priority_overrides``), not their widget view. On each page this

- drops the widget state and manager when the page has no widget view to render;
- otherwise adds ``_static/widgets-mathjax3.js`` before the manager: embed.js typesets widget
  labels with MathJax 2's ``MathJax.Hub.Queue``, which MathJax 3 lacks (a console error).
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
MATHJAX_SHIM = "widgets-mathjax3.js"


def _is_widget_script(app: Sphinx, script: Any) -> bool:
    """The widget state, or one of ``nb_ipywidgets_js`` (Sphinx prefixes local ones with _static/)."""
    filename = str(script.filename or "")
    return script.attributes.get("type") == WIDGET_STATE or any(
        filename == path or filename.endswith(f"_static/{path}") for path in app.config.nb_ipywidgets_js
    )


def widgets_only_where_shown(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    scripts = context.get("script_files", [])
    if not any(_is_widget_script(app, script) for script in scripts):
        return
    if WIDGET_VIEW in context.get("body", ""):
        app.add_js_file(MATHJAX_SHIM, priority=400)  # before embed.js (priority 500)
    else:
        context["script_files"] = [script for script in scripts if not _is_widget_script(app, script)]


def setup(app: Sphinx) -> dict[str, Any]:
    # After myst-nb (priority 500) has added the page's widget scripts.
    app.connect("html-page-context", widgets_only_where_shown, priority=800)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
