"""Network files built from plain Python values, and random 2-3-2 networks at seeded points.

Shared by the finite-difference tests (tests/test_finite_differences.py) and the worked
calculation's tests (tests/test_worked.py).  Random points are kept at least ``KINK`` away
from z = 0 in every ReLU, leaky ReLU and ELU layer, where the derivative jumps.
"""

from __future__ import annotations

import json
import re

import numpy as np

from backcalc.activations import ACTIVATIONS
from backcalc.losses import LOSSES
from backcalc.netfile import parse_network_text

KINK = 1e-3          # stay this far from z = 0 for piecewise activations
PIECEWISE = {"relu", "leaky_relu", "elu"}


# --- building networks ------------------------------------------------------------

def dumps(doc) -> str:
    """JSON (which is YAML), with every exponent written with a decimal point (1.0e-06),
    the form every YAML 1.1 reader takes as a float (a plain 1e-06 is text to YAML 1.1)."""
    return re.sub(r"(?<![\w.])(-?\d+)([eE][-+]?\d+)", r"\1.0\2", json.dumps(doc))


def network_text(layers, samples, loss, **options) -> str:
    """A network file (JSON is YAML) from plain Python values."""
    doc = {"loss": loss, "learning_rate": 0.1, "layers": layers}
    if len(samples) == 1:
        doc["input"], doc["target"] = samples[0]
    else:
        doc["samples"] = [{"input": x, "target": y} for x, y in samples]
    doc.update(options)
    return dumps(doc)


def layer(activation, weights, biases, **extra):
    return {"activation": activation, "weights": np.asarray(weights).tolist(),
            "biases": np.asarray(biases).tolist() if np.ndim(biases) else float(biases),
            **extra}


def zs_of(network, params, inputs) -> list[np.ndarray]:
    """Pre-activations by a plain forward pass (only used to keep away from kinks)."""
    out, a = [], np.asarray(inputs, float)
    for p, spec in zip(params, network.layers):
        z = a @ p.weights.T + p.biases
        out.append(z)
        a = spec.activation.forward(z)
    return out


def away_from_kinks(network) -> bool:
    params = network.params
    inputs = np.array([s.input for s in network.samples])
    for z, spec in zip(zs_of(network, params, inputs), network.layers):
        if spec.activation.name in PIECEWISE and np.abs(z).min() < KINK:
            return False
    return True


# --- a random 2-3-2 network for an activation and a loss ----------------------------

def valid_output(activation: str, loss: str) -> bool:
    """Whether `activation` on the output layer gives outputs the loss is finite for."""
    name = ACTIVATIONS[activation].name
    canonical = LOSSES[loss].name
    if canonical == "binary_cross_entropy":
        return name in ("sigmoid", "softmax")                  # a in (0, 1)
    if canonical == "cross_entropy":
        return name in ("sigmoid", "softmax", "softplus")      # a > 0
    return True


def targets_for(loss: str, output: str, rng) -> list[float]:
    canonical = LOSSES[loss].name
    if canonical == "cross_entropy" and ACTIVATIONS[output].name == "softmax":
        return [0.3, 0.7]                                       # sums to 1
    if canonical in ("binary_cross_entropy", "cross_entropy"):
        return [0.3, 0.8]                                       # in [0, 1]
    return rng.uniform(-1, 1, 2).round(3).tolist()


def random_222(hidden: str, output: str, loss: str, seed: int, targets=None, **options):
    """A 2-3-2 network at a seeded random point, away from every kink."""
    for attempt in range(100):
        rng = np.random.default_rng(seed + attempt)
        x = rng.uniform(-1, 1, 2).round(4).tolist()
        y = targets if targets is not None else targets_for(loss, output, rng)
        text = network_text(
            [layer(hidden, rng.uniform(-1, 1, (3, 2)), rng.uniform(-0.5, 0.5, 3)),
             layer(output, rng.uniform(-1, 1, (2, 3)), rng.uniform(-0.5, 0.5, 2))],
            [(x, y)], loss, **options)
        network = parse_network_text(text)
        if away_from_kinks(network):
            return network, text
    raise AssertionError("no point away from the kinks")  # pragma: no cover


def central_differences(params: list, loss_of, h: float = 1e-6) -> list:
    """(L(θ + h) − L(θ − h)) / 2h for every weight and bias of ``params`` (a list of
    (weights, biases) per layer), as arrays shaped like them: ``loss_of(params)`` is the
    loss at moved parameters (an independent hand loop, not backcalc's engine)."""
    numeric = []
    for layer, arrays in enumerate(params):
        slopes = []
        for which, array in enumerate(arrays):
            slope = np.zeros(np.shape(array))
            for index in np.ndindex(np.shape(array)):
                moved = [(w.copy(), b.copy()) for w, b in params]
                moved[layer][which][index] += h
                up = loss_of(moved)
                moved[layer][which][index] -= 2 * h
                slope[index] = (up - loss_of(moved)) / (2 * h)
            slopes.append(slope)
        numeric.append(tuple(slopes))
    return numeric
