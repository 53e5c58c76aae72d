"""The L2 penalty (``l2``, ``l2_form``, ``l2_biases``): SPEC "Regularisation, more
optimizers, dropout".

Oracles: numbers worked by hand in the comments; a forward/backward loop written here,
independently of the engine, for random networks of every form; central finite
differences of the cost J = L + penalty; the run continued from its state file.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from backcalc.engine import train
from backcalc.netfile import parse_network_text

from helpers import bundled_network, invoke, one_error_line, run_cli, run_json, write_network
from network_builders import central_differences

pytestmark = pytest.mark.usefixtures("in_tmp")

FORMS = ("half", "full", "half_mean")


def exact(value):
    return pytest.approx(value, rel=1e-12, abs=1e-15)


# --- a hand-worked example ------------------------------------------------------------

LINEAR = """\
input: [1.0, 2.0]
target: 1.0
loss: half_squared_error
learning_rate: 0.1
l2: 0.1
{extra}layers:
  - activation: linear
    weights: [0.5, -0.25]
    biases: 0.1
    names: {{weights: [w1, w2], biases: b1}}
"""


@pytest.mark.parametrize(("extra", "penalty", "dJ", "after"), [
    # z = 0.5·1 − 0.25·2 + 0.1 = 0.1 = a; δ = a − y = −0.9; ∂L/∂w = (−0.9, −1.8), ∂L/∂b = −0.9
    # half: (0.1/2)·(0.25 + 0.0625) = 0.015625; ∂J/∂w = ∂L/∂w + 0.1·w
    ("", 0.015625, [-0.9 + 0.05, -1.8 - 0.025, -0.9],
     [0.5 - 0.1 * -0.85, -0.25 - 0.1 * -1.825, 0.1 + 0.09]),
    # full: 0.1·0.3125 = 0.03125; ∂J/∂w = ∂L/∂w + 2·0.1·w
    ("l2_form: full\n", 0.03125, [-0.9 + 0.1, -1.8 - 0.05, -0.9],
     [0.5 + 0.08, -0.25 + 0.185, 0.1 + 0.09]),
    # half_mean, one sample (m = 1): as half
    ("l2_form: half_mean\n", 0.015625, [-0.85, -1.825, -0.9], [0.585, -0.0675, 0.19]),
    # biases too: (0.1/2)·(0.25 + 0.0625 + 0.01) = 0.016125; ∂J/∂b1 = −0.9 + 0.1·0.1 = −0.89
    ("l2_biases: true\n", 0.016125, [-0.85, -1.825, -0.89], [0.585, -0.0675, 0.189]),
])
def test_one_linear_neuron_worked_by_hand(extra, penalty, dJ, after):
    write_network(LINEAR.format(extra=extra))
    doc = run_json("run", "net.yaml")
    step = doc["steps"][0]
    assert step["loss"] == exact(0.5 * 0.9 ** 2)           # the data loss, 0.405
    assert step["penalty"] == exact(penalty)
    assert step["gradients"][0]["weights"][0] == [exact(v) for v in dJ[:2]]
    assert step["gradients"][0]["biases"] == [exact(dJ[2])]
    assert step["parameters"][0]["weights"][0] == [exact(v) for v in after[:2]]
    assert step["parameters"][0]["biases"] == [exact(after[2])]


def test_the_bundled_examples_give_their_header_numbers():
    # l2-half: the header's iteration worked by hand
    step = run_json("run", "l2-half")["steps"][0]
    assert step["penalty"] == exact(0.016125) and step["loss"] == exact(0.405)
    assert step["parameters"][0]["weights"][0] == [exact(0.585), exact(-0.0675)]
    # l2-full: penalty 0.05·0.91 = 0.0455 (6 weights), w5⁺ = 0.499210 to 6 decimals
    step = run_json("run", "l2-full")["steps"][0]
    assert step["penalty"] == exact(0.0455)
    assert step["parameters"][1]["weights"][0][0] == pytest.approx(0.499210, abs=5e-7)
    # l2-half-mean: penalty (0.2/4)·0.13 = 0.0065; w1⁺ = 0.470656, b⁺ = 0.087877
    step = run_json("run", "l2-half-mean")["steps"][0]
    assert step["penalty"] == exact(0.0065)
    assert step["loss"] == pytest.approx(0.533685, abs=5e-7)
    assert step["parameters"][0]["weights"][0][0] == pytest.approx(0.470656, abs=5e-7)
    assert step["parameters"][0]["biases"][0] == pytest.approx(0.087877, abs=5e-7)


def test_final_penalty_is_at_the_final_parameters_with_every_sample_as_m():
    doc = run_json("step", "l2-half-mean", "-n", "2")
    weights = doc["steps"][-1]["parameters"][0]["weights"][0]
    # m = 2 samples in the file: (λ/2m)·Σw² with λ = 0.2
    assert doc["final"]["penalty"] == exact(0.2 / 4 * sum(w * w for w in weights))


def test_without_l2_the_json_penalty_is_zero():
    doc = run_json("run", "mazur")
    assert doc["steps"][0]["penalty"] == 0.0 and doc["final"]["penalty"] == 0.0


# --- random networks: a hand loop and finite differences -------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _random_network(rng, form: str, biases: bool, update: str = "batch") -> str:
    sizes = [int(rng.integers(1, 4)) for _ in range(3)]
    samples = int(rng.integers(1, 4))
    lam = float(rng.uniform(0.01, 0.5))
    lines = ["samples:"]
    for _ in range(samples):
        lines.append(f"  - {{input: {rng.uniform(-1, 1, sizes[0]).tolist()}, "
                     f"target: {rng.uniform(0, 1, sizes[2]).tolist()}}}")
    lines += ["loss: half_squared_error", "learning_rate: 0.3", f"update: {update}",
              f"l2: {lam!r}", f"l2_form: {form}", f"l2_biases: {str(biases).lower()}",
              "layers:"]
    for n_in, n_out in zip(sizes, sizes[1:]):
        lines += ["  - activation: sigmoid",
                  f"    weights: {rng.uniform(-1, 1, (n_out, n_in)).tolist()}",
                  f"    biases: {rng.uniform(-1, 1, n_out).tolist()}"]
    return "\n".join(lines) + "\n"


def _hand_cost_and_gradients(net, params, indices):
    """J and ∂J/∂θ by a plain loop over samples and neurons, written here."""
    lam, m = net.l2, len(indices)
    scale, factor = {"half": (lam / 2, lam), "full": (lam, 2 * lam),
                     "half_mean": (lam / (2 * m), lam / m)}[net.l2_form]
    grads = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]
    loss = 0.0
    for s in indices:
        a = [net.samples[s].input]
        for w, b in params:
            a.append(_sigmoid(w @ a[-1] + b))
        y = net.samples[s].target
        loss += 0.5 * float(np.sum((y - a[-1]) ** 2))
        delta = (a[-1] - y) * a[-1] * (1 - a[-1])
        for layer in range(len(params) - 1, -1, -1):
            grads[layer][0] += np.outer(delta, a[layer]) / m
            grads[layer][1] += delta / m
            if layer:
                delta = (params[layer][0].T @ delta) * a[layer] * (1 - a[layer])
    squares = 0.0
    for (w, b), g in zip(params, grads):
        squares += float(np.sum(w * w)) + (float(np.sum(b * b)) if net.l2_biases else 0.0)
        g[0] += factor * w
        if net.l2_biases:
            g[1] += factor * b
    return loss / m + scale * squares, grads


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("biases", [False, True])
def test_random_networks_agree_with_a_hand_loop_and_finite_differences(form, biases):
    rng = np.random.default_rng(hash((form, biases)) % 2 ** 32)
    for _ in range(4):
        net = parse_network_text(_random_network(rng, form, biases))
        run = train(net, 2)
        params = [(layer.weights, layer.biases) for layer in net.layers]
        for step in run.steps:
            indices = list(step.pass_.sample_indices)
            cost, grads = _hand_cost_and_gradients(net, params, indices)
            assert step.cost == pytest.approx(cost, rel=1e-9, abs=1e-12)
            for (gw, gb), mine in zip(grads, step.gradients):
                np.testing.assert_allclose(mine.weights, gw, rtol=1e-9, atol=1e-12)
                np.testing.assert_allclose(mine.biases, gb, rtol=1e-9, atol=1e-12)
            # central differences of J, θ ± h, every parameter
            numeric = central_differences(
                params, lambda moved, net=net, indices=indices:
                _hand_cost_and_gradients(net, moved, indices)[0])
            for slopes, hand in zip(numeric, grads):
                for slope, grad in zip(slopes, hand):
                    for index in np.ndindex(slope.shape):
                        assert slope[index] == pytest.approx(grad[index], abs=1e-9)
            params = [(p.weights, p.biases) for p in step.parameters]


@pytest.mark.parametrize("form", FORMS)
def test_gradcheck_checks_the_cost(form):
    rng = np.random.default_rng(7)
    write_network(_random_network(rng, form, True))
    out = invoke("gradcheck", "net.yaml")
    assert "numeric = (J(θ + h) − J(θ − h)) / 2h" in out.stdout
    assert "mismatch" not in out.stdout.split("Result")[-1]


def test_gradcheck_allows_for_the_rounding_of_a_huge_penalty():
    # With λ = 1e300, J ≈ 1e300 is all penalty: moving a bias (not penalised) by h changes
    # only L, by ~1e-5, far below J's last digit (ε·J ≈ 1e284), so J(b + h) − J(b − h) is 0.
    # That 0 is the numeric value's rounding, not a wrong analytic gradient.
    run_cli("new", "2-2-1", "--l2", "1e300", "--seed", "3", "-o", "net.yaml")
    out = invoke("gradcheck", "net.yaml")
    assert out.stdout.split("Result")[-1].strip().endswith("9 parameters: 9 ok")
    assert "b1, b2, b3: ok: the difference is within the numeric value's own" in out.stdout


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("update", ["batch", "online"])
def test_run_then_step_continues_bit_for_bit(form, update):
    rng = np.random.default_rng(11)
    write_network(_random_network(rng, form, True, update))
    invoke("run", "net.yaml")
    continued = run_json("step", "--iterations", "2")
    whole = run_json("step", "net.yaml", "--iterations", "3")
    assert continued["final"] == whole["final"]
    assert continued["steps"][-1] == whole["steps"][-1]
    quiet = json.loads(invoke("step", "net.yaml", "-n", "3", "--quiet", "--format",
                              "json").stdout)
    assert quiet["final"] == whole["final"]


# --- shown everywhere -----------------------------------------------------------------

def test_explain_writes_the_penalty_and_the_cost_gradient_with_numbers():
    out = invoke("run", "l2-half", "--explain", columns=200).stdout
    # (0.1/2)·(0.5² + (−0.25)² + 0.1²) = 0.016125; −0.9 + 0.1·0.5 = −0.85
    assert "penalty = (λ/2)·(w1² + w2² + b1²) = (0.1/2)·(0.5² + (−0.25)² + 0.1²) = 0.016125" \
        in out
    assert "J = L + penalty = 0.405 + 0.016125 = 0.421125" in out
    assert "∂J/∂w1 = ∂L/∂w1 + λ·w1 = −0.9 + 0.1·0.5 = −0.85" in out
    assert "w1⁺ = w1 − η·∂J/∂w1 = 0.5 − 0.1·(−0.85) = 0.585" in out
    full = invoke("run", "l2-full", "--explain", columns=200).stdout
    assert "∂J/∂w5 = ∂L/∂w5 + 2·λ·w5 = " in full
    assert "∂J/∂b3 = ∂L/∂b3 = " in full
    mean = invoke("run", "l2-half-mean", "--explain", columns=200).stdout
    assert "penalty = (λ/(2·m))·(w1² + w2²) = (0.2/(2·2))·(0.3² + (−0.2)²) = 0.0065" in mean
    assert "∂J/∂w1 = ∂L/∂w1 + (λ/m)·w1 = " in mean


def test_tables_show_the_data_loss_the_penalty_and_the_cost():
    out = invoke("run", "l2-half", columns=200).stdout
    assert "L2 penalty (λ/2)·Σw² with λ = 0.1, biases penalised too (l2_biases: true)" in out
    assert "data loss L" in out and "penalty (λ/2)·Σw² (λ = 0.1)" in out
    assert "cost J = L + penalty" in out
    assert "∂J/∂θ = ∂L/∂θ + λ·θ in place of ∂L/∂θ" in out
    header = next(line for line in out.splitlines() if "∂L/∂θ" in line and "+ λ·θ" in line)
    assert header.split() == ["parameter", "old", "∂L/∂θ", "+", "λ·θ", "∂J/∂θ", "new"]


def test_csv_carries_penalty_cost_and_both_gradients():
    rows = invoke("run", "l2-half", "--format", "csv").stdout.splitlines()
    assert "1,,,penalty,,0.016125" in rows
    assert "1,,,cost,,0.421125" in rows
    assert "1,,1,dL_dW,\"1,1\",-0.9" in rows
    assert "1,,1,dJ_dW,\"1,1\",-0.85" in rows
    assert any(row.startswith("1,,,final_penalty,,") for row in rows)


def test_state_and_save_keep_the_penalty():
    invoke("run", "l2-half-mean", "--save", "after.yaml")
    for path in ("after.yaml", ".backcalc/state.yaml"):
        text = open(path, encoding="utf-8").read()
        assert "l2: 0.2\nl2_form: half_mean\n" in text
    saved = parse_network_text(open("after.yaml", encoding="utf-8").read())
    assert (saved.l2, saved.l2_form, saved.l2_biases) == (0.2, "half_mean", False)


def test_new_writes_the_l2_keys():
    text = invoke("new", "2-1", "--l2", "0.01", "--l2-form", "full").stdout
    assert "\nl2: 0.01\nl2_form: full\n" in text
    net = parse_network_text(text)
    assert (net.l2, net.l2_form) == (0.01, "full")
    assert "\nl2:" not in invoke("new", "2-1").stdout


# --- check: keys and slips ------------------------------------------------------------

def _check(network: str, answers: str) -> dict:
    write_network(answers, "answers.yaml")
    out = run_cli("check", network, "answers.yaml", "--format", "json")
    return {r["key"]: r for r in json.loads(out.stdout)["results"]}


def test_check_takes_penalty_cost_and_both_gradients():
    # l2-half by hand: penalty 0.016125, J 0.421125, ∂L/∂w1 −0.9, ∂J/∂w1 −0.85
    results = _check("l2-half", "penalty: 0.016125\ncost: 0.421125\nloss: 0.405\n"
                                "dL/dw1: -0.9\ndJ/dw1: -0.85\n∂J/∂w2: -1.825\ndJ/db1: -0.89\n")
    assert {key: r["verdict"] for key, r in results.items()} == dict.fromkeys(
        ["loss", "penalty", "cost", "dL/dw1", "dJ/dw1", "dJ/dw2", "dJ/db1"], "right")


@pytest.mark.parametrize(("network", "answers", "key", "slip"), [
    # half: 2λ·w for λ·w: −0.9 + 2·0.1·0.5 = −0.8
    ("l2-half", "dJ/dw1: -0.800\n", "dJ/dw1", "l2_doubled"),
    # full: λ·w for 2λ·w: ∂L/∂w5 = δ2·a1₁ = −0.048420, + 0.05·0.5 = −0.023420
    ("l2-full", "dJ/dw5: -0.023420\n", "dJ/dw5", "l2_halved"),
    # half_mean, m = 2: λ·w for (λ/m)·w: −0.200656 + 0.2·0.3 = −0.140656
    ("l2-half-mean", "dJ/dw1: -0.140656\n", "dJ/dw1", "l2_missing_m"),
    # … and in the penalty: (0.2/2)·(0.09 + 0.04) = 0.013 for 0.0065
    ("l2-half-mean", "penalty: 0.013\n", "penalty", "l2_missing_m"),
    # biases not penalised in l2-full: ∂L/∂b3 = δ2 = −0.107560, + 2·0.05·0.2 = −0.087560
    ("l2-full", "dJ/db3: -0.087560\n", "dJ/db3", "l2_bias_penalised"),
    # … and b² in its penalty: 0.05·(0.91 + 0.01 + 0.01 + 0.04) = 0.0485
    ("l2-full", "penalty: 0.0485\n", "penalty", "l2_bias_penalised"),
    # l2-half penalises b1: left out, ∂J/∂b1 = ∂L/∂b1 = −0.9; penalty 0.05·0.3125 = 0.015625
    ("l2-half", "dJ/db1: -0.900\n", "dJ/db1", "l2_bias_not_penalised"),
    ("l2-half", "penalty: 0.015625\n", "penalty", "l2_bias_not_penalised"),
])
def test_each_l2_slip_is_named(network, answers, key, slip):
    result = _check(network, answers)[key]
    assert (result["verdict"], result["slip"]) == ("wrong", slip)


def test_with_two_samples_the_forgotten_m_is_also_the_doubled_two():
    # half_mean, m = 2: 2λ/m = λ, so λ·w is both slips; the 1/m is named first
    write_network("dJ/dw1: -0.140656\n", "answers.yaml")
    out = run_cli("check", "l2-half-mean", "answers.yaml")
    assert "[l2_missing_m]" in out.stdout and "[l2_doubled]" in out.stdout


def test_an_updated_weight_follows_from_a_wrong_cost_gradient():
    # ∂J/∂w1 written −0.8 (l2_doubled); w1⁺ = 0.5 − 0.1·(−0.8) = 0.58 follows from it
    results = _check("l2-half", "dJ/dw1: -0.800\nw1+: 0.580\n")
    assert results["w1+"]["verdict"] == "follows"


# --- refusals -------------------------------------------------------------------------

BASE = """\
input: 0.5
target: 0.2
loss: half_squared_error
learning_rate: 0.1
{extra}
layers:
  - activation: sigmoid
    weights: 0.3
    biases: 0.1
"""


@pytest.mark.parametrize(("extra", "line"), [
    ("l2: -0.1", "net.yaml:5:5: l2: expected an L2 penalty λ of 0 or more, found -0.1"),
    ("l2: lots", "net.yaml:5:5: l2: expected a number, found the text 'lots'"),
    ("l2: true", "net.yaml:5:5: l2: expected a number, found true (a boolean)"),
    ("l2: .inf", "net.yaml:5:5: l2: expected a finite number, found inf"),
    ("l2: 0.1\nl2_form: halfmean",
     "net.yaml:6:10: l2_form: expected one of half, full, half_mean, found 'halfmean' "
     "(did you mean 'half_mean'?)"),
    ("l2: 0.1\nl2_biases: 1",
     "net.yaml:6:12: l2_biases: expected true or false, found 1"),
    ("l2_form: full",
     "net.yaml:5:1: l2_form: l2_form applies only with an L2 penalty: give l2: λ as well "
     "(or leave it out)"),
    ("l2_biases: true",
     "net.yaml:5:1: l2_biases: l2_biases applies only with an L2 penalty: give l2: λ as well "
     "(or leave it out)"),
    ("l2: 0.1\nl2_fom: full",
     "net.yaml:6:1: l2_fom: unknown key 'l2_fom' (did you mean 'l2_form'?); expected one of "
     "description, index_base, input, l2, l2_biases, l2_form, layers, learning_rate, loss, "
     "momentum, name, nesterov, optimizer, reduction, relu_derivative_at_zero, "
     "round_intermediates, samples, state, target, update, update_biases, weight_rows"),
])
def test_every_bad_l2_value_is_one_line(extra, line):
    write_network(BASE.format(extra=extra))
    assert one_error_line(run_cli("run", "net.yaml")) == f"Error: {line}"


@pytest.mark.parametrize(("answers", "line"), [
    ("penalty: 0.1\n", "answers.yaml:1:10: penalty: penalty belongs to a network with an L2 "
     "penalty (l2: λ), and this one has none: its cost is its loss, its gradients dL/d…"),
    ("dJ/dw5: 0.1\n", "answers.yaml:1:9: dJ/dw5: dJ/dw5 belongs to a network with an L2 "
     "penalty (l2: λ), and this one has none: its cost is its loss, its gradients dL/d…"),
])
def test_penalty_keys_are_refused_for_a_network_without_l2(answers, line):
    write_network(answers, "answers.yaml")
    assert one_error_line(run_cli("check", "mazur", "answers.yaml")) == f"Error: {line}"


def test_new_refuses_a_form_without_l2():
    assert one_error_line(run_cli("new", "2-1", "--l2-form", "full")) == (
        "Error: --l2-form: applies only with an L2 penalty: give --l2 λ as well")


def test_math_of_the_forms_is_declared_once():
    from backcalc.penalties import PENALTIES
    lam, m = 0.3, 4
    for name, (scale, factor) in {"half": (lam / 2, lam), "full": (lam, 2 * lam),
                                  "half_mean": (lam / 8, lam / 4)}.items():
        form = PENALTIES[name]()
        assert (form.scale(lam, m), form.factor(lam, m)) == (scale, factor)
    assert math.isclose(bundled_network("l2-full").l2 or 0, 0.05)
