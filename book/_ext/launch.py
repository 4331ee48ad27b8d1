"""Sphinx extension: chapter notebooks that open in Colab and run outside the repository.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. sphinx-book-theme copies each
chapter's executed notebook to ``_sources/<page>.ipynb`` (the page's ".ipynb" download button)
and points its Colab button at the chapter's MyST ``.md`` source, which Colab cannot open. This
extension

- points the Colab button at the executed notebook in the published site instead: the Pages
  workflow pushes ``_build/html`` to the branch ``launch_notebooks_branch`` (default
  ``gh-pages``), so Colab finds it at ``<repository>/blob/<branch>/_sources/<page>.ipynb``;
- fills those notebooks' outputs from the execution cache: myst-nb 1.4 writes the notebook it
  read, not the executed one, when the outputs come from the cache, so a download or Colab would
  show no figures depending on whether the chapter had changed since the last build;
- puts a first cell into those notebooks that installs the book's library ``dnnopt`` from the
  repository when it is missing (Colab, a downloaded copy), and does nothing where it is
  installed (Binder, a local clone).
"""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path
from typing import Any

import nbformat
from jupyter_cache import get_cache
from sphinx.application import Sphinx

SETUP_CELL_TAG = "dnnopt-setup"
SETUP_CELL = """\
# Running in Colab or from a downloaded copy? Install the book's library first (once).
import importlib.util

if importlib.util.find_spec("dnnopt") is None:
    %pip install --quiet "dnnopt-book @ git+{repository_url}@{branch}"
"""


def _repository(app: Sphinx) -> tuple[str, str]:
    options = app.config.html_theme_options
    return options["repository_url"].rstrip("/"), options.get("repository_branch", "main")


def _buttons(buttons: list[dict[str, Any]]):
    for button in buttons:
        yield button
        yield from _buttons(button.get("buttons", []))


def point_colab_at_notebook(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    colab_url = app.config.html_theme_options.get("launch_buttons", {}).get("colab_url", "")
    if not colab_url or not context.get("ipynb_source"):
        return
    repository_url, _ = _repository(app)
    org_repo = repository_url.split("github.com/", 1)[-1]
    notebook = f"_sources/{context['ipynb_source']}"
    for button in _buttons(context.get("header_buttons", [])):
        if button.get("url", "").startswith(colab_url.rstrip("/")):
            button["url"] = (
                f"{colab_url.rstrip('/')}/github/{org_repo}/blob/{app.config.launch_notebooks_branch}/{notebook}"
            )


def _with_cached_outputs(app: Sphinx, notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """``notebook`` with the outputs of its executed copy in the execution cache, if there is one."""
    cache_path = Path(app.env.mystnb_config.execution_cache_path or "")
    if app.env.mystnb_config.execution_mode != "cache" or not cache_path.is_dir():
        return notebook
    with suppress(KeyError):  # not in the cache: it was executed in place (or not at all)
        _, notebook = get_cache(cache_path).merge_match_into_notebook(notebook)
    return notebook


def prepare_notebooks(app: Sphinx, exception: Exception | None) -> None:
    """Outputs and the install cell for every notebook under ``_sources`` (once per notebook)."""
    if exception is not None or app.builder.format != "html":
        return
    repository_url, branch = _repository(app)
    source = SETUP_CELL.format(repository_url=repository_url, branch=branch)
    for path in Path(app.outdir, "_sources").rglob("*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        if notebook.cells and SETUP_CELL_TAG in notebook.cells[0].metadata.get("tags", []):
            continue  # done by an earlier build; the theme copies the notebook again when it changes
        notebook = _with_cached_outputs(app, notebook)
        notebook.cells.insert(0, nbformat.v4.new_code_cell(source, metadata={"tags": [SETUP_CELL_TAG]}))
        nbformat.write(notebook, path)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("launch_notebooks_branch", "gh-pages", "html", types=[str])
    # After sphinx-book-theme (priority 501) has built the launch buttons.
    app.connect("html-page-context", point_colab_at_notebook, priority=900)
    app.connect("build-finished", prepare_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
