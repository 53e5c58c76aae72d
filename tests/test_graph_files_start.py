"""Graph files and the tools around them: the JSON Schema knows them (a file is a network
or a graph), the bundled graphs name it on their first line and validate, and
`backcalc new graph` writes a graph that loads, validates and runs.

Documents are validated as backcalc's own YAML reader builds them (``load_yaml``), with
the schema file that ships (what `backcalc schema` prints, test_schema.py checks).
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from backcalc.errors import InputError
from backcalc.examples import example_paths, graph_paths
from backcalc.graphfile import parse_graph
from backcalc.schema import SCHEMA_PATH
from backcalc.yamlsource import load_yaml

from helpers import invoke, one_error_line, run_json

pytestmark = pytest.mark.usefixtures("in_tmp")

VALIDATOR = jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))
GRAPHS = sorted(graph_paths().items())
MODELINE = "# yaml-language-server: $schema=../network.schema.json\n"


def valid(text: str) -> bool:
    return VALIDATOR.is_valid(load_yaml(text, "<text>").value)


def loads(text: str) -> bool:
    try:
        parse_graph(load_yaml(text, "<text>"), text)
        return True
    except InputError:
        return False


@pytest.mark.parametrize("name, path", GRAPHS, ids=[name for name, _ in GRAPHS])
def test_every_bundled_graph_names_the_schema_on_its_first_line_and_validates(name, path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MODELINE), f"{name}.yaml must start with {MODELINE!r}"
    assert (path.parent / "../network.schema.json").resolve() == SCHEMA_PATH.resolve()
    assert valid(text)


def test_networks_still_validate_and_are_not_graphs():
    assert len(GRAPHS) == 3
    for path in example_paths().values():
        assert valid(path.read_text(encoding="utf-8")), path


CIRCUIT = "inputs: {x: -2, y: 5, z: -4}\nnodes:\n  q: x + y\n  f: q * z\n"

CASES = [   # (a graph file, whether the reader accepts it): the schema agrees
    (CIRCUIT, True),
    (CIRCUIT + "output: q\nlearning_rate: 0.1\nparameters: [x]\nname: c\n", True),
    (CIRCUIT + "state: {iteration: 3}\n", True),
    (CIRCUIT + "parameters: []\n", True),              # no parameters: no learning rate needed
    (CIRCUIT + "colour: red\n", False),                # an unknown key
    (CIRCUIT + "parameters: [x]\n", False),            # parameters without a learning_rate
    (CIRCUIT + "learning_rate: -1\n", False),
    (CIRCUIT + "parameters: [x, x]\nlearning_rate: 1\n", False),
    (CIRCUIT + "state: {iteration: -1}\n", False),
    (CIRCUIT + "layers: []\n", False),                  # both a network and a graph
    ("inputs: {x: -2}\nnodes: {}\n", False),
    ("inputs: {}\nnodes: {f: 1}\n", False),
    ("inputs: {exp: 1}\nnodes: {f: exp}\n", False),     # a function's name
    ("inputs: {2x: 1}\nnodes: {f: 1}\n", False),        # not a name
    ("inputs: {x: '1'}\nnodes: {f: x}\n", False),       # not a number
    ("inputs: {x: 1}\nnodes: {f: [x]}\n", False),       # not an expression
    ("inputs: {x: 1}\nnodes: {f: x}\noutput: exp\n", False),
]


@pytest.mark.parametrize("text, accepted", CASES)
def test_the_schema_agrees_with_the_reader(text, accepted):
    assert loads(text) is accepted
    assert valid(text) is accepted


def test_a_saved_graph_state_validates():
    invoke("run", "cs231n-neuron")
    text = Path(".backcalc/state.yaml").read_text(encoding="utf-8")
    assert "nodes:" in text and "state:" in text
    assert valid(text)


# --- backcalc new graph --------------------------------------------------------------

def test_new_graph_is_commented_loads_validates_and_runs():
    text = invoke("new", "graph").stdout
    assert text.startswith("# yaml-language-server: $schema=")
    for key in ("inputs:", "nodes:", "output:", "learning_rate:", "parameters:"):
        line = next(line for line in text.splitlines() if line.startswith(key))
        assert "  # " in line, f"{key} has no comment saying what it means"
    assert loads(text) and valid(text)
    Path("c.yaml").write_text(text, encoding="utf-8")
    document = run_json("run", "c.yaml")
    # CS231n's circuit: f = (x + y)·z = (-2 + 5)·(-4) = -12; x ← -2 − 0.1·(-4) = -1.6
    assert document["value"] == -12
    assert document["parameters"][0] == {"name": "x", "value": -2, "grad": -4,
                                         "updated": pytest.approx(-1.6)}


def test_new_graph_o_never_overwrites_and_takes_a_name():
    result = invoke("new", "graph", "-o", "c.yaml", "--name", "my: circuit")
    assert result.stdout.startswith("Graph written to c.yaml")
    text = Path("c.yaml").read_text(encoding="utf-8")
    assert "# Then: backcalc run c.yaml" in text
    assert run_json("run", "c.yaml")["graph"] == "my: circuit"
    refused = one_error_line(invoke("new", "graph", "-o", "c.yaml", code=2))
    assert "-o would overwrite an existing file" in refused
    invoke("new", "graph", "-o", "c.yaml", "--force")
    assert run_json("run", "c.yaml")["graph"] == "CS231n's first circuit"
    assert invoke("show", "c.yaml").stdout.count("┌─ ") == 2          # q and f drawn


@pytest.mark.parametrize("option", [["--loss", "mse"], ["--seed", "3"], ["--nesterov"],
                                    ["--input", "1"], ["--learning-rate", "0.1"]])
def test_new_graph_refuses_network_options(option):
    line = one_error_line(invoke("new", "graph", *option, code=2))
    assert line == (f"Error: {option[0]}: a network's option; `backcalc new graph` takes only "
                    "--name, -o and --force")
