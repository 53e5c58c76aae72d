"""Reading a graph file (a file with ``nodes``): YAML with marks → a checked ``Graph``.

Every mistake is one ``InputError`` naming the file, line and column, and for an
expression the column inside it too.  An expression is parsed by ``expressions``,
never run as code.
"""

from __future__ import annotations

import math

from .errors import InputError
from .expressions import ExpressionError, Name, names, operations, parse
from .graph import Graph, GraphNode, forward
from .operations import FUNCTIONS
from .yamlsource import Document, Mark, RefusedNumber, YamlMap

TOP_KEYS = {"name", "description", "inputs", "nodes", "output", "learning_rate", "parameters",
            "state"}
MAX_NODES = 10_000
# Each operation is a tape entry and a table row: the total bounds a graph's time and
# memory (docs/limits.md), whatever its nodes' sizes.
MAX_OPERATIONS = 20_000


def kind_of(doc: Document) -> str:
    """``graph`` (a file with ``nodes``) or ``network``; a file with both refused."""
    value = doc.value
    if not isinstance(value, dict):
        return "network"            # netfile says what it expected
    if "nodes" in value and "layers" in value:
        raise doc.error("a file has either layers (a network) or nodes (a computational "
                        "graph), found both", getattr(value, "key_marks", {}).get("nodes"),
                        "nodes")
    # Neither: a file with a graph's inputs is a graph missing its nodes; any other is
    # a network's, whose reader names a misspelt key as such.
    return "graph" if "nodes" in value or "inputs" in value else "network"


def _where(doc: Document, mapping: YamlMap, key: str, label: str):
    def fail(message: str) -> InputError:
        return doc.error(message, mapping.value_marks[key], label)
    return fail


def _number(doc: Document, mapping: YamlMap, key, label: str) -> float:
    value = mapping[key]
    fail = _where(doc, mapping, key, label)
    if isinstance(value, RefusedNumber):
        raise fail(value.problem)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(f"expected a number, found {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise fail(f"expected a finite number, found {value}")
    return number


def _name(doc: Document, mark: Mark, value, label: str) -> str:
    if not isinstance(value, str) or isinstance(value, RefusedNumber) \
            or not value.isidentifier() or not value.isascii():
        raise doc.error(f"expected a name (letters, digits and _, not starting with a digit, "
                        f"such as x or w0), found {value!r}", mark, label)
    if value in FUNCTIONS:
        raise doc.error(f"{value!r} is a function's name; choose another name", mark, label)
    return value


def parse_graph(doc: Document, text: str = "") -> Graph:
    root = doc.value
    assert isinstance(root, YamlMap)
    for key in root:
        if key not in TOP_KEYS:
            raise doc.error(f"unknown key {key!r}; a graph file has "
                            f"{', '.join(sorted(TOP_KEYS))}", root.key_marks[key], str(key))
    for key in ("inputs", "nodes"):
        if key not in root:
            raise doc.error(f"missing required key {key!r}")
    lines = text.splitlines()
    inputs = _inputs(doc, root)
    nodes = _nodes(doc, root, inputs, lines)
    title = str(root["name"]) if "name" in root and root["name"] is not None else \
        doc.file or "graph"
    output = nodes[-1].name
    if "output" in root:
        output = _name(doc, root.value_marks["output"], root["output"], "output")
        if output not in {node.name for node in nodes}:
            raise doc.error(f"expected one of the nodes ({', '.join(n.name for n in nodes)}), "
                            f"found {output!r}", root.value_marks["output"], "output")
    learning_rate = None
    if "learning_rate" in root:
        learning_rate = _number(doc, root, "learning_rate", "learning_rate")
        if learning_rate < 0:
            raise doc.error(f"expected a number of 0 or more, found {root['learning_rate']}",
                            root.value_marks["learning_rate"], "learning_rate")
    parameters = _parameters(doc, root, inputs)
    if parameters and learning_rate is None:
        raise doc.error("parameters are updated with a learning_rate: add one",
                        root.value_marks["parameters"], "parameters")
    description = str(root["description"]) if root.get("description") is not None else None
    graph = Graph(title, inputs, nodes, output, learning_rate, parameters, doc.file,
                  description=description, iteration=_iteration(doc, root))
    if graph.iteration == 0:
        # a division by zero or a log of a non-positive number: the file's mistake,
        # refused; at a saved state's values it is a run that cannot go on (graph_uses)
        forward(graph)
    return graph


def _inputs(doc: Document, root: YamlMap) -> dict[str, float]:
    mapping = root["inputs"]
    if not isinstance(mapping, YamlMap) or not mapping:
        raise doc.error("expected a mapping of names to numbers, such as {x: -2, y: 5}",
                        root.value_marks["inputs"], "inputs")
    inputs = {}
    for key in mapping:
        name = _name(doc, mapping.key_marks[key], key, f"inputs.{key}")
        inputs[name] = _number(doc, mapping, key, f"inputs.{key}")
    return inputs


def _nodes(doc: Document, root: YamlMap, inputs: dict, lines: list[str]) -> list[GraphNode]:
    mapping = root["nodes"]
    if not isinstance(mapping, YamlMap) or not mapping:
        raise doc.error("expected a mapping of node names to expressions, such as "
                        "{q: x + y, f: q * z}", root.value_marks["nodes"], "nodes")
    if len(mapping) > MAX_NODES:
        raise doc.error(f"more than {MAX_NODES:,} nodes", root.value_marks["nodes"], "nodes")
    nodes: list[GraphNode] = []
    defined: set[str] = set()           # the nodes above, for a lookup in constant time
    order = list(mapping)
    total = 0
    for key in order:
        label = f"nodes.{key}"
        name = _name(doc, mapping.key_marks[key], key, label)
        if name in inputs:
            raise doc.error(f"{name!r} is an input already; give the node another name",
                            mapping.key_marks[key], label)
        value = mapping[key]
        mark = mapping.value_marks[key]
        if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
            raise doc.error(f"expected an expression (such as x + y), found {value!r}",
                            mark, label)
        text = str(mapping.value_texts[key] if mapping.value_texts[key] is not None else value)
        node_place = _placed(GraphNode(name, text, None, mark.line,  # type: ignore[arg-type]
                                       mark.column), lines)
        try:
            node_place.expr = parse(text)
        except ExpressionError as error:
            raise _at(doc, node_place, error.column, error.message) from None
        total += operations(node_place.expr)
        if total > MAX_OPERATIONS:
            raise doc.error(f"more than {MAX_OPERATIONS:,} operations in the graph's nodes "
                            f"(reached at node {name})", mark, label)
        for used in names(node_place.expr):
            _check_name(doc, node_place, used, inputs, nodes, defined, mapping)
        nodes.append(node_place)
        defined.add(name)
    return nodes


def _placed(node: GraphNode, lines: list[str]) -> GraphNode:
    """The node with the place of each character of its expression: as written on one
    line, the value's start is enough (after its quote); folded over lines or with
    escapes, each character is mapped (``scalar_places``), or else the value's start
    is named, approximately."""
    line = lines[node.line - 1] if 0 < node.line <= len(lines) else ""
    quoted = line[node.column - 1:node.column] in ("'", '"')
    start = node.column + quoted
    if line[start - 1:start - 1 + len(node.text)] == node.text:
        node.column = start                         # written as it reads
        return node
    from .scalar_places import places
    node.places = places(lines, node.line, node.column, node.text)
    node.approximate = node.places is None
    return node


def _at(doc: Document, node: GraphNode, column: int, message: str) -> InputError:
    line, at = node.place(column)
    return InputError(f"{message} {node.where(column)}", file=doc.file,
                      line=line, column=at, field=f"nodes.{node.name}")


def _check_name(doc, node: GraphNode, used: Name, inputs, nodes, defined, mapping) -> None:
    name = used.name
    if name in inputs or name in defined:
        return
    column = used.start + 1
    if name == node.name:
        raise _at(doc, node, column, f"{name} uses itself: a cycle")
    if name in mapping:
        later = str(mapping[name])
        try:
            uses_back = node.name in {n.name for n in names(parse(later))}
        except ExpressionError:
            uses_back = False
        if uses_back:
            raise _at(doc, node, column, f"a cycle: {node.name} uses {name}, and {name} uses "
                      f"{node.name}")
        raise _at(doc, node, column, f"{name} is used before it is defined (a node uses "
                  "inputs and the nodes above it)")
    known = [*inputs, *(n.name for n in nodes)]
    raise _at(doc, node, column, f"unknown name {name!r}; expected an input or a node above "
              f"({', '.join(known)})")


def _parameters(doc: Document, root: YamlMap, inputs: dict) -> list[str]:
    if "parameters" not in root:
        return []
    value = root["parameters"]
    mark = root.value_marks["parameters"]
    if not isinstance(value, list):
        raise doc.error(f"expected a list of input names, such as [x], found {value!r}",
                        mark, "parameters")
    chosen = []
    for item, item_mark in zip(value, getattr(value, "item_marks", [doc.mark] * len(value))):
        if item not in inputs:
            raise doc.error(f"expected one of the inputs ({', '.join(inputs)}), found {item!r}",
                            item_mark, "parameters")
        if item in chosen:
            raise doc.error(f"{item!r} is listed twice", item_mark, "parameters")
        chosen.append(item)
    return chosen


def _iteration(doc: Document, root: YamlMap) -> int:
    """The updates done before (a saved state's ``state: {iteration: N}``)."""
    if "state" not in root:
        return 0
    state = root["state"]
    if not isinstance(state, YamlMap) or set(state) != {"iteration"}:
        raise doc.error("expected {iteration: N}, the updates done before",
                        root.value_marks["state"], "state")
    value = state["iteration"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise doc.error(f"expected a whole number of 0 or more, found {value!r}",
                        state.value_marks["iteration"], "state.iteration")
    return value


def load_graph(path, display: str | None = None) -> Graph:
    """Read and check a graph file (a file with ``nodes``); a network file is refused."""
    from .yamlsource import load_yaml, read_text
    display = display or str(path)
    text = read_text(path, display)
    doc = load_yaml(text, display)
    if kind_of(doc) != "graph":
        raise doc.error("expected a computational graph (a file with inputs and nodes); "
                        "this is a network file: read it with load_network")
    graph = parse_graph(doc, text)
    graph.source_path = path
    return graph
