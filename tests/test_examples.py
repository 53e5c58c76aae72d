"""The bundled example networks: every one loads and trains, and the numbers
their comments claim are the numbers the engine gives.

Every expected value here is worked out by hand (the working is in the
comments, and in the comment block of each network file); none is produced by
running the engine, so the engine is never compared with itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backcalc.engine import train
from backcalc.netfile import load_network

from helpers import NETWORKS, bundled_network, sigmoid

BUNDLED = {"mazur", "seed000", "seed002", "seed004", "softmax-classifier", "xor-batch",
           "xor-online", "l2-half", "l2-full", "l2-half-mean", "nesterov", "adamw",
           "dropout"}


def exact(value):
    """Hand-derived to (almost) float64 precision: only float rounding may differ."""
    return pytest.approx(value, rel=1e-9, abs=1e-12)


def written(value: float, decimals: int):
    """A value the student wrote with ``decimals`` decimals, rounded correctly."""
    return pytest.approx(value, abs=0.5 * 10 ** -decimals + 1e-12)


# --- every bundled file -------------------------------------------------------

def test_the_bundled_examples_are_all_there():
    assert BUNDLED <= {path.stem for path in NETWORKS.glob("*.yaml")}


@pytest.mark.parametrize("path", sorted(NETWORKS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_file_loads_and_trains(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#"), "a bundled file opens with a comment block saying what it is"
    network = load_network(path)
    assert network.name and network.description
    assert "\n" not in network.description
    run = train(network, iterations=3)
    updates_per_iteration = 1 if network.update == "batch" else len(network.samples)
    assert len(run.steps) == 3 * updates_per_iteration
    assert all(math.isfinite(step.loss) for step in run.steps)
    assert math.isfinite(run.final.loss)
    assert run.final.outputs.shape == (len(network.samples), network.layers[-1].size)


# --- seed 000: 2-3-1, ReLU hidden, linear output ------------------------------

def test_seed000_conventions():
    network = bundled_network("seed000")
    assert network.index_base == 0
    assert network.layers[0].weight_names == [["w00", "w01"], ["w10", "w11"], ["w20", "w21"]]
    assert network.layers[0].bias_names == ["b0", "b1", "b2"]
    assert network.layers[1].weight_names == [["v0", "v1", "v2"]]
    assert network.layers[1].bias_names == ["c"]


def test_seed000_first_iteration_by_hand():
    step = train(bundled_network("seed000"), iterations=1).steps[0]
    hidden, out = step.pass_.layers
    # z0 = 0.2·1 − 0.4·2 + 0.1 = −0.5;  z1 = −0.3·1 + 0.8·2 − 0.2 = 1.1;
    # z2 = 0.5·1 + 0.7·2 + 0 = 1.9
    assert hidden.z[0] == exact([-0.5, 1.1, 1.9])
    assert hidden.a[0] == exact([0.0, 1.1, 1.9])
    # ŷ = −0.6·0 + 0.9·1.1 − 0.3·1.9 + 0.05 = 0.99 − 0.57 + 0.05 = 0.47
    assert out.z[0] == exact([0.47])
    assert out.a[0] == exact([0.47])
    # L = ½(1.5 − 0.47)² = ½·1.0609 = 0.53045
    assert step.pass_.loss == exact(0.53045)
    # ∂L/∂ŷ = ŷ − y = −1.03 = δ of the linear output
    assert out.dL_da[0] == exact([-1.03])
    assert out.delta[0] == exact([-1.03])
    # ∂L/∂a1 = v·δ2 = (−0.6, 0.9, −0.3)·(−1.03) = (0.618, −0.927, 0.309)
    assert hidden.dL_da[0] == exact([0.618, -0.927, 0.309])
    # δ1 = ∂L/∂a1 · ReLU'(z1) = (0.618·0, −0.927·1, 0.309·1)
    assert hidden.delta[0] == exact([0.0, -0.927, 0.309])
    w_grad, b_grad = step.gradients[0]
    # ∂L/∂w_jk = δ_j x_k: w10 → −0.927·1, w11 → −0.927·2 = −1.854, w21 → 0.309·2 = 0.618
    assert w_grad == exact(np.array([[0.0, 0.0], [-0.927, -1.854], [0.309, 0.618]]))
    assert b_grad == exact([0.0, -0.927, 0.309])
    # ∂L/∂v = δ2·a1 = −1.03·(0, 1.1, 1.9) = (0, −1.133, −1.957);  ∂L/∂c = −1.03
    assert step.gradients[1].weights == exact(np.array([[0.0, -1.133, -1.957]]))
    assert step.gradients[1].biases == exact([-1.03])
    # updated with η = 0.1: w11 = 0.8 + 0.1854, b1 = −0.2 + 0.0927, v1 = 0.9 + 0.1133,
    # c = 0.05 + 0.103
    weights, biases = step.parameters[0]
    assert weights == exact(np.array([[0.2, -0.4], [-0.2073, 0.9854], [0.4691, 0.6382]]))
    assert biases == exact([0.1, -0.1073, -0.0309])
    assert step.parameters[1].weights == exact(np.array([[-0.6, 1.0133, -0.1043]]))
    assert step.parameters[1].biases == exact([0.153])


def test_seed000_second_forward_pass_by_hand():
    run = train(bundled_network("seed000"), iterations=1)
    # z1_1 = −0.2073·1 + 0.9854·2 − 0.1073 = 1.6562;  z1_2 = 0.4691 + 0.6382·2 − 0.0309 = 1.7146
    # ŷ = 1.0133·1.6562 − 0.1043·1.7146 + 0.153 = 1.67822746 − 0.17883278 + 0.153 = 1.65239468
    assert run.final.outputs[0] == exact([1.65239468])
    # L = ½(1.5 − 1.65239468)² = ½·0.15239468² = 0.0116120692461512
    assert run.final.loss == exact(0.5 * 0.15239468 ** 2)


# --- seed 002: ReLU hidden, sigmoid output, target 18 -------------------------

def test_seed002_by_hand():
    step = train(bundled_network("seed002"), iterations=1).steps[0]
    hidden, out = step.pass_.layers
    # z1 = (2 + 0.6 + 1.2 + 0.1, 8 + 1.5 + 2.4 + 0.2, 14 + 2.4 + 3.6 + 0.3)
    assert hidden.z[0] == exact([3.9, 12.1, 20.3])
    assert hidden.a[0] == exact([3.9, 12.1, 20.3])
    # z2 = 0.2·3.9 + 0.4·12.1 + 0.6·20.3 + 0.5 = 0.78 + 4.84 + 12.18 + 0.5 = 18.3
    assert out.z[0] == exact([18.3])
    a2 = sigmoid(18.3)                          # 0.99999998872
    assert out.a[0] == exact([a2])
    assert a2 == pytest.approx(0.999999988717, abs=1e-12)
    # squared error without the ½: L = (a2 − 18)², ∂L/∂a2 = 2(a2 − 18)
    assert step.pass_.loss == exact((a2 - 18) ** 2)
    assert out.dL_da[0] == exact([2 * (a2 - 18)])
    # σ'(18.3) = σ(1 − σ) = e^−18.3 / (1 + e^−18.3)²; 1 − σ cancels badly in float64,
    # so this form (and a relative tolerance of 1e-7) is used
    e = math.exp(-18.3)
    fprime = e / (1 + e) ** 2                   # 1.12826e−8
    delta2 = 2 * (a2 - 18) * fprime             # −3.83610e−7
    assert delta2 == pytest.approx(-3.83610e-7, rel=1e-5)
    assert out.delta[0] == pytest.approx([delta2], rel=1e-7)
    # the seed's δ2 = −4.08e−7 (from σ' rounded to 1.2e−8) is not what the network gives
    assert out.delta[0][0] != pytest.approx(-4.08e-7, rel=0.01)
    # ∂L/∂W2 = δ2 a1ᵀ;  δ1 = W2ᵀ δ2 (every ReLU' is 1);  ∂L/∂W1 = δ1 xᵀ
    a1 = np.array([3.9, 12.1, 20.3])
    assert step.gradients[1].weights[0] == pytest.approx(delta2 * a1, rel=1e-7)
    delta1 = np.array([0.2, 0.4, 0.6]) * delta2
    assert hidden.delta[0] == pytest.approx(delta1, rel=1e-7)
    assert step.gradients[0].weights == pytest.approx(
        np.outer(delta1, [20.0, 3.0, 4.0]), rel=1e-7)


# --- seed 004: 1-2-2-1 ReLU, three iterations ---------------------------------

@pytest.fixture(scope="module")
def seed004():
    return train(bundled_network("seed004"), iterations=3)


def test_seed004_shapes_and_names():
    network = bundled_network("seed004")
    # W1 = [1, 1] is one weight per neuron (one input), W3 = [1, 1] one neuron's two weights
    assert network.layers[0].weights.shape == (2, 1)
    assert network.layers[2].weights.shape == (1, 2)
    assert network.layers[0].weight_names == [["w1"], ["w2"]]
    assert network.layers[2].bias_names == ["b5"]
    assert network.learning_rate == 0.01


def test_seed004_iteration_1_by_hand(seed004):
    step = seed004.steps[0]
    l1, l2, l3 = step.pass_.layers
    assert l1.z[0] == exact([1.5, 1.5])        # 2·1 − 0.5
    assert l2.z[0] == exact([2.5, 2.5])        # 1.5 + 1.5 − 0.5
    assert l3.z[0] == exact([4.5])             # 2.5 + 2.5 − 0.5
    assert step.pass_.loss == exact(6.125)     # ½·3.5²
    assert l3.dL_da[0] == exact([3.5])         # ŷ − y
    assert l2.delta[0] == exact([3.5, 3.5])    # w7·3.5·ReLU'(2.5)
    assert l1.delta[0] == exact([7.0, 7.0])    # (w3 + w5)·3.5
    g1, g2, g3 = step.gradients
    assert g3.weights == exact(np.array([[8.75, 8.75]]))            # 3.5·2.5
    assert g3.biases == exact([3.5])
    assert g2.weights == exact(np.full((2, 2), 5.25))               # 3.5·1.5
    assert g2.biases == exact([3.5, 3.5])
    assert g1.weights == exact(np.array([[14.0], [14.0]]))          # 7·2
    assert g1.biases == exact([7.0, 7.0])
    p1, p2, p3 = step.parameters
    # the seed: W1 = 0.86, W2 = 0.9475, B2 = B3 = −0.535, and (used, not written) B1 = −0.57
    assert p1.weights == exact(np.array([[0.86], [0.86]]))
    assert p1.biases == exact([-0.57, -0.57])
    assert p2.weights == exact(np.full((2, 2), 0.9475))
    assert p2.biases == exact([-0.535, -0.535])
    assert p3.weights == exact(np.array([[0.9125, 0.9125]]))       # 1 − 0.01·8.75
    assert p3.biases == exact([-0.535])


def test_seed004_iteration_2_by_hand(seed004):
    step = seed004.steps[1]
    l1, l2, l3 = step.pass_.layers
    # z1 = 2·0.86 − 0.57 = 1.15;  z2 = 2·0.9475·1.15 − 0.535 = 1.64425
    # ŷ = 2·0.9125·1.64425 − 0.535 = 2.46575625;  ∂L/∂ŷ = 1.46575625
    assert l1.z[0] == exact([1.15, 1.15])
    assert l2.z[0] == exact([1.64425, 1.64425])
    assert l3.z[0] == exact([2.46575625])
    assert l3.dL_da[0] == exact([1.46575625])
    # δ2 = 0.9125·1.46575625 = 1.337502578125;  ∂L/∂W2 = 1.15·δ2 = 1.53812796484375
    # δ1 = 2·0.9475·δ2 = 2.534567385546875;  ∂L/∂W1 = 2·δ1 = 5.06913477109375
    assert l2.delta[0] == exact([1.337502578125] * 2)
    assert step.gradients[1].weights == exact(np.full((2, 2), 1.53812796484375))
    assert l1.delta[0] == exact([2.534567385546875] * 2)
    assert step.gradients[0].weights == exact(np.array([[5.06913477109375]] * 2))


def test_seed004_matches_the_seed_to_its_decimals(seed004):
    it1, it2, it3 = seed004.steps
    # iteration 1 (the seed's "Iteration 0")
    assert it1.pass_.layers[2].a[0][0] == written(4.5, 1)
    assert it1.parameters[0].weights[0][0] == written(0.86, 2)
    assert it1.parameters[1].weights[0][0] == written(0.9475, 4)
    assert it1.parameters[1].biases[0] == written(-0.535, 3)
    assert it1.parameters[2].biases[0] == written(-0.535, 3)
    assert it1.parameters[0].biases[0] == written(-0.57, 2)    # the seed writes −0.5, uses −0.57
    # iteration 2
    assert it2.pass_.layers[0].z[0][0] == written(1.15, 2)
    assert it2.pass_.layers[1].z[0][0] == written(1.644, 3)
    assert it2.pass_.layers[2].dL_da[0][0] == written(1.4658, 4)
    assert it2.gradients[0].weights[0][0] == written(5.0691, 4)
    assert it2.gradients[1].weights[0][0] == written(1.5381, 4)
    assert it2.parameters[0].weights[0][0] == written(0.8093, 4)
    assert it2.parameters[1].weights[0][0] == written(0.9321, 4)
    assert it2.parameters[2].biases[0] == written(-0.5497, 4)
    assert it2.parameters[1].biases[0] == written(-0.5484, 4)
    assert it2.parameters[0].biases[0] == written(-0.5953, 4)
    # the seed's ∂L/∂B1 = 2.5436 is a digit transposition of 2.5346
    assert it2.gradients[0].biases[0] == written(2.5346, 4)
    assert it2.gradients[0].biases[0] != written(2.5436, 4)
    # iteration 3
    assert it3.pass_.layers[0].z[0][0] == written(1.0233, 4)
    assert it3.pass_.layers[1].z[0][0] == written(1.3592, 4)
    assert it3.pass_.layers[2].a[0][0] == written(1.8654, 4)


# --- softmax classifier ---------------------------------------------------------

def test_softmax_classifier_by_hand():
    step = train(bundled_network("softmax-classifier"), iterations=1).steps[0]
    hidden, out = step.pass_.layers
    # z1 = W1 x + b1 with x = (1, 0.5): (0.1 − 0.1 + 0.2, 0.4 + 0.15 + 0.1, −0.5 + 0.1 − 0.1)
    z1 = [0.2, 0.65, -0.5]
    a1 = [math.tanh(z) for z in z1]
    assert hidden.z[0] == exact(z1)
    assert hidden.a[0] == exact(a1)
    W2 = [[0.3, -0.1, 0.2], [-0.4, 0.5, 0.1], [0.2, 0.2, -0.3]]
    z2 = [sum(w * a for w, a in zip(row, a1)) for row in W2]     # b2 = 0
    assert out.z[0] == exact(z2)
    assert out.z[0] == pytest.approx([-0.090378, 0.160673, 0.292444], abs=1e-6)
    total = sum(math.exp(z) for z in z2)
    a2 = [math.exp(z) / total for z in z2]
    assert out.a[0] == exact(a2)
    assert out.a[0] == pytest.approx([0.266539, 0.342603, 0.390858], abs=1e-6)
    assert out.a[0].sum() == exact(1.0)
    y = [0.0, 1.0, 0.0]
    assert step.pass_.loss == exact(-math.log(a2[1]))           # 1.071183
    assert step.pass_.loss == pytest.approx(1.071183, abs=1e-6)
    # softmax + cross-entropy: δ = a − y
    delta2 = [a - t for a, t in zip(a2, y)]
    assert out.delta[0] == exact(delta2)
    # δ1 = (W2ᵀ δ2) ∘ (1 − a1²)
    delta1 = [sum(W2[i][j] * delta2[i] for i in range(3)) * (1 - a1[j] ** 2) for j in range(3)]
    assert hidden.delta[0] == exact(delta1)
    assert hidden.delta[0] == pytest.approx([0.404688, -0.186596, -0.101994], abs=1e-6)
    assert step.gradients[1].weights[1][1] == pytest.approx(-0.375814, abs=1e-6)


# --- XOR, batch and online -------------------------------------------------------

XOR_INPUTS = [(0, 0), (0, 1), (1, 0), (1, 1)]
XOR_TARGETS = [0, 1, 1, 0]
W1 = [[0.6, -0.4], [-0.3, 0.8]]        # one row per hidden neuron
B1 = [0.1, -0.2]
W2 = [0.7, 0.5]
B2 = -0.3


def xor_sample(x, y):
    """One sample's forward and backward pass through the starting network, by hand."""
    z1 = [W1[i][0] * x[0] + W1[i][1] * x[1] + B1[i] for i in range(2)]
    a1 = [sigmoid(z) for z in z1]
    a2 = sigmoid(W2[0] * a1[0] + W2[1] * a1[1] + B2)
    delta2 = (a2 - y) * a2 * (1 - a2)
    return z1, a1, a2, 0.5 * (a2 - y) ** 2, delta2


def test_xor_batch_first_iteration_by_hand():
    network = bundled_network("xor-batch")
    assert (network.update, network.reduction) == ("batch", "mean")
    step = train(network, iterations=1).steps[0]
    hand = [xor_sample(x, y) for x, y in zip(XOR_INPUTS, XOR_TARGETS)]
    # z1 = W1 x + b1: (0.1, −0.2), (−0.3, 0.6), (0.7, −0.5), (0.3, 0.3)
    assert step.pass_.layers[0].z == exact(np.array(
        [[0.1, -0.2], [-0.3, 0.6], [0.7, -0.5], [0.3, 0.3]]))
    assert step.pass_.layers[1].a[:, 0] == exact([h[2] for h in hand])
    assert step.pass_.layers[1].delta[:, 0] == exact([h[4] for h in hand])
    # the loss is the mean of the four: (0.163950 + 0.088410 + 0.084792 + 0.177681)/4
    mean_loss = sum(h[3] for h in hand) / 4
    assert step.pass_.loss == exact(mean_loss)
    assert mean_loss == pytest.approx(0.128708, abs=1e-6)
    # ∂L/∂b2 = mean δ2 = 0.020361;  ∂L/∂w2_j = mean δ2·a1_j
    db2 = sum(h[4] for h in hand) / 4
    assert step.gradients[1].biases == exact([db2])
    assert step.gradients[1].weights[0] == exact(
        [sum(h[4] * h[1][j] for h in hand) / 4 for j in range(2)])
    assert step.parameters[1].biases == exact([B2 - 0.5 * db2])     # −0.310180
    assert step.parameters[1].biases[0] == pytest.approx(-0.310180, abs=1e-6)


def test_xor_online_reads_rows_per_input_and_updates_per_sample():
    network = bundled_network("xor-online")
    assert network.update == "online" and network.weight_rows == "inputs"
    # written transposed in the file; held one row per neuron, the same as xor-batch
    assert network.layers[0].weights == exact(np.array(W1))
    assert network.layers[1].weights == exact(np.array([W2]))
    run = train(network, iterations=1)
    assert len(run.steps) == 4                          # one update per sample
    first = run.steps[0]
    assert first.pass_.sample_indices == [0]
    z1, a1, a2, loss, delta2 = xor_sample((0, 0), 0)
    assert first.pass_.layers[0].z[0] == exact(z1)      # = b1, both inputs are 0
    assert first.pass_.loss == exact(loss)              # 0.163950
    # both inputs 0: ∂L/∂W1 = 0, W1 unchanged; b2 = −0.3 − 0.5·0.140136 = −0.370068
    assert first.parameters[0].weights == exact(np.array(W1))
    assert first.parameters[1].biases == exact([B2 - 0.5 * delta2])
    assert first.parameters[1].biases[0] == pytest.approx(-0.370068, abs=1e-6)
    delta1 = [W2[j] * delta2 * a1[j] * (1 - a1[j]) for j in range(2)]
    assert first.parameters[0].biases == exact([B1[j] - 0.5 * delta1[j] for j in range(2)])
    # update 2 sees the weights update 1 left: a2 = 0.552733, L = 0.100024 (by hand in the file)
    second = run.steps[1]
    assert second.pass_.sample_indices == [1]
    assert second.pass_.outputs[0][0] == pytest.approx(0.552733, abs=1e-6)
    assert second.pass_.loss == pytest.approx(0.100024, abs=1e-6)
