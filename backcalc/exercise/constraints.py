"""SPEC's constraints on a variant's calculation, each checked on the whole of it.

A draw is kept only when every constraint holds for its first iteration (every sample):

* ``finite``     — the calculation goes through (no infinite loss, no update that fails);
* ``kink``       — no input of a ReLU-type activation (one with a kink at 0: relu,
  leaky_relu, elu with α ≠ 1) within ``KINK_MARGIN`` of it: |z| > 0.05;
* ``saturation`` — every input of a sigmoid or tanh within ±3 (``SATURATING``), where a
  hand calculation still sees the curve;
* ``small``      — every asked value at least ``SMALLEST`` in size (but for the 0s a
  loss gives wherever the target is 0, ``ZERO_BY_TARGET``);
* ``slips``      — every slip of ``check``'s catalogue that changes an asked value
  (``slip_values``) moves it by more than one unit of --answer-decimals' last digit:
  the two never round to the same number, so ``check`` tells them apart, and in Moodle
  the slip's rounded value lies outside the right answer's interval of ± half a unit.
  (SPEC asks only that they round apart; that alone does not make 3 decimals usable on
  a 2-2-1 sigmoid exercise either: benchmarks/exercise_slip_rules.py.)

They are tried in this order, the cheap ones first; ``first_failing`` names the first
that fails.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..quantities import (
    B_UPDATED,
    BY_KIND,
    DL_DB,
    DL_DW,
    INPUT,
    LOSS,
    PER_NEURON,
    SAMPLE_LOSS,
    TARGET,
    W_UPDATED,
    B,
    W,
)

if TYPE_CHECKING:
    from ..engine import Run
    from ..network import Network
    from ..worked import Worked

KINK_MARGIN = 0.05
SATURATING = {"sigmoid": 3.0, "tanh": 3.0}
"""Activation → the largest |z| a variant may give it."""
SMALLEST = 0.001
SLACK = 1e-9
"""Float noise allowed at a bound (a z of 0.05 computed as 0.0500000001 is still 0.05)."""


@dataclass
class Calculation:
    """A draw's first iteration: the engine's run, and the worked calculation with its
    slips when a constraint needs it (built once, on first use)."""

    network: Network
    run: Run                                   # one iteration
    asked: list                                # asking.Asked
    unit: float                                # one unit of --answer-decimals
    # (slip, detail) → how often it broke a draw's constraint: tried first next time
    misses: dict = field(default_factory=dict)
    skeleton: Worked | None = None             # the exercise's (``refilled``), if any
    worlds: list | None = None                 # the skeleton's slip worlds (``_worlds``)
    _worked: Worked | None = field(default=None, repr=False)
    _values: dict | None = field(default=None, repr=False)

    @property
    def step(self):
        return self.run.steps[0]

    @property
    def worked(self) -> Worked:
        if self._worked is None:
            from ..worked import build
            self._worked = build(self.network, self.run.steps[:1], with_slips=True)
        return self._worked

    def value(self, item) -> float:
        """An asked value, from the engine's trace (the worked calculation holds the same
        numbers, but takes far longer to build)."""
        return self.values[item]

    @property
    def values(self) -> dict:
        """Every asked value (``asking.Asked`` → its value, from the engine's trace,
        worked out once)."""
        if self._values is None:
            self._values = {item: float(ENGINE_VALUES[item.where.kind](self.step,
                                                                          item.where))
                            for item in self.asked}
        return self._values


def _traced(step, where) -> float:
    row = step.pass_.sample_indices.index(where.sample)
    trace = BY_KIND[where.kind].trace_attribute
    return getattr(step.pass_.layers[where.layer], trace)[row, where.neuron]


ENGINE_VALUES = {
    **{q.kind: _traced for q in PER_NEURON},
    SAMPLE_LOSS.kind: lambda step, where: step.pass_.losses[
        step.pass_.sample_indices.index(where.sample)],
    LOSS.kind: lambda step, where: step.pass_.loss,
    DL_DW.kind: lambda step, where: step.data_gradients[where.layer].weights[where.neuron,
                                                                             where.input],
    DL_DB.kind: lambda step, where: step.data_gradients[where.layer].biases[where.neuron],
    W_UPDATED.kind: lambda step, where: step.parameters[where.layer].weights[where.neuron,
                                                                             where.input],
    B_UPDATED.kind: lambda step, where: step.parameters[where.layer].biases[where.neuron],
}
"""An asked value's kind → where the engine's step holds it."""


def _finite(calc: Calculation) -> bool:
    return calc.run.stopped is None and bool(np.isfinite(calc.step.pass_.loss))


def _kinks(calc: Calculation) -> bool:
    for layer, trace in zip(calc.network.layers, calc.step.pass_.layers):
        if layer.activation.kink() is not None and \
                np.any(np.abs(trace.z) <= KINK_MARGIN + SLACK):
            return False
    return True


def _saturation(calc: Calculation) -> bool:
    for layer, trace in zip(calc.network.layers, calc.step.pass_.layers):
        limit = SATURATING.get(layer.activation.name)
        if limit is not None and np.any(np.abs(trace.z) > limit + SLACK):
            return False
    return True


def _small(calc: Calculation) -> bool:
    return all(abs(calc.value(item)) >= SMALLEST or _zero_by_target(calc, item)
               for item in calc.asked)


ZERO_BY_TARGET: dict[str, tuple[str, ...]] = {"cross_entropy": ("dL/da",)}
"""Loss → the kinds of output-layer values that are 0 wherever the target is 0, whatever
the numbers (cross-entropy's ∂L/∂a = −y/a): asked all the same (the answer is 0), but
their 0 is no accident of the numbers drawn, so ``small`` lets it be."""


def _zero_by_target(calc: Calculation, item) -> bool:
    where = item.where
    network = calc.network
    return (where.kind in ZERO_BY_TARGET.get(network.loss.name, ())
            and where.layer == len(network.layers) - 1 and where.sample is not None
            and network.samples[where.sample].target[where.neuron] == 0)


def _slips(calc: Calculation) -> bool:
    """Every slip moves each asked value it changes by more than a unit.  Tried first on
    the exercise's ``skeleton`` holding the draw's numbers (no calculation built anew), which
    throws out most draws for a fraction of the cost; a draw that passes is checked again
    on its own worked calculation, the one its files are written from."""
    from ..check import _worlds
    if calc.skeleton is not None:
        if calc.worlds is None:
            calc.worlds = _worlds(calc.skeleton)
        if not _slips_hold(calc, refilled(calc.skeleton, calc.network), calc.worlds):
            return False
    return _slips_hold(calc, calc.worked, _worlds(calc.worked))


def _slips_hold(calc: Calculation, worked: Worked, worlds: list) -> bool:
    """No slip of ``worlds`` (``worked``'s) moves an asked value by a unit or less (stops
    at the first that does)."""
    from ..worked import evaluate
    from .slip_values import _same
    asked = calc.values
    keys = [(worked.index[item.where].key, asked[item]) for item in calc.asked]
    upto = max(worked.order(worked.index[key]) for key, _ in keys)
    # The order changes nothing but how soon a failing draw is seen to fail.
    for name, detail, world in sorted(worlds, key=lambda w: -calc.misses.get(w[:2], 0)):
        slipped, _ = evaluate(worked, {}, world, upto=upto)
        for key, right in keys:
            value = slipped[key]
            if math.isfinite(value) and not _same(value, right) and \
                    abs(value - right) <= calc.unit * (1 + SLACK):
                calc.misses[name, detail] = calc.misses.get((name, detail), 0) + 1
                return False
    return True


LEAVES = {
    INPUT.kind: lambda network, key: network.samples[key.sample].input[key.neuron],
    TARGET.kind: lambda network, key: network.samples[key.sample].target[key.neuron],
    W.kind: lambda network, key: network.layers[key.layer].weights[key.neuron, key.input],
    B.kind: lambda network, key: network.layers[key.layer].biases[key.neuron],
}
"""A given number's kind → where a network holds it (the first iteration's leaves)."""


def refilled(skeleton: Worked, network: Network) -> Worked:
    """``skeleton`` (a worked calculation of a network of the same shape and settings)
    with ``network``'s inputs, targets, weights and biases: what ``evaluate`` computes on
    it is ``network``'s calculation.  Only the leaves change; the engine's values of the
    other quantities stay the skeleton's (nothing here reads them)."""
    from ..worked import Worked as Made
    quantities = list(skeleton.quantities)
    index = dict(skeleton.index)
    for position, q in enumerate(quantities):
        if q.compute is None and q.key.kind in LEAVES:
            fresh = copy(q)
            fresh.value = float(LEAVES[q.key.kind](network, q.key))
            quantities[position] = index[q.key] = fresh
    return Made(network, skeleton.steps, quantities, index)


def _kinked(network: Network) -> list[str]:
    """The network's activations with a kink at 0 (ReLU-type), each once, in order."""
    return list(dict.fromkeys(layer.activation.name for layer in network.layers
                              if layer.activation.kink() is not None))


def _saturating(network: Network) -> list[str]:
    return list(dict.fromkeys(layer.activation.name for layer in network.layers
                              if layer.activation.name in SATURATING))


def _small_advice(network: Network, samples: int, answer_decimals: int) -> str:
    """What may lift small asked values, given the activations the network has."""
    ways = []
    if _kinked(network):
        ways.append(f"another --activation than {' or '.join(_kinked(network))} (a neuron "
                    "below 0 passes little or nothing back)")
    elif "sigmoid" in _saturating(network):
        ways.append("another --activation than sigmoid (its slope is at most 0.25, so "
                    "gradients shrink through each layer)")
    else:
        ways.append("another --activation")
    if samples > 1:
        ways.append("fewer --samples (their gradients partly cancel in the mean)")
    ways.append("fewer --ask kinds")
    return "try " + ", ".join(ways[:-1]) + " or " + ways[-1]


def _slips_advice(network: Network, samples: int, answer_decimals: int) -> str:
    return (f"--answer-decimals {answer_decimals} is too coarse for this network's slips; "
            f"try more --answer-decimals or another --activation")


def _saturation_advice(network: Network, samples: int, answer_decimals: int) -> str:
    return (f"try fewer inputs per neuron (a smaller layer) or another --activation than "
            f"{' or '.join(_saturating(network))}")


@dataclass(frozen=True)
class Constraint:
    name: str
    holds: Callable[[Calculation], bool]
    failure: str                     # what a failing draw had, for the report
    # what may help when it fails every time: (network, samples, answer decimals) → text
    advice: Callable[[Network, int, int], str]


CONSTRAINTS = (
    Constraint("finite", _finite, "a calculation that does not go through (an infinite "
               "loss)", lambda network, samples, d: "try another --activation or --loss"),
    Constraint("kink", _kinks, f"a ReLU-type input within {KINK_MARGIN:g} of its kink",
               lambda network, samples, d: "try more --decimals"),
    Constraint("saturation", _saturation,
               f"a sigmoid or tanh input beyond ±{max(SATURATING.values()):g}",
               _saturation_advice),
    Constraint("small", _small, f"an asked value below {SMALLEST:g} in size", _small_advice),
    Constraint("slips", _slips, "a slip that gives an asked value within one unit of "
               "--answer-decimals' last digit of the right one", _slips_advice),
)
"""In the order they are tried (each needs the ones before it to hold)."""


def first_failing(calc: Calculation) -> Constraint | None:
    return next((c for c in CONSTRAINTS if not c.holds(calc)), None)
