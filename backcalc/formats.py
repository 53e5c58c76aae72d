"""The output formats, one registry: each turns a command's ``Output`` into text.

A command describes what it shows once, as an ``Output``: its report sections
(drawn by the table formats), its JSON document and its CSV rows, each built
only when the chosen format asks for it.  ``write`` sends the text to standard
output or, with ``-o FILE``, to a file written atomically (``savefile.write_file``).
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .limits import DEFAULT_MAX_ROWS
from .places import STATE_SHOWN, same_file, state_file
from .reading import check_usable_name

DOCUMENT_FORMATS = ("json", "csv", "gradescope")
"""The formats that are documents of every value, for programs to read: they hold every
step of a run, and no progress bar is drawn beside them."""


@dataclass
class Output:
    """What a command shows; the callables build each form on demand."""

    title: str
    sections: Callable[[], list]                          # the document: Sections
    document: Callable[[], dict]                          # SPEC's JSON
    csv: Callable[[], tuple[list[str], Iterable[list]]]   # columns, rows


@dataclass
class Choice:
    """How the user asked to see it: --format, --precision, --max-rows, -o, --fragment."""

    format: str = "table"
    precision: int = 9
    max_rows: int | None = DEFAULT_MAX_ROWS    # None: every row and column
    path: Path | None = None
    fragment: bool = False
    force: bool = False

    def __post_init__(self) -> None:
        if self.path is not None:
            self.path = file_name(self.path)  # from Python, a path given as text

    @property
    def to_stdout(self) -> bool:
        return self.path is None


def _table(output: Output, choice: Choice, stream) -> None:
    from .render_rich import console, render
    # A file (-o) never gets escape codes, even under FORCE_COLOR.
    terminal = None if choice.to_stdout else False
    render(output.sections(), console(stream, terminal), choice.precision, choice.max_rows)


def _json(output: Output, choice: Choice, stream) -> None:
    from .jsonout import dumps
    stream.write(dumps(output.document()) + "\n")


def _markdown(output: Output, choice: Choice, stream) -> None:
    from .render_markdown import render
    stream.write(render(output.sections(), choice.precision, choice.max_rows))


def _latex(output: Output, choice: Choice, stream) -> None:
    from .render_latex import render
    stream.write(render(output.sections(), choice.precision, choice.max_rows,
                        fragment=choice.fragment, title=output.title))


def _csv(output: Output, choice: Choice, stream) -> None:
    from .csvout import write
    columns, rows = output.csv()
    write(stream, columns, rows)


def _html(output: Output, choice: Choice, stream) -> None:
    from .render_html import render
    stream.write(render(output.sections(), choice.precision, choice.max_rows,
                        title=output.title))


@dataclass
class Format:
    """An output format: the function writing it, and a line of help."""

    write: Callable[[Output, Choice, object], None]
    help: str


FORMATS = {
    "table": Format(_table, "tables in the terminal"),
    "json": Format(_json, "one JSON document with every value (SPEC's shape)"),
    "markdown": Format(_markdown, "Markdown tables (GitHub, notebooks)"),
    "latex": Format(_latex, "a LaTeX document (--fragment: its body only) for pdflatex"),
    "csv": Format(_csv, "one row per value, for spreadsheets"),
    "html": Format(_html, "one self-contained HTML page"),
}


GRADESCOPE = "gradescope"
COMMAND_FORMATS = {
    GRADESCOPE: Format(_json, "check only: a Gradescope autograder's results.json"),
}
"""Formats of one command only (not offered by the others): their ``Output.document`` is
the command's document in that format."""


def format_named(name: str) -> Format:
    """The format of that name, of every command's or of one command's."""
    return FORMATS[name] if name in FORMATS else COMMAND_FORMATS[name]


def file_name(given, option: str = "-o") -> Path:
    """The name of a file to write, as a Path.  A name ending in a slash is a folder's:
    refused, as Path would drop the slash and the file would be written under the
    folder's name."""
    text = os.fsdecode(given)
    if text.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep)):
        raise InputError(f"{option} needs a file name, found a folder's name (it ends in "
                         f"{text[-1]}); name the file in it, such as {text}out", file=text)
    return Path(given)


def check_target(path: Path | None, force: bool, inputs: Iterable[Path | None],
                 option: str = "-o", outputs: dict | None = None) -> None:
    """Refuse an output file that is one of the inputs, another of the command's outputs
    (``{option: path}``), the saved state (whatever the command), a link or anything but
    a regular file, or exists already without --force.  Names are compared as files
    (``places.same_file``: never an error of its own, a hard link counts as the file).

    Checked before any work is done, so a refused file name costs nothing; the writer
    (``savefile.write_file``) checks again when it writes, and creates the file
    exclusively without --force, so a file that appeared meanwhile is not replaced.
    """
    if path is None:
        return
    shown = str(path)
    check_usable_name(path, shown)
    for other, other_path in (outputs or {}).items():
        if other_path is not None and same_file(other_path, path):
            raise InputError(f"{option} and {other} name the same file; give each its own",
                             file=shown)
    if same_file(path, state_file()):   # whatever the command: the state is run and step's
        raise InputError(f"{option} would overwrite backcalc's saved state ({STATE_SHOWN}); "
                         "choose another name", file=shown)
    for source in inputs:
        if source is not None and same_file(source, path):
            raise InputError(f"{option} would overwrite an input file; choose another name",
                             file=shown)
    from .savefile import refuse_unsafe_target
    refuse_unsafe_target(path, option)      # a link, a folder, a device: never, even --force
    if path.exists() and not force:
        raise InputError(f"{option} would overwrite an existing file; choose a new name, or "
                         "add --force to replace it", file=shown)


def write(output: Output, choice: Choice) -> None:
    """The output in the chosen format, to standard output or the -o file."""
    writer = format_named(choice.format).write
    if choice.path is None:
        writer(output, choice, sys.stdout)
        return
    from .savefile import write_file
    buffer = io.StringIO()
    writer(output, choice, buffer)
    write_file(choice.path, buffer.getvalue(), replace=choice.force, option="-o")
