"""Markdown to safe HTML for opinions, notes and pages.

Python-Markdown passes raw HTML through and sanitises nothing, so its output goes through nh3
(Rust's ammonia): an allow-list of tags and attributes, only http/https/mailto for absolute
URLs (so `javascript:` links lose their href), no event attributes, no inline styles. Images
must be relative: the site makes no request to another host. We chose nh3 over bleach because
bleach is deprecated, and over a hand-written filter because HTML sanitising is exactly the
job one must not do by hand.
"""

from __future__ import annotations

import functools
import re

import markdown
import nh3
from markupsafe import Markup

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align", "scope"}, "td": {"align"}}
ABSOLUTE = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//)")

_md = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and ABSOLUTE.match(value):
        return None  # no request to any other host
    return value


@functools.lru_cache(maxsize=4096)  # the preview renders the same opinions again and again
def to_html(text: str | None, shift_headings: bool = True) -> Markup:
    """Render Markdown and sanitise the result; the top heading becomes h2 under the page's h1."""
    if not text:
        return Markup("")
    _md.reset()
    html = _md.convert(text)
    if shift_headings:
        # The page's title is its h1: the text's top heading level becomes h2 whether the author
        # wrote `#` or `##`, so that no level is skipped (h1 straight to h3).
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
        shift = 2 - min(levels) if levels else 0
        html = re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", html)
    # Markdown's table headers are column headers; say so for screen readers.
    html = re.sub(r"<th(?=[\s>])(?![^>]*\bscope=)", '<th scope="col"', html)
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        attribute_filter=_filter,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Markup(clean)
