"""What the command line writes: a result's output and the lines after it, a drawing,
the list of examples.  (Rendering only: ``cli.py`` declares, ``app`` computes.)"""

from __future__ import annotations

import sys

import click

from . import streams
from .document import visible
from .formats import Choice, write


def write_warnings(result) -> None:
    """The result's warnings (how its files were read), one line each on standard error."""
    for warning in result.warnings:
        _line(f"Warning: {warning}", err=True)


def write_output(result, choice: Choice) -> None:
    """The result's warnings, then its output as chosen; with -o, say where it went (on
    standard error); then the work that waited for it (drawing --plot) and the result's
    notes (the plot drawn, what was saved)."""
    write_warnings(result)
    write(result.output, choice)
    if choice.to_stdout:
        # What standard output cannot take fails here, before anything is saved or
        # drawn, and as the failure it is, not as a line after the output left out.
        sys.stdout.flush()
    if choice.path is not None:
        _line(f"Wrote {choice.path} ({choice.format}).", err=True)
    result.complete()
    for note in result.notes:
        _line(note.text, err=note.to_stderr)


def console():
    """The console a drawing is laid out for and drawn on."""
    from .render_rich import console as terminal
    return terminal()


def draw(drawing, on) -> None:
    """A ``show`` drawing (after its warnings), on the console it was laid out for."""
    from .render_rich import render
    write_warnings(drawing)
    render(drawing.sections, on, drawing.precision)


def examples_table(examples) -> None:
    """The bundled networks as a table, and how to use them."""
    from rich.table import Table
    table = Table("name", "description", title="Bundled networks", title_justify="left",
                  box=None, highlight=False)
    for example in examples:
        table.add_row(example.name, example.description)
    console().print(table)
    click.echo("Run one with `backcalc run NAME`; `--save my.yaml` keeps it after the "
               "update, a file of your own.")


def write_text(result) -> None:
    """``new`` and ``schema``: the file's text, or the line saying where it was written."""
    if result.path is None:
        click.echo(result.text, nl=False)
    else:
        _line(result.message)


def _line(text: str, err: bool = False) -> None:
    """A line after the output: what was written, where (a file name from the user shown
    as error lines show it: its control characters and bytes not UTF-8 escaped).

    Only a report of work done: one that standard output cannot take (closed, full, its
    reader gone; the output itself went to a file) goes to standard error instead, and
    one that neither can take is left out.  It never turns a run that did everything it
    was asked into a failure (``streams.tell``)."""
    text = visible(text)
    streams.tell(lambda stream: click.echo(text, err=stream == "stderr"),
                 ("stderr",) if err else ("stdout", "stderr"))
