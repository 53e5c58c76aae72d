"""Textbook names for activations: Hagan's and MATLAB's logsig, tansig, purelin, poslin.

Each alias is the function of its canonical name (docs/network-file.md, "Activations"):
a one-neuron network gives the number worked by hand below, the same network written
with the canonical name gives the same JSON, and the conventions name the layer by its
canonical name and the alias written.
"""

from __future__ import annotations

import json
import math

import jsonschema
import pytest

from backcalc.activations import ACTIVATIONS
from backcalc.schema import network_schema
from backcalc.yamlsource import load_yaml

from helpers import NETWORKS, ONE_NEURON, invoke, one_error_line, run_cli, sigmoid, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

# ONE_NEURON: z = 0.1·1 + 0.2·2 + 0 = 0.5, so a = f(0.5).
ALIASES = [
    ("logsig", "sigmoid", sigmoid(0.5)),      # 1 / (1 + e^−0.5) = 0.6224593…
    ("tansig", "tanh", math.tanh(0.5)),       # 0.4621171…
    ("purelin", "linear", 0.5),
    ("poslin", "relu", 0.5),                  # max(0, 0.5)
]


def one_neuron(activation: str, name: str = "net.yaml") -> str:
    return write_network(ONE_NEURON.replace("activation: sigmoid", f"activation: {activation}"),
                         name)


@pytest.mark.parametrize("alias, canonical, a", ALIASES)
def test_an_alias_gives_the_hand_worked_output(alias, canonical, a):
    result = json.loads(invoke("run", one_neuron(alias), "--format", "json").stdout)
    assert result["steps"][0]["samples"][0]["layers"][0]["a"] == pytest.approx([a], rel=1e-15)


@pytest.mark.parametrize("alias, canonical, a", ALIASES)
def test_an_alias_gives_every_number_of_its_canonical_name(alias, canonical, a):
    mazur = (NETWORKS / "mazur.yaml").read_text(encoding="utf-8")
    hidden = mazur.replace("activation: sigmoid", f"activation: {canonical}", 1)
    write_network(hidden, "canonical.yaml")
    write_network(hidden.replace(f"activation: {canonical}", f"activation: {alias}", 1),
                  "alias.yaml")
    written = invoke("step", "alias.yaml", "-n", "3", "--format", "json").stdout
    assert alias not in written                  # JSON names no activation, alias or not
    assert json.loads(written) == json.loads(
        invoke("step", "canonical.yaml", "-n", "3", "--format", "json").stdout)


def test_the_conventions_and_the_drawing_name_the_canonical_function_and_the_alias():
    one_neuron("logsig")
    assert "activations    layer 1: sigmoid (written logsig)" in invoke("run", "net.yaml").stdout
    assert "sigmoid (written logsig)" in invoke("show", "net.yaml").stdout


def test_explain_and_check_work_on_an_aliased_file_as_on_the_canonical_one():
    mazur = (NETWORKS / "mazur.yaml").read_text(encoding="utf-8")
    write_network(mazur.replace("activation: sigmoid", "activation: logsig"), "alias.yaml")
    explained = invoke("run", "alias.yaml", "--explain").stdout
    canonical = invoke("run", "mazur", "--explain").stdout
    assert "layer 1: sigmoid (written logsig)" in explained
    # From the first table on (every value, formula and heading), word for word the same.
    start = "Iteration 1: forward pass"
    assert explained[explained.index(start):] == canonical[canonical.index(start):]
    assert "σ(" in explained[explained.index(start):]
    checked = run_cli("check", "alias.yaml", "seed001", "--format", "json")
    assert checked.exit_code == 1                 # seed001 has wrong answers, as with mazur
    assert json.loads(checked.stdout) == json.loads(
        run_cli("check", "mazur", "seed001", "--format", "json").stdout)


def test_new_writes_the_alias_given_and_the_file_runs():
    invoke("new", "2-2-1", "--activation", "tansig,purelin", "-o", "net.yaml")
    text = open("net.yaml", encoding="utf-8").read()
    assert "activation: tansig" in text and "activation: purelin" in text
    out = invoke("run", "net.yaml").stdout
    assert "layer 1: tanh (written tansig), layer 2: linear (written purelin)" in \
        " ".join(out.split())


def test_save_keeps_the_name_as_written():
    invoke("run", one_neuron("poslin"), "--save", "saved.yaml")
    assert "activation: poslin" in open("saved.yaml", encoding="utf-8").read()
    assert "relu (written poslin)" in invoke("run", "saved.yaml").stdout


@pytest.mark.parametrize("written, meant", [("logsigm", "logsig"), ("tansg", "tansig"),
                                            ("purlin", "purelin"), ("poslim", "poslin")])
def test_a_misspelled_alias_gets_a_suggestion(written, meant):
    line = one_error_line(run_cli("run", one_neuron(written)))
    assert line == (f"Error: net.yaml:6:17: layer 1.activation: expected one of elu, identity, "
                    f"leaky_relu, linear, logsig, poslin, purelin, relu, sigmoid, softmax, "
                    f"softplus, tanh, tansig, found {written!r} (did you mean {meant!r}?)")


def test_the_registry_and_the_schema_know_every_alias():
    for alias, canonical, _ in ALIASES:
        assert ACTIVATIONS[alias] is ACTIVATIONS[canonical]
    names = network_schema()["properties"]["layers"]["items"]["properties"]["activation"]
    described = dict(zip(names["anyOf"][0]["enum"], names["anyOf"][0]["enumDescriptions"]))
    assert described["logsig"].endswith("same as sigmoid")
    jsonschema.validate(load_yaml(open(one_neuron("tansig"), encoding="utf-8").read(),
                                  "net.yaml").value, network_schema())
