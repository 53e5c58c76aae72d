"""`backcalc show` on a computational graph: the circuit drawn, each wire with its value
above it and its gradient below it, as CS231n's figures are drawn.

The numbers are derived by hand in each test (plain arithmetic), or computed here
independently of backcalc (micrograd's expression in plain Python); the drawing is read
back by its box characters: a gate is a box titled ``┌─ NAME``, each wire enters it at a
``┤``, with its value on the line above and its gradient on the line below, just left
of the box.
"""

from __future__ import annotations

import math
import re

import pytest
from rich.cells import cell_len

from backcalc.graph_drawing import Tangled, _tracks
from backcalc.numbers import format_number

from helpers import invoke, one_error_line, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:e[-+]\d+)?")


def show(*args: str, columns: int = 300, code: int = 0):
    result = invoke("show", *args, columns=columns, code=code)
    assert "\x1b" not in result.stdout + result.stderr     # piped: plain text
    return result


def drawing(stdout: str) -> list[str]:
    """The drawing's lines: after the "The graph" rule, up to the blank line under it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("The graph ")) + 1
    while not lines[start]:
        start += 1
    end = lines.index("", start)
    return lines[start:end]


def _label(line: str, column: int) -> str:
    """The number written just left of ``column`` on ``line`` (a wire's label)."""
    found = NUMBER.findall(line[:column].rstrip()[-20:])
    return found[-1] if found else ""


def wires(lines: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Each gate's incoming wires, top to bottom, as (value, gradient) read off the
    drawing; ``▶ NAME``: the wire that ends the drawing at node NAME."""
    found: dict[str, list[tuple[str, str]]] = {}
    at = lambda r, c: lines[r][c] if 0 <= r < len(lines) and c < len(lines[r]) else " "  # noqa: E731
    for r, line in enumerate(lines):
        for match in re.finditer(r"┌─ (\S+) ", line):
            c, name = match.start(), match.group(1)
            ports = []
            row = r + 1
            while at(row, c) != "└":
                if at(row, c) == "┤":
                    ports.append((_label(lines[row - 1], c), _label(lines[row + 1], c)))
                row += 1
            found[name] = ports
        for match in re.finditer(r"▶ (\S+)", line):
            c = match.start()
            found["▶ " + match.group(1)] = [(_label(lines[r - 1], c), _label(lines[r + 1], c))]
    return found


def n(value: float, precision: int = 9) -> str:
    return format_number(value, precision)


def test_cs231n_circuit_drawn_with_every_value_and_gradient():
    lines = drawing(show("cs231n-circuit").stdout)
    # x = -2, y = 5, z = -4: q = x + y = 3, f = q·z = 3·(-4) = -12.
    # Backward: ∂f/∂f = 1; ∂f/∂q = z = -4, ∂f/∂z = q = 3; ∂f/∂x = ∂f/∂y = -4·1 = -4.
    assert wires(lines) == {"q": [("-2", "-4"), ("5", "-4")],
                            "f": [("3", "-4"), ("-4", "3")],
                            "▶ f": [("-12", "1")]}
    names = {line.split()[0] for line in lines if re.match(r" [xyz] ─", line)}
    assert names == {"x", "y", "z"}                    # the inputs, on the left


def test_cs231n_neuron_gate_by_gate():
    lines = drawing(show("cs231n-neuron", "--precision", "4").stdout)
    found = wires(lines)
    # w0 = 2, x0 = -1, w1 = -3, x1 = -2, w2 = -3
    p0, p1 = 2 * -1, -3 * -2                        # -2, 6
    s1 = p0 + p1                                     # 4
    s = s1 + -3                                      # 1
    e = math.exp(-s)                                 # 0.3679
    f1 = 1 + e                                       # 1.3679
    f = 1 / f1                                       # 0.7311 (published: 0.73)
    df_f1 = -1 / f1 ** 2                             # -0.5344
    df_e1 = df_f1 * 1 * e                            # ∂f/∂(-s) = -0.1966
    df_s = -df_e1                                    # 0.1966
    assert found["p0"] == [(n(2, 4), n(df_s * -1, 4)), (n(-1, 4), n(df_s * 2, 4))]
    assert found["p1"] == [(n(-3, 4), n(df_s * -2, 4)), (n(-2, 4), n(df_s * -3, 4))]
    assert found["s.1"] == [(n(p0, 4), n(df_s, 4)), (n(p1, 4), n(df_s, 4))]
    assert found["s"] == [(n(s1, 4), n(df_s, 4)), (n(-3, 4), n(df_s, 4))]
    assert found["e.1"] == [(n(s, 4), n(df_s, 4))]
    assert found["e"] == [(n(-s, 4), n(df_e1, 4))]
    assert found["f.1"] == [(n(e, 4), n(df_f1, 4))]
    assert found["f"] == [(n(f1, 4), n(df_f1, 4))]
    assert found["▶ f"] == [(n(f, 4), "1")]
    # CS231n's published gradients, to two decimals
    assert [round(g, 2) for g in (df_s * -1, df_s * 2, df_s * -2, df_s * -3, df_s)] == \
        [-0.2, 0.39, -0.39, -0.59, 0.2]


def test_each_node_one_gate_when_each_operation_does_not_fit():
    stdout = show("cs231n-neuron", "--precision", "4", columns=120).stdout
    found = wires(drawing(stdout))
    # as above: ∂f/∂s = 0.1966, ∂f/∂e = -1/(1 + e)² = -0.5344; s = -2 + 6 - 3 = 1
    e = math.exp(-1)
    df_e = -1 / (1 + e) ** 2
    df_s = -df_e * e
    assert set(found) == {"p0", "p1", "s", "e", "f", "▶ f"}
    assert found["s"] == [(n(-2, 4), n(df_s, 4)), (n(6, 4), n(df_s, 4)),
                          (n(-3, 4), n(df_s, 4))]
    assert found["e"] == [(n(1, 4), n(df_s, 4))]
    assert found["f"] == [(n(e, 4), n(df_e, 4))]
    assert found["▶ f"] == [(n(1 / (1 + e), 4), "1")]
    assert "Each node is one gate here" in stdout
    assert any("1 / (1 + e)" in line for line in drawing(stdout))


def micrograd_values(moved: dict[str, float] | None = None) -> dict[str, float]:
    """micrograd's README expression in plain Python, one line per node; ``moved``: nodes
    whose value is taken as given (to differentiate g with respect to a node)."""
    moved = moved or {}
    at = lambda name, value: moved.get(name, value)  # noqa: E731
    a, b = -4.0, 2.0
    relu = lambda v: max(v, 0.0)  # noqa: E731
    c1 = at("c1", a + b)
    d1 = at("d1", a * b + b ** 3)
    c2 = at("c2", c1 + (c1 + 1))
    c3 = at("c3", c2 + (1 + c2 + (-a)))
    d2 = at("d2", d1 + (d1 * 2 + relu(b + a)))
    d3 = at("d3", d2 + (3 * d2 + relu(b - a)))
    e = at("e", c3 - d3)
    f = at("f", e ** 2)
    g1 = at("g1", f / 2.0)
    g = g1 + 10.0 / f
    return dict(c1=c1, d1=d1, c2=c2, c3=c3, d2=d2, d3=d3, e=e, f=f, g1=g1, g=g)


def central_difference(node: str) -> float:
    """dg/d(node) as (g(v + h) − g(v − h)) / 2h, the node's value moved."""
    value = micrograd_values()[node]
    h = 1e-6 * max(1.0, abs(value))
    up = micrograd_values({node: value + h})["g"]
    down = micrograd_values({node: value - h})["g"]
    return (up - down) / (2 * h)


def test_micrograd_every_node_value_and_the_published_gradients():
    stdout = show("micrograd", "--precision", "4", columns=1000).stdout
    lines = drawing(stdout)
    found = wires(lines)
    values = micrograd_values()
    assert set(values) <= set(found)                    # every node is a gate
    # each node's value is on the wires leaving its gate (the gates using it)
    uses = {"c1": ["c2.1", "c2"], "d1": ["d2.1", "d2"], "c2": ["c3.1", "c3"],
            "c3": ["e"], "d2": ["d3.1", "d3"], "d3": ["e"], "e": ["f"], "f": ["g1", "g.1"],
            "g1": ["g"]}
    shown = {label for ports in found.values() for label, _ in ports}
    for node, value in values.items():
        assert n(value, 4) in shown, node
    assert found["▶ g"] == [(n(values["g"], 4), "1")]
    assert all(found[user] for users in uses.values() for user in users)
    # every node's gradient is shown (on its one wire, or as the sum of its wires), as a
    # central difference gives it, to the 4 decimals drawn
    shown_numbers = [float(t) for line in stdout.splitlines() for t in NUMBER.findall(line)]
    for node in values:
        if node != "g":
            slope = central_difference(node)
            assert any(abs(number - slope) <= 0.5e-4 + 1e-6 * abs(slope)
                       for number in shown_numbers), (node, slope)
    # published: dg/da = 138.8338, dg/db = 645.5773, each the sum of its five wires
    sums = [line for line in stdout.splitlines() if line.startswith(("∂g/∂a", "∂g/∂b"))]
    assert sums[0].endswith("= 138.8338 (a is used 5 times)"), sums
    assert sums[1].endswith("= 645.5773 (b is used 5 times)"), sums


def test_a_value_used_twice_has_two_wires_and_its_sum():
    write_network("name: twice\ninputs: {x: 3}\nnodes:\n  f: x * x\n", "g.yaml")
    stdout = show("g.yaml").stdout
    # f = x·x = 9; ∂f/∂x = x + x = 3 + 3 = 6, 3 along each wire
    assert wires(drawing(stdout)) == {"f": [("3", "3"), ("3", "3")], "▶ f": [("9", "1")]}
    assert "∂f/∂x = 3 + 3 = 6 (x is used 2 times)" in stdout


def test_a_number_in_an_expression_stands_in_its_gate():
    write_network("inputs: {x: 2}\nnodes:\n  f: 3 * x - 1\n", "g.yaml")
    lines = drawing(show("g.yaml").stdout)
    # f.1 = 3·x = 6, f = 6 - 1 = 5; ∂f/∂f.1 = 1, ∂f/∂x = 1·3 = 3
    assert wires(lines) == {"f.1": [("2", "3")], "f": [("6", "1")], "▶ f": [("5", "1")]}
    assert any("3 * x" in line for line in lines) and any("f.1 - 1" in line for line in lines)


def chain(count: int) -> str:
    nodes = "".join(f"  n{i}: n{i - 1} * 1.5 + x\n" for i in range(1, count))
    return f"inputs: {{x: 0.5}}\nnodes:\n  n0: x + 1\n{nodes}"


def test_a_graph_too_wide_is_listed():
    write_network(chain(12), "g.yaml")
    stdout = show("g.yaml", columns=80).stdout
    assert "Too wide to draw: the drawing needs" in stdout and "terminal has 80" in stdout
    assert "┌─" not in stdout
    # every gate listed, with its value: n0 = 1.5, n1.1 = 1.5·1.5 = 2.25, n1 = 2.75, …
    assert re.search(r"n1\.1\s+n0 \* 1\.5\s+2\.25 ", stdout)
    assert re.search(r"n1\s+n1\.1 \+ x\s+2\.75 ", stdout)
    assert re.search(r"x → n0\s+0\.5 ", stdout)
    assert "∂n11/∂x = " in stdout                      # x is used 12 times: its sum


@pytest.mark.parametrize("columns", [40, 60, 80, 120])
@pytest.mark.parametrize("graph", ["cs231n-circuit", "cs231n-neuron", "micrograd", "wide"])
def test_no_line_wider_than_the_terminal(columns, graph):
    if graph == "wide":
        graph = write_network(chain(30), "g.yaml")
    stdout = show(graph, columns=columns).stdout
    assert max(cell_len(line) for line in stdout.splitlines()) <= columns


def test_drawn_when_it_fits_and_listed_when_not():
    assert "┌─ q" in show("cs231n-circuit", columns=60).stdout
    assert "Too wide to draw" in show("cs231n-circuit", columns=40).stdout


def test_tangled_wires_are_refused_by_the_router():
    # a leaves on row 1 and enters row 4, b leaves on row 4 and enters row 1: each
    # track would have to stand left of the other's
    with pytest.raises(Tangled):
        _tracks({"a": 1, "b": 4}, {"a": [4], "b": [1]})
    # a leaves on row 1, b enters on row 1... no: b leaves on row 4 where a enters, so
    # b's track stands left of a's
    assert _tracks({"a": 1, "b": 4}, {"a": [4], "b": [7]}) == ["b", "a"]


def test_network_options_refused_and_values_implied():
    assert "--round does not apply to a computational graph" in \
        one_error_line(invoke("show", "cs231n-circuit", "--round", "2", code=2))
    assert "--sample does not apply" in \
        one_error_line(invoke("show", "cs231n-circuit", "--sample", "2", code=2))
    assert show("cs231n-circuit", "--values").stdout == show("cs231n-circuit").stdout


def test_python_api_show_and_load_graph():
    import backcalc
    from backcalc.examples import resolve
    path, display = resolve("cs231n-circuit")
    graph = backcalc.load_graph(path, display)
    assert list(graph.inputs) == ["x", "y", "z"] and graph.output == "f"
    text = backcalc.show(graph, width=80).text()
    assert wires(drawing(text))["▶ f"] == [("-12", "1")]
    assert "from: cs231n-circuit" in backcalc.show("cs231n-circuit", width=80).text()
    with pytest.raises(backcalc.InputError, match="this is a network file"):
        backcalc.load_graph(resolve("mazur")[0])


def test_values_green_and_gradients_red_on_a_terminal():
    import io

    from backcalc import app
    from backcalc.document import Styled
    from backcalc.graph_drawing import GRADIENT_STYLE, VALUE_STYLE
    from backcalc.render_rich import console, render
    drawn = app.show("cs231n-circuit", width=80)
    styled = [(part.text, part.style) for section in drawn.sections for line in section.lines
              for part in line if isinstance(part, Styled)]
    # the values -2, 5, 3, -4 on the wires into q and f, and f = -12; their gradients
    assert sorted(text for text, style in styled if style == VALUE_STYLE) == \
        sorted(["-2", "5", "3", "-4", "-12"])
    assert sorted(text for text, style in styled if style == GRADIENT_STYLE) == \
        sorted(["-4", "-4", "-4", "3", "1"])
    buffer = io.StringIO()
    terminal = console(buffer, terminal=True)
    terminal.width = 80
    render(drawn.sections, terminal, drawn.precision)
    coloured = buffer.getvalue()
    assert "\x1b[" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == drawn.text()


def test_a_large_graph_is_listed_its_long_sums_shortened():
    write_network(chain(150), "g.yaml")
    stdout = show("g.yaml", "--precision", "4", columns=1000).stdout
    assert "Too large to draw: a drawing shows at most 100 gates, and the graph has 150 " \
           "nodes." in stdout
    # n0 = x + 1, n_i = 1.5·n_(i-1) + x: ∂n149/∂x = 1 + 1.5 + … + 1.5^149 = (1.5^150 − 1)/0.5,
    # the wire into n_i bringing 1.5^(149-i) (the last four: 1.5³, 1.5², 1.5, 1)
    total = (1.5 ** 150 - 1) / 0.5
    line = next(line for line in stdout.splitlines() if line.startswith("∂n149/∂x = "))
    assert line.endswith(f" + … + 3.375 + 2.25 + 1.5 + 1 = {n(total, 4)} "
                         "(x is used 150 times)"), line


def test_an_input_no_node_uses_is_written_under_the_drawing():
    write_network("inputs: {x: 2, u: 1.5}\nnodes:\n  f: x * 3\n", "g.yaml")
    stdout = show("g.yaml").stdout
    # f = 2·3 = 6, ∂f/∂x = 3
    assert wires(drawing(stdout)) == {"f": [("2", "3")], "▶ f": [("6", "1")]}
    assert "Inputs no node uses (not drawn): u = 1.5." in stdout
    assert not any(line.startswith(" u") for line in drawing(stdout))


def test_the_drawing_in_graphs_md_is_what_show_draws():
    from pathlib import Path
    docs = Path(__file__).parent.parent / "docs" / "graphs.md"
    block = docs.read_text(encoding="utf-8").split("$ backcalc show cs231n-circuit\n…\n")[1]
    shown = block.split("```")[0].rstrip("\n").splitlines()
    assert shown == drawing(show("cs231n-circuit", columns=80).stdout)
