"""The open-data files of a year: results.json and results.csv (data contract, section 9)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from decimal import Decimal

from .scoring import UnitResult, YearResults, decimal_text
from .xlsx import neutralised

FIELDS = (
    "id",
    "name",
    "category",
    "rubric",
    "scored",
    "total",
    "rank",
    "tied",
    "grade",
    "weighted",
    "commended",
    "commendation_reason",
    "rectify",
    "rectification_reason",
)


SCORE_FIELDS = ("total", "weighted")  # left out with the subtotals and items when grades only


def unit_record(result: UnitResult, scores: bool = True) -> dict[str, object]:
    """One unit's row, with values as exact Decimals, booleans, text or None.

    Without `scores` (a year publishing grades only) it holds no score at all: the total and
    the weighted score are None and there are no subtotals or items.
    """
    record = _full_record(result)
    if not scores:
        record.update(total=None, weighted=None, dimensions={}, items={})
    return record


def _full_record(result: UnitResult) -> dict[str, object]:
    unit, score = result.unit, result.score
    return {
        "id": unit.id,
        "name": unit.name,
        "category": unit.category,
        "rubric": unit.rubric,
        "scored": result.scored,
        "total": score.total,
        "rank": result.rank,
        "tied": result.tied,
        "grade": result.grade,
        "weighted": result.weighted,
        "commended": result.commended,
        "commendation_reason": result.commendation_reason,
        "rectify": result.rectify,
        "rectification_reason": result.rectification_reason,
        "dimensions": {d.dimension.id: d.subtotal for d in score.dimensions},
        "items": {i.item.id: i.score for d in score.dimensions for i in d.items},
    }


def _value(value: object) -> str:
    """One JSON value; Decimals become numbers written from their exact decimal text."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _mapping(values: dict[str, object]) -> str:
    return (
        "{" + ", ".join(f'"{k}": {_value(v)}' for k, v in values.items()) + "}"
    )  # keys are checked ids


def record_json(result: UnitResult, scores: bool = True) -> str:
    """One unit's record as JSON text, in the field order of the data contract."""
    record = unit_record(result, scores)
    dimensions, items = record.pop("dimensions"), record.pop("items")
    assert isinstance(dimensions, dict) and isinstance(items, dict)
    fields = ", ".join(f'"{k}": {_value(v)}' for k, v in record.items())
    return f'{{{fields}, "dimensions": {_mapping(dimensions)}, "items": {_mapping(items)}}}'


Record = Callable[[UnitResult, bool], str]


def results_json(results: YearResults, record: Record = record_json) -> str:
    """The year's results.json; `record` makes each unit's text (the preview's kept one)."""
    year = results.year
    units = ",\n  ".join(record(r, not year.grades_only) for r in results.units)
    head = f'"year": {year.number}, "title": {json.dumps(year.title, ensure_ascii=False)}, "status": "{year.status}"'
    if year.grades_only:
        head += ', "publish": "grades"'
    return f'{{{head},\n "units": [\n  {units}\n ]}}\n'


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    # Text (names, reasons, grades) that a spreadsheet would run as a formula gets a quote
    # first, as OWASP advises; numbers are Decimals above and stay numbers.
    return neutralised(str(value))


def results_csv(results: YearResults, make: Callable[..., str] | None = None) -> str:
    """The same rows for spreadsheets: UTF-8 with BOM so that Excel shows Chinese correctly."""
    dimension_ids: list[str] = []
    item_ids: list[str] = []
    scores = not results.year.grades_only
    fields = FIELDS if scores else tuple(f for f in FIELDS if f not in SCORE_FIELDS)
    for rubric in results.data.rubrics.values() if scores else ():
        for d in rubric.dimensions:
            if d.id not in dimension_ids:
                dimension_ids.append(d.id)
            item_ids.extend(i.id for i in d.items if i.id not in item_ids)
    head = [*fields, *(f"dimensions.{d}" for d in dimension_ids), *(f"items.{i}" for i in item_ids)]
    make = make or line
    columns = (tuple(dimension_ids), tuple(item_ids), fields, scores)  # hashable, made once
    lines = (make(result, *columns) for result in results.units)
    return "\ufeff" + _csv_line(head) + "".join(lines)


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(cells)
    return out.getvalue()


def line(
    result: UnitResult,
    dimension_ids: Sequence[str],
    item_ids: Sequence[str],
    fields: tuple[str, ...] = FIELDS,
    scores: bool = True,
) -> str:
    """A unit's line of results.csv (the preview keeps it while the unit's result is the same)."""
    record = unit_record(result, scores)
    dims, items = record["dimensions"], record["items"]
    assert isinstance(dims, dict) and isinstance(items, dict)
    return _csv_line(
        [_cell(record[f]) for f in fields]
        + [_cell(dims.get(d)) for d in dimension_ids]
        + [_cell(items.get(i)) for i in item_ids]
    )
