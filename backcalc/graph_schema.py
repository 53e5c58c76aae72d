"""The JSON Schema of a computational graph file (a file with ``nodes``), and of a file
backcalc reads: a network or a graph.

Like ``schema``'s network part, the keys come from the reader's own constants
(``graphfile.TOP_KEYS``) and the functions from the operations registry, so a key the
reader learns without words here fails loudly.  What a schema cannot see (an expression's
syntax, names used before they are defined, a division by zero) is left to the reader.
"""

from __future__ import annotations

import json

from . import graphfile
from .operations import FUNCTIONS
from .schema import DIALECT, TEXT, _described, network_schema

GRAPH = {   # every top-level key of a graph file, in the order a file usually writes them
    "name": "Optional title shown in the headings of every report.",
    "description": "Optional free text, a line for `backcalc examples`.",
    "inputs": "The circuit's inputs: a mapping of names to numbers, such as "
              "{x: -2, y: 5, z: -4}.",
    "nodes": "The nodes, in order: each a name and an expression of inputs, numbers and the "
             "nodes above it, with + - * / ** (power), unary minus, parentheses and "
             "exp log sqrt abs sigmoid tanh relu max(u, v) min(u, v). Parsed by backcalc, "
             "never run as code.",
    "output": "The node whose gradients are computed (default: the last node).",
    "learning_rate": "η (0 or more), needed with parameters: θ ← θ − η·∂out/∂θ.",
    "parameters": "Inputs updated by θ ← θ − η·∂out/∂θ (run, step).",
    "state": "Written by backcalc in saved files (.backcalc/state.yaml): the updates done, "
             "so that `backcalc step` continues exactly.",
}

NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"


def _name(description: str) -> dict:
    """A name of an input or node: letters, digits and _, not a function's name."""
    return {"type": "string", "pattern": NAME_PATTERN,
            "not": {"enum": sorted(FUNCTIONS)}, "description": description}


def graph_schema() -> dict:
    """A graph file's schema (no ``$schema``: it stands inside ``file_schema``)."""
    order = _described(GRAPH, graphfile.TOP_KEYS, "graph key")
    key_name = {"pattern": NAME_PATTERN, "not": {"enum": sorted(FUNCTIONS)}}
    pieces: dict[str, dict] = {
        "name": TEXT, "description": TEXT,
        "inputs": {"type": "object", "minProperties": 1, "propertyNames": key_name,
                   "additionalProperties": {"type": "number"}},
        "nodes": {"type": "object", "minProperties": 1,
                  "maxProperties": graphfile.MAX_NODES, "propertyNames": key_name,
                  "additionalProperties": {
                      "type": ["string", "number"],
                      "description": "An expression, such as x + y or 1 / (1 + exp(-s))."}},
        "output": _name(GRAPH["output"]),
        "learning_rate": {"type": "number", "minimum": 0},
        "parameters": {"type": "array", "uniqueItems": True,
                       "items": _name("An input's name.")},
        "state": {"type": "object", "required": ["iteration"], "additionalProperties": False,
                  "properties": {"iteration": {"type": "integer", "minimum": 0,
                                               "description": "The updates done before."}}},
    }
    return {
        "type": "object",
        "title": "backcalc computational graph file",
        "description": "A scalar computational graph (CS231n's circuits, micrograd): inputs, "
                       "nodes as expressions, an output.",
        "properties": {key: {**pieces[key], "description": pieces[key].get("description",
                                                                            GRAPH[key])}
                       for key in order},
        "required": ["inputs", "nodes"],
        "additionalProperties": False,
        # parameters are updated with a learning rate
        "if": {"required": ["parameters"], "properties": {"parameters": {"minItems": 1}}},
        "then": {"required": ["learning_rate"]},
    }


def file_schema() -> dict:
    """A file backcalc reads: a network (with ``layers``) or a graph (with ``nodes``)."""
    network = {key: value for key, value in network_schema().items() if key != "$schema"}
    return {
        "$schema": DIALECT,
        "title": "backcalc network or computational graph file",
        "description": "A file for backcalc: a small fully-connected network (layers) or a "
                       "scalar computational graph (nodes). Written by `backcalc schema` "
                       "from backcalc's own registries.",
        "type": "object",
        "anyOf": [network, graph_schema()],
    }


def schema_text() -> str:
    """The schema as ``backcalc schema`` prints it and the shipped file holds it."""
    return json.dumps(file_schema(), indent=2, ensure_ascii=False) + "\n"
