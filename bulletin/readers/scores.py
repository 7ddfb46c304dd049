"""scores/<year>/<unit>.yaml: one unit's score sheet, checked against its rubric."""

from __future__ import annotations

import difflib
from decimal import Decimal
from pathlib import Path

from ..model import (
    BEST_OF,
    CHOICE,
    DRAFT,
    Answer,
    AppliedItem,
    Evidence,
    Rubric,
    ScoreSheet,
    Unit,
    Year,
)
from ..problems import Report
from ..source import Mapping, Node, Sequence
from ..values import as_decimal, as_id, as_text, describe
from .files import check_markdown, fields, key_mark, sequence


def read_sheet(
    node: Node,
    path: Path,
    year: Year,
    units: dict[str, Unit],
    listed: set[str] | None,
    rubrics: dict[str, Rubric],
    r: Report,
) -> ScoreSheet | None:
    f = fields(node, r, "评分文件", ("unit", "scores"), ("notes", "opinion", "evidence"))
    if f is None or "unit" not in f:
        return None
    uid = as_id(f["unit"], r, "单位编号（unit）")
    if uid is None:
        return None
    if uid != path.stem:
        r.error(f["unit"].mark, f"unit 应与文件名一致：文件名是“{path.stem}”，这里写的是“{uid}”。")
        return None
    unit = units.get(uid)
    if unit is None:
        # A listed unit with errors of its own, or an unreadable list, has been reported already.
        if listed is not None and uid not in listed:
            r.error(f["unit"].mark, f"单位“{uid}”不在 {year.number} 年度的单位名单 units.yaml 中。")
        return None
    if "scores" not in f or unit.rubric not in rubrics:
        return None
    rubric = rubrics[unit.rubric]
    items = rubric.applied(unit.attributes)
    answers, complete = _answers(node, f["scores"], rubric, items, year, r)
    notes: dict[str, str] = {}
    if "notes" in f:
        n = f["notes"]
        if isinstance(n, Mapping):
            for key, value in n.entries:
                if key.text not in items:
                    r.error(
                        key.mark,
                        f"备注（notes）中的“{key.text}”不是评分标准“{rubric.id}”的评分项。",
                    )
                elif (text := as_text(value, r, f"评分项“{key.text}”的备注")) is not None:
                    notes[key.text] = text
        else:
            r.error(n.mark, f"notes 应为“评分项编号: 备注”的映射，实际是{describe(n)}。")
    opinion = (
        as_text(f["opinion"], r, "考核意见（opinion）", required=False) if "opinion" in f else None
    )
    if opinion is not None:
        opinion = check_markdown(opinion, f["opinion"].mark, r, "考核意见（opinion）")
    evidence = []
    for e in sequence(f["evidence"], r, "印证资料（evidence）") if "evidence" in f else ():
        ef = fields(e, r, "印证资料", ("title",), ("note",))
        if ef and "title" in ef and (title := as_text(ef["title"], r, "资料名称")):
            note = as_text(ef["note"], r, "资料说明", required=False) if "note" in ef else None
            evidence.append(Evidence(title, note))
    return ScoreSheet(uid, answers, complete, notes, opinion or None, tuple(evidence))


def _answers(
    node: Node, snode: Node, rubric: Rubric, items: dict[str, AppliedItem], year: Year, r: Report
) -> tuple[dict[str, Answer], bool]:
    """Every item's answer, and whether the sheet answers every item validly."""
    answers: dict[str, Answer] = {}
    if not isinstance(snode, Mapping):
        r.error(snode.mark, f"scores 应为“评分项编号: 分数”的映射，实际是{describe(snode)}。")
        return answers, False
    complete = True
    for key, value in snode.entries:
        item = items.get(key.text)
        if item is None:
            near = difflib.get_close_matches(key.text, items, n=1)
            hint = f"是否想写“{near[0]}”？" if near else f"评分项有：{'、'.join(items)}。"
            r.error(key.mark, f"评分标准“{rubric.id}”中没有评分项“{key.text}”，{hint}")
            complete = False
            continue
        answer = read_answer(value, item, year, r)
        if answer is None:
            complete = False
        else:
            answers[key.text] = answer
    missing = [i for i in items if i not in answers and snode.get(i) is None]
    if missing:
        where = key_mark(node, "scores")
        names = "、".join(f"{i}（{short_title(items[i].title)}）" for i in missing)
        if year.status == DRAFT:
            r.warning(where, f"还缺 {len(missing)} 个评分项：{names}；该单位暂按“尚未评分”显示。")
        else:
            r.error(
                where, f"缺少 {len(missing)} 个评分项：{names}；已发布的年度每个评分项都必须打分。"
            )
        complete = False
    return answers, complete


OPENINGS, PAUSES = "（([", "，、；：。,;: "  # where a title may be cut, never mid-word


def short_title(title: str, limit: int = 24) -> str:
    """An item's title for a list of many: whole, or cut before a bracket or at a comma, with “…”.

    A bracket's content is an aside, so the cut goes before the first one; otherwise at the
    last pause within the limit; a title with neither is given whole.
    """
    if len(title) <= limit:
        return title
    head = title[: limit + 1]
    opening = next((i for i, char in enumerate(head) if char in OPENINGS and i >= 6), None)
    if opening is not None:
        return title[:opening] + "…"
    cut = max((i for i, char in enumerate(head) if char in PAUSES), default=0)
    return title[:cut] + "…" if cut >= 6 else title


def read_answer(node: Node, item: AppliedItem, year: Year, r: Report) -> Answer | None:
    what = f"评分项“{item.id}”"
    if item.type == CHOICE:
        label = as_text(node, r, what + "的选项")
        if label is None or not _is_option(node, label, item, what, r):
            return None
        return Answer(labels=(label,))
    if item.type == BEST_OF:
        if not isinstance(node, Sequence):
            example = f"[{item.options[0].label}]" if item.options else "[]"
            r.error(
                node.mark,
                f"{what}是择优项，应写成选项列表，例如 {example}，没有则写 []；实际是{describe(node)}。",
            )
            return None
        labels: list[str] = []
        for n in node.items:
            label = as_text(n, r, what + "的选项")
            if label is None or not _is_option(n, label, item, what, r):
                return None
            if label in labels:
                r.error(n.mark, f"{what}的选项“{label}”重复。")
                return None
            labels.append(label)
        return Answer(labels=tuple(labels))
    if isinstance(node, Mapping):
        return _experts(node, item, year, what, r)
    value = score_value(node, item, what, r)
    return None if value is None else Answer(value=value)


def _is_option(node: Node, label: str, item: AppliedItem, what: str, r: Report) -> bool:
    if item.option_points(label) is not None:
        return True
    choices = "、".join(o.label for o in item.options)
    r.error(node.mark, f"{what}的选项“{label}”不是可选项，可选：{choices}。")
    return False


def _experts(node: Node, item: AppliedItem, year: Year, what: str, r: Report) -> Answer | None:
    f = fields(node, r, what, ("experts",))
    if f is None or "experts" not in f:
        return None
    marks_node = f["experts"]
    marks = []
    for n in sequence(marks_node, r, f"{what}的专家打分（experts）"):
        value = score_value(n, item, what + "的专家打分", r)
        if value is None:
            return None
        marks.append(value)
    if not isinstance(marks_node, Sequence):
        return None
    if not marks:
        r.error(marks_node.mark, f"{what}的专家打分（experts）至少要有一个分数。")
        return None
    if year.aggregate == "trimmed-mean" and len(marks) < 3:
        r.error(
            marks_node.mark,
            f"{what}只有 {len(marks)} 个专家打分；本年度用去掉最高分和最低分取平均（trimmed-mean），至少需要3个。",
        )
        return None
    return Answer(experts=tuple(marks))


def score_value(node: Node, item: AppliedItem, what: str, r: Report) -> Decimal | None:
    value = as_decimal(node, r, what)
    if value is None:
        return None
    text = getattr(node, "text", value)
    if value < 0:
        r.error(node.mark, f"{what}的分数 {text} 是负数，应在 0 到 {item.points} 之间。")
        return None
    if value > item.points:
        r.error(
            node.mark, f"{what}的分数 {text} 超过满分 {item.points}，应在 0 到 {item.points} 之间。"
        )
        return None
    return value
