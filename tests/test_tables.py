"""The terminal tables (``--format table``): what each cell shows, at every width.

Every number is shown whole (a split table counts its column dividers; a cell wider than
the terminal is wrapped, never cut), a nonzero value never as 0, an exact tie rounded half
up as a calculator does, hyperparameters exactly as written and names literally (never
read as rich markup).  step's Iterations table shows the step a run stopped at and counts
the rows it leaves out.

Expected values come from SPEC, the README or plain arithmetic, never from another
run of backcalc.
"""

from __future__ import annotations

import math
import re

import pytest

from backcalc.engine import train
from backcalc.examples import example_paths, resolve
from backcalc.netfile import load_network
from backcalc.numbers import format_number
from backcalc.report import run_report

from helpers import ONE_NEURON, run_cli, run_json, sigmoid, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


# --- names --------------------------------------------------------------------------------

def test_parameter_names_are_not_read_as_rich_markup():
    text = ONE_NEURON + '    names: {weights: ["w[a]", "w[b]"], biases: "b[/o]"}\n'
    result = run_cli("run", write_network(text))
    assert result.exit_code == 0, repr(result.exception)     # '[/o]' -> MarkupError before the fix
    assert "w[a]" in result.stdout and "w[b]" in result.stdout


def _headings(net) -> list[str]:
    """Every section and table heading of a full run of one iteration."""
    run = train(net, 1)
    sections = run_report(run, run.trained.learning_rate)
    return [s.title for s in sections] + [t.title for s in sections for t in s.tables]


def _parameter_names(net) -> set[str]:
    names = {net.weight_label(l, j, i) for l, layer in enumerate(net.layers)
             for j in range(layer.size) for i in range(layer.inputs)}
    return names | {net.bias_label(l, j) for l, layer in enumerate(net.layers)
                    for j in range(layer.size)}


def _collisions(headings: list[str], names: set[str]) -> list[tuple[str, str]]:
    """(heading, name) pairs where a heading says a parameter's name, alone or as ∂L/∂name."""
    found = []
    for heading in headings:
        words = set(re.findall(r"[^\s():,;]+", heading))
        found += [(heading, name) for name in sorted(names)
                  if name in words or f"∂L/∂{name}" in words]
    return found


@pytest.mark.parametrize("example", sorted(example_paths()))
def test_no_heading_says_a_parameters_name(example):
    # mazur names its hidden biases b1, b2 and seed004 its biases b1…b5: a layer heading
    # such as "∂L/∂W2 and ∂L/∂b2" would name a parameter; layers are named in words.
    net = load_network(*resolve(example))
    assert _collisions(_headings(net), _parameter_names(net)) == []


def test_the_collision_check_finds_a_layer_heading_that_is_a_name():
    # The check itself: mazur's hidden bias b2 in the former heading of layer 2.
    assert _collisions(["∂L/∂W2 and ∂L/∂b2"], {"b1", "b2", "w5"}) == [
        ("∂L/∂W2 and ∂L/∂b2", "b2")]


def test_gradient_headings_name_the_layer_in_words():
    out = run_cli("run", "mazur").stdout
    lines = [line.rstrip() for line in out.splitlines()]
    assert "Layer 1: ∂L/∂W and ∂L/∂b" in lines
    assert "Layer 2: ∂L/∂W and ∂L/∂b" in lines
    # the hidden biases' own line comes right before layer 2's heading, unmistaken now
    assert re.search(r"∂L/∂b1 = [0-9.]+; ∂L/∂b2 = [0-9.]+ *\nLayer 2: ", out)


# --- whole numbers at 80 columns ----------------------------------------------------------

def test_compact_step_rows_show_whole_numbers_at_80_columns():
    result = run_cli("step", write_network(ONE_NEURON), "-n", "3", columns=80)
    assert result.exit_code == 0
    doc = run_json("step", "net.yaml", "-n", "3")
    for step in doc["steps"]:
        assert format_number(step["loss"]) in result.stdout           # '0.0074981…' before the fix
        assert format_number(step["parameters"][0]["biases"][0]) in result.stdout


def test_gradient_matrix_shows_whole_numbers_at_80_columns():
    text = ("input: [0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18]\ntarget: 0.3\n"
            "loss: half_sse\nlearning_rate: 0.1\nlayers:\n  - activation: sigmoid\n"
            "    weights: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],"
            " [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]]\n    biases: 0\n"
            "  - activation: sigmoid\n    weights: [0.3, 0.4]\n    biases: 0\n")
    out = run_cli("run", write_network(text), columns=80).stdout
    section = out[out.index("Iteration 1: gradients"):out.index("Iteration 1: update")]
    doc = run_json("run", "net.yaml")
    for row in doc["steps"][0]["gradients"][0]["weights"]:
        for value in row:                                              # '5.418…' for 5.418e-04
            assert format_number(value) in section


# --- whole numbers at 60 columns: split and wrapped, never cut ----------------------------

def test_split_tables_count_the_column_dividers():
    # render_rich._column_groups budgets padding and the outer edges but not the one-character
    # divider between columns, so a 4-column table that "fits" is one character too wide and
    # rich cuts the last number: '-3.83609972e-…'.
    # seed002: z2 = 0.2·3.9 + 0.4·12.1 + 0.6·20.3 + 0.5 = 18.3; δ = 2(a − 18)·a(1 − a).
    a = sigmoid(18.3)
    # σ′ as e^(−z)/(1 + e^(−z))²: a(1 − a) in float64 loses digits to cancellation here.
    fprime = math.exp(-18.3) / (1 + math.exp(-18.3)) ** 2
    delta = 2 * (a - 18) * fprime
    shown = f"{delta:.8e}"                                # "-3.83609972e-07"
    out = run_cli("run", "seed002", columns=60).stdout
    assert shown in out, [line for line in out.splitlines() if "e-" in line and "…" in line]


def test_a_cell_wider_than_the_terminal_is_wrapped_not_cut():
    # xor-batch, iteration 1, sample (1, 1): z1 = (0.6 − 0.4 + 0.1, −0.3 + 0.8 − 0.2) = (0.3, 0.3),
    # a = σ(0.7σ(0.3) + 0.5σ(0.3) − 0.3).  At 60 columns the outputs cell ends '(0.59…'.
    a = sigmoid(1.2 * sigmoid(0.3) - 0.3)
    out = run_cli("step", "xor-batch", "-n", "1", columns=60).stdout
    flat = re.sub(r"\s+", "", out)
    assert f"{a:.9f}".rstrip("0") in flat, out


# --- numbers as written and rounded -------------------------------------------------------

def test_exact_ties_are_shown_rounded_half_up_like_a_calculator():
    # z = 0.5 * 0.25 = 0.125 exactly; a student (and make_rounder) writes 0.13, not 0.12.
    text = ("input: 0.5\ntarget: 0\nloss: half_sse\nlearning_rate: 0.1\nlayers:\n"
            "  - activation: linear\n    weights: 0.25\n    biases: 0\n")
    result = run_cli("run", write_network(text), "--precision", "2")
    z_row = next(line for line in result.stdout.splitlines() if line.strip().startswith("1 "))
    assert z_row.split()[1] == "0.13", z_row


def test_hyperparameters_are_shown_exactly():
    text = (ONE_NEURON.replace("learning_rate: 0.1", "learning_rate: 0.1234567")
            + "momentum: 0.9876543\n")
    out = run_cli("run", write_network(text)).stdout
    assert "η = 0.1234567" in out                                      # was 'η = 0.123457'
    assert "μ = 0.9876543" in out


# --- a nonzero number is never shown as 0 -------------------------------------------------

@pytest.mark.parametrize("value, precision", [(0.004, 2), (0.04, 1), (-0.0012, 2)])
def test_a_nonzero_value_is_never_shown_as_zero(value, precision):
    # SPEC: tiny values "stay readable, never shown as 0.000000"; the scientific form starts
    # at 1e-3 whatever --precision is, so 0.004 at --precision 2 is '0'.
    assert format_number(value, precision) not in ("0", "-0")


# --- a stopped run shows the step that stopped it -----------------------------------------

DIVERGES = """\
input: 1
target: 0
loss: half_squared_error
learning_rate: 1000000
update_biases: false
layers:
  - activation: linear
    weights: 1
    biases: 0
"""
# ½ squared error, a = w: w ← w − 10⁶·w = −999999·w, so w after iteration k is (−999999)^k.
# |w| passes float64's maximum (1.797e308) when k·log10(999999) > 308.25, k > 51.38: the
# update of iteration 52 makes w infinite (README: "shows everything computed up to and
# including that step").
STOP = 52


def _iteration_rows(out: str) -> set[int]:
    return {int(m.group(1)) for m in re.finditer(r"^\s+(\d+)\s", out, re.MULTILINE)}


def test_compact_step_shows_the_step_that_diverged():
    assert 51 * math.log10(999999) < math.log10(1.7976931348623157e308) < 52 * math.log10(999999)
    result = run_cli("step", write_network(DIVERGES), "-n", "100")
    assert result.exit_code == 2
    assert f"iteration {STOP}:" in result.stderr
    assert STOP in _iteration_rows(result.stdout)       # rows stopped at 40 before the fix


def test_thinned_step_shows_the_step_that_diverged():
    result = run_cli("step", write_network(DIVERGES), "-n", "60", "--every", "5")
    assert result.exit_code == 2
    assert STOP in _iteration_rows(result.stdout)       # 1, 6, …, 51 before the fix


# --- long online runs count the rows they leave out ---------------------------------------

def test_long_online_run_counts_the_rows_it_leaves_out():
    # xor-online: 4 updates (rows) per iteration.  README: "a long run shows its first 40 and
    # last 10 rows".  100 iterations are 400 rows; 350 are left out.  Before the fix the table
    # kept iterations 1-10 and 91-100 (80 rows), said "(80 rows not shown …)" for the 320 rows
    # of iterations 11-90, and then the renderer left out 21 more.
    out = run_cli("step", "xor-online", "-n", "100", columns=200).stdout
    counts = [int(n) for n in re.findall(r"(\d+) rows not shown", out)]
    assert sum(counts) == 400 - 50, counts
