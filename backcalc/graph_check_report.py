"""What ``check`` on a computational graph shows: the verdict table and the summary (the
network's own, ``check_report.summary``: the first wrong step worked out, each slip in a
sentence), and the JSON and CSV forms."""

from __future__ import annotations

from .check import CheckResult
from .check_report import result_entries, summary, verdict_text
from .document import Cell, Section, Table

INPUTS = 8
"""The header names this many inputs with their values, and how many more there are."""


def check_report(result: CheckResult, answers_name: str, tolerance: float | None,
                 round_decimals: int | None = None) -> list[Section]:
    graph = result.network
    out = graph.output
    shown = [f"{name} = {value:.12g}" for name, value in list(graph.inputs.items())[:INPUTS]]
    more = len(graph.inputs) - INPUTS
    lines: list = [[f"inputs: {', '.join(shown)}" + (f", … ({more} more)" if more > 0 else "")],
                   [f"output: {out} = {graph.node(out).text}"]]
    if graph.parameters:
        lines.append([f"parameters: {', '.join(graph.parameters)}, updated by "
                      f"θ⁺ = θ − η·∂{out}/∂θ with η = {graph.learning_rate:g}"])
    if round_decimals is not None:
        lines.append([f"every value rounded to {round_decimals} decimal"
                      f"{'s' if round_decimals != 1 else ''} before it is used further "
                      f"(--round {round_decimals})"])
    if graph.source:
        lines.append([f"graph: {graph.source}"])
    lines.append([f"tolerance: {tolerance} for every answer" if tolerance is not None else
                  "tolerance: half a unit of the last digit you wrote, plus the drift "
                  "your own rounded values carry"])
    header = Section(f"Checking {answers_name} against {graph.title}", lines)
    columns = (["iteration"] if result.several_blocks else []) + [
        "answer", "quantity", "yours", "expected", "verdict"]
    rows = []
    for r in result.results:
        cells: list[Cell] = [str(r.quantity.iteration)] if result.several_blocks else []
        rows.append(cells + [r.key, r.quantity.symbol, r.answer.shown, r.expected,
                             verdict_text(r)])
    table = Table("Your answers, in the order they are computed", columns, rows)
    return [header, Section("Check", [], [table]), summary(result)]


def check_document(result: CheckResult) -> dict:
    """``check --format json`` for a graph: the network's shape, ``graph`` for its title."""
    first = result.first_wrong
    return {"graph": result.network.title, "output": result.network.output,
            "results": result_entries(result, samples=False),
            "first_wrong": first.key if first else None}


def check_records(result: CheckResult) -> list[dict]:
    """``check --format csv``'s rows: the JSON's results, ``given`` as written."""
    return [{**{k: v for k, v in entry.items() if k != "written"}, "given": entry["written"],
             "slips": " or ".join(entry["slips"])}
            for entry in check_document(result)["results"]]
