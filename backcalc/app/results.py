"""What each use returns: the library's result, what to show of it, and what the
command line writes after it.

Every result shown through the formats (``run``, ``step``, ``check``,
``gradcheck``) has ``output`` and ``choice``, so it displays itself in a notebook
(``display.Displayed``), and ``warnings``, ``notes``, ``error`` and ``status`` for
the command line: the lines to write before the output and after it, the error to
report after it (a run that stopped after saving what it could), the exit status.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BackcalcError
from ..formats import Choice, Output
from .display import Displayed


@dataclass
class Note:
    """A line for the command line to write after the output."""

    text: str
    to_stderr: bool = True


@dataclass
class Shown(Displayed):
    """A result drawn through the formats."""

    output: Output
    choice: Choice
    notes: list[Note] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """How the input files were read, worth a look (``Network.warnings``): the command
    line writes each after "Warning: " on standard error, before the output."""
    error: BackcalcError | None = None       # reported after the output
    status: int = 0                          # 1: a wrong answer, a gradient mismatch
    pending: Callable[[], list[Note]] | None = None
    """Work that follows the output (drawing --plot), left by a use called with
    ``defer=True`` for a caller that shows the output first; ``complete`` does it."""

    def complete(self) -> None:
        """Do the pending work, once: its lines come first among the notes; if it fails,
        its error is the one reported, and what the notes said is not written."""
        pending, self.pending = self.pending, None
        if pending is None:
            return
        try:
            self.notes[:0] = pending()
        except BackcalcError as error:
            self.notes.clear()
            self.error = error

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.output.title}>"


@dataclass(repr=False)
class TrainingResult(Shown):
    """``run`` and ``step``: ``run`` is an ``engine.Run`` with its steps, or, for a
    quiet step, an ``engine.Outcome`` (the trained network, final loss and outputs)."""

    run: Any = None
    saved: str | None = None                 # the line saying what was saved


@dataclass(repr=False)
class CheckOutcome(Shown):
    """``check``: ``check`` is a ``check.CheckResult`` (``passed``, ``results``, …)."""

    check: Any = None


@dataclass(repr=False)
class GradcheckOutcome(Shown):
    """``gradcheck``: ``gradcheck`` is a ``gradcheck.GradcheckResult``."""

    gradcheck: Any = None


@dataclass
class Drawing:
    """``show``: the network drawn as report sections (text laid out for ``width``)."""

    network: Any
    sections: list
    precision: int
    width: int
    warnings: list[str] = field(default_factory=list)     # as ``Shown.warnings``

    def text(self) -> str:
        """The drawing as plain text, as the terminal shows it."""
        from ..render_rich import console, render
        buffer = io.StringIO()
        drawn = console(buffer, terminal=False)
        drawn.width = self.width
        render(self.sections, drawn, self.precision)
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        from html import escape  # for notebooks only: not loaded by the command line

        return f"<pre>{escape(self.text())}</pre>"

    def _repr_markdown_(self) -> str:
        return f"```text\n{self.text()}```\n"

    def __repr__(self) -> str:
        return f"<Drawing: {self.network.title}>"


@dataclass
class FileText:
    """``new`` and ``schema``: the file's text, and where it was written (None: nowhere)."""

    text: str
    path: Path | None = None
    message: str | None = None               # the line saying where it was written
    language: str = "yaml"

    def _repr_markdown_(self) -> str:
        return f"```{self.language}\n{self.text}```\n"

    def __str__(self) -> str:
        return self.text


@dataclass
class ExampleList:
    """``examples``: the bundled networks (``examples.Example``: name, path, description)."""

    examples: list

    def _repr_markdown_(self) -> str:
        from ..render_markdown import escape as md
        rows = [f"| {md(e.name)} | {md(e.description)} |" for e in self.examples]
        return "\n".join(["| name | description |", "|:---|:---|"] + rows) + "\n"

    def __iter__(self):
        return iter(self.examples)

    def __len__(self) -> int:
        return len(self.examples)
