"""Moodle XML: a category of Cloze questions, one per exercise variant.

The caller (``backcalc exercise``) computes everything; this module only writes it.  It
builds, per variant, a :class:`Question`:

* ``Question(name, intro_html, blanks, general_feedback_html="", penalty=0.3333333)``:
  ``name`` is plain text (the question bank's name, e.g. the variant's id);
  ``intro_html`` is HTML written by the caller (the network's tables), put first in the
  question text as it is; ``general_feedback_html`` is HTML shown after answering.
* ``Blank(label, value, tolerance, wrong=(), weight=1)``: one asked value.  ``label`` is
  plain text (``z1_1``, ``∂L/∂w5``) shown beside the blank; ``value`` the right answer;
  ``tolerance`` absolute (half a unit of ``--answer-decimals``: 0.00005 for 4); ``weight``
  the blank's marks.
* ``WrongAnswer(value, feedback)``: a slip's value and the plain-text sentence naming it
  (the one ``check`` uses).  It is matched with its blank's tolerance.

``quiz(questions, category=...)`` gives the whole moodle.xml text; ``dropped(question)``
the slips left out of a question's blanks and why (:class:`Dropped`: blank label, value,
sentence, reason), for the command to report; ``table_html(rows, header=, caption=)``
turns plain-text cells into an HTML table safe to put in ``intro_html``.

What the text is, and why (Moodle's own importer, ``qtype_multianswer_extract_question``,
is the reference; docs/moodle.md tells teachers how to use the file):

* The XML declaration is the very first line; a category pseudo-question
  ``$course$/backcalc/<category>`` comes first (a ``/`` in the name is written ``//``,
  Moodle's own escape for it in category paths), then one ``cloze`` question per variant.
* The question text is the intro, then a table with one row per blank: its label and
  ``{W:NUMERICAL:=VALUE:TOL~%0%SLIP:TOL#sentence~...~%0%DUMMY:0}``.  The right answer
  comes first because Moodle scores the first alternative that matches.
* Numbers are written as Python's ``repr``: the shortest text that reads back as exactly
  the same float (``0.00012``, ``-1.5e-05``), which Moodle's number pattern accepts.  So
  the interval Moodle accepts is exactly value ± tolerance, the one ``check`` and ``grade``
  judge with; a value rounded to a few more decimals would move it.
* A slip whose interval touches or overlaps the right answer's is dropped (a response there
  would be scored right, so its feedback could never show); a slip whose interval touches
  or overlaps an earlier kept slip's is merged into it: that alternative's feedback names
  both, since such a response could come from either.
* The last alternative is a dummy ``%0%`` answer of nines (tolerance 0), as wide as the
  longest number written anywhere in the quiz, at least 6, and so far outside every interval:
  Moodle sizes a blank's box from its longest answer, so every box has the same width and
  none gives away its answer's length.
* Feedback.  Moodle cuts an alternative's feedback at the first ``~`` or ``}`` not after
  a backslash, decodes HTML entities in it, then turns ``\\}`` into ``}`` and ``\\#`` into
  ``#`` (and nothing else: ``\\~``, ``\\/``, ``\\"``, ``\\\\`` would show their backslash),
  and stores the result as HTML.  So a sentence is HTML-escaped (what Moodle must store),
  then ``&`` becomes ``&amp;`` (to survive the decoding), ``~`` ``&#126;`` and ``\\``
  ``&#92;`` (no bare delimiter, no bare backslash), ``}`` ``\\}`` and ``#`` ``\\#``.
  ``/`` and ``"`` need nothing.  The sentence Moodle shows is then exactly the caller's.
* Labels in the question text are HTML-escaped, ``{`` and ``}`` as entities; a ``{`` in
  ``intro_html`` that Moodle would read as a blank (``{1:NUMERICAL:`` when importing,
  ``{#1}``, a blank's place, when showing) is written as the entity ``&#123;``, which shows
  as ``{``.  ``]]>`` inside a CDATA section is split across two sections; ``<name>`` and
  the category are XML-escaped.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape as _html_escape
from xml.sax.saxutils import escape as _xml_escape

DEFAULT_PENALTY = 0.3333333
"""The fraction of a question's marks lost per retry in adaptive quizzes (Moodle's default)."""

_SLACK = 1e-12
"""Relative room in the overlap test: Moodle widens every interval by 1e-14 and floats
carry noise, so intervals closer than this are taken to touch."""

_DUMMY_MIN_WIDTH = 6

# What Moodle reads as a blank: `{`, optional weight, `:TYPE:` when importing, and `{#N}`
# (the place of blank N) when showing the question.
_BLANK_START = re.compile(
    r"\{(?=#|[0-9]*:(?:NUMERICAL|NM|MULTICHOICE\w*|MC\w*|MULTIRESPONSE\w*|MR\w*|"
    r"SHORTANSWER\w*|SA\w*|MW\w*|REGEXP\w*|RX\w*):)")


@dataclass(frozen=True)
class WrongAnswer:
    """A slip's value and the plain-text sentence saying what the student did."""

    value: float
    feedback: str


@dataclass(frozen=True)
class Blank:
    """One asked value: its label (plain text), right value, absolute tolerance, slips."""

    label: str
    value: float
    tolerance: float
    wrong: tuple[WrongAnswer, ...] = ()
    weight: int = 1


@dataclass(frozen=True)
class Question:
    """One variant: a Cloze question with one blank per asked value."""

    name: str
    intro_html: str
    blanks: tuple[Blank, ...]
    general_feedback_html: str = ""
    penalty: float = DEFAULT_PENALTY


@dataclass(frozen=True)
class Dropped:
    """A slip that got no alternative of its own in blank ``label``, and why (a phrase)."""

    label: str
    value: float
    feedback: str
    reason: str


@dataclass
class _Kept:
    value: float
    sentences: list[str] = field(default_factory=list)


def quiz(questions: Sequence[Question], *, category: str) -> str:
    """The whole moodle.xml text (to be written as UTF-8): the category ``category``
    (under ``$course$/backcalc/``), then one Cloze question per variant."""
    for question in questions:
        _validate(question)
    width = max([_DUMMY_MIN_WIDTH] + [len(_number(v)) for q in questions for v in _numbers(q)])
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>",
             _category(category)]
    parts += [_question(question, width) for question in questions]
    parts.append("</quiz>")
    return "\n".join(parts) + "\n"


def table_html(rows: Sequence[Sequence[str]], *, header: Sequence[str] = (),
               caption: str = "") -> str:
    """Plain-text cells as an HTML table for ``intro_html`` (the network's weights,
    inputs, targets), escaped so that Moodle shows every cell as written."""
    lines = ["<table>"]
    if caption:
        lines.append(f"<caption>{_text_html(caption)}</caption>")
    if header:
        lines.append("<tr>" + "".join(f"<th>{_text_html(c)}</th>" for c in header) + "</tr>")
    lines += ["<tr>" + "".join(f"<td>{_text_html(c)}</td>" for c in row) + "</tr>"
              for row in rows]
    lines.append("</table>")
    return "\n".join(lines)


def dropped(question: Question) -> tuple[Dropped, ...]:
    """The slips of ``question``'s blanks that got no alternative of their own, and why."""
    _validate(question)
    found: list[Dropped] = []
    for blank in question.blanks:
        found += _sort(blank)[1]
    return tuple(found)


# --- choosing the alternatives ------------------------------------------------------

def _sort(blank: Blank) -> tuple[list[_Kept], list[Dropped]]:
    """The slips kept (each with its sentences, merged ones after the first) and dropped."""
    kept: list[_Kept] = []
    gone: list[Dropped] = []
    tol = blank.tolerance
    for slip in blank.wrong:
        if _touch(slip.value, blank.value, tol):
            gone.append(Dropped(blank.label, slip.value, slip.feedback,
                                f"within the right answer's interval "
                                f"{_number(blank.value)} ± {_number(tol)}"))
            continue
        twin = next((k for k in kept if _touch(slip.value, k.value, tol)), None)
        if twin is None:
            kept.append(_Kept(slip.value, [slip.feedback]))
        else:
            twin.sentences.append(slip.feedback)
            gone.append(Dropped(blank.label, slip.value, slip.feedback,
                                f"the same answer as the slip {_number(twin.value)} "
                                f"(\u201c{twin.sentences[0]}\u201d), whose feedback names both"))
    return kept, gone


def _touch(a: float, b: float, tol: float) -> bool:
    """Whether a ± tol and b ± tol, closed intervals as Moodle checks them, share a point."""
    return abs(a - b) <= 2 * tol + _SLACK * max(abs(a), abs(b), 1.0)


def _dummy(blank: Blank, kept: list[_Kept], width: int) -> str:
    """``width`` nines, outside every interval of the blank by a tolerance at least.

    The width is at least that of every number written, and a number written without an
    exponent has a ``.`` and a digit after it, so the nines are at least 100 times it: only
    a tolerance as large as that could reach them."""
    text = "9" * width
    if any(_touch(float(text), v, blank.tolerance)
           for v in [blank.value] + [k.value for k in kept]):
        raise ValueError(f"blank {blank.label!r}: tolerance {blank.tolerance!r} reaches the "
                         f"dummy answer {text}")
    return text


# --- writing -------------------------------------------------------------------------

def _question(question: Question, width: int) -> str:
    rows = "\n".join(f"<tr><td>{_text_html(blank.label)}</td><td>{_cloze(blank, width)}</td></tr>"
                     for blank in question.blanks)
    text = (_neutralise_blanks(question.intro_html)
            + f'\n<table class="backcalc-answers">\n{rows}\n</table>')
    return "\n".join([
        '<question type="cloze">',
        f"<name><text>{_xml_escape(question.name)}</text></name>",
        f'<questiontext format="html"><text>{_cdata(text)}</text></questiontext>',
        f'<generalfeedback format="html"><text>{_cdata(question.general_feedback_html)}'
        "</text></generalfeedback>",
        f"<penalty>{question.penalty:.7f}</penalty>",
        "<hidden>0</hidden>",
        "</question>",
    ])


def _cloze(blank: Blank, width: int) -> str:
    kept, _ = _sort(blank)
    tol = _number(blank.tolerance)
    alternatives = [f"={_number(blank.value)}:{tol}"]
    alternatives += [f"%0%{_number(k.value)}:{tol}#{_feedback(k.sentences)}" for k in kept]
    alternatives.append(f"%0%{_dummy(blank, kept, width)}:0")
    return f"{{{blank.weight}:NUMERICAL:{'~'.join(alternatives)}}}"


def _feedback(sentences: list[str]) -> str:
    """The sentences as Moodle must read them (see the module's docstring)."""
    html = "<br>or: ".join(_html_escape(s, quote=False) for s in sentences)
    return "".join(_FEEDBACK_CHARACTERS.get(c, c) for c in html)


_FEEDBACK_CHARACTERS = {"&": "&amp;", "~": "&#126;", "\\": "&#92;", "}": "\\}", "#": "\\#"}


def _text_html(text: str) -> str:
    """Plain text as HTML that no Cloze parser reads as a blank."""
    return _html_escape(text).replace("{", "&#123;").replace("}", "&#125;")


def _neutralise_blanks(html: str) -> str:
    return _BLANK_START.sub("&#123;", html)


def _category(category: str) -> str:
    if not category.strip():
        raise ValueError("the category name is empty")
    # Moodle's assemble_category_path: `/` doubled, a space keeping an end `/` off the separator.
    name = category.replace("/", "//")
    name = (" " if name.startswith("/") else "") + name + (" " if name.endswith("/") else "")
    path = "$course$/backcalc/" + name
    return "\n".join([
        '<question type="category">',
        f"<category><text>{_xml_escape(path)}</text></category>",
        "</question>",
    ])


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (``-0.0`` as ``0.0``)."""
    return repr(float(value) + 0.0)


def _numbers(question: Question) -> list[float]:
    return [v for b in question.blanks for v in [b.value, *(w.value for w in b.wrong)]]


_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _validate(question: Question) -> None:
    """Refuse what no XML or Moodle could carry: the caller's mistake, not the user's."""
    for blank in question.blanks:
        if not (math.isfinite(blank.tolerance) and blank.tolerance > 0):
            raise ValueError(f"blank {blank.label!r}: tolerance {blank.tolerance!r} is not "
                             f"a positive number")
        if not all(math.isfinite(v) for v in [blank.value, *(w.value for w in blank.wrong)]):
            raise ValueError(f"blank {blank.label!r}: a value is not finite")
        if blank.weight < 1:
            raise ValueError(f"blank {blank.label!r}: weight {blank.weight} is below 1")
    texts = [question.name, question.intro_html, question.general_feedback_html]
    texts += [t for b in question.blanks for t in [b.label, *(w.feedback for w in b.wrong)]]
    if any(_XML_FORBIDDEN.search(t) for t in texts):
        raise ValueError(f"question {question.name!r}: a control character XML cannot hold")
