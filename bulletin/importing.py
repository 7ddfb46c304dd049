"""Read filled score sheets back: check every cell (sheetreader.py), work out what changes,
verify it in a scratch copy, then write scores/<YEAR>/ all or nothing.
"""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

from .atomic import write_files
from .load import load_project
from .model import BEST_OF, CHOICE, DATA_FOLDERS, DRAFT, FROZEN, Answer, AppliedItem, ScoreSheet
from .scorefile import answer_text, new_score_file, note_text, set_entries
from .scoring import aggregate_marks, decimal_text
from .sheetreader import Importer, Outcome, expected, item_name, short
from .sheets import year_data


def shown_answer(item: AppliedItem, answer: Answer | None, method: str) -> str:
    if answer is None:
        return "（空）"
    if item.type in (CHOICE, BEST_OF):
        return "、".join(answer.labels) or "（未选）"
    if answer.experts:
        marks = "/".join(decimal_text(m) for m in answer.experts)
        return f"{len(answer.experts)}位专家 {marks}（计{decimal_text(aggregate_marks(answer.experts, method))}）"
    return decimal_text(answer.value or Decimal(0))


def same(a: Answer | None, b: Answer | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.value, a.labels, a.experts) == (b.value, b.labels, b.experts)


def plan_changes(imp: Importer) -> dict[str, tuple[str, dict[str, Answer | None]]]:
    """Per changed unit: the new score file text and the answers it must hold."""
    data, out = imp.data, imp.outcome
    root_rel = f"scores/{data.year.number}"
    planned: dict[str, tuple[str, dict[str, Answer | None]]] = {}
    for unit_id, unit_marks in imp.marks.items():
        unit = imp.units[unit_id]
        sheet: ScoreSheet | None = data.sheets.get(unit_id)
        answers = {item_id: imp.answer(unit, marks) for item_id, marks in unit_marks.items()}
        score_changes: dict[str, str | None] = {}
        note_changes: dict[str, str | None] = {}
        for item_id, marks in unit_marks.items():
            rows, new = marks.rows, answers[item_id]
            if marks.broken:
                continue
            if new is None and data.year.status != DRAFT:
                where = (marks.ticks or marks.singles)[0][1]
                imp.error(
                    where,
                    f"{item_name(unit, rows)}还没有打分；已发布的年度每一项都必须打分，"
                    f"{expected(rows.item) if rows.item.type != BEST_OF else '请勾选类别'}。",
                )
                continue
            old = sheet.answers.get(item_id) if sheet else None
            if not same(old, new):
                score_changes[item_id] = None if new is None else answer_text(rows.item, new)
                method = data.year.aggregate
                before, after = (
                    shown_answer(rows.item, old, method),
                    shown_answer(rows.item, new, method),
                )
                out.lines.append(
                    f"{unit.name}（{unit_id}）第{rows.number}项“{short(rows.item.title)}”：{before} → {after}"
                )
            note = "；".join(marks.notes) or None
            if note != (sheet.notes.get(item_id) if sheet else None):
                note_changes[item_id] = None if note is None else note_text(note)
                out.lines.append(f"{unit.name}（{unit_id}）第{rows.number}项的备注：已更新")
        if not score_changes and not note_changes:
            continue
        path = imp.data_root / root_rel / f"{unit_id}.yaml"
        if path.exists():
            raw = path.read_bytes()
            bom = raw.startswith(b"\xef\xbb\xbf")
            text = raw.decode("utf-8-sig")
            text = set_entries(set_entries(text, "scores", score_changes), "notes", note_changes)
            text = ("\ufeff" if bom else "") + text
        else:
            entries = {k: v for k, v in score_changes.items() if v is not None}
            text = new_score_file(unit_id, entries, {k: v for k, v in note_changes.items() if v})
        planned[unit_id] = (text, answers)
    return planned


def verify(
    root: Path, number: int, planned: dict[str, tuple[str, dict[str, Answer | None]]]
) -> list[str]:
    """Load the year with the new score files in a scratch copy: every file must pass `check`."""
    with tempfile.TemporaryDirectory(prefix="bulletin-import-") as scratch:
        copy = Path(scratch)
        (copy / "content").mkdir()
        shutil.copy2(root / "content" / "site.yaml", copy / "content" / "site.yaml")
        for part in DATA_FOLDERS:
            if (root / part / str(number)).is_dir():
                shutil.copytree(root / part / str(number), copy / part / str(number))
        for unit_id, (text, _) in planned.items():
            target = copy / "scores" / str(number) / f"{unit_id}.yaml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        project, report = load_project(copy, number)
        problems = [
            str(p) for p in report.errors if any(f"/{u}.yaml" in p.mark.path for u in planned)
        ]
        if problems:
            return problems
        data = next(y for y in project.years if y.year.number == number)
        for unit_id, (_, answers) in planned.items():
            sheet = data.sheets.get(unit_id)
            for item_id, answer in answers.items():
                if not same(sheet.answers.get(item_id) if sheet else None, answer):
                    return [
                        f"scores/{number}/{unit_id}.yaml: error: 写入后读回的评分项 {item_id} 与评分表不一致（内部错误）。"
                    ]
    return []


def import_workbooks(root: Path, number: int, files: list[tuple[str, Path]]) -> Outcome:
    """Check every cell of the workbooks and write the changed score files, or change nothing."""
    data = year_data(root, number)
    imp = Importer(data)
    imp.data_root = root  # type: ignore[attr-defined]
    if data.year.status == FROZEN:
        imp.error(files[0][0], f"{number} 年度已冻结（frozen），其结果不再改动，不能导入评分。")
        return imp.outcome
    for name, path in files:
        imp.read(name, path)
    imp.missing_experts()
    planned = plan_changes(imp)
    imp.outcome.units = len(imp.marks)
    if imp.outcome.problems:
        imp.outcome.lines = []
        return imp.outcome
    failures = verify(root, number, planned)
    if failures:
        imp.outcome.problems.extend(failures)
        return imp.outcome
    folder = root / "scores" / str(number)
    write_files({folder / f"{u}.yaml": text.encode("utf-8") for u, (text, _) in planned.items()})
    imp.outcome.changed = [f"scores/{number}/{u}.yaml" for u in planned]
    return imp.outcome
