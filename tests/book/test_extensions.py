"""The book's local Sphinx extensions (book/_ext) and asset fetcher, without building the book.

The browser suite checks the built pages; these check each fix against the real thing it fixes
(Sphinx's script objects, matplotlib's animation player), so an upstream change shows up here.
"""

from __future__ import annotations

import importlib.util
import sys
from types import SimpleNamespace

import pytest
from sphinx.builders.html._assets import _JavaScript

from tests.book.site import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import accessibility
import build_speed
import offline


def _fetch_assets():
    spec = importlib.util.spec_from_file_location("fetch_assets", ROOT / "scripts" / "fetch_assets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_duplicate_inline_script_is_dropped_once_and_others_kept():
    """sphinx-thebe's config script comes back as filename '' next to its original None."""
    thebe = "const THEBE_JS_URL = 'x'"
    context = {
        "script_files": [
            _JavaScript(None, body=thebe),
            _JavaScript("doctools.js"),
            _JavaScript("", body=thebe),
            _JavaScript("", body="const other = 1"),
        ]
    }
    offline.drop_duplicate_scripts(context)
    assert [(s.filename, s.attributes.get("body")) for s in context["script_files"]] == [
        (None, thebe),
        ("doctools.js", None),
        ("", "const other = 1"),
    ]


def test_third_party_loads_are_found_and_plain_links_are_not():
    body = (
        '<script src="https://cdn.example.org/a.js"></script>'
        '<img alt="x" src="//images.example.org/b.png">'
        '<link rel="stylesheet" href="https://fonts.example.org/c.css">'
        '<style>@import url("https://fonts.example.org/d.css");</style>'
        '<a href="https://doi.org/10.1000/182">a citation</a>'
        '<link rel="canonical" href="https://example.org/book/">'
        '<img alt="local" src="../_images/e.png">'
    )
    context = {"body": body, "script_files": [_JavaScript("https://unpkg.com/f.js")], "css_files": []}
    assert offline.third_party_urls(context) == [
        "https://unpkg.com/f.js",
        "https://cdn.example.org/a.js",
        "//images.example.org/b.png",
        "https://fonts.example.org/c.css",
        "https://fonts.example.org/d.css",
    ]


@pytest.fixture(scope="module")
def animation_html() -> str:
    """matplotlib's own ``to_jshtml`` player for a two-frame animation."""
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1), dpi=20)
    (line,) = fig.subplots().plot([0, 1], [0, 1])
    animation = FuncAnimation(fig, lambda i: (line.set_ydata([i, 0]),), frames=2)
    return animation.to_jshtml()


def test_matplotlib_player_font_awesome_cdn_link_is_recognised(animation_html):
    assert offline.FONT_AWESOME_CDN.search(animation_html), "matplotlib's font-awesome link changed"
    assert not offline.FONT_AWESOME_CDN.search(offline.FONT_AWESOME_CDN.sub("../_static/fa.css", animation_html))


def test_the_player_page_gets_the_local_font_awesome(animation_html):
    context = {"body": animation_html, "pathto": lambda target, resource: f"../{target}"}
    offline.localize_page(None, "page", "page.html", context, None)
    assert f'"../{offline.FONT_AWESOME_LOCAL}"' in context["body"]
    assert not offline.FONT_AWESOME_CDN.search(context["body"])


def test_matplotlib_player_gets_alt_text_and_slider_label(animation_html):
    context = {"body": animation_html}
    accessibility.fix_accessibility(None, "page", "page.html", context, None)
    assert 'alt="Animation frame"' in context["body"], "the player's <img> still has no alt text"
    assert 'type="range" aria-label="Frame"' in context["body"], "the player's slider still has no label"


def test_bibliography_entries_become_list_items():
    context = {"body": '<div role="list"><div class="citation" role="doc-biblioentry">A</div></div>'}
    accessibility.fix_accessibility(None, "page", "page.html", context, None)
    assert context["body"] == '<div role="list"><div class="citation" role="listitem">A</div></div>'


def test_asset_paths_keep_their_folders_below_the_package_root():
    fetch_assets = _fetch_assets()
    mathjax = fetch_assets.Package("mathjax", "3", "static/mathjax", ("LICENSE", "es5/ui/*"), root="es5/")
    assert mathjax.target("es5/ui/menu.js") == "static/mathjax/ui/menu.js"
    assert mathjax.target("LICENSE") == "static/mathjax/LICENSE"
    assert mathjax.target("es5/core.js") is None
    with pytest.raises(SystemExit, match="outside its folder"):
        mathjax.target("es5/ui/../../../etc/passwd")


def test_citations_find_pybtex_s_plaintext_backend_without_scanning_entry_points(monkeypatch):
    import pybtex.plugin
    from pybtex.backends.plaintext import Backend

    build_speed.setup(SimpleNamespace(add_domain=lambda *a, **k: None, connect=lambda *a: None))

    def no_scan(**selection):
        raise AssertionError(f"pybtex scanned the installed entry points for {selection}")

    monkeypatch.setattr(pybtex.plugin, "entry_points", no_scan)
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext") is Backend


def test_numref_resolution_unpickles_each_page_once_per_write_phase():
    loads = []
    env = SimpleNamespace(get_doctree=lambda docname: loads.append(docname) or object(), config="the config")
    first, second = build_speed._ReadOnlyDoctrees(env), build_speed._ReadOnlyDoctrees(env)
    assert first.get_doctree("book/dropout") is second.get_doctree("book/dropout")
    assert second.config == "the config"  # everything else is the environment's
    build_speed.forget_doctrees(None)  # the pages were read again
    first.get_doctree("book/dropout")
    assert loads == ["book/dropout", "book/dropout"]
