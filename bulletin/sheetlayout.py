"""Where everything sits on a unit's score sheet: shared by `sheets` (writing) and `import`."""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from .model import BEST_OF, CHOICE, AppliedItem, Dimension, Rubric, Unit

GUIDE_SHEET = "填表说明"  # the first sheet of every workbook
TITLE_ROW, INFO_ROW, HELP_ROW, HEADER_ROW = 1, 2, 3, 4
FIRST_BODY_ROW = 5
NUMBER_COL, TITLE_COL, POINTS_COL, RULE_COL, SCORE_COL = 1, 2, 3, 4, 5
TICKS = ("√", "✓", "✔", "是")
TICK = "√"
NOT_TICKED = ("", "否", "×")


@dataclass(frozen=True, slots=True)
class Columns:
    """The columns of a sheet: the group's mark, one per expert slot, the note, the item id."""

    slots: tuple[int, ...]

    def expert(self, slot: int) -> int:
        return SCORE_COL + 1 + self.slots.index(slot)

    @property
    def note(self) -> int:
        return SCORE_COL + 1 + len(self.slots)

    @property
    def item_id(self) -> int:
        return self.note + 1

    @property
    def last(self) -> int:
        return self.item_id


@dataclass(frozen=True, slots=True)
class ItemRows:
    """One item on a sheet: its row and, for a best-of item, one row per option below it."""

    item: AppliedItem
    dimension: Dimension
    number: int  # 1-based, as in the scoring table
    row: int
    option_rows: tuple[int, ...] = ()

    @property
    def multi(self) -> bool:
        """Whether each expert may give this item a mark of their own."""
        return self.item.type not in (CHOICE, BEST_OF)


@dataclass(frozen=True, slots=True)
class SheetLayout:
    dimension_rows: tuple[tuple[Dimension, int], ...]
    items: tuple[ItemRows, ...]
    signature_row: int


def layout(rubric: Rubric, unit: Unit) -> SheetLayout:
    """Lay out a unit's items in the order and under the headings of its scoring table."""
    applied = rubric.applied(unit.attributes)
    row = FIRST_BODY_ROW
    dims: list[tuple[Dimension, int]] = []
    items: list[ItemRows] = []
    number = 0
    for dimension in rubric.dimensions:
        dims.append((dimension, row))
        row += 1
        for item in dimension.items:
            number += 1
            resolved = applied[item.id]
            options: tuple[int, ...] = ()
            if resolved.type == BEST_OF:
                options = tuple(range(row + 1, row + 1 + len(resolved.options)))
            items.append(ItemRows(resolved, dimension, number, row, options))
            row += 1 + len(options)
    return SheetLayout(tuple(dims), tuple(items), row + 1)


def a1(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


CHINESE_NUMBERS = "一二三四五六七八九十"


def dimension_number(index: int) -> str:
    """一、二、… for the dimensions (十一 and beyond written as digits)."""
    return CHINESE_NUMBERS[index] if index < len(CHINESE_NUMBERS) else str(index + 1)
