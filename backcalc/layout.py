"""From a document's tables to text cells: formatting numbers and eliding long tables.

Every table-drawing format (the terminal, Markdown, LaTeX, HTML) goes through
``lay_out``, so each one shows the same digits and leaves out the same rows and
columns.  A table longer than ``max_rows`` keeps its first and last rows; a
table wider than ``MAX_COLUMNS`` keeps its first and last columns; a marker
stands where the others were and a note says how to see everything.  JSON and
CSV are never elided: they hold every value.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from functools import cache, lru_cache

from .document import Formula, Section, Styled, Table, Written, visible
from .limits import DEFAULT_MAX_ROWS
from .numbers import format_number

MIN_WIDTH = 40          # a narrower terminal (COLUMNS=1) is laid out as if it were this wide
MAX_WIDTH = 1000        # a wider one (COLUMNS=9999999999) as if it were this wide
TAIL_ROWS = 10          # an elided table keeps this many last rows (fewer when max_rows is small)
MAX_COLUMNS = 12        # wider tables keep their first and last columns (beside the labels)
TAIL_COLUMNS = 2
ROW_MARKER = "⋮"
COLUMN_MARKER = "…"


def fit_width(width: int) -> int:
    """A terminal's width (from ``COLUMNS``, which may say anything) within the widths
    backcalc lays its output out for, ``MIN_WIDTH`` to ``MAX_WIDTH`` characters: a line
    is never drawn wider, whatever the terminal claims."""
    return min(max(width, MIN_WIDTH), MAX_WIDTH)


def format_part(part, precision: int, max_items: int | None = None) -> str:
    """One cell or line part as text (see ``document.Cell`` and ``document.Line``); a
    vector longer than ``max_items`` keeps its first and last numbers."""
    if part is None:
        return ""
    if isinstance(part, str):
        return visible(part)
    if isinstance(part, Styled):                    # (its style: the terminal's alone)
        return visible(part.text)
    if isinstance(part, Written):                   # a student's number, as written
        return visible(part.text)
    if isinstance(part, numbers.Real):
        return format_number(float(part), precision)
    if isinstance(part, Formula):                   # a worked formula (--explain, check)
        return part.text(number_writer(precision))
    if isinstance(part, tuple):
        label, value = part
        return f"{visible(label)} = {format_part(value, precision, max_items)}"
    if all(isinstance(p, numbers.Real) for p in part):
        shown = [visible(p.text) if isinstance(p, Written) else format_number(p, precision)
                 for p in part]
        if max_items is not None and len(part) > max_items:
            head, tail = split_limit(max_items, TAIL_COLUMNS)
            shown = shown[:head] + [f"… {len(part) - head - tail} more …"] + shown[-tail:]
            return "(" + ", ".join(shown) + f"; {len(part)} values)"
        return "(" + ", ".join(shown) + ")"
    return "; ".join(format_part(p, precision, max_items) for p in part)


@cache
def number_writer(precision: int):
    """``format_number`` at ``precision``, remembering what it wrote: the numbers of worked
    formulas recur (an activation in every sum it feeds)."""
    return lru_cache(maxsize=8192)(lambda value: format_number(value, precision))


def heading(section: Section) -> str:
    """A section's title as drawn (its control characters visible, ``document.visible``)."""
    return visible(section.title)


def format_line(parts, precision: int, max_rows: int | None = None) -> str:
    """A line of text; with a row limit (``--max-rows``), long vectors are elided too."""
    max_items = MAX_COLUMNS if max_rows is not None else None
    return "".join(format_part(p, precision, max_items) for p in parts)


def split_limit(limit: int, tail: int) -> tuple[int, int]:
    """(head, tail) counts for showing at most ``limit`` items: the tail at most a third,
    and at least one when there is room for two (a table's last row is often its total)."""
    tail = min(tail, limit // 3) if limit >= 3 else min(tail, limit - 1)
    return limit - tail, tail


@dataclass
class TextTable:
    """A table ready to draw: every cell text, which columns hold numbers, what was left out."""

    title: str
    columns: list[str]
    rows: list[list[str]]
    numeric: list[bool]
    caption: str | None = None
    prose: bool = False
    notes: list[str] = field(default_factory=list)    # what was elided, and how to see it
    marker_rows: set[int] = field(default_factory=set)

    @property
    def has_header(self) -> bool:
        return any(self.columns)


def lay_out(table: Table, precision: int, max_rows: int | None = DEFAULT_MAX_ROWS) -> TextTable:
    """``table`` as text, its middle rows and columns elided beyond the limits (None: all)."""
    count = len(table.columns)
    keep_columns: list[int | None] = list(range(count))
    notes = []
    # Prose (the conventions) is never cut; column 0 labels the rows and always stays.
    row_limit = None if max_rows is None or table.prose else max(max_rows, 1)
    elide = row_limit is not None
    if elide and count - 1 > MAX_COLUMNS:
        head, tail = split_limit(MAX_COLUMNS, TAIL_COLUMNS)
        keep_columns = list(range(head + 1)) + [None] + list(range(count - tail, count))
        notes.append(f"{count - 1 - head - tail} of {count - 1} columns")
    rows: list = list(table.rows)
    marker_rows = set()
    if row_limit is not None and not table.rows_chosen and len(rows) > row_limit:
        head, tail = split_limit(row_limit, TAIL_ROWS)
        skipped = len(rows) - head - tail
        rows = rows[:head] + [None] + (rows[-tail:] if tail else [])
        marker_rows.add(head)
        notes.insert(0, f"{skipped} of {len(table.rows)} rows")
    # A column holds numbers if any shown cell is one (they are drawn right-aligned).
    flags = [i is None or (i > 0 and any(isinstance(row[i], numbers.Real)
                                         for row in rows if row is not None and len(row) > i))
             for i in keep_columns]
    text_rows = []
    for row in rows:
        if row is None:                       # where the elided rows were
            text_rows.append([f"{ROW_MARKER} {skipped} more rows"] +
                             [ROW_MARKER if flag else "" for flag in flags[1:]])
        else:
            text_rows.append([COLUMN_MARKER if i is None else
                              format_part(row[i], precision) if i < len(row) else ""
                              for i in keep_columns])
    columns = [COLUMN_MARKER if i is None else visible(table.columns[i]) for i in keep_columns]
    if notes:
        # Columns are cut at a fixed width: only --max-rows 0 shows them all.
        how = "--max-rows N shows more rows, --max-rows 0 everything" if marker_rows else \
            "--max-rows 0 shows every column"
        notes = [" and ".join(notes) + f" not shown ({how}; --format json or csv has every "
                 "value)"]
    caption = format_line(table.caption, precision, max_rows) if table.caption else None
    return TextTable(visible(table.title), columns, text_rows, flags, caption, table.prose, notes,
                     marker_rows)


def column_groups(table: TextTable, width: int, padding: int) -> list[list[int]]:
    """Columns 1… in groups that fit ``width`` characters beside column 0, each column
    taking ``padding`` more than its text (prose tables: one group, they wrap)."""
    count = len(table.columns)
    if table.prose or count <= 2:
        return [list(range(1, count))]
    widths = [_needed_width(table, i) + padding for i in range(count)]
    groups: list[list[int]] = []
    current: list[int] = []
    used = widths[0]
    for index in range(1, count):
        if current and used + widths[index] > width:
            groups.append(current)
            current, used = [], widths[0]
        current.append(index)
        used += widths[index]
    groups.append(current)
    return groups


def _needed_width(table: TextTable, index: int) -> int:
    """A number column needs its widest cell; a text column may wrap between words."""
    from rich.cells import cell_len  # (here: --format json, which imports this, needs no rich)
    cells = [table.columns[index]] + [r[index] for r in table.rows if len(r) > index]
    if table.numeric[index] or index == 0:
        return max(cell_len(cell) for cell in cells)
    return max(cell_len(word) for cell in cells for word in cell.split() or [""])
