"""Graphs after the held-out review of issue 17: an operand named by its text in messages,
never an internal label; each sum of paths written before it is used; no state saved
without parameters; the notation of ``--explain``, ``show`` and errors; nesting; error
positions in every YAML scalar style."""

from __future__ import annotations

from pathlib import Path

import pytest

from backcalc.expressions import parse
from tests.helpers import invoke, one_error_line, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


# --- an operand named by its text -------------------------------------------------------

def test_an_operation_inside_an_expression_is_named_by_its_text_in_messages():
    # a·sqrt(c + 0) at a = 1e200, c = 1e-300: sqrt′ = 1/(2·sqrt(1e-300)) = 5e149, times the
    # upstream a = 1e200 is 5e349, beyond float64: the operand of sqrt is the text c + 0
    write_network("inputs: {a: 1e200, c: 1e-300}\nnodes:\n  g: a * sqrt(c + 0)\n", "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert line == ("Error: g.yaml:3:10: nodes.g: ∂g/∂(c + 0) through sqrt(c + 0) is too "
                    "large for a float64 here (it overflows) (column 5 of 'a * sqrt(c + 0)')")
    assert "g.1" not in line


def test_an_operation_spans_its_operands_parentheses():
    # (a) * (c + 1): the product is the whole text, not "a) * (c + 1"
    expr = parse("(a) * (c + 1)")
    assert (expr.start, expr.end) == (0, 13)
    negated = parse("-(a) + 1").operands[0]
    assert "-(a) + 1"[negated.start:negated.end] == "-(a)"


# --- --explain read top-down as an answer key -------------------------------------------

def test_a_sum_of_paths_is_written_before_its_total_is_used():
    # t = a + 1 = 3, q = t·b = 9 (used twice), r = q + 1 = 10, s = q·2 = 18, f = r·s = 180.
    # ∂f/∂r = s = 18, ∂f/∂s = r = 10; ∂f/∂q = 18·1 + 10·2 = 38; then the chain below q:
    # ∂f/∂t = 38·b = 114, ∂f/∂b = 38·t = 114, ∂f/∂a = 114·1 = 114
    write_network("inputs: {a: 2, b: 3}\nnodes:\n  t: a + 1\n  q: t * b\n  r: q + 1\n"
                  "  s: q * 2\n  f: r * s\n", "g.yaml")
    out = invoke("run", "g.yaml", "--explain").stdout
    lines = out[out.index("Backward:\n∂f/∂f"):].splitlines()
    total = next(i for i, line in enumerate(lines) if line.startswith("∂f/∂q = 18 + 20 = 38"))
    first_use = next(i for i, line in enumerate(lines) if "= ∂f/∂q · " in line)
    assert total < first_use
    assert lines[first_use].startswith("∂f/∂t = ∂f/∂q · ∂q/∂t = 38 · 3 = 114")
    # every upstream gradient a line uses is defined on a line above it
    defined: set[str] = set()
    for line in lines[1:]:
        if not line.startswith("∂f/∂"):
            continue
        symbol, _, rest = line.partition(" = ")
        if " · " in rest:                       # a chain-rule step: its upstream above
            upstream = rest.split(" · ")[0]
            assert upstream in defined, line
        if " via " not in symbol:
            defined.add(symbol)
    assert {"∂f/∂q", "∂f/∂t", "∂f/∂a", "∂f/∂b"} <= defined


# --- the state: only a graph with parameters has one to continue ---------------------

def test_run_without_parameters_saves_no_state_and_suggests_no_step():
    Path(".backcalc").mkdir()
    Path(".backcalc/state.yaml").write_text("earlier\n")
    write_network("inputs: {x: 2}\nnodes:\n  f: x * 3\n", "g.yaml")
    result = invoke("run", "g.yaml")
    assert "step" not in result.stdout + result.stderr
    assert Path(".backcalc/state.yaml").read_text() == "earlier\n"     # left as it was


def test_run_with_parameters_then_step_still_continues():
    # f = x·x, η = 0.25: x ← x − 0.25·2x = x/2; run makes x 4 → 2, step 2 → 1
    write_network("inputs: {x: 4}\nnodes:\n  f: x * x\nparameters: [x]\n"
                  "learning_rate: 0.25\n", "g.yaml")
    assert "continue with `backcalc step" in invoke("run", "g.yaml").stdout
    rows = invoke("step", "-n", "1", "--format", "csv").stdout.splitlines()
    assert "2,x,value,2.0" in rows and "2,x,updated,1.0" in rows


# --- notation shared by run, --explain and show ------------------------------------------

def test_show_writes_a_sum_of_paths_as_run_does():
    # f = 2x − 6x: x's two paths bring 1·2 = 2 and (−1)·6 = −6, so ∂f/∂x = −4
    write_network("inputs: {x: 1}\nnodes:\n  f: x * 2 - x * 6\n", "g.yaml")
    shown = invoke("show", "g.yaml", columns=200).stdout
    assert "∂f/∂x = 2 + (−6) = −4 (x is used 2 times)" in shown
    explained = invoke("run", "g.yaml", "--explain").stdout
    assert "∂f/∂x = 2 + (−6) = −4   (x is used 2 times: its paths add up)" in explained


def test_explain_writes_a_negation_out():
    # a = −x = −(2) = −2; b = −y = −(−3) = 3; f = a·b = −2·3 = −6
    write_network("inputs: {x: 2, y: -3}\nnodes:\n  a: -x\n  b: -y\n  f: a * b\n", "g.yaml")
    lines = invoke("run", "g.yaml", "--explain").stdout.splitlines()
    assert "a = -x = −(2) = −2" in lines and "b = -y = −(−3) = 3" in lines


@pytest.mark.parametrize("args", [["run", "g.yaml", "--layer", "1"],
                                  ["run", "g.yaml", "--neuron", "1"],
                                  ["step", "g.yaml", "--layer", "1"]])
def test_layer_and_neuron_on_a_graph_say_they_do_not_apply(args):
    write_network("inputs: {x: 2}\nnodes:\n  f: x * 3\nparameters: [x]\n"
                  "learning_rate: 0.1\n", "g.yaml")
    option = args[2]
    assert one_error_line(invoke(*args, code=2)) == (
        f"Error: g.yaml: {option} does not apply to a computational graph (a file with nodes)")


# --- error positions in every YAML scalar style ------------------------------------------

@pytest.mark.parametrize("nodes, place, column", [
    # folded over two lines: "x + y.z"; '.' is the 6th character, written on line 5,
    # column 6 ("    y.z": y at 5, '.' at 6)
    ("  f: >-\n    x +\n    y.z\n", "5:6", 6),
    # "x + \t y.z" reads x,' ','+',' ',TAB,' ','y','.': '.' is the 8th character; in the
    # file the quote is at column 6, x 7, ' ' 8, + 9, ' ' 10, \t 11–12, ' ' 13, y 14, '.' 15
    ('  f: "x + \\t y.z"\n', "3:15", 8),
    # a literal block: "x *\n  (y +\n w)\n"; w is its 13th character, on line 6, column 6
    ("  f: |\n    x *\n      (y +\n     w)\n", "6:6", 13),
    # a plain scalar continued: "x + y + w"; w (9th) on line 5, column 5
    ("  f: x +\n    y +\n    w\n", "5:5", 9),
    # '' is one quote: 'x + ''y''' reads x + 'y'; the quote (5th) is written at column 11
    ("  f: 'x + ''y'''\n", "3:11", 5),
    # an escaped line break: "x +  y +" ends after the + on line 4, at column 8
    ('  f: "x + \\\n    y +"\n', "4:8", 8),
])
def test_an_error_points_at_its_character_in_the_file(nodes, place, column):
    Path("g.yaml").write_text("inputs: {x: 2, y: 3}\nnodes:\n" + nodes)
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert line.startswith(f"Error: g.yaml:{place}: nodes.f: "), line
    assert f"(column {column} of " in line


def test_an_operation_folded_over_lines_is_refused_at_its_place():
    # y / x at x = 0, folded: the '/' is on line 4, column 7
    Path("g.yaml").write_text("inputs: {x: 0, y: 3}\nnodes:\n  f: >\n    y /\n     x\n")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert line.startswith("Error: g.yaml:4:7: nodes.f: division by zero (column 3 of ")


def test_a_value_that_cannot_be_mapped_names_its_start():
    from backcalc.graph import GraphNode
    from backcalc.scalar_places import places
    # the source does not hold the value's characters: no map
    assert places(['  f: "x + y"'], 1, 6, "x + z") is None
    node = GraphNode("f", "x + z", parse("x + z"), 3, 6, approximate=True)
    assert node.place(5) == (3, 6)
    assert node.where(5) == "(column 5 in the expression 'x + z')"


# --- a gate's share: one rule for every table ---------------------------------------------

def test_an_operation_off_the_path_hands_nothing_in_the_backward_table():
    # a = sqrt(x) at x = 0 is not used by f: its upstream ∂f/∂a is 0 and sqrt′(0) = ∞;
    # nothing flows there (0, as the gradients say), not 0·∞ = nan
    write_network("inputs: {x: 0, y: 3}\nnodes:\n  a: sqrt(x)\n  f: y * 2\noutput: f\n",
                  "g.yaml")
    row = next(line for line in invoke("run", "g.yaml").stdout.splitlines()
               if "∂a/∂x" in line)
    assert row.split()[-3:] == ["inf", "0", "0"]


def test_explain_writes_each_operands_own_rule_when_a_name_is_used_twice():
    # f = x / x: ∂f/∂(first x) = 1/x, ∂f/∂(second x) = −x/x², at x = 2: 0.5 and −0.5
    write_network("inputs: {x: 2}\nnodes:\n  f: x / x\noutput: f\n", "d.yaml")
    lines = [line for line in invoke("run", "d.yaml", "--explain").stdout.splitlines()
             if line.startswith("∂f/∂x via f")]
    assert lines[0].endswith("= 0.5   (∂f/∂x = 1/x)")
    assert lines[1].endswith("= −0.5   (∂f/∂x = −x/x²)")
