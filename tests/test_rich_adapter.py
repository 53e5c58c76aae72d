"""``rich_adapter`` (rich's private layout rules) against what rich's public ``Table`` draws.

``render_rich`` lays tables out itself with two private rules of rich's, called
through ``rich_adapter``.  If a rich release changes or drops them, these tests
fail: the column widths the adapter computes are compared with the widths rich's
public ``Table`` draws (measured on the rendered lines), and whole tables laid out
by ``render_rich`` with what rich draws of the same table.
"""

from __future__ import annotations

import io
import random

import pytest
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from backcalc import render_rich
from backcalc.layout import TextTable
from backcalc.rich_adapter import collapse_widths, distribute

WORDS = ["a", "of", "the", "loss", "sigmoid", "gradient", "iteration", "∂L/∂w1", "δ₁⁽²⁾",
         "relu_derivative_at_zero", "x"]


def drawn_widths(columns: list[list[str]], wrapping: list[bool], width: int,
                 min_width: int | None = None) -> list[int]:
    """Each column's width (padding included) in the table rich draws: an ASCII box's
    top edge is +----+------+, one run of dashes per column (``box.ASCII2``)."""
    table = Table(box=box.ASCII2, show_header=False, padding=(0, 1), min_width=min_width)
    for wraps in wrapping:
        table.add_column(no_wrap=not wraps, overflow="fold")
    for row in zip(*columns):
        table.add_row(*row)
    out = io.StringIO()
    Console(file=out, width=width, color_system=None, legacy_windows=False).print(table)
    top = out.getvalue().splitlines()[0]
    return [len(run) for run in top.strip("+").split("+")]


def random_column(rng: random.Random, rows: int, wraps: bool) -> list[str]:
    if wraps:
        return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9)))
                for _ in range(rows)]
    return [f"{rng.uniform(-1e4, 1e4):.{rng.randint(0, 9)}f}" for _ in range(rows)]


def test_collapse_widths_is_how_rich_narrows_a_table():
    compared = narrowed = 0
    for seed in range(60):
        rng = random.Random(seed)
        count = rng.randint(2, 6)
        wrapping = [False] + [rng.random() < 0.6 for _ in range(count - 1)]
        rows = rng.randint(1, 5)
        columns = [random_column(rng, rows, wraps) for wraps in wrapping]
        natural = [max(cell_len(cell) for cell in column) + 2 for column in columns]
        for width in (40, 57, 80, 123):
            room = width - (count + 1)              # the box's edges and dividers
            widths = natural
            if sum(natural) > room:
                widths = collapse_widths([min(w, room) for w in natural], wrapping, room)
                # (beyond this rich squeezes every column, and render_rich leaves it to rich)
                if sum(widths) > room or min(widths) < 3 or any(
                        w < n for w, n, wraps in zip(widths, natural, wrapping) if not wraps):
                    continue
                narrowed += 1
            assert drawn_widths(columns, wrapping, width) == widths, (seed, width)
            compared += 1
    assert compared > 150 and narrowed > 40


@pytest.mark.parametrize("seed", range(30))
def test_distribute_is_how_rich_widens_a_table_to_its_min_width(seed):
    rng = random.Random(seed)
    count = rng.randint(1, 6)
    columns = [random_column(rng, 2, False) for _ in range(count)]
    natural = [max(cell_len(cell) for cell in column) + 2 for column in columns]
    extra = count + 1
    min_width = sum(natural) + extra + rng.randint(1, 40)
    spread = min_width - extra - sum(natural)
    expected = [w + pad for w, pad in zip(natural, distribute(spread, natural))]
    assert drawn_widths(columns, [False] * count, 200, min_width) == expected


def random_table(rng: random.Random) -> TextTable:
    """A table of the kinds reports have: labels, numbers, some text, maybe a header."""
    count = rng.randint(2, 8)
    kinds = ["label"] + [rng.choice(["number", "number", "text"]) for _ in range(count - 1)]
    header = rng.random() < 0.8
    rows = []
    for _ in range(rng.randint(1, 6)):
        row = []
        for kind in kinds:
            if kind == "number":
                row.append(f"{rng.uniform(-1e3, 1e3):.{rng.randint(0, 9)}f}")
            elif kind == "text":
                row.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 7))))
            else:
                row.append(rng.choice(WORDS))
        rows.append(row)
    columns = [rng.choice(WORDS + ["", "neuron", "∂L/∂a"]) if header else "" for _ in kinds]
    if header and not any(columns):
        columns[0] = "neuron"
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 12)))
    return TextTable(title, columns, rows, [kind == "number" for kind in kinds],
                     prose=rng.random() < 0.2)


@pytest.mark.parametrize("seed", range(60))
def test_render_rich_lays_tables_out_as_rich_draws_them(seed):
    rng = random.Random(seed)
    table = random_table(rng)
    laid_out = 0
    for width in (40, 52, 80, 100, 140):
        console = render_rich.console(io.StringIO())
        console.width = width
        out = render_rich._Writer(console)
        for number, group in enumerate(render_rich.column_groups(
                table, width - render_rich.EDGES, render_rich.PADDING)):
            columns = [0] + group
            title = table.title if number == 0 else f"{table.title} (continued)"
            pieces = render_rich._laid_out(table, columns, title, out)
            if pieces is None:
                continue                        # left to rich itself
            laid_out += 1
            drawn = io.StringIO()
            rich_console = render_rich.console(drawn, terminal=False)
            rich_console.width = width
            rich_console.print(render_rich._rich_table(table, columns, title))
            assert "".join(text for text, _ in pieces) + "\n" == drawn.getvalue(), width
    assert laid_out or not table.rows
