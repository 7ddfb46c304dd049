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

import nh3
from markupsafe import Markup, escape

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align", "scope"},
    "td": {"align"},
}
SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
LINK_SCHEMES = ("http:", "https:", "mailto:")


# Python-Markdown tries every inline pattern at every piece of text, which is most of its time
# on an opinion of 300 characters; a pattern can only match where its character is in the text.
# So a text is converted by an instance without the patterns whose characters it lacks: the
# same output, by construction (test_markup compares it with the full instance's).
TRIGGERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("`", ("backtick",)),
    ("\\", ("escape",)),
    (
        "[",
        (
            "reference",
            "link",
            "image_link",
            "image_reference",
            "short_reference",
            "short_image_ref",
        ),
    ),
    ("<", ("autolink", "automail", "html")),
    ("&", ("entity",)),
    ("*_", ("em_strong",)),
)
ALL = (True,) * len(TRIGGERS)


def needs(text: str) -> tuple[bool, ...]:
    """For each group of TRIGGERS, whether the text has one of its characters."""
    return tuple(any(char in text for char in chars) for chars, _ in TRIGGERS)


@functools.cache
def _markdown(needed: tuple[bool, ...] = ALL):
    """Python-Markdown with the inline patterns a text may need, made once for each such set
    (imported when a text is first converted: a no-op build converts none). Extensions by
    class: by name, Markdown would look them up among every installed package's entry points."""
    import markdown
    from markdown.extensions.sane_lists import SaneListExtension
    from markdown.extensions.tables import TableExtension

    md = markdown.Markdown(extensions=[TableExtension(), SaneListExtension()], output_format="html")
    for (_, names), need in zip(TRIGGERS, needed, strict=True):
        if not need:
            for name in names:
                md.inlinePatterns.deregister(name)  # strict: a renamed pattern is an error
    return md


def prepare() -> None:
    """Set Python-Markdown up now (forked workers then inherit it, rather than each its own)."""
    _markdown()


def as_browser_reads(url: str) -> str:
    """A URL as a browser's parser sees it: C0 controls and spaces trimmed, TAB/LF/CR removed,
    and backslashes read as slashes (so `/\\host`, `\\\\host` and `/<TAB>/host` are `//host`)."""
    url = url.strip("".join(map(chr, range(0x21))))
    return re.sub(r"[\t\n\r]", "", url).replace("\\", "/")


def relative(url: str) -> bool:
    """Whether a URL is really relative: no scheme, no host, no hidden characters."""
    seen = as_browser_reads(url)
    if seen.startswith("//") or SCHEME.match(seen):
        return False
    return not any(ord(c) < 0x20 or ord(c) == 0x7F for c in seen)


def _filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and not relative(value):
        return None  # no request to any other host
    if tag == "a" and attribute == "href" and not relative(value):
        if not as_browser_reads(value).lower().startswith(LINK_SCHEMES):
            return None  # a protocol-relative or hidden-scheme link: not what it looks like
    return value


MAX_LENGTH = 100_000  # characters of one text
MAX_INDENT = 64  # columns before a line's text: 16 levels of nested lists
MAX_QUOTES = 16  # nested `>` quotes
MAX_BRACKETS = 16  # `[` nested or left open: Python-Markdown's link search is quadratic in them
MAX_OPEN_TAGS = 500  # `<` left without `>`: likewise


def problem(text: str) -> str | None:
    """Why a Markdown text is too long or too deeply nested to render safely, or None."""
    if len(text) > MAX_LENGTH:
        return f"文字太长（{len(text)}个字符，最多{MAX_LENGTH}个），请分成几部分或删减。"
    for line in text.splitlines():
        body = line.lstrip(" \t")
        indent = len(line[: len(line) - len(body)].expandtabs(4))
        quotes = len(body) - len(body.lstrip("> "))
        if indent > MAX_INDENT or body[:quotes].count(">") > MAX_QUOTES:
            return f"列表或引用嵌套太深（缩进超过{MAX_INDENT}个空格或“>”超过{MAX_QUOTES}层），请减少嵌套层次。"
    depth = deepest = 0
    for char in text:
        if char == "[":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "]" and depth:
            depth -= 1
    if deepest > MAX_BRACKETS or depth > MAX_BRACKETS:
        return f"方括号“[”嵌套或没有配对的太多（超过{MAX_BRACKETS}个），请检查链接的写法。"
    if text.count("<") - text.count(">") > MAX_OPEN_TAGS:
        return f"没有配对的“<”太多（超过{MAX_OPEN_TAGS}个），请检查文字。"
    return None


def _plain(text: str) -> Markup:
    """A text that `check` refuses, shown escaped: the build never hangs or overflows on it."""
    return Markup("".join(f"<p>{escape(part)}</p>" for part in text.split("\n\n") if part.strip()))


@functools.lru_cache(maxsize=4096)  # the preview renders the same opinions again and again
def to_html(text: str | None, shift_headings: bool = True) -> Markup:
    """Render Markdown and sanitise the result; the top heading becomes h2 under the page's h1."""
    if not text:
        return Markup("")
    if problem(text) is not None:
        return _plain(text)
    md = _markdown(needs(text))
    md.reset()
    html = md.convert(text)
    if shift_headings:
        # The page's title is its h1: the text's top heading level becomes h2 whether the author
        # wrote `#` or `##`, so that no level is skipped (h1 straight to h3).
        levels = [int(level) for level in re.findall(r"<h([1-6])\b", html)]
        shift = 2 - min(levels) if levels else 0
        html = re.sub(
            r"<(/?)h([1-6])\b", lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", html
        )
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
