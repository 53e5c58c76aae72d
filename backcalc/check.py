"""Checking a student's answers: verdicts, the first wrong step, follow-through, slips.

Every answer is compared with backcalc's value for the same quantity
(``worked.Quantity``), in computation order:

* ``right``    — within half a unit of the last digit written (0.593 for 0.59327);
* ``rounding`` — off by more, but only by what rounding earlier values can cause:
  it is what the student's own right-but-rounded earlier values give (or lies
  between that and the exact value), or what rounding every value to the decimals
  they write (or one or two more) gives;
* ``follows``  — wrong, but exactly what the student's own earlier *wrong* values
  give (recomputed from their numbers): an error carried forward, not a new one;
* ``wrong``    — none of these.  Then each slip of ``SLIPS`` is tried: the whole
  calculation redone from the student's values with that slip made wherever the
  student did not write a number, and the first slip that reproduces their
  number is named.  Where a slip can be made, and what it gives, comes with the
  worked calculation (``worked``), from the activation, loss or optimizer it
  belongs to.

``--tolerance`` replaces "half a unit of the last digit" by a fixed tolerance.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .answers import Answer
from .engine import train
from .limits import CHECK_MAX_NUMBERS, SLIP_WORK, SLIP_WORK_FLOOR
from .network import Network
from .numbers import round_half_up
from .quantities import FPRIME
from .slips import SLIPS  # the catalogue, in the order slips are tried (check_report's too)
from .worked import (
    ZERO,
    Compute,
    Key,
    Quantity,
    Worked,
    build,
    evaluate,
    numbers_per_step,
    safe,
)

VERDICTS = ("right", "rounding", "follows", "wrong")
NOISE = 1e-12         # relative: float64 noise (a calculator keeps 12 digits or more)
MAX_ROUND = 10         # "exactly what rounding to N decimals gives" is tried for N up to this


@dataclass
class Result:
    answer: Answer
    quantity: Quantity
    verdict: str
    slip: str | None = None
    slip_detail: str = ""                  # which weight, which activation
    # A right answer, short of digits, that a slip also gives exactly: worth a word.
    also_slip: str | None = None
    yours: float = math.nan                # what the student's own earlier values give
    drift: float = 0.0                     # how far their written values' rounding moves it
    # Other slips that reproduce the number too, after ``slip``: (slip, detail).
    more_slips: list[tuple[str, str]] = field(default_factory=list)
    untried: bool = False                  # the slip search stopped before every slip

    @property
    def expected(self) -> float:
        return self.quantity.value

    @property
    def key(self) -> str:
        return self.answer.key


@dataclass
class CheckResult:
    network: Any        # the Network checked; a computational graph's check: its Graph
    worked: Worked
    results: list[Result]
    several_blocks: bool
    rounding_decimals: int | None = None    # every answer is what rounding to N decimals gives
    values: dict = field(default_factory=dict)   # the student's world, for explanations
    # Values given twice, agreeing: (the answer checked, the one left out), in file order.
    twice: list[tuple[Answer, Answer]] = field(default_factory=list)

    @property
    def first_wrong(self) -> Result | None:
        return next((r for r in self.results if r.verdict == "wrong"), None)

    @property
    def passed(self) -> bool:
        return all(r.verdict in ("right", "rounding") for r in self.results)

    def counts(self) -> dict[str, int]:
        return {v: sum(r.verdict == v for r in self.results) for v in VERDICTS}


def check(network: Network, answers: list[Answer], *, tolerance: float | None = None,
          learning_rate: float | None = None) -> CheckResult:
    """Judge ``answers`` against ``network``'s calculation (see the module's docstring)."""
    _within_budget(network, answers)
    worked = _worked(network, answers, learning_rate, with_slips=True)
    placed = [(_quantity(worked, network, a), a) for a in answers]
    # Rounding worlds apply when the digits written set the tolerance, and the file
    # does not round already.
    worlds = RoundedWorlds(network, answers, learning_rate) \
        if tolerance is None and network.round_intermediates is None else None
    return judged(network, worked, placed, tolerance, worlds)


def judged(network, worked: Worked, placed: list[tuple[Quantity, Answer]],
           tolerance: float | None, worlds: RoundedWorlds | None) -> CheckResult:
    """The verdicts, slips and summary facts of answers placed on their quantities of
    ``worked`` (a network's, or a computational graph's: ``graph_check``); ``worlds``
    give what rounding every value to N decimals makes of an answer (None: not tried)."""
    answers = [a for _, a in placed]
    placed = sorted(placed, key=lambda pair: (worked.order(pair[0]), pair[1].block))
    placed, twice = _once(placed)
    given = {q.key: a.given for q, a in placed}
    tolerances = {q.key: _tolerance(a, tolerance) for q, a in placed}
    results, values = _judge(worked, placed, given, tolerances,
                             worlds.values if worlds else lambda answer: [],
                             truncation=tolerance is None)
    # Wrong answers get a slip named; inexact right ones are told when a slip gives
    # exactly their number (0.39 for 0.3925 may be rounded, or the slip's 0.39).
    doubtful = [r for r in results if r.verdict == "wrong" or (
        r.verdict in ("right", "rounding") and not _close(r.answer.given, r.expected, 0.0))]
    if doubtful:
        _diagnose(worked, doubtful, given, tolerances, truncation=tolerance is None,
                  standing=frozenset(r.quantity.key for r in results
                                     if r.verdict in ("right", "rounding")), yours=values)
    several = len({a.block for a in answers}) > 1
    rounding = worlds.exact_for(results) if worlds else None
    return CheckResult(network, worked, results, several, rounding, values, twice)


def _once(placed: list) -> tuple[list, list[tuple[Answer, Answer]]]:
    """Each value given once: of two answers for the same value (``W2+`` and ``w5+``, its
    entry), the one with more digits is checked, when both agree within the coarser
    precision written; when they do not, the file is refused, naming both places."""
    kept: dict[Key, tuple[Quantity, Answer]] = {}
    twice = []
    for q, a in placed:
        if q.key not in kept:
            kept[q.key] = q, a
            continue
        first = kept[q.key][1]
        if not _agree(first, a):
            raise a.error(f"{q.symbol} of iteration {q.iteration} is given twice and the two "
                          f"disagree: {a.written} here, {first.written} as {first.key} at "
                          f"{first.place}; give it once, or the same number in both places")
        # More digits win (an exact 0, unit 0, most); on a tie the one written first.
        finer, coarser = sorted((first, a), key=lambda b: (b.unit, b.line or 0, b.column or 0))
        kept[q.key] = q, finer
        twice.append((finer, coarser))
    twice.sort(key=lambda pair: (pair[1].line or 0, pair[1].column or 0))
    return list(kept.values()), twice


def _agree(one: Answer, other: Answer) -> bool:
    """The two numbers are the same value within the coarser precision written: the finer
    one, rounded (or cut) to the coarser's last digit, is the coarser (0.3589 and 0.359;
    0.3589 and 0.358 cut; not 0.3589 and 0.3590)."""
    finer, coarser = sorted((one, other), key=lambda b: b.unit)
    return (_close(coarser.given, finer.given, coarser.unit / 2)
            or _truncated(coarser.given, finer.given, coarser.unit, 0.0))


def _within_budget(network: Network, answers: list[Answer]) -> None:
    """Refuse, before any work, an answers file whose iterations span a calculation of
    more than ``CHECK_MAX_NUMBERS`` numbers (its time and memory grow with them)."""
    first = network.progress.iteration + 1
    iterations = sorted({a.iteration or first for a in answers})
    steps = len(network.samples) if network.update == "online" else 1
    per_iteration = steps * numbers_per_step(network)
    fixed = network.parameter_count          # the parameters the first step starts from
    numbers = (iterations[-1] - iterations[0] + 1) * per_iteration + fixed
    if numbers <= CHECK_MAX_NUMBERS:
        return
    fit = max((CHECK_MAX_NUMBERS - fixed) // per_iteration, 0)
    beyond = next(a for a in answers if (a.iteration or first) >= iterations[0] + fit)
    span = (f"iteration {iterations[0]}" if len(iterations) == 1
            else f"iterations {iterations[0]} to {iterations[-1]}")
    advice = (f"answer at most {fit} consecutive iterations in one file" if fit
              else "one iteration of this network is already more than that")
    raise beyond.error(
        f"checking {span} works out about {numbers:,} numbers (every z, a, δ, gradient "
        f"and update of {network.parameter_count:,} weights and biases), more than "
        f"check's limit of {CHECK_MAX_NUMBERS:,}; {advice}")


def _worked(network: Network, answers: list[Answer], learning_rate,
            with_slips: bool = False) -> Worked:
    first = network.progress.iteration + 1
    last = max(a.iteration or first for a in answers)
    earliest = min(a.iteration or first for a in answers)
    run = train(network, last - first + 1, learning_rate=learning_rate)
    # Nothing the student wrote comes before the earliest iteration they answer: the
    # worked calculation starts there, from backcalc's parameters.  A run that stops
    # keeps the step that stopped it (its values up to the failed update are real).
    steps = [step for step in run.steps if step.iteration >= earliest]
    worked = build(network, steps, learning_rate, with_slips=with_slips)
    worked.stopped = run.stopped
    return worked


def expected(network: Network, answers: list[Answer],
             learning_rate: float | None = None) -> list[Quantity]:
    """backcalc's quantity for each answer, in the answers' order: what ``check`` compares
    it with (its ``value``, its ``symbol``), without judging (an exercise's key)."""
    worked = _worked(network, answers, learning_rate)
    return [_quantity(worked, network, answer) for answer in answers]


def _quantity(worked: Worked, network: Network, answer: Answer) -> Quantity:
    found = _find(worked, network, answer)
    if found is not None:
        return found
    online = network.update == "online" and len(network.samples) > 1
    iteration = answer.iteration or network.progress.iteration + 1
    where = f"iteration {iteration}" + (f", sample {answer.sample + 1}" if online else "")
    reached = {step.iteration for step in worked.steps}
    if worked.stopped and iteration not in reached:
        raise answer.error(f"there is no {where}: the calculation stops at {worked.stopped}")
    why = ""
    activation = network.layers[answer.layer].activation
    if answer.kind == FPRIME.kind and not activation.elementwise:
        why = (f" (a {activation.name} layer has no {FPRIME.symbol} of its own, only its "
               "Jacobian: give δ instead)")
    raise answer.error(f"{answer.key} has no value in {where}{why}")


def _find(worked: Worked, network: Network, answer: Answer) -> Quantity | None:
    key = _key(_places(worked), network, answer)
    return None if key is None else worked.index.get(key)


def _places(worked: Worked) -> list[tuple[int, list[int]]]:
    """Each step's iteration and the samples it passes over."""
    return [(step.iteration, list(step.pass_.sample_indices)) for step in worked.steps]


def _key(places: list[tuple[int, list[int]]], network: Network, answer: Answer) -> Key | None:
    """The key of the quantity ``answer`` gives, in a calculation whose steps are at
    ``places`` (None: the calculation has no such step)."""
    first = network.progress.iteration + 1
    iteration = answer.iteration or first
    online = network.update == "online" and len(network.samples) > 1
    for number, (step_iteration, samples) in enumerate(places):
        if step_iteration != iteration:
            continue
        if online and samples[0] != answer.sample:
            continue
        sample = answer.sample if answer.per_sample else None
        return Key(number, sample, answer.kind, answer.layer, answer.neuron, answer.input)
    return None


def _tolerance(answer: Answer, tolerance: float | None) -> float:
    return tolerance if tolerance is not None else answer.unit / 2


def _close(given: float, value: float, allowed: float) -> bool:
    if not math.isfinite(value):
        return given == value
    return abs(given - value) <= allowed + NOISE * max(abs(value), 1e-12)


# --- verdicts ----------------------------------------------------------------------

def _judge(worked: Worked, placed: list, given: dict, tolerances: dict, rounded: Callable,
           truncation: bool = True):
    """One pass in computation order over two worlds: ``ok`` (the student's right or
    rounded values stand in for backcalc's) and ``yours`` (all their values).
    ``truncation``: a number cut to the digits written counts as rounded (not under a
    fixed ``--tolerance``)."""
    ok: dict[Key, float] = {ZERO: 0.0}
    yours: dict[Key, float] = {ZERO: 0.0}
    drift_ok: dict[Key, float] = {}
    drift_yours: dict[Key, float] = {}
    answers: dict[Key, list[Answer]] = {}
    for q, a in placed:
        answers.setdefault(q.key, []).append(a)
    results = []
    for q in worked.quantities:
        compute = q.compute
        if compute is None:         # a leaf
            ok[q.key] = yours[q.key] = q.value
            continue
        from_ok = safe(compute, [ok[o] for o in q.operands])
        from_yours = safe(compute, [yours[o] for o in q.operands])
        carried_ok = _drift(q.operands, compute, ok, drift_ok)
        carried_yours = _drift(q.operands, compute, yours, drift_yours)
        if q.key not in answers:
            ok[q.key], yours[q.key] = from_ok, from_yours
            drift_ok[q.key], drift_yours[q.key] = carried_ok, carried_yours
            continue
        if q.alternative is not None:
            # Worked another way (a closed-form δ as ∂L/∂a·f′): the way closer to what
            # the student wrote is the way they worked it.
            written = answers[q.key][0].given
            operands, other = q.alternative
            for values, drift, current in ((ok, drift_ok, (from_ok, carried_ok)),
                                           (yours, drift_yours, (from_yours, carried_yours))):
                value = safe(other, [values[o] for o in operands])
                if abs(value - written) < abs(current[0] - written):
                    current = (value, _drift(operands, other, values, drift))
                if values is ok:
                    from_ok, carried_ok = current
                else:
                    from_yours, carried_yours = current
        tol = tolerances[q.key]
        mine = [Result(a, q, _verdict(a, q, tol, (from_ok, carried_ok),
                                      (from_yours, carried_yours), rounded,
                                      a.unit if truncation else 0.0),
                       yours=from_yours, drift=carried_yours) for a in answers[q.key]]
        results += mine
        written = mine[0].answer.given
        # What a written value carries on: the gap to what the student had before writing
        # it down rounded (0.86 written for 0.86 carries nothing), at most half a digit.
        yours[q.key] = written
        drift_yours[q.key] = _carry(written, from_yours, tol)
        if mine[0].verdict in ("right", "rounding"):
            ok[q.key], drift_ok[q.key] = written, _carry(written, from_ok, tol)
        else:
            ok[q.key], drift_ok[q.key] = from_ok, carried_ok
    results.sort(key=lambda r: (worked.order(r.quantity), r.answer.block))
    return results, yours


def _carry(written: float, recomputed: float, tol: float) -> float:
    gap = abs(written - recomputed)
    return min(gap, tol) if math.isfinite(gap) else tol


def _drift(operands: list[Key], compute: Compute, values: dict, drift: dict) -> float:
    """How far a quantity moves when its operands move within their drift (first order)."""
    total = 0.0
    args = [values[o] for o in operands]
    for position, operand in enumerate(operands):
        d = drift.get(operand, 0.0)
        if not d:
            continue
        step = max(abs(args[position]), 1.0) * 1e-7
        up, down = list(args), list(args)
        up[position] += step
        down[position] -= step
        slope = (safe(compute, up) - safe(compute, down)) / (2 * step)
        if math.isfinite(slope):
            total += abs(slope) * d
    return total


def _verdict(a: Answer, q: Quantity, tol: float, ok: tuple, yours: tuple,
             rounded: Callable, unit: float = 0.0) -> str:
    """right, rounding, follows or wrong (see the module's docstring).

    Rounding covers what a student's rounding can do: their right-but-rounded earlier
    values carried forward (``ok``: the value they give, and the drift the digits
    dropped when writing them down carry, to first order), anything between that and
    the exact value, and rounding every value to the decimals they write.  A number
    cut instead of rounded (0.7290 for 0.72909: within ``unit``, the last digit's,
    toward zero) counts as rounded: ``rounding`` (never ``right``), when no reading
    above fits.
    """
    s, e = a.given, q.value
    (from_ok, drift_ok), (from_yours, drift_yours) = ok, yours
    if _close(s, e, tol):
        return "right"
    low, high = min(e, from_ok), max(e, from_ok)
    if (_close(s, from_ok, tol + drift_ok) or low - tol <= s <= high + tol
            or any(_close(s, value, tol) for value in rounded(a))):
        return "rounding"
    if _close(s, from_yours, tol + drift_yours):
        return "follows"
    # Cut, not rounded: only where nothing above holds (what a slip or the student's
    # own error gives, rounded, is the better reading).
    if _truncated(s, e, unit, 0.0) or _truncated(s, from_ok, unit, drift_ok):
        return "rounding"
    if _truncated(s, from_yours, unit, drift_yours):
        return "follows"
    return "wrong"


def _truncated(written: float, value: float, unit: float, drift: float) -> bool:
    """``written`` is ``value`` cut to the digits written (not rounded): less than one
    unit of the last digit below it in size, on the same side of zero (0.7290 for
    0.72909, −0.7290 for −0.72909; not 0.7289).  ``drift``: how far ``value`` may be off."""
    if not unit or not math.isfinite(value):
        return False
    if written and (written > 0) != (value > 0):
        return False
    gap = abs(value) - abs(written)
    noise = NOISE * max(abs(value), 1e-12)
    return -drift - noise <= gap < unit + drift - noise


class RoundedWorlds:
    """The calculation redone with every value rounded to N decimals, once per N.

    Only each world's values are kept (a value per quantity), not its worked
    calculation: a world is as large as the calculation's numbers, nothing more."""

    def __init__(self, network: Network, answers: list[Answer], learning_rate):
        self.network, self.answers, self.learning_rate = network, answers, learning_rate
        self.cache: dict[int, _Values] = {}

    def world(self, decimals: int) -> _Values:
        if decimals not in self.cache:
            from dataclasses import replace
            rounded = replace(self.network, round_intermediates=decimals)
            self.cache[decimals] = _Values(_worked(rounded, self.answers, self.learning_rate))
        return self.cache[decimals]

    def values(self, answer: Answer) -> list[float]:
        """The answer's value rounded to the decimals it is written with, and with one or
        two more (students often carry a digit or two)."""
        if not 0 < answer.unit < 1:
            return []
        decimals = round(-math.log10(answer.unit))
        found = (self.world(n).find(self.network, answer)
                 for n in range(decimals, min(decimals + 2, MAX_ROUND) + 1))
        return [value for value in found if value is not None]

    def exact_for(self, results: list[Result]) -> int | None:
        """N when every answer not wrong is exactly what rounding every value to N
        decimals gives, and some answer needed that (else there is nothing to say)."""
        if all(r.verdict in ("right", "wrong") for r in results):
            return None
        standing = [r for r in results if r.verdict != "wrong"]
        # N is what the student writes, or a digit or two more (the worlds ``values``
        # built already): each other N would be one more whole calculation.
        written = {round(-math.log10(r.answer.unit)) for r in standing
                   if 0 < r.answer.unit < 1}
        candidates = sorted({n + extra for n in written for extra in range(3)
                             if n + extra <= MAX_ROUND})
        for decimals in candidates:
            # A number with more decimals than N is never what rounding to N gives.
            if any(round_half_up(r.answer.given, decimals) != r.answer.given
                   for r in standing):
                continue
            world = self.world(decimals)
            found = [world.find(self.network, r.answer) for r in standing]
            if all(value is not None and _close(r.answer.given, value, 0.0)
                   for r, value in zip(standing, found)):
                return decimals
        return None


class _Values:
    """A worked calculation's values by key, and where its steps are (for ``_key``)."""

    def __init__(self, worked: Worked):
        self.places = _places(worked)
        self.values = {key: q.value for key, q in worked.index.items()}

    def find(self, network: Network, answer: Answer) -> float | None:
        key = _key(self.places, network, answer)
        return None if key is None else self.values.get(key)


# --- slips -------------------------------------------------------------------------

def _worlds(worked: Worked) -> list[tuple[str, str, _World]]:
    """(slip, detail, world) for every way to make each slip, in the order tried:
    everywhere, then in one layer; single weights and other activations in their layer."""
    variants: dict[str, dict[str, set]] = {name: {} for name in SLIPS}
    for q in worked.quantities:
        for name, options in q.slips.items():
            for label in options:
                variants[name].setdefault(label, set()).add(q.key.layer)
    worlds = []
    for name in SLIPS:
        for label, layers in variants[name].items():
            if not label:
                worlds.append((name, "", _World(name, "", None)))
            if len(layers) > 1 or label:
                for layer in sorted(layers):
                    detail = worked.where(label, layer)
                    worlds.append((name, detail, _World(name, label, layer)))
    return worlds


@dataclass(frozen=True)
class _World:
    """A slip made where a quantity has it (in ``layer`` only, unless None): called with a
    quantity, the (operands, compute) the slip puts there, or None."""

    name: str
    label: str
    layer: int | None

    def __call__(self, q: Quantity):
        if self.layer is not None and q.key.layer != self.layer:
            return None
        return q.slips.get(self.name, {}).get(self.label)


WORLDS = ("yours", "exact", "drift")
"""Where a slip is tried, in order of preference: on the values the student wrote (what
their own numbers give with the slip made), on backcalc's exact values (a student who
carried the calculator's digits forward and wrote rounded ones), and on the values they
wrote allowing for the digits dropped when writing them down (their rounding drift,
carried forward to first order).  A slip is looked for in the answer's own step: the
step starts from the values the student wrote for the step before, or from backcalc's,
so the search's work per answer is bounded by one step, whatever the file's length."""


def _diagnose(worked: Worked, doubtful: list[Result], given: dict, tolerances: dict,
              truncation: bool = True, standing: frozenset = frozenset(),
              yours: dict | None = None) -> int:
    """Name the slips that reproduce each wrong answer, within the digits written, in
    any of the ``WORLDS``: one made in the answer's own quantity first (a wrong update is
    update_sign, though a flipped δ would give it too), then by world, then in the
    catalogue's order; every slip that reproduces it is named.  Inexact right answers
    learn of a slip giving them exactly.  Returns how many quantities the slip worlds
    recomputed (the search's cost).  ``truncation``: a slip's number cut to the digits
    written reproduces the answer too (not under a fixed ``--tolerance``).  ``standing``:
    the keys of the answers judged right or rounding; ``yours``: the student's values
    as ``_judge`` computed them (``evaluate`` with ``given``), when at hand."""
    last = max(worked.order(r.quantity) for r in doubtful)
    if yours is None:
        yours, _ = evaluate(worked, given, upto=last)
    # At full digits: the exact values where the student's numbers are right; where
    # they are wrong, their full digits are unknown, and what they wrote stands in.
    exact, _ = evaluate(worked, {key: value for key, value in given.items()
                                 if key not in standing}, upto=last)
    worlds = _worlds(worked)
    positions = _step_positions(worked)
    by_step: dict[int, list[int]] = {}
    for index, result in enumerate(doubtful):
        by_step.setdefault(result.quantity.key.step or 0, []).append(index)
    found: dict[int, dict[str, tuple]] = {}      # result → slip → (rank, detail)
    made_here: set[int] = set()      # results a slip reproduces not only via written values
    cost = 0
    # The work is bounded: each step's answers get an equal share of it.
    budget = max(SLIP_WORK * len(worked.quantities), SLIP_WORK_FLOOR) // len(by_step)
    for step, indices in by_step.items():
        group = [doubtful[i] for i in indices]
        upto = max(worked.order(r.quantity) for r in group)
        slipped = _SlipWorlds(worked, positions.get(step, 0), upto,
                              [r.quantity.key for r in group])
        for order, (name, detail, world) in enumerate(worlds):
            if slipped.cost >= budget:
                for result in group:
                    result.untried = True
                break
            # What the student wrote stops a slip: a number written without the slip was
            # not carried on with it.  With the exact values, one written with the slip
            # (within its digits) was carried on at full digits: the slip goes on.
            # The same slip made only in numbers the student wrote: what follows from
            # them at full digits (the slip made there, nowhere else).
            in_written = _OnlyIn(world, given)
            made = {"yours": slipped.recomputed(name, world, yours, given),
                    "exact": slipped.recomputed(name, world, exact, given, tolerances),
                    "carried": slipped.recomputed(name, in_written, exact, given, tolerances)}
            for index, result in zip(indices, group):
                match = _slip_match(result, made, exact, tolerances[result.quantity.key],
                                    truncation)
                if match is None:
                    continue
                world_rank, carried = match
                if not carried:
                    made_here.add(index)
                # Made in the very quantity first, and there in its own variant (a
                # graph's: at the answer's own gate rather than one further up).
                own = result.quantity.slips.get(name, {})
                rank = (not own, world.label not in own, world_rank, order)
                mine = found.setdefault(index, {})
                if name not in mine or rank < mine[name][0]:
                    mine[name] = (rank, detail)
        cost += slipped.cost
    for index, slips in found.items():
        result = doubtful[index]
        ranked = sorted(slips.items(), key=lambda item: item[1][0])
        if result.verdict == "wrong" and index not in made_here:
            # Only the student's own earlier wrong numbers, carried at full digits, give
            # it: an error carried forward, not a new one.
            result.verdict = "follows"
        elif result.verdict == "wrong":
            result.slip, result.slip_detail = ranked[0][0], ranked[0][1][1]
            result.more_slips = [(name, detail) for name, (_, detail) in ranked[1:]]
        else:
            result.also_slip = ranked[0][0]
    return cost


def _slip_match(result: Result, made: dict, exact: dict, tol: float,
                truncation: bool) -> tuple[int, bool] | None:
    """The first of ``WORLDS`` (its position) in which a slip's value reproduces the
    answer, and whether it got there only through numbers the student wrote with the
    slip (carried at full digits); None if none does.  A wrong answer is reproduced
    within the digits written (rounded or cut); an inexact right one only exactly (the
    slip's number is theirs)."""
    key, written = result.quantity.key, result.answer.given
    wrong = result.verdict == "wrong"
    unit = result.answer.unit if wrong and truncation else 0.0
    tries = [(position, values) for position, world in enumerate(WORLDS)
             for values in (("exact", "carried") if world == "exact" else ("yours",))]
    for position, calculation in tries:
        world = WORLDS[position]
        value, carried = made[calculation].get(key, (None, False))
        if value is None or not math.isfinite(value):
            continue
        # A slip that leaves this number as it is explains nothing.
        unslipped = exact[key] if world == "exact" else result.yours
        if _close(value, unslipped, 0.0):
            continue
        if world == "drift":
            if not wrong or not result.drift:
                continue
            allowed = tol + result.drift
        else:
            allowed = tol if wrong else 0.0
        if _close(written, value, allowed) or _truncated(written, value, unit, allowed - tol):
            return position, carried
    return None


@dataclass(frozen=True)
class _OnlyIn:
    """``world`` with its slip made only in the quantities the student wrote."""

    world: Callable
    written: dict

    @property
    def layer(self) -> int | None:
        return getattr(self.world, "layer", None)

    def __call__(self, q: Quantity):
        return self.world(q) if q.key in self.written else None


def _step_positions(worked: Worked) -> dict[int, int]:
    """Step → the position of its first computed quantity."""
    positions: dict[int, int] = {}
    for position, q in enumerate(worked.quantities):
        if q.compute is not None and q.key.step is not None:
            positions.setdefault(q.key.step, position)
    return positions


class _SlipWorlds:
    """``evaluate`` under a slip made in a window of the calculation, redoing only what
    the slip changes.

    A slip world recomputes the quantities of the window ``first``…``upto`` where the
    slip is made and those downstream of them, only among the quantities the targets
    depend on, from the values of a calculation without the slip (the student's, or
    backcalc's exact ones); a value the student wrote stops the change (it stands in for
    the recomputed one).  The values are exactly ``evaluate``'s with the slip made in
    the window only: the same functions of the same numbers."""

    def __init__(self, worked: Worked, first: int, upto: int, targets: list[Key]):
        self.quantities = worked.quantities
        self.targets = set(targets)
        self.cost = 0
        window = range(first, upto + 1)
        # What the targets depend on within the window, through the right operands or a
        # slip's (what comes before the window is the same in every world).
        needed = set(targets)
        for position in reversed(window):
            q = self.quantities[position]
            if q.key in needed:
                needed.update(q.operands)
                for variants in q.slips.values():
                    for operands, _ in variants.values():
                        needed.update(operands)
        self.dependents: dict[Key, list[int]] = {}
        # slip → layer → where it can be made (None: every layer)
        self.sites: dict[str, dict[int | None, list[int]]] = {}
        for position in window:
            q = self.quantities[position]
            if q.key not in needed or q.compute is None:
                continue
            for operand in q.operands:
                self.dependents.setdefault(operand, []).append(position)
            for name in q.slips:
                layers = self.sites.setdefault(name, {})
                layers.setdefault(None, []).append(position)
                layers.setdefault(q.key.layer, []).append(position)

    def recomputed(self, name: str, world: Callable, values: dict, stops: dict,
                   carry: dict | None = None) -> dict[Key, tuple[float, bool]]:
        """The targets the slip changes: their values under it, and whether the change
        reached them only through a written value carried on.  What ``evaluate`` with
        ``stops`` as the given values, the slip made in the window, computes for them
        (for a given target, from its operands).  ``carry`` (key → tolerance): a given
        value within its tolerance of the slip's does not stop the change, it carries it."""
        sites = self.sites.get(name, {}).get(getattr(world, "layer", None), ())
        queue = [p for p in sites if world(self.quantities[p])]
        queued = set(queue)
        heapq.heapify(queue)
        changed: dict[Key, float] = {}
        fresh: set[Key] = set()     # changed by the slip made where nothing was written
        targets: dict[Key, tuple[float, bool]] = {}
        while queue:
            q = self.quantities[heapq.heappop(queue)]
            assert q.compute is not None        # only computed quantities are queued
            made_here = world(q)
            operands, compute = made_here or (q.operands, q.compute)
            value = safe(compute, [changed[o] if o in changed else values[o]
                                   for o in operands])
            self.cost += 1
            new = bool(made_here) or any(o in fresh for o in operands)
            if q.key in self.targets:
                targets[q.key] = (value, not new)
            if q.key in stops:
                if carry is None or not _close(stops[q.key], value, carry[q.key]):
                    continue
                # Carried on as written: below it, the slip is the student's earlier one.
            elif new:
                fresh.add(q.key)
            changed[q.key] = value
            for position in self.dependents.get(q.key, ()):
                if position not in queued:
                    queued.add(position)
                    heapq.heappush(queue, position)
        return targets
