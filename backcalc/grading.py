"""Grading a class: each student's answers checked (``check.check``) and scored.

A student's answers are judged exactly as ``check`` judges them; grading then scores
each answer — right or rounding 1, follows ``follows_credit`` (default 1), wrong and
missing 0 — and a student's score is the mean over the asked answers (``--asked``), or,
without them, over the answers given (SPEC, "Teachers: grading a class").

Asked and given answers are matched by the value they name, not by their key's text:
``dL/dw5`` and ``dL/dW2_1_1`` are the same gradient, and ``z1: [..]`` gives ``z1_1`` and
``z1_2`` (``value_of``).  A submission that cannot be read or checked (any of backcalc's
own errors: bad YAML, an unknown key, a file too large, not UTF-8, a folder, missing)
gets a row with its one-line error and score 0; nothing of it reaches another row.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from .answers import Answer, Blank, answers_document, answers_in, load_answers
from .check import SLIPS, CheckResult, Result, check
from .errors import BackcalcError
from .network import Network
from .yamlsource import Document, YamlList, YamlMap, read_text

MISSING = "missing"
"""The verdict of an asked answer the student did not give."""
RIGHT_VERDICTS = ("right", "rounding")
"""Verdicts that pass (check's exit status 0)."""
VERDICT_SCORES = {"right": 1.0, "rounding": 1.0, "wrong": 0.0, MISSING: 0.0}
"""What each verdict scores; ``follows`` scores the follows credit."""
BLOCK_KEYS = ("iteration", "sample")
"""An answers block's keys that are not answers."""
OUT_OF_MEMORY = "out of memory while checking this file"
TOO_DEEP = "nested too deeply to check"


Value = tuple
"""Which value an answer names: (iteration, sample or None, kind, layer, neuron, input)."""


def value_of(answer: Answer, network: Network) -> Value:
    """The value an answer names, whatever key names it (``dL/dw5`` and ``dL/dW2_1_1``
    alike): the fields of the ``worked.Key`` check places it at (``check._key``), with
    the iteration for the step (in online mode the sample picks the step too)."""
    online = network.update == "online" and len(network.samples) > 1
    sample = answer.sample if online or answer.per_sample else None
    iteration = answer.iteration or network.progress.iteration + 1
    return (iteration, sample, answer.kind, answer.layer, answer.neuron, answer.input)


# --- what was asked ----------------------------------------------------------------------

@dataclass
class Asked:
    """An answers file naming what was asked; its values are ignored (they may be empty,
    as in the ``asked.yaml`` that ``exercise`` writes).  Read once; its keys are checked
    against each network they are used with (``answers``)."""

    doc: Document

    def answers(self, network: Network) -> list[Answer]:
        """The asked answers, each value once (``w5+`` and ``W2+`` ask for w5⁺ once)."""
        seen: set[Value] = set()
        asked = []
        for answer in answers_in(self.doc, network):
            value = value_of(answer, network)
            if value not in seen:
                seen.add(value)
                asked.append(answer)
        return asked


def read_asked(path, display: str | None = None) -> Asked:
    """The asked file at ``path``: read as an answers file (every limit holds), its values
    set aside."""
    display = display or str(path)
    doc = answers_document(read_text(path, display), display)
    _ignore_values(doc.value)
    return Asked(doc)


def _ignore_values(value) -> None:
    """Put a ``Blank`` for every value of an answers document (a block or a list of
    blocks), so that a key written with no value (``z1_1:``, ``z1_1: ~``, ``z1:`` for the
    whole layer) or any value reads as an answer; ``iteration`` and ``sample`` keep
    theirs."""
    blocks = value if isinstance(value, YamlList) else [value]
    for block in blocks:
        if not isinstance(block, YamlMap):
            continue        # refused by ``answers_in`` with its usual line
        for key in block:
            if key not in BLOCK_KEYS:
                block[key], block.value_texts[key] = _blanks(block[key]), None


def _blanks(value):
    """The value with each of its numbers a ``Blank`` (its text as written dropped), the
    shape of a list kept (its size is checked as an answer's)."""
    if isinstance(value, YamlList):
        for index, item in enumerate(value):
            value[index], value.item_texts[index] = _blanks(item), None
        return value
    if isinstance(value, YamlMap):
        return value
    return Blank()


# --- scoring -----------------------------------------------------------------------------

@dataclass
class Scored:
    """One answer counted in a score: its key (as asked, or as given without ``--asked``),
    its verdict (check's, or ``missing``), its score, and check's result (None: missing)."""

    key: str
    verdict: str
    score: float
    result: Result | None
    value: Value


def credit(verdict: str, follows_credit: float) -> float:
    return follows_credit if verdict == "follows" else VERDICT_SCORES[verdict]


def scored(result: CheckResult, asked: list[Answer] | None,
           follows_credit: float = 1.0) -> list[Scored]:
    """The answers that count: each asked one (the given answer for its value, or
    missing), in the asked file's order; without ``asked``, each given one, in
    computation order.  Answers given but not asked are checked (later answers may
    follow from them) and not counted."""
    network = result.network
    given = {value_of(r.answer, network): r for r in result.results}
    if asked is None:
        return [Scored(r.key, r.verdict, credit(r.verdict, follows_credit), r, value)
                for value, r in given.items()]
    out = []
    for answer in asked:
        value = value_of(answer, network)
        found = given.get(value)
        verdict = found.verdict if found is not None else MISSING
        out.append(Scored(answer.key, verdict, credit(verdict, follows_credit), found, value))
    return out


@dataclass
class StudentRow:
    """One student's grade: the score (0 to 1) and what it is made of; ``error`` is the
    one line saying why the submission could not be graded (then the counts are None)."""

    student: str
    score: float
    right: int | None = None
    rounding: int | None = None
    follows: int | None = None
    wrong: int | None = None
    missing: int | None = None
    first_wrong: str | None = None
    slips: list[str] = field(default_factory=list)
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        return self.error is None

    def record(self) -> dict:
        """The row as SPEC's JSON and CSV give it."""
        return {"student": self.student, "score": self.score, "right": self.right,
                "rounding": self.rounding, "follows": self.follows, "wrong": self.wrong,
                "missing": self.missing, "first_wrong": self.first_wrong,
                "slips": list(self.slips), "error": self.error}


def student_row(student: str, counted: list[Scored], order: dict[Value, int]) -> StudentRow:
    """The row of the answers ``counted``; ``order``: each value's place in the
    calculation, for the first wrong step."""
    verdicts = Counter(s.verdict for s in counted)
    score = sum(s.score for s in counted) / len(counted) if counted else 0.0
    by_order = sorted((s for s in counted if s.result is not None),
                      key=lambda s: order.get(s.value, 0))
    first = next((s.key for s in by_order if s.verdict == "wrong"), None)
    slips: list[str] = []
    for s in by_order:
        if s.verdict == "wrong" and s.result is not None and s.result.slip \
                and s.result.slip not in slips:
            slips.append(s.result.slip)
    return StudentRow(student, score, verdicts["right"], verdicts["rounding"],
                      verdicts["follows"], verdicts["wrong"], verdicts[MISSING], first, slips)


def failed_row(student: str, error: str) -> StudentRow:
    return StudentRow(student, 0.0, error=error)


@dataclass
class Graded:
    """A submission graded: its row, and, when it could be checked, what the row was
    made of (for a Gradescope report)."""

    row: StudentRow
    counted: list[Scored] = field(default_factory=list)
    check: CheckResult | None = None


def grade_answers(student: str, network: Network, answers: list[Answer],
                  asked: list[Answer] | None, *, follows_credit: float = 1.0,
                  tolerance: float | None = None, learning_rate: float | None = None) -> Graded:
    """A student's answers (read already) checked and scored; raises check's errors."""
    result = check(network, answers, tolerance=tolerance, learning_rate=learning_rate)
    counted = scored(result, asked, follows_credit)
    order = {value_of(r.answer, network): n for n, r in enumerate(result.results)}
    return Graded(student_row(student, counted, order), counted, result)


def grade_submission(student: str, path, display: str, network: Network,
                     asked: Asked | list[Answer] | None, *, follows_credit: float = 1.0,
                     tolerance: float | None = None) -> Graded:
    """One submission's row: its answers file at ``path`` (named ``display``) read with
    every limit of an answers file, checked against ``network`` and scored against
    ``asked`` (its answers for ``network``, or checked against it already).  What goes
    wrong with this submission is its row's error, never an exception: one student's
    file cannot stop the others' grading."""
    warnings: list[str] = []
    try:
        answers = load_answers(path, network, display, warnings)
        wanted = asked.answers(network) if isinstance(asked, Asked) else asked
        graded = grade_answers(student, network, answers, wanted,
                               follows_credit=follows_credit, tolerance=tolerance)
    except BackcalcError as error:
        graded = Graded(failed_row(student, str(error)))
    except MemoryError:             # (limits keep a file well below this; defensively)
        graded = Graded(failed_row(student, f"{display}: {OUT_OF_MEMORY}"))
    except RecursionError:
        graded = Graded(failed_row(student, f"{display}: {TOO_DEEP}"))
    graded.row.warnings = warnings
    return graded


# --- the class ---------------------------------------------------------------------------

@dataclass
class ClassSummary:
    """What the rows add up to: the scores of the graded submissions (the unreadable are
    counted apart), and each slip with how many students made it, most first."""

    students: int
    graded: int
    unreadable: int
    mean: float | None
    median: float | None
    slips: list[tuple[str, int]]

    def document(self) -> dict:
        return {"students": self.students, "graded": self.graded,
                "unreadable": self.unreadable, "mean": self.mean, "median": self.median,
                "slips": [{"slip": name, "students": count} for name, count in self.slips]}


def summarise(rows: list[StudentRow]) -> ClassSummary:
    graded = [row for row in rows if row.graded]
    scores = [row.score for row in graded]
    made = Counter(slip for row in graded for slip in set(row.slips))
    catalogue = list(SLIPS)
    slips = sorted(made.items(), key=lambda item: (-item[1], catalogue.index(item[0])
                                                   if item[0] in catalogue else len(catalogue)))
    return ClassSummary(len(rows), len(graded), len(rows) - len(graded),
                        statistics.fmean(scores) if scores else None,
                        statistics.median(scores) if scores else None, slips)
