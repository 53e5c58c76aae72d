"""Draw a document as LaTeX that pdflatex compiles: a standalone document, or a fragment.

Tables are ``longtable``s with ``booktabs`` rules (split into column groups
that fit the page, as the terminal does); ``--explain`` lines become aligned
equations (``align*``), one side per row, written from the formula's tokens
(``document.Symbol``, ``Number``, ``Op`` …); the loss curve is drawn with LaTeX's
own ``picture`` environment.  Text (headings, cells, notes, the names a user
writes) is written by ``text`` and ``math``: its Unicode (σ, δ, ∂, subscripts,
superscripts …) translated to LaTeX, and every character LaTeX treats specially
escaped, so any name a user writes compiles.
"""

from __future__ import annotations

import re

from .curve import caption, finite_runs, outline
from .document import (
    Formula,
    Number,
    Op,
    Power,
    Section,
    Sup,
    Symbol,
    Text,
    number_text,
    plain,
    visible,
)
from .layout import (
    DEFAULT_MAX_ROWS,
    TextTable,
    column_groups,
    format_line,
    heading,
    lay_out,
    number_writer,
)

PACKAGES = ("amsmath", "booktabs", "longtable")
PAGE_CHARACTERS = 100      # a table's column group fits this many characters across
EQUATION_CHARACTERS = 80   # an equation's side is cut at a plus sign beyond this many
ALIGN_EQUATIONS = 40       # equations in one align* (a longer one exhausts TeX's memory)
PICTURE_WIDTH, PICTURE_HEIGHT = 300, 120   # the loss curve, in points

_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉ₛᵢₖ", "0123456789sik"))
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁽⁾", "0123456789+()")) | {
    "ᵀ": r"\top", "′": r"\prime", "‴": r"\prime\prime\prime"}
_GREEK = dict(zip("αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ", (
    "alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi pi rho "
    "sigma tau upsilon varphi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Phi Psi "
    "Omega").split()))
_SYMBOLS = {letter: "\\" + name for letter, name in _GREEK.items()} | {
    "∂": r"\partial",
    "∇": r"\nabla", "−": "-", "·": r"\cdot", "×": r"\times", "½": r"\tfrac{1}{2}",
    "√": r"\surd", "≈": r"\approx", "≠": r"\neq", "≤": r"\leq", "±": r"\pm",
    "←": r"\leftarrow", "→": r"\rightarrow", "…": r"\ldots", "⋮": r"\vdots",
    "ã": r"\tilde{a}",                       # dropout's a·m/p
}
_OPERATORS = {op: _SYMBOLS[op] + " " for op in "·−√…½×"}
"""Operators (``document.Op``) that are no ASCII character."""
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "#": r"\#", "$": r"\$", "%": r"\%",
    "&": r"\&", "_": r"\_", "^": r"\textasciicircum{}", "~": r"\textasciitilde{}",
    "—": "---", "–": "--", "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    "[": "{[}", "]": "{]}",     # after a \\ line break, [ would start its optional argument
}
_HAT = "\u0302"          # a combining circumflex: m̂, v̂
_FUNCTIONS = {"ln": r"\ln", "log": r"\log", "exp": r"\exp", "tanh": r"\tanh", "max": r"\max",
              "min": r"\min"}


def _math_pieces(text: str, i: int) -> tuple[str, int] | None:
    """The math for the character(s) at ``text[i]``, and where the text goes on; None if
    they are plain text."""
    ch = text[i]
    if i + 1 < len(text) and text[i + 1] == _HAT:
        inner = _SYMBOLS.get(ch, ch)
        return rf"\hat{{{inner}}}", i + 2
    for table, mark in ((_SUBSCRIPTS, "_"), (_SUPERSCRIPTS, "^")):
        if ch in table:
            j = i
            while j < len(text) and text[j] in table:
                j += 1
            run = text[i:j]
            if mark == "_":
                return f"_{{{''.join(table[c] for c in run)}}}", j
            # a₁⁽¹⁾²: the layer's (1), then the square set after it, not inside it
            groups = run.replace("⁾", "⁾|").strip("|").split("|")
            return "{}".join(f"^{{{' '.join(table[c] for c in g)}}}" for g in groups), j
    if ch in _SYMBOLS:
        return _SYMBOLS[ch] + " ", i + 1
    return None


def _translated(value: str, plain) -> list[tuple[bool, str]]:
    """``value`` as (is math, LaTeX) pieces: symbols by ``_math_pieces``, everything else
    by ``plain(value, i) -> (latex, next i)``."""
    pieces = []
    i = 0
    while i < len(value):
        piece = _math_pieces(value, i)
        if piece is None:
            latex, i = plain(value, i)
            pieces.append((False, latex))
        else:
            pieces.append((True, piece[0]))
            i = piece[1]
    return pieces


_NUMBER = re.compile(r"(-?)(\d+(?:\.\d+)?|inf|nan)(?:e([+-]?\d+))?")
"""A number as ``numbers.format_number`` writes it: -0.5, 6.66345653e-04, -inf, nan."""
_TEXT_NUMBER = re.compile(r"(?<![\w.\-+\]])" + _NUMBER.pattern + r"(?![\w.])")
"""The same standing alone in text (not the 2 of w2, W1[1,2]'s digits or 2-2-2's)."""


def _number_math(sign: str, digits: str, exponent: str | None) -> str:
    """A number in math mode: a real minus sign, 6.66{\\times}10^{-4} for 6.66e-04 (the
    × braced: set close, as one number, not spaced as an operation between two)."""
    digits = rf"\mathrm{{{digits}}}" if digits in ("inf", "nan") else digits
    power = rf"{{\times}}10^{{{int(exponent)}}}" if exponent else ""
    return ("- " if sign else "") + digits + power


def text(value: str) -> str:
    """Text for LaTeX's text mode: specials escaped, symbols as inline math, a negative or
    scientific number as math (control characters first made visible,
    ``document.visible``)."""
    value = visible(value)
    out, start = [], 0
    for match in _TEXT_NUMBER.finditer(value):
        sign, _, exponent = match.groups()
        if sign or exponent:             # (a plain 0.5 is the same in text)
            out += [_text_only(value[start:match.start()]), f"${_number_math(*match.groups())}$"]
            start = match.end()
    return "".join(out) + _text_only(value[start:])


def _text_only(value: str) -> str:
    """``text`` of a piece with no number to set as math."""
    def plain(value: str, i: int) -> tuple[str, int]:
        ch = value[i]
        if ch == "-" and value[i + 1:i + 2] == "-":      # --max-rows, not an en dash
            return "-{}", i + 1
        return _TEXT_ESCAPES.get(ch, _other(ch)), i + 1
    out, run = [], []                 # run: the math pieces since the last text
    for is_math, latex in _translated(value, plain) + [(False, "")]:
        if is_math:
            run.append(latex)
            continue
        if run:
            out.append("$" + "".join(run).strip() + "$")
            run = []
        out.append(latex)
    return "".join(out)


def math(value: str) -> str:
    """A formula's text for math mode: words upright, symbols translated, specials escaped
    (control characters first made visible, ``document.visible``)."""
    value = visible(value)
    return "".join(latex for _, latex in _translated(value, _math_plain))


def _math_plain(value: str, i: int) -> tuple[str, int]:
    """One piece of a formula that is not a symbol: a word, an exponent, a character."""
    ch = value[i]
    if ch.isalpha() and ord(ch) < 128:
        j = i
        while j < len(value) and value[j].isalpha() and ord(value[j]) < 128:
            j += 1
        word = value[i:j]
        return _FUNCTIONS.get(word, word if len(word) == 1 else rf"\mathrm{{{word}}}"), j
    if ch == "^" and value[i + 1:i + 2] == "{" and "}" in value[i + 2:]:   # e^{z}
        close = value.index("}", i + 2)
        return "^{" + math(value[i + 2:close]) + "}", close + 1
    if ch == "^" and value[i + 1:i + 2].isalnum():                # e^z, e^z₁⁽²⁾
        j = i + 2
        while j < len(value) and (value[j] in _SUBSCRIPTS or value[j] in _SUPERSCRIPTS):
            j += 1
        return "^{" + math(value[i + 1:j]) + "}", j
    if ch in "{}#$%&_":
        return "\\" + ch, i + 1
    if ch in "\\^~":
        return (r"\backslash " if ch == "\\" else rf"\text{{\{ch}{{}}}}"), i + 1
    return (ch if ord(ch) < 128 else rf"\text{{{_other(ch)}}}"), i + 1


def _other(ch: str) -> str:
    """A character with no translation: ASCII and the Latin letters pdflatex's T1 fonts
    have (é, ü, ß, ł …) as they are, anything else as its code point."""
    if ord(ch) < 128 or ("\u00c0" <= ch <= "\u017f" and ch not in "\u00d7\u00f7"):
        return ch
    return f"{{[}}U+{ord(ch):04X}{{]}}"


def render(sections: list[Section], precision: int, max_rows: int | None = DEFAULT_MAX_ROWS,
           fragment: bool = False, title: str = "backcalc") -> str:
    body: list[str] = []
    for section in sections:
        command = "section*" if section.level == 1 else "subsection*"
        body.append(f"\\{command}{{{text(heading(section))}}}")
        paragraph: list[str] = []        # text lines, or equations, gathered into one block
        equations: list[str] = []
        for line in section.lines:
            formulas = [part for part in line if isinstance(part, Formula)]
            if formulas:
                body += _flush(paragraph)
                equations.append(_equation(formulas[0], precision))
            else:
                body += _aligned(equations)
                paragraph.append(text(format_line(line, precision, max_rows)))
        body += _flush(paragraph) + _aligned(equations)
        for table in section.tables:
            body.append(_table(lay_out(table, precision, max_rows)))
        if section.chart is not None:
            body.append(_picture(section.chart) if section.chart.drawable else
                        f"\\small{{{text(caption(section.chart, BAND))}}}")
    content = "\n\n".join(body) + "\n"
    if fragment:
        return (f"% backcalc output; needs \\usepackage{{{','.join(PACKAGES)}}} "
                "and \\usepackage[T1]{fontenc}\n" + content)
    return ("\\documentclass[10pt]{article}\n\\usepackage[T1]{fontenc}\n"
            "\\usepackage[a4paper,margin=2cm]{geometry}\n"
            f"\\usepackage{{{','.join(PACKAGES)}}}\n\\allowdisplaybreaks\n"
            "\\setlength{\\parindent}{0pt}\n"
            f"\\begin{{document}}\n% {text(' '.join(title.split()))}\n\n"
            + content + "\n\\end{document}\n")


def _flush(paragraph: list[str]) -> list[str]:
    """The text lines gathered so far as one paragraph (one line each), and empty the list."""
    if not paragraph:
        return []
    lines = " \\\\\n".join(paragraph)
    paragraph.clear()
    return [lines]


def _aligned(equations: list[str]) -> list[str]:
    """The equations gathered so far as ``align*``s (a little space between equations),
    at most ``ALIGN_EQUATIONS`` in each: TeX holds a whole ``align*`` in memory."""
    blocks = [" \\\\[6pt]\n".join(equations[i:i + ALIGN_EQUATIONS])
              for i in range(0, len(equations), ALIGN_EQUATIONS)]
    equations.clear()
    return ["\\begin{align*}\n" + block + "\n\\end{align*}" for block in blocks]


def _equation(formula: Formula, precision: int) -> str:
    """``lhs = a = b = c`` as aligned rows: lhs &= a \\ &= b \\ &= c (note)."""
    fmt = number_writer(precision)
    sides = formula.sides(fmt)
    rows = []
    for number, side in enumerate(sides[1:]):
        pieces = _broken(side, fmt)
        lead = f"{tokens_latex(sides[0], fmt)} &= " if number == 0 else "&= "
        rows.append(lead + tokens_latex(pieces[0], fmt))
        rows += [rf"&\quad + {tokens_latex(piece, fmt)}" for piece in pieces[1:]]
    if formula.note:
        rows[-1] += rf" \quad \text{{({text(formula.note)})}}"
    return " \\\\\n".join(rows)


PLUS = Op(" + ")


def _broken(side, fmt) -> list[list]:
    """A long sum cut at its plus signs into pieces that fit the page's width (as the
    terminal writes them, ``EQUATION_CHARACTERS`` characters)."""
    terms: list[list] = [[]]
    for token in side:
        if token == PLUS:
            terms.append([])
        else:
            terms[-1].append(token)
    pieces, widths = [terms[0]], [len(plain(terms[0], fmt))]
    for term in terms[1:]:
        width = len(plain(term, fmt))
        if widths[-1] + width + 3 > EQUATION_CHARACTERS:
            pieces.append(term)
            widths.append(width)
        else:
            pieces[-1] = pieces[-1] + [PLUS] + term
            widths[-1] += 3 + width
    return pieces


def tokens_latex(tokens, fmt) -> str:
    """A formula's tokens in math mode (numbers written by ``fmt``)."""
    out = []
    before = None
    for token in tokens:
        kind = type(token)
        if kind is Symbol:
            out.append(_symbol(token))
        elif kind is Number:
            out.append(_number(number_text(token, fmt)))
        elif kind is Op:
            out.append("".join(_OPERATORS.get(ch, ch) for ch in token.text))
        elif kind is Sup and isinstance(before, Text) and before.text[-1:] in _SUPERSCRIPTS:
            out[-1] = math(before.text + plain((token,), fmt))    # a name's own: b²⁺ is b^{2 +}
        elif kind is Sup:
            # a superscript right after another needs an empty group between them: a^{(1)}{}^{2}
            out.append(("{}" if _raised(before) else "") + _superscript(token.text))
        elif kind is Power:
            out.append(_power(token, fmt))
        else:
            out.append(math(token.text))
        before = token
    return "".join(out)


def _symbol(symbol: Symbol) -> str:
    """z_{1}^{( 1 )}, \\sigma ^{\\prime}, \\hat{m}, \\tanh^{\\prime}."""
    letter = symbol.letter
    if symbol.accent == "hat":
        name = rf"\hat{{{_SYMBOLS.get(letter, letter)}}}"
    elif letter in _SYMBOLS:
        name = _SYMBOLS[letter] + " "
    else:
        name = math(letter)                  # a word: \\tanh, \\mathrm{ReLU}
    sub = f"_{{{symbol.sub}}}" if symbol.sub else ""
    return name + sub + (_superscript(symbol.sup) if symbol.sup else "")


def _superscript(text: str) -> str:
    return "^{" + " ".join(_SUPERSCRIPTS.get(ch, ch) for ch in text) + "}"


def _raised(token) -> bool:
    """Whether ``token`` ends in a superscript."""
    return isinstance(token, (Sup, Power)) or (isinstance(token, Symbol) and bool(token.sup))


def _number(written: str) -> str:
    """A number as written (1.5e-05, (-0.2), inf) in math mode: 1.5{\\times}10^{-5},
    (- 0.2), \\mathrm{inf}."""
    return _NUMBER.sub(lambda match: _number_math(*match.groups()), written)


def _power(power: Power, fmt) -> str:
    """An exponent, its tokens in braces: e^{z_{1}^{( 2 )}}, e^{0.160673139}, e^{- 0.09}."""
    return "^{" + tokens_latex(power.tokens, fmt) + "}"


def _table(table: TextTable) -> str:
    groups = column_groups(table, PAGE_CHARACTERS, 2)
    parts = []
    for number, group in enumerate(groups):
        columns = [0] + group
        title = table.title if number == 0 else f"{table.title} (continued)"
        if table.prose:
            spec = "l" + "p{0.7\\linewidth}" * (len(columns) - 1)
        else:
            spec = "".join("r" if table.numeric[i] else "l" for i in columns)
        lines = [f"\\begin{{longtable}}{{{spec}}}",
                 f"\\multicolumn{{{len(columns)}}}{{l}}{{\\textbf{{{text(title)}}}}} \\\\"]
        if table.has_header:
            lines += ["\\toprule", " & ".join(text(table.columns[i]) for i in columns) + " \\\\",
                      "\\midrule", "\\endhead"]
        else:
            lines.append("\\toprule")
        for position, row in enumerate(table.rows):
            if position in table.marker_rows:
                lines.append(f"\\multicolumn{{{len(columns)}}}{{c}}{{{text(row[0])}}} \\\\")
                continue
            lines.append(" & ".join(text(row[i]) if i < len(row) else "" for i in columns)
                         + " \\\\")
        lines.append("\\bottomrule\n\\end{longtable}")
        parts.append("\n".join(lines))
    notes = ([table.caption] if table.caption else []) + table.notes
    if notes:
        parts.append(" \\\\\n".join(f"\\small{{{text(note)}}}" for note in notes))
    return "\n\n".join(parts)


BAND = "where losses go up and down, vertical strokes span each column's lowest to highest"


def _picture(history) -> str:
    """The loss curve as straight segments in a ``picture`` (plain LaTeX, no packages)."""
    points, low, high = outline(history)
    w, h = PICTURE_WIDTH, PICTURE_HEIGHT
    marks = []
    for run in finite_runs(points):           # a line per run of finite losses
        coords = [(x * w, lo * h) for x, lo, _ in run]
        marks += [f"\\qbezier({x1:.1f},{y1:.1f})({(x1 + x2) / 2:.1f},{(y1 + y2) / 2:.1f})"
                  f"({x2:.1f},{y2:.1f})" for (x1, y1), (x2, y2) in zip(coords, coords[1:])]
        if len(coords) == 1:
            marks.append(f"\\put({coords[0][0]:.1f},{coords[0][1]:.1f}){{\\circle*{{3}}}}")
        marks += [f"\\put({x * w:.1f},{lo * h:.1f}){{\\line(0,1){{{(hi - lo) * h:.1f}}}}}"
                  for x, lo, hi in run if hi > lo]
    marks += [f"\\put({x * w:.1f},{h:.1f}){{\\makebox(0,0){{$\\times$}}}}"
              for x, lo, _ in points if lo is None]      # infinite or undefined
    first, last = history.iteration_of(1), history.iteration_of(history.seen)
    scale = " (log scale)" if history.log_scale else ""
    return ("\\begin{center}\n\\setlength{\\unitlength}{1pt}\n"
            f"\\begin{{picture}}({w + 60},{h + 30})(-60,-25)\n"
            f"\\put(0,0){{\\line(1,0){{{w}}}}}\\put(0,0){{\\line(0,1){{{h}}}}}\n"
            f"\\put(-4,{h}){{\\makebox(0,0)[r]{{\\small {text(f'{high:.4g}')}}}}}\n"
            f"\\put(-4,0){{\\makebox(0,0)[r]{{\\small {text(f'{low:.4g}')}}}}}\n"
            f"\\put(0,-12){{\\makebox(0,0)[l]{{\\small {first}}}}}\n"
            f"\\put({w},-12){{\\makebox(0,0)[r]{{\\small {last}}}}}\n"
            f"\\put({w / 2},-12){{\\makebox(0,0){{\\small iteration{scale}}}}}\n"
            + "\n".join(marks) + "\n\\end{picture}\n\\end{center}\n\n"
            f"\\small{{{text(caption(history, BAND))}}}")
