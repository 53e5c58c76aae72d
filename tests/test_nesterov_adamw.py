"""Nesterov momentum (``nesterov: true``) and AdamW (``optimizer: {name: adamw, …}``):
SPEC "Regularisation, more optimizers, dropout".

Oracles: numbers worked by hand in the comments; the updates written here in PyTorch's
documented form (``torch.optim.SGD(nesterov=True)``: a buffer b ← μb + g and
θ ← θ − η(g + μb); ``torch.optim.AdamW``: θ ← θ(1 − η·wd), then Adam's step), with a
forward/backward loop of their own, for random networks over several iterations; the run
continued from its state file.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from backcalc.engine import train
from backcalc.netfile import parse_network_text

from helpers import invoke, one_error_line, run_cli, run_json, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


def exact(value):
    return pytest.approx(value, rel=1e-12, abs=1e-15)


# --- hand-worked examples -------------------------------------------------------------

def test_nesterov_bundled_example_by_hand():
    # z = 0.5·1 − 0.25·2 + 0.1 = 0.1; δ = −0.9; ∂L/∂(w1, w2, b1) = (−0.9, −1.8, −0.9)
    # v⁺ = 0.9·0 − 0.1·g;  θ⁺ = θ + 0.9·v⁺ − 0.1·g
    step = run_json("run", "nesterov")["steps"][0]
    assert step["parameters"][0]["weights"][0] == [exact(0.5 + 0.9 * 0.09 + 0.09),
                                                   exact(-0.25 + 0.9 * 0.18 + 0.18)]
    assert step["parameters"][0]["biases"] == [exact(0.1 + 0.9 * 0.09 + 0.09)]


def test_nesterov_second_iteration_by_hand():
    # Iteration 2 from w = (0.671, 0.092), b = 0.271, v = (0.09, 0.18, 0.09):
    # z = 0.671 + 0.184 + 0.271 = 1.126; δ = 0.126; g = (0.126, 0.252, 0.126)
    # v⁺ = 0.9·0.09 − 0.0126 = 0.0684; 0.9·0.18 − 0.0252 = 0.1368
    # w1⁺ = 0.671 + 0.9·0.0684 − 0.0126 = 0.71996; w2⁺ = 0.092 + 0.12312 − 0.0252 = 0.18992
    # b1⁺ = 0.271 + 0.06156 − 0.0126 = 0.31996
    step = run_json("step", "nesterov", "-n", "2")["steps"][-1]
    assert step["gradients"][0]["weights"][0] == [pytest.approx(0.126), pytest.approx(0.252)]
    assert step["parameters"][0]["weights"][0] == [pytest.approx(0.71996, abs=1e-12),
                                                   pytest.approx(0.18992, abs=1e-12)]
    assert step["parameters"][0]["biases"] == [pytest.approx(0.31996, abs=1e-12)]


def test_adamw_bundled_example_by_hand():
    # decayed: 0.5 − 0.1·0.1·0.5 = 0.495, −0.25 + 0.0025 = −0.2475; b1 not decayed
    # t = 1: m̂ = g, v̂ = g², step −η·g/(|g| + ε)
    eps = 1e-8
    step = run_json("run", "adamw")["steps"][0]
    assert step["parameters"][0]["weights"][0] == [exact(0.495 + 0.1 * 0.9 / (0.9 + eps)),
                                                   exact(-0.2475 + 0.1 * 1.8 / (1.8 + eps))]
    assert step["parameters"][0]["biases"] == [exact(0.1 + 0.1 * 0.9 / (0.9 + eps))]


LINEAR = """\
input: [1.0, 2.0]
target: 1.0
loss: half_squared_error
learning_rate: 0.1
{extra}
layers:
  - activation: linear
    weights: [0.5, -0.25]
    biases: 0.1
    names: {{weights: [w1, w2], biases: b1}}
"""


def test_adamw_decays_the_biases_only_when_asked():
    write_network(LINEAR.format(extra="optimizer: {name: adamw, weight_decay: 0.2, "
                                      "decay_biases: true}"))
    # η·wd = 0.02: b1 decayed to 0.1 − 0.002 = 0.098, then + 0.1·0.9/(0.9 + 1e−8)
    step = run_json("run", "net.yaml")["steps"][0]
    assert step["parameters"][0]["biases"] == [exact(0.098 + 0.1 * 0.9 / (0.9 + 1e-8))]
    assert step["parameters"][0]["weights"][0][0] == exact(0.49 + 0.1 * 0.9 / (0.9 + 1e-8))


def test_nesterov_with_l2_steps_along_the_cost_gradient():
    write_network(LINEAR.format(extra="momentum: 0.5\nnesterov: true\nl2: 0.1"))
    # ∂J/∂w1 = −0.9 + 0.1·0.5 = −0.85; v = 0.085; w1⁺ = 0.5 + 0.5·0.085 + 0.085 = 0.6275
    step = run_json("run", "net.yaml")["steps"][0]
    assert step["parameters"][0]["weights"][0][0] == exact(0.6275)


def test_adamw_with_zero_decay_is_adam():
    write_network(LINEAR.format(extra="optimizer: {name: adamw, weight_decay: 0}"))
    adamw = run_json("step", "net.yaml", "-n", "3")
    write_network(LINEAR.format(extra="optimizer: adam"))
    assert run_json("step", "net.yaml", "-n", "3")["steps"] == adamw["steps"]


# --- random networks against PyTorch's documented loops --------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _random_network(rng, optimizer_lines: str, update: str = "batch") -> str:
    sizes = [int(rng.integers(1, 4)) for _ in range(3)]
    lines = ["samples:"]
    for _ in range(int(rng.integers(1, 4))):
        lines.append(f"  - {{input: {rng.uniform(-1, 1, sizes[0]).tolist()}, "
                     f"target: {rng.uniform(0, 1, sizes[2]).tolist()}}}")
    lines += ["loss: half_squared_error", f"learning_rate: {float(rng.uniform(0.05, 0.5))!r}",
              f"update: {update}", optimizer_lines, "layers:"]
    for n_in, n_out in zip(sizes, sizes[1:]):
        lines += ["  - activation: sigmoid",
                  f"    weights: {rng.uniform(-1, 1, (n_out, n_in)).tolist()}",
                  f"    biases: {rng.uniform(-1, 1, n_out).tolist()}"]
    return "\n".join(lines) + "\n"


def _hand_gradients(net, params, indices):
    """∂L/∂θ (mean over ``indices``), plus λ·θ of the weights with l2 (half form)."""
    m = len(indices)
    grads = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]
    for s in indices:
        a = [net.samples[s].input]
        for w, b in params:
            a.append(_sigmoid(w @ a[-1] + b))
        delta = (a[-1] - net.samples[s].target) * a[-1] * (1 - a[-1])
        for layer in range(len(params) - 1, -1, -1):
            grads[layer][0] += np.outer(delta, a[layer]) / m
            grads[layer][1] += delta / m
            if layer:
                delta = (params[layer][0].T @ delta) * a[layer] * (1 - a[layer])
    if net.l2:
        for (w, _), g in zip(params, grads):
            g[0] += net.l2 * w
    return grads


def _torch_sgd_nesterov(params, grads, state, lr, mu):
    """torch.optim.SGD(momentum=μ, nesterov=True, dampening=0): b = g at the first step,
    then b ← μb + g; θ ← θ − η(g + μb)."""
    out = []
    for index, (theta, g) in enumerate(zip(params, grads)):
        b = g.copy() if index not in state else mu * state[index] + g
        state[index] = b
        out.append(theta - lr * (g + mu * b))
    return out


def _torch_adamw(params, grads, state, lr, t, o, kinds):
    """torch.optim.AdamW: θ ← θ·(1 − η·wd) (weights; biases only with decay_biases), then
    m, v, the bias corrections and θ ← θ − η·m̂/(√v̂ + ε)."""
    out = []
    for index, (theta, g, kind) in enumerate(zip(params, grads, kinds)):
        if kind == "W" or o["decay_biases"]:
            theta = theta * (1 - lr * o["weight_decay"])
        m, v = state.get(index, (0.0, 0.0))
        m = o["beta1"] * m + (1 - o["beta1"]) * g
        v = o["beta2"] * v + (1 - o["beta2"]) * g * g
        state[index] = (m, v)
        m_hat, v_hat = m / (1 - o["beta1"] ** t), v / (1 - o["beta2"] ** t)
        out.append(theta - lr * m_hat / (np.sqrt(v_hat) + o["epsilon"]))
    return out


def _compare(net, iterations, update_rule):
    run = train(net, iterations)
    params = [(layer.weights, layer.biases) for layer in net.layers]
    state: dict = {}
    for t, step in enumerate(run.steps, start=1):
        grads = _hand_gradients(net, params, list(step.pass_.sample_indices))
        flat = [array for pair in params for array in pair]
        flat_grads = [array for pair in grads for array in pair]
        new = update_rule(flat, flat_grads, state, t)
        params = [(new[i], new[i + 1]) for i in range(0, len(new), 2)]
        for (w, b), mine in zip(params, step.parameters):
            np.testing.assert_allclose(mine.weights, w, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(mine.biases, b, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("update", ["batch", "online"])
@pytest.mark.parametrize("l2", [None, 0.05])
def test_random_networks_nesterov_against_pytorchs_loop(update, l2):
    rng = np.random.default_rng(hash(("nesterov", update, l2)) % 2 ** 32)
    for _ in range(4):
        mu = float(rng.uniform(0.1, 0.95))
        lines = f"momentum: {mu!r}\nnesterov: true" + (f"\nl2: {l2}" if l2 else "")
        net = parse_network_text(_random_network(rng, lines, update))
        _compare(net, 5, lambda p, g, s, t, lr=net.learning_rate, mu=mu:
                 _torch_sgd_nesterov(p, g, s, lr, mu))


@pytest.mark.parametrize("update", ["batch", "online"])
@pytest.mark.parametrize("decay_biases", [False, True])
def test_random_networks_adamw_against_pytorchs_loop(update, decay_biases):
    rng = np.random.default_rng(hash(("adamw", update, decay_biases)) % 2 ** 32)
    for _ in range(4):
        o = {"beta1": float(rng.uniform(0.5, 0.95)), "beta2": float(rng.uniform(0.9, 0.999)),
             "epsilon": 1e-8, "weight_decay": float(rng.uniform(0.01, 0.5)),
             "decay_biases": decay_biases}
        lines = ("optimizer: {name: adamw, " + ", ".join(
            f"{key}: {str(value).lower() if isinstance(value, bool) else repr(value)}"
            for key, value in o.items()) + "}")
        net = parse_network_text(_random_network(rng, lines, update))
        kinds = ["W", "b"] * len(net.layers)
        _compare(net, 5, lambda p, g, s, t, lr=net.learning_rate, o=o, kinds=kinds:
                 _torch_adamw(p, g, s, lr, t, o, kinds))


# --- state: run + step continue bit for bit --------------------------------------------

@pytest.mark.parametrize("lines", ["momentum: 0.8\nnesterov: true",
                                   "optimizer: {name: adamw, weight_decay: 0.1, "
                                   "decay_biases: true}"])
@pytest.mark.parametrize("update", ["batch", "online"])
def test_run_then_step_continues_bit_for_bit(lines, update):
    write_network(_random_network(np.random.default_rng(5), lines, update))
    invoke("run", "net.yaml")
    continued = run_json("step", "--iterations", "2")
    whole = run_json("step", "net.yaml", "--iterations", "3")
    assert continued["final"] == whole["final"]
    assert continued["steps"][-1] == whole["steps"][-1]


def test_state_and_save_keep_the_keys():
    invoke("run", "nesterov", "--save", "n.yaml")
    assert "momentum: 0.9\nnesterov: true\n" in open("n.yaml", encoding="utf-8").read()
    assert parse_network_text(open("n.yaml", encoding="utf-8").read()).nesterov is True
    invoke("run", "adamw", "--save", "a.yaml")
    saved = parse_network_text(open("a.yaml", encoding="utf-8").read())
    assert saved.optimizer.name == "adamw"
    assert saved.optimizer.settings["weight_decay"] == 0.1
    assert saved.optimizer.settings["decay_biases"] is False
    state = open(".backcalc/state.yaml", encoding="utf-8").read()
    assert "weight_decay: 0.1" in state and "\n  m:\n" in state


# --- shown everywhere -------------------------------------------------------------------

def test_conventions_and_update_tables_say_which_form():
    out = invoke("run", "nesterov", columns=200).stdout
    assert ("SGD with Nesterov momentum μ = 0.9: v ← μv − η∇L, θ ← θ + μv − η∇L "
            "(PyTorch's nesterov=True)") in out
    out = invoke("run", "adamw", columns=200).stdout
    assert ("AdamW (β₁ = 0.9, β₂ = 0.999, ε = 1e-08, wd = 0.1, weights only): θ ← θ − η·wd·θ, "
            "then θ ← θ − η·m̂ / (√v̂ + ε) (PyTorch's AdamW)") in out
    header = next(line for line in out.splitlines() if "decay η·wd·θ" in line)
    assert header.split() == ["parameter", "old", "gradient", "decay", "η·wd·θ", "m",
                              "(1st", "moment)", "v", "(2nd", "moment)", "new"]
    # η·wd·w1 = 0.1·0.1·0.5 = 0.005; the bias is not decayed: an empty cell
    w1 = next(line for line in out.splitlines() if line.strip().startswith("w1 "))
    assert w1.split()[3] == "0.005"
    b1 = next(line for line in out.splitlines() if line.strip().startswith("b1 "))
    assert len(b1.split()) == len(w1.split()) - 1


def test_explain_writes_each_line_with_numbers():
    out = invoke("run", "nesterov", "--explain", columns=200).stdout
    assert "v[w1] = μ·v[w1] − η·∂L/∂w1 = 0.9·0 − 0.1·(−0.9) = 0.09" in out
    assert "w1⁺ = w1 + μ·v[w1] − η·∂L/∂w1 = 0.5 + 0.9·0.09 − 0.1·(−0.9) = 0.671" in out
    out = invoke("run", "adamw", "--explain", columns=200).stdout
    assert "θ̃[w1] = w1 − η·wd·w1 = 0.5 − 0.1·0.1·0.5 = 0.495" in out
    assert "w1⁺ = θ̃[w1] − η·m̂[w1] / (√v̂[w1] + ε) = 0.495 − 0.1·(−0.9) / (√0.81 + 1e−08)" \
        in out
    assert "θ̃[b1]" not in out
    assert "b1⁺ = b1 − η·m̂[b1] / (√v̂[b1] + ε)" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "latex", "html"])
def test_every_format_runs_them(fmt):
    # w1⁺: 0.671 (Nesterov), 0.495 + 0.0999999989 (AdamW); JSON and CSV at full digits
    explain = [] if fmt in ("json", "csv") else ["--explain"]
    for name, value in (("nesterov", "0.67"), ("adamw", "0.59499999")):
        assert value in invoke("run", name, *explain, "--format", fmt).stdout


@pytest.mark.parametrize("name", ["nesterov", "adamw"])
def test_gradcheck_runs_with_them(name):
    out = invoke("gradcheck", name).stdout
    assert "mismatch" not in out.split("Result")[-1]


def test_new_writes_the_keys():
    text = invoke("new", "2-1", "--momentum", "0.9", "--nesterov").stdout
    assert "\nmomentum: 0.9\nnesterov: true\n" in text
    assert parse_network_text(text).nesterov is True
    text = invoke("new", "2-1", "--optimizer", "adamw").stdout
    assert ("\noptimizer:\n  name: adamw\n  beta1: 0.9\n  beta2: 0.999\n  epsilon: 1e-08\n"
            "  weight_decay: 0.01\n  decay_biases: false\n") in text
    net = parse_network_text(text)
    assert net.optimizer.settings == {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                                      "weight_decay": 0.01, "decay_biases": False}
    assert "# A 2-1 network made by: backcalc new 2-1 --optimizer adamw\n" in text


def test_the_schema_knows_the_keys():
    schema = json.loads(invoke("schema").stdout)["anyOf"][0]      # a network's (or a graph's)
    assert schema["properties"]["nesterov"]["type"] == "boolean"
    optimizer = schema["properties"]["optimizer"]
    assert "adamw" in optimizer["anyOf"][0]["enum"]
    settings = optimizer["anyOf"][1]["properties"]
    assert settings["weight_decay"]["default"] == 0.01 and settings["weight_decay"]["minimum"] == 0
    assert settings["decay_biases"]["type"] == "boolean"


# --- check: the slips -----------------------------------------------------------------

def _check(network: str, answers: str) -> dict:
    write_network(answers, "answers.yaml")
    out = run_cli("check", network, "answers.yaml", "--format", "json")
    return {r["key"]: r for r in json.loads(out.stdout)["results"]}


def test_check_judges_the_right_updates():
    results = _check("nesterov", "w1+: 0.671\nw2+: 0.092\nb1+: 0.271\n")
    assert {r["verdict"] for r in results.values()} == {"right"}
    results = _check("adamw", "w1+: 0.595\nw2+: -0.1475\nb1+: 0.2\n")
    assert {r["verdict"] for r in results.values()} == {"right"}


def test_nesterovs_look_ahead_written_as_plain_momentum_is_named():
    # θ + v⁺ = 0.5 + 0.09 = 0.59 where Nesterov gives 0.671
    result = _check("nesterov", "w1+: 0.59\n")["w1+"]
    assert (result["verdict"], result["slip"]) == ("wrong", "nesterov_as_momentum")
    out = run_cli("check", "nesterov", "answers.yaml", columns=200).stdout
    assert "Nesterov's look-ahead written as plain momentum" in out


def test_adamws_decay_folded_into_the_gradient_is_named():
    # ∂L/∂w2 + wd·w2 = −1.8 + 0.1·(−0.25) = −1.825 into m and v, no decay of w2:
    # w2⁺ = −0.25 + 0.1·1.825/(1.825 + 1e−8) = −0.15000000055 (AdamW: −0.1475)
    slipped = -0.25 + 0.1 * 1.825 / (1.825 + 1e-8)
    result = _check("adamw", f"w2+: {slipped:.4f}\n")["w2+"]
    assert (result["verdict"], result["slip"]) == ("wrong", "adamw_decay_as_l2")
    out = run_cli("check", "adamw", "answers.yaml", columns=200).stdout
    assert "AdamW's decay folded into the gradient as plain L2" in out


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
    ("nesterov: true",
     "net.yaml:5:11: nesterov: Nesterov's look-ahead applies only with momentum: give "
     "momentum: μ above 0 as well (or nesterov: false)"),
    ("momentum: 0\nnesterov: true",
     "net.yaml:6:11: nesterov: Nesterov's look-ahead applies only with momentum: give "
     "momentum: μ above 0 as well (or nesterov: false)"),
    ("momentum: 0.9\nnesterov: 1", "net.yaml:6:11: nesterov: expected true or false, found 1"),
    ("momentum: 0.9\nnesterov: 'true'",
     "net.yaml:6:11: nesterov: expected true or false, found the text 'true'"),
    ("optimizer: adamw\nnesterov: true",
     "net.yaml:6:11: nesterov: Nesterov's look-ahead applies only with momentum: give "
     "momentum: μ above 0 as well (or nesterov: false)"),
    ("optimizer: adamw\nmomentum: 0.9",
     "net.yaml:6:11: momentum: momentum applies to sgd; AdamW's own momentum is "
     "optimizer.beta1"),
    ("optimizer: {name: adamw, weight_decay: -0.1}",
     "net.yaml:5:40: optimizer.weight_decay: expected a number of 0 or more, found -0.1"),
    ("optimizer: {name: adamw, weight_decay: lots}",
     "net.yaml:5:40: optimizer.weight_decay: expected a number, found the text 'lots'"),
    ("optimizer: {name: adamw, beta1: 1}",
     "net.yaml:5:33: optimizer.beta1: expected a value in [0, 1), found 1"),
    ("optimizer: {name: adamw, beta2: -0.5}",
     "net.yaml:5:33: optimizer.beta2: expected a value in [0, 1), found -0.5"),
    ("optimizer: {name: adamw, epsilon: 0}",
     "net.yaml:5:35: optimizer.epsilon: expected a number above 0, found 0"),
    ("optimizer: {name: adamw, decay_biases: 1}",
     "net.yaml:5:40: optimizer.decay_biases: expected true or false, found 1"),
    ("optimizer: {name: adamw, weight_decy: 0.1}",
     "net.yaml:5:26: optimizer.weight_decy: unknown key 'weight_decy' (did you mean "
     "'weight_decay'?); expected one of beta1, beta2, decay_biases, epsilon, name, "
     "weight_decay"),
    ("optimizer: {name: adam, weight_decay: 0.1}",
     "net.yaml:5:25: optimizer.weight_decay: adam takes no weight_decay (only adamw does); "
     "expected one of beta1, beta2, epsilon, name"),
    ("optimizer: {name: adamW}",
     "net.yaml:5:19: optimizer.name: expected one of adam, adamw, sgd, found 'adamW' "
     "(did you mean 'adamw'?)"),
    ("nesterv: true",
     "net.yaml:5:1: nesterv: unknown key 'nesterv' (did you mean 'nesterov'?); expected one "
     "of description, index_base, input, l2, l2_biases, l2_form, layers, learning_rate, loss, "
     "momentum, name, nesterov, optimizer, reduction, relu_derivative_at_zero, "
     "round_intermediates, samples, state, target, update, update_biases, weight_rows"),
])
def test_every_bad_value_is_one_line(extra, line):
    write_network(BASE.format(extra=extra))
    assert one_error_line(run_cli("run", "net.yaml")) == f"Error: {line}"


@pytest.mark.parametrize(("args", "line"), [
    (["--nesterov"], "--nesterov: Nesterov's look-ahead applies only with momentum: give "
                     "--momentum μ above 0 as well"),
    (["--momentum", "0", "--nesterov"], "--nesterov: Nesterov's look-ahead applies only with "
                                        "momentum: give --momentum μ above 0 as well"),
    (["--momentum", "1"], "--momentum: expected a momentum in [0, 1), found 1"),
    (["--optimizer", "adamw", "--momentum", "0.5"],
     "--momentum: momentum applies to SGD, not adamw (AdamW's own momentum is "
     "optimizer.beta1)"),
    (["--optimizer", "nadam"], "--optimizer: expected one of adam, adamw, sgd, found 'nadam' "
                               "(did you mean 'adam'?)"),
])
def test_new_refuses_in_one_line(args, line):
    assert one_error_line(run_cli("new", "2-1", *args)) == f"Error: {line}"
