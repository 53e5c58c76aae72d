"""Graphs at the edges of float64 and of size (red-team 12d, J1–J5): every arithmetic of
an operation refused in one line at its place, nesting and size bounded before any
recursion, and a run that cannot go on stopped as a network's is (docs/limits.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.helpers import error_line, invoke, one_error_line, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


# --- J1: local derivatives and domain checks that overflow -----------------------------

@pytest.mark.parametrize("command", ["run", "gradcheck"])
@pytest.mark.parametrize("inputs, expression, column", [
    # value 1e-300/1e-200 = 1e-100 is finite; its derivative −a/b² divides by
    # (1e-200)² = 1e-400, which underflows to 0.
    ("{x: 1e-200}", "1e-300 / x", 8),
    ("{x: 1, y: 1e-200}", "x / y", 3),
    # 0.5 ** -1023 = 2**1023 is finite; the derivative's 0.5 ** -1024 = 2**1024 is not.
    ("{x: 0.5}", "x ** -1023", 3),
])
def test_derivatives_that_overflow_are_one_line(command, inputs, expression, column):
    write_network(f"inputs: {inputs}\nnodes:\n  f: {expression}\n", "g.yaml")
    line = one_error_line(invoke(command, "g.yaml", code=2))
    # the expression starts at line 3, column 6
    assert line.startswith(f"Error: g.yaml:3:{6 + column - 1}: nodes.f: the derivative of")


def test_an_infinite_constant_is_refused_like_an_input():
    # 1e999 is beyond float64's largest, about 1.8e308
    write_network("inputs: {x: -2}\nnodes:\n  f: x ** 1e999\n", "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert line.startswith("Error: g.yaml:3:11: nodes.f: expected a finite number, found 1e999")
    write_network("inputs: {x: 1}\nnodes:\n  f: 1e999\n", "h.yaml")
    assert "expected a finite number" in one_error_line(invoke("run", "h.yaml", code=2))


def test_numbers_are_ascii_digits():
    write_network("inputs: {x: 2}\nnodes:\n  f: x * ٣\n", "g.yaml")
    assert "unexpected character '٣'" in one_error_line(invoke("run", "g.yaml", code=2))


# --- J2 and J5: nesting and size -------------------------------------------------------

@pytest.mark.parametrize("expression", [
    "+".join(["x"] * 500),                  # a left-deep sum, 499 levels
    "x+(" * 101 + "x" + ")" * 101,          # a right-deep sum, 101 levels
    "-" * 2000 + "x",
    "**".join(["x"] * 2000),
    "exp(" * 400 + "x" + ")" * 400,
])
def test_deep_expressions_are_refused_in_one_line(expression):
    write_network(f'inputs: {{x: 1}}\nnodes:\n  f: "{expression}"\n', "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert "expression nested deeper than 100 levels" in line


@pytest.mark.parametrize("expression, value", [
    # 100 additions nested inside each other: x + (x + (… + x)) = 101·x = 101
    ("x+(" * 100 + "x" + ")" * 100, "101.0"),
    # parentheses are no level: 5,000 pairs around x, then around x + 1 = 2
    ("(" * 5000 + "x" + ")" * 5000, "1.0"),
    ("(" * 2000 + "(x) + 1" + ")" * 2000, "2.0"),
])
def test_nesting_is_counted_by_operations_only(expression, value):
    write_network(f'inputs: {{x: 1}}\nnodes:\n  f: "{expression}"\n', "g.yaml")
    assert f"f,value,{value}" in invoke("run", "g.yaml", "--format", "csv").stdout.splitlines()


def test_nesting_up_to_the_limit_is_computed():
    # 100 terms: 99 additions nested 99 deep; f = 100·x = 100, ∂f/∂x = 100
    write_network('inputs: {x: 1}\nnodes:\n  f: "' + "+".join(["x"] * 100) + '"\n', "g.yaml")
    assert "100" in invoke("run", "g.yaml", "--format", "csv").stdout


def test_operations_in_one_expression_are_bounded():
    # 21 groups of 49 additions multiplied: 21·49 + 20 = 1,049 operations, 49 + 20 deep
    group = "(" + "+".join(["x"] * 50) + ")"
    write_network('inputs: {x: 1}\nnodes:\n  f: "' + "*".join([group] * 21) + '"\n', "g.yaml")
    assert "more than 1,000 operations" in one_error_line(invoke("run", "g.yaml", code=2))


def test_operations_across_a_graph_are_bounded():
    # 250 nodes of 90 terms: 89 operations each, 89·225 = 20,025 > 20,000 at node n224
    nodes = "".join(f"  n{i}: {'+'.join(['x'] * 90)}\n" for i in range(250))
    write_network("inputs: {x: 1}\nnodes:\n" + nodes, "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert line.startswith("Error: g.yaml:227:9: nodes.n224: more than 20,000 operations")


# --- J3 and J4: a run that cannot go on ------------------------------------------------

def test_an_update_that_overflows_stops_and_saves_nothing():
    # x ← 1 − 1e308·10 = −inf
    write_network("inputs: {x: 1, y: 10}\nnodes:\n  f: x * y\nlearning_rate: 1e308\n"
                  "parameters: [x]\n", "g.yaml")
    result = invoke("run", "g.yaml", code=2)
    assert error_line(result) == ("Error: g.yaml: iteration 1: the update makes x = -inf "
                                  "(the run diverges; try a smaller learning rate); "
                                  "nothing was saved")
    assert "-inf" in result.stdout                   # the failing step is shown
    assert not Path(".backcalc/state.yaml").exists()


def test_a_gradient_that_overflows_stops():
    # g = a·sqrt(c): ∂g/∂c = a / (2·sqrt(c)) = 1e200 / (2·1e-150) = 5e349 > float64's max
    write_network("inputs: {a: 1e200, c: 1e-300}\nnodes:\n  g: a * sqrt(c)\n"
                  "learning_rate: 0.1\nparameters: [c]\n", "g.yaml")
    # (each local derivative is finite: a = 1e200 and 1/(2·sqrt(c)) = 5e149; their product
    # is not, so it is refused at the operation whose chain-rule product overflows)
    line = error_line(invoke("run", "g.yaml", code=2))
    assert line == ("Error: g.yaml:3:10: nodes.g: ∂g/∂c through sqrt(c) is too large for a "
                    "float64 here (it overflows) (column 5 of 'a * sqrt(c)')")


def test_a_diverging_step_keeps_the_last_finite_iteration():
    # f = x·x with η = 10: x ← x − 10·2x = −19x, so x after k updates is 1e300·(−19)^k;
    # 1e300·19 = 1.9e301 is finite, 1e300·361 = 3.61e302 too, 1e300·6859 = 6.859e303,
    # and so on until the forward x·x overflows already at iteration 1 (x² = 1e600).
    # Use x = 1e100: x_k = 1e100·(−19)^k; f = x_k² overflows once |x_k| > 1.34e154,
    # i.e. 19^k > 1.34e54, k ≥ 43 (19^42 ≈ 5.0e53, 19^43 ≈ 9.6e54): iteration 44 stops.
    write_network("inputs: {x: 1e100}\nnodes:\n  f: x * x\nlearning_rate: 10\n"
                  "parameters: [x]\n", "g.yaml")
    result = invoke("step", "g.yaml", "-n", "100", "--format", "csv", code=2)
    assert error_line(result) == ("Error: g.yaml: iteration 44: x * x is too large for a "
                                  "float64 here (it overflows) (column 3 of 'x * x'); "
                                  "the state after iteration 43 is saved")
    assert "\n43," in result.stdout and "\n44," not in result.stdout
    state = yaml.safe_load(Path(".backcalc/state.yaml").read_text())
    assert state["state"] == {"iteration": 43}
    assert state["inputs"]["x"] == pytest.approx(1e100 * (-19) ** 43, rel=1e-12)
    # continuing from it stops at once, in one line, saving nothing
    line = one_error_line(invoke("step", "-n", "1", code=2))
    assert line == ("Error: .backcalc/state.yaml: iteration 44: x * x is too large for a "
                    "float64 here (it overflows) (column 3 of 'x * x'); nothing was saved")


def test_a_graph_state_holding_inf_is_never_written():
    from backcalc.errors import InputError
    from backcalc.graph import Graph
    from backcalc.graph_save import save_graph_state
    graph = Graph("g", {"x": float("-inf")}, [], "f")
    with pytest.raises(InputError, match=r"the saved graph would hold inputs\.x = -inf, which "
                       r"backcalc does not read"):
        save_graph_state(graph, Path("state.yaml"))
    assert not Path("state.yaml").exists()


@pytest.mark.parametrize(("nodes", "x", "line"), [
    # log at 1e-310: the value, -713.8, is fine; its derivative 1/x = 1e310 is not a float64
    ("  f: log(x)\n", "1e-310",
     "Error: g.yaml:4:6: nodes.f: the derivative of log(x) with respect to x is too large for "
     "a float64 here (it overflows) (column 1 of 'log(x)')"),
    # each local derivative is finite (1/q = 1e154, 1/(2·sqrt(p)) = 5e153, 10), their product
    # ∂f/∂x = 1e154 · 5e153 · 10 = 5e308 is not: it would be written as Infinity
    ("  p: x * 10\n  q: sqrt(p)\n  f: log(q)\n", "1e-309",
     "Error: g.yaml:4:8: nodes.p: ∂f/∂x through x * 10 is too large for a float64 here "
     "(it overflows) (column 3 of 'x * 10')"),
])
def test_a_gradient_too_large_for_a_float64_is_refused_where_it_overflows(nodes, x, line):
    Path("g.yaml").write_text(f"name: g\ninputs: {{x: {x}}}\nnodes:\n{nodes}")
    for command in (["run", "g.yaml"], ["run", "g.yaml", "--format", "json"],
                    ["gradcheck", "g.yaml"]):
        assert one_error_line(invoke(*command, code=2)) == line
    assert not Path(".backcalc").exists()


@pytest.mark.parametrize(("expression", "x", "line"), [
    # sqrt(x − 2) at x = 2: sqrt′(0) = 1/(2·sqrt(0)) = 1/0, infinite; its upstream is
    # ∂f/∂f.2 = 0 (the factor 0), and 0·∞ is undefined, so it is refused, not taken as 0
    ("sqrt(x - 2) * 0", 2,
     "Error: g.yaml:3:6: nodes.f: the derivative of sqrt(x - 2) with respect to x - 2 is "
     "undefined here (sqrt′ at 0) (column 1 of 'sqrt(x - 2) * 0')"),
    # (x − 3)^0.5 at x = 3: 0.5·0^(−0.5) = 0.5/0, infinite the same way
    ("(x - 3) ** 0.5 * 0", 3,
     "Error: g.yaml:3:14: nodes.f: the derivative of (x - 3) ** 0.5 with respect to (x - 3) is "
     "undefined here (b·a^(b−1) is infinite at a = 0 for 0 < b < 1) "
     "(column 9 of '(x - 3) ** 0.5 * 0')"),
    ("sqrt(x - 2)", 2,
     "Error: g.yaml:3:6: nodes.f: the derivative of sqrt(x - 2) with respect to x - 2 is "
     "undefined here (sqrt′ at 0) (column 1 of 'sqrt(x - 2)')"),
])
def test_a_derivative_undefined_on_a_path_is_refused_even_times_0(expression, x, line):
    write_network(f"inputs: {{x: {x}}}\nnodes:\n  f: {expression}\n", "g.yaml")
    for command in (["run", "g.yaml"], ["run", "g.yaml", "--format", "json"],
                    ["run", "g.yaml", "--explain"], ["gradcheck", "g.yaml"]):
        assert one_error_line(invoke(*command, code=2)) == line


def test_an_undefined_derivative_off_every_path_is_not_needed():
    # g = sqrt(x − 2) at x = 2 has sqrt′(0) infinite, but f = 3x does not use g:
    # ∂f/∂x = 3, and g's gradient is 0 (no path), so nothing is refused
    write_network("inputs: {x: 2}\nnodes:\n  g: sqrt(x - 2)\n  f: x * 3\n", "g.yaml")
    rows = invoke("run", "g.yaml", "--format", "csv").stdout.splitlines()
    assert "x,grad,3.0" in rows and "g,grad,0.0" in rows
