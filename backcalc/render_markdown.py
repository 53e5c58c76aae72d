"""Draw a document as Markdown: headings, paragraphs and pipe tables.

The tables render on GitHub and in notebooks (number columns right-aligned);
the loss curve is the terminal's text chart in a code block.  Every character
Markdown would read as formatting is escaped, so names such as ``w_1`` or
``*b*`` print as written.
"""

from __future__ import annotations

import re

from .curve import caption, text_chart
from .document import Section
from .layout import DEFAULT_MAX_ROWS, TextTable, format_line, heading, lay_out

CHART_WIDTH = 80
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|~$])")


def escape(text: str) -> str:
    """Text that Markdown shows as written (a leading '- ' or '1. ' is no list either)."""
    text = _SPECIAL.sub(r"\\\1", text)
    return re.sub(r"^(\s*)([-+#]|\d+\.)(?=\s|$)", r"\1\\\2", text)


def render(sections: list[Section], precision: int,
           max_rows: int | None = DEFAULT_MAX_ROWS) -> str:
    out: list[str] = []
    for section in sections:
        out.append(f"{'#' * (section.level + 1)} {escape(heading(section))}\n")
        if section.lines:
            # A hard line break (a trailing backslash) keeps one line per line.
            lines = [escape(format_line(line, precision, max_rows)) for line in section.lines]
            out.append("\\\n".join(lines) + "\n")
        for table in section.tables:
            out.append(_table(lay_out(table, precision, max_rows)))
        if section.chart is not None:
            if section.chart.drawable:
                out.append("```text\n" + "\n".join(text_chart(section.chart, CHART_WIDTH))
                           + "\n```\n")
            out.append(f"*{escape(caption(section.chart))}*\n")
    return "\n".join(out)


def _table(table: TextTable) -> str:
    lines = [f"**{escape(table.title)}**", ""]
    header = [escape(c) or " " for c in table.columns]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "|".join("---:" if numeric else ":---" for numeric in table.numeric) + "|")
    for row in table.rows:
        cells = [escape(row[i]) if i < len(row) else "" for i in range(len(table.columns))]
        lines.append("| " + " | ".join(cells) + " |")
    notes = ([table.caption] if table.caption else []) + table.notes
    if notes:
        lines += [""] + [f"*{escape(note)}*" for note in notes]
    return "\n".join(lines) + "\n"
