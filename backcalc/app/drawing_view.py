"""`show`: a network file (or a computational graph) checked and drawn."""

from __future__ import annotations

from ..drawing import show_report
from ..graph import Graph
from ..limits import MAX_PARAMETERS
from ..network import Network
from ..numbers import DEFAULT_PRECISION
from .inputs import NetworkInput, check_sample, load_input, with_rounding
from .results import Drawing

WIDTH = 100          # the drawing's width when no terminal sets it


def show(network: NetworkInput | Graph, *, values: bool = False, sample: int = 1,
         precision: int = DEFAULT_PRECISION, round_decimals: int | None = None,
         width: int = WIDTH, max_parameters: int = MAX_PARAMETERS) -> Drawing:
    """The network drawn for ``width`` columns (summarised when too large to draw);
    ``values``: each neuron's z and a for sample ``sample`` (from 1), and its loss.
    A computational graph is drawn as a circuit, always with its values and gradients."""
    loaded = load_input(network, max_parameters)
    command = None if isinstance(network, (Network, Graph)) else str(network)
    if isinstance(loaded, Graph):
        from .graph_view import show_graph
        return show_graph(loaded, sample=sample, precision=precision,
                          round_decimals=round_decimals, width=width, command=command)
    net = with_rounding(loaded, round_decimals)
    check_sample(net, sample)
    sections = show_report(net, width=width, values=values, sample=sample,
                           precision=precision, command=command)
    return Drawing(net, sections, precision, width, list(net.warnings))
