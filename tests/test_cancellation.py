"""A gradient sum that cancels below its own float precision is exactly 0 (docs/conventions.md,
"Numbers"): in the tables, the update, the JSON and gradcheck alike.

Each expected 0 is 0 in exact arithmetic, shown beside the test; each kept value is far
above the bound count·ε·Σ|terms| (ε = 2⁻⁵² ≈ 2.2e-16).
"""

from __future__ import annotations

import numpy as np
import pytest

from backcalc.cancellation import EPSILON, cancel_noise
from backcalc.engine import train
from backcalc.netfile import parse_network_text

from helpers import run_cli, run_json, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

# The softmax classifier's example with one shared output bias.  Its gradient is
# Σ δ = Σ (a − y) = Σ a − Σ y = 1 − 1 = 0; in float64, Σ a is 1 − 2⁻⁵⁴ here, so the
# unclean sum is −5.55e-17.
SHARED_SOFTMAX = """\
input: [1.0, 0.5]
target: [0, 1, 0]
loss: cross_entropy
learning_rate: 0.5
layers:
  - activation: tanh
    weights: [[0.1, -0.2], [0.4, 0.3], [-0.5, 0.2]]
    biases: [0.2, 0.1, -0.1]
  - activation: softmax
    weights: [[0.3, -0.1, 0.2], [-0.4, 0.5, 0.1], [0.2, 0.2, -0.3]]
    biases: 0
    shared_bias: true
"""


def test_the_float_sum_is_noise_without_the_rule():
    # The premise: the three δ of the output layer, summed in float64, are not 0.
    run = train(parse_network_text(SHARED_SOFTMAX), 1)
    delta = run.steps[0].pass_.layers[1].delta
    assert delta.sum() != 0
    assert abs(delta.sum()) < 1e-16


def test_a_shared_softmax_bias_gradient_is_zero_everywhere():
    run = train(parse_network_text(SHARED_SOFTMAX), 3)
    for step in run.steps:
        assert step.gradients[1].biases.tolist() == [0.0, 0.0, 0.0]
        # b ← b − η·0 = 0: the bias stays 0 exactly.
        assert step.parameters[1].biases.tolist() == [0.0, 0.0, 0.0]
    path = write_network(SHARED_SOFTMAX)
    table = run_cli("run", path).output
    assert "∂L/∂b2 = Σ δ = 0\n" in table
    assert "e-17" not in table and "e-16" not in table
    document = run_json("run", path)
    assert document["steps"][0]["gradients"][1]["biases"] == [0, 0, 0]
    check = run_cli("gradcheck", path).output
    row = next(line.split() for line in check.splitlines() if line.strip().startswith("b2 "))
    assert row[1:3] == ["0", "0"]          # analytic and numeric


# Two samples of a linear neuron z = x (w = 1, b = 0) with ½ squared error, summed:
# δ = z − y.  Sample 1: 0.3 − 0.1 = 0.2; sample 2: x − 0.2.
def two_samples(second_input: str) -> str:
    return f"""\
samples:
  - {{input: [0.3], target: [0.1]}}
  - {{input: [{second_input}], target: [0.2]}}
loss: half_squared_error
reduction: sum
learning_rate: 0.1
layers:
  - {{activation: linear, weights: [1], biases: 0}}
"""


def test_a_bias_sum_over_samples_that_cancels_is_zero():
    # Σ δ = (0.3 − 0.1) + (0 − 0.2) = 0; in float64 0.3 − 0.1 = 0.19999999999999998.
    run = train(parse_network_text(two_samples("0")), 1)
    delta = run.steps[0].pass_.layers[0].delta
    assert delta.sum() != 0                                   # the noise the rule removes
    assert run.steps[0].gradients[0].biases.tolist() == [0.0]
    # ∂L/∂w = 0.2·0.3 + (−0.2)·0 = 0.06: one nonzero term, kept.
    assert run.steps[0].gradients[0].weights[0, 0] == pytest.approx(0.06, rel=1e-15)


def test_a_small_sum_that_is_no_noise_is_kept():
    # Σ δ = (0.3 − 0.1) + (1e-10 − 0.2) = 1e-10: far above 2·ε·Σ|terms| ≈ 4e-16 · 1.
    run = train(parse_network_text(two_samples("1e-10")), 1)
    assert run.steps[0].gradients[0].biases[0] == pytest.approx(1e-10, rel=1e-5)


def test_the_rule_itself():
    # Three terms of size 1 each (Σ|terms| = 3): bound 3·ε·3 = 9ε ≈ 2e-15.
    sums = np.array([-5.55e-17, 1.9e-15, 2.1e-15, 0.0, 1e-3])
    cleaned = cancel_noise(sums, 3, lambda flat: np.full(flat.shape, 3.0), 3.0)
    assert 9 * EPSILON == pytest.approx(1.998e-15, rel=1e-3)
    assert cleaned.tolist() == [0.0, 0.0, 2.1e-15, 0.0, 1e-3]
    # A single term cannot cancel: nothing changes, whatever its size.
    assert cancel_noise(np.array([1e-30]), 1, np.ones_like, 1.0).tolist() == [1e-30]
    # Terms no larger than the sum (no cancellation): a tiny value is kept.
    tiny = cancel_noise(np.array([1e-20]), 2, lambda flat: np.full(flat.shape, 1e-20), 1.0)
    assert tiny.tolist() == [1e-20]


def test_one_weight_gradient_of_a_matrix_cancels_the_others_are_kept():
    # z₁ = x₁ (W = [[1, 0], [0, 0]], b = 0), z₂ = 0, ½ squared error summed, δ = z − y:
    # sample 1: x = (0.3, 1), y = (0.1, −1): δ = (0.2, 1); sample 2: x = (0, 1),
    # y = (0.2, −1): δ = (−0.2, 1).  ∂L/∂W = Σ δ xᵀ = [[0.2·0.3 + 0, 0.2 − 0.2],
    # [0.3 + 0, 1 + 1]] = [[0.06, 0], [0.3, 2]]; float64 makes 0.2 − 0.2 −2.8e-17.
    text = """\
samples:
  - {input: [0.3, 1], target: [0.1, -1]}
  - {input: [0, 1], target: [0.2, -1]}
loss: half_squared_error
reduction: sum
learning_rate: 0.1
layers:
  - {activation: linear, weights: [[1, 0], [0, 0]], biases: 0}
"""
    step = train(parse_network_text(text), 1).steps[0]
    assert (step.pass_.layers[0].delta.T @ step.pass_.inputs)[0, 1] != 0   # the noise
    weights = step.gradients[0].weights
    assert weights[0, 1] == 0.0
    assert weights[0, 0] == pytest.approx(0.06, rel=1e-15)
    assert weights[1].tolist() == [0.3, 2.0]
