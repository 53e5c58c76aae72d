"""A computational graph written back as a graph file: the state `step` continues from.

Numbers are written as Python's shortest round-trip repr, so a graph read back computes
bit for bit what the one saved would have."""

from __future__ import annotations

from pathlib import Path

import yaml

from .graph import Graph
from .savefile import _Dumper, check_saved_finite, check_saved_size, write_file
from .yamlsource import SAVED_MARK


def graph_document(graph: Graph) -> dict:
    document: dict = {"name": graph.title}
    if graph.description:
        document["description"] = graph.description
    document["inputs"] = dict(graph.inputs)
    document["nodes"] = {node.name: node.text for node in graph.nodes}
    document["output"] = graph.output
    if graph.learning_rate is not None:
        document["learning_rate"] = graph.learning_rate
    if graph.parameters:
        document["parameters"] = list(graph.parameters)
    document["state"] = {"iteration": graph.iteration}
    return document


def graph_yaml(graph: Graph) -> str:
    header = (f"{SAVED_MARK} after iteration {graph.iteration}"
              + (f" of {graph.source}" if graph.source else "") + ".\n"
              "# A valid graph file; its state block lets `backcalc step` continue exactly.\n")
    return header + yaml.dump(graph_document(graph), Dumper=_Dumper, sort_keys=False,
                              default_flow_style=False, allow_unicode=True, width=100)


def save_graph_state(graph: Graph, path: Path) -> None:
    check_saved_finite(graph_document(graph), path, "graph")     # a last guard: read back, always
    text = graph_yaml(graph)
    check_saved_size(text, path, "graph")
    write_file(path, text, replace=True, option="the state file")
