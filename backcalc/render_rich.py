"""Draw a report (``report.Section``s) in the terminal with rich.

Numbers are never shortened: a table too wide for the terminal is split into
several, each repeating the first (label) column.  Every piece of text from the
user (names, descriptions) is drawn as plain text, never read as rich markup.
Colour and bold come only on a terminal (rich leaves them out when the output
is piped, and leaves colour out under NO_COLOR).
"""

from __future__ import annotations

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from .curve import caption, text_chart
from .layout import DEFAULT_MAX_ROWS, TextTable, column_groups, format_line, lay_out
from .report import Section

MIN_WIDTH = 40   # a narrower terminal (COLUMNS=1) is drawn as if it were this wide
PADDING = 3   # each column's left and right padding, and the divider between columns
EDGES = 1     # the box's two outer edges, less the last column's divider


def console(file=None, terminal: bool | None = None) -> Console:
    """The console every command draws on: no highlighting of numbers, never too narrow
    to draw a table, ``terminal=False`` for a file (no escape codes even under FORCE_COLOR)."""
    drawn = Console(file=file, highlight=False, force_terminal=terminal)
    if drawn.width < MIN_WIDTH:
        drawn.width = MIN_WIDTH
    return drawn


def render(sections: list[Section], console: Console, precision: int,
           max_rows: int | None = DEFAULT_MAX_ROWS) -> None:
    for section in sections:
        console.print()
        console.rule(Text(section.title, style="bold"), align="left")
        for line in section.lines:
            console.print(Text(format_line(line, precision, max_rows)))
        for table in section.tables:
            text_table = lay_out(table, precision, max_rows)
            for part in _tables(text_table, console.width):
                console.print(part)
            # Below the table rather than as rich's caption, which wraps at table width.
            for note in ([text_table.caption] if text_table.caption else []) + text_table.notes:
                console.print(Text(note, style="dim"))
        if section.chart is not None:
            for line in text_chart(section.chart, console.width):
                console.print(Text(line), overflow="ignore", crop=False)
            console.print(Text(caption(section.chart), style="dim"))


def _tables(table: TextTable, width: int) -> list[RichTable]:
    groups = column_groups(table, width - EDGES, PADDING)
    parts = []
    for number, group in enumerate(groups):
        title = table.title if number == 0 else f"{table.title} (continued)"
        parts.append(_rich_table(table, [0] + group, title))
    return parts


def _rich_table(table: TextTable, columns: list[int], title: str) -> RichTable:
    show_header = table.has_header
    rich_table = RichTable(title=Text(title), title_justify="left", min_width=cell_len(title),
                           box=box.SIMPLE_HEAD if show_header else None,
                           show_header=show_header, highlight=False)
    for index in columns:
        numeric = table.numeric[index]
        wrap = index > 0 and not numeric           # text may wrap; numbers are never cut
        rich_table.add_column(Text(table.columns[index]), justify="right" if numeric else "left",
                              no_wrap=not wrap, overflow="fold")
    for row in table.rows:
        rich_table.add_row(*(Text(row[i]) if i < len(row) else Text("") for i in columns))
    return rich_table
