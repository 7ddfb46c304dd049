"""Change entries of a score file's `scores:` and `notes:` in place, keeping every other byte.

PyYAML cannot write comments back, so the file's text is edited at the positions its composer
reports (compose builds nodes only; nothing is constructed, so no tag can run code).
"""

from __future__ import annotations

import json
import re

import yaml

from .model import BEST_OF, CHOICE, Answer, AppliedItem
from .scoring import decimal_text

_PLAIN_LABEL = re.compile(r"[^\W\d_][\w]*")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}


def label_text(label: str) -> str:
    """An option label as YAML: plain where that is safe, else double-quoted."""
    if _PLAIN_LABEL.fullmatch(label) and label.lower() not in _YAML_WORDS:
        return label
    return json.dumps(label, ensure_ascii=False)


def answer_text(item: AppliedItem, answer: Answer) -> str:
    """The answer as the flow YAML a score file uses for it."""
    if item.type == CHOICE:
        return label_text(answer.labels[0])
    if item.type == BEST_OF:
        return "[" + ", ".join(label_text(label) for label in answer.labels) + "]"
    if answer.experts:
        return "{experts: [" + ", ".join(decimal_text(m) for m in answer.experts) + "]}"
    assert answer.value is not None
    return decimal_text(answer.value)


def note_text(note: str) -> str:
    return json.dumps(note, ensure_ascii=False)


def _top_level(root: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(root, yaml.MappingNode):
        return None
    return next(((k, v) for k, v in root.value if k.value == key), None)


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """The index just after the line break ending the line that holds `index`."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def set_entries(text: str, key: str, changes: dict[str, str | None]) -> str:
    """Set (or, with None, remove) entries of the top-level mapping `key`, given as YAML text."""
    if not changes:
        return text
    newline = "\r\n" if "\r\n" in text else "\n"
    root = yaml.compose(text, Loader=yaml.BaseLoader) if text.strip() else None
    found = _top_level(root, key) if root is not None else None
    if found is None:
        block = "".join(f"{newline}  {k}: {v}" for k, v in changes.items() if v is not None)
        if not block:
            return text
        body = text if not text or text.endswith("\n") else text + newline
        return f"{body}{key}:{block}{newline}"
    key_node, mapping = found
    existing = dict(mapping.value) if isinstance(mapping, yaml.MappingNode) else {}
    keys = {k.value: (k, v) for k, v in existing.items()}
    if not isinstance(mapping, yaml.MappingNode) or mapping.flow_style or not mapping.value:
        # Rewrite the whole value as a block: a flow mapping cannot take new lines.
        entries = {
            k.value: text[v.start_mark.index : v.end_mark.index] for k, v in existing.items()
        }
        for k, v in changes.items():
            if v is None:
                entries.pop(k, None)
            else:
                entries[k] = v
        block = "".join(f"{newline}  {k}: {v}" for k, v in entries.items()) or " {}"
        start = key_node.end_mark.index
        colon = text.index(":", start) + 1
        end = (
            mapping.end_mark.index
            if not isinstance(mapping, yaml.ScalarNode) or mapping.value
            else colon
        )
        return text[:colon] + block + text[max(end, colon) :]
    edits: list[tuple[int, int, str]] = []
    indent = next(iter(existing)).start_mark.column
    last_end = max(v.end_mark.index for v in existing.values())
    additions = []
    for k, v in changes.items():
        if k in keys:
            knode, vnode = keys[k]
            if v is None:
                start = _line_start(text, knode.start_mark.index)
                edits.append((start, _line_end(text, vnode.end_mark.index - 1), ""))
            else:
                edits.append((vnode.start_mark.index, vnode.end_mark.index, v))
        elif v is not None:
            additions.append(f"{' ' * indent}{k}: {v}{newline}")
    if additions:
        at = _line_end(text, last_end - 1) if last_end > 0 else len(text)
        prefix = "" if at == 0 or text[at - 1] == "\n" else newline
        edits.append((at, at, prefix + "".join(additions)))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def new_score_file(unit_id: str, entries: dict[str, str], notes: dict[str, str]) -> str:
    """A new score file for a unit that had none."""
    lines = [f"unit: {unit_id}", "scores:", *(f"  {k}: {v}" for k, v in entries.items())]
    if notes:
        lines += ["notes:", *(f"  {k}: {v}" for k, v in notes.items())]
    return "\n".join(lines) + "\n"
