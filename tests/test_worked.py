"""The worked calculation (``--explain`` and ``check``) against the engine and by hand.

Every quantity's recomputation from its operands must give the engine's value, for
every activation × loss and every option; and Mazur's lines must read as his
tutorial writes them, with his numbers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backcalc.activations import ACTIVATIONS
from backcalc.engine import train
from backcalc.losses import LOSSES
from backcalc.netfile import parse_network_text
from backcalc.worked import build, evaluate

from helpers import bundled_network, run_cli

pytestmark = pytest.mark.usefixtures("in_tmp")      # run writes .backcalc/ where it runs
from network_builders import network_text, random_222, valid_output


def recompute_matches_engine(network, iterations=2, rel=1e-12):
    run = train(network, iterations)
    assert run.stopped is None
    worked = build(network, run.steps)
    values, _ = evaluate(worked, {})
    checked = 0
    for q in worked.quantities:
        if q.is_leaf:
            continue
        assert values[q.key] == pytest.approx(q.value, rel=rel, abs=1e-14), (q.symbol, q.key)
        checked += 1
    return checked


PAIRS = [(activation, loss) for activation in sorted({cls.name for cls in ACTIVATIONS.values()})
         for loss in sorted(set(LOSSES) - {"half_sse", "sse", "mse", "bce", "ce"})
         if valid_output(activation, loss)]


@pytest.mark.parametrize("activation, loss", PAIRS)
def test_every_quantity_recomputes_to_the_engines_value(activation, loss):
    network, _ = random_222("tanh" if activation == "softmax" else activation, activation, loss,
                            seed=7)
    assert recompute_matches_engine(network) > 20


@pytest.mark.parametrize("options", [
    {"momentum": 0.9}, {"optimizer": {"name": "adam"}}, {"update": "online"},
    {"reduction": "sum"}, {"round_intermediates": 3}, {"update_biases": False},
    {"weight_rows": "inputs"}, {"index_base": 0},
])
def test_recomputation_under_every_option(options):
    rng = np.random.default_rng(3)
    layers = [{"activation": "sigmoid", "weights": rng.uniform(-1, 1, (3, 2)).round(3).tolist(),
               "biases": rng.uniform(-1, 1, 3).round(3).tolist()},
              {"activation": "sigmoid", "weights": rng.uniform(-1, 1, (2, 3)).round(3).tolist(),
               "biases": 0.1, "shared_bias": True}]
    if options.get("weight_rows") == "inputs":
        for layer in layers:
            layer["weights"] = np.array(layer["weights"]).T.tolist()
    samples = [([0.5, -0.2], [0.1, 0.9]), ([0.1, 0.4], [0.8, 0.3]), ([-0.3, 0.7], [0.5, 0.5])]
    network = parse_network_text(network_text(layers, samples, "half_squared_error", **options))
    assert recompute_matches_engine(network, iterations=3) > 50


def mazur_lines(*extra):
    out = run_cli("run", "mazur", "--explain", "--precision", "9", *extra, columns=200)
    assert out.exit_code == 0, out.output
    return out.output


def test_mazur_explained_line_by_line():
    text = mazur_lines()
    # Mazur's published values, each line derived by hand in his tutorial.
    for line in [
        "z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775",
        "a₁⁽¹⁾ = σ(z₁⁽¹⁾) = σ(0.3775) = 0.593269992",
        "z₁⁽²⁾ = w5·a₁⁽¹⁾ + w6·a₂⁽¹⁾ + b3 = 0.4·0.593269992 + 0.45·0.596884378 + 0.6 = 1.105905967",
        "a₁⁽²⁾ = σ(z₁⁽²⁾) = σ(1.105905967) = 0.75136507",
        "L = ½[(y₁ − a₁⁽²⁾)² + (y₂ − a₂⁽²⁾)²] = ½[(0.01 − 0.75136507)² + (0.99 − 0.772928465)²]"
        " = 0.298371109",
        "∂L/∂a₁⁽²⁾ = a₁⁽²⁾ − y₁ = 0.75136507 − 0.01 = 0.74136507",
        "σ′(z₁⁽²⁾) = a₁⁽²⁾(1 − a₁⁽²⁾) = 0.75136507(1 − 0.75136507) = 0.186815602",
        "δ₁⁽²⁾ = ∂L/∂a₁⁽²⁾·σ′(z₁⁽²⁾) = 0.74136507·0.186815602 = 0.138498562",
        "∂L/∂w5 = δ₁⁽²⁾·a₁⁽¹⁾ = 0.138498562·0.593269992 = 0.082167041",
        "∂L/∂a₁⁽¹⁾ = w5·δ₁⁽²⁾ + w7·δ₂⁽²⁾ = 0.4·0.138498562 + 0.5·(−0.038098237) = 0.036350306",
        "δ₁⁽¹⁾ = ∂L/∂a₁⁽¹⁾·σ′(z₁⁽¹⁾) = 0.036350306·0.241300709 = 0.008771355",
        "∂L/∂w1 = δ₁⁽¹⁾·x₁ = 0.008771355·0.05 = 4.38567734e−04",
        "w5⁺ = w5 − η·∂L/∂w5 = 0.4 − 0.5·0.082167041 = 0.35891648",
        "w1⁺ = w1 − η·∂L/∂w1 = 0.15 − 0.5·4.38567734e−04 = 0.149780716",
        "b3⁺ = b3 = 0.6   (kept fixed: update_biases is false)",
    ]:
        assert line in text, line
    # Mazur's hand arithmetic, independently: σ′ = a(1 − a) of his out_o1.
    assert 0.75136507 * (1 - 0.75136507) == pytest.approx(0.186815602, abs=1e-9)
    assert 0.74136507 * 0.186815602 == pytest.approx(0.138498562, abs=1e-9)


def test_explain_one_layer_one_neuron():
    text = mazur_lines("--layer", "2", "--neuron", "1")
    assert "z₁⁽²⁾ = w5·a₁⁽¹⁾" in text and "w5⁺ = w5" in text
    assert "z₂⁽²⁾ = w7" not in text and "z₁⁽¹⁾ = w1" not in text and "L = ½[" not in text


def test_explain_writes_softmax_cross_entropy_as_a_minus_y():
    out = run_cli("run", "softmax-classifier", "--explain", columns=200)
    assert "δ₂⁽²⁾ = a₂⁽²⁾ − y₂ = 0.34260305 − 1 = −0.65739695   (cross_entropy with softmax)" \
        in out.output


def test_wide_sums_are_elided_unless_a_neuron_is_chosen(tmp_path):
    rng = np.random.default_rng(1)
    layers = [{"activation": "relu", "weights": rng.uniform(-1, 1, (2, 12)).round(2).tolist(),
               "biases": 0.0}, {"activation": "linear", "weights": [0.5, -0.5], "biases": 0.0}]
    path = tmp_path / "wide.yaml"
    path.write_text(network_text(layers, [(rng.uniform(0, 1, 12).round(2).tolist(), [1.0])],
                                 "half_squared_error"), encoding="utf-8")
    out = run_cli("run", str(path), "--explain", columns=400)
    assert "… (8 more terms)" in out.output
    out = run_cli("run", str(path), "--explain", "--layer", "1", "--neuron", "1", columns=400)
    assert "more terms" not in out.output and "W1[1,12]·x₁₂" in out.output


@pytest.mark.usefixtures("in_tmp")
def test_step_explain_implies_full_and_round_option_rounds():
    out = run_cli("step", "mazur", "-n", "2", "--explain", "--round", "3", columns=200)
    assert out.exit_code == 0, out.output
    assert "Iteration 2, worked: forward pass" in out.output
    assert "z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.378" in out.output
    assert math.isclose(round(0.3775 + 1e-12, 3), 0.378)


@pytest.mark.parametrize("args, message", [
    (["--neuron", "3"],
     "Invalid value for --neuron: the largest layer has neurons 0 to 2, found 3"),
    (["--layer", "2", "--neuron", "1"], "Invalid value for --neuron: layer 2 has neurons 0 to 0, "
                                        "found 1"),
    (["--layer", "3"], "Invalid value for --layer: the network has layers 1 to 2, found 3"),
])
def test_explain_refuses_a_layer_or_neuron_the_network_does_not_have(args, message):
    out = run_cli("run", "seed000", "--explain", *args)
    assert out.exit_code == 2
    assert out.output.startswith(f"Error: {message}"), out.output


def test_a_later_steps_formulas_name_the_parameter_not_its_update(tmp_path):
    # Built over two iterations (as check does), iteration 2 starts from w1⁺ of iteration 1
    # and writes it w1, as a hand calculation of iteration 2 does.
    network = bundled_network("mazur")
    worked = build(network, train(network, 2).steps)
    (z,) = [q for q in worked.quantities if q.key.step == 1 and q.key.kind == "z"
            and q.key.layer == 0 and q.key.neuron == 0]
    assert worked.formula(z) == "w1·x₁ + w2·x₂ + b1"
