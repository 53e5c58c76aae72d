"""``backcalc gradcheck``: analytic gradients against central finite differences.

The check must pass on every bundled network, must be able to fail (a deliberately
broken gradient is named as a mismatch, exit 1), must not fail at a ReLU kink
(status kink, exit 0), and must say what it did with shared biases, online mode and
round_intermediates.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from backcalc.engine import Engine
from backcalc.errors import ComputationError, InputError
from backcalc.examples import example_paths
from backcalc.gradcheck import gradcheck, gradcheck_document, summary
from backcalc.netfile import load_network, parse_network_text
from backcalc.network import Params
from backcalc.report import parameter_columns

from helpers import bundled_network, invoke, one_error_line, run_cli, write_network

EXAMPLES = sorted(example_paths())
pytestmark = pytest.mark.usefixtures("in_tmp")

MAZUR_NAMES = ["w1", "w2", "w3", "w4", "b1", "b2", "w5", "w6", "w7", "w8", "b3"]


def gradcheck_json(*args: str, code: int = 0) -> dict:
    result = invoke("gradcheck", *args, "--format", "json", code=code)
    assert result.stderr == ""
    return json.loads(result.stdout)


def engine_gradient(network, grads, layer, kind, j, i) -> float:
    return float(grads[layer].weights[j, i] if kind == "w" else grads[layer].biases[j])


KINK = """\
name: ReLU at its kink
input: [1, 1]
target: 0.5
loss: half_squared_error
learning_rate: 0.1
layers:
  - activation: {activation}
    weights: [[1, -1], [0.5, 0.5]]    # z1 = 1 - 1 + 0 = 0 exactly; z2 = 1
    biases: [{bias}, 0]
  - activation: linear
    weights: [0.7, 0.3]
    biases: 0.1
"""


# --- every bundled network passes ------------------------------------------------

@pytest.mark.parametrize("name", EXAMPLES)
def test_every_bundled_network_passes(name):
    doc = gradcheck_json(name)
    network = bundled_network(name)
    per_sample = len(network.samples) if network.update == "online" else 1
    assert len(doc["parameters"]) == network.parameter_count * per_sample
    assert {row["status"] for row in doc["parameters"]} == {"ok"}
    assert doc["mismatches"] == 0
    assert doc["network"] == network.title


def test_mazur_table():
    result = run_cli("gradcheck", "mazur")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "parameter" in out and "analytic" in out and "numeric" in out
    assert "relative error" in out and "status" in out
    w5 = next(line for line in out.splitlines() if line.strip().startswith("w5 "))
    assert w5.split()[1:3] == ["0.082167041", "0.082167041"]     # Mazur's ∂E/∂w5
    assert w5.split()[-1] == "ok"
    assert "11 parameters: 11 ok" in out
    assert "shared bias b3: one parameter" in out
    assert "h = 0.0001·max(1, |θ|)" in out


# --- the check can fail ------------------------------------------------------------

def break_one_gradient(monkeypatch, layer: int, kind: str, j: int, i: int, factor: float):
    """Make the engine report one gradient entry scaled by ``factor``."""
    original = Engine.gradients

    def broken(self, params, pass_):
        grads = original(self, params, pass_)
        w, b = grads[layer].weights.copy(), grads[layer].biases.copy()
        if kind == "w":
            w[j, i] *= factor
        else:
            b[j] *= factor
        grads[layer] = Params(w, b)
        return grads
    monkeypatch.setattr(Engine, "gradients", broken)


def test_a_broken_gradient_is_a_mismatch_naming_it(monkeypatch):
    break_one_gradient(monkeypatch, 1, "w", 0, 0, 1.001)        # w5, off by 0.1 %
    doc = gradcheck_json("mazur", code=1)
    assert doc["mismatches"] == 1
    statuses = {row["name"]: row["status"] for row in doc["parameters"]}
    assert statuses.pop("w5") == "mismatch"
    assert set(statuses.values()) == {"ok"}
    w5 = next(row for row in doc["parameters"] if row["name"] == "w5")
    assert w5["relative_error"] == pytest.approx(1e-3, rel=1e-3)

    table = run_cli("gradcheck", "mazur")
    assert table.exit_code == 1
    assert "11 parameters: 10 ok, 1 mismatch (w5)" in table.stdout
    assert table.stderr == ""


def test_a_broken_shared_bias_gradient_is_caught(monkeypatch):
    break_one_gradient(monkeypatch, 1, "b", 0, 0, 0.5)          # b3 = Σδ halved
    result = gradcheck(bundled_network("mazur"))
    assert [c.name for c in result.mismatches] == ["b3"]


# --- kinks -----------------------------------------------------------------------------

def test_relu_with_z_exactly_zero_is_a_kink_not_a_failure():
    path = write_network(KINK.format(activation="relu", bias=0))
    doc = gradcheck_json(path)
    statuses = {row["name"]: row["status"] for row in doc["parameters"]}
    # the three parameters that move z1 (= 0) are at the kink; the rest are checked
    assert {name for name, s in statuses.items() if s == "kink"} == {"W1[1,1]", "W1[1,2]",
                                                                      "b1[1]"}
    assert {s for name, s in statuses.items() if s != "kink"} == {"ok"}
    note = next(row["note"] for row in doc["parameters"] if row["status"] == "kink")
    assert note.startswith("z of layer 1, neuron 1 is 0: relu has no derivative there")
    assert doc["mismatches"] == 0
    table = run_cli("gradcheck", path)
    assert table.exit_code == 0
    assert "9 parameters: 6 ok, 3 kink" in table.stdout


def test_z_crossing_zero_within_the_step_is_a_kink():
    result = gradcheck(parse_network_text(KINK.format(activation="leaky_relu", bias=5e-5)))
    kinks = [c for c in result.checks if c.status == "kink"]
    assert [c.name for c in kinks] == ["W1[1,1]", "W1[1,2]", "b1[1]"]
    assert "crosses 0 within θ ± 2h" in kinks[0].note


@pytest.mark.parametrize("activation", ["{name: elu, alpha: 1}", "{name: leaky_relu, alpha: 1}"])
def test_activations_differentiable_at_zero_are_checked_there(activation):
    result = gradcheck(parse_network_text(KINK.format(activation=activation, bias=0)))
    assert result.counts == {"ok": 9}


# --- what is checked -------------------------------------------------------------------

def test_shared_bias_is_one_parameter_moved_as_a_whole():
    network = bundled_network("mazur")
    result = gradcheck(network)
    assert [c.name for c in result.checks] == MAZUR_NAMES          # b3 once, in file order
    b3 = result.checks[-1]
    # Σδ of the two output neurons (Mazur: 0.138498562 − 0.0380982366); moving only one
    # neuron's bias would give one δ
    assert b3.analytic == pytest.approx(0.1004003254, abs=1e-9)
    assert b3.numeric == pytest.approx(b3.analytic, rel=1e-8)
    # biases kept fixed (update_biases: false) are checked all the same
    assert network.update_biases is False
    assert {c.status for c in result.checks} == {"ok"}


def test_json_values_are_the_engines_gradients_exactly():
    doc = gradcheck_json("mazur")
    network = bundled_network("mazur")
    engine = Engine(network)
    grads = engine.gradients(network.params, engine.run_pass(network.params, [0]))
    rows = doc["parameters"]
    assert [row["name"] for row in rows] == MAZUR_NAMES
    for row, (_, layer, kind, j, i) in zip(rows, parameter_columns(network)):
        assert set(row) == {"name", "analytic", "numeric", "relative_error", "status", "note"}
        assert row["analytic"] == engine_gradient(network, grads, layer, kind, j, i)
        assert row["numeric"] == pytest.approx(row["analytic"], rel=1e-8)
        expected = abs(row["analytic"] - row["numeric"]) / max(abs(row["analytic"]),
                                                               abs(row["numeric"]))
        assert row["relative_error"] == pytest.approx(expected)
        assert row["note"] is None
    assert set(doc) == {"network", "parameters", "mismatches",
                        "round_intermediates_switched_off"}
    assert doc["network"] == "Mazur's 2-2-2 sigmoid example"
    assert doc["round_intermediates_switched_off"] is None


def test_online_mode_checks_each_samples_own_loss():
    doc = gradcheck_json("xor-online")
    network = bundled_network("xor-online")
    engine = Engine(network)
    columns = parameter_columns(network)
    rows = doc["parameters"]
    assert [row["sample"] for row in rows] == [s for s in (1, 2, 3, 4) for _ in columns]
    for sample in range(4):
        grads = engine.gradients(network.params, engine.run_pass(network.params, [sample]))
        mine = rows[sample * len(columns):(sample + 1) * len(columns)]
        for row, (label, layer, kind, j, i) in zip(mine, columns):
            assert row["name"] == label
            assert row["analytic"] == engine_gradient(network, grads, layer, kind, j, i)
            assert row["status"] == "ok"
    # sample 1 is (0, 0): no gradient for the input weights; sample 4 (1, 1) has one
    assert [row["analytic"] for row in rows[:4]] == [0, 0, 0, 0]
    assert all(row["analytic"] != 0 for row in rows[27:31])
    out = run_cli("gradcheck", "xor-online").stdout
    assert "36 checks (9 parameters × 4 samples): 36 ok" in out
    assert "Sample 4 (its own loss)" in out


def test_batch_mode_checks_the_reduced_loss_of_all_samples():
    network = bundled_network("xor-batch")
    result = gradcheck(network)
    engine = Engine(network)
    grads = engine.gradients(network.params, engine.run_pass(network.params, [0, 1, 2, 3]))
    assert [c.sample for c in result.checks] == [None] * 9
    assert result.checks[-1].analytic == float(grads[1].biases[0])      # mean of the δ
    assert result.losses == [pytest.approx(0.128708, abs=1e-6)]


def test_round_intermediates_is_switched_off_for_the_check():
    text = (Path(example_paths()["mazur"]).read_text(encoding="utf-8")
            + "round_intermediates: 4\n")
    path = write_network(text)
    network = load_network(path)
    result = gradcheck(network)
    assert result.rounding_switched_off == 4
    assert network.round_intermediates == 4                 # the network itself untouched
    exact = gradcheck(bundled_network("mazur"))
    assert [c.analytic for c in result.checks] == [c.analytic for c in exact.checks]
    assert result.counts == {"ok": 11}
    out = run_cli("gradcheck", path).stdout
    assert "round_intermediates: 4 is switched off for the check" in out
    assert gradcheck_json(path)["round_intermediates_switched_off"] == 4


# --- where the loss is undefined, and bad input -----------------------------------------

def test_an_infinite_loss_is_undefined_not_a_crash():
    # (y − a)² with a = 1e200 overflows: the loss is inf, its gradient 2e200 finite.
    path = write_network("input: 1\ntarget: 0\nloss: squared_error\nlearning_rate: 0.1\n"
                         "layers:\n  - activation: linear\n    weights: 1.0e200\n    biases: 0\n")
    doc = gradcheck_json(path)
    assert [row["status"] for row in doc["parameters"]] == ["undefined", "undefined"]
    assert doc["parameters"][0]["analytic"] == 2e200
    assert doc["parameters"][0]["numeric"] is None
    assert doc["parameters"][0]["note"] == "the loss is inf at θ itself"
    assert "2 parameters: 2 undefined" in run_cli("gradcheck", path).stdout


def test_a_step_leaving_the_losss_domain_is_undefined():
    # a = 0.99995: one step up (h = 1e-4) gives a > 1, where the cross-entropy is undefined
    path = write_network("input: 1\ntarget: 0.5\nloss: binary_cross_entropy\nlearning_rate: 0.1\n"
                         "layers:\n  - activation: linear\n    weights: 0.5\n    biases: 0.49995\n")
    doc = gradcheck_json(path)
    for row in doc["parameters"]:
        assert row["status"] == "undefined"
        assert row["note"].startswith("at θ + h: binary_cross_entropy is undefined for output")
        assert math.isfinite(row["analytic"])


def test_a_loss_undefined_at_the_files_parameters_is_one_error_line():
    path = write_network("input: 1\ntarget: 0.5\nloss: binary_cross_entropy\nlearning_rate: 0.1\n"
                         "layers:\n  - activation: linear\n    weights: 0.5\n    biases: 0.9\n")
    line = one_error_line(run_cli("gradcheck", path))
    assert line.startswith("Error: net.yaml: no gradient to check at the file's parameters: "
                           "binary_cross_entropy is undefined for output a = 1.4")
    with pytest.raises(ComputationError):
        gradcheck(load_network(path))


def test_bad_file_is_one_error_line_and_exit_2():
    assert one_error_line(run_cli("gradcheck", "nope.yaml")) == "Error: nope.yaml: no such file"
    path = write_network("input: 1\ntarget: 0\nloss: half_squared_error\nlearnin_rate: 0.1\n"
                         "layers: []\n")
    assert one_error_line(run_cli("gradcheck", path)).startswith("Error: net.yaml:")


@pytest.mark.parametrize("step", [0, -1e-4, 1, math.inf, math.nan])
def test_a_bad_step_is_an_input_error(step):
    with pytest.raises(InputError, match="step"):
        gradcheck(bundled_network("mazur"), step=step)


def test_summary_lists_many_mismatches_briefly(monkeypatch):
    original = Engine.gradients

    def doubled(self, params, pass_):
        return [Params(2 * p.weights, 2 * p.biases) for p in original(self, params, pass_)]
    monkeypatch.setattr(Engine, "gradients", doubled)
    result = gradcheck(bundled_network("softmax-classifier"))
    assert summary(result) == (
        "21 parameters: 21 mismatch (W1[1,1], W1[1,2], W1[2,1], W1[2,2], W1[3,1], W1[3,2], "
        "b1[1], b1[2], b1[3], W2[1,1] and 11 more)")
    assert gradcheck_document(result)["mismatches"] == 21
    assert np.isfinite([c.relative_error for c in result.checks]).all()


def test_a_deep_network_is_refused_before_any_work(in_tmp):
    """Every loss evaluation passes through every layer: parameters × layers is limited
    to 5 per weight and bias of --max-parameters.  A 6-layer chain of 1-neuron layers has
    12 parameters: 72 layer passes, over 5 × 12 = 60; ⌈72 / 5⌉ = 15 is what it needs."""
    layer = "  - activation: sigmoid\n    weights: [[0.5]]\n    biases: [0.1]\n"
    Path("deep.yaml").write_text("input: [1]\ntarget: [0.2]\nloss: half_squared_error\n"
                                 "learning_rate: 0.5\nlayers:\n" + layer * 6, encoding="utf-8")
    result = run_cli("gradcheck", "deep.yaml", "--max-parameters", "12")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: deep.yaml: layers: gradcheck passes through the network's 6 layers for each "
        "of its 12 weights and biases (72 passes), more than the limit of 60 (5 per "
        "weight and bias of --max-parameters 12); if you mean it, raise the limit with "
        "--max-parameters 15\n")
    assert run_cli("gradcheck", "deep.yaml", "--max-parameters", "15").exit_code == 0


def test_many_samples_are_refused_before_any_work(in_tmp):
    """Every loss evaluation passes through every sample too: a 1-1 network (2
    parameters, 1 layer) with 40 samples is 2 × 1 × 40 = 80 passes, over 5 × 10 = 50
    with --max-parameters 10; ⌈80 / 5⌉ = 16 is what it needs."""
    samples = "".join(f"  - input: [{k / 10}]\n    target: [0.5]\n" for k in range(40))
    Path("wide.yaml").write_text("loss: half_squared_error\nlearning_rate: 0.5\nsamples:\n"
                                 + samples + "layers:\n  - activation: sigmoid\n"
                                 "    weights: [[0.5]]\n    biases: [0.1]\n", encoding="utf-8")
    result = run_cli("gradcheck", "wide.yaml", "--max-parameters", "10")
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: wide.yaml: layers: gradcheck passes through the network's 1 layer and 40 "
        "samples for each of its 2 weights and biases (80 passes), more than the limit of 50 "
        "(5 per weight and bias of --max-parameters 10); if you mean it, raise the limit with "
        "--max-parameters 16\n")
    assert run_cli("gradcheck", "wide.yaml", "--max-parameters", "16").exit_code == 0
