"""Student-authored HTML made inert: nothing runs, nothing loads, math renders offline.

Markdown cells and rich outputs (``_repr_html_``, Markdown, LaTeX) are written by students, so
they pass through `nh3 <https://nh3.readthedocs.io>`_, the Python binding of the Rust sanitizer
Ammonia (maintained; bleach is in maintenance mode), with an allowlist: ordinary text, tables,
lists, images and MathML stay; ``<script>``, ``<style>``, ``<iframe>``, ``<object>``,
``<embed>``, ``<form>``, ``<link>``, event-handler and ``style`` attributes go. The only URLs
kept are in-page links (``#...``) and images embedded as ``data:image/...;base64`` (an SVG shown
as an image runs no script and loads nothing); every ``http(s)``, protocol-relative, relative or
``javascript:`` URL is dropped, so a page is self-contained.

Math (``$...$``, ``$$...$$``, ``\\begin{...}``) becomes MathML when the page is written
(`latex2mathml`), which browsers render natively (Chromium 109 and later, Firefox, Safari): no
MathJax, no CDN, no script. LaTeX that latex2mathml cannot read is shown as its source.

:func:`removed_parts` says what sanitizing took out, so the page can tell the student.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3
from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

__all__ = ["clean_html", "html_text", "inventory", "math_html", "removed_parts", "render_markdown"]

MATHML_TAGS = {
    "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot",
    "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mstyle", "mpadded", "mphantom", "menclose", "merror",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "form", "accent", "accentunder", "lspace", "rspace",
    "width", "height", "depth", "columnalign", "rowalign", "columnspacing", "rowspacing", "displaystyle",
    "scriptlevel", "linethickness", "notation", "minsize", "maxsize", "largeop", "movablelimits", "symmetric",
}  # fmt: skip
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "textarea"}
TAGS = (nh3.ALLOWED_TAGS - {"area", "map"}) | MATHML_TAGS
ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start"},
    **{tag: MATHML_ATTRIBUTES for tag in MATHML_TAGS},
}
DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|svg\+xml);base64,[A-Za-z0-9+/=\s]*")


def _keep_url(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: in-page links and embedded images are the only URLs kept."""
    if attribute == "href":
        return value if value.startswith("#") else None
    if attribute == "src":
        return value if DATA_IMAGE.fullmatch(value) else None
    return value


def _cleaner(attributes: dict[str, set[str]]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=attributes,
        attribute_filter=_keep_url,
        url_schemes={"data"},
        link_rel=None,
    )


STUDENT = _cleaner(ATTRIBUTES)
# coursekit's own markup around it: the same rules, plus the class and id attributes of our layout
PAGE = _cleaner({**ATTRIBUTES, "*": {"class", "id"}})


def clean_html(fragment: str, *, ours: bool = False) -> str:
    """``fragment`` sanitized: student content by default, ``ours=True`` for the page's own markup."""
    return (PAGE if ours else STUDENT).clean(fragment)


def math_html(tex: str, *, display: bool) -> str:
    """LaTeX as (unsanitized) MathML, or its escaped source when latex2mathml cannot read it."""
    try:
        return latex_to_mathml(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises a dozen exception types for malformed input
        delimiter = "$$" if display else "$"
        return f'<code class="tex">{html.escape(delimiter + tex + delimiter)}</code>'


class _MathMLRenderer(IPythonRenderer):
    """nbconvert's Markdown renderer, math written as MathML instead of left for MathJax."""

    def block_math(self, body: str) -> str:
        return math_html(body, display=True)

    def inline_math(self, body: str) -> str:
        return math_html(body, display=False)

    def latex_environment(self, name: str, body: str) -> str:
        return math_html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)


def render_markdown(source: str, attachments: dict | None = None) -> str:
    """A Markdown cell (or output) as HTML with MathML math, *not yet sanitized*.

    Images attached to the cell become ``data:`` URLs. If nbconvert's renderer fails (it raises
    for a reference to a missing attachment), the source is shown as text.
    """
    renderer = _MathMLRenderer(escape=False, exclude_anchor_links=True, attachments=attachments or {})
    try:
        return MarkdownWithMath(renderer=renderer).render(source)
    except Exception:  # nbconvert's InvalidNotebook, or mistune failing on odd input
        return f"<pre>{html.escape(source)}</pre>"


BLOCKS = {"p", "div", "pre", "br", "li", "tr", "td", "th", "table", "h1", "h2", "h3", "h4", "h5", "h6", "details"}


class _Inventory(HTMLParser):
    """Tags, attributes, text and style sheets of an HTML fragment, as the browser would see them.

    The text breaks lines where blocks start and end, as a browser lays them out, so a line of it
    never joins the end of one paragraph to the start of the next.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []  # (tag, name, value)
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._in_style = tag == "style"
        if tag in BLOCKS:
            self.text.append("\n")

    def handle_endtag(self, tag):
        self._in_style = False
        if tag in BLOCKS:
            self.text.append("\n")

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def inventory(markup: str) -> _Inventory:
    parser = _Inventory()
    parser.feed(markup)
    parser.close()
    return parser


def html_text(markup: str) -> str:
    """The text of an HTML fragment (what a reader sees), line breaks kept."""
    return "".join(inventory(markup).text)


LOADING_ATTRIBUTES = {"src", "srcset", "data", "poster", "background", "xlink:href"}
LINK_ATTRIBUTES = {"href", "action", "formaction"}
REMOTE = re.compile(r"^\s*(?:https?:|//)|url\(|@import", re.I)


def removed_parts(markup: str) -> list[str]:
    """What :func:`clean_html` takes out of ``markup`` that a student should be told about."""
    found = inventory(markup)
    tags = set(found.tags)
    attributes = found.attributes
    styles = [value for _, name, value in attributes if name == "style"] + found.styles
    checks = [
        (
            "scripts",
            "script" in tags or any(n.startswith("on") or "javascript:" in v.lower() for _, n, v in attributes),
        ),
        ("embedded frames or objects", bool(tags & {"iframe", "object", "embed", "frame", "frameset", "applet"})),
        ("form controls", bool(tags & {"form", "input", "button", "select", "textarea"})),
        (
            "content loaded from the internet",
            "link" in tags
            or any(n in LOADING_ATTRIBUTES and REMOTE.search(v) for _, n, v in attributes)
            or any(REMOTE.search(css) for css in styles),
        ),
        ("links", any(n in LINK_ATTRIBUTES and not v.startswith("#") for _, n, v in attributes)),
    ]
    return [part for part, present in checks if present]
