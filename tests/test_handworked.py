"""Hand-worked examples: every number is written out and derived in the comments.

The oracle here is arithmetic done by hand (exact fractions or exact decimals),
published numbers (Mazur's blog post) or a few-line independent computation
written in this file -- never the engine itself.  Tolerances follow the digits
written: a number written with d decimals must match within half a unit of its
last digit (``assert_written``); numbers derived exactly must match to 1e-12
(``assert_exact``).

Conventions (SPEC): z = W a + b with W one row per neuron, δ = ∂L/∂z of each
sample's own loss, gradients reduced over the samples (mean by default), plain
SGD θ ← θ − η ∇L.
"""

from __future__ import annotations

import json
import math
import textwrap
from fractions import Fraction

import numpy as np
import pytest

from backcalc.activations import ACTIVATIONS
from backcalc.engine import train
from backcalc.losses import LOSSES
from backcalc.netfile import load_network, parse_network_text

from helpers import NETWORKS, ONE_NEURON, run_cli, write_network

MAZUR_PATH = NETWORKS / "mazur.yaml"


# --- helpers ------------------------------------------------------------------

def load(text: str):
    return parse_network_text(textwrap.dedent(text))


def mazur_text() -> str:
    return MAZUR_PATH.read_text()


def assert_written(actual, written) -> None:
    """Each number matches the written one within half a unit of its last decimal."""
    actual = np.asarray(actual, dtype=float)
    written = np.asarray(written, dtype=str)
    assert actual.shape == written.shape, (actual.shape, written.shape)
    for index in np.ndindex(actual.shape):
        text = str(written[index])
        decimals = len(text.split(".")[1]) if "." in text else 0
        tolerance = 0.5 * 10.0 ** -decimals * (1 + 1e-9) + 1e-15
        assert abs(actual[index] - float(text)) <= tolerance, (
            f"entry {index}: got {actual[index]!r}, the hand calculation says {text}")


def _number(value):
    if isinstance(value, (list, tuple)):
        return [_number(v) for v in value]
    return float(Fraction(value)) if isinstance(value, str) else float(value)


def assert_exact(actual, expected, atol: float = 1e-12) -> None:
    """Values derived exactly by hand (fractions, exact decimals), up to float64 noise.

    ``expected`` holds numbers or exact strings such as "0.53045" or "-3/256"."""
    expected = np.asarray(_number(expected), dtype=float)
    actual = np.asarray(actual, dtype=float)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=0, atol=atol)


def assert_equal(actual, expected) -> None:
    """Bit-for-bit: for values rounded to a few decimals (round_intermediates)."""
    np.testing.assert_array_equal(np.asarray(actual, dtype=float), np.asarray(expected, float))


# =============================================================================
# (a) Mazur, "A Step by Step Backpropagation Example" (2015)
# =============================================================================
#
# x = (0.05, 0.10), y = (0.01, 0.99), ½ squared error, η = 0.5, biases fixed.
# Hidden: w1 w2 / w3 w4 = 0.15 0.20 / 0.25 0.30, b1 = b2 = 0.35, sigmoid.
# Output: w5 w6 / w7 w8 = 0.40 0.45 / 0.50 0.55, shared b3 = 0.60, sigmoid.
#
# Forward (numbers as published):
#   net_h1 = 0.15·0.05 + 0.20·0.10 + 0.35 = 0.3775        out_h1 = σ(0.3775) = 0.593269992
#   net_h2 = 0.25·0.05 + 0.30·0.10 + 0.35 = 0.3925        out_h2 = σ(0.3925) = 0.596884378
#   net_o1 = 0.40·0.593269992 + 0.45·0.596884378 + 0.60 = 1.105905967
#   out_o1 = σ(1.105905967) = 0.75136507
#   net_o2 = 0.50·0.593269992 + 0.55·0.596884378 + 0.60 = 1.224921404   (not published;
#   out_o2 = σ(1.224921404) = 0.772928465                                   same arithmetic)
#   E_o1 = ½(0.01 − 0.75136507)² = 0.274811083
#   E_o2 = ½(0.99 − 0.772928465)² = 0.023560026
#   E_total = 0.298371109
#
# Backward, output layer:
#   ∂E/∂out_o1 = out_o1 − y1 = 0.74136507          ∂E/∂out_o2 = 0.772928465 − 0.99 = −0.217071535
#   σ′ = out(1 − out): 0.75136507·0.24863493 = 0.186815602;  0.772928465·0.227071535 = 0.175510053
#   δ_o1 = 0.74136507·0.186815602 = 0.138498562    δ_o2 = −0.217071535·0.175510053 = −0.038098237
#   ∂E/∂w5 = δ_o1·out_h1 = 0.138498562·0.593269992 = 0.082167041 (published)
#   ∂E/∂w6 = δ_o1·out_h2 = 0.138498562·0.596884378 = 0.082667628
#   ∂E/∂w7 = δ_o2·out_h1 = −0.038098237·0.593269992 = −0.022602540
#   ∂E/∂w8 = δ_o2·out_h2 = −0.038098237·0.596884378 = −0.022740242
#   ∂E/∂b3 = δ_o1 + δ_o2 = 0.100400325 (one shared parameter: the sum of the layer's δ)
#   w5+ = 0.40 − 0.5·0.082167041 = 0.35891648 (published), w6+ = 0.408666186,
#   w7+ = 0.511301270, w8+ = 0.561370121 (published)
#
# Backward, hidden layer (with the OLD w5..w8):
#   ∂E/∂out_h1 = δ_o1·w5 + δ_o2·w7 = 0.055399425 − 0.019049119 = 0.036350306 (published)
#   ∂E/∂out_h2 = δ_o1·w6 + δ_o2·w8 = 0.062324353 − 0.020954030 = 0.041370323
#   σ′(net_h1) = 0.593269992·0.406730008 = 0.241300709 (published); σ′(net_h2) = 0.240613417
#   δ_h1 = 0.036350306·0.241300709 = 0.008771355;  δ_h2 = 0.041370323·0.240613417 = 0.009954255
#   ∂E/∂w1 = δ_h1·0.05 = 0.000438568 (published), ∂E/∂w2 = δ_h1·0.10 = 0.000877135,
#   ∂E/∂w3 = δ_h2·0.05 = 0.000497713, ∂E/∂w4 = δ_h2·0.10 = 0.000995425
#   w1+ = 0.149780716, w2+ = 0.19956143, w3+ = 0.24975114, w4+ = 0.29950229 (published)
#
# After the update: out = (0.7420881112, 0.7752849683), E = 0.291027774.
# (The blog prints 0.291027924; feeding its own published w+ forward gives
#  0.291027774 -- see test_mazur_final_loss_from_published_weights.)

@pytest.fixture(scope="module")
def mazur_run():
    return train(load_network(MAZUR_PATH), iterations=1)


def test_mazur_forward(mazur_run):
    p = mazur_run.steps[0].pass_
    hidden, output = p.layers
    assert_written(hidden.z, [["0.3775", "0.3925"]])
    assert_written(hidden.a, [["0.593269992", "0.596884378"]])
    assert_written(output.z, [["1.105905967", "1.224921404"]])
    assert_written(output.a, [["0.75136507", "0.772928465"]])
    assert_written(p.terms, [["0.274811083", "0.023560026"]])
    assert_written(p.losses, ["0.298371109"])
    assert_written(p.loss, "0.298371109")
    assert_written(mazur_run.steps[0].loss, "0.298371109")


def test_mazur_backward(mazur_run):
    hidden, output = mazur_run.steps[0].pass_.layers
    assert_written(output.dL_da, [["0.74136507", "-0.217071535"]])
    assert_written(output.fprime, [["0.186815602", "0.175510053"]])
    assert_written(output.delta, [["0.138498562", "-0.038098237"]])
    assert_written(hidden.dL_da, [["0.036350306", "0.041370323"]])
    assert_written(hidden.fprime, [["0.241300709", "0.240613417"]])
    assert_written(hidden.delta, [["0.008771355", "0.009954255"]])


def test_mazur_gradients(mazur_run):
    g_hidden, g_output = mazur_run.steps[0].gradients
    assert_written(g_output.weights, [["0.082167041", "0.082667628"],
                                      ["-0.022602540", "-0.022740242"]])
    # shared b3: one parameter, its gradient δ_o1 + δ_o2 shown in every entry
    assert_written(g_output.biases, ["0.100400325", "0.100400325"])
    assert_written(g_hidden.weights, [["0.000438568", "0.000877135"],
                                      ["0.000497713", "0.000995425"]])
    # the hidden biases are frozen, but their gradient (= δ) is still reported
    assert_written(g_hidden.biases, ["0.008771355", "0.009954255"])


def test_mazur_updated_parameters(mazur_run):
    p_hidden, p_output = mazur_run.steps[0].parameters
    assert_written(p_output.weights, [["0.35891648", "0.408666186"],
                                      ["0.511301270", "0.561370121"]])
    assert_written(p_hidden.weights, [["0.149780716", "0.19956143"],
                                      ["0.24975114", "0.29950229"]])
    # update_biases: false -- the biases stay exactly where they were
    assert p_hidden.biases.tolist() == [0.35, 0.35]
    assert p_output.biases.tolist() == [0.60, 0.60]
    # and the step keeps the parameters from before the update
    before_hidden, before_output = mazur_run.steps[0].before
    assert before_hidden.weights.tolist() == [[0.15, 0.20], [0.25, 0.30]]
    assert before_output.weights.tolist() == [[0.40, 0.45], [0.50, 0.55]]


def test_mazur_final(mazur_run):
    assert_written(mazur_run.final.outputs, [["0.7420881112", "0.7752849683"]])
    assert_written(mazur_run.final.loss, "0.291027774")


def test_mazur_final_loss_from_published_weights():
    """Independent check of 0.291027774: the published w+ fed forward by plain math."""
    def sigma(v):
        return 1 / (1 + math.exp(-v))
    w1 = [[0.149780716, 0.19956143], [0.24975114, 0.29950229]]
    w2 = [[0.35891648, 0.408666186], [0.51130127, 0.561370121]]
    h = [sigma(r[0] * 0.05 + r[1] * 0.10 + 0.35) for r in w1]
    o = [sigma(r[0] * h[0] + r[1] * h[1] + 0.60) for r in w2]
    e = 0.5 * (0.01 - o[0]) ** 2 + 0.5 * (0.99 - o[1]) ** 2
    assert abs(e - 0.291027774) < 2e-9          # and not the blog's 0.291027924
    run = train(load(mazur_text()), iterations=1)
    assert abs(run.final.loss - e) < 2e-9


# --- Mazur with round_intermediates: 4 -------------------------------------------
#
# Every value is rounded to 4 decimals, half up, before it is used further;
# σ′ is then written a(1 − a) from the rounded a.
#   z_h = (0.3775, 0.3925)                 a_h = σ(z) = (0.59327.., 0.59688..) → (0.5933, 0.5969)
#   z_o1 = 0.40·0.5933 + 0.45·0.5969 + 0.60 = 0.23732 + 0.268605 + 0.6 = 1.105925 → 1.1059
#   z_o2 = 0.50·0.5933 + 0.55·0.5969 + 0.60 = 0.29665 + 0.328295 + 0.6 = 1.224945 → 1.2249
#   a_o = (σ(1.1059), σ(1.2249)) = (0.751369.., 0.772914..) → (0.7514, 0.7729)
#   E_o1 = ½(0.01 − 0.7514)² = ½·0.54967396 = 0.27483698 → 0.2748
#   E_o2 = ½(0.99 − 0.7729)² = ½·0.04713241 = 0.023566205 → 0.0236;  E = 0.2984
#   ∂E/∂a_o = (0.7414, −0.2171)
#   σ′ = (0.7514·0.2486, 0.7729·0.2271) = (0.18679804, 0.17552559) → (0.1868, 0.1755)
#   δ_o = (0.7414·0.1868, −0.2171·0.1755) = (0.13849352, −0.03810105) → (0.1385, −0.0381)
#   ∂E/∂a_h1 = 0.1385·0.40 − 0.0381·0.50 = 0.0554 − 0.01905 = 0.03635 → 0.0364 (half up)
#   ∂E/∂a_h2 = 0.1385·0.45 − 0.0381·0.55 = 0.062325 − 0.020955 = 0.04137 → 0.0414
#   σ′_h = (0.5933·0.4067, 0.5969·0.4031) = (0.24129511, 0.24060939) → (0.2413, 0.2406)
#   δ_h = (0.0364·0.2413, 0.0414·0.2406) = (0.00878332, 0.00996084) → (0.0088, 0.0100)
#   ∂E/∂W2 = [[0.1385·0.5933, 0.1385·0.5969], [−0.0381·0.5933, −0.0381·0.5969]]
#          = [[0.08217205, 0.08267065], [−0.02260473, −0.02274189]]
#          → [[0.0822, 0.0827], [−0.0226, −0.0227]]
#   ∂E/∂b3 = 0.1385 − 0.0381 = 0.1004
#   ∂E/∂W1 = [[0.0088·0.05, 0.0088·0.10], [0.0100·0.05, 0.0100·0.10]]
#          = [[0.00044, 0.00088], [0.0005, 0.001]] → [[0.0004, 0.0009], [0.0005, 0.0010]]
#   W2+ = [[0.40 − 0.0411, 0.45 − 0.04135], [0.50 + 0.0113, 0.55 + 0.01135]]
#       = [[0.3589, 0.40865], [0.5113, 0.56135]] → [[0.3589, 0.4087], [0.5113, 0.5614]]  (half up)
#   W1+ = [[0.15 − 0.0002, 0.20 − 0.00045], [0.25 − 0.00025, 0.30 − 0.0005]]
#       = [[0.1498, 0.19955], [0.24975, 0.2995]] → [[0.1498, 0.1996], [0.2498, 0.2995]]
# (SPEC's answers-file example quotes the same numbers: w5+ 0.3589, W1+ [[0.1498, 0.1996],
#  [0.2498, 0.2995]], δ2 [0.1385, −0.0381], dL/dW2 [[0.0822, 0.0827], [−0.0226, −0.0227]].)

def test_mazur_round_intermediates_4():
    run = train(load(mazur_text() + "\nround_intermediates: 4\n"), iterations=1)
    step = run.steps[0]
    hidden, output = step.pass_.layers
    assert_equal(hidden.z, [[0.3775, 0.3925]])
    assert_equal(hidden.a, [[0.5933, 0.5969]])
    assert_equal(output.z, [[1.1059, 1.2249]])
    assert_equal(output.a, [[0.7514, 0.7729]])
    assert_equal(step.pass_.terms, [[0.2748, 0.0236]])
    assert step.loss == 0.2984
    assert_equal(output.dL_da, [[0.7414, -0.2171]])
    assert_equal(output.fprime, [[0.1868, 0.1755]])
    assert_equal(output.delta, [[0.1385, -0.0381]])
    assert_equal(hidden.dL_da, [[0.0364, 0.0414]])
    assert_equal(hidden.fprime, [[0.2413, 0.2406]])
    assert_equal(hidden.delta, [[0.0088, 0.0100]])
    g_hidden, g_output = step.gradients
    assert_equal(g_output.weights, [[0.0822, 0.0827], [-0.0226, -0.0227]])
    assert_equal(g_output.biases, [0.1004, 0.1004])
    assert_equal(g_hidden.weights, [[0.0004, 0.0009], [0.0005, 0.0010]])
    p_hidden, p_output = step.parameters
    assert_equal(p_output.weights, [[0.3589, 0.4087], [0.5113, 0.5614]])
    assert_equal(p_hidden.weights, [[0.1498, 0.1996], [0.2498, 0.2995]])


# With 3 decimals, net_h2 = 0.25·0.05 + 0.30·0.10 + 0.35 = 0.0125 + 0.03 + 0.35 = 0.3925
# exactly, which a hand calculation rounds half up to 0.393 (and net_h1 = 0.3775 → 0.378).
# In float64 the sum comes out as 0.39249999999999996, so rounding the binary value's
# repr gives 0.392 -- not what the student writes.

def test_round_intermediates_half_up_on_the_decimal_value_mazur():
    run = train(load(mazur_text() + "\nround_intermediates: 3\n"), iterations=1)
    hidden = run.steps[0].pass_.layers[0]
    assert_equal(hidden.z, [[0.378, 0.393]])


# One linear neuron, x = 0.3, w = 0.15, b = 0.35, 2 decimals:
#   z = 0.15·0.3 + 0.35 = 0.045 + 0.35 = 0.395 → 0.40 (half up).   (float64: 0.39499999999999996)
def test_round_intermediates_half_up_simple_sum():
    net = load("""
        input: 0.3
        target: 0.5
        loss: half_squared_error
        learning_rate: 0.1
        round_intermediates: 2
        layers:
          - activation: linear
            weights: 0.15
            biases: 0.35
        """)
    z = train(net).steps[0].pass_.layers[0].z
    assert z.tolist() == [[0.40]]


# Ties that float64 holds exactly or above the half round up too:
#   z = 2.675 → 2.68 (Python's round(2.675, 2) gives 2.67: the binary value is below the half)
#   z = 0.125 → 0.13 and z = 0.0625 → 0.063 (exact binary ties; half-to-even, as np.round does,
#   would give 0.12 and 0.062)
@pytest.mark.parametrize("value, decimals, rounded", [
    (2.675, 2, 2.68), (0.125, 2, 0.13), (0.0625, 3, 0.063), (2.5, 0, 3.0), (1.0005, 3, 1.001),
])
def test_round_intermediates_ties_go_up(value, decimals, rounded):
    net = load(f"""
        input: {value!r}
        target: 0
        loss: half_squared_error
        learning_rate: 0.1
        round_intermediates: {decimals}
        layers:
          - activation: linear
            weights: 1
            biases: 0
        """)
    assert train(net).steps[0].pass_.layers[0].z.tolist() == [[rounded]]


def test_round_intermediates_half_up_displayed_tie():
    net = load("""
        input: 2.675
        target: 2
        loss: half_squared_error
        learning_rate: 0.1
        round_intermediates: 2
        layers:
          - activation: linear
            weights: 1
            biases: 0
        """)
    step = train(net).steps[0]
    # z = 2.675 → 2.68;  ∂L/∂a = 2.68 − 2 = 0.68;  L = ½·0.68² = 0.2312 → 0.23
    assert step.pass_.layers[0].z.tolist() == [[2.68]]
    assert step.pass_.layers[0].dL_da.tolist() == [[0.68]]
    assert step.loss == 0.23
    # ∂L/∂w = 0.68·2.675 = 1.819 → 1.82;  w+ = 1 − 0.1·1.82 = 0.818 → 0.82
    # ∂L/∂b = 0.68;                       b+ = 0 − 0.068 = −0.068 → −0.07
    assert step.gradients[0].weights.tolist() == [[1.82]]
    assert step.parameters[0].weights.tolist() == [[0.82]]
    assert step.parameters[0].biases.tolist() == [-0.07]


# --- round_intermediates through the command: large values, bce's ∂L/∂a ----------------

@pytest.mark.usefixtures("in_tmp")
def test_round_intermediates_with_large_values_does_not_crash():
    # engine.make_rounder: Decimal.quantize raises InvalidOperation above 10**(28 - N).
    text = ONE_NEURON.replace("[0.1, 0.2]", "[1e30, 0.2]").replace(
        "activation: sigmoid", "activation: linear") + "round_intermediates: 4\n"
    result = run_cli("run", write_network(text), "--format", "json")
    assert result.exit_code == 0, repr(result.exception)
    z = json.loads(result.stdout)["steps"][0]["samples"][0]["layers"][0]["z"][0]
    assert z == 1e30 + 0.4


@pytest.mark.usefixtures("in_tmp")
def test_rounded_bce_dL_da_uses_the_rounded_output():
    # round_intermediates: 4, z = 9.2: a = σ(9.2) = 0.99989897… → 0.9999.  README: ∂L/∂a =
    # (a − y)/(a(1 − a)) = 0.9999/(0.9999·0.0001) = 10000 from the rounded a.  Before the
    # fix it was computed from z (1/σ(−9.2) = 9898.1291), not from the a the table shows.
    text = ("input: 1\ntarget: 0\nloss: bce\nlearning_rate: 0.1\nround_intermediates: 4\n"
            "layers:\n  - activation: sigmoid\n    weights: 9.2\n    biases: 0\n")
    result = run_cli("run", write_network(text), "--format", "json")
    layer = json.loads(result.stdout)["steps"][0]["samples"][0]["layers"][0]
    assert layer["a"] == [0.9999]
    assert layer["dL_da"] == [10000.0]


# =============================================================================
# (b) A ReLU / linear network worked by hand (the student's exercise in seeds/)
# =============================================================================
#
# x = (1, 2), y = 1.5, ½ squared error, η = 0.1
# W1 = [[0.2, −0.4], [−0.3, 0.8], [0.5, 0.7]], b1 = (0.1, −0.2, 0), ReLU
# W2 = [−0.6, 0.9, −0.3], b2 = 0.05, linear
#
# Forward:
#   z1 = (0.2 − 0.8 + 0.1, −0.3 + 1.6 − 0.2, 0.5 + 1.4 + 0) = (−0.5, 1.1, 1.9)
#   a1 = ReLU(z1) = (0, 1.1, 1.9)
#   z2 = −0.6·0 + 0.9·1.1 − 0.3·1.9 + 0.05 = 0.99 − 0.57 + 0.05 = 0.47 = a2
#   L  = ½(1.5 − 0.47)² = ½·1.0609 = 0.53045
# Backward:
#   ∂L/∂a2 = a2 − y = −1.03;  f′ = 1;  δ2 = −1.03
#   ∂L/∂W2 = δ2·a1 = (0, −1.133, −1.957);  ∂L/∂b2 = −1.03
#   ∂L/∂a1 = δ2·W2 = (0.618, −0.927, 0.309)
#   ReLU′(z1) = (0, 1, 1)  →  δ1 = (0, −0.927, 0.309)
#   ∂L/∂W1 = δ1 ⊗ x = [[0, 0], [−0.927, −1.854], [0.309, 0.618]];  ∂L/∂b1 = δ1
# Update (θ − 0.1·g):
#   W1+ = [[0.2, −0.4], [−0.2073, 0.9854], [0.4691, 0.6382]],  b1+ = (0.1, −0.1073, −0.0309)
#   W2+ = (−0.6, 1.0133, −0.1043),  b2+ = 0.05 + 0.103 = 0.153
# After:
#   z1 = (0.2 − 0.8 + 0.1, −0.2073 + 1.9708 − 0.1073, 0.4691 + 1.2764 − 0.0309)
#      = (−0.5, 1.6562, 1.7146)
#   z2 = 1.0133·1.6562 − 0.1043·1.7146 + 0.153 = 1.67822746 − 0.17883278 + 0.153 = 1.65239468
#   L  = ½(1.5 − 1.65239468)² = ½·0.0232241385... = 0.0116120692461512 (exactly
#        14515086557689 / 1250000000000000)

NET_B = textwrap.dedent("""
    name: ReLU-linear exercise
    input: [1, 2]
    target: 1.5
    loss: half_squared_error
    learning_rate: 0.1
    layers:
      - activation: relu
        weights: [[0.2, -0.4], [-0.3, 0.8], [0.5, 0.7]]
        biases: [0.1, -0.2, 0]
      - activation: linear
        weights: [-0.6, 0.9, -0.3]
        biases: 0.05
    """)

B_W1_GRAD = [["0", "0"], ["-0.927", "-1.854"], ["0.309", "0.618"]]
B_B1_GRAD = ["0", "-0.927", "0.309"]
B_W2_GRAD = [["0", "-1.133", "-1.957"]]
B_W1_NEW = [["0.2", "-0.4"], ["-0.2073", "0.9854"], ["0.4691", "0.6382"]]
B_B1_NEW = ["0.1", "-0.1073", "-0.0309"]
B_W2_NEW = [["-0.6", "1.0133", "-0.1043"]]


def check_net_b_step(step) -> None:
    hidden, output = step.pass_.layers
    assert_exact(hidden.z, [["-0.5", "1.1", "1.9"]])
    assert_exact(hidden.a, [["0", "1.1", "1.9"]])
    assert_exact(output.z, [["0.47"]])
    assert_exact(output.a, [["0.47"]])
    assert_exact([step.loss], ["0.53045"])
    assert_exact(output.dL_da, [["-1.03"]])
    assert_exact(output.fprime, [["1"]])
    assert_exact(output.delta, [["-1.03"]])
    assert_exact(hidden.dL_da, [["0.618", "-0.927", "0.309"]])
    assert_exact(hidden.fprime, [["0", "1", "1"]])
    assert_exact(hidden.delta, [B_B1_GRAD])
    g1, g2 = step.gradients
    assert_exact(g1.weights, B_W1_GRAD)
    assert_exact(g1.biases, B_B1_GRAD)
    assert_exact(g2.weights, B_W2_GRAD)
    assert_exact(g2.biases, ["-1.03"])


def test_net_b_one_step():
    run = train(load(NET_B), iterations=1)
    step = run.steps[0]
    check_net_b_step(step)
    p1, p2 = step.parameters
    assert_exact(p1.weights, B_W1_NEW)
    assert_exact(p1.biases, B_B1_NEW)
    assert_exact(p2.weights, B_W2_NEW)
    assert_exact(p2.biases, ["0.153"])
    assert_exact(run.final.outputs, [["1.65239468"]])
    assert_exact([run.final.loss], ["14515086557689/1250000000000000"])


# weight_rows: inputs -- the same network with every matrix written one row per input
# (z = a W + b).  Every number is the same; only the file's layout changes.
NET_B_INPUT_ROWS = textwrap.dedent("""
    input: [1, 2]
    target: 1.5
    loss: half_squared_error
    learning_rate: 0.1
    weight_rows: inputs
    layers:
      - activation: relu
        weights: [[0.2, -0.3, 0.5],
                  [-0.4, 0.8, 0.7]]
        biases: [0.1, -0.2, 0]
      - activation: linear
        weights: [[-0.6], [0.9], [-0.3]]
        biases: 0.05
    """)


def test_weight_rows_inputs_gives_the_same_numbers():
    network = load(NET_B_INPUT_ROWS)
    run = train(network, iterations=1)
    step = run.steps[0]
    check_net_b_step(step)
    p1, p2 = step.parameters
    assert_exact(p1.weights, B_W1_NEW)
    assert_exact(p2.weights, B_W2_NEW)
    assert_exact([run.final.loss], ["14515086557689/1250000000000000"])
    # shown in the file's orientation: ∂L/∂W1 one row per input
    assert_exact(network.to_file_orientation(step.gradients[0].weights),
                 [["0", "-0.927", "0.309"], ["0", "-1.854", "0.618"]])
    assert_exact(network.to_file_orientation(p2.weights), [["-0.6"], ["1.0133"], ["-0.1043"]])


# update_biases: false -- same gradients (bias gradients still reported), weights as
# above, biases unchanged:
#   z1 = (−0.5, −0.2073 + 1.9708 − 0.2, 0.4691 + 1.2764 + 0) = (−0.5, 1.5635, 1.7455)
#   z2 = 1.0133·1.5635 − 0.1043·1.7455 + 0.05 = 1.58429455 − 0.18205565 + 0.05 = 1.4522389
#   L  = ½(1.5 − 1.4522389)² = ½·0.00228112267321 = 0.001140561336605

def test_update_biases_false():
    run = train(load(NET_B + "update_biases: false\n"), iterations=1)
    step = run.steps[0]
    check_net_b_step(step)
    p1, p2 = step.parameters
    assert_exact(p1.weights, B_W1_NEW)
    assert_exact(p2.weights, B_W2_NEW)
    assert p1.biases.tolist() == [0.1, -0.2, 0.0]
    assert p2.biases.tolist() == [0.05]
    assert_exact(run.final.outputs, [["1.4522389"]])
    assert_exact([run.final.loss], ["0.001140561336605"])


# shared_bias -- hidden layer with one bias b = 0.1 for all three neurons:
#   z1 = (0.2 − 0.8 + 0.1, −0.3 + 1.6 + 0.1, 0.5 + 1.4 + 0.1) = (−0.5, 1.4, 2.0), a1 = (0, 1.4, 2.0)
#   z2 = 0.9·1.4 − 0.3·2.0 + 0.05 = 1.26 − 0.6 + 0.05 = 0.71,  L = ½(0.79)² = 0.31205
#   δ2 = −0.79;  ∂L/∂W2 = (0, −1.106, −1.58);  ∂L/∂a1 = (0.474, −0.711, 0.237)
#   δ1 = (0, −0.711, 0.237);  ∂L/∂b (shared) = 0 − 0.711 + 0.237 = −0.474
#   b+ = 0.1 + 0.0474 = 0.1474 (every neuron);  W1+ rows 2, 3: (−0.2289, 0.9422), (0.4763, 0.6526)
#   W2+ = (−0.6, 1.0106, −0.142), b2+ = 0.05 + 0.079 = 0.129
#   after: z1 = (0.2 − 0.8 + 0.1474, −0.2289 + 1.8844 + 0.1474, 0.4763 + 1.3052 + 0.1474)
#            = (−0.4526, 1.8029, 1.9289)
#          z2 = 1.0106·1.8029 − 0.142·1.9289 + 0.129 = 1.82201074 − 0.2739038 + 0.129 = 1.67710694
#          L = ½(1.5 − 1.67710694)² = 0.0156834340980818

def test_shared_bias_gradient_is_the_sum_of_the_layers_deltas():
    text = NET_B.replace("biases: [0.1, -0.2, 0]", "biases: 0.1\n    shared_bias: true")
    run = train(load(text), iterations=1)
    step = run.steps[0]
    hidden, output = step.pass_.layers
    assert_exact(hidden.z, [["-0.5", "1.4", "2.0"]])
    assert_exact([step.loss], ["0.31205"])
    assert_exact(hidden.delta, [["0", "-0.711", "0.237"]])
    g1, g2 = step.gradients
    assert_exact(g1.biases, ["-0.474", "-0.474", "-0.474"])
    assert_exact(g1.weights, [["0", "0"], ["-0.711", "-1.422"], ["0.237", "0.474"]])
    assert_exact(g2.weights, [["0", "-1.106", "-1.58"]])
    p1, p2 = step.parameters
    assert_exact(p1.biases, ["0.1474", "0.1474", "0.1474"])
    assert_exact(p1.weights, [["0.2", "-0.4"], ["-0.2289", "0.9422"], ["0.4763", "0.6526"]])
    assert_exact(p2.weights, [["-0.6", "1.0106", "-0.142"]])
    assert_exact(p2.biases, ["0.129"])
    assert_exact(run.final.outputs, [["1.67710694"]])
    assert_exact([run.final.loss], ["0.0156834340980818"])


# --- two samples: reduction sum vs mean, batch vs online ---------------------------
#
# Sample 2: x = (0, 1), y = 0, with the original parameters:
#   z1 = (−0.4 + 0.1, 0.8 − 0.2, 0.7) = (−0.3, 0.6, 0.7), a1 = (0, 0.6, 0.7)
#   z2 = 0.9·0.6 − 0.3·0.7 + 0.05 = 0.54 − 0.21 + 0.05 = 0.38,  L = ½·0.38² = 0.0722
#   δ2 = 0.38;  ∂L/∂W2 = (0, 0.228, 0.266);  ∂L/∂a1 = 0.38·W2 = (−0.228, 0.342, −0.114)
#   δ1 = (0, 0.342, −0.114);  ∂L/∂W1 = [[0, 0], [0, 0.342], [0, −0.114]]
#
# reduction: sum  (sample 1 + sample 2)
#   L = 0.53045 + 0.0722 = 0.60265
#   ∂L/∂W1 = [[0, 0], [−0.927, −1.854 + 0.342], [0.309, 0.618 − 0.114]]
#          = [[0, 0], [−0.927, −1.512], [0.309, 0.504]]
#   ∂L/∂b1 = (0, −0.927 + 0.342, 0.309 − 0.114) = (0, −0.585, 0.195)
#   ∂L/∂W2 = (0, −1.133 + 0.228, −1.957 + 0.266) = (0, −0.905, −1.691)
#   ∂L/∂b2 = −1.03 + 0.38 = −0.65
#   W1+ = [[0.2, −0.4], [−0.2073, 0.9512], [0.4691, 0.6496]], b1+ = (0.1, −0.1415, −0.0195)
#   W2+ = (−0.6, 0.9905, −0.1309), b2+ = 0.115
#   after: sample 1 z2 = 1.42492288, sample 2 z2 = 0.83452776,
#          L = ½(0.07507712)² + ½(0.83452776)² = 0.351036578079056
# reduction: mean  (half of each sum)
#   L = 0.301325;  ∂L/∂W1 = [[0, 0], [−0.4635, −0.756], [0.1545, 0.252]],
#   ∂L/∂b1 = (0, −0.2925, 0.0975)
#   ∂L/∂W2 = (0, −0.4525, −0.8455), ∂L/∂b2 = −0.325
#   W1+ = [[0.2, −0.4], [−0.25365, 0.8756], [0.48455, 0.6748]], b1+ = (0.1, −0.17075, −0.00975)
#   W2+ = (−0.6, 0.94525, −0.21545), b2+ = 0.0825
#   after: z2 = (0.94359072, 0.60547444), L = ½[(0.55640928)² + (0.60547444)²]/2 = 0.169047646090858

TWO_SAMPLES = textwrap.dedent("""
    loss: half_squared_error
    learning_rate: 0.1
    samples:
      - {input: [1, 2], target: 1.5}
      - {input: [0, 1], target: 0}
    layers:
      - activation: relu
        weights: [[0.2, -0.4], [-0.3, 0.8], [0.5, 0.7]]
        biases: [0.1, -0.2, 0]
      - activation: linear
        weights: [-0.6, 0.9, -0.3]
        biases: 0.05
    """)

REDUCTIONS = {
    "sum": dict(
        loss="0.60265",
        dW1=[["0", "0"], ["-0.927", "-1.512"], ["0.309", "0.504"]],
        db1=["0", "-0.585", "0.195"], dW2=[["0", "-0.905", "-1.691"]], db2=["-0.65"],
        W1=[["0.2", "-0.4"], ["-0.2073", "0.9512"], ["0.4691", "0.6496"]],
        b1=["0.1", "-0.1415", "-0.0195"], W2=[["-0.6", "0.9905", "-0.1309"]], b2=["0.115"],
        outputs=[["1.42492288"], ["0.83452776"]], final="0.351036578079056"),
    "mean": dict(
        loss="0.301325",
        dW1=[["0", "0"], ["-0.4635", "-0.756"], ["0.1545", "0.252"]],
        db1=["0", "-0.2925", "0.0975"], dW2=[["0", "-0.4525", "-0.8455"]], db2=["-0.325"],
        W1=[["0.2", "-0.4"], ["-0.25365", "0.8756"], ["0.48455", "0.6748"]],
        b1=["0.1", "-0.17075", "-0.00975"], W2=[["-0.6", "0.94525", "-0.21545"]], b2=["0.0825"],
        outputs=[["0.94359072"], ["0.60547444"]], final="0.169047646090858"),
}


@pytest.mark.parametrize("reduction", sorted(REDUCTIONS))
def test_reduction_over_two_samples(reduction):
    want = REDUCTIONS[reduction]
    run = train(load(TWO_SAMPLES + f"reduction: {reduction}\n"), iterations=1)
    assert len(run.steps) == 1
    step = run.steps[0]
    hidden, output = step.pass_.layers
    # per-sample values are each sample's own (not reduced)
    assert_exact(hidden.z, [["-0.5", "1.1", "1.9"], ["-0.3", "0.6", "0.7"]])
    assert_exact(output.a, [["0.47"], ["0.38"]])
    assert_exact(step.pass_.losses, ["0.53045", "0.0722"])
    assert_exact(output.delta, [["-1.03"], ["0.38"]])
    assert_exact(hidden.delta, [["0", "-0.927", "0.309"], ["0", "0.342", "-0.114"]])
    assert_exact([step.loss], [want["loss"]])
    g1, g2 = step.gradients
    assert_exact(g1.weights, want["dW1"])
    assert_exact(g1.biases, want["db1"])
    assert_exact(g2.weights, want["dW2"])
    assert_exact(g2.biases, want["db2"])
    p1, p2 = step.parameters
    assert_exact(p1.weights, want["W1"])
    assert_exact(p1.biases, want["b1"])
    assert_exact(p2.weights, want["W2"])
    assert_exact(p2.biases, want["b2"])
    assert_exact(run.final.outputs, want["outputs"])
    assert_exact([run.final.loss], [want["final"]])


def test_reduction_mean_is_the_default():
    a = train(load(TWO_SAMPLES), iterations=1)
    assert_exact([a.steps[0].loss], ["0.301325"])


# update: online -- step 1 is sample 1 alone (exactly network B's step above); step 2 is
# sample 2 with step 1's parameters W1' = [[0.2, −0.4], [−0.2073, 0.9854], [0.4691, 0.6382]],
# b1' = (0.1, −0.1073, −0.0309), W2' = (−0.6, 1.0133, −0.1043), b2' = 0.153:
#   z1 = (−0.4 + 0.1, 0.9854 − 0.1073, 0.6382 − 0.0309) = (−0.3, 0.8781, 0.6073)
#   z2 = 1.0133·0.8781 − 0.1043·0.6073 + 0.153 = 0.88977873 − 0.06334139 + 0.153 = 0.97943734
#   L = ½·0.97943734² = 0.4796487514931378;  δ2 = 0.97943734
#   ∂L/∂W2 = 0.97943734·(0, 0.8781, 0.6073) = (0, 0.860043928254, 0.594812296582)
#   ∂L/∂a1 = 0.97943734·(−0.6, 1.0133, −0.1043) = (−0.587662404, 0.992463856622, −0.102155314562)
#   δ1 = (0, 0.992463856622, −0.102155314562);  ∂L/∂W1 = δ1 ⊗ (0, 1)
#   W1'' = [[0.2, −0.4], [−0.2073, 0.9854 − 0.0992463856622], [0.4691, 0.6382 + 0.0102155314562]]
#        = [[0.2, −0.4], [−0.2073, 0.8861536143378], [0.4691, 0.6484155314562]]
#   b1'' = (0.1, −0.2065463856622, −0.0206844685438)
#   W2'' = (−0.6, 0.9272956071746, −0.1637812296582),  b2'' = 0.153 − 0.097943734 = 0.055056266
#   after both: outputs (1.0289124049625546, 0.5824424983765459), mean loss 0.14029069652831921

def test_online_two_updates_per_iteration():
    run = train(load(TWO_SAMPLES + "update: online\n"), iterations=1)
    assert len(run.steps) == 2
    first, second = run.steps
    assert first.iteration == second.iteration == 1
    check_net_b_step(first)
    # the second update starts from the first one's result
    for before, after in zip(second.before, first.parameters):
        np.testing.assert_array_equal(before.weights, after.weights)
        np.testing.assert_array_equal(before.biases, after.biases)
    hidden, output = second.pass_.layers
    assert_exact(hidden.z, [["-0.3", "0.8781", "0.6073"]])
    assert_exact(output.z, [["0.97943734"]])
    assert_exact([second.loss], ["0.4796487514931378"])
    g1, g2 = second.gradients
    assert_exact(g2.weights, [["0", "0.860043928254", "0.594812296582"]])
    assert_exact(g2.biases, ["0.97943734"])
    assert_exact(hidden.dL_da, [["-0.587662404", "0.992463856622", "-0.102155314562"]])
    assert_exact(g1.weights, [["0", "0"], ["0", "0.992463856622"], ["0", "-0.102155314562"]])
    p1, p2 = second.parameters
    assert_exact(p1.weights, [["0.2", "-0.4"], ["-0.2073", "0.8861536143378"],
                              ["0.4691", "0.6484155314562"]])
    assert_exact(p1.biases, ["0.1", "-0.2065463856622", "-0.0206844685438"])
    assert_exact(p2.weights, [["-0.6", "0.9272956071746", "-0.1637812296582"]])
    assert_exact(p2.biases, ["0.055056266"])
    assert_exact(run.final.outputs, [["1.0289124049625546"], ["0.5824424983765459"]])
    assert_exact([run.final.loss], ["0.14029069652831921"])


def test_online_step_numbering_over_two_iterations():
    run = train(load(TWO_SAMPLES + "update: online\n"), iterations=2)
    assert [s.iteration for s in run.steps] == [1, 1, 2, 2]
    assert [s.pass_.sample_indices for s in run.steps] == [[0], [1], [0], [1]]
    # iteration 2, sample 1 starts from the parameters after iteration 1's sample 2
    assert_exact(run.steps[2].before[1].biases, ["0.055056266"])


# =============================================================================
# tanh hidden layer, softmax output -- chosen so that every value is exact
# =============================================================================
#
# x = (ln 2, ln 3), W1 = I, b1 = 0, tanh:  tanh(ln k) = (k² − 1)/(k² + 1)
#   a1 = (tanh ln 2, tanh ln 3) = (3/5, 4/5);  tanh′ = 1 − a² = (16/25, 9/25) = (0.64, 0.36)
# W2 = [[0.5, 0.25], [−0.5, 1.0], [1.5, −0.5]] -- every row gives W a1 = 0.5 -- and
# b2 = (0, ln 2, ln 5), so z2 = (0.5, 0.5 + ln 2, 0.5 + ln 5) and
#   a2 = softmax(z2) = (1, 2, 5)/8 = (0.125, 0.25, 0.625)
# y = (0, 1, 0), η = 0.5.
#
# cross_entropy:  L = −ln 0.25 = ln 4;  ∂L/∂a2 = −y/a = (0, −4, 0);
#   δ2 = a − y = (0.125, −0.75, 0.625)
#   ∂L/∂W2 = δ2 ⊗ a1 = [[0.075, 0.1], [−0.45, −0.6], [0.375, 0.5]]
#   ∂L/∂a1 = δ2 W2 = (0.0625 + 0.375 + 0.9375, 0.03125 − 0.75 − 0.3125) = (1.375, −1.03125)
#   δ1 = (1.375·0.64, −1.03125·0.36) = (0.88, −0.37125);  ∂L/∂W1 = δ1 ⊗ (ln 2, ln 3)
#   W2+ = W2 − 0.5·∂L/∂W2 = [[0.4625, 0.2], [−0.275, 1.3], [1.3125, −0.75]]
#   b2+ = (−0.0625, ln 2 + 0.375, ln 5 − 0.3125);  b1+ = (−0.44, 0.185625)
#
# half_squared_error (softmax's full Jacobian, no fused shortcut):
#   g = a − y = (1/8, −3/4, 5/8);  Σ g_j a_j = 1/64 − 12/64 + 25/64 = 7/32
#   δ2_i = a_i (g_i − 7/32) = (−3/256, −31/128, 65/256)     (sums to 0)
#   L = ½(1/64 + 36/64 + 25/64) = 31/64
#   ∂L/∂a1 = δ2 W2 = (127/256, −381/1024)
#   δ1 = (0.64·127/256, 0.36·(−381/1024)) = (0.3175, −3429/25600)

LN2, LN3, LN5 = math.log(2), math.log(3), math.log(5)

TANH_SOFTMAX = textwrap.dedent(f"""
    input: [{LN2!r}, {LN3!r}]
    target: [0, 1, 0]
    learning_rate: 0.5
    layers:
      - activation: tanh
        weights: [[1, 0], [0, 1]]
        biases: [0, 0]
      - activation: softmax
        weights: [[0.5, 0.25], [-0.5, 1.0], [1.5, -0.5]]
        biases: [0, {LN2!r}, {LN5!r}]
    """)


def test_tanh_softmax_cross_entropy():
    run = train(load(TANH_SOFTMAX + "loss: cross_entropy\n"), iterations=1)
    step = run.steps[0]
    hidden, output = step.pass_.layers
    assert_exact(hidden.a, [["3/5", "4/5"]])
    assert_exact(hidden.fprime, [["16/25", "9/25"]])
    assert_exact(output.z, [[0.5, 0.5 + LN2, 0.5 + LN5]])
    assert_exact(output.a, [["1/8", "1/4", "5/8"]])
    assert abs(step.loss - math.log(4)) < 1e-12
    assert_exact(output.dL_da, [["0", "-4", "0"]])
    assert_exact(output.delta, [["0.125", "-0.75", "0.625"]])
    assert_exact(hidden.dL_da, [["1.375", "-1.03125"]])
    assert_exact(hidden.delta, [["0.88", "-0.37125"]])
    g1, g2 = step.gradients
    assert_exact(g2.weights, [["0.075", "0.1"], ["-0.45", "-0.6"], ["0.375", "0.5"]])
    assert_exact(g2.biases, ["0.125", "-0.75", "0.625"])
    assert_exact(g1.weights, [[0.88 * LN2, 0.88 * LN3], [-0.37125 * LN2, -0.37125 * LN3]])
    assert_exact(g1.biases, ["0.88", "-0.37125"])
    p1, p2 = step.parameters
    assert_exact(p2.weights, [["0.4625", "0.2"], ["-0.275", "1.3"], ["1.3125", "-0.75"]])
    assert_exact(p2.biases, [-0.0625, LN2 + 0.375, LN5 - 0.3125])
    assert_exact(p1.weights, [[1 - 0.44 * LN2, -0.44 * LN3],
                              [0.185625 * LN2, 1 + 0.185625 * LN3]])
    assert_exact(p1.biases, ["-0.44", "0.185625"])


def test_tanh_softmax_half_squared_error_full_jacobian():
    step = train(load(TANH_SOFTMAX + "loss: half_squared_error\n"), iterations=1).steps[0]
    hidden, output = step.pass_.layers
    assert_exact([step.loss], ["31/64"])
    assert_exact(output.dL_da, [["1/8", "-3/4", "5/8"]])
    assert_exact(output.delta, [["-3/256", "-31/128", "65/256"]])
    assert_exact(hidden.dL_da, [["127/256", "-381/1024"]])
    assert_exact(hidden.delta, [["0.3175", "-3429/25600"]])
    # ∂L/∂W2 = δ2 ⊗ a1 = δ2 ⊗ (3/5, 4/5)
    assert_exact(step.gradients[1].weights, [["-9/1280", "-3/320"],
                                             ["-93/640", "-31/160"],
                                             ["39/256", "13/64"]])


# =============================================================================
# ReLU′(0), leaky ReLU′(0), ELU′(0) at an exact zero
# =============================================================================
#
# x = (1, 2), W1 = [[0.5, −0.25], [0.25, 0.5]], b1 = 0:
#   z1 = (0.5 − 0.5, 0.25 + 1.0) = (0, 1.25) exactly;  a1 = (0, 1.25) for all four activations
#   (leaky(0) = α·0 = 0, ELU(0) = α(e⁰ − 1) = 0).
# W2 = [1, −1], b2 = 0, linear: z2 = −1.25, y = 0.75: L = ½·2² = 2, δ2 = −2
#   ∂L/∂a1 = −2·(1, −1) = (−2, 2);  δ1 = (−2·f′(0), 2·1)
#   ∂L/∂W1 row 1 = δ1_1·(1, 2);  W1+ row 1 = (0.5 − 0.1 δ1_1, −0.25 − 0.2 δ1_1)
# f′(0): relu → relu_derivative_at_zero (0 by default, or 1); leaky_relu → α; ELU → α.

ZERO_NET = textwrap.dedent("""
    input: [1, 2]
    target: 0.75
    loss: half_squared_error
    learning_rate: 0.1
    {option}
    layers:
      - activation: {activation}
        weights: [[0.5, -0.25], [0.25, 0.5]]
        biases: [0, 0]
      - activation: linear
        weights: [1, -1]
        biases: 0
    """)


@pytest.mark.parametrize("activation, option, fprime0", [
    ("relu", "", 0.0),
    ("relu", "relu_derivative_at_zero: 0", 0.0),
    ("relu", "relu_derivative_at_zero: 1", 1.0),
    ("leaky_relu", "", 0.01),
    ("'{name: leaky_relu, alpha: 0.1}'", "relu_derivative_at_zero: 1", 0.1),
    ("elu", "", 1.0),
    ("'{name: elu, alpha: 0.5}'", "", 0.5),
])
def test_derivative_at_an_exact_zero(activation, option, fprime0):
    activation = activation.strip("'")
    text = ZERO_NET.replace("{option}", option).replace("{activation}", activation)
    step = train(load(text), iterations=1).steps[0]
    hidden, output = step.pass_.layers
    assert hidden.z.tolist() == [[0.0, 1.25]]
    assert_exact(hidden.a, [["0", "1.25"]])
    assert_exact([step.loss], ["2"])
    assert_exact(hidden.dL_da, [["-2", "2"]])
    assert_exact(hidden.fprime, [[fprime0, 1.0]])
    d = -2 * fprime0
    assert_exact(hidden.delta, [[d, 2.0]])
    assert_exact(step.gradients[0].weights, [[d, 2 * d], [2.0, 4.0]])
    assert_exact(step.gradients[1].weights, [["0", "-2.5"]])
    assert_exact(step.parameters[0].weights, [[0.5 - 0.1 * d, -0.25 - 0.2 * d],
                                              ["0.05", "0.1"]])


# =============================================================================
# Momentum and Adam on one linear neuron
# =============================================================================
#
# x = 2, w = 0.5, b = 0.1, y = 1, ½ squared error, η = 0.1.
# z = wx + b, δ = z − y, ∂L/∂w = δ·2, ∂L/∂b = δ.
#
# Momentum μ = 0.9 (v ← μv − η∇L, θ ← θ + v, v starts at 0):
#   iteration 1: z = 1.1, L = 0.005, δ = 0.1, ∇ = (0.2, 0.1)
#                v = (−0.02, −0.01), (w, b) = (0.48, 0.09)
#   iteration 2: z = 0.96 + 0.09 = 1.05, L = ½·0.05² = 0.00125, δ = 0.05, ∇ = (0.1, 0.05)
#                v = (0.9·−0.02 − 0.01, 0.9·−0.01 − 0.005) = (−0.028, −0.014)
#                (w, b) = (0.452, 0.076)
#   after: z = 0.904 + 0.076 = 0.98, L = ½·0.02² = 0.0002

SCALAR = textwrap.dedent("""
    input: 2
    target: 1
    loss: half_squared_error
    learning_rate: 0.1
    layers:
      - activation: linear
        weights: 0.5
        biases: 0.1
    """)


def test_momentum_two_iterations():
    run = train(load(SCALAR + "momentum: 0.9\n"), iterations=2)
    first, second = run.steps
    assert_exact([first.loss], ["0.005"])
    assert_exact(first.gradients[0].weights, [["0.2"]])
    assert_exact(first.gradients[0].biases, ["0.1"])
    assert_exact(first.progress.slots["velocity"][0].weights, [["-0.02"]])
    assert_exact(first.progress.slots["velocity"][0].biases, ["-0.01"])
    assert_exact(first.parameters[0].weights, [["0.48"]])
    assert_exact(first.parameters[0].biases, ["0.09"])
    assert_exact(second.pass_.layers[0].z, [["1.05"]])
    assert_exact([second.loss], ["0.00125"])
    assert_exact(second.gradients[0].weights, [["0.1"]])
    assert_exact(second.gradients[0].biases, ["0.05"])
    assert_exact(second.progress.slots["velocity"][0].weights, [["-0.028"]])
    assert_exact(second.progress.slots["velocity"][0].biases, ["-0.014"])
    assert_exact(second.parameters[0].weights, [["0.452"]])
    assert_exact(second.parameters[0].biases, ["0.076"])
    assert_exact([run.final.loss], ["0.0002"])


def test_momentum_zero_is_plain_sgd():
    run = train(load(SCALAR), iterations=2)
    # plain SGD: (0.5, 0.1) − 0.1·(0.2, 0.1) = (0.48, 0.09); z = 1.05, ∇ = (0.1, 0.05);
    # (0.48, 0.09) − 0.1·(0.1, 0.05) = (0.47, 0.085)
    assert_exact(run.steps[1].parameters[0].weights, [["0.47"]])
    assert_exact(run.steps[1].parameters[0].biases, ["0.085"])


# Adam (PyTorch): m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², t counts updates,
# m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ), θ ← θ − η m̂/(√v̂ + ε).
# Step 1 by hand: m̂ = g, v̂ = g², so θ ← θ − η·g/(|g| + ε):
#   w1 = 0.5 − 0.1·0.2/(0.2 + 1e−8),  b1 = 0.1 − 0.1·0.1/(0.1 + 1e−8)
# Later steps from the few lines below (plain floats, no numpy, no engine).

def adam_reference(theta, grad, lr, beta1, beta2, eps, steps):
    m = [0.0] * len(theta)
    v = [0.0] * len(theta)
    history = []
    for t in range(1, steps + 1):
        g = grad(theta)
        m = [beta1 * mi + (1 - beta1) * gi for mi, gi in zip(m, g)]
        v = [beta2 * vi + (1 - beta2) * gi * gi for vi, gi in zip(v, g)]
        theta = [th - lr * (mi / (1 - beta1 ** t)) / (math.sqrt(vi / (1 - beta2 ** t)) + eps)
                 for th, mi, vi in zip(theta, m, v)]
        history.append((g, m, v, theta))
    return history


def scalar_grad(theta):
    w, b = theta
    delta = w * 2 + b - 1
    return [delta * 2, delta]


@pytest.mark.parametrize("config, beta1, beta2, eps", [
    ("optimizer: adam", 0.9, 0.999, 1e-8),
    ("optimizer: {name: adam, beta1: 0.5, beta2: 0.75, epsilon: 0.1}", 0.5, 0.75, 0.1),
    # written exactly as SPEC writes it (a plain 1e-8 in YAML)
    ("optimizer: {name: adam, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}", 0.9, 0.999, 1e-8),
    ("optimizer: {name: adam, epsilon: 1e-3}", 0.9, 0.999, 1e-3),
])
def test_adam_three_iterations(config, beta1, beta2, eps):
    run = train(load(SCALAR + config + "\n"), iterations=3)
    expected = adam_reference([0.5, 0.1], scalar_grad, 0.1, beta1, beta2, eps, 3)
    # step 1 by hand
    w1 = 0.5 - 0.1 * 0.2 / (0.2 + eps)
    b1 = 0.1 - 0.1 * 0.1 / (0.1 + eps)
    assert expected[0][3] == pytest.approx([w1, b1], rel=1e-15)
    for step, (g, m, v, theta) in zip(run.steps, expected):
        assert step.gradients[0].weights[0, 0] == pytest.approx(g[0], rel=1e-12, abs=1e-15)
        assert step.gradients[0].biases[0] == pytest.approx(g[1], rel=1e-12, abs=1e-15)
        assert step.progress.slots["m"][0].weights[0, 0] == pytest.approx(m[0], rel=1e-12)
        assert step.progress.slots["v"][0].weights[0, 0] == pytest.approx(v[0], rel=1e-12)
        assert step.parameters[0].weights[0, 0] == pytest.approx(theta[0], rel=1e-12)
        assert step.parameters[0].biases[0] == pytest.approx(theta[1], rel=1e-12)
        assert step.progress.updates == run.steps.index(step) + 1


def test_adam_with_frozen_biases():
    # update_biases: false -- b stays 0.1; w follows Adam on ∂L/∂w alone
    run = train(load(SCALAR + "optimizer: adam\nupdate_biases: false\n"), iterations=2)

    def grad_w(theta):
        (w,) = theta
        return [(w * 2 + 0.1 - 1) * 2]
    expected = adam_reference([0.5], grad_w, 0.1, 0.9, 0.999, 1e-8, 2)
    for step, (_, _, _, theta) in zip(run.steps, expected):
        assert step.parameters[0].biases.tolist() == [0.1]
        assert step.parameters[0].weights[0, 0] == pytest.approx(theta[0], rel=1e-12)


# =============================================================================
# The registries at hand-chosen points
# =============================================================================
#
# a = (0.2, 0.9), y = (0, 1):
#   half_sse: terms ½(0.2)², ½(0.1)² = (0.02, 0.005);   ∂L/∂a = a − y = (0.2, −0.1)
#   sse:      terms (0.04, 0.01);                        ∂L/∂a = 2(a − y) = (0.4, −0.2)
#   mse:      terms (0.04, 0.01)/2 = (0.02, 0.005);      ∂L/∂a = (2/2)(a − y) = (0.2, −0.1)
#   bce:      terms (−ln 0.8, −ln 0.9);  ∂L/∂a = (a − y)/(a(1 − a))
#                                             = (0.2/0.16, −0.1/0.09) = (1.25, −10/9)
#   ce:       terms (0, −ln 0.9);        ∂L/∂a = −y/a = (0, −1/0.9) = (0, −10/9)

LOSS_TABLE = {
    "half_squared_error": ([0.02, 0.005], [0.2, -0.1]),
    "squared_error": ([0.04, 0.01], [0.4, -0.2]),
    "mean_squared_error": ([0.02, 0.005], [0.2, -0.1]),
    "binary_cross_entropy": ([-math.log(0.8), -math.log(0.9)], [1.25, -10 / 9]),
    "cross_entropy": ([0.0, -math.log(0.9)], [0.0, -10 / 9]),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_registry_at_a_hand_point(name):
    loss = LOSSES[name]()
    terms, gradient = LOSS_TABLE[loss.name]
    a, y = np.array([[0.2, 0.9]]), np.array([[0.0, 1.0]])
    np.testing.assert_allclose(loss.terms(a, y), [terms], rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(loss.gradient(a, y), [gradient], rtol=1e-14, atol=1e-16)


# z chosen so that the values are exact:
#   sigmoid(0) = ½, σ′ = ¼;  sigmoid(ln 3) = 3/4, σ′ = 3/16;  tanh(ln 2) = 3/5, tanh′ = 16/25
#   relu(−2) = 0, relu′ = 0; relu(1.5) = 1.5, relu′ = 1
#   leaky_relu (α = 0.01): (−2) → −0.02, f′ = 0.01;  1.5 → 1.5, 1
#   elu (α = 1): −ln 2 → e^(−ln 2) − 1 = −½, f′ = e^(−ln 2) = ½;  1.5 → 1.5, 1
#   softplus(ln 3) = ln 4, f′ = σ(ln 3) = 3/4;  softplus(−ln 3) = ln(4/3), f′ = ¼
#   linear: 1.5 → 1.5, f′ = 1
#   softmax (0, ln 3) = (¼, ¾)

ACTIVATION_TABLE = {
    "linear": ([-2.0, 1.5], [-2.0, 1.5], [1.0, 1.0]),
    "sigmoid": ([0.0, LN3], [0.5, 0.75], [0.25, 3 / 16]),
    "tanh": ([LN2, -LN3], [0.6, -0.8], [0.64, 0.36]),
    "relu": ([-2.0, 1.5], [0.0, 1.5], [0.0, 1.0]),
    "leaky_relu": ([-2.0, 1.5], [-0.02, 1.5], [0.01, 1.0]),
    "elu": ([-LN2, 1.5], [-0.5, 1.5], [0.5, 1.0]),
    "softplus": ([LN3, -LN3], [math.log(4), math.log(4 / 3)], [0.75, 0.25]),
    "softmax": ([0.0, LN3], [0.25, 0.75], None),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_registry_at_a_hand_point(name):
    activation = ACTIVATIONS[name]()
    z, a, fprime = ACTIVATION_TABLE[activation.name]
    z = np.array([z])
    out = activation.forward(z)
    np.testing.assert_allclose(out, [a], rtol=1e-14, atol=1e-16)
    if fprime is None:
        assert activation.derivative(z, out) is None
    else:
        np.testing.assert_allclose(activation.derivative(z, out), [fprime], rtol=1e-14, atol=1e-16)
        np.testing.assert_allclose(activation.hand_derivative(z, out), [fprime],
                                   rtol=1e-14, atol=1e-16)


def test_activation_alpha_option():
    z = np.array([[-2.0, -LN2]])
    np.testing.assert_allclose(ACTIVATIONS["leaky_relu"](alpha=0.1).forward(z),
                               [[-0.2, -0.1 * LN2]])
    # ELU α = 2: 2(e^(−2) − 1), 2(½ − 1) = −1;  f′ = 2e^(−2), 2·½ = 1
    elu = ACTIVATIONS["elu"](alpha=2.0)
    np.testing.assert_allclose(elu.forward(z), [[2 * (math.exp(-2) - 1), -1.0]], rtol=1e-14)
    np.testing.assert_allclose(elu.derivative(z, elu.forward(z)), [[2 * math.exp(-2), 1.0]],
                               rtol=1e-14)
