"""What every use starts from: the network (a path, a bundled example's name, or a
``Network``) with the options that change it, and the options checked against it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import InputError, OptionError
from ..examples import resolve
from ..graph import Graph
from ..limits import MAX_PARAMETERS
from ..network import Network

NetworkInput = str | Path | Network
"""A network file's path, a bundled example's name (``"mazur"``), or a ``Network``."""


def load(network: NetworkInput, max_parameters: int = MAX_PARAMETERS,
         use: str = "this command") -> Network:
    """The network, read and checked (a ``Network`` is taken as it is); a graph file is
    refused, naming the ``use`` that takes networks only."""
    loaded = load_input(network, max_parameters)
    if isinstance(loaded, Graph):
        raise InputError(f"{use} does not take a computational graph (a file with nodes "
                         "works with run, step, check, show and gradcheck)",
                         file=loaded.source)
    return loaded


def load_input(network: NetworkInput | Graph,
               max_parameters: int = MAX_PARAMETERS) -> Network | Graph:
    """The network or computational graph (a file with ``nodes``), read and checked."""
    if isinstance(network, (Network, Graph)):
        return network
    path, display = resolve(str(network))
    loaded = read_input(path, display, max_parameters)
    loaded.source_path = path
    return loaded


def read_input(path: Path, display: str, max_parameters: int = MAX_PARAMETERS) -> Network | Graph:
    """A network file or a graph file, told apart by ``layers`` or ``nodes``."""
    from ..netfile import parse_network
    from ..yamlsource import load_yaml, read_text
    text = read_text(path, display)
    doc = load_yaml(text, display)
    loaded: Network | Graph
    if _kind(doc) == "graph":
        from ..graphfile import parse_graph
        loaded = parse_graph(doc, text)
    else:
        loaded = parse_network(doc, max_parameters)
    return loaded


def _kind(doc) -> str:
    from ..graphfile import kind_of
    return kind_of(doc)


def source_of(net: Network) -> Path | None:
    """The file the network was read from (None: made in memory), which no output of
    the command may overwrite."""
    return Path(str(net.source_path)) if net.source_path is not None else None


def with_rounding(net: Network, round_decimals: int | None) -> Network:
    """The network with ``round_decimals`` (--round) standing for its round_intermediates."""
    if round_decimals is None:
        return net
    return replace(net, round_intermediates=round_decimals)


def check_sample(net: Network, sample: int) -> None:
    """``sample`` (counted from 1) is one of the network's samples."""
    if sample > len(net.samples):
        raise OptionError(f"the network has {len(net.samples)} sample"
                          f"{'s' if len(net.samples) != 1 else ''}, found {sample}",
                          option="sample")


def explainer(net: Network, explain: bool, layer: int | None, neuron: int | None):
    """The ``after_step`` hook writing out each shown step (None without ``explain``):
    ``explainer(run)(step)`` gives the step's worked sections."""
    if not explain:
        return None
    from ..explain import Selection, explain_sections
    if layer is not None and layer > len(net.layers):
        raise OptionError(f"the network has layers 1 to {len(net.layers)}, found {layer}",
                          option="layer")
    chosen = net.layers if layer is None else [net.layers[layer - 1]]
    sizes = [spec.size for spec in chosen]
    base = net.index_base
    if neuron is not None and not base <= neuron < max(sizes) + base:
        where = f"layer {layer}" if layer is not None else "the largest layer"
        raise OptionError(f"{where} has neurons {base} to {max(sizes) + base - 1}, "
                          f"found {neuron}", option="neuron")
    selection = Selection(layer, neuron)
    return lambda run: (lambda step: explain_sections(run, step, selection))
