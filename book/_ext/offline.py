"""Sphinx extension: pages that load nothing from third parties, and two fixes for Jupyter Book 1.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``. On every HTML page it

- drops exact duplicate ``<script>`` entries. sphinx-thebe registers its inline configuration
  script with filename ``None``; Sphinx re-adds it as ``''`` and its duplicate check treats the
  two as different, so every page declared ``const THEBE_JS_URL`` twice (a console error);
- points the font-awesome stylesheet that matplotlib's ``Animation.to_jshtml()`` writes into cell
  outputs (a CDN link) at the copy in ``_static/font-awesome`` (see ``scripts/fetch_assets.py``);
- warns, naming the page, about any script, stylesheet, image or frame the page would load from
  another host. The book builds with ``-W``, so such a page fails the build instead of quietly
  needing the internet.

It also stops the build early, with the command to run, when the vendored assets are missing,
and makes an incremental build rewrite every page when our own CSS/JS, these extensions or the
vendored versions change (Sphinx otherwise finds "no targets out of date" and copies nothing).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.errors import ConfigError
from sphinx.util import logging

logger = logging.getLogger(__name__)

BOOK = Path(__file__).resolve().parents[1]
VENDOR_STATIC = BOOK / "_vendor" / "static"
# What the pages are made with besides the chapters: a change here rewrites every page.
PAGE_ASSETS = ("_static/**/*", "_ext/*.py", "_vendor/versions.json")
REQUIRED_ASSETS = (
    "mathjax/tex-mml-chtml.js",
    "jupyter-widgets/embed.js",
    "font-awesome/css/font-awesome.min.css",
)
FONT_AWESOME_LOCAL = "_static/font-awesome/css/font-awesome.min.css"
# e.g. https://maxcdn.bootstrapcdn.com/font-awesome/4.4.0/css/font-awesome.min.css
FONT_AWESOME_CDN = re.compile(r"(?:https?:)?//[^\"'\s]+/font-awesome/4\.[\d.]+/css/font-awesome(?:\.min)?\.css")
# Attributes through which a page loads something as it opens (links to click are fine).
LOADED_URL = re.compile(
    r"<(?:script|img|iframe|source|video|audio|embed)\b[^>]*?\ssrc=[\"']((?:https?:)?//[^\"']+)"
    r"|<link\b[^>]*?\shref=[\"']((?:https?:)?//[^\"']+)[\"'][^>]*>"
    r"|@import\s+(?:url\()?[\"']?((?:https?:)?//[^\"')\s]+)",
    re.IGNORECASE,
)
# <link> tags that only name a place and load nothing.
NON_LOADING_LINK_REL = re.compile(r"\srel=[\"'](?:canonical|author|license|alternate|me)[\"']")


def check_vendored_assets(app: Sphinx, config: Any) -> None:
    """Fail fast, with the fix, when ``scripts/fetch_assets.py`` has not been run."""
    missing = [name for name in REQUIRED_ASSETS if not (VENDOR_STATIC / name).is_file()]
    if missing:
        raise ConfigError(
            f"vendored JavaScript missing from {VENDOR_STATIC} ({', '.join(missing)}): run "
            "`python scripts/fetch_assets.py` (`make assets`) first; it fetches MathJax, the "
            "ipywidgets HTML manager and font-awesome from the npm registry."
        )


def assets_digest() -> str:
    digest = hashlib.sha256()
    for pattern in PAGE_ASSETS:
        for path in sorted(BOOK.glob(pattern)):
            if path.is_file():
                digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def record_assets_digest(app: Sphinx, config: Any) -> None:
    """A config value that changes with our assets: Sphinx then rebuilds every page."""
    config.offline_assets_digest = assets_digest()


def _script_key(script: Any) -> tuple:
    """What makes two script entries the same script: ``None`` and ``''`` both mean inline."""
    return (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))


def drop_duplicate_scripts(context: dict[str, Any]) -> None:
    unique: dict[tuple, Any] = {}
    for script in context.get("script_files", []):
        unique.setdefault(_script_key(script), script)
    context["script_files"] = list(unique.values())


def third_party_urls(context: dict[str, Any]) -> list[str]:
    """Every URL on another host that the page would fetch as it loads."""
    urls = [
        str(asset.filename)
        for key in ("script_files", "css_files")
        for asset in context.get(key, [])
        if re.match(r"(?:https?:)?//", str(asset.filename or ""))
    ]
    for match in LOADED_URL.finditer(context.get("body", "")):
        if match.group(2) and NON_LOADING_LINK_REL.search(match.group(0)):
            continue
        urls.append(next(url for url in match.groups() if url))
    return urls


def localize_page(app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    drop_duplicate_scripts(context)
    # The substring test first: on a page with base64 images the pattern backtracks through every "//" in them
    # (1.4 s for the regularization page).
    if "/font-awesome/" in context.get("body", ""):
        local = context["pathto"](FONT_AWESOME_LOCAL, 1)
        context["body"] = FONT_AWESOME_CDN.sub(local, context["body"])
    for url in third_party_urls(context):
        logger.warning(
            "page %r loads %s from a third party; serve it from the book (scripts/fetch_assets.py)",
            pagename,
            url,
            type="offline",
            subtype="third_party",
        )


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("offline_assets_digest", "", "html", types=[str])
    app.connect("config-inited", check_vendored_assets)
    app.connect("config-inited", record_assets_digest)
    # Late, after the theme and myst-nb have added their scripts to the page.
    app.connect("html-page-context", localize_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
