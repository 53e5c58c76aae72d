"""Parameter updates: plain SGD (with optional classical momentum) and Adam.

Each optimizer takes the parameters, their reduced gradients, its memory
(``slots``: velocities, or Adam's moments) and the update count t, and returns
new parameters and new memory; nothing is changed
in place, so a step's "before" and "after" values both stay available.
Frozen biases (``update_biases: false``) get a zero step but keep their
gradient for display.
"""

from __future__ import annotations

import numpy as np

from .network import Network, Params
from .numbers import format_exact


def _zeros(params: list[Params]) -> list[Params]:
    return [Params(np.zeros_like(p.weights), np.zeros_like(p.biases)) for p in params]


def _pairs(params: list[Params]):
    """Every (layer, kind) array, kind 0 for weights and 1 for biases."""
    for layer, p in enumerate(params):
        yield layer, 0, p.weights
        yield layer, 1, p.biases


def _rebuild(flat: list[np.ndarray]) -> list[Params]:
    return [Params(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _descend(theta: np.ndarray, grad: np.ndarray, lr: float, round_) -> np.ndarray:
    """θ − η∇L, as a new array; a large one is written into η∇L's own array (the same two
    operations, one allocation fewer), a small one is quicker without ``out``."""
    if theta.size <= 64:                       # (engine.SMALL_ARRAY)
        return round_(theta - lr * grad)
    step = np.multiply(grad, lr)
    return round_(np.subtract(theta, step, out=step))


class SGD:
    """θ ← θ − η∇L; with momentum μ: v ← μv − η∇L, θ ← θ + v."""

    name = "sgd"

    def __init__(self, network: Network):
        self.network = network

    def slot_columns(self) -> list[tuple[str, str]]:
        """The memory shown in the update table: (slot, column heading)."""
        return [("velocity", "velocity v")] if self.network.momentum else []

    def describe(self) -> str:
        mu = self.network.momentum
        if mu:
            return f"SGD with momentum μ = {format_exact(mu)}: v ← μv − η∇L, θ ← θ + v"
        return "SGD: θ ← θ − η∇L"

    def step(self, params, grads, slots: dict, t: int, lr: float, round_) -> tuple:
        net = self.network
        mu = net.momentum
        if not mu:
            return [Params(_descend(p.weights, g.weights, lr, round_),
                           _descend(p.biases, g.biases, lr, round_) if net.update_biases
                           else p.biases) for p, g in zip(params, grads)], {}
        velocity = slots.get("velocity") or _zeros(params)
        new_params, new_velocity = [], []
        for (layer, kind, theta), (_, _, grad), (_, _, v) in zip(
                _pairs(params), _pairs(grads), _pairs(velocity)):
            frozen = kind == 1 and not net.update_biases
            if frozen:
                new_params.append(theta)
                new_velocity.append(v)
            else:
                v = round_(mu * v - lr * grad)
                new_velocity.append(v)
                new_params.append(round_(theta + v))
        return _rebuild(new_params), {"velocity": _rebuild(new_velocity)}


class Adam:
    """Adam with bias correction, as PyTorch: θ ← θ − η m̂ / (√v̂ + ε)."""

    name = "adam"

    def __init__(self, network: Network):
        self.network = network
        self.config = network.optimizer

    def slot_columns(self) -> list[tuple[str, str]]:
        return [("m", "m (1st moment)"), ("v", "v (2nd moment)")]

    def describe(self) -> str:
        c = self.config
        return (f"Adam (β₁ = {format_exact(c.beta1)}, β₂ = {format_exact(c.beta2)}, ε = {format_exact(c.epsilon)}): "
                "θ ← θ − η·m̂ / (√v̂ + ε)")

    def step(self, params, grads, slots: dict, t: int, lr: float, round_) -> tuple:
        c, net = self.config, self.network
        m_old = slots.get("m") or _zeros(params)
        v_old = slots.get("v") or _zeros(params)
        new_params, new_m, new_v = [], [], []
        for (layer, kind, theta), (_, _, g), (_, _, m), (_, _, v) in zip(
                _pairs(params), _pairs(grads), _pairs(m_old), _pairs(v_old)):
            if kind == 1 and not net.update_biases:
                new_params.append(theta)
                new_m.append(m)
                new_v.append(v)
                continue
            m = round_(c.beta1 * m + (1 - c.beta1) * g)
            v = round_(c.beta2 * v + (1 - c.beta2) * g * g)
            m_hat = round_(m / (1 - c.beta1 ** t))
            v_hat = round_(v / (1 - c.beta2 ** t))
            new_params.append(round_(theta - lr * m_hat / (np.sqrt(v_hat) + c.epsilon)))
            new_m.append(m)
            new_v.append(v)
        return _rebuild(new_params), {"m": _rebuild(new_m), "v": _rebuild(new_v)}


OPTIMIZERS = {"sgd": SGD, "adam": Adam}
