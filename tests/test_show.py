"""`backcalc show`: the network drawn with every parameter on the right edge, or summarised.

Where a weight must sit is read off the network files written here (or the bundled
ones, e.g. Mazur's w1 … w8), never from another run of backcalc; the few computed
values are Mazur's published ones.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import yaml
from rich.cells import cell_len

from backcalc.examples import example_paths
from backcalc.numbers import format_number

from helpers import bundled_network, invoke, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


def show(*args: str, columns: int = 80, code: int = 0):
    result = invoke("show", *args, columns=columns, code=code)
    assert "\x1b" not in result.stdout + result.stderr     # piped: no escape codes
    return result


def drawing(stdout: str) -> list[str]:
    """The drawing's lines: after the "The network" rule, up to the blank line under it."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("The network")) + 1
    end = lines.index("", start)
    return lines[start:end]


def boxes(stdout: str) -> dict[tuple[int, str], list[str]]:
    """Every neuron box's lines (border characters and arrows stripped), keyed by
    (layer, the neuron's number as shown); layers count from 1, left to right."""
    lines = drawing(stdout)
    lefts = sorted({m.start() for line in lines for m in re.finditer("┌─ neuron", line)})
    found: dict[tuple[int, str], list[str]] = {}
    for layer, left in enumerate(lefts, start=1):
        current = None
        for line in lines:
            cell = line[left:] if len(line) > left else ""
            title = re.match(r"┌─ neuron (\S+) ", cell)
            if title:
                current = (layer, title.group(1))
                found[current] = []
            elif cell.startswith("└"):
                current = None
            elif current and cell[:1] in "│▶":
                inner = re.split("[│├]", cell[1:])[0]          # up to the right border
                found[current].append(("▶" if cell[0] == "▶" else "") + inner.strip())
    return found


def edges(stdout: str) -> set[tuple[int, str, str, str, str]]:
    """(layer, neuron, weight label, value, source) of every arrow in the drawing."""
    found = set()
    for (layer, neuron), lines in boxes(stdout).items():
        for line in lines:
            if line.startswith("▶"):
                match = re.fullmatch(r"▶(\S+) = (\S+) +from (\S+)", line)
                assert match, line
                found.add((layer, neuron) + match.groups())
    return found


SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sub(number: int) -> str:
    return str(number).translate(SUB)


# --- Mazur ---------------------------------------------------------------------

MAZUR_DRAWING = """\
 input x        layer 1 (hidden)          layer 2 (output)
 1 sample       sigmoid                   sigmoid
                                          shared bias b3 = 0.6
                ┌─ neuron 1 ─────────┐    ┌─ neuron 1 ─────────┐
 x₁ = 0.05 ──┬──▶ w1 = 0.15  from x₁ │ ┌──▶ w5 = 0.4   from a₁ │
 x₂ = 0.1 ───┼──▶ w2 = 0.2   from x₂ │ ├──▶ w6 = 0.45  from a₂ │
             │  │ b1 = 0.35          │ │  │ b3 (shared)        │
             │  │ a = σ(z)           ├─┤  │ a = σ(z)           │
             │  └────────────────────┘ │  │ y = 0.01           │
             │                         │  └────────────────────┘
             │  ┌─ neuron 2 ─────────┐ │
             ├──▶ w3 = 0.25  from x₁ │ │  ┌─ neuron 2 ─────────┐
             └──▶ w4 = 0.3   from x₂ │ ├──▶ w7 = 0.5   from a₁ │
                │ b2 = 0.35          │ ├──▶ w8 = 0.55  from a₂ │
                │ a = σ(z)           ├─┘  │ b3 (shared)        │
                └────────────────────┘    │ a = σ(z)           │
                                          │ y = 0.99           │
                                          └────────────────────┘"""


def test_mazur_drawing_at_80_columns():
    # mazur.yaml: w1 w2 feed hidden neuron 1 from x₁ x₂, w3 w4 hidden neuron 2; w5 w6
    # feed output 1 from hidden 1 and 2, w7 w8 output 2; b1 = b2 = 0.35, b3 = 0.6 shared;
    # x = (0.05, 0.1), y = (0.01, 0.99).
    result = show("mazur")
    assert "\n".join(drawing(result.stdout)) == MAZUR_DRAWING


def test_mazur_header_names_the_conventions_that_matter():
    out = show("mazur").stdout
    lines = out.splitlines()
    assert lines[1].startswith("Mazur's 2-2-2 sigmoid example ─")
    assert lines[2] == ("Mazur's step-by-step backpropagation example (biases fixed, "
                        "names w1…w8)")
    assert lines[3] == "from: mazur (bundled example)"
    for text in ("2-2-2 (1 sample), 11 parameters", "half_squared_error: L = ½ Σ (y − a)²",
                 "SGD: θ ← θ − η∇L", "η = 0.5", "one row per neuron: z = W·a + b",
                 "kept fixed (update_biases: false); one shared bias in layer 2",
                 "neurons and weights counted from 1"):
        assert text in out, text
    assert "Each ▶ is a weight into its neuron" in out


def test_mazur_values_of_the_forward_pass():
    out = show("mazur", "--values").stdout
    assert "The network, forward pass of sample 1" in out
    found = boxes(out)
    assert found[(1, "1")][-2:] == ["z = 0.3775", "a = 0.593269992"]        # Mazur's out_h1
    assert found[(1, "2")][-2:] == ["z = 0.3925", "a = 0.596884378"]
    assert found[(2, "1")][-3:] == ["z = 1.105905967", "a = 0.75136507", "y = 0.01"]
    assert found[(2, "2")][-3:] == ["z = 1.224921404", "a = 0.772928465", "y = 0.99"]
    assert "loss of sample 1: L = ½ Σ (y − a)² = 0.298371109" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_values_precision_and_sample():
    out = show("xor-batch", "--values", "--sample", "3", "--precision", "3").stdout
    assert "sample 3 of 4" in out
    assert " x₁ = 1 " in out and " x₂ = 0 " in out
    found = boxes(out)
    # Sample 3 is (1, 0) → 1: z of hidden 1 = 0.6·1 − 0.4·0 + 0.1 = 0.7, σ(0.7) = 0.668.
    assert found[(1, "1")][-2:] == ["z = 0.7", "a = 0.668"]
    assert found[(2, "1")][-1] == "y = 1"
    assert re.search(r"loss of sample 3: L = ½ Σ \(y − a\)² = 0\.\d{3}$", out, re.M)


def test_sample_out_of_range_is_one_line_exit_2():
    result = show("mazur", "--sample", "2", code=2)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "--sample" in result.stderr and "1 sample" in result.stderr


# --- every bundled network -----------------------------------------------------

@pytest.mark.parametrize("name", sorted(example_paths()))
@pytest.mark.parametrize("values", [False, True])
def test_every_bundled_network_is_drawn_in_80_columns_with_every_parameter(name, values):
    network = bundled_network(name)
    out = show(name, *(["--values"] if values else [])).stdout
    assert all(cell_len(line) <= 80 for line in out.splitlines())
    assert "Too " not in out                                       # drawn, not summarised
    found = boxes(out)
    base = network.index_base
    expected_edges = set()
    for index, layer in enumerate(network.layers):
        source = "x" if index == 0 else "a"
        for j in range(layer.size):
            neuron = str(j + base)
            bias = network.bias_label(index, j)
            if layer.shared_bias:
                assert f"{bias} (shared)" in found[(index + 1, neuron)]
                assert f"shared bias {bias} = {format_number(layer.biases[0])}" in out
            else:
                assert f"{bias} = {format_number(layer.biases[j])}" in found[(index + 1, neuron)]
            for i in range(layer.inputs):
                expected_edges.add((index + 1, neuron, network.weight_label(index, j, i),
                                    format_number(layer.weights[j, i]), source + sub(i + base)))
    assert edges(out) == expected_edges
    sample = network.samples[0]
    for i, x in enumerate(sample.input):
        assert re.search(rf"^ x{sub(i + base)} = {re.escape(format_number(x))} ─", out, re.M)
    last = len(network.layers)
    for j, y in enumerate(sample.target):
        assert f"y = {format_number(y)}" in found[(last, str(j + base))]


# --- orientation and numbering ---------------------------------------------------

# A 3-2-2 network whose weight from input i to neuron j is 0.ij (counted from 1), so
# every number says which edge it belongs on.
BY_INPUTS = """\
name: rows are inputs
input: [1, 2, 3]
target: [0, 1]
loss: half_squared_error
learning_rate: 0.1
weight_rows: inputs
index_base: {base}
layers:
  - activation: tanh
    weights: [[0.11, 0.12],     # from input 1 to neurons 1 and 2
              [0.21, 0.22],     # from input 2
              [0.31, 0.32]]     # from input 3
    biases: [0.01, 0.02]
  - activation: sigmoid
    weights: [[0.011, 0.012],   # from hidden neuron 1 to outputs 1 and 2
              [0.021, 0.022]]
    biases: [0.03, 0.04]
"""


@pytest.mark.parametrize("base", [1, 0])
def test_weight_rows_inputs_puts_each_weight_on_its_edge(base):
    write_network(BY_INPUTS.format(base=base))
    out = show("net.yaml").stdout
    n = [str(k + base) for k in range(3)]          # the file's numbers for 1st, 2nd, 3rd
    x = [f"x{sub(k + base)}" for k in range(3)]
    a = [f"a{sub(k + base)}" for k in range(2)]
    assert edges(out) == {
        # layer 1: W1[input, neuron] in the file's orientation and numbering
        (1, n[0], f"W1[{n[0]},{n[0]}]", "0.11", x[0]),
        (1, n[0], f"W1[{n[1]},{n[0]}]", "0.21", x[1]),
        (1, n[0], f"W1[{n[2]},{n[0]}]", "0.31", x[2]),
        (1, n[1], f"W1[{n[0]},{n[1]}]", "0.12", x[0]),
        (1, n[1], f"W1[{n[1]},{n[1]}]", "0.22", x[1]),
        (1, n[1], f"W1[{n[2]},{n[1]}]", "0.32", x[2]),
        (2, n[0], f"W2[{n[0]},{n[0]}]", "0.011", a[0]),
        (2, n[0], f"W2[{n[1]},{n[0]}]", "0.021", a[1]),
        (2, n[1], f"W2[{n[0]},{n[1]}]", "0.012", a[0]),
        (2, n[1], f"W2[{n[1]},{n[1]}]", "0.022", a[1]),
    }
    found = boxes(out)
    assert f"b1[{n[0]}] = 0.01" in found[(1, n[0])] and f"b1[{n[1]}] = 0.02" in found[(1, n[1])]
    assert f"b2[{n[1]}] = 0.04" in found[(2, n[1])]
    assert "y = 1" in found[(2, n[1])]
    assert "one row per input: z = a·W + b (weight_rows: inputs)" in out
    assert f"neurons and weights counted from {base}" in out
    for k, value in enumerate(("1", "2", "3")):
        assert re.search(rf"^ {x[k]} = {value} ─", out, re.M)


def test_named_weights_written_one_row_per_input():
    text = BY_INPUTS.format(base=0).replace(
        "    biases: [0.01, 0.02]\n",
        "    biases: [0.01, 0.02]\n"
        "    names: {weights: [[u00, u01], [u10, u11], [u20, u21]], biases: [c0, c1]}\n", 1)
    write_network(text)
    out = show("net.yaml").stdout
    layer1 = {edge for edge in edges(out) if edge[0] == 1}
    # u<i><j> is the name the file gives the weight from input i to neuron j.
    assert layer1 == {(1, str(j), f"u{i}{j}", f"0.{i + 1}{j + 1}", f"x{sub(i)}")
                      for i in range(3) for j in range(2)}
    assert "c1 = 0.02" in boxes(out)[(1, "1")]


# --- too large, too wide -------------------------------------------------------------

def test_a_784_16_10_network_is_summarised_per_layer_quickly(tmp_path):
    rng = np.random.default_rng(4)
    sizes = [784, 16, 10]
    layers = [{"activation": "sigmoid" if k == 1 else "softmax",
               "weights": np.round(rng.uniform(-0.05, 0.05, (sizes[k], sizes[k - 1])), 3).tolist(),
               "biases": 0.01} for k in (1, 2)]
    document = {"name": "digits", "input": np.round(rng.uniform(0, 1, 784), 2).tolist(),
                "target": [0, 0, 0, 1, 0, 0, 0, 0, 0, 0], "loss": "cross_entropy",
                "learning_rate": 0.1, "layers": layers}
    (tmp_path / "big.yaml").write_text(yaml.safe_dump(document, default_flow_style=True),
                                       encoding="utf-8")
    out = show("big.yaml", "--values").stdout     # quick: nothing is drawn (no ▶ below)
    assert "▶" not in out
    assert ("Too large to draw: a drawing shows at most 8 neurons a layer, and the inputs are "
            "784, layer 1 has 16 and layer 2 has 10.") in " ".join(out.split("\n"))
    assert "backcalc run big.yaml --format json" in " ".join(out.split("\n"))
    assert "784-16-10 (1 sample), 12730 parameters" in out
    table = {line.split()[0] + " " + line.split()[1]: line.split()[2:]
             for line in out.splitlines() if re.match(r"  (neurons|weight|parameters|biases)",
                                                      line)}
    assert table["neurons 784"] == ["16", "10"]
    assert table["parameters 12560"] == ["170"]        # 784·16 + 16 biases, 16·10 + 10
    w1 = np.array(layers[0]["weights"])
    assert table["weight min"] == [format_number(w1.min()), format_number(
        np.array(layers[1]["weights"]).min())]
    assert table["biases all"][:2] == ["0.01", "all"]
    assert "target y: (0, 0, 0, 1, 0, 0, 0, 0, 0, 0)" in out
    assert re.search(r"^loss of sample 1: L = −Σ y ln a = \d", out, re.M)
    assert all(cell_len(line) <= 80 for line in out.splitlines())


def test_a_drawing_too_wide_for_the_terminal_is_summarised():
    out = show("mazur", columns=50).stdout
    assert "▶" not in out
    joined = " ".join(out.split("\n"))
    assert re.search(r"Too wide to draw: the drawing needs \d+ columns and the\s+terminal has 50",
                     joined)
    assert "backcalc run mazur" in joined
    assert all(cell_len(line) <= 50 for line in out.splitlines())
    assert "0.6 (shared)" in out


# --- bad input, markup --------------------------------------------------------------

def test_a_bad_file_is_one_line_and_exit_2():
    write_network("input: [1]\ntarget: 1\nloss: half_squared_error\nlearnin_rate: 0.1\n"
                  "layers: [{activation: linear, weights: 1, biases: 0}]\n")
    result = show("net.yaml", code=2)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: net.yaml:4:1: ")
    assert "learnin_rate" in result.stderr


def test_markup_in_names_prints_literally():
    write_network("name: '[bold]net[/bold]'\ndescription: '[red]about[/]'\n"
                  "input: [1]\ntarget: 1\nloss: half_squared_error\nlearning_rate: 0.1\n"
                  "layers: [{activation: linear, weights: 0.5, biases: 0,\n"
                  "          names: {weights: '[bold]', biases: '[i]b'}}]\n")
    out = show("net.yaml").stdout
    assert "[bold]net[/bold]" in out
    assert "[red]about[/]" in out
    assert "[bold] = 0.5  from x₁" in out
    assert "[i]b = 0" in out


def test_help_has_an_example():
    out = show("--help").stdout
    assert "Example: backcalc show mazur --values" in out
    assert "--values" in out and "--sample" in out


def test_an_undefined_loss_still_shows_the_values():
    write_network("input: [1]\ntarget: 1\nloss: binary_cross_entropy\nlearning_rate: 0.1\n"
                  "layers: [{activation: linear, weights: 2, biases: 0}]\n")
    out = show("net.yaml", "--values").stdout
    assert boxes(out)[(1, "1")][-3:] == ["z = 2", "a = 2", "y = 1"]
    assert "loss of sample 1: undefined (" in " ".join(out.split("\n"))
