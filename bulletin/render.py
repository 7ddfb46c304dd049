"""Turn scored years into the pages of the site (data contract, section 9).

Every page is a path, a template and a view (see `views`); a template sees its view's fields,
the site's settings and the page's links to the site root, and nothing else. The fingerprint
of a page is the digest of exactly those, with the theme's and the drawing code's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import jinja2
import jinja2.compiler
import jinja2.nodes

from . import charts, markup
from .model import SiteConfig
from .scoring import decimal_text

if TYPE_CHECKING:
    from .reuse import Parts

T = TypeVar("T")

CODE = Path(__file__).parent
# Rows a template's `runs` filter groups for `kept`: a save redraws the run of each changed row,
# and asks for every other run once (about the square root of a category's 1,500 units).
RUN = 32


class Page:
    """One page of the output: where it goes, which template draws it, and its view.

    The view may be made later, by `make`, when the page is first fingerprinted or drawn: a
    one-off build's render workers then make the views of their own unit pages, rather than
    this process making all of them before the workers part.
    """

    __slots__ = ("path", "template", "kind", "_view", "_make")

    def __init__(
        self,
        path: str,  # posix path inside the output folder
        template: str,
        view: object = None,
        kind: str = "",  # which pages are alike, to slice them between render workers
        make: Callable[[], object] | None = None,
    ) -> None:
        self.path, self.template, self.kind = path, template, kind
        self._view, self._make = view, make

    @property
    def view(self) -> object:
        if self._make is not None:
            self._view, self._make = self._make(), None
        return self._view


def digest(*parts: object) -> str:
    """A short stable digest of objects' reprs (frozen dataclasses, Decimals, text)."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


# The number filters are asked for the same few thousand values on every page (a score has at
# most two decimals): each answer depends on the numeric value alone (equal values, whatever
# their type or trailing zeros, give the same text), so it is kept. A table of 26 scores no
# longer costs 26 quantizes (about 1.5 us each against 0.2 us for a kept answer).
NUMBERS = 8192


@functools.lru_cache(maxsize=NUMBERS)
def num(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return decimal_text(Decimal(value))


@functools.lru_cache(maxsize=NUMBERS)
def fixed(value: Decimal | int | None, places: int = 2) -> str:
    """A score with a fixed number of decimals, so that a table's column lines up: 92.5 -> 92.50."""
    if value is None:
        return "—"
    quantized = Decimal(value).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    # -0.00 equals 0.00 and is shown as it: the text of equal values is one text
    return format(abs(quantized) if not quantized else quantized, "f")


def cn_date(day: date | str | None) -> str:
    if isinstance(day, str):
        day = date.fromisoformat(day)
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@functools.lru_cache(maxsize=NUMBERS)
def percent(value: Decimal | None, maximum: Decimal) -> str:
    if value is None or maximum <= 0:
        return "0"
    return decimal_text(round(value / maximum * 100, 1))


# The filters whose text is made of digits, a point, a minus, a dash (—) and 年月日 only: it
# never needs escaping (test_scoring checks every filter's text for < > & " '). The theme's
# environment registers these very ones, by these names.
PLAIN_TEXT = {"num": num, "fixed": fixed, "percent": percent, "cn_date": cn_date}


class _Compiler(jinja2.compiler.CodeGenerator):
    """Jinja's code generator, except that `{{ x | fixed }}` and the other PLAIN_TEXT filters
    are written out as the filter's text: an escape() and a Markup object for each number
    (about 70 on a unit page) were a seventh of drawing it. Jinja's own NativeCodeGenerator
    overrides the same method."""

    def _output_child_pre(
        self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize: Any
    ) -> None:
        if (
            isinstance(node, jinja2.nodes.Filter)
            and node.name in PLAIN_TEXT
            and finalize.src is None
            and not frame.eval_ctx.volatile
        ):
            self.write("(")  # closed by _output_child_post
            return
        super()._output_child_pre(node, frame, finalize)


class _Environment(jinja2.Environment):
    code_generator_class = _Compiler


_OPTIONS = dict(
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    auto_reload=True,
)


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Templates compiled once and kept between runs, as Python keeps its .pyc files.

    Jinja keys each entry by the template's path and checks it against the source's digest, so
    an edited template is compiled afresh; the file name also carries Jinja's version and the
    options above, which the compiled code depends on. A cache that cannot be written is no
    cache, never an error.
    """

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def _compiled_templates() -> jinja2.BytecodeCache | None:
    # what the compiled code depends on besides the template: Jinja, its options and our
    # compiler, which is part of the engine's code (so any change of the engine compiles anew)
    options = sorted((k, repr(v)) for k, v in _OPTIONS.items())
    tag = digest(jinja2.__version__, options, _code_digest())[:12]
    try:
        return _CompiledTemplates(pattern=f"__bulletin_{tag}_%s.cache")
    except (OSError, RuntimeError):  # no private temporary folder to keep them in
        return None


@functools.lru_cache(maxsize=8)
def environment(theme: Path) -> jinja2.Environment:
    """The theme's Jinja environment, kept between builds (it recompiles templates that change)."""
    env = _Environment(
        loader=jinja2.FileSystemLoader(theme / "templates"),
        bytecode_cache=_compiled_templates(),
        **_OPTIONS,
    )
    env.filters.update(PLAIN_TEXT, markdown=markup.to_html)
    env.globals.update(bar_chart=charts.bar_chart, line_chart=charts.line_chart, Bar=charts.Bar)
    fragments = Fragments(env, theme / "templates")
    env.globals["kept"] = fragments
    env.filters["runs"] = fragments.runs
    return env


class Fragments:
    """`kept(macro, *args)` in a template: `macro(*args)`, which the preview keeps between saves.

    A page that lists every unit is drawn again whenever one unit changes; its rows mostly have
    not. While `keeping` (the preview), a row drawn by `kept` is the same text as long as the
    macro and its arguments are the same. That holds by construction, not by care:

    - only a macro of a template's own module is kept (one imported without context, as
      `{% from "_macros.html" import ... %}` does): it sees its arguments and the theme's
      filters and globals, nothing of the page; any other macro is simply called;
    - views (frozen dataclasses, tuples) are kept by identity, as their digests are
      (`Digests`): the preview hands back the very same view while its parts are the same;
      plain values by their repr (`Decimal("10")` and `Decimal("10.0")` are shown
      differently); an argument of any other type, or a keyword argument, draws afresh;
    - an edited template is a new macro, which nothing has been kept for.

    So a page drawn with kept rows has exactly the bytes of one drawn without (test_views).
    """

    def __init__(self, env: jinja2.Environment, templates: Path) -> None:
        self.env, self.templates = env, templates
        self.parts: Parts | None = None
        # the macros found context-free, by id (each held, so ids stay theirs)
        self.pure: dict[int, object] = {}

    @contextlib.contextmanager
    def keeping(self, parts: Parts | None) -> Iterator[None]:
        self.parts = parts
        try:
            yield
        finally:
            self.parts = None

    def runs(self, items: Sequence[T], size: int = RUN) -> list[tuple[T, ...]]:
        """`items` in runs of `size`, for `kept` to draw a run at a time: each run is the same
        tuple while its items are the same objects, so a long list whose one item changed asks
        again for that item's run alone, not for every item (at 3,000 units, the rows of the
        bulletin, the ranking and the list of units: 4,500 asked for on a save, now about 500).
        """
        found = [tuple(items[i : i + size]) for i in range(0, len(items), size)]
        parts = self.parts
        if parts is None:
            return found
        return [parts.get(run, ("run",), lambda r=run: r) for run in found]

    def __call__(self, macro: Any, *args: object, **kwargs: object) -> Any:
        parts = self.parts
        if parts is None or kwargs or not self.context_free(macro):
            return macro(*args, **kwargs)
        owners: list[object] = [macro]
        key: list[object] = ["kept"]
        for arg in args:
            kind = _KINDS.get(type(arg))
            if kind is None:
                kind = _kind(type(arg))
            if kind is str:  # a text equals no other type's value
                key.append(arg)
            elif kind is repr:  # 1 == True == Decimal("1.0"): told apart by their reprs
                key.append(repr(arg))
            elif kind is id:
                owners.append(arg)
                key.append(None)
            else:
                return macro(*args)
        return parts.get(tuple(owners), tuple(key), lambda: macro(*args))

    def context_free(self, macro: Any) -> bool:
        """Whether `macro` is the one of its template's own module (it sees nothing of a page)."""
        if self.pure.get(id(macro)) is macro:
            return True
        code = getattr(getattr(macro, "_func", None), "__code__", None)
        if not isinstance(macro, jinja2.runtime.Macro) or code is None:
            return False
        try:
            name = Path(code.co_filename).relative_to(self.templates).as_posix()
            template = self.env.get_template(name)
        except (ValueError, jinja2.TemplateError):
            return False
        # The module Jinja made for imports without context, if any imported it so: never
        # made here, which would run a page's template without its page.
        module = getattr(template, "_module", None)
        if module is None or getattr(module, macro.name, None) is not macro:
            return False  # not remembered: a page's own macros are new at every page
        self.pure[id(macro)] = macro
        return True


_KINDS: dict[type, object] = {}


def _kind(cls: type) -> object:
    """How `kept` keys an argument of this type: by itself, its repr, its identity, or not."""
    if cls is str:
        kind: object = str
    elif cls in SCALARS:
        kind = repr
    elif cls is tuple or (
        dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen  # type: ignore[attr-defined]
    ):
        kind = id
    else:
        kind = False
    _KINDS[cls] = kind
    return kind


def keeping(env: jinja2.Environment, parts: Parts | None) -> contextlib.AbstractContextManager:
    """While drawing, keep the rows that templates draw with `kept` in `parts` (the preview's)."""
    return env.globals["kept"].keeping(parts)  # type: ignore[union-attr]


def theme_digest(theme: Path) -> str:
    """The templates and the code that draws pages decide every page's bytes as much as its view."""
    templates = theme / "templates"
    return digest(
        sorted(
            (p.relative_to(templates).as_posix(), p.read_bytes())
            for p in templates.rglob("*")
            if p.is_file()
        ),
        _code_digest(),
    )


@functools.cache
def _code_digest() -> str:
    """The engine's code, read once per process: the code a process runs cannot change under it,
    and the preview would otherwise read every module again on every save."""
    return digest(
        sorted((p.relative_to(CODE).as_posix(), p.read_bytes()) for p in CODE.rglob("*.py"))
    )


def context(page: Page, site: SiteConfig) -> dict[str, object]:
    """All that the page's template sees: its view's fields, the site's settings, its links."""
    depth = page.path.count("/")
    root = "../" * depth
    frame = getattr(page.view, "frame", None)
    # Links inside a year never name its folder, so that an archived version moved to
    # <YEAR>-v<N>/ by a correction still links to its own pages, data and style.
    yroot = "../" * (depth - 1) if frame is not None else root
    values = {name: getattr(page.view, name) for name in _fields_of(type(page.view)) or ()}
    return {
        **values,
        "site": site,
        "path": page.path,
        "root": root,
        "yroot": yroot,
        "static": yroot + "static/",
    }


SCALARS = frozenset({str, int, float, bool, Decimal, date, type(None)})
SHALLOW = SCALARS | {tuple}


class Digests:
    """Digests of view objects, each made once and kept by identity while the object lives.

    A view's digest covers every field its `repr` shows, recursively (what its template can
    reach), the same as digesting its repr. Each part is written out once per object: a part
    shared by many pages (a year's frame, a unit's row in three tables) is digested once, a
    small part of plain values (an item's row) is written out in its parent's digest instead,
    and the preview keeps what it wrote of the parts it reuses from build to build
    (`reuse.BuildState`). What a part becomes depends on its value alone, never on which page
    met it first.
    """

    def __init__(self, kept: dict[int, tuple[object, object]] | None = None) -> None:
        self.kept = kept if kept is not None else {}
        self.used: dict[int, tuple[object, object]] = {}  # holds each object, so ids stay theirs
        self.plain: dict[int, tuple[object, bytes]] = {}
        # A part of plain values is remembered only to be reused by the next build: in a one-off
        # build nearly every such part (an item's row) is met once, and remembering each of them
        # cost 5-7 MB of peak memory at 3,000 units.
        self.keep_plain = kept is not None

    def of(self, obj: object) -> bytes:
        part = self._part(obj)
        if type(part) is bytes:
            return part
        # a view of plain values (the site's settings): digested once per build
        found = self.plain.get(id(obj))
        if found is None or found[0] is not obj:
            found = obj, hashlib.blake2b(repr(part).encode("utf-8"), digest_size=16).digest()
            self.plain[id(obj)] = found
        return found[1]

    def keep(self, obj: object) -> None:
        """Carry `obj`'s digest into the next build without asking for it (the fingerprint of
        its page was reused): else a page made anew of the same view would digest it again."""
        hit = self.kept.get(id(obj))
        if hit is not None and hit[0] is obj:
            self.used[id(obj)] = hit

    def _part(self, value: object) -> object:
        """A plain value itself, a part of plain values written out, any other part's digest."""
        if type(value) in SCALARS:
            return value
        key = id(value)
        hit = self.used.get(key) or self.kept.get(key)
        if hit is not None and hit[0] is value:
            self.used[key] = hit
            return hit[1]
        name, values = _values(value)
        if _plain(values):  # plain values only: as cheap to write out as to digest
            part: object = (name, values)
            if not self.keep_plain:
                return part
        else:
            text = repr((name, *map(self._part, values)))
            part = hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()
        self.used[key] = (value, part)
        return part


def _values(obj: object) -> tuple[str, tuple]:
    """A value's type name and what its repr shows of it, as a tuple of values."""
    cls = type(obj)
    getter = _getter(cls)
    if getter is not None:
        return cls.__name__, getter(obj)
    if cls is tuple or cls is list:
        return cls.__name__, tuple(obj)  # type: ignore[arg-type]
    if cls is dict:
        return "dict", tuple(obj.items())  # type: ignore[union-attr]
    return "repr", (repr(obj),)  # any other value: by its repr


def _plain(values: tuple) -> bool:
    """Whether these are plain values, or tuples of plain values, only."""
    types = set(map(type, values))
    if types <= SCALARS:
        return True
    return types <= SHALLOW and all(
        set(map(type, v)) <= SCALARS for v in values if type(v) is tuple
    )


@functools.cache
def _getter(cls: type) -> Callable[[object], tuple] | None:
    """Reads the fields a dataclass's repr shows, as a tuple; None for any other type."""
    names = _fields_of(cls)
    if names is None:
        return None
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return operator.attrgetter(*names) if names else lambda obj: ()


@functools.cache
def _fields_of(cls: type) -> tuple[str, ...] | None:
    """The fields a dataclass's repr shows, or None for any other type."""
    if not dataclasses.is_dataclass(cls):
        return None
    return tuple(f.name for f in dataclasses.fields(cls) if f.repr)


def fingerprint(page: Page, site: SiteConfig, theme: str, digests: Digests) -> str:
    """The digest of everything that decides the page's bytes: one list, the template's context."""
    text = f"{theme}\x00{page.template}\x00{page.path}\x00".encode()
    view = digests.of(site) + digests.of(page.view)  # two digests of 16 bytes each
    return hashlib.blake2b(text + view, digest_size=16).hexdigest()


def prepare(env: jinja2.Environment, templates: Iterable[str]) -> None:
    """Load these templates and Markdown, as drawing the first page of each would."""
    for name in templates:
        with contextlib.suppress(jinja2.TemplateError):  # named where a page is drawn from it
            env.get_template(name)
    markup.prepare()


def draw(env: jinja2.Environment, page: Page, site: SiteConfig) -> str:
    return env.get_template(page.template).render(context(page, site))
