"""Numerical stability: saturated activations and losses stay finite, correct and silent.

SPEC: sigmoid, softmax, softplus and the cross-entropies are computed in numerically
stable forms -- no overflow warning for any finite input -- and a loss of inf is reported
as such, never as nan or a crash.

The expected values come from 60-digit ``decimal`` arithmetic (exp and ln are correctly
rounded there), or from exact reasoning written beside them; every test runs with
RuntimeWarnings turned into errors.
"""

from __future__ import annotations

import math
import warnings
from contextlib import contextmanager
from decimal import Decimal, localcontext

import numpy as np
import pytest

from backcalc.activations import ACTIVATIONS
from backcalc.engine import train
from backcalc.netfile import parse_network_text


@contextmanager
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def exact(expression) -> float:
    """Evaluate ``expression(Decimal)`` with 60 significant digits, rounded to float64."""
    with localcontext() as context:
        context.prec = 60
        return float(expression(Decimal))


def d_sigmoid(z: float) -> float:
    return exact(lambda D: 1 / (1 + (-D(z)).exp()))


def d_sigmoid_prime(z: float) -> float:
    # σ′(z) = e^(−z) / (1 + e^(−z))², symmetric in z
    return exact(lambda D: (-abs(D(z))).exp() / (1 + (-abs(D(z))).exp()) ** 2)


def d_softplus(z: float) -> float:
    # ln(1 + e^z) = max(z, 0) + ln(1 + e^(−|z|))
    return exact(lambda D: max(D(z), D(0)) + (1 + (-abs(D(z))).exp()).ln())


def d_tanh_prime(z: float) -> float:
    # sech²(z) = 4e^(−2|z|) / (1 + e^(−2|z|))²
    return exact(lambda D: 4 * (-2 * abs(D(z))).exp() / (1 + (-2 * abs(D(z))).exp()) ** 2)


def same(actual, expected, rel=1e-13) -> None:
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape
    assert np.isfinite(actual).all(), actual
    np.testing.assert_allclose(actual, expected, rtol=rel, atol=0)


EXTREMES = [-1000.0, -40.0, -30.0, 0.0, 30.0, 40.0, 1000.0]


# --- activations -------------------------------------------------------------------

def test_sigmoid_at_the_extremes():
    sigmoid = ACTIVATIONS["sigmoid"]()
    z = np.array([EXTREMES])
    with no_warnings():
        a = sigmoid.forward(z)
        fprime = sigmoid.derivative(z, a)
    # σ(−1000) = e^(−1000)/(1 + e^(−1000)) ≈ 5e-435 underflows to 0;
    # σ(40) = 1 − 4.2e-18 rounds to 1; σ(−40) = 4.248354255291589e-18 keeps all its digits.
    same(a, [[d_sigmoid(v) for v in EXTREMES]])
    assert a[0, 0] == 0.0 and a[0, -1] == 1.0
    assert a[0, 1] == pytest.approx(4.248354255291589e-18, rel=1e-14)
    # σ′ without cancellation: σ′(±30) = e^(−30)/(1 + e^(−30))² = 9.357622968838423e-14
    # (60 digits; σ(30)·(1 − σ(30)) in float64 gives 9.348e-14, as 1 − σ cancels), σ′(±1000) = 0.
    # The value quoted in the brief, 9.357622968839299e-14, agrees to 1e-13.
    same(fprime, [[d_sigmoid_prime(v) for v in EXTREMES]])
    assert fprime[0, 2] == pytest.approx(9.357622968838423e-14, rel=1e-13)
    assert fprime[0, 2] == pytest.approx(9.357622968839299e-14, rel=1e-12)
    assert fprime[0, 0] == fprime[0, -1] == 0.0


def test_tanh_at_the_extremes():
    tanh = ACTIVATIONS["tanh"]()
    z = np.array([EXTREMES])
    with no_warnings():
        a = tanh.forward(z)
        fprime = tanh.derivative(z, a)
    same(a, [[math.tanh(v) for v in EXTREMES]])
    assert a[0, 0] == -1.0 and a[0, -1] == 1.0
    # tanh′(±40) = 4e^(−80)/(1 + e^(−80))² = 7.219405551381661e-35 (1 − a² would give 0)
    same(fprime, [[d_tanh_prime(v) for v in EXTREMES]])
    assert fprime[0, 1] == pytest.approx(7.219405551381661e-35, rel=1e-13)
    assert fprime[0, 0] == 0.0


def test_softplus_at_the_extremes():
    softplus = ACTIVATIONS["softplus"]()
    z = np.array([EXTREMES])
    with no_warnings():
        a = softplus.forward(z)
        fprime = softplus.derivative(z, a)
    # softplus(1000) = 1000 + ln(1 + e^(−1000)) = 1000; softplus(−40) = ln(1 + e^(−40))
    # = 4.248354255291589e-18 (log of 1 + tiny: computed as log1p, not log(1.0) = 0)
    same(a[0, 1:], [d_softplus(v) for v in EXTREMES[1:]])
    assert a[0, 0] == 0.0                      # ln(1 + 5e-435)
    assert a[0, -1] == 1000.0
    assert a[0, 1] == pytest.approx(4.248354255291589e-18, rel=1e-14)
    # softplus′ = σ
    same(fprime, [[d_sigmoid(v) for v in EXTREMES]])


def test_softmax_at_the_extremes():
    softmax = ACTIVATIONS["softmax"]()
    z = np.array([[1000.0, 0.0, -1000.0],
                  [1000.0, 1000.0, -1000.0],
                  [-1000.0, -1000.0, -1000.0],
                  [40.0, 0.0, -40.0]])
    with no_warnings():
        a = softmax.forward(z)
        delta = softmax.backward(z, a, np.array([[1.0, -2.0, 0.5]] * 4), None)
    e40 = exact(lambda D: D(-40).exp())
    total = 1 + e40 + e40 * e40
    same(a[:3], [[1, 0, 0], [0.5, 0.5, 0], [1 / 3, 1 / 3, 1 / 3]], rel=1e-15)
    same(a[3], [1 / total, e40 / total, e40 * e40 / total])
    assert np.isfinite(delta).all()
    # δ_i = a_i (g_i − Σ a_j g_j): row 2, a = (½, ½, 0), Σ = −½ → (¾, −¾, 0)
    same(delta[1], [0.75, -0.75, 0.0], rel=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_is_silent_and_finite_at_the_extremes(name):
    activation = ACTIVATIONS[name]()
    z = np.array([EXTREMES])
    with no_warnings():
        a = activation.forward(z)
        fprime = activation.derivative(z, a)
        delta = activation.backward(z, a, np.ones_like(z), fprime)
    assert np.isfinite(a).all()
    assert np.isfinite(delta).all()
    if fprime is not None:
        assert np.isfinite(fprime).all()


def test_elu_saturates_at_minus_alpha():
    elu = ACTIVATIONS["elu"](alpha=0.5)
    z = np.array([[-1000.0, -40.0]])
    with no_warnings():
        a = elu.forward(z)
        fprime = elu.derivative(z, a)
    # α(e^z − 1): −0.5 (e^(−1000) = 0), α(e^(−40) − 1) = −0.5 + 2.1e-18 → −0.5 in float64
    assert a.tolist() == [[-0.5, -0.5]]
    # α e^z: 0 and 0.5 e^(−40)
    same(fprime, [[0.0, 0.5 * exact(lambda D: D(-40).exp())]])


# --- losses through the engine ------------------------------------------------------

def single(activation: str, loss: str, z, y) -> str:
    """One layer whose z equals the input: W = I, b = 0."""
    z = [float(v) for v in np.atleast_1d(z)]
    y = [float(v) for v in np.atleast_1d(y)]
    weights = np.eye(len(z)).tolist() if len(z) > 1 else 1.0
    return (f"input: {z}\ntarget: {y}\n"
            f"loss: {loss}\nlearning_rate: 0.1\n"
            f"layers: [{{activation: {activation}, weights: {weights}, biases: 0}}]\n")


def run_silently(text: str, iterations: int = 1):
    with no_warnings():
        return train(parse_network_text(text), iterations=iterations)


# BCE of a sigmoid output, written from z: L = y·softplus(−z) + (1 − y)·softplus(z), δ = a − y.
#   z = 40, y = 0:    L = softplus(40) = 40 + ln(1 + e^(−40)) = 40.000000000000000004
#                       → 40.0 (not inf)
#   z = 1000, y = 0:  L = 1000;  z = −1000, y = 1:  L = 1000
#   z = 40, y = 1:    L = ln(1 + e^(−40)) = 4.248354255291589e-18 (not 0)
#   z = 1000, y = 0.3: L = 0.3·softplus(−1000) + 0.7·softplus(1000) = 700
BCE_CASES = [
    (40.0, 0.0), (1000.0, 0.0), (-1000.0, 1.0), (40.0, 1.0), (-40.0, 0.0), (-40.0, 1.0),
    (1000.0, 0.3), (-1000.0, 0.3), (30.0, 0.5),
]


@pytest.mark.parametrize("z, y", BCE_CASES)
def test_sigmoid_binary_cross_entropy_saturated(z, y):
    run = run_silently(single("sigmoid", "binary_cross_entropy", z, y))
    step = run.steps[0]
    expected = y * d_softplus(-z) + (1 - y) * d_softplus(z)
    assert step.loss == pytest.approx(expected, rel=1e-13)
    assert math.isfinite(step.loss)
    output = step.pass_.layers[0]
    # δ = σ(z) − y, up to float64's absolute resolution near 1 (σ(40) − 1 = −4e-18 → 0)
    assert np.isfinite(output.delta).all()
    np.testing.assert_allclose(output.delta, [[d_sigmoid(z) - y]], rtol=1e-13, atol=1e-15)
    assert not np.isnan(output.dL_da).any()
    assert math.isfinite(run.final.loss)


def test_bce_z40_y0_is_40_plus_log1p():
    step = run_silently(single("sigmoid", "bce", 40.0, 0.0)).steps[0]
    assert step.loss == 40 + math.log1p(math.exp(-40))
    # ∂L/∂a = 1/(1 − a) = 1/σ(−40) = 1 + e^40: large but finite, from σ(−z) rather than 1 − a
    assert step.pass_.layers[0].dL_da[0, 0] == pytest.approx(1 + math.exp(40), rel=1e-13)


# Softmax with cross-entropy by log-sum-exp: L = −Σ y_i (z_i − max z − ln Σ e^(z_j − max z)).
#   z = (1000, 0, −1000): y = (0, 1, 0) → 1000;  y = (0, 0, 1) → 2000;  y = (1, 0, 0) → ~1e-435 → 0
#   z = (40, 0): y = (0, 1) → 40 + ln(1 + e^(−40))
#   δ = a·Σy − y
SOFTMAX_CE_CASES = [
    ([1000.0, 0.0, -1000.0], [0.0, 1.0, 0.0], 1000.0),
    ([1000.0, 0.0, -1000.0], [0.0, 0.0, 1.0], 2000.0),
    ([1000.0, 0.0, -1000.0], [1.0, 0.0, 0.0], 0.0),
    ([1000.0, 0.0, -1000.0], [0.2, 0.3, 0.5], 0.3 * 1000 + 0.5 * 2000),
    ([40.0, 0.0], [0.0, 1.0], 40 + math.log1p(math.exp(-40))),
    ([-1000.0, -1000.0], [0.5, 0.5], math.log(2)),
]


@pytest.mark.parametrize("z, y, expected", SOFTMAX_CE_CASES)
def test_softmax_cross_entropy_saturated(z, y, expected):
    run = run_silently(single("softmax", "cross_entropy", z, y))
    step = run.steps[0]
    assert step.loss == pytest.approx(expected, rel=1e-13, abs=1e-300)
    output = step.pass_.layers[0]
    a = output.a[0]
    assert np.isfinite(output.delta).all()
    np.testing.assert_allclose(output.delta[0], a * sum(y) - np.array(y), rtol=1e-13, atol=1e-300)
    assert not np.isnan(output.dL_da).any()
    assert not math.isnan(run.final.loss)


# A loss that is truly infinite: a ReLU output gives a = 0 where y = 1, so
# −y ln a = −ln 0 = +inf.  It must be reported as inf -- not nan, no warning.

def test_truly_infinite_loss_is_inf():
    run = run_silently(single("relu", "cross_entropy", -1.0, 1.0))
    step = run.steps[0]
    assert step.loss == math.inf
    assert step.pass_.losses.tolist() == [math.inf]
    assert step.pass_.layers[0].a.tolist() == [[0.0]]


@pytest.mark.parametrize("loss", ["cross_entropy", "binary_cross_entropy"])
def test_no_nan_after_an_infinite_loss(loss):
    # The loss is +inf, ∂L/∂a = −y/a = −inf, but ReLU′(−1) = 0: the engine must not turn
    # −inf·0 into nan (softmax's backward already treats that product as 0).  With δ = 0
    # nothing moves, and the loss after the update is still inf -- never nan.
    run = run_silently(single("relu", loss, -1.0, 1.0))
    step = run.steps[0]
    assert step.loss == math.inf
    assert not np.isnan(step.pass_.layers[0].delta).any(), step.pass_.layers[0].delta
    assert not np.isnan(step.gradients[0].weights).any()
    assert not np.isnan(step.parameters[0].weights).any()
    assert not math.isnan(run.final.loss)
    assert run.final.loss == math.inf


# Cross-entropy of a sigmoid output (allowed: targets in [0, 1]) is finite for every
# finite z: −y ln σ(z) = y·softplus(−z).  z = −40: 40 + ln(1 + e^(−40)) = 40.0;
# z = −1000: 1000 (σ(−1000) underflows to 0, so ln a must not be taken from a).
# δ = −y(1 − σ(z)) = −y σ(−z) = −1 for y = 1.

@pytest.mark.parametrize("z", [-40.0, -1000.0])
def test_sigmoid_cross_entropy_saturated_is_finite(z):
    run = run_silently(single("sigmoid", "cross_entropy", z, 1.0))
    step = run.steps[0]
    assert step.loss == pytest.approx(d_softplus(-z), rel=1e-13)
    assert step.pass_.layers[0].delta[0, 0] == pytest.approx(-d_sigmoid(-z), rel=1e-13)
    assert not math.isnan(run.final.loss)


# Squared error of a huge output: ½(1e200)² = 5e399 overflows float64, so the loss is
# inf -- reported as such, with no overflow warning leaking out.

@pytest.mark.parametrize("loss", ["half_squared_error", "squared_error", "mean_squared_error"])
def test_squared_error_overflow_is_inf_without_warning(loss):
    run = run_silently(single("linear", loss, 1e200, 0.0))
    assert run.steps[0].loss == math.inf
    assert not math.isnan(run.steps[0].loss)


def test_saturated_sigmoid_network_trains_without_warnings():
    # A two-layer sigmoid network driven far into saturation for 5 iterations:
    # every value stays finite and the run is silent.
    text = """
input: [30, -30]
target: [0.0, 1.0]
loss: binary_cross_entropy
learning_rate: 0.5
layers:
  - activation: sigmoid
    weights: [[40, 0], [0, 40]]
    biases: [0, 0]
  - activation: sigmoid
    weights: [[50, -50], [-50, 50]]
    biases: [0, 0]
"""
    run = run_silently(text, iterations=5)
    for step in run.steps:
        assert math.isfinite(step.loss)
        for trace in step.pass_.layers:
            for values in (trace.z, trace.a, trace.delta, trace.fprime):
                assert np.isfinite(values).all()
        for g in step.gradients:
            assert np.isfinite(g.weights).all() and np.isfinite(g.biases).all()
    # z_o = (50 − 50·0, …) = (50, −50) in iteration 1: L = softplus(50) + softplus(50)
    assert run.steps[0].loss == pytest.approx(2 * d_softplus(50.0), rel=1e-13)


# --- outputs that underflow: softplus below z ≈ −708 ------------------------------------
# softplus(z) = ln(1 + e^z) ≈ e^z is below the smallest normal float64 (2.2e-308) for
# z < −708.4 and rounds to 0 below −745: a loss taking ln a (cross-entropy, binary
# cross-entropy) got inf from a = 0, and δ = ∂L/∂a·f′(z) became −inf·0 → 0 (z = −800) or
# −inf (z = −720, then the update diverged).  Where a underflowed, ln a and f′(z)/a are
# taken from z; the true δ = −y·σ(z)/softplus(z) is about −y.  ∂L/∂a = −y/a = −e^800 and
# f′ = σ(−800) = e^−800 stay what float64 makes of them (−inf and 0).

def d_softplus_tiny_safe(D, z):
    """ln(1 + e^z) in Decimal: by its series u − u²/2 + u³/3 where u = e^z < 1e-30
    (1 + u would round to 1 at 60 digits), else directly."""
    u = D(z).exp()
    return u - u * u / 2 + u ** 3 / 3 if u < D("1e-30") else (1 + u).ln()


def d_log_softplus(z: float) -> float:
    return exact(lambda D: d_softplus_tiny_safe(D, z).ln())


def d_softplus_delta(loss: str, z: float, y: float) -> float:
    """δ = ∂L/∂a·σ(z) with a = softplus(z), 60 digits."""
    def delta(D):
        a, s, y_ = d_softplus_tiny_safe(D, z), 1 / (1 + (-D(z)).exp()), D(y)
        dL_da = -y_ / a + ((1 - y_) / (1 - a) if loss == "binary_cross_entropy" else 0)
        return dL_da * s
    return exact(delta)


def d_softplus_loss(loss: str, z: float, y: float) -> float:
    def value(D):
        a, y_ = d_softplus_tiny_safe(D, z), D(y)
        rest = (1 - y_) * (1 - a).ln() if loss == "binary_cross_entropy" and y != 1 else 0
        return -(y_ * a.ln() + rest)
    return exact(value)


@pytest.mark.parametrize("z", [-1000.0, -800.0, -745.0, -720.0, -709.0, -700.0, -40.0,
                               -30.5, -29.5, -5.0, 2.0, 30.0])
def test_log_softplus_from_z(z):
    from backcalc.activations import log_softplus
    with no_warnings():
        value = log_softplus(np.array([[z]]))
    same(value, [[d_log_softplus(z)]])
    # e.g. ln softplus(−800) = −800 − e^(−800)/2 = −800 in float64
    if z <= -709:
        assert value[0, 0] == z


SOFTPLUS_UNDERFLOW_CASES = [
    (loss, z, y)
    for loss in ("cross_entropy", "binary_cross_entropy")
    for z in (-700.0, -709.0, -720.0, -740.0, -745.0, -800.0, -1000.0)
    for y in (1.0, 0.3)
]


@pytest.mark.parametrize("loss, z, y", SOFTPLUS_UNDERFLOW_CASES)
def test_softplus_output_whose_a_underflows(loss, z, y):
    run = run_silently(single("softplus", loss, z, y))
    step = run.steps[0]
    output = step.pass_.layers[0]
    assert step.loss == pytest.approx(d_softplus_loss(loss, z, y), rel=1e-13)
    same(output.delta, [[d_softplus_delta(loss, z, y)]])
    assert not step.diverged                   # W ← 1 − 0.1·δ·z, b ← −0.1·δ: finite
    same(step.parameters[0].weights, [[1 - 0.1 * d_softplus_delta(loss, z, y) * z]])


def test_softplus_cross_entropy_at_minus_800_is_about_minus_one():
    """The case of the report: δ was 0 and the loss inf."""
    step = run_silently(single("softplus", "cross_entropy", -800.0, 1.0)).steps[0]
    output = step.pass_.layers[0]
    assert output.a.tolist() == [[0.0]]                  # e^(−800) rounds to 0
    assert step.loss == 800.0                            # −ln softplus(−800) = 800 + e^(−800)/2
    assert output.delta.tolist() == [[-1.0]]             # −σ(z)/softplus(z) = −(1 − e^(−800)/2)
    assert output.dL_da.tolist() == [[-math.inf]]        # −1/a = −e^800: beyond float64
    assert output.fprime.tolist() == [[0.0]]             # σ(−800) = e^(−800) rounds to 0


def test_softplus_above_the_underflow_is_computed_from_a_as_before():
    """At z = −700 (a = 9.9e-305, a normal float64) nothing is taken from z: the loss and δ
    are −y·ln a and (−y/a)·σ(z) exactly as float64 computes them from a."""
    z = np.array([[-700.0]])
    step = run_silently(single("softplus", "cross_entropy", -700.0, 1.0)).steps[0]
    a = ACTIVATIONS["softplus"]().forward(z)
    assert step.loss == float(-np.log(a)[0, 0])
    assert step.pass_.layers[0].delta.tolist() == ((-1.0 / a) * sigmoid_of(z)).tolist()


def sigmoid_of(z):
    from backcalc.activations import sigmoid
    return sigmoid(z)


def test_rounded_softplus_output_is_worked_from_its_rounded_a():
    """With round_intermediates a hand calculation works from its rounded a: a = 0 gives
    −ln 0 = inf, as written, nothing is taken from z."""
    text = single("softplus", "cross_entropy", -800.0, 1.0) + "round_intermediates: 4\n"
    step = run_silently(text).steps[0]
    assert step.loss == math.inf
