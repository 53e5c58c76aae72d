"""A Gradescope autograder's ``results.json`` for one submission (``check --format
gradescope``).

Gradescope reads ``score``, ``max_score``, ``output`` (shown to the student) and
``tests``, each ``{name, score, max_score, status, output}``, status ``passed`` or
``failed`` (failed whenever a test scores below its maximum).  One test per counted
answer (``grading.scored``), worth one point: its name is the answer's key, its output
the verdict and the slip in check's own words.
"""

from __future__ import annotations

from .check_report import slip_sentence, summary, verdict_text
from .grading import MISSING, Graded, Scored
from .layout import format_line

POINTS = 1.0
"""What each answer is worth."""
MISSING_TEXT = "missing: not answered"


def results_document(graded: Graded, precision: int) -> dict:
    """The results of a submission checked and scored (``grading.grade_answers``)."""
    counted = graded.counted
    # Answers of several iterations or samples: each test's name says which.
    iterations = {s.value[0] for s in counted}
    samples = {s.value[1] for s in counted} - {None}
    placed = len(iterations) > 1 or len(samples) > 1
    tests = [_test(s, placed, precision) for s in counted]
    score = sum(s.score for s in counted)
    lines = [f"Score: {score:g} of {len(counted) * POINTS:g}."]
    if graded.check is not None:
        lines += [format_line(line, precision) for line in summary(graded.check).lines]
    missing = [test["name"] for test, s in zip(tests, counted) if s.verdict == MISSING]
    if missing:
        lines.append(f"Not answered: {', '.join(missing)}.")
    return {"score": score, "max_score": len(counted) * POINTS, "output": "\n".join(lines),
            "tests": tests}


def failure_document(error: str, max_score: float | None) -> dict:
    """The results of a submission that could not be checked: score 0 and why (the
    one-line error); ``max_score`` when it is known (the number of asked answers)."""
    document: dict = {"score": 0.0}
    if max_score is not None:
        document["max_score"] = max_score
    document["output"] = error
    document["tests"] = []
    return document


def _test(s: Scored, placed: bool, precision: int) -> dict:
    name = s.key
    if placed:
        iteration, sample = s.value[0], s.value[1]
        name += f" (iteration {iteration}" + (f", sample {sample + 1}" if sample is not None
                                              else "") + ")"
    points = s.score * POINTS
    return {"name": name, "score": points, "max_score": POINTS,
            "status": "passed" if points >= POINTS else "failed",
            "output": _output(s, precision)}


def _output(s: Scored, precision: int) -> str:
    """The verdict as check's table writes it, and the slip's sentence from its summary."""
    r = s.result
    if r is None:
        return MISSING_TEXT
    text = verdict_text(r)
    if r.slip:
        text += ". " + format_line(slip_sentence(r, False), precision)
    return text
