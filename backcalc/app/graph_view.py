"""`show` on a computational graph: the circuit with its values and gradients drawn."""

from __future__ import annotations

from ..graph import Graph, calculate
from ..layout import fit_width
from .graph_uses import refuse_options
from .results import Drawing


def show_graph(graph: Graph, *, sample: int, precision: int, round_decimals: int | None,
               width: int, command: str | None) -> Drawing:
    """The circuit drawn for ``width`` columns (listed as tables when too wide); a graph
    has no samples and no rounding, so --sample and --round are refused."""
    from ..graph_drawing import show_graph_report
    refuse_options(graph, **{"--sample": sample if sample != 1 else None,
                             "--round": round_decimals})
    width = fit_width(width)
    sections = show_graph_report(calculate(graph), width=width, precision=precision,
                                 command=command)
    return Drawing(graph, sections, precision, width, list(graph.warnings))
