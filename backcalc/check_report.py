"""What ``check`` shows: the verdict table, the summary, the first wrong step worked out.

Built as a ``document`` (``Section``/``Table``, the worked step as ``Formula``s), plus
``check_document`` for ``--format json`` (SPEC's shape).
"""

from __future__ import annotations

import math

from .check import SLIPS, CheckResult, Result
from .conventions import conventions
from .document import Cell, Section, Table
from .equations import Equations, equation

VERDICT_TEXT = {
    "right": "right",
    "rounding": "rounding",
    "follows": "follows from your earlier error",
    "wrong": "wrong",
}


def verdict_text(result: Result) -> str:
    text = VERDICT_TEXT[result.verdict]
    if result.slip:
        detail = f", {result.slip_detail}" if result.slip_detail else ""
        text += f": {result.slip}{detail}"
        text += "".join(f" or {name}" + (f", {more}" if more else "")
                        for name, more in result.more_slips)
    if result.also_slip:
        text += f" (but exactly what {result.also_slip} gives)"
    return text


def check_report(result: CheckResult, answers_name: str, learning_rate: float,
                 tolerance: float | None) -> list[Section]:
    net = result.network
    header = Section(f"Checking {answers_name} against {net.title}", [], [
        conventions(net, learning_rate)])
    if net.source:
        header.lines.append([f"network: {net.source}"])
    header.lines.append([f"tolerance: {tolerance} for every answer" if tolerance is not None else
                         "tolerance: half a unit of the last digit you wrote, plus the drift "
                         "your own rounded values carry"])
    columns = (["iteration", "sample"] if result.several_blocks else []) + [
        "answer", "quantity", "yours", "expected", "verdict"]
    rows = []
    for r in result.results:
        cells: list[Cell] = [str(r.quantity.iteration), str(r.answer.sample + 1)] \
            if result.several_blocks else []
        rows.append(cells + [r.key, r.quantity.symbol, r.answer.shown, r.expected,
                             verdict_text(r)])
    table = Table("Your answers, in the order they are computed", columns, rows)
    return [header, Section("Check", [], [table]), summary(result)]


def summary(result: CheckResult) -> Section:
    counts = result.counts()
    total = len(result.results)
    parts = [f"{counts['right']} right"]
    if counts["rounding"]:
        parts.append(f"{counts['rounding']} right up to rounding")
    if counts["follows"]:
        parts.append(f"{counts['follows']} following from an earlier error")
    parts.append(f"{counts['wrong']} wrong")
    lines: list = [[f"{total} answer{'s' if total != 1 else ''}: {', '.join(parts)}."]]
    first = result.first_wrong
    if first is None and result.passed:
        lines.append(["Everything checks out."])
    if first is not None:
        q = first.quantity
        lines.append([f"First wrong step: {first.key} (iteration {q.iteration}). You wrote ",
                      first.answer.shown, "; it is computed as"])
        lines.append(["  ", equation(result.worked, q)])
        written = Equations(result.worked)
        if written.substituted(q, result.values) != written.substituted(q, None):
            lines.append(["From your own earlier values it would be"])
            lines.append(["  ", equation(result.worked, q, as_written(result), first.yours)])
        if first.slip:
            detail = f" ({first.slip_detail})" if first.slip_detail else ""
            lines.append([f"Your number is what this slip gives: {SLIPS[first.slip]}"
                          f"{detail} [{first.slip}]." + also_slips(first)])
    # Every later slip gets its sentence too, not only a code in the table.
    lines += [slip_sentence(r, result.several_blocks) for r in result.results
              if r.slip and r is not first]
    for r in result.results:
        if r.also_slip:
            lines.append([f"{r.key}: your ", r.answer.shown, " is right to the digits you wrote, "
                          f"but it is also exactly what {r.also_slip} gives ({SLIPS[r.also_slip]})"
                          "; the value is ", r.expected, ". Check how you got it."])
    if any(r.untried and r.verdict == "wrong" for r in result.results):
        lines.append(["Not every slip was tried for every wrong answer: this calculation is too "
                      f"large to try each slip in each {result.worked.site} within check's work "
                      "limit; the slips named are those found within it."])
    if result.twice:
        pairs = "; ".join(f"{kept.key} (line {kept.line}) and {left.key} (line {left.line})"
                          for kept, left in result.twice)
        lines.append([f"Given twice and checked once, as the one with more digits: {pairs}."])
    if result.rounding_decimals is not None:
        n = result.rounding_decimals
        lines.append([f"Your numbers are exactly what rounding every value to {n} decimal"
                      f"{'s' if n != 1 else ''} at each step gives: add --round {n} to check "
                      "them that way."])
    return Section("Summary", lines)


def slip_sentence(r: Result, several_blocks: bool) -> list:
    """One wrong answer's slip in a sentence: what the student wrote, the slip that gives
    it, and what belongs there (from their own earlier values when those differ)."""
    where = f" (iteration {r.quantity.iteration})" if several_blocks else ""
    detail = f", {r.slip_detail}" if r.slip_detail else ""
    line: list = [f"{r.key}{where}: you wrote ", r.answer.shown,
                  f", which is what you get with {SLIPS[r.slip or '']} [{r.slip}{detail}]"
                  f"{also_slips(r)}; done right it is "]
    if math.isfinite(r.yours) and abs(r.yours - r.expected) > r.answer.unit / 2:
        line += [r.yours, " from your own earlier values (", r.expected, " from exact ones)."]
    else:
        line += [r.expected, "."]
    return line


def also_slips(r: Result) -> str:
    """The other slips that give the same number, as a clause ("" when there are none)."""
    if not r.more_slips:
        return ""
    others = " or ".join(f"{SLIPS[name]}{f' ({detail})' if detail else ''} [{name}]"
                         for name, detail in r.more_slips)
    return f" (so does {others})"


def as_written(result: CheckResult) -> dict:
    """The student's values (``CheckResult.values``), each one they wrote drawn as written."""
    values = dict(result.values)
    for r in result.results:
        values[r.quantity.key] = r.answer.shown
    return values


def check_document(result: CheckResult) -> dict:
    first = result.first_wrong
    return {"network": result.network.title, "results": result_entries(result, samples=True),
            "first_wrong": first.key if first else None}


def result_entries(result: CheckResult, samples: bool) -> list[dict]:
    """Each answer's JSON entry; with several blocks its iteration (and, for a network's
    answers, ``samples``, its sample)."""
    entries = []
    for r in result.results:
        entry = {"key": r.key, "given": r.answer.given, "written": r.answer.written,
                 "expected": r.expected, "verdict": r.verdict, "slip": r.slip,
                 "slips": [r.slip, *(name for name, _ in r.more_slips)] if r.slip else []}
        if result.several_blocks:
            entry["iteration"] = r.quantity.iteration
            if samples:
                entry["sample"] = r.answer.sample + 1
        entries.append(entry)
    return entries


def check_records(result: CheckResult) -> list[dict]:
    """``check --format csv``'s rows: the JSON's results, ``given`` as the student wrote it
    (CSV is text: 0.5930 keeps its zero)."""
    return [{**{k: v for k, v in entry.items() if k != "written"}, "given": entry["written"],
             "slips": " or ".join(entry["slips"])}
            for entry in check_document(result)["results"]]
