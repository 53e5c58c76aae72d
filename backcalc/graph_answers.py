"""Reading an answers file for a computational graph, for ``check`` (SPEC, "Computational
graphs"): a node's value by its name (``q: 3``), a gradient of the output by
``d<output>/d<name>`` (``df/dq: -4``, also ``∂f/∂q``), an updated parameter by
``<name>+`` (``x+: -1.6``), with optional ``iteration``; or a list of such blocks.

Each number keeps the text the student wrote (its last digit sets its tolerance), as a
network's answers do (``answers``), and every mistake is one line naming the file, line
and column, with what was expected.
"""

from __future__ import annotations

import re

from .answers import MAX_ITERATION, Answer, _scalar, read_blocks, written_unit
from .errors import InputError
from .graph import Graph
from .graph_worked import GRAD, UPDATED, VALUE
from .netfile import Node, _did_you_mean, describe
from .yamlsource import load_yaml, read_text

_GRADIENT = re.compile(r"d([A-Za-z_][A-Za-z_0-9]*)/d([A-Za-z_][A-Za-z_0-9]*)")
BLOCK_KEYS = ("iteration",)


def key_forms(graph: Graph) -> str:
    """What a graph's answers file may hold, for error messages."""
    nodes = [node.name for node in graph.nodes]
    shown = ", ".join(nodes[:3]) + (", …" if len(nodes) > 3 else "")
    out = graph.output
    forms = f"a node's value ({shown}), a gradient d{out}/d<name> (d{out}/d{nodes[0]})"
    if graph.parameters:
        forms += f", an updated parameter <name>+ ({graph.parameters[0]}+)"
    return forms


def load_graph_answers(path, graph: Graph, display: str | None = None,
                       warnings: list[str] | None = None) -> list[Answer]:
    display = display or str(path)
    return parse_graph_answers(read_text(path, display), graph, display, warnings)


def parse_graph_answers(text: str, graph: Graph, display: str,
                        warnings: list[str] | None = None) -> list[Answer]:
    """The answers written in ``text`` for ``graph``, named ``display`` in messages;
    ``warnings`` gets a line on how a comma was read, if there is one to give."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise InputError(f"the file is empty, expected answers ({key_forms(graph)})",
                         file=display, line=1)
    doc = load_yaml(text, display)
    return read_blocks(doc, lambda block, number: _block(block, number, graph),
                       example=graph.nodes[0].name, forms=key_forms(graph),
                       some=key_forms(graph), warnings=warnings)


def _block(node: Node, number: int, graph: Graph) -> list[Answer]:
    if not isinstance(node.value, dict):
        raise node.error(f"expected a mapping of answers, found {describe(node.value)}")
    iteration = None
    if node.has("iteration"):
        item = node["iteration"]
        iteration = item.integer()
        first = graph.iteration + 1
        last = MAX_ITERATION if graph.parameters else first
        if not first <= iteration <= last and graph.parameters:
            where = f" (the graph continues after iteration {first - 1})" if first > 1 else ""
            raise item.error(f"expected an iteration from {first} to {last:,}{where}, "
                             f"found {item.value}")
        if not first <= iteration <= last:
            raise item.error(f"expected iteration {first} (the graph has no parameters to "
                             f"update, so its calculation is one iteration), found {item.value}")
    answers = []
    for key in node.value:
        if key in BLOCK_KEYS:
            continue
        item = node[key]
        item.label = str(key)
        reported, kind = _kind(str(key), item, graph)
        value_node = _scalar(item)
        value = value_node.number()
        answers.append(Answer(reported, kind, 0, 0, 0, value,
                              written_unit(value_node.written, value), iteration, 0, number,
                              value_node.doc.file, value_node.mark.line, value_node.mark.column,
                              value_node.written or repr(value)))
    return answers


def _kind(key: str, node: Node, graph: Graph) -> tuple[str, str]:
    """(the key as reported, the kind of its quantity's key: ``value q``, ``grad x``, …)."""
    text = key.strip().replace("∂", "d")
    nodes = {n.name for n in graph.nodes}
    names = [*graph.inputs, *(n.name for n in graph.nodes)]
    out = graph.output
    if text in nodes:
        return text, f"{VALUE} {text}"
    if text in graph.inputs:
        raise node.error(f"{text} is an input: its value ({graph.inputs[text]:g}) is given; "
                         f"answer {key_forms(graph)}")
    match = _GRADIENT.fullmatch(text)
    if match and match.group(2) in names:
        if match.group(1) != out:
            raise node.error(f"the gradients are of the output, {out}: write "
                             f"d{out}/d{match.group(2)} (a local derivative such as "
                             f"d{match.group(1)}/d{match.group(2)} is not an answer)")
        return text, f"{GRAD} {match.group(2)}"
    if text.endswith("+") and text[:-1] in graph.parameters:
        return text, f"{UPDATED} {text[:-1]}"
    if text.endswith("+") and text[:-1] in names:
        which = (f"its parameters are {', '.join(graph.parameters)}" if graph.parameters
                 else "it has no parameters")
        raise node.error(f"{text[:-1]} is not a parameter of the graph ({which}): only a "
                         "parameter is updated")
    known = [*nodes, *(f"d{out}/d{name}" for name in names),
             *(f"{name}+" for name in graph.parameters)]
    hint = _did_you_mean(text, known)
    raise node.error(f"unknown answer {key!r}{hint}; expected {key_forms(graph)}")
