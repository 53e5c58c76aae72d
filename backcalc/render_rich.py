"""Draw a report (``report.Section``s) in the terminal with rich.

Numbers are never shortened: a table too wide for the terminal is split into
several, each repeating the first (label) column.  Every piece of text from the
user (names, descriptions) is drawn as plain text, never read as rich markup.
"""

from __future__ import annotations

import numbers

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from .numbers import format_number
from .report import Section, Table

MAX_ROWS = 60
"""Longer tables show their first and last rows; every value is in ``--format json``."""

PADDING = 3   # each column's left and right padding, and the divider between columns
EDGES = 1     # the box's two outer edges, less the last column's divider


def format_part(part, precision: int) -> str:
    """One cell or line part as text (see ``report.Cell`` and ``report.Line``)."""
    if part is None:
        return ""
    if isinstance(part, str):
        return part
    if isinstance(part, numbers.Real):
        return format_number(part, precision)
    if hasattr(part, "text"):                       # an explained formula (explain.Formula)
        return part.text(precision)
    if isinstance(part, tuple):
        label, value = part
        return f"{label} = {format_part(value, precision)}"
    if all(isinstance(p, numbers.Real) for p in part):
        return "(" + ", ".join(format_number(p, precision) for p in part) + ")"
    return "; ".join(format_part(p, precision) for p in part)


def format_line(parts, precision: int) -> str:
    return "".join(format_part(p, precision) for p in parts)


def render(sections: list[Section], console: Console, precision: int) -> None:
    for section in sections:
        console.print()
        console.rule(Text(section.title, style="bold"), align="left")
        for line in section.lines:
            console.print(Text(format_line(line, precision)))
        for table in section.tables:
            for part in _tables(table, precision, console.width):
                console.print(part)
            if table.caption:
                # Below the table rather than as rich's caption, which wraps at table width.
                console.print(Text(format_line(table.caption, precision), style="dim"))


def _text_rows(table: Table, precision: int) -> list[list[str]]:
    rows = table.rows
    if len(rows) > MAX_ROWS:
        head, tail = rows[: MAX_ROWS - 10], rows[-10:]
        skipped = len(rows) - len(head) - len(tail)
        marker = [f"… {skipped} rows not shown (all are in --format json)"]
        rows = head + [marker + [None] * (len(table.columns) - 1)] + tail
    return [[format_part(cell, precision) for cell in row] for row in rows]


def _column_groups(table: Table, rows: list[list[str]], width: int) -> list[list[int]]:
    """Columns 1… in groups that fit ``width`` beside column 0 (prose tables: one group)."""
    count = len(table.columns)
    if table.prose or count <= 2:
        return [list(range(1, count))]
    widths = [_needed_width(table, rows, i) + PADDING for i in range(count)]
    width -= EDGES
    groups, current, used = [], [], widths[0]
    for index in range(1, count):
        if current and used + widths[index] > width:
            groups.append(current)
            current, used = [], widths[0]
        current.append(index)
        used += widths[index]
    groups.append(current)
    return groups


def _is_numeric(table: Table, index: int) -> bool:
    return index > 0 and any(isinstance(row[index], numbers.Real) for row in table.rows
                             if len(row) > index)


def _needed_width(table: Table, rows: list[list[str]], index: int) -> int:
    """A number column needs its widest cell; a text column may wrap between words."""
    cells = [table.columns[index]] + [r[index] for r in rows if len(r) > index]
    if _is_numeric(table, index) or index == 0:
        return max(cell_len(cell) for cell in cells)
    return max(cell_len(word) for cell in cells for word in cell.split() or [""])


def _tables(table: Table, precision: int, width: int) -> list[RichTable]:
    rows = _text_rows(table, precision)
    groups = _column_groups(table, rows, width)
    parts = []
    for number, group in enumerate(groups):
        title = table.title if number == 0 else f"{table.title} (continued)"
        parts.append(_rich_table(table, rows, [0] + group, title))
    return parts


def _rich_table(table: Table, rows: list[list[str]], columns: list[int],
                title: str) -> RichTable:
    show_header = any(table.columns)
    rich_table = RichTable(title=Text(title), title_justify="left", min_width=cell_len(title),
                           box=box.SIMPLE_HEAD if show_header else None,
                           show_header=show_header, highlight=False)
    for index in columns:
        numeric = _is_numeric(table, index)
        wrap = index > 0 and not numeric           # text may wrap; numbers are never cut
        rich_table.add_column(Text(table.columns[index]), justify="right" if numeric else "left",
                              no_wrap=not wrap, overflow="fold")
    for row in rows:
        rich_table.add_row(*(Text(row[i]) if i < len(row) else Text("") for i in columns))
    return rich_table
