"""Draw a document (``document.Section``s) in the terminal with rich.

Numbers are never shortened: a table too wide for the terminal is split into
several, each repeating the first (label) column.  Every piece of text from the
user (names, descriptions) is drawn as plain text, never read as rich markup.
Colour and bold come only on a terminal (rich leaves them out when the output
is piped, and leaves colour out under NO_COLOR).

What rich would draw is laid out here and handed to rich as one styled text, or,
when there are no styles to draw (a file, a pipe), written as it is: rich's
general layout of a table costs milliseconds, and a run's tables were most of
`backcalc run`'s time.  The layout is rich's own, to the character (its width
rules, its padding, its box, its word wrapping); whatever this module does not
lay out the same way (a title rich would truncate, control characters, a table
squeezed beyond its text columns) rich draws itself.  Only rich's public API is
used here; the two rules of rich's layout that have no public form are called
through ``rich_adapter``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from .document import Styled
from .layout import (
    DEFAULT_MAX_ROWS,
    TextTable,
    column_groups,
    fit_width,
    format_line,
    heading,
    lay_out,
)
from .rich_adapter import collapse_widths, distribute

if TYPE_CHECKING:
    from rich.table import Table as RichTable

    from .document import Section

PADDING = 3   # each column's left and right padding, and the divider between columns
EDGES = 1     # the box's two outer edges, less the last column's divider


def console(file=None, terminal: bool | None = None) -> Console:
    """The console every command draws on: no highlighting of numbers, never too narrow
    to draw a table nor wider than ``layout.MAX_WIDTH`` (``layout.fit_width``),
    ``terminal=False`` for a file (no escape codes even under FORCE_COLOR)."""
    drawn = Console(file=file, highlight=False, force_terminal=terminal)
    width = drawn.width
    if width != fit_width(width):
        drawn.width = fit_width(width)
    return drawn


def render(sections: list[Section], console: Console, precision: int,
           max_rows: int | None = DEFAULT_MAX_ROWS) -> None:
    out = _Writer(console)
    for section in sections:
        out.line("")
        out.rule(heading(section))
        for line in section.lines:
            if any(isinstance(part, Styled) for part in line):
                out.styled(line, precision)
            else:
                out.text(format_line(line, precision, max_rows))
        for table in section.tables:
            text_table = lay_out(table, precision, max_rows)
            for part in _tables(text_table, out):
                out.add(part)
            # Below the table rather than as rich's caption, which wraps at table width.
            for note in ([text_table.caption] if text_table.caption else []) + text_table.notes:
                out.text(note, "dim")
        if section.chart is not None:
            from .curve import caption, text_chart
            for chart_line in text_chart(section.chart, out.width):
                out.line(chart_line)
            out.text(caption(section.chart), "dim")
        out.flush()


Piece = tuple   # (text, style or None): laid-out output, lines separated by "\n"


class _Writer:
    """Gathers laid-out pieces for rich to draw at once as one ``Text`` (``flush``), or,
    with no styles to draw, to write as they are; what it cannot lay out as rich would
    is printed by rich in its turn."""

    def __init__(self, console: Console):
        self.console = console
        # Read once: rich asks the terminal for its size on every reading.  (Never wider
        # than layout.MAX_WIDTH, whatever console it is given.)
        self.width = min(console.width, fit_width(console.width))
        options = console.options
        self.ascii_only = options.ascii_only
        self.box = box.SIMPLE_HEAD.substitute(options, safe=console.safe_box)
        # No colour system: rich would draw no style, only the characters.
        self.plain = console.color_system is None and not console.record
        self.pieces: list[Piece] = []

    def line(self, text: str, style: str | None = None) -> None:
        """One line, as it is (``console.print(Text(text), overflow="ignore", crop=False)``)."""
        if not _plain(text):
            self.print(Text(text, style=style or ""), overflow="ignore", crop=False)
            return
        self.add([(text, style)])

    def text(self, text: str, style: str | None = None) -> None:
        """A line that rich would word-wrap if it were too long (``console.print(Text)``)."""
        if _plain(text) and cell_len(text) <= self.width and text == text.rstrip():
            self.add([(text, style)])
        else:
            self.print(Text(text, style=style or ""))

    def styled(self, parts: list, precision: int) -> None:
        """A line of parts, each ``Styled`` one in its style, as one line (a drawing's:
        laid out to fit, never wrapped); one rich cannot take as it is goes as ``text``."""
        pieces = [(part.text, part.style) if isinstance(part, Styled) else
                  (format_line([part], precision), None) for part in parts]
        whole = "".join(text for text, _ in pieces)
        if not _plain(whole) or cell_len(whole) > self.width or whole != whole.rstrip():
            self.text(format_line(parts, precision))
            return
        self.add(pieces)

    def rule(self, title: str) -> None:
        """``console.rule(Text(title, style="bold"), align="left")``."""
        if not _plain(title) or cell_len(title) > self.width - 2:
            self.flush()
            self.console.rule(Text(title, style="bold"), align="left")
            return
        line = "-" if self.ascii_only else "─"
        self.add([(title, "bold"), (" ", None),
                  (line * (self.width - cell_len(title) - 1), "rule.line")])

    def add(self, part) -> None:
        """Laid-out lines (pieces), or a renderable for rich."""
        if isinstance(part, list):
            if self.pieces:
                self.pieces.append(("\n", None))
            self.pieces += part
        else:
            self.print(part)

    def print(self, renderable, **options) -> None:
        self.flush()
        self.console.print(renderable, **options)

    def flush(self) -> None:
        if not self.pieces:
            return
        if self.plain:
            self.console.file.write("".join(text for text, _ in self.pieces) + "\n")
        else:
            self.console.print(Text.assemble(*self.pieces, no_wrap=True, overflow="ignore"),
                               no_wrap=True, overflow="ignore", crop=False)
        self.pieces = []


def _tables(table: TextTable, out: _Writer) -> list:
    """The table as parts that fit the console: laid-out pieces, or a rich ``Table``."""
    groups = column_groups(table, out.width - EDGES, PADDING)
    parts = []
    for number, group in enumerate(groups):
        title = table.title if number == 0 else f"{table.title} (continued)"
        columns = [0] + group
        parts.append(_laid_out(table, columns, title, out)
                     or _rich_table(table, columns, title))
    return parts


def _plain(text: str, width: int | None = None) -> bool:
    """Text that rich's ``Text`` draws as it is: no control characters (which it strips
    or expands), nothing it would split into lines, not all of zero width (``width``:
    its width in cells, when known)."""
    return (text.isprintable() or all(" " <= ch != "\x7f" for ch in text)) and \
        ((cell_len(text) if width is None else width) > 0 or not text)


def _laid_out(table: TextTable, columns: list[int], title: str, out: _Writer):
    """What ``_rich_table`` draws, as pieces (header cells in rich's header style), or
    None where rich's own layout is needed.

    Rich's rules for these tables: each column as wide as its widest cell plus a space
    each side; too wide for the console, the text columns narrowed
    (``rich_adapter.collapse_widths``) and their cells word-wrapped (``Text.wrap``); if
    the title is wider than the table, the difference spread over the columns in
    proportion to their widths (``min_width``, ``rich_adapter.distribute``); numbers
    right-justified (rstripped), text left; with a header, the box's edges and dividers
    around the cells, its top and bottom rows, and a rule under the header; every line
    as wide as the table."""
    header = table.has_header
    count = len(columns)
    heads = [table.columns[i] for i in columns]
    rows = ([heads] if header else []) + [[row[i] if i < len(row) else "" for i in columns]
                                          for row in table.rows]
    right = [table.numeric[i] for i in columns]
    # Rich word-wraps the title and text columns (not column 0, not numbers), and may
    # strip their trailing spaces, counting characters rather than cells.
    wrapping = [k > 0 and not right[k] for k in range(count)]
    sizes = [[cell_len(t) for t in row] for row in rows]
    if not rows or not _plain(title) or title != title.rstrip() or not all(
            _plain(t, n) and (not wrapping[k] or t == t.rstrip())
            for row, row_sizes in zip(rows, sizes)
            for k, (t, n) in enumerate(zip(row, row_sizes))):
        return None
    widths = [max(row_sizes[k] for row_sizes in sizes) + 2    # rich's padding (0, 1)
              for k in range(count)]
    extra = count + 1 if header else 0                        # the box's edges and dividers
    room = out.width - extra
    if sum(widths) > room:
        natural = widths
        widths = collapse_widths([min(w, room) for w in widths], wrapping, room)
        if sum(widths) > room or min(widths) < 3 or any(
                w < n for w, n, wraps in zip(widths, natural, wrapping) if not wraps):
            return None                       # rich squeezes, or crops, every column
    title_width = cell_len(title)
    if sum(widths) < title_width - extra:                     # Table(min_width=title width)
        spread = min(title_width - extra, room) - sum(widths)
        widths = [w + pad for w, pad in zip(widths, distribute(spread, widths))]
    width = sum(widths) + extra
    if title_width > width:
        return None                                           # rich wraps the title

    def cell(text: str, size: int, k: int) -> list[str]:
        """The cell's lines, each as wide as its column."""
        space = widths[k] - 2 - size
        if right[k]:
            stripped = text.rstrip()
            if stripped != text:
                text, space = stripped, widths[k] - 2 - cell_len(stripped)
            return [" " * (space + 1) + text + " "]
        if space < 0:                                         # (only in a text column)
            return [f" {line.plain} " for line in Text(text).wrap(
                out.console, widths[k] - 2, justify="left", overflow="fold")]
        return [" " + text + " " * (space + 1)]

    def lines_of(number: int) -> list[list[str]]:
        """Row ``number``'s lines, cell by cell; short cells filled with blank lines (at
        their bottom, or at their top in the header row)."""
        drawn = [cell(t, n, k) for k, (t, n) in enumerate(zip(rows[number], sizes[number]))]
        height = max(len(c) for c in drawn)
        if height == 1:
            return [[c[0] for c in drawn]]
        top = not (header and number == 0)
        blank = [[" " * widths[k]] * (height - len(c)) for k, c in enumerate(drawn)]
        drawn = [c + b if top else b + c for c, b in zip(drawn, blank)]
        return [[c[n] for c in drawn] for n in range(height)]

    lines = [title + " " * (width - title_width)] if title else []
    if not header:
        lines += ["".join(line) for number in range(len(rows)) for line in lines_of(number)]
        return [("\n".join(lines), None)]
    drawn = out.box
    lines.append(drawn.get_top(widths))
    pieces: list[Piece] = [("\n".join(lines) + "\n", None)]
    for number, line in enumerate(lines_of(0)):
        pieces.append((("\n" if number else "") + drawn.head_left, None))
        for k, part in enumerate(line):
            pieces.append((part, "table.header"))
            pieces.append((drawn.head_vertical if k < count - 1 else drawn.head_right, None))
    lines = ["", drawn.get_row(widths, "head", edge=True)]
    for number in range(1, len(rows)):
        left, divider, end = ((drawn.foot_left, drawn.foot_vertical, drawn.foot_right)
                              if number == len(rows) - 1 else
                              (drawn.mid_left, drawn.mid_vertical, drawn.mid_right))
        lines += [left + divider.join(line) + end for line in lines_of(number)]
    lines.append(drawn.get_bottom(widths))
    pieces.append(("\n".join(lines), None))
    return pieces


def _rich_table(table: TextTable, columns: list[int], title: str) -> RichTable:
    from rich.table import Table as RichTable
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
