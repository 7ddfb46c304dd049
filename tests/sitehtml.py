"""A small DOM for the built pages (html.parser only), and ways to walk a built site."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
# Elements whose end tag HTML lets an author leave out; the templates close them anyway, but
# Markdown output is not ours, so only these may be closed implicitly.
OPTIONAL_END = {"p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option"}
ABSOLUTE_URL = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*:|//|\\\\)")
# Attributes holding a URL the browser would load or follow.
URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "data",
    "srcset",
    "xlink:href",
    "background",
    "cite",
}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)
    parent: Element | None = field(default=None, repr=False)
    line: int = 0

    def iter(self) -> Iterator[Element]:
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(
        self, tag: str | None = None, cls: str | None = None, **attrs: str
    ) -> list[Element]:
        """Elements with this tag (any if None), this class among their classes and these attributes."""
        found = []
        for el in self.iter():
            if tag is not None and el.tag != tag:
                continue
            if cls is not None and cls not in el.classes:
                continue
            if any(el.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(el)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> Element:
        """The one element that matches (fails if none or several)."""
        found = self.find_all(tag, cls, **attrs)
        assert len(found) == 1, f"{len(found)} elements match {tag} .{cls} {attrs}"
        return found[0]

    def by_id(self, ident: str) -> Element:
        return self.find(id=ident)

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    @property
    def text(self) -> str:
        """The text inside, whitespace runs collapsed to one space."""
        return re.sub(r"\s+", " ", self.raw_text).strip()

    @property
    def raw_text(self) -> str:
        return "".join(c if isinstance(c, str) else c.raw_text for c in self.children)

    def ancestors(self) -> Iterator[Element]:
        el = self.parent
        while el is not None:
            yield el
            el = el.parent


class TreeBuilder(HTMLParser):
    """Builds an Element tree and records nesting mistakes instead of guessing like a browser."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]
        self.problems: list[str] = []
        self.doctype: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = self._open(tag, attrs)
        if tag not in VOID:
            self.stack.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open(tag, attrs)

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> Element:
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"line {self.getpos()[0]}: <{tag}> repeats an attribute: {names}")
        el = Element(tag, dict(attrs), parent=self.stack[-1], line=self.getpos()[0])
        self.stack[-1].children.append(el)
        return el

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        open_tags = [el.tag for el in self.stack]
        if tag not in open_tags:
            self.problems.append(f"line {self.getpos()[0]}: stray </{tag}>")
            return
        while self.stack[-1].tag != tag:
            dropped = self.stack.pop()
            if dropped.tag not in OPTIONAL_END:
                self.problems.append(f"line {self.getpos()[0]}: <{dropped.tag}> closed by </{tag}>")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def close(self) -> None:
        super().close()
        unclosed = [el.tag for el in self.stack[1:] if el.tag not in OPTIONAL_END]
        if unclosed:
            self.problems.append(f"unclosed at end: {unclosed}")


@dataclass
class Document:
    root: Element
    problems: list[str]
    doctype: str | None
    source: str

    def __getattr__(self, name: str):
        return getattr(self.root, name)

    @property
    def html(self) -> Element:
        return self.root.find("html")


def parse(source: str) -> Document:
    builder = TreeBuilder()
    builder.feed(source)
    builder.close()
    return Document(builder.root, builder.problems, builder.doctype, source)


# -- the built site --------------------------------------------------------------------------------


def files(out: Path) -> list[str]:
    """Every file of a built site, as sorted posix paths relative to the output folder."""
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())


def html_pages(out: Path) -> list[str]:
    return [rel for rel in files(out) if rel.endswith(".html")]


def folders(out: Path) -> list[str]:
    return sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_dir())


def snapshot(out: Path) -> dict[str, bytes]:
    """Every file's bytes, by relative path."""
    return {rel: (out / rel).read_bytes() for rel in files(out)}


def stat_snapshot(out: Path) -> dict[str, tuple[str, int]]:
    """Every file's content hash and modification time (ns), by relative path."""
    result = {}
    for rel in files(out):
        path = out / rel
        result[rel] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return result


def load(out: Path, rel: str) -> Document:
    return parse((out / rel).read_text(encoding="utf-8"))


def resolve_link(page: str, url: str) -> tuple[str | None, str]:
    """Where a relative URL on a page points inside the site: (posix path or None if it escapes, fragment).

    An empty path (`#frag`) is the page itself.
    """
    parts = urlsplit(url)
    fragment = unquote(parts.fragment)
    if not parts.path:
        return page, fragment
    target: list[str] = list(PurePosixPath(page).parent.parts)
    for segment in unquote(parts.path).split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not target:
                return None, fragment
            target.pop()
        else:
            target.append(segment)
    return "/".join(target), fragment


def urls(doc: Document) -> Iterator[tuple[Element, str, str]]:
    """(element, attribute, value) of every attribute holding a URL."""
    for el in doc.iter():
        for name, value in el.attrs.items():
            if name in URL_ATTRIBUTES and value is not None:
                if name == "srcset":
                    for candidate in value.split(","):
                        if candidate.strip():
                            yield el, name, candidate.split()[0]
                else:
                    yield el, name, value
