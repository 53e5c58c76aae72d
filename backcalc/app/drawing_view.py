"""`show`: a network file checked and drawn."""

from __future__ import annotations

from ..drawing import show_report
from ..limits import MAX_PARAMETERS
from ..network import Network
from ..numbers import DEFAULT_PRECISION
from .inputs import NetworkInput, check_sample, load, with_rounding
from .results import Drawing

WIDTH = 100          # the drawing's width when no terminal sets it


def show(network: NetworkInput, *, values: bool = False, sample: int = 1,
         precision: int = DEFAULT_PRECISION, round_decimals: int | None = None,
         width: int = WIDTH, max_parameters: int = MAX_PARAMETERS) -> Drawing:
    """The network drawn for ``width`` columns (summarised when too large to draw);
    ``values``: each neuron's z and a for sample ``sample`` (from 1), and its loss."""
    net = with_rounding(load(network, max_parameters), round_decimals)
    check_sample(net, sample)
    command = None if isinstance(network, Network) else str(network)
    sections = show_report(net, width=width, values=values, sample=sample,
                           precision=precision, command=command)
    return Drawing(net, sections, precision, width, list(net.warnings))
