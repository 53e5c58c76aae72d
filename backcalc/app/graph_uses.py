"""`run` and `gradcheck` on a computational graph (a file with ``nodes``).

A graph's run saves no state: `step` and `show`/`check` on graphs are not built yet,
and refuse a graph file in one line."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import InputError
from ..formats import Choice, Output, check_target
from ..graph import Graph, calculate
from .results import GradcheckOutcome, TrainingResult


def _source(graph: Graph) -> Path | None:
    return Path(str(graph.source_path)) if graph.source_path is not None else None


def refuse_options(graph: Graph, **given) -> None:
    """Network-only options given with a graph: refused, one line naming the first."""
    for option, value in given.items():
        if value not in (None, False):
            raise InputError(f"{option} does not apply to a computational graph (a file "
                             "with nodes)", file=graph.source)


def run_graph(graph: Graph, *, choice: Choice, explain: bool = False,
              learning_rate: float | None = None) -> TrainingResult:
    """Forward, backward, the parameters' update: every table of a graph's run."""
    if learning_rate is not None:
        graph = replace(graph, learning_rate=learning_rate)
    check_target(choice.path, choice.force, [_source(graph)])
    calc = calculate(graph)

    def sections() -> list:
        from ..graph_report import run_sections
        return run_sections(calc, explain)

    def document() -> dict:
        from ..graph_report import run_document
        return run_document(calc)

    def rows() -> tuple:
        from ..graph_report import CSV_COLUMNS, run_rows
        return CSV_COLUMNS, run_rows(calc)

    return TrainingResult(Output(graph.title, sections, document, rows), choice, run=calc,
                          warnings=list(graph.warnings))


def gradcheck_graph(graph: Graph, *, choice: Choice) -> GradcheckOutcome:
    """Every input's gradient of the output against a central difference."""
    from ..graph_gradcheck import check, document, report
    check_target(choice.path, choice.force, [_source(graph)])
    result = check(graph)
    output = Output(graph.title, lambda: report(result), lambda: document(result),
                    lambda: _records(document(result)["inputs"]))
    return GradcheckOutcome(output, choice, status=1 if result.mismatches else 0,
                            gradcheck=result)


def _records(records: list[dict]) -> tuple:
    from ..csvout import record_rows
    return record_rows(records)
