"""A view's digest is a function of exactly what its `repr` shows (render.Digests).

Equal values give equal digests, whatever objects they are made of and whichever page met a
shared part first; a value shown otherwise (one leaf anywhere, Decimal("10") for
Decimal("10.0"), True for 1) gives another digest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bulletin import render
from bulletin.model import SiteConfig


@dataclass(frozen=True, slots=True)
class One:
    a: object


@dataclass(frozen=True, slots=True)
class Two:
    a: object
    b: object


@dataclass(frozen=True)
class Three:
    a: object
    b: object
    c: object
    hidden: object = field(default=None, repr=False, compare=False)  # not shown: not digested


@dataclass(frozen=True, slots=True)
class Empty:
    pass


def decimals() -> st.SearchStrategy[Decimal]:
    """Decimals with their exponents written out: 10, 10.0, 1E+1, -0, 0.00 are all different."""
    digits = st.lists(st.integers(0, 9), min_size=1, max_size=4).map(tuple)
    return st.builds(
        lambda sign, d, exp: Decimal((sign, d, exp)), st.integers(0, 1), digits, st.integers(-3, 2)
    )


# Text with what could confuse how tokens are told apart: NUL, quotes, a lone surrogate
TEXT = st.text(
    st.one_of(st.sampled_from("\x00\x01:'\"()<>,\\ \ud800"), st.characters(codec="utf-8")),
    max_size=6,
)
LEAVES = st.one_of(
    TEXT,
    st.integers(-3, 300),
    st.booleans(),
    st.none(),
    decimals(),
    st.dates(date(1999, 1, 1), date(2001, 1, 1)),
    st.floats(allow_nan=False, width=32),
    st.sampled_from(["1", 1, True, Decimal("1"), Decimal("1.0"), 1.0, "True", "None", "()"]),
)


def containers(children: st.SearchStrategy) -> st.SearchStrategy:
    """Tuples, lists, dicts and dataclasses of `children`."""
    small = st.lists(children, max_size=4)
    return st.one_of(
        small.map(tuple),
        small,
        st.dictionaries(st.one_of(st.text(max_size=2), st.integers(0, 3)), children, max_size=3),
        st.builds(One, children),
        st.builds(Two, children, children),
        st.builds(Three, children, children, children, children),
        st.just(Empty()),
    )


VALUES = st.recursive(LEAVES, containers, max_leaves=24)


def rebuilt(value: object) -> object:
    """An equal value made of new objects (as the next build makes them)."""
    cls = type(value)
    if dataclasses.is_dataclass(cls):
        return cls(*(rebuilt(getattr(value, f.name)) for f in dataclasses.fields(cls)))
    if cls is tuple or cls is list:
        return cls(rebuilt(v) for v in value)
    if cls is dict:
        return {rebuilt(k): rebuilt(v) for k, v in value.items()}
    if cls is str:
        return "".join(list("#" + value))[1:]  # a new str object, for all but the shortest
    if cls is Decimal:
        return Decimal(str(value))
    if cls is date:
        return date.fromordinal(value.toordinal())
    return value


def places(value: object, path: tuple = ()) -> list[tuple]:
    """The path to every value inside `value`, itself included (dict keys and values alike)."""
    cls = type(value)
    if dataclasses.is_dataclass(cls):
        inner = [
            p
            for f in dataclasses.fields(cls)
            for p in places(getattr(value, f.name), (*path, f.name))
        ]
    elif cls is tuple or cls is list:
        inner = [p for i, v in enumerate(value) for p in places(v, (*path, i))]
    elif cls is dict:
        inner = [
            p
            for i, item in enumerate(value.items())
            for j in (0, 1)
            for p in places(item[j], (*path, ("item", i), j))
        ]
    else:
        inner = []
    return [path, *inner]


def replaced(value: object, path: tuple, new: object) -> object:
    """`value` with the value at `path` replaced by `new`."""
    if not path:
        return new
    step, rest = path[0], path[1:]
    cls = type(value)
    if dataclasses.is_dataclass(cls):
        return dataclasses.replace(value, **{step: replaced(getattr(value, step), rest, new)})
    if cls is dict:
        items = list(value.items())
        items[step[1]] = replaced(items[step[1]], rest, new)
        return dict(items)  # TypeError if a key is made unhashable
    items = list(value)
    items[step] = replaced(items[step], rest, new)
    return cls(items)


def at(value: object, path: tuple) -> object:
    """The value at `path` inside `value`."""
    for step in path:
        if type(step) is tuple:
            value = list(value.items())[step[1]]
        elif type(step) is str:
            value = getattr(value, step)
        else:
            value = value[step]
    return value


def alike(old: object) -> list:
    """Values written or compared alike to `old` but shown otherwise: "1", 1, True, 1.0,
    Decimal("1.0"), the same in a tuple..."""
    text = str(old)
    found = [text, repr(old), (old,), [old], One(old)]
    words = {"True": True, "False": False, "None": None}
    for parse in (int, Decimal, float, date.fromisoformat, words.__getitem__):
        try:
            found.append(parse(text))
        except (ValueError, KeyError, ArithmeticError):
            pass
    if type(old) in (int, bool):
        found += [bool(old), int(old), Decimal(int(old)), float(old)]
    if type(old) is Decimal:
        found += [old + Decimal("0.0"), old.normalize(), -old, float(old)]
    return found


def digest(value: object, digests: render.Digests | None = None) -> str:
    """`value`'s digest as a view's field."""
    return (digests or render.Digests()).of(One(value))


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_equal_values_give_equal_digests(value: object):
    again = rebuilt(value)
    assert repr(again) == repr(value)
    assert digest(again) == digest(value)
    # parts met before, in another value or in the same one made of other objects
    shared = render.Digests()
    assert digest((again, value), shared) == digest((rebuilt(value), rebuilt(value)))
    assert digest(value, shared) == digest(value)
    assert digest(rebuilt(value), shared) == digest(value)


@settings(max_examples=400, deadline=None)
@given(VALUES, st.data())
def test_a_value_shown_otherwise_gives_another_digest(value: object, data: st.DataObject):
    path = data.draw(st.sampled_from(places(value)))
    if data.draw(st.booleans()):
        new = data.draw(st.sampled_from(alike(at(value, path))))
    else:
        new = data.draw(st.one_of(LEAVES, VALUES))
    try:
        other = replaced(value, path, new)
    except TypeError:  # a dict's key made unhashable
        assume(False)
    assume(repr(other) != repr(value))
    shared = render.Digests()
    assert digest(other, shared) != digest(value, shared)
    assert digest(other) != digest(value)


@settings(max_examples=200, deadline=None)
@given(VALUES, VALUES)
def test_digests_differ_exactly_where_reprs_do(a: object, b: object):
    assert (digest(a) == digest(b)) == (repr(a) == repr(b))


# Where a value can sit: alone, in a part of plain values, in a tuple of one, in a part with
# other parts, in a list, in a dict
PLACES = [
    lambda v: v,
    lambda v: Two(v, 1),
    lambda v: One((v, 1)),
    lambda v: Two(v, One(1)),
    lambda v: (One(1), (v,)),
    lambda v: [v],
    lambda v: {"k": v},
]


@settings(max_examples=300, deadline=None)
@given(LEAVES, st.data())
def test_plain_values_alike_are_told_apart(value: object, data: st.DataObject):
    other = data.draw(st.sampled_from(alike(value)))
    for place in PLACES:
        assert (digest(place(value)) == digest(place(other))) == (repr(value) == repr(other))


def test_values_alike_but_shown_otherwise():
    alike = [
        Decimal("10"),
        Decimal("10.0"),
        Decimal("1E+1"),
        Decimal("-0"),
        Decimal("0"),
        10,
        10.0,
        "10",
        1,
        True,
        "1",
        "True",
        None,
        "None",
        0.0,
        -0.0,
        date(2015, 1, 20),
        "2015-01-20",
        (),
        "()",
        [],
        {},
        (1, 2),
        "(1, 2)",
        [1, 2],
        (Decimal("1"), Decimal("2")),
        ("1", "2"),
        ((1, 2),),
        (One(1),),
        One(1),
        One("1"),
        Two(1, None),
        Three(1, None, None),
        Empty(),
        ("a\x00", "b"),
        ("a", "\x00b"),
        ("a\x00\x00b",),
        Two("a\x00", "b"),
        Two("a", "\x00b"),
        Three("a\x00", "\x00", "b"),
        Three("a", "\x00\x00", "b"),
        "\ud800",
        "\udc00",
    ]
    for place in PLACES:
        digests = {digest(place(v)) for v in alike}
        assert len(digests) == len(alike)


def test_fields_the_repr_hides_are_not_digested():
    assert digest(Three(1, 2, 3, hidden="x")) == digest(Three(1, 2, 3, hidden=["y"]))


def test_the_next_build_reuses_the_digests_of_the_parts_it_keeps():
    """The preview hands the digests of one build's parts to the next (`Digests.kept`)."""
    shared = Two(One(Decimal("1.0")), (One("x"), [1]))
    view = Three(shared, (shared, 1), {"k": shared})
    first = render.Digests()
    before = first.of(view)
    second = render.Digests(first.used)
    assert second.of(view) == before
    assert second.of(rebuilt(view)) == before
    assert second.of(Three(shared, (shared, 2), {"k": shared})) != before
    assert id(shared) in second.used  # met again: carried on
    third = render.Digests(second.used)
    third.keep(view)  # the page was kept as it was: so is its view's digest
    assert third.used[id(view)] == (view, before)


def test_fingerprint_covers_theme_template_path_settings_and_view():
    site = SiteConfig("网站", "主办")
    page = render.Page("2014/index.html", "bulletin.html", Two(Decimal("1.0"), (One("a"),)))
    digests = render.Digests()
    base = render.fingerprint(page, site, "theme", digests)
    assert base == render.fingerprint(
        render.Page("2014/index.html", "bulletin.html", rebuilt(page.view)),
        rebuilt(site),
        "theme",
        render.Digests(),
    )
    others = [
        render.fingerprint(page, site, "theme2", digests),
        render.fingerprint(render.Page(page.path, "unit.html", page.view), site, "theme", digests),
        render.fingerprint(
            render.Page("2015/index.html", page.template, page.view), site, "theme", digests
        ),
        render.fingerprint(page, dataclasses.replace(site, sample=True), "theme", digests),
        render.fingerprint(
            render.Page(page.path, page.template, Two(Decimal("1"), (One("a"),))),
            site,
            "theme",
            digests,
        ),
        # a view made later, by the render worker that draws the page, is the same view
        render.fingerprint(
            render.Page(page.path, page.template, make=lambda: Two(Decimal("1"), (One("b"),))),
            site,
            "theme",
            digests,
        ),
    ]
    assert base not in others and len(set(others)) == len(others)
    later = render.Page(page.path, page.template, make=lambda: rebuilt(page.view))
    assert render.fingerprint(later, site, "theme", render.Digests()) == base
