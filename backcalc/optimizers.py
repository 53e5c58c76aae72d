"""Parameter updates: plain SGD (with optional classical or Nesterov momentum), Adam and
AdamW.

An optimizer is one class registered in ``OPTIMIZERS`` under the name a network file
gives it, and it holds everything about its rule:

* ``settings``: the keys it takes in a file's ``optimizer:`` mapping, each with its
  default, its range and its words (``netfile`` validates them, ``schema`` describes
  them);
* ``memory``: what it keeps for each parameter (velocity, Adam's moments), as entries
  of the quantity catalogue (``quantities.Memory``);
* ``step``: the engine's update of every parameter array (or ``update``, one array);
* ``worked_lines``: the update of one parameter as a hand calculation writes it, for
  ``--explain`` and ``check`` (``worked``): each line's operands, formula, computation
  and the slips a student makes in it;
* ``describe``: the line of the conventions table.

Each optimizer takes the parameters, their reduced gradients, its memory
(``slots``: velocities, or Adam's moments) and the update count t, and returns
new parameters and new memory; nothing is changed
in place, so a step's "before" and "after" values both stay available.
Frozen biases (``update_biases: false``) get a zero step but keep their
gradient for display.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .network import Network, Params
from .numbers import format_exact
from .quantities import Memory
from .slips import ADAMW_DECAY_AS_L2, NESTEROV_AS_MOMENTUM, UPDATE_SIGN


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


# The kinds of value a setting takes: (JSON Schema, test, what is expected).
_SETTING_KINDS: dict[str, tuple[dict, Callable[[Any], bool], str]] = {
    "decay": ({"type": "number", "minimum": 0, "exclusiveMaximum": 1},
              lambda x: 0 <= x < 1, "a value in [0, 1)"),
    "positive": ({"type": "number", "exclusiveMinimum": 0}, lambda x: x > 0,
                 "a number above 0"),
    "non_negative": ({"type": "number", "minimum": 0}, lambda x: x >= 0, "a number of 0 or more"),
    "boolean": ({"type": "boolean"}, lambda x: True, "true or false"),
}


@dataclass(frozen=True)
class Setting:
    """One key of an optimizer's mapping in a network file: its default, kind and words.

    ``kind``: "decay" (a value in [0, 1)), "positive" (above 0, an ε), "non_negative"
    or "boolean"."""

    default: object
    words: str
    kind: str = "decay"

    @property
    def boolean(self) -> bool:
        return self.kind == "boolean"

    def problem(self, value) -> str | None:
        """What is wrong with ``value`` ("… found {}", to be filled with it as written)."""
        _, allowed, expected = _SETTING_KINDS[self.kind]
        return None if allowed(value) else f"expected {expected}, found {{}}"

    def schema(self) -> dict:
        """The JSON Schema of the value (``schema``)."""
        return dict(_SETTING_KINDS[self.kind][0])


Compute = Callable[[list], float]


@dataclass
class Line:
    """One line of a parameter's update as a hand calculation writes it (``worked``).

    ``memory``: the memory the line works out, or None for the parameter after the
    update.  ``operands`` name what it takes: "theta" (the parameter before the update),
    "grad" (its gradient), a memory's kind (as an earlier line of this step worked it
    out), or a memory's kind + "_before" (as the step found it).  ``template`` writes the
    formula with {name} for each operand and each of ``constants`` (name → (symbol,
    value)); ``compute`` works it out from the operands' values, in order; ``slips``:
    slip → variant → (operand names, compute) that a student making it would use.
    """

    memory: Memory | None
    operands: tuple
    template: str
    compute: Compute
    constants: dict = field(default_factory=dict)
    slips: dict = field(default_factory=dict)


class Optimizer:
    """What every optimizer has; a new one sets the class attributes below and writes
    ``describe``, ``update`` (or ``step``) and ``worked_lines``."""

    name = ""
    settings: dict = {}              # key in the file's optimizer mapping → Setting
    memory: tuple = ()               # quantities.Memory entries, kept ones and worked-out ones
    takes_momentum = False           # the top-level ``momentum`` key applies to it
    momentum_hint = ""               # said when a file gives it momentum anyway

    def __init__(self, network: Network):
        self.network = network
        self.options = {key: setting.default for key, setting in self.settings.items()}
        self.options.update(network.optimizer.settings)

    def kept(self) -> list[Memory]:
        """The memory this configuration keeps from step to step (``Progress.slots``)."""
        return [memory for memory in self.memory if memory.stored]

    def slot_columns(self) -> list[tuple[str, str]]:
        """The memory shown in the update table: (slot, column heading)."""
        return [(memory.kind, memory.column) for memory in self.kept()]

    def describe(self) -> str:
        raise NotImplementedError

    def update(self, theta: np.ndarray, grad: np.ndarray, memory: dict, t: int, lr: float,
               round_) -> tuple[np.ndarray, dict]:
        """One parameter array's update: θ, its gradient and its memory (kind → array) →
        the new θ and memory (every value through ``round_``)."""
        raise NotImplementedError

    def step(self, params, grads, slots: dict, t: int, lr: float, round_) -> tuple:
        """Every parameter array through ``update``; a fixed bias keeps its value and memory."""
        kinds = [memory.kind for memory in self.kept()]
        old = {kind: [array for _, _, array in _pairs(slots.get(kind) or _zeros(params))]
               for kind in kinds}
        new_params: list = []
        new_memory: dict = {kind: [] for kind in kinds}
        fixed_biases = not self.network.update_biases
        for index, ((_, kind, theta), (_, _, grad)) in enumerate(zip(_pairs(params),
                                                                     _pairs(grads))):
            memory = {name: old[name][index] for name in kinds}
            if not (kind == 1 and fixed_biases):
                theta, memory = self.update(theta, grad, memory, t, lr, round_)
            new_params.append(theta)
            for name in kinds:
                new_memory[name].append(memory[name])
        return _rebuild(new_params), {name: _rebuild(new_memory[name]) for name in kinds}

    def worked_lines(self, lr: float, t: int) -> list[Line]:
        """The update of one parameter, line by line, at update count t: its memory's
        lines first, the parameter's own last."""
        raise NotImplementedError

    def lines_for(self, kind: str, lr: float, t: int) -> list[Line]:
        """``worked_lines`` for a weight (kind "W") or a bias ("b"): the same unless the
        rule treats them apart (AdamW's decay of the weights only)."""
        return self.worked_lines(lr, t)

    def table_terms(self, lr: float) -> list[tuple[str, Callable[[float, str], float | None]]]:
        """Columns of the update table besides the kept memory: (heading, the value from
        the parameter before the update and its kind, "b" for a bias; None: no value)."""
        return []

    def stateless_update(self, lr: float) -> Callable[[float, float], float] | None:
        """θ⁺ from θ and its gradient alone, when this configuration's rule has no memory
        (check's updated_weights_in_delta slip uses it); None otherwise."""
        return None


VELOCITY = Memory("velocity", "v", "velocity v", None, None,
                  description="Momentum's velocity v of every parameter, layer by layer.")


class SGD(Optimizer):
    """θ ← θ − η∇L; with momentum μ: v ← μv − η∇L, θ ← θ + v; with ``nesterov: true``
    as well: v ← μv − η∇L, θ ← θ + μv − η∇L (PyTorch's ``SGD(nesterov=True)``, whose
    buffer b = μb + ∇L and θ ← θ − η(∇L + μb) is the same with v = −ηb)."""

    name = "sgd"
    memory = (VELOCITY,)
    takes_momentum = True

    def kept(self) -> list[Memory]:
        return [VELOCITY] if self.network.momentum else []

    @property
    def nesterov(self) -> bool:
        return bool(self.network.momentum) and self.network.nesterov

    def describe(self) -> str:
        mu = self.network.momentum
        if self.nesterov:
            return (f"SGD with Nesterov momentum μ = {format_exact(mu)}: v ← μv − η∇L, "
                    "θ ← θ + μv − η∇L (PyTorch's nesterov=True)")
        if mu:
            return f"SGD with momentum μ = {format_exact(mu)}: v ← μv − η∇L, θ ← θ + v"
        return "SGD: θ ← θ − η∇L"

    def step(self, params, grads, slots: dict, t: int, lr: float, round_) -> tuple:
        # Its own loop, not ``update``'s: plain SGD is the common case, kept quick.
        net = self.network
        mu = net.momentum
        if not mu:
            return [Params(_descend(p.weights, g.weights, lr, round_),
                           _descend(p.biases, g.biases, lr, round_) if net.update_biases
                           else p.biases) for p, g in zip(params, grads)], {}
        nesterov = self.nesterov
        velocity = slots.get("velocity") or _zeros(params)
        new_params, new_velocity = [], []
        for (_, kind, theta), (_, _, grad), (_, _, v) in zip(
                _pairs(params), _pairs(grads), _pairs(velocity)):
            frozen = kind == 1 and not net.update_biases
            if frozen:
                new_params.append(theta)
                new_velocity.append(v)
            else:
                v = round_(mu * v - lr * grad)
                new_velocity.append(v)
                new_params.append(round_(theta + mu * v - lr * grad) if nesterov
                                  else round_(theta + v))
        return _rebuild(new_params), {"velocity": _rebuild(new_velocity)}

    def worked_lines(self, lr: float, t: int) -> list[Line]:
        eta = {"eta": ("η", lr)}
        mu = self.network.momentum
        if not mu:
            return [Line(None, ("theta", "grad"), "{theta} − {eta}·{grad}",
                         lambda v: v[0] - lr * v[1], eta,
                         {UPDATE_SIGN: {"": (("theta", "grad"), lambda v: v[0] + lr * v[1])}})]
        constants = {"mu": ("μ", mu), **eta}
        velocity = Line(VELOCITY, ("velocity_before", "grad"),
                        "{mu}·{velocity_before} − {eta}·{grad}",
                        lambda v: mu * v[0] - lr * v[1], constants)
        if self.nesterov:
            # The look-ahead: the new velocity once more, then the gradient's own step.
            # Written as plain momentum, θ + v⁺; with the sign slip the velocity's too.
            return [velocity, Line(
                None, ("theta", "velocity", "grad"), "{theta} + {mu}·{velocity} − {eta}·{grad}",
                lambda v: v[0] + mu * v[1] - lr * v[2], constants,
                {NESTEROV_AS_MOMENTUM: {"": (("theta", "velocity"), lambda v: v[0] + v[1])},
                 UPDATE_SIGN: {"": (("theta", "velocity_before", "grad"),
                                    lambda v: v[0] + mu * (mu * v[1] + lr * v[2]) + lr * v[2])}})]
        return [
            velocity,
            Line(None, ("theta", "velocity"), "{theta} + {velocity}", lambda v: v[0] + v[1],
                 slips={UPDATE_SIGN: {"": (("theta", "velocity_before", "grad"),
                                           lambda v: v[0] + mu * v[1] + lr * v[2])}}),
        ]

    def stateless_update(self, lr: float):
        if self.network.momentum:
            return None
        return lambda theta, grad: theta - lr * grad


M = Memory("m", "m", "m (1st moment)", None, None,
           description="Adam's first moment m of every parameter, layer by layer.")
V = Memory("v", "v", "v (2nd moment)", None, None,
           description="Adam's second moment v of every parameter, layer by layer.")
M_HAT = Memory("m_hat", "m\u0302", None, None, None, stored=False)     # m̂ = m / (1 − β₁ᵗ)
V_HAT = Memory("v_hat", "v\u0302", None, None, None, stored=False)


class Adam(Optimizer):
    """Adam with bias correction, as PyTorch: θ ← θ − η m̂ / (√v̂ + ε)."""

    name = "adam"
    settings = {
        "beta1": Setting(0.9, "Adam's decay of the first moment (its momentum), in [0, 1)."),
        "beta2": Setting(0.999, "Adam's decay of the second moment, in [0, 1)."),
        "epsilon": Setting(1e-8, "Adam's ε in the denominator, above 0.", kind="positive"),
    }
    memory: tuple = (M, V, M_HAT, V_HAT)
    momentum_hint = "Adam's own momentum is optimizer.beta1"

    def describe(self) -> str:
        o = self.options
        return (f"Adam (β₁ = {format_exact(o['beta1'])}, β₂ = {format_exact(o['beta2'])}, "
                f"ε = {format_exact(o['epsilon'])}): θ ← θ − η·m̂ / (√v̂ + ε)")

    def update(self, theta, grad, memory, t, lr, round_):
        o = self.options
        beta1, beta2, epsilon = o["beta1"], o["beta2"], o["epsilon"]
        m = round_(beta1 * memory["m"] + (1 - beta1) * grad)
        v = round_(beta2 * memory["v"] + (1 - beta2) * grad * grad)
        m_hat = round_(m / (1 - beta1 ** t))
        v_hat = round_(v / (1 - beta2 ** t))
        return round_(theta - lr * m_hat / (np.sqrt(v_hat) + epsilon)), {"m": m, "v": v}

    def worked_lines(self, lr: float, t: int) -> list[Line]:
        o = self.options
        b1, b2, eps = o["beta1"], o["beta2"], o["epsilon"]
        constants = {"eta": ("η", lr), "epsilon": ("ε", eps),
                     "beta1": ("β₁", b1), "one_minus_beta1": ("(1 − β₁)", 1 - b1),
                     "beta2": ("β₂", b2), "one_minus_beta2": ("(1 − β₂)", 1 - b2),
                     "correction1": (f"(1 − β₁^{t})", 1 - b1 ** t),
                     "correction2": (f"(1 − β₂^{t})", 1 - b2 ** t)}
        return [
            Line(M, ("m_before", "grad"), "{beta1}·{m_before} + {one_minus_beta1}·{grad}",
                 lambda v: b1 * v[0] + (1 - b1) * v[1], constants),
            Line(V, ("v_before", "grad"), "{beta2}·{v_before} + {one_minus_beta2}·{grad}²",
                 lambda v: b2 * v[0] + (1 - b2) * (v[1] * v[1]), constants),
            Line(M_HAT, ("m",), "{m} / {correction1}", lambda v: v[0] / (1 - b1 ** t),
                 constants),
            Line(V_HAT, ("v",), "{v} / {correction2}", lambda v: v[0] / (1 - b2 ** t),
                 constants),
            Line(None, ("theta", "m_hat", "v_hat"),
                 "{theta} − {eta}·{m_hat} / (√{v_hat} + {epsilon})",
                 lambda v: v[0] - lr * v[1] / (math.sqrt(v[2]) + eps), constants,
                 {UPDATE_SIGN: {"": (("theta", "m_hat", "v_hat"),
                                     lambda v: v[0] + lr * v[1] / (math.sqrt(v[2]) + eps))}}),
        ]


DECAYED = Memory("decayed", "θ\u0303", None, None, None, stored=False)   # θ̃ = θ − η·wd·θ


class AdamW(Adam):
    """Adam with decoupled weight decay, as PyTorch's AdamW: θ̃ ← θ − η·wd·θ, then Adam's
    step from θ̃: θ ← θ̃ − η·m̂ / (√v̂ + ε).  The decay never enters m and v; the biases
    are decayed only with ``decay_biases: true`` (PyTorch decays every parameter it is
    given; leaving the biases out is the usual parameter group)."""

    name = "adamw"
    settings = {
        **Adam.settings,
        "weight_decay": Setting(0.01, "AdamW's decoupled weight decay wd, 0 or more: "
                                      "θ ← θ − η·wd·θ before the Adam step.",
                                kind="non_negative"),
        "decay_biases": Setting(False, "AdamW: true decays the biases too (false: only the "
                                       "weights).", kind="boolean"),
    }
    memory = (M, V, M_HAT, V_HAT, DECAYED)
    momentum_hint = "AdamW's own momentum is optimizer.beta1"

    def decays(self, kind: str) -> bool:
        """Whether a weight (any kind but "b") or a bias ("b") is decayed."""
        return kind != "b" or bool(self.options["decay_biases"])

    def describe(self) -> str:
        o = self.options
        which = "weights and biases" if o["decay_biases"] else "weights only"
        return (f"AdamW (β₁ = {format_exact(o['beta1'])}, β₂ = {format_exact(o['beta2'])}, "
                f"ε = {format_exact(o['epsilon'])}, wd = {format_exact(o['weight_decay'])}, "
                f"{which}): θ ← θ − η·wd·θ, then θ ← θ − η·m̂ / (√v̂ + ε) (PyTorch's AdamW)")

    def step(self, params, grads, slots: dict, t: int, lr: float, round_) -> tuple:
        # The decay first, from θ before the update, then Adam's step from the decayed θ.
        wd = self.options["weight_decay"]
        decayed = [Params(round_(p.weights - lr * wd * p.weights),
                          round_(p.biases - lr * wd * p.biases) if self.decays("b")
                          and self.network.update_biases else p.biases) for p in params]
        return super().step(decayed, grads, slots, t, lr, round_)

    def lines_for(self, kind: str, lr: float, t: int) -> list[Line]:
        lines = super().worked_lines(lr, t)
        if not self.decays(kind):
            return lines
        wd = self.options["weight_decay"]
        b1, b2 = self.options["beta1"], self.options["beta2"]
        constants = {"eta": ("η", lr), "wd": ("wd", wd)}
        # The slip: wd·θ added to the gradient (L2 with λ = wd), no decoupled decay.
        decay = Line(DECAYED, ("theta",), "{theta} − {eta}·{wd}·{theta}",
                     lambda v: v[0] - lr * wd * v[0], constants,
                     {ADAMW_DECAY_AS_L2: {"": (("theta",), lambda v: v[0])}})
        m, v, m_hat, v_hat, theta = lines
        m.slips = {ADAMW_DECAY_AS_L2: {"": (("m_before", "grad", "theta"),
                                            lambda v: b1 * v[0] + (1 - b1) * (v[1] + wd * v[2]))}}
        v.slips = {ADAMW_DECAY_AS_L2: {"": (
            ("v_before", "grad", "theta"),
            lambda v: b2 * v[0] + (1 - b2) * ((v[1] + wd * v[2]) * (v[1] + wd * v[2])))}}
        theta.operands = ("decayed",) + theta.operands[1:]
        theta.template = theta.template.replace("{theta}", "{decayed}")
        theta.slips = {UPDATE_SIGN: {"": (("decayed", "m_hat", "v_hat"), theta.slips[
            UPDATE_SIGN][""][1])}}
        return [decay, m, v, m_hat, v_hat, theta]

    def worked_lines(self, lr: float, t: int) -> list[Line]:
        return self.lines_for("W", lr, t)

    def table_terms(self, lr: float):
        wd = self.options["weight_decay"]
        return [("decay η·wd·θ",
                 lambda theta, kind: lr * wd * theta if self.decays(kind) else None)]


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def memory_kinds() -> list[Memory]:
    """Every registered optimizer's memory, stored and worked out, each name once."""
    found: dict[str, Memory] = {}
    for cls in OPTIMIZERS.values():
        for memory in cls.memory:
            found.setdefault(memory.kind, memory)
    return list(found.values())


def stored_memory() -> list[Memory]:
    """The memory a state file may hold (``state: {velocity: …, m: …, v: …}``)."""
    return [memory for memory in memory_kinds() if memory.stored]
