"""Second review of issue 2: regression tests, one per defect the review found (all fixed).

Expected values come from SPEC, the README or plain arithmetic, never from another
run of backcalc.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from cli_helpers import invoke, net
from backcalc.numbers import format_number


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path




def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


# --- tables cut numbers short at 60 columns ----------------------------------------------

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
    out = invoke("run", "seed002", columns=60).stdout
    assert shown in out, [line for line in out.splitlines() if "e-" in line and "…" in line]


def test_a_cell_wider_than_the_terminal_is_wrapped_not_cut():
    # xor-batch, iteration 1, sample (1, 1): z1 = (0.6 − 0.4 + 0.1, −0.3 + 0.8 − 0.2) = (0.3, 0.3),
    # a = σ(0.7σ(0.3) + 0.5σ(0.3) − 0.3).  At 60 columns the outputs cell ends '(0.59…'.
    a = sigmoid(1.2 * sigmoid(0.3) - 0.3)
    out = invoke("step", "xor-batch", "-n", "1", columns=60).stdout
    flat = re.sub(r"\s+", "", out)
    assert f"{a:.9f}".rstrip("0") in flat, out


# --- numbers shown as 0 ---------------------------------------------------------------------

@pytest.mark.parametrize("value, precision", [(0.004, 2), (0.04, 1), (-0.0012, 2)])
def test_a_nonzero_value_is_never_shown_as_zero(value, precision):
    # SPEC: tiny values "stay readable, never shown as 0.000000"; the scientific form starts
    # at 1e-3 whatever --precision is, so 0.004 at --precision 2 is '0'.
    assert format_number(value, precision) not in ("0", "-0")


# --- a stopped run does not show the step that stopped it ------------------------------------

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
    result = invoke("step", net(DIVERGES), "-n", "100")
    assert result.exit_code == 2
    assert f"iteration {STOP}:" in result.stderr
    assert STOP in _iteration_rows(result.stdout)       # rows stop at 40 today


def test_thinned_step_shows_the_step_that_diverged():
    result = invoke("step", net(DIVERGES), "-n", "60", "--every", "5")
    assert result.exit_code == 2
    assert STOP in _iteration_rows(result.stdout)       # 1, 6, …, 51 today


# --- long online runs -------------------------------------------------------------------------

def test_long_online_run_counts_the_rows_it_leaves_out():
    # xor-online: 4 updates (rows) per iteration.  README: "a long run shows its first 40 and
    # last 10 rows".  100 iterations are 400 rows; 350 are left out.  Today the table keeps
    # iterations 1-10 and 91-100 (80 rows), says "(80 rows not shown …)" for the 320 rows of
    # iterations 11-90, and then the renderer leaves out 21 more.
    out = invoke("step", "xor-online", "-n", "100", columns=200).stdout
    counts = [int(n) for n in re.findall(r"(\d+) rows not shown", out)]
    assert sum(counts) == 400 - 50, counts


# --- round_intermediates with sigmoid + binary cross-entropy ----------------------------------

def test_rounded_bce_dL_da_uses_the_rounded_output():
    # round_intermediates: 4, z = 9.2: a = σ(9.2) = 0.99989897… → 0.9999.  README: ∂L/∂a =
    # (a − y)/(a(1 − a)) = 0.9999/(0.9999·0.0001) = 10000 from the rounded a.  Today it is
    # computed from z (1/σ(−9.2) = 9898.1291), not from the a the table shows.
    text = ("input: 1\ntarget: 0\nloss: bce\nlearning_rate: 0.1\nround_intermediates: 4\n"
            "layers:\n  - activation: sigmoid\n    weights: 9.2\n    biases: 0\n")
    result = invoke("run", net(text), "--format", "json")
    layer = json.loads(result.stdout)["steps"][0]["samples"][0]["layers"][0]
    assert layer["a"] == [0.9999]
    assert layer["dL_da"] == [10000.0]


# --- continued runs ----------------------------------------------------------------------------

def test_continued_unnamed_network_keeps_its_title():
    # `run net.yaml; step` must give what `step net.yaml -n 2` gives (SPEC); for a network
    # without a name the title is its file, and a continued run names ".backcalc/state.yaml".
    text = ("input: 1\ntarget: 0.5\nloss: half_sse\nlearning_rate: 0.1\nlayers:\n"
            "  - activation: linear\n    weights: 0.3\n    biases: 0\n")
    net(text)
    assert invoke("run", "net.yaml").exit_code == 0
    continued = json.loads(invoke("step", "--format", "json").stdout)
    assert continued["network"] == "net.yaml"


# --- the last update leaves the loss's domain -----------------------------------------------

def test_run_whose_update_leaves_the_bce_domain_still_shows_and_saves_iteration_1():
    # bce, linear output, y = 1: a = 0.5, L = −ln 0.5; ∂L/∂a = −1/a = −2 = δ; w ← 0.5 + 0.2·2 = 0.9,
    # b ← 0 + 0.2·2 = 0.4, so after the update a = 1.3, where bce is undefined.  Iteration 1
    # itself is fine.  engine.train calls engine.final() unguarded when the run did not stop,
    # so the error escapes: no tables, no JSON, no state, no file name in the error line.
    # README: `final` is "null if its loss is undefined there".
    text = ("input: 1\ntarget: 1\nloss: bce\nlearning_rate: 0.2\nlayers:\n"
            "  - activation: linear\n    weights: 0.5\n    biases: 0\n")
    result = invoke("run", net(text), "--format", "json")
    doc = json.loads(result.stdout)
    assert len(doc["steps"]) == 1
    assert doc["steps"][0]["loss"] == pytest.approx(math.log(2), rel=1e-15)
    assert doc["steps"][0]["parameters"][0] == {"weights": [[0.9]], "biases": [0.4]}
    assert doc["final"] is None
    assert Path(".backcalc/state.yaml").exists()
