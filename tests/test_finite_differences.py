"""Central finite differences as the oracle for every gradient the engine reports.

For a parameter θ, ∂L/∂θ ≈ (L(θ + h) − L(θ − h)) / 2h with h = 1e-6, where L is the
reduced loss of the pass (``Engine.run_pass(params, indices).loss``).  The error of
the difference quotient is about h²·L‴ (≈ 1e-12) plus rounding ε·L/h (≈ 1e-10), so
analytic and numeric values must agree within 1e-8 + 1e-6·|value|.

What is checked, all at seeded random points kept at least 1e-3 away from the kinks
of ReLU, leaky ReLU and ELU:

* every weight and bias gradient (a shared bias is one parameter: all its entries
  move together);
* δ of every layer: with one sample, δ_j = ∂L/∂z_j = ∂L/∂b_j;
* ∂L/∂a of every hidden layer, by feeding that layer's activations into the rest of
  the network as its input and perturbing them; ∂L/∂a of the output layer by
  perturbing a in the loss formula written out below; ∂L/∂x (= δ₁W₁) by perturbing
  the network's input;
* f′(z) of every activation against differences of its forward function, and
  softmax's vector-Jacobian product against its full numerical Jacobian.
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import pytest

from backcalc.activations import ACTIVATIONS
from backcalc.engine import Engine, train
from backcalc.losses import LOSSES
from backcalc.netfile import parse_network_text
from backcalc.network import Params

from network_builders import (
    away_from_kinks,
    dumps,
    layer,
    network_text,
    random_222,
    valid_output,
    zs_of,
)

H = 1e-6
RTOL = 1e-6
ATOL = 1e-8

# The losses written out independently of backcalc.losses (one sample; a, y vectors).
LOSS_FORMULAS = {
    "half_squared_error": lambda a, y: 0.5 * np.sum((y - a) ** 2),
    "squared_error": lambda a, y: np.sum((y - a) ** 2),
    "mean_squared_error": lambda a, y: np.sum((y - a) ** 2) / a.size,
    "binary_cross_entropy": lambda a, y: -np.sum(y * np.log(a) + (1 - y) * np.log(1 - a)),
    "cross_entropy": lambda a, y: -np.sum(y * np.log(a)),
}


def close(analytic, numeric, what: str) -> None:
    analytic = np.asarray(analytic, dtype=float)
    numeric = np.asarray(numeric, dtype=float)
    assert analytic.shape == numeric.shape, (what, analytic.shape, numeric.shape)
    bad = np.abs(analytic - numeric) > ATOL + RTOL * np.abs(numeric)
    assert not bad.any(), (f"{what}: analytic {analytic.tolist()} vs finite differences "
                           f"{numeric.tolist()}")


def central(f, x: float) -> float:
    return (f(x + H) - f(x - H)) / (2 * H)


# --- numerical gradients ----------------------------------------------------------

def with_entry(params, layer_index, kind, index, delta, shared=False):
    new = []
    for l, p in enumerate(params):
        w, b = p.weights.copy(), p.biases.copy()
        if l == layer_index:
            target = w if kind == "weights" else b
            if shared:
                target += delta
            else:
                target[index] += delta
        new.append(Params(w, b))
    return new


def numerical_gradients(engine, params, indices, shared_bias) -> list[Params]:
    def loss(ps):
        return engine.run_pass(ps, indices).loss
    grads = []
    for l, p in enumerate(params):
        dW = np.zeros_like(p.weights)
        for idx in np.ndindex(p.weights.shape):
            dW[idx] = (loss(with_entry(params, l, "weights", idx, H))
                       - loss(with_entry(params, l, "weights", idx, -H))) / (2 * H)
        db = np.zeros_like(p.biases)
        if shared_bias[l]:
            db[:] = (loss(with_entry(params, l, "biases", None, H, shared=True))
                     - loss(with_entry(params, l, "biases", None, -H, shared=True))) / (2 * H)
        else:
            for idx in np.ndindex(p.biases.shape):
                db[idx] = (loss(with_entry(params, l, "biases", idx, H))
                           - loss(with_entry(params, l, "biases", idx, -H))) / (2 * H)
        grads.append(Params(dW, db))
    return grads


def check_gradients(network, params=None, indices=None, analytic=None) -> None:
    engine = Engine(network)
    params = network.params if params is None else params
    indices = list(range(len(network.samples))) if indices is None else indices
    if analytic is None:
        analytic = engine.gradients(params, engine.run_pass(params, indices))
    numeric = numerical_gradients(engine, params, indices,
                                  [spec.shared_bias for spec in network.layers])
    for l, (a, n) in enumerate(zip(analytic, numeric)):
        close(a.weights, n.weights, f"∂L/∂W{l + 1}")
        close(a.biases, n.biases, f"∂L/∂b{l + 1}")


# =============================================================================
# (a) every activation × every loss, on a 2-3-2 network
# =============================================================================

def seed_of(*names) -> int:
    return zlib.crc32("/".join(names).encode())


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_every_activation_with_every_loss(activation, loss):
    # softmax is for the output layer only: its hidden layer is tanh.  An output
    # activation whose values the loss is undefined for (e.g. linear with a
    # cross-entropy) is tested on the hidden layer, with a sigmoid output.
    hidden = "tanh" if ACTIVATIONS[activation].output_only else activation
    output = activation if valid_output(activation, loss) else "sigmoid"
    network, text = random_222(hidden, output, loss, seed_of(activation, loss))
    engine = Engine(network)
    params = network.params
    p = engine.run_pass(params, [0])

    # the loss itself, by the formula written out above
    assert p.loss == pytest.approx(
        LOSS_FORMULAS[LOSSES[loss].name](p.outputs[0], p.targets[0]), rel=1e-12, abs=1e-15)

    # every weight and bias gradient
    check_gradients(network)

    # δ of every layer = ∂L/∂b with one sample
    numeric = numerical_gradients(engine, params, [0], [False, False])
    for l, trace in enumerate(p.layers):
        close(trace.delta[0], numeric[l].biases, f"δ{l + 1}")

    # ∂L/∂a of the output layer, by the loss formula
    formula = LOSS_FORMULAS[LOSSES[loss].name]
    a, y = p.outputs[0], p.targets[0]
    dL_da = [central(lambda v, j=j: formula(np.where(np.arange(a.size) == j, v, a), y), a[j])
             for j in range(a.size)]
    close(p.layers[-1].dL_da[0], dL_da, "∂L/∂a (output)")

    # ∂L/∂a of the hidden layer: the output layer alone, fed the hidden activations
    check_hidden_dL_da(network, p, 0)

    # ∂L/∂x = δ₁ W₁, by perturbing the input
    close(p.layers[0].delta[0] @ params[0].weights, input_gradient(text, 0), "∂L/∂x")


def test_softmax_cross_entropy_targets_not_summing_to_one():
    # With Σy ≠ 1, δ = a·Σy − y (not a − y); finite differences decide.
    for targets in ([0.3, 0.8], [0.0, 0.4], [1.0, 1.0]):
        network, text = random_222("tanh", "softmax", "cross_entropy", 7, targets=targets)
        engine = Engine(network)
        p = engine.run_pass(network.params, [0])
        check_gradients(network)
        numeric = numerical_gradients(engine, network.params, [0], [False, False])
        close(p.layers[-1].delta[0], numeric[-1].biases, f"δ2 with targets {targets}")
        assert p.loss == pytest.approx(-np.sum(p.targets[0] * np.log(p.outputs[0])), rel=1e-12)


def check_hidden_dL_da(network, p, sample) -> None:
    """∂L/∂a of each hidden layer l, from the sub-network of layers l+1.. fed a_l."""
    source = json.loads(network_json(network))
    for l in range(len(network.layers) - 1):
        a_l = p.layers[l].a[sample]
        rest = dict(source, layers=source["layers"][l + 1:])
        rest.pop("samples", None)
        rest["target"] = p.targets[sample].tolist()
        numeric = []
        for j in range(a_l.size):
            plus, minus = a_l.copy(), a_l.copy()
            plus[j] += H
            minus[j] -= H
            numeric.append((sub_network_loss(rest, plus) - sub_network_loss(rest, minus))
                           / (2 * H))
        close(p.layers[l].dL_da[sample], numeric, f"∂L/∂a{l + 1}")


def sub_network_loss(doc: dict, vector) -> float:
    """The loss of the network file ``doc`` fed ``vector`` as its input."""
    doc["input"] = list(map(float, vector))
    sub = parse_network_text(dumps(doc))
    return Engine(sub).run_pass(sub.params, [0]).loss


def network_json(network) -> str:
    """The network's layers as a file (neuron orientation), for building sub-networks."""
    layers = []
    for spec in network.layers:
        options = spec.activation.options
        activation = {"name": spec.activation.name,
                      **({"alpha": options["alpha"]} if "alpha" in options else {})}
        entry = layer(activation, spec.weights, spec.biases[0] if spec.shared_bias else spec.biases)
        if spec.shared_bias:
            entry["shared_bias"] = True
        layers.append(entry)
    doc = {"loss": network.loss.name, "learning_rate": network.learning_rate, "layers": layers,
           "relu_derivative_at_zero": network.relu_derivative_at_zero}
    return dumps(doc)


def input_gradient(text: str, sample: int) -> list[float]:
    doc = json.loads(text)
    x = list(doc["input"] if "input" in doc else doc["samples"][sample]["input"])

    def loss_at(vector):
        d = json.loads(text)
        if "input" in d:
            d["input"] = vector
        else:
            d["samples"][sample]["input"] = vector
        net = parse_network_text(dumps(d))
        return Engine(net).run_pass(net.params, [sample]).loss
    out = []
    for j in range(len(x)):
        plus, minus = list(x), list(x)
        plus[j] += H
        minus[j] -= H
        out.append((loss_at(plus) - loss_at(minus)) / (2 * H))
    return out


# --- f′ of every activation ----------------------------------------------------------

Z_POINTS = np.array([[-3.0, -1.2, -0.4, -0.01, 0.01, 0.3, 1.7, 4.0]])


ACTIVATION_CASES = [
    pytest.param(name, options, id=f"{name}-{label}")
    for name in sorted(ACTIVATIONS)
    for label, options in [("default", {}), ("alpha0.3", {"alpha": 0.3}),
                           ("alpha2.5", {"alpha": 2.5})]
    if not options or "alpha" in ACTIVATIONS[name].parameters
]


@pytest.mark.parametrize("name, options", ACTIVATION_CASES)
def test_activation_derivative(name, options):
    cls = ACTIVATIONS[name]
    activation = cls(**options)
    z = Z_POINTS
    a = activation.forward(z)
    if cls.output_only:
        # softmax: δ = Jᵀg against the full numerical Jacobian, for a few g
        rng = np.random.default_rng(3)
        z = rng.uniform(-2, 2, (1, 4))
        a = activation.forward(z)
        jac = np.zeros((4, 4))          # jac[i, j] = ∂a_j/∂z_i
        for i in range(4):
            dz = np.zeros((1, 4))
            dz[0, i] = H
            jac[i] = ((activation.forward(z + dz) - activation.forward(z - dz)) / (2 * H))[0]
        for _ in range(3):
            g = rng.uniform(-3, 3, (1, 4))
            close(activation.backward(z, a, g, activation.derivative(z, a))[0], jac @ g[0],
                  "softmax Jᵀg")
        return
    numeric = (activation.forward(z + H) - activation.forward(z - H)) / (2 * H)
    close(activation.derivative(z, a), numeric, f"{name}′")
    close(activation.hand_derivative(z, a), numeric, f"{name}′ (hand form)")


# =============================================================================
# (b) whole networks under every option
# =============================================================================

def random_layers(sizes, activations, rng, shared=()):
    out = []
    for l, (n_in, n_out, act) in enumerate(zip(sizes[:-1], sizes[1:], activations)):
        if l in shared:
            out.append(layer(act, rng.uniform(-1, 1, (n_out, n_in)), rng.uniform(-0.5, 0.5),
                             shared_bias=True))
        else:
            out.append(layer(act, rng.uniform(-1, 1, (n_out, n_in)),
                             rng.uniform(-0.5, 0.5, n_out)))
    return out


def random_samples(n, n_in, targets, rng):
    return [(rng.uniform(-1, 1, n_in).round(4).tolist(), targets(rng)) for _ in range(n)]


def build(sizes, activations, loss, targets, seed, n_samples=3, shared=(), accept=None,
          **options):
    for attempt in range(100):
        rng = np.random.default_rng(seed + attempt)
        layers = random_layers(sizes, activations, rng, shared)
        samples = random_samples(n_samples, sizes[0], targets, rng)
        text = network_text(layers, samples, loss, **options)
        network = parse_network_text(text)
        if away_from_kinks(network) and (accept is None or accept(network)):
            return network, text
    raise AssertionError("no point away from the kinks")  # pragma: no cover


def negative_z_in_every_layer(network) -> bool:
    zs = zs_of(network, network.params, [s.input for s in network.samples])
    return all((z < 0).any() for z in zs)


def regression(rng):
    return rng.uniform(-1, 1, 2).round(3).tolist()


def probabilities(rng):
    p = rng.dirichlet([1, 1, 1])
    return [float(p[0]), float(p[1]), float(1 - p[0] - p[1])]


def bernoulli(rng):
    return rng.uniform(0, 1, 2).round(3).tolist()


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_reduction_three_samples(reduction):
    network, _ = build([2, 3, 2], ["sigmoid", "linear"], "half_squared_error", regression, 11,
                       reduction=reduction)
    check_gradients(network)
    # the reduced loss is the mean / sum of the per-sample losses (formula above)
    p = Engine(network).run_pass(network.params, [0, 1, 2])
    per_sample = [LOSS_FORMULAS["half_squared_error"](p.outputs[i], p.targets[i])
                  for i in range(3)]
    total = sum(per_sample)
    assert p.loss == pytest.approx(total / 3 if reduction == "mean" else total, rel=1e-12)
    np.testing.assert_allclose(p.losses, per_sample, rtol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_each_samples_delta_is_its_own(reduction):
    # δ in the trace is ∂(that sample's loss)/∂z: check it sample by sample.
    network, _ = build([2, 3, 2], ["tanh", "sigmoid"], "binary_cross_entropy", bernoulli, 12,
                       reduction=reduction)
    engine = Engine(network)
    batch = engine.run_pass(network.params, [0, 1, 2])
    for i in range(3):
        numeric = numerical_gradients(engine, network.params, [i], [False, False])
        for l, trace in enumerate(batch.layers):
            close(trace.delta[i], numeric[l].biases, f"sample {i + 1} δ{l + 1}")


@pytest.mark.parametrize("shared", [(0,), (1,), (0, 1)], ids=["hidden", "output", "both"])
def test_shared_bias(shared):
    network, _ = build([2, 3, 2], ["tanh", "sigmoid"], "squared_error", bernoulli, 21,
                       shared=shared)
    assert [network.layers[l].shared_bias for l in range(2)] == [0 in shared, 1 in shared]
    check_gradients(network)


def test_weight_rows_inputs():
    network, text = build([2, 3, 2], ["elu", "softmax"], "cross_entropy", lambda r: [0.2, 0.8],
                          31)
    doc = json.loads(text)
    for entry in doc["layers"]:
        entry["weights"] = np.array(entry["weights"]).T.tolist()
    doc["weight_rows"] = "inputs"
    transposed = parse_network_text(dumps(doc))
    for a, b in zip(network.params, transposed.params):
        np.testing.assert_array_equal(a.weights, b.weights)
    check_gradients(transposed)


@pytest.mark.parametrize("activation", [{"name": "leaky_relu", "alpha": 0.2},
                                        {"name": "leaky_relu", "alpha": 1.7},
                                        {"name": "elu", "alpha": 0.7},
                                        {"name": "elu", "alpha": 3.0}],
                         ids=["leaky0.2", "leaky1.7", "elu0.7", "elu3.0"])
def test_custom_alpha(activation):
    # some z of every layer negative, so that α matters
    network, _ = build([2, 4, 2], [activation, activation], "mean_squared_error", regression,
                       41, n_samples=3, accept=negative_z_in_every_layer)
    alphas = [spec.activation.options["alpha"] for spec in network.layers]
    assert alphas == [activation["alpha"]] * 2
    check_gradients(network)


def test_three_hidden_layers():
    network, text = build([3, 4, 3, 4, 3], ["tanh", "softplus", {"name": "elu", "alpha": 0.5},
                                            "softmax"],
                          "cross_entropy", probabilities, 51, n_samples=2)
    check_gradients(network)
    engine = Engine(network)
    p = engine.run_pass(network.params, [0])
    numeric = numerical_gradients(engine, network.params, [0], [False] * 4)
    for l, trace in enumerate(p.layers):
        close(trace.delta[0], numeric[l].biases, f"δ{l + 1}")
    check_hidden_dL_da(network, p, 0)


def test_deep_relu_sigmoid_bce():
    network, _ = build([2, 3, 3, 3, 2], ["relu", "leaky_relu", "sigmoid", "sigmoid"],
                       "bce", bernoulli, 61, reduction="sum")
    check_gradients(network)


@pytest.mark.parametrize("loss", ["half_sse", "ce"])
def test_softmax_output_with_hidden_sigmoid(loss):
    network, _ = build([2, 3, 3], ["sigmoid", "softmax"], loss, probabilities, 71)
    check_gradients(network)


def test_online_updates_use_each_samples_gradient_at_the_current_parameters():
    network, _ = build([2, 3, 2], ["tanh", "linear"], "half_squared_error", regression, 81,
                       update="online")
    run = train(network, iterations=2)
    assert len(run.steps) == 6
    for step in run.steps:
        check_gradients(network, params=step.before, indices=step.pass_.sample_indices,
                        analytic=step.gradients)


@pytest.mark.parametrize("options", [{"momentum": 0.9}, {"optimizer": "adam"},
                                     {"update_biases": False},
                                     {"optimizer": {"name": "adam", "beta1": 0.5}}],
                         ids=["momentum", "adam", "frozen-biases", "adam-beta1"])
def test_gradients_at_later_iterations(options):
    # The optimizer changes the path, never the gradient at a given point.
    network, _ = build([2, 3, 2], ["sigmoid", "sigmoid"], "half_squared_error", bernoulli, 91,
                       **options)
    run = train(network, iterations=3)
    for step in run.steps:
        check_gradients(network, params=step.before, analytic=step.gradients)
