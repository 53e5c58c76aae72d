"""A computational graph's calculation written out as a hand calculation does it, for ``check``.

``build(calcs)`` turns the calculations of consecutive iterations (``graph.calculate``,
one per update of the parameters) into a ``worked.Worked``, as ``worked.build`` does a
network's steps, so that ``check`` judges a graph's answers with the network's machinery
(verdicts, follow-through, rounding, slips).  Every number of the calculation is a
``Quantity``:

* each operation's value (a node's own value is its last operation's; an operation inside
  an expression is ``f.1``, ``f.2``, … as in ``run``'s tables);
* each operation's local derivative with respect to each operand that is not a number
  (``∂f/∂q``);
* each path's share of a gradient, upstream · local (``∂f/∂x via q``): it is the gradient
  itself for a name used once, and for an operation inside an expression;
* each name's gradient, the sum of its paths' shares (``∂f/∂x``), 1 for the output;
* each parameter's update, x⁺ = x − η·∂f/∂x, which the next iteration starts from.

The engine's values (``graph.Calculation``) stay the reference.  Each quantity also
recomputes itself from its operands, so ``check`` can follow a student's own numbers, and
lists the slips a student could make there (``GATE_SLIPS``: a multiply gate's derivatives
not swapped, a max gate routing to the wrong input, a minus sign dropped; a share without
its upstream factor; a name's gradient from one path only), each made at one gate (or one
name's paths) at a time and named by it.

A quantity's key is a ``worked.Key`` whose kind says what it is and of which name:
``value q``, ``local f 0`` (∂f/∂ its first operand), ``share f 1``, ``grad x``,
``updated x``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from typing import cast

from .graph import Calculation, Entry, Graph, Ref
from .network import Network
from .numbers import round_half_up
from .operations import OPERATIONS
from .slips import (
    MAX_ROUTED_WRONG,
    MISSING_UPSTREAM,
    ONE_PATH_ONLY,
    SUBTRACTION_SIGN,
    UNSWAPPED_MULTIPLY,
    UPDATE_SIGN,
)
from .worked import Compute, Const, Key, Quantity, Worked, _tokens, evaluate

VALUE, LOCAL, SHARE, GRAD, UPDATED = "value", "local", "share", "grad", "updated"
"""What a graph quantity is (the first word of its key's kind)."""


def graph_key(step: int, what: str, name: str) -> Key:
    """The key of ``what`` (``VALUE``, ``GRAD``, …) of ``name`` in step ``step`` (0-based)."""
    return Key(step, None, f"{what} {name}")


class GraphWorked(Worked):
    """A graph's worked calculation (``network`` holds the ``Graph``): a slip is made at
    one gate, or at one name's paths, and named by where (``at f = q * z``)."""

    site = "gate"

    @property
    def graph(self) -> Graph:
        return cast(Graph, self.network)

    def where(self, label: str, layer: int) -> str:
        return label


FORMS = {"+": "{a} + {b}", "-": "{a} − {b}", "*": "{a}·{b}", "/": "{a}/{b}",
         "**": "{a}^{b}", "neg": "−{a}", "=": "{a}"}
"""How an operator is written in a formula; a function is written name({a}) or
name({a}, {b})."""


# --- the slips of a gate -------------------------------------------------------------

def _swapped(k: int, args: Sequence[float], right: float) -> float:
    """∂(a·b)/∂a taken as a (the operand itself) where it is b."""
    return args[k]


def _rerouted(k: int, args: Sequence[float], right: float) -> float:
    """The whole gradient to the operand that lost (1 where it is 0, and 0 where 1)."""
    return 1.0 - right


def _negated(k: int, args: Sequence[float], right: float) -> float:
    """The local derivative without its minus sign: +1 for a − b, a/b² for a/b."""
    return -right


GATE_SLIPS: dict[str, tuple[str, tuple[int, ...], Callable[..., float]]] = {
    "*": (UNSWAPPED_MULTIPLY, (0, 1), _swapped),
    "max": (MAX_ROUTED_WRONG, (0, 1), _rerouted),
    "min": (MAX_ROUTED_WRONG, (0, 1), _rerouted),
    "-": (SUBTRACTION_SIGN, (1,), _negated),
    "neg": (SUBTRACTION_SIGN, (0,), _negated),
    "/": (SUBTRACTION_SIGN, (1,), _negated),
}
"""Operation → (its slip, the operands whose local derivative it changes, the wrong
local derivative from the operands' values and the right one)."""


# --- the functions quantities compute --------------------------------------------------

def _real(compute: Compute) -> Compute:
    """``compute``, nan where a student's numbers leave its domain (a log of a negative
    number, a negative number to a fractional power, an overflow)."""
    def guarded(v: Sequence[float]) -> float:
        try:
            value = compute(v)
        except (ArithmeticError, ValueError, TypeError):
            return math.nan
        return float(value) if isinstance(value, (int, float)) else math.nan
    return guarded


def _fill(slots: tuple, v: Sequence[float]) -> list[float]:
    """An operation's operands: each slot's value among ``v``, or its number."""
    return [v[slot] if isinstance(slot, int) else slot.value for slot in slots]


def _forward(forward: Callable, slots: tuple, v: Sequence[float]) -> float:
    return forward(*_fill(slots, v))


def _local(local: Callable, slots: tuple, k: int, v: Sequence[float]) -> float:
    """∂value/∂operand k, from the operands and the value (the last of ``v``)."""
    return local(*_fill(slots, v[:-1]), v[-1])[k]


def _slipped_local(local: Callable, slots: tuple, k: int, change: Callable,
                   v: Sequence[float]) -> float:
    args = _fill(slots, v[:-1])
    return change(k, args, local(*args, v[-1])[k])


def _product(v: Sequence[float]) -> float:
    """upstream · local; nothing flows where the upstream gradient is 0 (as ``graph``)."""
    return v[0] * v[1] if v[0] != 0 else 0.0


def _sum(v: Sequence[float]) -> float:
    """The paths' shares added one by one, in the order ``graph.backward`` adds them."""
    total = 0.0
    for share in v:
        total += share
    return total


def _first(v: Sequence[float]) -> float:
    return v[0]


def _update(rate: float, sign: float, v: Sequence[float]) -> float:
    return v[0] - sign * rate * v[1]


def _constant(value: float, v: Sequence[float]) -> float:
    return value


# --- building ----------------------------------------------------------------------------

class _Builder:
    def __init__(self, decimals: int | None):
        self.decimals = decimals
        self.quantities: list[Quantity] = []
        self.index: dict[Key, Quantity] = {}
        self.step = 0
        self.iteration = 1

    def add(self, q: Quantity) -> Key:
        self.quantities.append(q)
        self.index[q.key] = q
        return q.key

    def wrap(self, compute: Compute) -> Compute:
        guarded = _real(compute)
        if self.decimals is None:
            return guarded
        decimals = self.decimals
        return lambda v: round_half_up(guarded(v), decimals)

    def computed(self, key: Key, symbol: str, value: float, operands: list[Key], tokens: list,
                 compute: Compute, note: str = "", slips: dict | None = None) -> Key:
        return self.add(Quantity(key, symbol, float(value), list(operands), tokens,
                                 self.wrap(compute), note, self.iteration,
                                 {name: {label: (ops, self.wrap(f))
                                         for label, (ops, f) in variants.items()}
                                  for name, variants in (slips or {}).items()}))

    def build(self, calcs: list[Calculation]) -> GraphWorked:
        first = calcs[0].graph
        names = {name: self.add(Quantity(graph_key(0, VALUE, name), name, value))
                 for name, value in first.inputs.items()}
        for step, calc in enumerate(calcs):
            self.step, self.iteration = step, calc.graph.iteration + 1
            if step:
                names = self.carried(calc, names)
            keys, entry_keys = self.forward(calc, names)
            grads = self.backward(calc, keys, entry_keys)
            names = self.updates(calc, names, grads)
        worked = GraphWorked(cast(Network, first), [], self.quantities, self.index)
        if self.decimals is not None:       # every value as the rounded calculation has it
            values, _ = evaluate(worked, {})
            for q in self.quantities:
                q.value = values[q.key]
        return worked

    def carried(self, calc: Calculation, names: dict[str, Key]) -> dict[str, Key]:
        """Each parameter as this step starts: the last step's updated value."""
        keys = dict(names)
        for name in calc.graph.parameters:
            keys[name] = self.computed(graph_key(self.step, VALUE, name), name,
                                       calc.values[name], [names[name]], [0], _first,
                                       f"{name}⁺ of iteration {self.iteration - 1}")
        return keys

    def slots(self, entry: Entry, keys: dict[str, Key], entry_keys: list[Key]):
        """The keys of ``entry``'s operands that are not numbers, and each operand's slot:
        its position among those keys, or its number (a ``Const``)."""
        operands: list[Key] = []
        slots: list = []
        for operand in entry.operands:
            if isinstance(operand, float):
                slots.append(Const(f"{operand:g}", operand))
                continue
            slots.append(len(operands))
            operands.append(entry_keys[operand.index] if isinstance(operand, Ref)
                            else keys[operand])
        return operands, tuple(slots)

    def forward(self, calc: Calculation, names: dict[str, Key]):
        keys = dict(names)
        entry_keys: list[Key] = []
        for entry in calc.entries:
            operation = OPERATIONS[entry.op]
            operands, slots = self.slots(entry, keys, entry_keys)
            form = FORMS.get(entry.op) or (
                f"{entry.op}({{a}})" if operation.arity == 1 else f"{entry.op}({{a}}, {{b}})")
            key = self.computed(graph_key(self.step, VALUE, entry.label), entry.label,
                                entry.value, operands, _tokens(form, dict(zip("ab", slots))),
                                partial(_forward, operation.forward, slots))
            entry_keys.append(key)
            if entry.label == entry.node:
                keys[entry.node] = key
        return keys, entry_keys

    def backward(self, calc: Calculation, keys: dict[str, Key],
                 entry_keys: list[Key]) -> dict[str, Key]:
        """Every gradient of the output, from the output down: name → its key."""
        graph, s = calc.graph, self.step
        out = graph.output
        last = next(i for i, e in enumerate(calc.entries) if e.label == out)
        uses: dict[str, list[tuple[int, int]]] = {}     # name → (entry, operand), file order
        for i in range(last + 1):
            for k, operand in enumerate(calc.entries[i].operands):
                if isinstance(operand, str):
                    uses.setdefault(operand, []).append((i, k))
        grads = {out: self.computed(graph_key(s, GRAD, out), f"∂{out}/∂{out}", 1.0, [],
                                    ["1"], partial(_constant, 1.0), "the output")}
        shares: dict[tuple[int, int], Key] = {}
        entry_grads: dict[int, Key] = {}
        for i in range(last, -1, -1):
            entry = calc.entries[i]
            if entry.label == entry.node:
                if entry.node not in grads:
                    grads[entry.node] = self.total(calc, entry.node, uses, shares)
                upstream = grads[entry.node]
            else:
                upstream = entry_grads[i]
            self.gate(calc, i, upstream, keys, entry_keys, uses, shares, entry_grads, grads)
        for name in calc.values:            # inputs, then nodes after the output
            if name not in grads:
                grads[name] = self.total(calc, name, uses, shares)
        return grads

    def gate(self, calc: Calculation, i: int, upstream: Key, keys: dict[str, Key],
             entry_keys: list[Key], uses: dict, shares: dict, entry_grads: dict,
             grads: dict) -> None:
        """One operation's local derivatives and what it hands each operand."""
        s, out = self.step, calc.graph.output
        entry = calc.entries[i]
        operation = OPERATIONS[entry.op]
        operands, slots = self.slots(entry, keys, entry_keys)
        with_value = operands + [entry_keys[i]]
        site = f"at {entry.label} = {entry.text}"
        gate_slip = GATE_SLIPS.get(entry.op)
        for k, operand in enumerate(entry.operands):
            if isinstance(operand, float):
                continue
            label = calc.operand_label(operand)
            slips = {}
            if gate_slip and k in gate_slip[1]:
                name, _, change = gate_slip
                slips[name] = {site: (with_value, partial(_slipped_local, operation.local,
                                                          slots, k, change))}
            template = operation.rules[k] if entry.op != "=" else "1"
            local = self.computed(graph_key(s, LOCAL, f"{entry.label} {k}"),
                                  f"∂{entry.label}/∂{label}", entry.local[k], with_value,
                                  _tokens(template, dict(zip("ab", slots))),
                                  partial(_local, operation.local, slots, k), slips=slips)
            if isinstance(operand, Ref):             # an operation inside the expression
                key, symbol = graph_key(s, GRAD, label), f"∂{out}/∂{label}"
                entry_grads[operand.index] = key
            elif len(uses[operand]) == 1:
                key, symbol = graph_key(s, GRAD, operand), f"∂{out}/∂{operand}"
                grads[operand] = key
            else:
                key = graph_key(s, SHARE, f"{entry.label} {k}")
                symbol = f"∂{out}/∂{operand} via {entry.label}"
                shares[i, k] = key
            share = entry.share(k)
            names = dict(zip("ab", (calc.operand_label(o) for o in entry.operands)))
            self.computed(key, symbol, share, [upstream, local], [0, "·", 1], _product,
                          f"∂{entry.label}/∂{label} = {template.format(**names)}",
                          slips={MISSING_UPSTREAM: {site: ([local], _first)}})

    def total(self, calc: Calculation, name: str, uses: dict, shares: dict) -> Key:
        """A name's gradient: the sum of its paths' shares (0 with none)."""
        out = calc.graph.output
        key, symbol = graph_key(self.step, GRAD, name), f"∂{out}/∂{name}"
        paths = uses.get(name, [])
        if not paths:
            return self.computed(key, symbol, calc.grads[name], [], ["0"],
                                 partial(_constant, 0.0), "not on the way to the output")
        # Added as the engine adds them (the last use first), written in file order.
        added = sorted(paths, key=lambda path: (-path[0], path[1]))
        tokens: list = []
        for path in paths:
            tokens += ([" + "] if tokens else []) + [added.index(path)]
        slips = {ONE_PATH_ONLY: {self.only(calc, name, path): ([shares[path]], _first)
                                 for path in paths}}
        return self.computed(key, symbol, calc.grads[name], [shares[p] for p in added],
                             tokens, _sum, "the sum of its paths", slips=slips)

    @staticmethod
    def only(calc: Calculation, name: str, path: tuple[int, int]) -> str:
        """Where one_path_only is made: ``only x's path via q`` (which operand, when the
        operation uses the name twice)."""
        entry = calc.entries[path[0]]
        twice = sum(operand == name for operand in entry.operands) > 1
        return f"only {name}'s path via {entry.label}" + (
            f" (its operand {path[1] + 1})" if twice else "")

    def updates(self, calc: Calculation, names: dict[str, Key],
                grads: dict[str, Key]) -> dict[str, Key]:
        """Each parameter's update; returns what the next step starts from."""
        graph = calc.graph
        after = dict(names)
        rate = graph.learning_rate
        if rate is None:
            return after
        for name in graph.parameters:
            operands = [names[name], grads[name]]
            after[name] = self.computed(
                graph_key(self.step, UPDATED, name), f"{name}⁺", calc.updated[name],
                operands, [0, " − ", Const("η", rate), "·", 1], partial(_update, rate, 1.0),
                slips={UPDATE_SIGN: {"": (operands, partial(_update, rate, -1.0))}})
        return after


def build(calcs: list[Calculation], decimals: int | None = None) -> GraphWorked:
    """The worked calculation of consecutive iterations' ``calcs`` (each a
    ``graph.calculate``); ``decimals``: every computed value rounded to that many places
    before it is used further (``check --round``), the values then the rounded ones."""
    return _Builder(decimals).build(calcs)


def numbers_per_step(calc: Calculation) -> int:
    """About how many numbers one iteration's worked calculation holds (never fewer):
    each operation's value, each local derivative and share, each gradient and update."""
    operands = sum(not isinstance(operand, float)
                   for entry in calc.entries for operand in entry.operands)
    return len(calc.entries) + 2 * operands + len(calc.values) + 3 * len(calc.graph.parameters)
