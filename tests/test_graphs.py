"""Computational graphs (SPEC "Computational graphs"): the bundled circuits against their
published numbers, hand-derived gradients, refusals pointing into the expression, and
random expressions against central finite differences."""

from __future__ import annotations

import math
import random

import pytest

from backcalc.expressions import ExpressionError, parse
from backcalc.graph import Graph, GraphNode, calculate, output_value
from backcalc.operations import FUNCTIONS
from tests.helpers import invoke, one_error_line, run_json, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


def grads(document: dict) -> dict:
    return {node["name"]: node["grad"] for node in document["nodes"]}


def values(document: dict) -> dict:
    return {node["name"]: node["value"] for node in document["nodes"]}


# --- published numbers -----------------------------------------------------------------

def test_cs231n_first_circuit():
    # q = x + y = 3, f = q·z = -12; df/dq = z = -4, df/dz = q = 3, df/dx = df/dy = -4·1.
    doc = run_json("run", "cs231n-circuit")
    assert doc["graph"] == "CS231n's first circuit" and doc["output"] == "f"
    assert doc["value"] == -12
    assert grads(doc) == {"x": -4, "y": -4, "z": 3, "q": -4, "f": 1}
    assert doc["nodes"][3] == {"name": "q", "expression": "x + y", "value": 3, "grad": -4}
    assert doc["parameters"] == []


def test_cs231n_sigmoid_neuron():
    # Published (CS231n notes): f = 0.73, dw = [-0.2, -0.39, 0.2], dx = [0.39, -0.59].
    doc = run_json("run", "cs231n-neuron")
    assert round(doc["value"], 2) == 0.73
    g = grads(doc)
    assert [round(g[n], 2) for n in ("w0", "x0", "w1", "x1", "w2")] == \
        [-0.2, 0.39, -0.39, -0.59, 0.2]
    # s = 2·(-1) + (-3)·(-2) - 3 = 1; f = σ(1); df/ds = f(1 - f); dw0 = x0·df/ds.
    f = 1 / (1 + math.exp(-1))
    assert doc["value"] == pytest.approx(f, abs=1e-15)
    assert g["w0"] == pytest.approx(-1 * f * (1 - f), rel=1e-12)
    # the update: w ← w − 0.1·dw
    updated = {p["name"]: p["updated"] for p in doc["parameters"]}
    assert updated["w0"] == pytest.approx(2 - 0.1 * -1 * f * (1 - f), rel=1e-12)
    assert set(updated) == {"w0", "w1", "w2"}


def test_micrograd_readme():
    # micrograd's README prints g = 24.7041, a.grad = 138.8338, b.grad = 645.5773.
    doc = run_json("run", "micrograd")
    g = grads(doc)
    assert f"{doc['value']:.4f}" == "24.7041"
    assert f"{g['a']:.4f}" == "138.8338"
    assert f"{g['b']:.4f}" == "645.5773"


# --- a node used twice: its paths add up -------------------------------------------------

TWICE = """\
name: used twice
inputs: {a: 3, b: 2}
nodes:
  c: a * b
  d: c + a
learning_rate: 0.5
parameters: [a]
"""


def test_paths_sum_and_show_each_share():
    write_network(TWICE, "twice.yaml")
    doc = run_json("run", "twice.yaml")
    # d = a·b + a: dd/da = b + 1 = 3 (2 via c, 1 via d); dd/db = a = 3.
    assert grads(doc) == {"a": 3, "b": 3, "c": 1, "d": 1}
    assert doc["parameters"] == [{"name": "a", "value": 3, "grad": 3, "updated": 3 - 0.5 * 3}]
    table = invoke("run", "twice.yaml", columns=160).stdout
    assert "2 via c + 1 via d" in table
    explained = invoke("run", "twice.yaml", "--explain", columns=160).stdout
    assert "∂d/∂a via c = ∂d/∂c · ∂c/∂a = 1 · 2 = 2" in explained
    assert "∂d/∂a = 2 + 1 = 3" in explained


def test_explain_writes_the_chain_rule_with_numbers():
    out = invoke("run", "cs231n-circuit", "--explain", columns=160).stdout
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4" in out
    assert "q = x + y = (−2) + 5 = 3" in out


def test_each_operation_inside_an_expression_has_its_row():
    write_network("inputs: {x: 2, y: 3}\nnodes:\n  f: x * y + x\n", "g.yaml")
    out = invoke("run", "g.yaml", "--format", "csv").stdout
    assert out.splitlines()[0] == "name,quantity,value"
    table = invoke("run", "g.yaml", "--format", "markdown").stdout
    assert "| f.1 | x \\* y | 6 |" in table and "| f | x \\* y + x | 8 |" in table


@pytest.mark.parametrize("fmt", ["latex", "html", "markdown", "csv", "table"])
def test_every_format_and_output_file(fmt):
    invoke("run", "cs231n-circuit", "--format", fmt, "-o", f"out.{fmt}")
    from pathlib import Path
    text = Path(f"out.{fmt}").read_text(encoding="utf-8")
    assert "Forward" in text or fmt == "csv"
    assert any(minus_four in text for minus_four in ("-4", "- 4", "−4"))


# --- refusals: one line, pointing into the expression ------------------------------------

@pytest.mark.parametrize("expression, column, words", [
    ("x + w", 5, "unknown name 'w'"),
    ("x + (y", 7, "expected ')'"),
    ("foo(x)", 1, "unknown function 'foo'"),
    ("x $ y", 3, "unexpected character '$'"),
    ("x / (y - 5)", 3, "division by zero"),
    ("log(x - 2)", 1, "log of a non-positive number"),
    ("later + 1", 1, "later is used before it is defined"),
    ("f + 1", 1, "f uses itself: a cycle"),
    ("max(x)", 1, "max takes 2 operands"),
    ("__import__('os')", 12, "unexpected character"),
    ("exp(x * 400)", 1, "exp(x * 400) is too large for a float64 here"),
])
def test_refused_expression_points_into_it(expression, column, words):
    write_network(f"inputs: {{x: 2, y: 5}}\nnodes:\n  f: {expression}\n  later: x\n", "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    # the expression starts at line 3, column 6; the place inside it is `column`
    assert line.startswith(f"Error: g.yaml:3:{6 + column - 1}: nodes.f: "), line
    assert words in line and f"(column {column} of " in line


def test_a_cycle_is_named():
    write_network("inputs: {x: 1}\nnodes:\n  p: q + x\n  q: p * 2\n", "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert "g.yaml:3:6: nodes.p: a cycle: p uses q, and q uses p" in line


def test_quoted_expression_column():
    write_network('inputs: {x: 1}\nnodes:\n  f: "x + nope"\n', "g.yaml")
    assert "g.yaml:3:11:" in one_error_line(invoke("run", "g.yaml", code=2))


def test_both_layers_and_nodes_refused():
    write_network("inputs: {x: 1}\nnodes: {f: x}\nlayers: []\n", "g.yaml")
    assert "either layers (a network) or nodes (a computational graph), found both" in \
        one_error_line(invoke("run", "g.yaml", code=2))


def test_inputs_without_nodes_refused_as_a_graph():
    write_network("inputs: {x: 1}\n", "g.yaml")
    assert "missing required key 'nodes'" in one_error_line(invoke("run", "g.yaml", code=2))


def test_commands_for_networks_only_refuse_a_graph():
    from backcalc.app.inputs import load
    from backcalc.errors import InputError
    with pytest.raises(InputError, match="this command does not take a computational graph"):
        load("cs231n-circuit")


CIRCUIT_WITH_X = """\
name: circuit
inputs: {x: -2, y: 5, z: -4}
nodes:
  q: x + y
  f: q * z
learning_rate: 0.1
parameters: [x, z]
"""


def test_step_iterates_the_parameters():
    write_network(CIRCUIT_WITH_X, "c.yaml")
    doc = run_json("step", "c.yaml", "-n", "2")
    # iteration 1: df/dx = z = -4, df/dz = x + y = 3 → x = -2 + 0.4 = -1.6, z = -4 - 0.3 = -4.3
    # iteration 2: df/dx = -4.3, df/dz = -1.6 + 5 = 3.4 → x = -1.6 + 0.43, z = -4.3 - 0.34
    first, second = doc["steps"]
    assert [first["iteration"], second["iteration"]] == [1, 2]
    assert first["parameters"] == [
        {"name": "x", "value": -2, "grad": -4, "updated": -2 - 0.1 * -4},
        {"name": "z", "value": -4, "grad": 3, "updated": -4 - 0.1 * 3}]
    x1, z1 = -2 - 0.1 * -4, -4 - 0.1 * 3
    assert second["parameters"][0]["updated"] == pytest.approx(x1 - 0.1 * z1, abs=1e-15)
    assert second["parameters"][1]["updated"] == pytest.approx(z1 - 0.1 * (x1 + 5), abs=1e-15)


def test_run_then_step_continues_bit_for_bit():
    write_network(CIRCUIT_WITH_X, "c.yaml")
    whole = run_json("step", "c.yaml", "-n", "4")["steps"]
    invoke("run", "c.yaml")
    continued = run_json("step", "-n", "3")["steps"]
    assert [s["iteration"] for s in continued] == [2, 3, 4]
    assert continued == whole[1:]       # every value equal, as floats: bit for bit


def test_step_on_a_graph_without_parameters_refused():
    line = one_error_line(invoke("step", "cs231n-circuit", code=2))
    assert "step updates the parameters, and the graph has none" in line


def test_network_step_options_refused_with_a_graph():
    line = one_error_line(invoke("step", "cs231n-neuron", "--full", code=2))
    assert "--full does not apply to a computational graph" in line


def test_network_options_refused_with_a_graph():
    line = one_error_line(invoke("run", "cs231n-circuit", "--round", "2", code=2))
    assert "--round does not apply to a computational graph" in line


def test_gradcheck_on_a_graph():
    doc = run_json("gradcheck", "micrograd")
    assert doc["passed"] and [c["name"] for c in doc["inputs"]] == ["a", "b"]


def test_parser_never_runs_code():
    # Attribute access, strings, calls of unknown names: all refused by the tokenizer/parser.
    for text in ("x.real", "'a'", "eval(x)", "x[0]", "lambda: 1"):
        with pytest.raises(ExpressionError):
            parse(text)


# --- random expressions against central finite differences -------------------------------

SMOOTH = ["exp", "tanh", "sigmoid"]


def _random_expression(rng: random.Random, names: list[str], depth: int) -> str:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(names) if rng.random() < 0.8 else f"{rng.uniform(0.5, 2):.3f}"
    kind = rng.randrange(6)
    a = _random_expression(rng, names, depth - 1)
    b = _random_expression(rng, names, depth - 1)
    if kind == 0:
        return f"({a} {rng.choice('+-*')} {b})"
    if kind == 1:
        return f"{rng.choice(SMOOTH)}({a})"
    if kind == 2:
        return f"({a}) / (2 + sigmoid({b}))"        # a denominator away from 0
    if kind == 3:
        return f"log(1 + exp({a}))"
    if kind == 4:
        return f"-({a}) ** 2"
    return f"sqrt(1 + ({a}) ** 2)"


def _graph(nodes: dict[str, str], inputs: dict[str, float]) -> Graph:
    made = [GraphNode(name, text, parse(text), 1, 1) for name, text in nodes.items()]
    return Graph("random", inputs, made, made[-1].name)


@pytest.mark.parametrize("seed", range(40))
def test_random_expressions_agree_with_finite_differences(seed):
    rng = random.Random(seed)
    inputs = {name: rng.uniform(-1.5, 1.5) for name in ("u", "v", "w")}
    nodes: dict[str, str] = {}
    for index in range(rng.randint(1, 4)):
        known = [*inputs, *nodes]
        nodes[f"n{index}"] = _random_expression(rng, known, 3)
    graph = _graph(nodes, inputs)
    try:
        calc = calculate(graph)
    except Exception:       # an overflow of exp: not this test's subject
        pytest.skip("overflow")
    if not all(math.isfinite(v) for v in calc.values.values()):
        pytest.skip("overflow")
    for name, value in inputs.items():
        h = 1e-5
        up = output_value(graph, {**inputs, name: value + h})
        down = output_value(graph, {**inputs, name: value - h})
        numeric = (up - down) / (2 * h)
        assert calc.grads[name] == pytest.approx(numeric, rel=1e-5, abs=1e-6), \
            (nodes, name)


def test_every_function_has_a_local_derivative_matching_its_forward():
    # each function's local derivative against a central difference of its own forward
    for name, op in FUNCTIONS.items():
        at = (0.7, 0.3)[:op.arity]
        out = op.forward(*at)
        for index in range(op.arity):
            h = 1e-6
            up = list(at)
            down = list(at)
            up[index] += h
            down[index] -= h
            numeric = (op.forward(*up) - op.forward(*down)) / (2 * h)
            assert op.local(*at, out)[index] == pytest.approx(numeric, rel=1e-6, abs=1e-9), name
