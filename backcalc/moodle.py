"""Moodle XML: a category of Cloze questions, one per exercise variant.

The caller (``backcalc exercise``) computes everything; this module only writes it.  It
builds, per variant, a :class:`Question`:

* ``Question(name, intro_html, blanks, general_feedback_html="", penalty=0.3333333)``:
  ``name`` is plain text (the question bank's name, e.g. the variant's id);
  ``intro_html`` is HTML written by the caller (the network's tables), put first in the
  question text as it is; ``general_feedback_html`` is HTML shown after answering.
* ``Blank(label, value, tolerance, wrong=(), weight=1, decimals=None)``: one asked value.
  ``label`` is plain text (``z1_1``, ``∂L/∂w5``) shown beside the blank; ``value`` the
  right answer;
  ``tolerance`` absolute (half a unit of ``--answer-decimals``: 0.00005 for 4); ``weight``
  the blank's marks; ``decimals`` (optional) what students are told to write: each
  slip's alternative then holds its value rounded to that many decimals.
* ``WrongAnswer(value, feedback)``: a slip's value and the plain-text sentence naming it
  (the one ``check`` uses).

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
* A slip's alternative holds what a student making it writes (its value rounded to the
  blank's ``decimals``) and, unless it lies in the right answer's interval, its exact value:
  centred on the written value with the blank's tolerance, or, where that would touch the
  right answer's interval, cut back to stay clear of it (a response there must score right).
  A slip whose written value lies in the right answer's interval is dropped (its feedback
  could never show); slips giving exactly the same value share one alternative naming
  both.  Slips close but not equal keep one each; as Moodle scores a response by the first
  alternative it falls in, an alternative whose interval touches a later one's names the
  later slips too, so the feedback always names the slip a response comes from.
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

import bisect
import functools
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
    decimals: int | None = None      # what students are told to write: --answer-decimals


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
    shared: bool = False         # the same value as an earlier slip: its alternative names both


@dataclass
class _Kept:
    value: float                          # the slip's exact value
    centre: float                         # its alternative's interval
    tolerance: float
    own: list[str] = field(default_factory=list)        # its slip, and equal ones
    sentences: list[str] = field(default_factory=list)  # the feedback's: own, then later


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

@functools.lru_cache(maxsize=4096)
def _sort(blank: Blank) -> tuple[list[_Kept], list[Dropped]]:
    """The slips' alternatives, in the slips' order (each with the sentences of every slip
    whose alternative its interval touches), and the slips that got none of their own.
    (Kept for the blank: the quiz asks for it three times; nobody changes what it gives.)"""
    kept: list[_Kept] = []
    gone: list[Dropped] = []
    for slip in blank.wrong:
        twin = next((k for k in kept if _same(slip.value, k.value)), None)
        if twin is not None:
            twin.own.append(slip.feedback)
            gone.append(Dropped(blank.label, slip.value, slip.feedback,
                                f"the same value as the slip \u201c{twin.own[0]}\u201d, "
                                f"whose feedback names both", shared=True))
            continue
        interval = _interval(blank, slip.value)
        if interval is None:
            gone.append(Dropped(blank.label, slip.value, slip.feedback,
                                f"written at {blank.decimals} decimals, within the right "
                                f"answer's interval {_number(blank.value)} ± "
                                f"{_number(blank.tolerance)}" if blank.decimals is not None
                                else f"within the right answer's interval "
                                f"{_number(blank.value)} ± {_number(blank.tolerance)}"))
            continue
        kept.append(_Kept(slip.value, *interval, own=[slip.feedback]))
    # Moodle scores a response by the first alternative it falls in: an earlier interval
    # touching a later one names the later one's slips too.
    # Only alternatives whose centres lie within the two widest reaches can touch: look
    # at those, by centre, not at every pair (a blank has a score of slips or more).
    by_centre = sorted(range(len(kept)), key=lambda i: kept[i].centre)
    centres = [kept[i].centre for i in by_centre]
    widest = max((k.tolerance for k in kept), default=0.0)
    slack = 2 * _SLACK * max([1.0, *(abs(c) for c in centres)])     # _touch's, and more
    for i, first in enumerate(kept):
        first.sentences = list(first.own)
        reach = first.tolerance + widest + slack
        low = bisect.bisect_left(centres, first.centre - reach)
        high = bisect.bisect_right(centres, first.centre + reach)
        for j in sorted(index for index in by_centre[low:high] if index > i):
            later = kept[j]
            if _touch(first.centre, first.tolerance, later.centre, later.tolerance):
                first.sentences += [s for s in later.own if s not in first.sentences]
    return kept, gone


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= _SLACK * max(abs(a), abs(b), 1.0)


def written(blank: Blank, value: float) -> list[float]:
    """What a student arriving at ``value`` writes in ``blank``: ``value`` rounded to the
    blank's decimals (``value`` itself when it has none).  A value a float's hair from a
    tie (0.16154999999999986 for 0.16155) is written either way, depending on how it was
    carried: both are listed."""
    from .numbers import round_half_up
    if blank.decimals is None:
        return [value]
    nudge = _TIE * max(abs(value), 10.0 ** -blank.decimals)
    return sorted({round_half_up(v, blank.decimals) for v in (value - nudge, value,
                                                                value + nudge)})


_TIE = 1e-9
"""How near (relatively) a tie a value is taken to round either way."""


def _interval(blank: Blank, value: float) -> tuple[float, float] | None:
    """A slip's interval (centre, tolerance): it holds what a student making the slip
    writes (``written``, outside the right answer's interval) and, unless it lies in the
    right answer's interval, the slip's exact value; it reaches at most a tolerance beyond
    them and stays clear of the right answer's interval.  None when everything the student
    may write is in the right answer's interval."""
    right, tol = blank.value, blank.tolerance
    hair = 4 * _SLACK * max(abs(right), abs(value), 1.0)
    shown = [w for w in written(blank, value) if not _touch(w, 0.0, right, tol + hair)]
    if not shown:
        return None
    points = shown + ([] if _touch(value, 0.0, right, tol + hair) else [value])
    if len(shown) == 1 and all(_touch(p, 0.0, shown[0], tol) for p in points) and \
            not _touch(shown[0], tol, right, tol):
        return shown[0], tol
    # Every point with a tolerance around, cut back on the side facing the right answer.
    low, high = min(points) - tol, max(points) + tol
    if shown[0] > right:
        low = min(max(low, right + tol + 2 * hair), min(points))
    else:
        high = max(min(high, right - tol - 2 * hair), max(points))
    centre, reach = (low + high) / 2, (high - low) / 2
    reach = max(reach, *(abs(p - centre) for p in points))   # float noise: keep the points
    return centre, reach


def _touch(a: float, a_tol: float, b: float, b_tol: float) -> bool:
    """Whether a ± a_tol and b ± b_tol, closed intervals as Moodle checks them, share a
    point."""
    return abs(a - b) <= a_tol + b_tol + _SLACK * max(abs(a), abs(b), 1.0)


def _dummy(blank: Blank, kept: list[_Kept], width: int) -> str:
    """``width`` nines, outside every interval of the blank by a tolerance at least.

    The width is at least that of every number written, and a number written without an
    exponent has a ``.`` and a digit after it, so the nines are at least 100 times it: only
    a tolerance as large as that could reach them."""
    text = "9" * width
    if any(_touch(float(text), 0.0, v, 2 * t) for v, t in
           [(blank.value, blank.tolerance)] + [(k.centre, k.tolerance) for k in kept]):
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
    alternatives = [f"={_number(blank.value)}:{_number(blank.tolerance)}"]
    alternatives += [f"%0%{_number(k.centre)}:{_number(k.tolerance)}#{_feedback(k.sentences)}"
                     for k in kept]
    alternatives.append(f"%0%{_dummy(blank, kept, width)}:0")
    return f"{{{blank.weight}:NUMERICAL:{'~'.join(alternatives)}}}"


def _feedback(sentences: list[str]) -> str:
    """The sentences as Moodle must read them (see the module's docstring)."""
    html = "<br>or: ".join(_html_escape(s, quote=False) for s in sentences)
    return html.translate(_FEEDBACK_CHARACTERS)


_FEEDBACK_CHARACTERS = str.maketrans({"&": "&amp;", "~": "&#126;", "\\": "&#92;", "}": "\\}",
                                      "#": "\\#"})


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
    """Every answer written in the question's blanks (tolerances aside: Moodle sizes a box
    from its answers alone)."""
    return [v for b in question.blanks for v in [b.value, *(k.centre for k in _sort(b)[0])]]


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
