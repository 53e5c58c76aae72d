"""Draw a report (``report.Section``s) in the terminal with rich."""

from __future__ import annotations

import numbers

from rich import box
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from .numbers import format_number
from .report import Section

MAX_ROWS = 60
"""Longer tables show their first and last rows; every value is in ``--format json``."""


def format_part(part, precision: int) -> str:
    """One cell or line part as text (see ``report.Cell`` and ``report.Line``)."""
    if part is None:
        return ""
    if isinstance(part, str):
        return part
    if isinstance(part, numbers.Real):
        return format_number(part, precision)
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
            console.print(_table(table, precision))
            if table.caption:
                # Below the table rather than as rich's caption, which wraps at table width.
                console.print(Text(format_line(table.caption, precision), style="dim"))


def _table(table, precision: int) -> RichTable:
    show_header = any(table.columns)
    rich_table = RichTable(title=table.title, title_justify="left", min_width=len(table.title),
                           box=box.SIMPLE_HEAD if show_header else None,
                           show_header=show_header, highlight=False)
    for index, name in enumerate(table.columns):
        numeric = index > 0 and any(isinstance(row[index], numbers.Real) for row in table.rows)
        rich_table.add_column(name, justify="right" if numeric else "left")
    rows = table.rows
    if len(rows) > MAX_ROWS:
        head, tail = rows[: MAX_ROWS - 10], rows[-10:]
        skipped = len(rows) - len(head) - len(tail)
        marker = [f"… {skipped} rows not shown (all are in --format json)"]
        rows = head + [marker + [""] * (len(table.columns) - 1)] + tail
    for row in rows:
        rich_table.add_row(*(format_part(cell, precision) for cell in row))
    return rich_table
