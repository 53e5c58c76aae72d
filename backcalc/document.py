"""The document every output format draws: sections of lines and tables, formulas as tokens.

The builders (``report``, ``drawing``, ``explain``, ``check_report``, ``gradcheck``)
produce it; the renderers (``render_rich``, ``render_markdown``, ``render_latex``,
``render_html``) take only it, through ``layout``.  It imports neither NumPy, nor
the engine, nor rich, so drawing a document never loads them.

A table cell or a part of a line is text, a number (written when drawn, at the
precision chosen), nothing (None), a (label, number) pair shown as
'label = number', a vector (a list of numbers), or, in a line, a ``Formula``.

A formula is a list of tokens: ``Symbol`` (a letter or word with a subscript, a
superscript, an accent: z₁⁽¹⁾, σ′, m̂), ``Number``, ``Op`` (operators and brackets),
``Text`` (words, digits, a user's names), ``Sup`` (a superscript after what comes
before it: the ² of a²) and ``Power`` (an exponent written with a caret: e^z).
``plain`` writes tokens as the Unicode text the terminal, Markdown and HTML show;
LaTeX writes each token as LaTeX.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .curve import LossHistory

Cell = str | float | None | tuple | list
"""A table cell: text, a number, nothing, (label, number) shown as 'label = number', or
a list of vectors (a cell of several outputs)."""

Line = list
"""A line of text as parts: strings, numbers, (label, number) pairs, vectors (lists) and
``Formula``s."""


@dataclass
class Table:
    """A table of a report: columns, rows of cells, a caption."""

    title: str
    columns: list[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)    # read, never changed
    caption: Line | None = None
    prose: bool = False     # text that may wrap (else never cut: split when too wide)
    rows_chosen: bool = False   # its rows were already thinned by the caller: no more elision


@dataclass
class Section:
    """A part of a report: a heading, lines of text, tables, perhaps a chart."""

    title: str
    lines: list[Line] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    level: int = 1          # 1: a part of the run; 2: a part of one step
    chart: LossHistory | None = None    # the loss curve, drawn after the lines


# --- text from the user ---------------------------------------------------------------

_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_JOINERS = "\u200c\u200d"
"""Format characters that only join or part letters (Persian, Indic scripts, emoji): kept."""


def visible(text: str) -> str:
    """``text`` with every control character (C0 but the tab, DEL, C1), line break and
    invisible format character (Unicode's Cf: the bidirectional overrides such as U+202E,
    which reorder what follows, zero-width spaces, U+FEFF; not the joiners) written as its
    escape, ``\\x1b``, ``\\r``, ``\\u2028``, ``\\u202e``: a name or description from the
    user's file can neither move the terminal's cursor, change its colours, break a heading
    or a table row, nor show other text than it holds, in the terminal or in a file (-o).
    Other text (σ, é, 中文) is kept as it is.  A byte of a file name that is not UTF-8
    (kept by Python as a lone surrogate, which no stream or file can encode) is written as
    that byte's escape, ``\\xe9``.

    Applied where a renderer reads the document's text (``layout``: cells, lines,
    titles, column heads, a formula's names), to error lines (``cli``) and to the lines
    after the output (``terminal``), the same way.  Text already visible comes back
    unchanged."""
    if text.isprintable():                      # (the common case, at C speed; Cf is not)
        return text
    return "".join(_escape(ch) if _hidden(ch) else ch for ch in text)


def _hidden(ch: str) -> bool:
    code = ord(ch)
    return (ch in _BREAKS or (code < 32 and ch != "\t") or 127 <= code <= 159
            or 0xD800 <= code <= 0xDFFF
            or (code > 159 and ch not in _JOINERS and unicodedata.category(ch) == "Cf"))


def _escape(ch: str) -> str:
    if 0xDC80 <= ord(ch) <= 0xDCFF:             # a byte not UTF-8, as surrogateescape keeps it
        return f"\\x{ord(ch) - 0xDC00:02x}"
    return ch.encode("unicode_escape").decode("ascii")


# --- formulas ----------------------------------------------------------------------

SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUPERSCRIPTS = str.maketrans("0123456789+()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁽⁾")
HAT = "\u0302"          # a combining circumflex: m̂


@dataclass(frozen=True)
class Symbol:
    """A name as mathematics writes it: z₁⁽¹⁾ is ``Symbol("z", "1", "(1)")``, σ′ is
    ``Symbol("σ", sup="′")``, m̂ is ``Symbol("m", accent="hat")``."""

    letter: str             # a letter (Latin or Greek) or a word (tanh)
    sub: str = ""           # digits
    sup: str = ""           # digits, + ( ) or ′
    accent: str = ""        # "" or "hat"


@dataclass(frozen=True)
class Number:
    """A value, written at the precision chosen; a negative one in parentheses unless
    ``bare`` (it opens its formula or a bracket, or stands alone)."""

    value: float
    bare: bool = False


@dataclass(frozen=True)
class Op:
    """An operator or bracket as written, with the spaces around it: ' + ', '·', '('."""

    text: str


@dataclass(frozen=True)
class Text:
    """Words, digits and names as written (a user's weight name, 'ln', '1')."""

    text: str


@dataclass(frozen=True)
class Sup:
    """A superscript after whatever precedes it: '2' is the ² of a²."""

    text: str


@dataclass(frozen=True)
class Power:
    """An exponent written with a caret: e^z is ``Text("e"), Power((z,))``."""

    tokens: tuple


Token = Symbol | Number | Op | Text | Sup | Power
Format = Callable[[float], str]
"""Writes a number (``numbers.format_number`` at some precision)."""


@dataclass(frozen=True)
class Styled:
    """A part of a line drawn in a style on a terminal (``green``, ``red``: a graph
    drawing's values and gradients, as CS231n colours them); elsewhere its text only."""

    text: str
    style: str


class Written(float):
    """A number a person wrote, with its text: shown as written at every precision
    (a student's ``0.5930`` keeps its last zero, ``1.20e-3`` its form), computed with as
    a float.  Arithmetic on it gives plain floats: a result is never shown as written."""

    text: str

    def __new__(cls, value: float, text: str) -> Written:
        number = super().__new__(cls, value)
        number.text = text
        return number


def shown_number(value: float, fmt: Format) -> str:
    """A number as drawn: a ``Written`` one as written, any other by ``fmt``."""
    return visible(value.text) if isinstance(value, Written) else fmt(value)


def number_text(token: Number, fmt: Format) -> str:
    """The number as written in a formula, before minus signs become '−'."""
    text = shown_number(token.value, fmt)
    return text if token.bare or not text.startswith("-") else f"({text})"


def plain(tokens, fmt: Format) -> str:
    """Tokens as Unicode text: z₁⁽¹⁾ = w1·x₁ + b1; numbers written by ``fmt``, their
    minus signs as '−'."""
    out = []
    for token in tokens:
        kind = type(token)
        if kind is Number:
            out.append(number_text(token, fmt).replace("-", "−"))
        elif kind is Symbol:
            out.append(token.letter + (HAT if token.accent == "hat" else "")
                       + token.sub.translate(SUBSCRIPTS) + token.sup.translate(SUPERSCRIPTS))
        elif kind is Sup:
            out.append(token.text.translate(SUPERSCRIPTS))
        elif kind is Power:
            out.append("^" + plain(token.tokens, fmt))
        elif kind is Text:
            out.append(visible(token.text))       # (a user's name)
        else:
            out.append(token.text)
    return "".join(out)


@dataclass
class Formula:
    """A line part: ``symbol = formula = substituted = value   (note)``, each side as
    tokens.  Drawn at a precision, a side that reads as the one before it or as the
    value is left out (``z = 0.5 = 0.5`` is written ``z = 0.5``)."""

    symbol: tuple
    formula: tuple
    substituted: tuple
    value: float
    note: str = ""

    def sides(self, fmt: Format) -> list[tuple]:
        """The sides of the equation as drawn, the value last."""
        return [side for side, _ in self._drawn(fmt)]

    def text(self, fmt: Format) -> str:
        """``z₁⁽¹⁾ = w1·x₁ + b1 = 0.15·0.05 + 0.35 = 0.3575``, the note after three spaces."""
        text = " = ".join(written for _, written in self._drawn(fmt))
        return f"{text}   ({self.note})" if self.note else text

    def _drawn(self, fmt: Format) -> list[tuple[tuple, str]]:
        """(tokens, text) of each side drawn."""
        shown = (Number(self.value, bare=True),)
        shown_text = plain(shown, fmt)
        drawn = [(self.symbol, plain(self.symbol, fmt))]
        for side in (self.formula, self.substituted):
            written = plain(side, fmt)
            if written != drawn[-1][1] and written != shown_text:
                drawn.append((side, written))
        return drawn + [(shown, shown_text)]
