"""Draw a document as one self-contained HTML page (inline style, no scripts, no links).

Tables are HTML tables with number columns right-aligned, each in a figure with its
title and notes, a section's figures side by side; ``--explain`` lines
are set in a monospaced font; the loss curve is an inline SVG.  Every piece of
text is escaped.
"""

from __future__ import annotations

from html import escape

from .curve import caption, finite_runs as _finite_runs, outline
from .document import Formula, Section, visible
from .layout import DEFAULT_MAX_ROWS, TextTable, format_line, heading, lay_out

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 110em; padding: 0 1.5em;
       color: #222; }
h1, h2, h3 { font-weight: 600; }
h3 { font-size: 1.05em; margin-top: 1.6em; }
div.tables { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 0.2em 3em; }
figure { margin: 0.6em 0 0.3em; max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; padding-bottom: 0.3em; }
table { border-collapse: collapse; }
th, td { padding: 0.15em 0.8em; border-bottom: 1px solid #ddd; }
th { text-align: left; border-bottom: 2px solid #999; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.elided td { color: #777; text-align: center; }
p.formula { font-family: ui-monospace, monospace; margin: 0.2em 0; }
p.note { color: #666; font-size: 0.9em; margin: 0.3em 0 0; max-width: 48em; }
svg { margin: 0.5em 0; }
"""
"""Each table is a figure, its title the figcaption (a table's own caption would wrap to
the table's width), a section's tables side by side as far as the page is wide."""

SVG_WIDTH, SVG_HEIGHT, SVG_MARGIN = 640, 240, 70


def render(sections: list[Section], precision: int, max_rows: int | None = DEFAULT_MAX_ROWS,
           title: str = "backcalc") -> str:
    body: list[str] = []
    for section in sections:
        tag = "h2" if section.level == 1 else "h3"
        body.append(f"<section>\n<{tag}>{escape(heading(section))}</{tag}>")
        for line in section.lines:
            formula = any(isinstance(part, Formula) for part in line)
            css = ' class="formula"' if formula else ""
            body.append(f"<p{css}>{escape(format_line(line, precision, max_rows))}</p>")
        if section.tables:
            body.append('<div class="tables">')
            body += [_table(lay_out(table, precision, max_rows)) for table in section.tables]
            body.append("</div>")
        if section.chart is not None:
            body.append(_svg(section.chart) if section.chart.drawable else
                        f'<p class="note">{escape(caption(section.chart, BAND))}</p>')
        body.append("</section>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(visible(title))}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _table(table: TextTable) -> str:
    def css(index: int) -> str:
        return ' class="num"' if table.numeric[index] else ""
    out = [f"<figure>\n<figcaption>{escape(table.title)}</figcaption>\n<table>"]
    if table.has_header:
        out.append("<thead><tr>" + "".join(f"<th{css(i)}>{escape(c)}</th>"
                                            for i, c in enumerate(table.columns)) + "</tr></thead>")
    out.append("<tbody>")
    for position, row in enumerate(table.rows):
        if position in table.marker_rows:
            out.append(f'<tr class="elided"><td colspan="{len(table.columns)}">'
                       f"{escape(row[0])}</td></tr>")
            continue
        out.append("<tr>" + "".join(f"<td{css(i)}>{escape(row[i] if i < len(row) else '')}</td>"
                                    for i in range(len(table.columns))) + "</tr>")
    out.append("</tbody>\n</table>")
    for note in ([table.caption] if table.caption else []) + table.notes:
        out.append(f'<p class="note">{escape(note)}</p>')
    out.append("</figure>")
    return "\n".join(out)


BAND = "where losses go up and down, the shaded band spans each column's lowest to highest"


def _svg(history) -> str:
    points, low, high = outline(history)
    w, h, m = SVG_WIDTH, SVG_HEIGHT, SVG_MARGIN
    plot_w, plot_h = w - m - 10, h - 40

    def xy(x: float, y: float) -> str:
        return f"{m + x * plot_w:.1f},{10 + (1 - y) * plot_h:.1f}"
    shapes = []
    for run in _finite_runs(points):          # a line (and band) per run of finite losses
        if any(lo != hi for _, lo, hi in run):
            band = [xy(x, hi) for x, _, hi in run] + [xy(x, lo) for x, lo, _ in reversed(run)]
            shapes.append(f'<polygon points="{" ".join(band)}" fill="#9bd" stroke="none"/>')
        line = " ".join(xy(x, lo) for x, lo, _ in run)
        shapes.append(f'<polyline points="{line}" fill="none" stroke="#136" stroke-width="1.5"/>')
    for x, lo, _ in points:
        if lo is None:                        # infinite or undefined: a mark at the top
            shapes.append(f'<text x="{m + x * plot_w:.1f}" y="20" text-anchor="middle" '
                          f'font-size="12" fill="#a00">×</text>')
    first = history.iteration_of(1)
    last = history.iteration_of(history.seen)
    text = escape(caption(history, BAND))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
            f'viewBox="0 0 {w} {h}" role="img" aria-label="{text}">\n<title>{text}</title>\n'
            f'<rect x="{m}" y="10" width="{plot_w}" height="{plot_h}" fill="none" stroke="#999"/>\n'
            + "\n".join(shapes) + "\n"
            f'<text x="{m - 6}" y="16" text-anchor="end" font-size="12">{high:.4g}</text>\n'
            f'<text x="{m - 6}" y="{10 + plot_h}" text-anchor="end" font-size="12">'
            f'{low:.4g}</text>\n'
            f'<text x="{m}" y="{h - 12}" font-size="12">{first}</text>\n'
            f'<text x="{m + plot_w}" y="{h - 12}" text-anchor="end" font-size="12">{last}</text>\n'
            f'<text x="{m + plot_w / 2}" y="{h - 12}" text-anchor="middle" font-size="12">'
            f'iteration{" (log scale)" if history.log_scale else ""}</text>\n</svg>\n'
            f'<p class="note">{text}</p>')
