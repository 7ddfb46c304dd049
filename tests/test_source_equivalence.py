"""`source.parse` gives exactly what it gave before its fast path, for every input.

The reference is a copy of the earlier `parse` (`yaml_reference.py`). Equal means the same nodes
(dataclass equality: the same texts, `plain` flags and marks) or the same `ParseFailure`, at
the same mark with the same message. The sample project, the tiny test project, a hand-written
failure for every kind of problem, and generated documents, broken on purpose, are compared.
"""

from __future__ import annotations

from dataclasses import FrozenInstanceError, fields
from pathlib import Path

import pytest
import yaml_reference
from conftest import REPO, TINY
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bulletin import source
from bulletin.problems import Mark
from bulletin.textfile import ParseFailure

REL = "scores/2014/a.yaml"


def outcome(parse, text: str, line_offset: int = 0) -> object:
    """What `parse` makes of `text`: its nodes, or what it raised, as something to compare."""
    try:
        return parse(text, REL, line_offset)
    except ParseFailure as exc:
        return ("ParseFailure", exc.mark, exc.message, exc.more)
    except Exception as exc:  # not expected, but then it must be the same one
        return (type(exc).__name__, str(exc))


def same(text: str, line_offset: int = 0) -> object:
    """Check that `parse` and the reference agree on `text`; return what they gave."""
    expected = outcome(yaml_reference.parse, text, line_offset)
    got = outcome(source.parse, text, line_offset)
    assert got == expected, text
    # repr shows types too: a line number is an int, `plain` a bool, as before
    assert repr(got) == repr(expected), text
    return got


def same_generated(text: str, line_offset: int = 0) -> None:
    """`same`, counting what the inputs came to (`pytest --hypothesis-show-statistics`)."""
    got = same(text, line_offset)
    event(got[2][:8] if failed(got) else type(got).__name__)  # type: ignore[index]


def failed(result: object) -> bool:
    return isinstance(result, tuple) and result[0] == "ParseFailure"


def front_matter(text: str) -> str | None:
    """The YAML between a page's first two `---` lines, as `readers.pages` reads it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return None
    end = next(i for i, line in enumerate(lines[1:], 1) if line.rstrip() in ("---", "..."))
    return "".join(lines[1:end])


SAMPLE = sorted(
    path
    for folder in ("content", "rubrics", "scores")
    for path in (REPO / folder).rglob("*")
    if path.suffix in (".yaml", ".md")
)


@pytest.mark.parametrize("path", SAMPLE, ids=lambda p: str(p.relative_to(REPO)))
def test_sample_project_files(path: Path):
    text = path.read_text(encoding="utf-8").removeprefix("\ufeff")
    offset = 0
    if path.suffix == ".md":
        found = front_matter(text)
        if found is None:
            return
        text, offset = found, 1
    assert not failed(same(text, offset))
    # and it took the fast path: no file the project itself uses is unusual
    assert source._plain_document(text, REL, offset) is not None


@pytest.mark.parametrize("rel", [rel for rel in TINY if rel.endswith(".yaml")])
def test_tiny_project_files(rel: str):
    text = TINY[rel]
    assert not failed(same(text))
    assert source._plain_document(text, REL, 0) is not None


def test_fast_path_builds_the_frozen_classes():
    node = source._plain_document("a: [b, {c: d}]\n", REL, 0)
    assert isinstance(node, source.Mapping)
    ((key, listed),) = node.entries
    assert isinstance(listed, source.Sequence)
    inner = listed.items[1]
    assert isinstance(inner, source.Mapping)
    found = [node, node.mark, key, key.mark, listed, listed.mark, inner, inner.entries[0][1]]
    assert [type(x) for x in found] == [
        source.Mapping, Mark, source.Scalar, Mark, source.Sequence, Mark, source.Mapping,
        source.Scalar,
    ]  # fmt: skip
    assert hash(key) == hash(source.Scalar("a", True, Mark(REL, 1, 1)))
    assert key.mark < listed.mark and str(listed.mark) == f"{REL}:1:4"
    for x in found:
        with pytest.raises(FrozenInstanceError):
            setattr(x, fields(x)[0].name, None)


# Every failure `parse` raises, most of them more than once, and near misses that are fine.
BROKEN = [
    # anchors, aliases, tags
    "a: &x 5\nb: 6\n",
    "a: 5\nb: *x\n",
    "a: &x 5\nb: *x\n",
    "a: &x [1, 2]\n",
    "a: &x {b: 1}\n",
    "&x a: 1\n",
    "- &x\n  b: 1\n",
    "scores: &s\n  plan: 2\n",
    "a: !!str &x 5\n",
    "a: !!python/object:os.system {}\n",
    "a: !!python/object/apply:os.system [ls]\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x, y}\n",
    "a: !!float 5\n",
    "a: !custom 5\n",
    "a: !!map {b: 1}\n",
    "a: !!seq [1]\n",
    "a: !!str 5\n",
    "a: ! 5\n",
    "a: !!map 5\n",
    "!!map\na: 1\n",
    "!!seq\n- 1\n",
    "--- !!str\ntext\n",
    "%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: !<tag:yaml.org,2002:str> 1\n",
    "a: !<!> 1\n",
    "a: !e!x 1\n",
    # merge keys, keys that are not text, duplicate keys
    "base: {p: 1}\nother:\n  <<: {p: 2}\n",
    "<<: 1\n",
    "'<<': 1\n",
    '"<<": 1\n',
    "a:\n  - <<: x\n",
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "{[a]: 1}\n",
    "scores:\n  plan: 1\n  summary: 2\n  plan: 3\n",
    "a: 1\na: 2\n",
    "a: 1\n'a': 2\n",
    "a: {b: 1, b: 2}\n",
    "a: {b: 1}\nb: {b: 2}\n",
    "'': 1\n? \n: 2\n",
    "~: 1\nnull: 2\n~: 3\n",
    "- a: 1\n  a: 2\n",
    "a: 1\nb:\n  a: 1\na: 3\n[\n",
    # nesting
    "a: " + "[" * 32 + "]" * 32 + "\n",
    "a: " + "[" * 31 + "]" * 31 + "\n",
    "[" * 32 + "]" * 32 + "\n",
    "[" * 33 + "]" * 33 + "\n",
    "a: " + "[" * 40 + "]" * 40 + "\n",
    "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
    "a: " + "{b: " * 40 + "1" + "}" * 40 + "\n",
    "".join("  " * level + f"k{level}:\n" for level in range(40)) + "  " * 40 + "v\n",
    "".join("  " * level + f"k{level}:\n" for level in range(31)) + "  " * 31 + "v\n",
    "".join("  " * level + f"k{level}:\n" for level in range(32)) + "  " * 32 + "v\n",
    "".join("  " * level + f"k{level}:\n" for level in range(33)) + "  " * 33 + "v\n",
    "|\n" + "".join("    " * i + "  - 层\n" for i in range(300)),
    "- " * 31 + "x\n",
    "- " * 32 + "x\n",
    "- " * 33 + "x\n",
    # documents, empty files
    "unit: a\n---\nunit: b\n",
    "---\nunit: a\n...\n",
    "---\nunit: a\n...\n---\n",
    "unit: a\n...\n",
    "unit: a\n...\nb: 1\n",
    "--- a\n--- b\n",
    "",
    "\n\n",
    "# 只有注释\n# 还是注释\n",
    "---\n",
    "~\n",
    "null\n",
    "'~'\n",
    "''\n",
    "Null\n",
    "--- |\n  text\n",
    "text\n",
    "- \n",
    "{}\n",
    "[]\n",
    # full-width colons
    "unit: a\nscores:\n  plan：2\n",
    "plan：2\n",
    "plan： 2 # 注释\n",
    "a: [plan：2, b]\n",
    "a: {plan：2}\n",
    "- plan：2\n",
    "a: plan：2\n",
    "a: '计划：2'\n",
    "a: 计划：2\n",
    "opinion: |\n  建议：\n  plan：2\n",
    "scores:\n  plan: 1\n  summary：2\n  x: [\n",
    "scores:\n  plan: 1\nsummary：2\n  bad\n",
    "- - plan：2\n",
    "a:\n  b： 1\n  c: 2\n",
    "plan\u3000：2\n",
    # full-width and no-break spaces in indentation
    "scores:\n\u3000\u3000plan: 5\n",
    "scores:\n  \u3000plan: 5\n",
    "scores:\n  plan: 5\n\u3000summary: 3\n",
    "scores:\n\u00a0\u00a0plan: 5\n",
    "list:\n  - \u3000a: 1\n",
    "a:\n  b: 1\n \u3000 c:\n    - 1\n",
    "opinion: |\n  \u3000\u3000正文\nscores:\n\u3000plan: 5\n  x: [\n",
    "opinion: |\n  \u3000\u3000第一段。\n  \u3000\u3000第二段。\nplan: 5\n",
    "a: \u3000b\n",
    "a: b\u3000\n",
    "a:\n- \u3000b\n",
    "\u3000a: 1\n",
    "\u00a0a: 1\n",
    "a: '\u3000b'\n",
    'a: "\\u3000b"\n',
    "a: [\u3000b]\n",
    # tabs and other syntax errors
    "scores:\n\tplan: 5\n",
    "scores:\n  plan: 5\n\t  summary: 3\n",
    "a:\tb\n",
    "a: b\t# c\n",
    "scores:\n  plan: [1, 2\n",
    "a: b: c\n",
    "a:b\n",
    "a: 'b\n",
    'a: "b\n',
    "a: [1, 2\nb: 3\n",
    "a: {b: 1\n",
    "a: ]\n",
    "a: }\n",
    "- a\nb: 1\n",
    "a: 1\n- b\n",
    "a:\n  b: 1\n c: 2\n",
    "a: `b`\n",
    "a: @b\n",
    "a: %b\n",
    "key\nother: 1\n",
    "a: 1\n  b: 2\n",
    "a: |\n b\nc: 1\n  d\n",
    "a: >\n  b\n c\n",
    "? a\n",
    "a: *\n",
    "a: &\n",
    "a: !\n",
    "a: &x\nb: &x 1\n",
    "a: '''\n",
    '"\\x"\n',
    "a: b\n\u3000\u3000c: d\n  e: [\n",
    "\ufeffa: 1\n",
    "a: 1\r\nb: 2\r\n",
    "a: 1\rb: 2\r",
    "a: 1\n\x85b: 2\n",
    "a: 1\u2028b: 2\n",
    "a: \ud800\n",
    "a: \x00\n",
    "a: \x07\n",
]


@pytest.mark.parametrize("text", BROKEN)
@pytest.mark.parametrize("line_offset", [0, 1])
def test_hand_written_inputs(text: str, line_offset: int):
    same(text, line_offset)


# -- generated documents -----------------------------------------------------------------------

# Scalars and keys as staff write them, and odd ones that `parse` refuses or that YAML reads
# in surprising ways; the usual ones are drawn more often, so that many documents are fine.
USUAL_WORDS = ["plan", "2", "27.50", "正职", "平定县", "yes", "a b", "1:30", "-1", "**粗体**"]
ODD_WORDS = [
    "", "~", "null", "<<", "plan：2", "计划：2", "x：", "\u3000a", "a\u3000", "\u00a0b", "#", "a #b",
    "a#b", "é", "'", '"', "\\", "%", "@x", "`", "?", "-", ":", "a:", "- a", "&a", "*a", "!a", "|",
    ">", "[", "]", "{", "}", ",", "\t", "a\tb", "http://x", "2015-01-20",
]  # fmt: skip
WORDS = USUAL_WORDS * 4 + ODD_WORDS
USUAL_KEYS = ["plan", "a", "b", "c", "scores", "unit", "名称", "opinion", "x-y", "1"]
KEYS = USUAL_KEYS * 3 + ["<<", "'<<'", "x：", "plan：", "", "~", "\u3000c", "a b", "'a'", '"b"']
PROPERTIES = [""] * 40 + ["!!str ", "!!float ", "!x ", "! ", "!!map ", "!!seq ", "&a ", "!!str &a "]
NOISE = ["[", "]", "{", "}", ":", ": ", ",", "-", "- ", "?", "&", "*", "!", "|", ">", "'", '"',
         "#", "%", "@", "`", "\t", "\u3000", "\u00a0", "：", "\n", " ", "---\n", "...\n", "<<"]  # fmt: skip


@st.composite
def scalars(draw: st.DrawFn, indent: int, flow: bool) -> str:
    """A scalar as it could be written after `key: ` or `- ` at this indentation."""
    word = draw(st.sampled_from(WORDS) | st.lists(st.sampled_from(WORDS), max_size=3).map("".join))
    styles = ["plain"] * 4 + ["single", "double"] + ([] if flow else ["|", ">", "|-", ">+"])
    style = draw(st.sampled_from(styles))
    if style == "plain":
        text = word
    elif style == "single":
        text = "'" + word.replace("'", "''") + "'"
    elif style == "double":
        text = '"' + word.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'
    else:
        lines = draw(
            st.lists(st.sampled_from(WORDS + ["第一段。", "\u3000\u3000第二段。"]), max_size=3)
        )
        text = style + "".join("\n" + " " * (indent + 2) + line for line in lines)
    return draw(st.sampled_from(PROPERTIES)) + text


@st.composite
def flows(draw: st.DrawFn, depth: int) -> str:
    """A flow collection: `[a, b]` or `{a: b}`."""
    items = draw(st.lists(flows(depth - 1) if depth > 0 else scalars(0, True), max_size=3))
    if draw(st.booleans()):
        return "[" + ", ".join(items) + "]"
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=len(items), max_size=len(items)))
    return "{" + ", ".join(f"{k}: {v}" for k, v in zip(keys, items, strict=True)) + "}"


@st.composite
def blocks(draw: st.DrawFn, indent: int, depth: int) -> str:
    """A block mapping or sequence at this indentation, as lines without the last line break."""
    step = draw(st.sampled_from([2, 2, 2, 1, 4]))
    pad = " " * indent
    lines = []
    mapping = draw(st.booleans())
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["scalar"] * 3 + ["flow"] + (["block"] * 2 if depth else [])))
        if kind == "scalar":
            value = " " + draw(scalars(indent + step if mapping else indent + 2, False))
        elif kind == "flow":
            value = " " + draw(flows(min(depth, 2)))
        else:
            value = "\n" + draw(blocks(indent + step, depth - 1))
        if mapping:
            lines.append(pad + draw(st.sampled_from(KEYS)) + ":" + value)
        elif kind == "block" and value.startswith("\n" + pad + " " * step) and step == 2:
            lines.append(pad + "- " + value[1 + indent + 2 :])  # `- a: 1` on one line
        else:
            lines.append(pad + "-" + value)
    return "\n".join(lines)


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A generated YAML file, often made odd or broken by a few small edits."""
    text = draw(blocks(0, 3) | flows(3) | scalars(0, False)) + "\n"
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2, 3]))):
        at = draw(st.integers(0, len(text)))
        edit = draw(st.sampled_from(["insert", "delete", "colon", "indent", "comment"]))
        if edit == "insert":
            text = text[:at] + draw(st.sampled_from(NOISE)) + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "colon" and ": " in text[at:]:
            text = text[:at] + text[at:].replace(": ", draw(st.sampled_from(["：", "： "])), 1)
        elif edit == "indent" and "\n " in text[at:]:
            odd = draw(st.sampled_from(["\u3000", "\u00a0", "\t"]))
            text = text[:at] + text[at:].replace("\n ", "\n" + odd, 1)
        elif edit == "comment" and "\n" in text[at:]:
            text = text[:at] + text[at:].replace("\n", " # 注释：x\n", 1)
    return text


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.sampled_from([0, 0, 1, 7]))
def test_generated_documents(text: str, line_offset: int):
    same_generated(text, line_offset)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NOISE + WORDS + ["a", "b", "  ", "\n  ", "\n- "]), max_size=40))
def test_generated_character_soup(pieces: list[str]):
    same_generated("".join(pieces))


SCORES = sorted((REPO / "scores").rglob("*.yaml"))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SCORES), st.data())
def test_sample_files_with_small_edits(path: Path, data: st.DataObject):
    text = path.read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 2))
        text = text[:at] + data.draw(st.sampled_from(NOISE + [""])) + text[at + cut :]
    same_generated(text)
