"""`check` on a computational graph (a file with ``nodes``): a student's answers by node
name, ``d<output>/d<name>`` and ``<parameter>+``, judged as a network's are."""

from __future__ import annotations

from pathlib import Path

from ..csvout import record_rows
from ..examples import resolve_answers
from ..formats import Choice, Output, check_target
from ..graph import Graph
from ..work_progress import Callback, counting
from .results import CheckOutcome


def check_graph(graph: Graph, answers, *, tolerance: float | None = None,
                round_decimals: int | None = None, learning_rate: float | None = None,
                choice: Choice, progress: Callback | None = None) -> CheckOutcome:
    """Each answer right or wrong, the first wrong step, and why (``status`` 1 when an
    answer is wrong); ``answers`` as ``answer_check.check`` takes them."""
    from ..graph_answers import load_graph_answers, parse_graph_answers
    from ..graph_check import check
    from ..graph_check_report import check_document, check_records, check_report
    from .answer_check import GIVEN, answers_text
    source = Path(str(graph.source_path)) if graph.source_path is not None else None
    warnings = list(graph.warnings)
    if isinstance(answers, (dict, list)):
        display = GIVEN
        check_target(choice.path, choice.force, [source])
        given = parse_graph_answers(answers_text(answers), graph, display, warnings)
    else:
        path, display = resolve_answers(str(answers))
        check_target(choice.path, choice.force, [source, path])
        given = load_graph_answers(path, graph, display, warnings)
    with counting(progress, None):
        result = check(graph, given, tolerance=tolerance, learning_rate=learning_rate,
                       round_decimals=round_decimals)
    output = Output(f"Checking {display} against {graph.title}",
                    lambda: check_report(result, display, tolerance, round_decimals),
                    lambda: check_document(result),
                    lambda: record_rows(check_records(result)))
    return CheckOutcome(output, choice, status=0 if result.passed else 1, check=result,
                        warnings=warnings)
