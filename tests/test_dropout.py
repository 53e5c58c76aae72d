"""Per-layer dropout (a hidden layer's ``dropout: {mask, keep}``): SPEC "Regularisation,
more optimizers, dropout".

Oracles: numbers worked by hand in the comments (the bundled example's header too); a
forward/backward loop written here, independently of the engine, for random networks;
central finite differences of the training loss with the masks held fixed; the run
continued from its state file; each slip's number worked by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from backcalc.engine import train
from backcalc.netfile import parse_network_text

from helpers import invoke, one_error_line, run_cli, run_json, write_network
from network_builders import central_differences

pytestmark = pytest.mark.usefixtures("in_tmp")


def exact(value):
    return pytest.approx(value, rel=1e-12, abs=1e-15)


# --- hand-worked ------------------------------------------------------------------------

def test_the_bundled_example_gives_its_header_numbers():
    step = run_json("run", "dropout")["steps"][0]
    s1, s2 = step["samples"]
    # sample 1, x = (1, 2), m = (1, 0, 1), p = 0.5
    # z¹ = (0.5·1 + 0.25·2, −0.5·1 + 0.5·2, 0.25·1 + 0.25·2 + 0.25) = (1, 0.5, 1) = a¹
    hidden = s1["layers"][0]
    assert hidden["z"] == [1.0, 0.5, 1.0] and hidden["a"] == [1.0, 0.5, 1.0]
    assert hidden["a_dropout"] == [1 * 1 / 0.5, 0.5 * 0 / 0.5, 1 * 1 / 0.5]    # (2, 0, 2)
    # z² = 0.5·2 − 0.5·0 + 0.25·2 = 1.5; L₁ = ½(1 − 1.5)² = 0.125; δ² = a − y = 0.5
    assert s1["layers"][1]["a"] == [1.5] and s1["loss"] == 0.125
    assert s1["layers"][1]["delta"] == [0.5]
    # ∂L/∂ã = w·δ² = (0.25, −0.25, 0.125); ∂L/∂a = ∂L/∂ã·m/p = (0.5, 0, 0.25) = δ¹ (ReLU′ 1)
    assert hidden["dL_da"] == [0.25 * 1 / 0.5, 0.0, 0.125 * 1 / 0.5]
    assert hidden["delta"] == [0.5, 0.0, 0.25]
    # sample 2, x = (2, 1), m = (0, 1, 1): a¹ = (1.25, 0, 1); ã = (0, 0, 2)
    hidden = s2["layers"][0]
    assert hidden["a"] == [1.25, 0.0, 1.0] and hidden["a_dropout"] == [0.0, 0.0, 2.0]
    # z² = 0.25·2 = 0.5; L₂ = ½(0 − 0.5)² = 0.125; ∂L/∂a = (0, −0.25·1/0.5, 0.125·1/0.5)
    assert s2["layers"][1]["a"] == [0.5] and s2["loss"] == 0.125
    assert hidden["dL_da"] == [0.0, -0.5, 0.25] and hidden["delta"] == [0.0, 0.0, 0.25]
    assert "a_dropout" not in s1["layers"][1]                # the output layer has none
    # L = (0.125 + 0.125)/2; ∂L/∂W2 = ½(0.5·(2, 0, 2) + 0.5·(0, 0, 2)) = (0.5, 0, 1)
    assert step["loss"] == 0.125
    assert step["gradients"][1] == {"weights": [[0.5, 0.0, 1.0]], "biases": [0.5]}
    # ∂L/∂W1 = ½(δ¹(s1)·x(s1) + δ¹(s2)·x(s2)): row 1 ½·0.5·(1, 2), row 3 ½·0.25·(3, 3)
    assert step["gradients"][0] == {"weights": [[0.25, 0.5], [0.0, 0.0], [0.375, 0.375]],
                                    "biases": [0.25, 0.0, 0.25]}
    # η = 0.1
    assert step["parameters"][1]["weights"] == [[exact(0.45), -0.5, exact(0.15)]]
    assert step["parameters"][1]["biases"] == [exact(-0.05)]
    assert step["parameters"][0]["weights"] == [[exact(0.475), exact(0.2)], [-0.5, 0.5],
                                                [exact(0.2125), exact(0.2125)]]
    assert step["parameters"][0]["biases"] == [exact(-0.025), 0.0, exact(0.225)]


def test_the_final_pass_uses_no_mask():
    doc = run_json("run", "dropout")
    # after the update: W1 = [(0.475, 0.2), (−0.5, 0.5), (0.2125, 0.2125)],
    # b1 = (−0.025, 0, 0.225), W2 = (0.45, −0.5, 0.15), b2 = −0.05.  Sample 1, x = (1, 2):
    # a¹ = (0.475 + 0.4 − 0.025, −0.5 + 1, 0.2125 + 0.425 + 0.225) = (0.85, 0.5, 0.8625)
    # a² = 0.45·0.85 − 0.5·0.5 + 0.15·0.8625 − 0.05 = 0.209875 (no mask, no 1/p)
    a1 = 0.45 * 0.85 - 0.5 * 0.5 + 0.15 * 0.8625 - 0.05
    # sample 2, x = (2, 1): a¹ = (0.95 + 0.2 − 0.025, ReLU(−0.5), 0.425 + 0.2125 + 0.225)
    a2 = 0.45 * 1.125 - 0.5 * 0.0 + 0.15 * 0.8625 - 0.05
    assert doc["final"]["samples"][0]["a"] == [pytest.approx(a1, abs=1e-15)]
    assert doc["final"]["samples"][1]["a"] == [pytest.approx(a2, abs=1e-15)]
    loss = (0.5 * (1 - a1) ** 2 + 0.5 * a2 ** 2) / 2
    assert doc["final"]["loss"] == pytest.approx(loss, rel=1e-12)


def test_without_keep_nothing_is_scaled():
    text = open(_bundled("dropout"), encoding="utf-8").read().replace("      keep: 0.5\n", "")
    write_network(text)
    step = run_json("run", "net.yaml")["steps"][0]
    s1, s2 = step["samples"]
    # ã = a·m: s1 (1, 0, 1), z² = 0.5 + 0.25 = 0.75, δ² = −0.25; s2 (0, 0, 1), z² = 0.25
    assert s1["layers"][0]["a_dropout"] == [1.0, 0.0, 1.0]
    assert s2["layers"][0]["a_dropout"] == [0.0, 0.0, 1.0]
    assert s1["layers"][1]["a"] == [0.75] and s2["layers"][1]["a"] == [0.25]
    # ∂L/∂a = w·δ²·m: s1 (0.5·−0.25, 0, 0.25·−0.25), s2 (0, −0.5·0.25, 0.25·0.25)
    assert s1["layers"][0]["dL_da"] == [-0.125, 0.0, -0.0625]
    assert s2["layers"][0]["dL_da"] == [0.0, -0.125, 0.0625]
    # L = (½·0.25² + ½·0.25²)/2; ∂L/∂W2 = ½(−0.25·(1, 0, 1) + 0.25·(0, 0, 1))
    assert step["loss"] == 0.03125
    assert step["gradients"][1]["weights"] == [[-0.125, 0.0, 0.0]]


def _bundled(name: str) -> str:
    from backcalc.examples import example_paths
    return str(example_paths()[name])


# --- random networks: a hand loop and finite differences ---------------------------------

ACTIVATIONS = {"sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda a: a * (1 - a)),
               "tanh": (np.tanh, lambda a: 1 - a * a)}


def _random_network(rng, update: str = "batch") -> str:
    sizes = [int(rng.integers(1, 4)) for _ in range(4)]
    samples = int(rng.integers(1, 4))
    lines = ["samples:"]
    for _ in range(samples):
        lines.append(f"  - {{input: {rng.uniform(-1, 1, sizes[0]).tolist()}, "
                     f"target: {rng.uniform(0, 1, sizes[-1]).tolist()}}}")
    lines += ["loss: half_squared_error", "learning_rate: 0.3", f"update: {update}",
              f"reduction: {rng.choice(['mean', 'sum'])}", "layers:"]
    layers = list(zip(sizes, sizes[1:]))
    for index, (n_in, n_out) in enumerate(layers):
        lines += [f"  - activation: {rng.choice(list(ACTIVATIONS))}",
                  f"    weights: {rng.uniform(-1, 1, (n_out, n_in)).tolist()}",
                  f"    biases: {rng.uniform(-1, 1, n_out).tolist()}"]
        if index < len(layers) - 1 and rng.uniform() < 0.8:
            masks = rng.integers(0, 2, (samples, n_out)).tolist()
            keep = "" if rng.uniform() < 0.3 else f", keep: {float(rng.uniform(0.2, 1))!r}"
            lines.append(f"    dropout: {{mask: {masks}{keep}}}")
    return "\n".join(lines) + "\n"


def _with_dropout(rng, update: str = "batch") -> str:
    """A random network with dropout on at least one layer."""
    text = _random_network(rng, update)
    while "dropout" not in text:
        text = _random_network(rng, update)
    return text


def _hand_loss_and_gradients(net, params, indices):
    """The training loss and ∂L/∂θ by a plain loop over the samples, written here: the
    masked forward pass ã = f(z)·m/p, and back ∂L/∂a = (Wᵀδ)·m/p, δ = ∂L/∂a·f′."""
    count = len(indices)
    scale = 1 / count if net.reduction == "mean" else 1.0
    grads = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]
    loss = 0.0
    for s in indices:
        outs, passed = [], [net.samples[s].input]
        for layer, (w, b) in zip(net.layers, params):
            a = ACTIVATIONS[layer.activation.name][0](w @ passed[-1] + b)
            outs.append(a)
            drop = layer.dropout
            if drop is not None:
                a = a * np.array(drop.masks[s]) / (drop.keep or 1.0)
            passed.append(a)
        y = net.samples[s].target
        loss += scale * 0.5 * float(np.sum((y - outs[-1]) ** 2))
        dL_da = outs[-1] - y
        for index in range(len(params) - 1, -1, -1):
            layer = net.layers[index]
            delta = dL_da * ACTIVATIONS[layer.activation.name][1](outs[index])
            grads[index][0] += scale * np.outer(delta, passed[index])
            grads[index][1] += scale * delta
            if index:
                below = net.layers[index - 1].dropout
                dL_da = params[index][0].T @ delta
                if below is not None:
                    dL_da = dL_da * np.array(below.masks[s]) / (below.keep or 1.0)
    return loss, grads


@pytest.mark.parametrize("update", ["batch", "online"])
@pytest.mark.parametrize("seed", range(4))
def test_random_networks_agree_with_a_hand_loop_and_finite_differences(update, seed):
    rng = np.random.default_rng(1000 * seed + (update == "online"))
    net = parse_network_text(_with_dropout(rng, update))
    run = train(net, 2)
    params = [(layer.weights, layer.biases) for layer in net.layers]
    for step in run.steps:
        indices = list(step.pass_.sample_indices)
        loss, grads = _hand_loss_and_gradients(net, params, indices)
        assert step.loss == pytest.approx(loss, rel=1e-9, abs=1e-12)
        for (gw, gb), mine in zip(grads, step.gradients):
            np.testing.assert_allclose(mine.weights, gw, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(mine.biases, gb, rtol=1e-9, atol=1e-12)
        # central differences of the training loss (masks fixed), every parameter
        numeric = central_differences(
            params, lambda moved, indices=indices: _hand_loss_and_gradients(net, moved, indices)[0])
        for slopes, mine in zip(numeric, step.gradients):
            for slope, engine in zip(slopes, (mine.weights, mine.biases)):
                for index in np.ndindex(slope.shape):
                    assert slope[index] == pytest.approx(engine[index], abs=1e-9)
        params = [(p.weights, p.biases) for p in step.parameters]
    # the final pass: no mask
    for s, sample in enumerate(net.samples):
        a = sample.input
        for layer, (w, b) in zip(net.layers, params):
            a = ACTIVATIONS[layer.activation.name][0](w @ a + b)
        np.testing.assert_allclose(run.final.outputs[s], a, rtol=1e-12, atol=1e-15)


def test_a_random_network_has_dropout_in_most_cases():
    # (the random networks above are worth their name: most of them drop something)
    rng = np.random.default_rng(5)
    texts = [_random_network(rng) for _ in range(10)]
    assert sum("dropout" in text for text in texts) >= 7


@pytest.mark.parametrize("seed", range(3))
def test_gradcheck_holds_the_mask_fixed(seed):
    rng = np.random.default_rng(seed)
    write_network(_with_dropout(rng))
    out = invoke("gradcheck", "net.yaml").stdout
    assert "the training loss, each sample's mask held fixed" in out
    assert "mismatch" not in out.split("Result")[-1]


@pytest.mark.parametrize("update", ["batch", "online"])
def test_run_then_step_continues_bit_for_bit(update):
    rng = np.random.default_rng(21)
    write_network(_with_dropout(rng, update))
    invoke("run", "net.yaml")
    continued = run_json("step", "--iterations", "2")
    whole = run_json("step", "net.yaml", "--iterations", "3")
    assert continued["final"] == whole["final"]
    assert continued["steps"][-1] == whole["steps"][-1]
    quiet = json.loads(invoke("step", "net.yaml", "-n", "3", "--quiet", "--format",
                              "json").stdout)
    assert quiet["final"] == whole["final"]


def test_online_each_update_uses_its_own_samples_mask():
    text = open(_bundled("dropout"), encoding="utf-8").read().replace(
        "learning_rate: 0.1\n", "learning_rate: 0.1\nupdate: online\n")
    write_network(text)
    steps = run_json("run", "net.yaml")["steps"]
    # update 1 is sample 1's: ã = (2, 0, 2) as in batch mode
    assert steps[0]["samples"][0]["layers"][0]["a_dropout"] == [2.0, 0.0, 2.0]
    # update 2 is sample 2's, after update 1 (η = 0.1, ∂L/∂W1 row 1 = 0.5·(1, 2),
    # b 0.5): W1 row 1 = (0.45, 0.15), b1₁ = −0.05, so a¹₁ = 0.9 + 0.15 − 0.05 = 1; m₁ = 0
    second = steps[1]["samples"][0]["layers"][0]
    assert second["a"][0] == pytest.approx(1.0, abs=1e-15) and second["a_dropout"][0] == 0.0


# --- shown everywhere -----------------------------------------------------------------

def test_explain_writes_a_tilde_and_the_backward_line_with_numbers():
    out = invoke("run", "dropout", "--explain", columns=200).stdout
    assert "ã₁⁽¹⁾[s1] = a₁⁽¹⁾[s1]·m/p = 1·1/0.5 = 2" in out
    assert "ã₂⁽¹⁾[s1] = a₂⁽¹⁾[s1]·m/p = 0.5·0/0.5 = 0   (dropped)" in out
    # the next layer takes ã: z² = 0.5·2 + (−0.5)·0 + 0.25·2 + 0 = 1.5
    assert "z₁⁽²⁾[s1] = W2[1,1]·ã₁⁽¹⁾[s1] + W2[1,2]·ã₂⁽¹⁾[s1] + W2[1,3]·ã₃⁽¹⁾[s1] + b2[1]" in out
    assert "∂L/∂a₁⁽¹⁾[s1] = (W2[1,1]·δ₁⁽²⁾[s1])·m/p = (0.5·0.5)·1/0.5 = 0.5" in out
    assert "∂L/∂a₂⁽¹⁾[s1] = (W2[1,2]·δ₁⁽²⁾[s1])·m/p = (−0.5·0.5)·0/0.5 = 0" in out
    assert ("∂L/∂W2[1,1] = (1/2)(δ₁⁽²⁾[s1]·ã₁⁽¹⁾[s1] + δ₁⁽²⁾[s2]·ã₁⁽¹⁾[s2]) = "
            "(1/2)(0.5·2 + 0.5·0) = 0.5") in out


def test_tables_show_the_mask_and_a_tilde():
    out = invoke("run", "dropout", columns=200).stdout
    lines = out.splitlines()
    assert lines.count("  neuron     z     a   mask m   ã = a·m/p  ") == 1
    assert "  neuron   mask m   ∂L/∂a   f′(z)   δ = ∂L/∂z  " in lines
    assert "dropout: ã = f(z)·m/p, p = 0.5, passed on to layer 2" in out
    assert "∂L/∂a = (Wᵀ·δ of layer 2)·m/p, ∂L/∂f(z) through the dropout mask" in out
    assert "layer 1: ã = f(z)·m/p, p = 0.5 in training passes" in out     # conventions


def test_csv_and_every_format_carry_a_tilde():
    rows = invoke("run", "dropout", "--format", "csv").stdout.splitlines()
    # sample 1's mask (1, 0, 1) and ã (2, 0, 2); sample 2's ã₃ = 2
    for row in ("1,1,1,mask,1,1.0", "1,1,1,mask,2,0.0", "1,1,1,a_dropout,1,2.0",
                "1,1,1,a_dropout,2,0.0", "1,2,1,a_dropout,3,2.0"):
        assert row in rows
    assert not any(",2,a_dropout," in row or ",2,mask," in row for row in rows)
    for fmt, text in (("markdown", "ã = a·m/p"), ("html", "ã = a·m/p"),
                      ("latex", r"\tilde{a}")):
        assert text in invoke("run", "dropout", "--explain", "--format", fmt).stdout


def test_state_and_save_keep_the_masks():
    invoke("run", "dropout", "--save", "after.yaml")
    for path in ("after.yaml", ".backcalc/state.yaml"):
        saved = parse_network_text(open(path, encoding="utf-8").read())
        dropout = saved.layers[0].dropout
        assert dropout is not None
        assert dropout.masks == ((1.0, 0.0, 1.0), (0.0, 1.0, 1.0)) and dropout.keep == 0.5
        assert saved.layers[1].dropout is None


def test_one_sample_takes_one_mask_and_saves_it_so():
    write_network("input: [1, 2]\ntarget: 1\nloss: half_squared_error\nlearning_rate: 0.1\n"
                  "layers:\n  - activation: relu\n    weights: [[0.5, 0.25], [-0.5, 0.5]]\n"
                  "    biases: 0\n    dropout: {mask: [0, 1], keep: 0.8}\n"
                  "  - activation: linear\n    weights: [1, 1]\n    biases: 0\n")
    # a¹ = (1, 0.5); ã = (0, 0.5/0.8) = (0, 0.625); z² = 0.625
    step = run_json("run", "net.yaml", "--save", "after.yaml")["steps"][0]
    assert step["samples"][0]["layers"][0]["a_dropout"] == [0.0, 0.5 / 0.8]
    assert step["samples"][0]["layers"][1]["a"] == [0.5 / 0.8]
    assert "  dropout:\n    mask: [0, 1]\n    keep: 0.8\n" in open("after.yaml",
                                                             encoding="utf-8").read()


def test_new_writes_dropout_on_the_hidden_layers():
    text = invoke("new", "2-3-2-1", "--dropout", "0.8").stdout
    assert text.count("    dropout: {mask: [1, 1, 1], keep: 0.8}") == 1
    assert text.count("    dropout: {mask: [1, 1], keep: 0.8}") == 1
    net = parse_network_text(text)
    assert [layer.dropout is not None for layer in net.layers] == [True, True, False]
    assert "--dropout 0.8" in text.splitlines()[1]


# --- check: keys and slips ------------------------------------------------------------

def _check(network: str, answers: str) -> dict:
    write_network(answers, "answers.yaml")
    out = run_cli("check", network, "answers.yaml", "--format", "json")
    return {r["key"]: r for r in json.loads(out.stdout)["results"]}


def test_check_takes_a_dropout_keys():
    # the bundled example by hand: ã (s1) = (2, 0, 2); ã (s2) = (0, 0, 2)
    write_network("- a_dropout1: [2, 0, 2]\n  z2: 1.5\n  dL/da1_1: 0.5\n"
                  "- sample: 2\n  ã1_3: 2.0\n  delta1: [0, 0, 0.25]\n", "answers.yaml")
    out = json.loads(run_cli("check", "dropout", "answers.yaml", "--format",
                             "json").stdout)
    verdicts = [(r["key"], r["verdict"]) for r in out["results"]]
    assert all(verdict == "right" for _, verdict in verdicts), verdicts
    assert ("a_dropout1_1", "right") in verdicts and len(verdicts) == 9
    assert [r.get("sample") for r in out["results"] if r["key"] == "a_dropout1_3"] == [1, 2]


@pytest.mark.parametrize(("answers", "key", "slip"), [
    # ã₁ (s1) = a·m without /p: 1·1 = 1 (for 1·1/0.5 = 2)
    ("a_dropout1_1: 1\n", "a_dropout1_1", "dropout_not_rescaled"),
    # … or /p twice: 1·1/0.5/0.5 = 4
    ("a_dropout1_3: 4\n", "a_dropout1_3", "dropout_rescaled_twice"),
    # backward: ∂L/∂a₁ (s1) = ∂L/∂ã·m = 0.25·1 = 0.25 (for 0.25·1/0.5 = 0.5)
    ("dL/da1_1: 0.25\n", "dL/da1_1", "dropout_not_rescaled"),
    ("dL/da1_3: 0.5\n", "dL/da1_3", "dropout_rescaled_twice"),      # 0.125/0.25
    # the dropped neuron 2 (s1): ∂L/∂ã₂ = −0.5·0.5 = −0.25 passed back; δ = −0.25·ReLU′(0.5)
    ("delta1_2: -0.25\n", "delta1_2", "dropped_delta_not_zeroed"),
    # … or as if kept, ·1/p: −0.25/0.5 = −0.5
    ("dL/da1_2: -0.5\n", "dL/da1_2", "dropped_delta_not_zeroed"),
])
def test_each_dropout_slip_is_named(answers, key, slip):
    result = _check("dropout", answers)[key]
    assert (result["verdict"], result["slip"]) == ("wrong", slip)
    # (in this small example other slips may give the number too, named after it)


@pytest.mark.parametrize(("answers", "sentence"), [
    ("a_dropout1_1: 1\n", "the dropout mask applied without rescaling by the keep probability "
                          "(a·m where inverted dropout gives a·m/p) [dropout_not_rescaled]"),
    ("a_dropout1_1: 4\n", "the dropout mask's 1/p applied twice (a·m/p² where inverted "
                          "dropout gives a·m/p) [dropout_rescaled_twice]"),
    ("delta1_2: -0.25\n", "the dropped neuron's ∂L/∂a and δ not zeroed (the gradient passed "
                          "back through a neuron the mask dropped) [dropped_delta_not_zeroed]"),
])
def test_the_slips_sentences_are_shown(answers, sentence):
    write_network(answers, "answers.yaml")
    out = run_cli("check", "dropout", "answers.yaml", columns=400).stdout
    assert sentence in out


def test_a_tilde_keys_are_refused_for_a_layer_without_dropout():
    write_network("a_dropout2: 1\n", "answers.yaml")
    assert one_error_line(run_cli("check", "dropout", "answers.yaml")) == (
        "Error: answers.yaml:1:13: a_dropout2: a_dropout2 belongs to a layer with dropout "
        "(ã = a·m/p), and layer 2 has none: what it passes on is its a")
    write_network("a_dropout1: 1\n", "answers.yaml")
    assert one_error_line(run_cli("check", "mazur", "answers.yaml")).startswith(
        "Error: answers.yaml:1:13: a_dropout1: a_dropout1 belongs to a layer with dropout")


# --- refusals -------------------------------------------------------------------------

BASE = """\
samples:
  - {{input: [1, 2], target: 1}}
  - {{input: [2, 1], target: 0}}
loss: half_squared_error
learning_rate: 0.1
layers:
  - activation: relu
    weights: [[0.5, 0.25], [-0.5, 0.5]]
    biases: [0, 0]
    dropout: {dropout}
  - activation: linear
    weights: [[0.5, -0.5]]
    biases: 0
{output}"""

P = "net.yaml:10:"
MASK = "layer 1.dropout.mask"


@pytest.mark.parametrize(("dropout", "output", "line"), [
    ("{mask: [[1, 0], [0, 1]], keep: 0}", "",
     f"{P}45: layer 1.dropout.keep: expected a keep probability p in (0, 1], found 0"),
    ("{mask: [[1, 0], [0, 1]], keep: 1.5}", "",
     f"{P}45: layer 1.dropout.keep: expected a keep probability p in (0, 1], found 1.5"),
    ("{mask: [[1, 0], [0, 1]], keep: -0.5}", "",
     f"{P}45: layer 1.dropout.keep: expected a keep probability p in (0, 1], found -0.5"),
    ("{mask: [[1, 0], [0, 1]], keep: high}", "",
     f"{P}45: layer 1.dropout.keep: expected a number, found the text 'high'"),
    ("{mask: [1, 0]}", "",
     f"{P}21: {MASK}: expected one mask per sample (the file has 2), a list of 2 lists of "
     "2 numbers (0 or 1), found a single mask (a list of 2); give each sample its own"),
    ("{mask: [[1, 0]]}", "",
     f"{P}21: {MASK}: expected one mask per sample, 2 lists of 2 numbers (0 or 1), found "
     "1 list"),
    ("{mask: [[1, 0], [0, 1], [1, 1]]}", "",
     f"{P}21: {MASK}: expected one mask per sample, 2 lists of 2 numbers (0 or 1), found "
     "3 lists"),
    ("{mask: [[1, 0, 1], [0, 1]]}", "",
     f"{P}22: {MASK}[1]: expected a mask of 2 numbers (0 or 1), one per neuron, found a "
     "list of 3"),
    ("{mask: [[1, 0], 1]}", "",
     f"{P}30: {MASK}[2]: expected a mask of 2 numbers (0 or 1), one per neuron, found one "
     "number"),
    ("{mask: [[1, 0.5], [0, 1]]}", "",
     f"{P}26: {MASK}[1][2]: expected 0 (dropped) or 1 (kept), found 0.5"),
    ("{mask: [[1, 2], [0, 1]]}", "",
     f"{P}26: {MASK}[1][2]: expected 0 (dropped) or 1 (kept), found 2"),
    ("{mask: [[1, true], [0, 1]]}", "",
     f"{P}26: {MASK}[1][2]: expected a number, found true (a boolean)"),
    ("{mask: [[1, 0], [0, 1]], keep: 0.5, rate: 0.5}", "",
     f"{P}50: layer 1.dropout.rate: unknown key 'rate'; expected one of keep, mask"),
    ("{keep: 0.5}", "", f"{P}14: layer 1.dropout: missing required key 'mask'"),
    ("0.5", "", f"{P}14: layer 1.dropout: expected a mapping of keys, found 0.5"),
    ("{mask: [[1, 0], [0, 1]]}", "    dropout: {mask: [[1], [0]]}\n",
     "net.yaml:14:5: layer 2.dropout: dropout is for hidden layers only: the output layer's "
     "a is what the loss compares with the target"),
])
def test_every_bad_dropout_is_one_line(dropout, output, line):
    write_network(BASE.format(dropout=dropout, output=output))
    assert one_error_line(run_cli("run", "net.yaml")) == f"Error: {line}"


@pytest.mark.parametrize(("args", "line"), [
    (("2-3-1", "--dropout", "0"), "--dropout: expected a keep probability in (0, 1], found 0.0"),
    (("2-3-1", "--dropout", "1.5"),
     "--dropout: expected a keep probability in (0, 1], found 1.5"),
    (("2-1", "--dropout", "0.5"), "--dropout: dropout is for hidden layers, and 2-1 has none"),
])
def test_new_refuses_a_bad_keep(args, line):
    assert one_error_line(run_cli("new", *args)) == f"Error: {line}"
