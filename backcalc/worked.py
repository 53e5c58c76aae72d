"""The calculation written out as a hand calculation does it: one number at a time.

``build(network, steps)`` turns the engine's trace of some steps into a ``Worked``:
every z, a, loss, ∂L/∂a, f′, δ, gradient, optimizer memory and updated parameter
as a ``Quantity``, in the order a hand calculation goes.  Each quantity knows

* its operands (other quantities; inputs, targets and the first parameters are
  leaves),
* its formula, written with the user's names, which ``--explain`` prints with
  the numbers substituted, and
* a function that recomputes it from its operands' values.

The engine's values stay the reference.  The recomputation is what lets
``check`` follow a student's own numbers (``evaluate`` with their values in
place of the engine's) and try common slips: a quantity lists, under each slip's
name, the operands or function a student making that slip would use.

The rules come from where they belong: quantities' kinds and symbols from the
catalogue (``quantities``); a = f(z), f′, δ and their slips from the layer's
activation; the loss, ∂L/∂a, a closed-form δ and their slips from the loss (and its
``FUSED`` pair); each parameter's update, its memory and update_sign from the
optimizer (``Optimizer.worked_lines``).  What is built here is the network's own
structure: z = Σ w·a + b, ∂L/∂a = Σ w·δ, the gradients, and the slips of that
structure (transposed weights, a missing bias, the already updated weights).
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import NamedTuple

import numpy as np

from .activations import mistaken_for
from .document import plain
from .engine import Step
from .equations import Equations, neuron_symbol
from .losses import fused_pair
from .network import Network
from .numbers import round_half_up
from .optimizers import OPTIMIZERS, memory_kinds
from .penalties import penalty_of
from .quantities import (
    A_DROPOUT,
    COST,
    COST_GRADIENTS_OF,
    DELTA,
    DL_DA,
    DL_DB,
    DL_DW,
    FPRIME,
    GRADIENTS_OF,
    INPUT,
    LOSS,
    PENALTY,
    SAMPLE_LOSS,
    TARGET,
    UPDATED_OF,
    A,
    B,
    W,
    Z,
)
from .slips import MISSING_BIAS, TRANSPOSED_WEIGHTS, UPDATED_WEIGHTS_IN_DELTA

MAX_TERMS = 8
"""Sums of more terms are written with their first and last terms only (values stay exact)."""

MAX_SINGLE_SWAPS = 36
"""Layers with more weights are tried transposed whole for check's slips, not weight by weight."""


class Key(NamedTuple):
    """Which number: step (0-based, None for inputs and targets), sample (0-based in the
    file, None for values of the whole step), kind, layer (0-based), neuron, input."""

    step: int | None
    sample: int | None
    kind: str
    layer: int = 0
    neuron: int = 0
    input: int = 0


ZERO = Key(None, None, "zero")   # stands for a term a slip leaves out (a missing bias)


@dataclass(frozen=True)
class Const:
    """A constant in a formula: its symbol (η) and the value substituted for it."""

    symbol: str
    value: float


Compute = Callable[[Sequence[float]], float]


@dataclass
class Quantity:
    key: Key
    symbol: str
    value: float                                   # what the engine computed
    operands: list[Key] = field(default_factory=list)
    tokens: list = field(default_factory=list)     # the formula: text, operand positions, Consts
    compute: Compute | None = None                 # None: a leaf (given, not computed)
    note: str = ""
    iteration: int = 0
    # slip name → variant → (operands, compute) a student making that slip would use
    slips: dict = field(default_factory=dict)
    # Another way a hand calculation gets it, as (operands, compute): a closed-form δ
    # worked the long way, ∂L/∂a·f′ (check follows a student who wrote those).
    alternative: tuple | None = None

    @property
    def is_leaf(self) -> bool:
        return self.compute is None


@dataclass
class Worked:
    network: Network
    steps: list[Step]
    quantities: list[Quantity]
    index: dict[Key, Quantity]
    stopped: str | None = None          # why the run behind it stopped, if it did

    def __post_init__(self):
        self._order = {q.key: n for n, q in enumerate(self.quantities)}

    def __getitem__(self, key: Key) -> Quantity:
        return self.index[key]

    def order(self, q: Quantity) -> int:
        """Where q comes in the calculation (0 first)."""
        return self._order[q.key]

    def formula(self, q: Quantity) -> str:
        return plain(Equations(self).formula(q), repr)

    def substituted(self, q: Quantity, values: dict[Key, float] | None, fmt) -> str:
        return plain(Equations(self).substituted(q, values), fmt)

    site = "layer"      # where a slip is made, one at a time (check's summary names it)

    def where(self, label: str, layer: int) -> str:
        """Where ``check`` says a slip was made: its variant (``label``) in a layer."""
        return f"{label} in layer {layer + 1}" if label else f"in layer {layer + 1}"

    def line(self, q: Quantity, fmt, values: dict[Key, float] | None = None,
             value: float | None = None) -> str:
        """``z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775``."""
        return Equations(self).equation(q, values, value).text(fmt)

    def line_parts(self, q: Quantity, fmt, values: dict[Key, float] | None = None,
                   value: float | None = None) -> tuple[list[str], str]:
        """The sides of ``line``'s equation (repeats left out), and its note ("" if none)."""
        equation = Equations(self).equation(q, values, value)
        return [plain(side, fmt) for side in equation.sides(fmt)], equation.note


def evaluate(worked: Worked, given: dict[Key, float], world: Callable | None = None,
             upto: int | None = None) -> tuple[dict[Key, float], dict[Key, float]]:
    """Every quantity recomputed from its operands, the ``given`` values standing in
    for the computed ones.  Returns (values, recomputed): ``recomputed`` holds, for
    each given quantity, what its operands' values make of it.  ``world`` may swap a
    quantity's (operands, compute) for a slip's."""
    values: dict[Key, float] = {ZERO: 0.0}
    recomputed: dict[Key, float] = {}
    for position, q in enumerate(worked.quantities):
        if upto is not None and position > upto:
            break
        if q.compute is None:       # a leaf
            values[q.key] = q.value
            continue
        operands, compute = (world(q) if world else None) or (q.operands, q.compute)
        value = safe(compute, [values[o] for o in operands])
        if q.key in given:
            recomputed[q.key] = value
            value = given[q.key]
        values[q.key] = value
    return values, recomputed


def safe(compute: Compute, args: list[float]) -> float:
    """A student's numbers may leave a function's domain (ln of a negative a): nan then."""
    try:
        with np.errstate(all="ignore"):
            return float(compute(args))
    except (OverflowError, ValueError, ZeroDivisionError):
        return math.nan


# --- naming ------------------------------------------------------------------

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _tokens(template: str, positions: dict) -> list:
    """``"{a}(1 − {a})"`` with {a} → operand 1: ["", 1, "(1 − ", 1, ")"] (empty text dropped)."""
    tokens = []
    for i, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        if i % 2:
            tokens.append(positions[piece])
        elif piece:
            tokens.append(piece)
    return tokens


def _rounded(rnd: Callable[[float], float], compute: Compute) -> Compute:
    """``compute`` with its result rounded by ``rnd``."""
    return lambda v: rnd(compute(v))


def _sum_tokens(pairs: list[tuple], limit: int | None = MAX_TERMS) -> list:
    """Tokens of Σ p·q over (p, q) operand positions, the middle elided past ``limit``."""
    plus = " + "
    shown: list[int | None] = list(range(len(pairs)))
    if limit is not None and len(pairs) > limit:
        shown = shown[:3] + [None] + shown[-1:]
    tokens: list = []
    for index in shown:
        if tokens:
            tokens.append(plus)
        if index is None:
            tokens.append(f"… ({len(pairs) - 4} more terms)")
            continue
        for k, part in enumerate(pairs[index]):
            if k:
                tokens.append("·")
            tokens.append(part)
    return tokens


def _layer_tokens(template: str, term: str, groups: dict, j: int,
                  limit: int | None = MAX_TERMS) -> list:
    """Tokens of a formula over a whole layer (softmax): {name} in ``template`` stands for
    neuron j's operand of group ``name`` (a list of operand positions, one per neuron),
    {terms} for the sum of ``term`` over every neuron, the middle elided past ``limit``."""
    size = len(next(iter(groups.values())))
    shown: list = list(range(size))
    if limit is not None and size > limit:
        shown = shown[:3] + [None] + shown[-1:]
    terms: list = []
    for k in shown:
        if terms:
            terms.append(" + ")
        if k is None:
            terms.append(f"… ({size - 4} more terms)")
            continue
        terms += _tokens(term, {name: positions[k] for name, positions in groups.items()})
    own = {name: positions[j] for name, positions in groups.items()}
    head, _, tail = template.partition("{terms}")
    return _tokens(head, own) + terms + _tokens(tail, own)


# --- building ----------------------------------------------------------------

class _Builder:
    def __init__(self, network: Network, steps: list[Step], learning_rate: float,
                 limit: int | None, with_slips: bool):
        self.net = network
        self.steps = steps
        self.learning_rate = learning_rate
        self.limit = limit
        self.with_slips = with_slips          # --explain needs none; check tries them
        self.quantities: list[Quantity] = []
        self.index: dict[Key, Quantity] = {}
        decimals = network.round_intermediates
        self.rnd = (lambda x: x) if decimals is None else (lambda x: round_half_up(x, decimals))
        self.base = network.index_base
        self.fused = fused_pair(network.loss, network.layers[-1].activation)
        self.optimizer = OPTIMIZERS[network.optimizer.name](network)
        self.penalty = penalty_of(network)
        # The gradients the update uses: ∂J/∂θ with an L2 penalty, else ∂L/∂θ.
        self.used_gradients = COST_GRADIENTS_OF if self.penalty else GRADIENTS_OF
        self.memory = {memory.kind: memory for memory in memory_kinds()}
        # The activations a student might use instead of each layer's (wrong_activation).
        self.others = [mistaken_for(layer.activation, network.relu_derivative_at_zero)
                       for layer in network.layers]

    def add(self, q: Quantity) -> Quantity:
        self.quantities.append(q)
        self.index[q.key] = q
        return q

    def leaf(self, key: Key, symbol: str, value: float) -> Key:
        if key not in self.index:
            self.add(Quantity(key, symbol, float(value)))
        return key

    def computed(self, key: Key, symbol: str, value: float, operands: list[Key], tokens: list,
                 compute: Compute, note: str = "", slips: dict | None = None) -> Key:
        """A computed quantity; ``slips``: slip → variant → (operands, compute)."""
        # Unrounded, a function is kept as it is: no wrapper per quantity and slip.
        wrap = (lambda f: f) if self.net.round_intermediates is None else \
            partial(_rounded, self.rnd)
        slips = slips if self.with_slips and slips else {}
        self.add(Quantity(key, symbol, float(value), list(operands), tokens,
                          wrap(compute), note, self.iteration,
                          {name: {label: (ops, wrap(f))
                                  for label, (ops, f) in variants.items()}
                           for name, variants in slips.items()}))
        return key

    @staticmethod
    def named_slips(slips: dict, operands: dict) -> dict:
        """A registry's slips, whose operands are names, with those names' keys."""
        return {name: {label: ([operands[o] for o in names], compute)
                       for label, (names, compute) in variants.items()}
                for name, variants in slips.items()}

    @staticmethod
    def scaled_slips(slips: dict, operands: list[Key], compute: Compute) -> dict:
        """Slips that change a quantity's own value (a sign, a factor): slip → function of
        the right value, as slip → variant → (operands, compute)."""
        return {name: {"": (operands, lambda v, f=compute, change=change: change(f(v)))}
                for name, change in slips.items()}

    # --- the whole calculation ----------------------------------------------
    def build(self) -> Worked:
        net = self.net
        params = self.first_parameters()
        slots = self.first_slots()
        for number, step in enumerate(self.steps):
            self.iteration = step.iteration
            self.step = number
            rows = step.pass_.sample_indices
            self.tagged = len(rows) > 1
            for row, sample in enumerate(rows):
                self.forward(step, row, sample, params)
            self.batch_loss(step, rows)
            if self.penalty:
                self.cost(step, rows, params)
            for layer in range(len(net.layers) - 1, -1, -1):
                for row, sample in enumerate(rows):
                    self.backward(step, row, sample, layer, params)
                self.gradients(step, rows, layer)
                if self.penalty:
                    self.cost_gradients(step, len(rows), layer, params)
            params, slots = self.updates(step, params, slots)
        return Worked(net, self.steps, self.quantities, self.index)

    def first_parameters(self) -> dict:
        """Keys of the parameters the first step starts from (leaves)."""
        net = self.net
        params: dict[tuple, Key] = {}
        before = self.steps[0].before if self.steps else net.params
        for l, layer in enumerate(net.layers):
            for j in range(layer.size):
                for i in range(layer.inputs):
                    params["W", l, j, i] = self.leaf(Key(-1, None, W.kind, l, j, i),
                                                     W.named(net.weight_label(l, j, i)),
                                                     before[l].weights[j, i])
                bias_neuron = 0 if layer.shared_bias else j
                params["b", l, j] = self.leaf(Key(-1, None, B.kind, l, bias_neuron),
                                              B.named(net.bias_label(l, bias_neuron)),
                                              before[l].biases[bias_neuron])
        return params

    def first_slots(self) -> dict:
        slots: dict[tuple, Key] = {}
        stored = self.steps[0].slots_before if self.steps else self.net.progress.slots
        for name in stored:
            for l, p in enumerate(stored[name]):
                for (j, i), value in np.ndenumerate(p.weights):
                    self.slot(slots, name, ("W", l, j, i), value)
                for j, value in enumerate(p.biases):
                    self.slot(slots, name, ("b", l, j, 0), value)
        return slots

    def tag(self, sample: int) -> str:
        return f"[s{sample + 1}]" if self.tagged else ""

    def activation_key(self, layer: int, neuron: int, sample: int) -> Key:
        """What layer ``layer`` passes on to the next: x for the input (layer −1), ã for a
        layer with dropout, else a."""
        if layer < 0:
            return self.leaf(Key(None, sample, INPUT.kind, 0, neuron),
                             neuron_symbol(INPUT.symbol, -1, neuron, self.base, self.tag(sample)),
                             self.net.samples[sample].input[neuron])
        kind = A.kind if self.net.layers[layer].dropout is None else A_DROPOUT.kind
        return Key(self.step, sample, kind, layer, neuron)

    def target_key(self, neuron: int, sample: int) -> Key:
        return self.leaf(Key(None, sample, TARGET.kind, 0, neuron),
                         f"{TARGET.symbol}{str(neuron + self.base).translate(_SUB)}"
                         f"{self.tag(sample)}",
                         self.net.samples[sample].target[neuron])

    def sym(self, letter: str, layer: int, neuron: int, sample: int) -> str:
        return neuron_symbol(letter, layer, neuron, self.base, self.tag(sample))

    # --- forward --------------------------------------------------------------
    def forward(self, step: Step, row: int, sample: int, params: dict) -> None:
        net, s = self.net, self.step
        for l, layer in enumerate(net.layers):
            trace = step.pass_.layers[l]
            n = layer.inputs
            for j in range(layer.size):
                weights = [params["W", l, j, i] for i in range(n)]
                inputs = [self.activation_key(l - 1, i, sample) for i in range(n)]
                bias = params["b", l, j]
                tokens = _sum_tokens([(i, n + i) for i in range(n)], self.limit) + [" + ", 2 * n]
                slips = {MISSING_BIAS: {"": (weights + inputs + [ZERO], _dot_plus)}}
                if layer.size == n and n > 1:     # square: the transposed matrix
                    transposed = [params["W", l, i, j] for i in range(n)]
                    slips[TRANSPOSED_WEIGHTS] = {"": (transposed + inputs + [bias], _dot_plus)}
                singles = slips.setdefault(TRANSPOSED_WEIGHTS, {})
                swaps = self.with_slips and layer.weights.size <= MAX_SINGLE_SWAPS
                for i in range(n if swaps else 0):     # one weight from another neuron
                    for k in range(layer.size):
                        if k != j:
                            swapped = list(weights)
                            swapped[i] = params["W", l, k, i]
                            singles[f"{net.weight_label(l, k, i)} for "
                                    f"{net.weight_label(l, j, i)}"] = (
                                swapped + inputs + [bias], _dot_plus)
                self.computed(Key(s, sample, Z.kind, l, j), self.sym(Z.symbol, l, j, sample),
                              trace.z[row, j], weights + inputs + [bias], tokens, _dot_plus,
                              slips=slips)
                if layer.activation.elementwise:
                    self.activate(step, row, sample, l, j)
            if not layer.activation.elementwise:    # each a takes every z of the layer
                for j in range(layer.size):
                    self.activate(step, row, sample, l, j)
            if layer.dropout is not None:
                for j in range(layer.size):
                    self.drop(step, row, sample, l, j)

    def drop(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        """ã = a·m/p (``dropout``), with the slips of its rescaling."""
        dropout = self.net.layers[l].dropout
        assert dropout is not None
        trace = step.pass_.layers[l]
        assert trace.a_dropout is not None
        mask = float(dropout.masks[sample][j])
        a = Key(self.step, sample, A.kind, l, j)
        tokens = _tokens(dropout.template(), {"a": 0, **self.dropout_constants(l, mask)})
        self.computed(Key(self.step, sample, A_DROPOUT.kind, l, j),
                      self.sym(A_DROPOUT.symbol, l, j, sample), trace.a_dropout[row, j], [a],
                      tokens, partial(_dropped, dropout, mask, _first),
                      "dropped" if not mask else "",
                      slips={slip: {"": ([a], f)}
                             for slip, f in dropout.forward_slips(mask).items()})

    def dropout_constants(self, l: int, mask: float) -> dict:
        """The names a dropout template uses: the neuron's mask m and the keep p."""
        dropout = self.net.layers[l].dropout
        assert dropout is not None
        return {"m": Const("m", mask), "p": Const("p", dropout.divisor)}

    def activate(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        activation = self.net.layers[l].activation
        s, a_symbol = self.step, self.sym(A.symbol, l, j, sample)
        value = step.pass_.layers[l].a[row, j]
        key = Key(s, sample, A.kind, l, j)
        compute = partial(activation.forward_one, j)
        if not activation.elementwise:
            size = self.net.layers[l].size
            zs = [Key(s, sample, Z.kind, l, k) for k in range(size)]
            tokens = _layer_tokens(activation.forward_template, activation.forward_term,
                                   {"z": list(range(size))}, j, self.limit)
            self.computed(key, a_symbol, value, zs, tokens, compute)
            return
        z = Key(s, sample, Z.kind, l, j)
        self.computed(key, a_symbol, value, [z], _tokens(activation.forward_template, {"z": 0}),
                      compute, slips=self.named_slips(activation.forward_slips(self.others[l]),
                                                      {"z": z}))

    # --- loss -----------------------------------------------------------------
    def sample_loss(self, step: Step, row: int, sample: int) -> Key:
        net, s = self.net, self.step
        last = len(net.layers) - 1
        outputs = net.layers[-1].size
        a = [Key(s, sample, A.kind, last, j) for j in range(outputs)]
        y = [self.target_key(j, sample) for j in range(outputs)]
        loss = net.loss
        terms: list = []
        for j in range(outputs):
            if terms:
                terms.append(" + ")
            terms += _tokens(loss.term_template, {"y": outputs + j, "a": j})
        if self.limit is not None and outputs > self.limit:
            terms = _tokens(loss.term_template, {"y": outputs, "a": 0}) + [
                f" + … ({outputs - 1} more terms)"]
        head, _, tail = loss.sum_template.partition("{terms}")
        head = head.replace("{n}", str(outputs))
        tokens = ([head] if head else []) + terms + ([tail] if tail else [])

        # Everything it needs is bound here: a function holding ``self`` would tie the
        # builder and the whole calculation into a cycle that only the collector frees.
        def compute(v, loss=loss, n=outputs, rnd=self.rnd):
            av, yv = np.array([v[:n]]), np.array([v[n:]])
            return float(np.sum([rnd(t) for t in loss.terms(av, yv)[0]]))
        return self.computed(Key(s, sample, SAMPLE_LOSS.kind),
                             SAMPLE_LOSS.symbol + self.tag(sample), step.pass_.losses[row],
                             a + y, tokens, compute,
                             slips=self.scaled_slips(loss.loss_slips(), a + y, compute))

    def batch_loss(self, step: Step, rows: list[int]) -> None:
        keys = [self.sample_loss(step, row, sample) for row, sample in enumerate(rows)]
        if len(keys) == 1:
            self.index[Key(self.step, None, LOSS.kind)] = self.index[keys[0]]
            return
        mean = self.net.reduction == "mean"
        tokens = (["(1/", str(len(keys)), ")("] if mean else []) + _sum_tokens(
            [(k,) for k in range(len(keys))], self.limit) + ([")"] if mean else [])
        count = len(keys)
        self.computed(Key(self.step, None, LOSS.kind), LOSS.symbol, step.loss, keys, tokens,
                      (lambda v: sum(v) / count) if mean else (lambda v: sum(v)),
                      note=f"{self.net.reduction} over the samples")

    # --- backward -------------------------------------------------------------
    def backward(self, step: Step, row: int, sample: int, l: int, params: dict) -> None:
        net, s = self.net, self.step
        layer = net.layers[l]
        trace = step.pass_.layers[l]
        last = l == len(net.layers) - 1
        if last:
            self.sample_loss_gradient(step, row, sample)
        else:
            following = net.layers[l + 1]
            update = self.optimizer.stateless_update(self.learning_rate)
            for i in range(layer.size):
                weights = [params["W", l + 1, j, i] for j in range(following.size)]
                deltas = [Key(s, sample, DELTA.kind, l + 1, j) for j in range(following.size)]
                m = following.size
                slips: dict[str, dict] = {}
                if update is not None:
                    # The next layer's weights as already updated (w − η·∂L/∂w), each term.
                    used = self.used_gradients["W"].kind
                    grads = [Key(s, None, used, l + 1, j, i) for j in range(m)]
                    slips[UPDATED_WEIGHTS_IN_DELTA] = {"": (
                        weights + grads + deltas,
                        lambda v, m=m, update=update, rnd=self.rnd: math.fsum(
                            rnd(update(v[k], v[m + k])) * v[2 * m + k] for k in range(m)))}
                if following.size == following.inputs and m > 1:
                    transposed = [params["W", l + 1, i, j] for j in range(m)]
                    slips[TRANSPOSED_WEIGHTS] = {"": (transposed + deltas, _dot)}
                tokens = _sum_tokens([(j, m + j) for j in range(m)], self.limit)
                compute: Compute = _dot
                note = ""
                if layer.dropout is not None:      # ∂L/∂f(z) = ∂L/∂ã·m/p
                    compute, tokens, note = self.dropped_gradient(l, i, sample, tokens,
                                                                  weights + deltas, slips)
                self.computed(Key(s, sample, DL_DA.kind, l, i),
                              self.sym(DL_DA.symbol, l, i, sample), trace.dL_da[row, i],
                              weights + deltas, tokens, compute, note, slips=slips)
        if layer.activation.elementwise:
            for j in range(layer.size):
                self.fprime(step, row, sample, l, j)
        for j in range(layer.size):
            self.delta(step, row, sample, l, j)

    def dropped_gradient(self, l: int, i: int, sample: int, tokens: list,
                         operands: list[Key], slips: dict) -> tuple[Compute, list, str]:
        """A dropout layer's ∂L/∂a = (Σ w·δ)·m/p: its compute, tokens and note; ``slips``
        (the sum's own, made with the mask as ever) get the dropout's slips too."""
        dropout = self.net.layers[l].dropout
        assert dropout is not None
        mask = float(dropout.masks[sample][i])

        def masked(f: Compute) -> Compute:
            return partial(_dropped, dropout, mask, f)
        for variants in slips.values():
            for label, (ops, f) in variants.items():
                variants[label] = (ops, masked(f))
        for slip, variants in dropout.backward_slips(mask).items():
            slips[slip] = {label: (operands, lambda v, g=g: g(_dot(v)))
                           for label, g in variants.items()}
        tokens = ["("] + tokens + [")"] + _tokens(dropout.backward_template(),
                                                  self.dropout_constants(l, mask))
        return masked(_dot), tokens, "dropped: ∂L/∂a is 0" if not mask else ""

    def sample_loss_gradient(self, step: Step, row: int, sample: int) -> None:
        net, s = self.net, self.step
        l = len(net.layers) - 1
        outputs = net.layers[l].size
        loss = net.loss
        for j in range(outputs):
            a, y = Key(s, sample, A.kind, l, j), self.target_key(j, sample)

            def compute(v, n=outputs, loss=loss):
                return loss.gradient_one(v, n)
            tokens = _tokens(loss.gradient_template.replace("{n}", str(outputs)),
                             {"a": 0, "y": 1})
            self.computed(Key(s, sample, DL_DA.kind, l, j), self.sym(DL_DA.symbol, l, j, sample),
                          step.pass_.layers[l].dL_da[row, j], [a, y], tokens, compute,
                          slips=self.scaled_slips(loss.gradient_slips(), [a, y], compute))

    def fprime(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        activation = self.net.layers[l].activation
        s = self.step
        z, a = Key(s, sample, Z.kind, l, j), Key(s, sample, A.kind, l, j)
        trace = step.pass_.layers[l]
        assert trace.fprime is not None         # an element-wise activation's f'(z)
        template, note = activation.prime_template(float(trace.z[row, j]))
        self.computed(
            Key(s, sample, FPRIME.kind, l, j),
            f"{activation.prime_symbol}({self.sym(Z.symbol, l, j, sample)})",
            trace.fprime[row, j], [z, a], _tokens(template, {"z": 0, "a": 1}),
            activation.derivative_one, note,
            slips=self.named_slips(activation.derivative_slips(self.others[l]), {"z": z, "a": a}))

    def delta(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        net, s = self.net, self.step
        layer = net.layers[l]
        activation = layer.activation
        value = step.pass_.layers[l].delta[row, j]
        symbol = self.sym(DELTA.symbol, l, j, sample)
        key = Key(s, sample, DELTA.kind, l, j)
        last = l == len(net.layers) - 1
        fused = self.fused if last else None
        template = fused.delta_template_for(net.samples[sample].target) if fused else None
        if fused and template:                          # a closed form of δ
            outputs = layer.size
            a = Key(s, sample, A.kind, l, j)
            ys = [self.target_key(k, sample) for k in range(outputs)]
            compute = partial(fused.delta_one, j)
            slips = self.scaled_slips(fused.delta_slips(), [a] + ys, compute)
            if activation.elementwise:
                slips.update(self.chain_slips(l, j, sample))
            self.computed(key, symbol, value, [a] + ys, _tokens(template, {"a": 0, "y": 1 + j}),
                          compute, f"{net.loss.name} with {activation.name}", slips=slips)
            if activation.elementwise and self.with_slips:
                grad, fprime = Key(s, sample, DL_DA.kind, l, j), Key(s, sample, FPRIME.kind, l, j)
                self.index[key].alternative = (
                    [grad, fprime], lambda v, rnd=self.rnd: rnd(v[0] * v[1]))
            return
        if not activation.elementwise:                  # δ = Jᵀ·∂L/∂a over the layer
            size = layer.size
            grads = [Key(s, sample, DL_DA.kind, l, k) for k in range(size)]
            outs = [Key(s, sample, A.kind, l, k) for k in range(size)]
            tokens = _layer_tokens(activation.delta_template, activation.delta_term,
                                   {"g": list(range(size)), "a": list(range(size, 2 * size))},
                                   j, self.limit)
            self.computed(key, symbol, value, grads + outs, tokens,
                          partial(activation.delta_one, j), activation.delta_note)
            return
        grad, fprime = Key(s, sample, DL_DA.kind, l, j), Key(s, sample, FPRIME.kind, l, j)
        self.computed(key, symbol, value, [grad, fprime],
                      _tokens(activation.delta_template, {"g": 0, "f": 1}),
                      partial(activation.delta_one, j))

    def chain_slips(self, l: int, j: int, sample: int) -> dict:
        """Slips of a closed-form output δ worked the long way, as ∂L/∂a · f′, with f′'s
        slips made (σ′ from z, another activation's f′): a student who does not know the
        closed form makes them there too."""
        s = self.step
        activation = self.net.layers[l].activation
        grad = Key(s, sample, DL_DA.kind, l, j)
        names = {"z": Key(s, sample, Z.kind, l, j), "a": Key(s, sample, A.kind, l, j)}
        return {name: {label: ([grad] + [names[n] for n in operands],
                               lambda v, f=f, rnd=self.rnd: v[0] * rnd(f(v[1:])))
                       for label, (operands, f) in variants.items()}
                for name, variants in activation.derivative_slips(self.others[l]).items()}

    # --- gradients and updates ---------------------------------------------------
    def gradients(self, step: Step, rows: list[int], l: int) -> None:
        net, s = self.net, self.step
        layer = net.layers[l]
        grads = step.data_gradients[l]
        count = len(rows)
        mean = net.reduction == "mean" and count > 1
        scale = 1.0 / count if mean else 1.0
        wrap = (["(1/", str(count), ")("], [")"]) if mean else ([], [])
        for j in range(layer.size):
            for i in range(layer.inputs):
                operands = []
                for sample in rows:
                    operands += [Key(s, sample, DELTA.kind, l, j),
                                 self.activation_key(l - 1, i, sample)]
                pairs = [(2 * k, 2 * k + 1) for k in range(count)]
                tokens = wrap[0] + _sum_tokens(pairs, self.limit) + wrap[1]
                self.computed(Key(s, None, DL_DW.kind, l, j, i),
                              DL_DW.named(net.weight_label(l, j, i)), grads.weights[j, i],
                              operands, tokens,
                              lambda v: scale * sum(v[k] * v[k + 1]
                                                    for k in range(0, len(v), 2)))
        neurons = range(layer.size) if not layer.shared_bias else [0]
        for j in neurons:
            sources = range(layer.size) if layer.shared_bias else [j]
            operands = [Key(s, sample, DELTA.kind, l, k) for k in sources for sample in rows]
            tokens = wrap[0] + _sum_tokens([(k,) for k in range(len(operands))], self.limit) + \
                wrap[1]
            self.computed(Key(s, None, DL_DB.kind, l, j), DL_DB.named(net.bias_label(l, j)),
                          grads.biases[j], operands, tokens, lambda v: scale * sum(v),
                          "one shared bias: the sum of its layer's δ" if layer.shared_bias else "")

    # --- the L2 penalty (``penalties``) ----------------------------------------------
    def penalty_constants(self, samples: int) -> dict:
        """The names a penalty's templates use: λ and m, as constants."""
        assert self.net.l2 is not None
        return {"lam": Const("λ", self.net.l2), "m": Const("m", float(samples))}

    def cost(self, step: Step, rows: list[int], params: dict) -> None:
        """The penalty at the parameters before the update, and J = L + penalty."""
        net, s, penalty = self.net, self.step, self.penalty
        assert penalty is not None and net.l2 is not None
        lam, m = net.l2, len(rows)
        weights = [key for cell, key in params.items() if cell[0] == "W"]
        biases = list(dict.fromkeys(key for cell, key in params.items() if cell[0] == "b"))
        n = len(weights)

        def squares(scale: float, with_biases: bool) -> Compute:
            count = n + len(biases) if with_biases else n
            return lambda v: scale * math.fsum(x * x for x in v[:count])
        penalised = n + len(biases) if net.l2_biases else n
        shown: list[int | None] = list(range(penalised))
        if self.limit is not None and penalised > self.limit:
            shown = shown[:3] + [None] + shown[-1:]
        terms: list = []
        for k in shown:
            terms += [" + "] if terms else []
            terms += [f"… ({penalised - 4} more terms)"] if k is None else [k, "²"]
        head, _, tail = penalty.value_template.partition("{terms}")
        constants = self.penalty_constants(m)
        tokens = _tokens(head, constants) + terms + _tokens(tail, constants)
        scale = penalty.scale(lam, m)
        slips = {slip: {"": (weights + biases, squares(wrong, net.l2_biases))}
                 for slip, wrong in penalty.value_slips(lam, m).items()}
        if biases:
            slips[penalty.bias_slips(net.l2_biases)] = {
                "": (weights + biases, squares(scale, not net.l2_biases))}
        key = self.computed(Key(s, None, PENALTY.kind), PENALTY.symbol, step.penalty,
                            weights + biases, tokens, squares(scale, net.l2_biases),
                            "Σ over the weights and biases" if net.l2_biases
                            else "Σ over the weights; biases not penalised", slips=slips)
        loss = self.index[Key(s, None, LOSS.kind)].key
        self.computed(Key(s, None, COST.kind), COST.symbol, step.cost, [loss, key],
                      [0, " + ", 1], lambda v: v[0] + v[1])

    def cost_gradients(self, step: Step, samples: int, l: int, params: dict) -> None:
        """∂J/∂θ = ∂L/∂θ + the penalty's term of every parameter of layer ``l``."""
        net, s, penalty = self.net, self.step, self.penalty
        assert penalty is not None and net.l2 is not None
        lam = net.l2
        layer = net.layers[l]
        factor = penalty.factor(lam, samples)
        constants = self.penalty_constants(samples)
        penalised = _tokens("{grad} + " + penalty.term_template,
                            {"grad": 0, "theta": 1, **constants})

        def plus(scale: float) -> Compute:
            return lambda v: v[0] + scale * v[1]
        grads = step.gradients[l]
        cells = [("W", j, i) for j in range(layer.size) for i in range(layer.inputs)]
        cells += [("b", j, 0) for j in (range(layer.size) if not layer.shared_bias else [0])]
        for kind, j, i in cells:
            if kind == "W":
                theta, label, value = params["W", l, j, i], net.weight_label(l, j, i), \
                    grads.weights[j, i]
                wrong = penalty.gradient_slips(lam, samples)
                on = True
            else:
                theta, label, value = params["b", l, j], net.bias_label(l, j), grads.biases[j]
                on = net.l2_biases
                wrong = {penalty.bias_slips(on): 0.0 if on else factor}
            operands = [Key(s, None, GRADIENTS_OF[kind].kind, l, j, i), theta]
            slips = {slip: {"": (operands, plus(other))} for slip, other in wrong.items()}
            self.computed(Key(s, None, COST_GRADIENTS_OF[kind].kind, l, j, i),
                          COST_GRADIENTS_OF[kind].named(label), value, operands,
                          penalised if on else [0], plus(factor if on else 0.0),
                          "" if on else "not penalised: l2_biases is false", slips=slips)

    def updates(self, step: Step, params: dict, slots: dict) -> tuple[dict, dict]:
        net = self.net
        # Each line's formula is the same for every parameter: its tokens are made once.
        # A weight's and a bias's lines (the same but for AdamW's decay), each formula's
        # tokens made once.
        lines = {kind: [(line, _tokens(line.template, {
            **{name: position for position, name in enumerate(line.operands)},
            **{name: Const(symbol, value) for name, (symbol, value) in line.constants.items()}}))
            for line in self.optimizer.lines_for(kind, self.learning_rate, step.progress.updates)]
            for kind in ("W", "b")}
        new_params, new_slots = {}, dict(slots)
        for l, layer in enumerate(net.layers):
            cells = [("W", j, i) for j in range(layer.size) for i in range(layer.inputs)]
            cells += [("b", j, 0) for j in (range(layer.size) if not layer.shared_bias else [0])]
            for kind, j, i in cells:
                if kind == "W":
                    before, label = params["W", l, j, i], net.weight_label(l, j, i)
                    after = step.parameters[l].weights[j, i]
                else:
                    before, label = params["b", l, j], net.bias_label(l, j)
                    after = step.parameters[l].biases[j]
                grad = Key(self.step, None, self.used_gradients[kind].kind, l, j, i)
                updated = UPDATED_OF[kind]
                key = Key(self.step, None, updated.kind, l, j, i)
                if kind == "b" and not net.update_biases:
                    self.computed(key, updated.named(label), after, [before], [0], lambda v: v[0],
                                  "kept fixed: update_biases is false")
                else:
                    self.update_lines(step, lines[kind], (kind, l, j, i), label, key, before, grad,
                                      after, slots, new_slots)
                new_params[(kind, l, j, i) if kind == "W" else (kind, l, j)] = key
            if layer.shared_bias:
                for j in range(1, layer.size):
                    new_params["b", l, j] = new_params["b", l, 0]
        return new_params, new_slots

    def update_lines(self, step: Step, lines: list, cell: tuple, label: str, key: Key,
                     before: Key, grad: Key, after: float, slots: dict, new_slots: dict) -> None:
        """One parameter's update as the optimizer writes it (``Optimizer.worked_lines``,
        each with its tokens): its memory's lines, then the parameter's own."""
        kind, l, j, i = cell
        names = {"theta": before, "grad": grad}     # operand name → key

        def operand(name: str) -> Key:
            if name not in names:                   # "<memory>_before": as the step found it
                names[name] = self.slot(slots, name[:-len("_before")], cell)
            return names[name]
        for line, tokens in lines:
            operands = [operand(name) for name in line.operands]
            slips = {slip: {variant: ([operand(name) for name in ops], compute)
                            for variant, (ops, compute) in variants.items()}
                     for slip, variants in line.slips.items()}
            tokens = list(tokens)
            memory = line.memory
            if memory is None:                      # the parameter after the update
                self.computed(key, UPDATED_OF[kind].named(label), after, operands, tokens,
                              line.compute, slips=slips)
                continue
            memory_key = Key(self.step, None, f"{memory.kind}:{kind}", l, j, i)
            if memory.stored:
                value = _stored(step, memory.kind, cell)
                new_slots[memory.kind, kind, l, j, i] = memory_key
            else:                                   # worked out from the engine's values
                value = self.rnd(line.compute([self.index[o].value for o in operands]))
            self.computed(memory_key, memory.named(label), value, operands, tokens,
                          line.compute, slips=slips)
            names[memory.kind] = memory_key

    def slot(self, slots: dict, name: str, cell: tuple, value: float = 0.0) -> Key:
        """The optimizer memory a step starts from (0 when the run has none yet)."""
        kind, l, j, i = cell
        key = (name, kind, l, j, i)
        if key not in slots:
            label = self.net.weight_label(l, j, i) if kind == "W" else self.net.bias_label(l, j)
            slots[key] = self.leaf(Key(-1, None, f"{name}:{kind}", l, j, i),
                                   self.memory[name].named(label), value)
        return slots[key]


def _stored(step: Step, name: str, cell: tuple) -> float:
    """The engine's value of memory ``name`` for one parameter after the step's update."""
    kind, l, j, i = cell
    stored = step.progress.slots[name][l]
    return float(stored.weights[j, i] if kind == "W" else stored.biases[j])


# --- the functions quantities compute ------------------------------------------

def _dot_plus(v: Sequence[float]) -> float:
    """Σ wᵢ·aᵢ + b over operands [w…, a…, b]."""
    n = (len(v) - 1) // 2
    return math.fsum(v[i] * v[n + i] for i in range(n)) + v[-1] if n else v[-1]


def _first(v: Sequence[float]) -> float:
    return v[0]


def _dropped(dropout, mask: float, compute: Compute, v: Sequence[float]) -> float:
    """``compute``'s value·m/p (``dropout.Dropout.scaled``): ã from a, ∂L/∂a from Σ w·δ."""
    return dropout.scaled(compute(v), mask)


def _dot(v: Sequence[float]) -> float:
    """Σ wᵢ·δᵢ over operands [w…, δ…]."""
    n = len(v) // 2
    return math.fsum(v[i] * v[n + i] for i in range(n))


def build(network: Network, steps: list[Step], learning_rate: float | None = None,
          limit: int | None = MAX_TERMS, with_slips: bool = False) -> Worked:
    """The worked calculation of ``steps`` (consecutive); sums of more than ``limit``
    terms are written with their first and last terms (None: every term).
    ``with_slips`` also records the slips a student could make (for ``check``)."""
    rate = network.learning_rate if learning_rate is None else learning_rate
    # Building allocates many objects and frees none: the cyclic collector would scan
    # the growing heap again and again for nothing (a large calculation took twice as long).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _Builder(network, steps, rate, limit, with_slips).build()
    finally:
        if enabled:
            gc.enable()


def numbers_per_step(network: Network) -> int:
    """About how many numbers one step's worked calculation holds (never fewer), from
    the network's shape alone: each parameter's gradient and update lines, each
    neuron's z, a, ∂L/∂a, f′ and δ per sample, the loss terms.  ``check`` uses it to
    refuse an answers file whose calculation would be too large before building it."""
    optimizer = OPTIMIZERS[network.optimizer.name](network)
    lines = len(optimizer.worked_lines(network.learning_rate, 1))
    lines += network.l2 is not None              # ∂J/∂θ of each parameter
    samples = 1 if network.update == "online" else len(network.samples)
    neurons = sum(layer.size for layer in network.layers)
    dropped = sum(layer.size for layer in network.layers if layer.dropout)   # their ã
    outputs = network.layers[-1].size
    return (network.parameter_count * (1 + lines)
            + samples * (5 * neurons + dropped + 2 * outputs + 1) + 1
            + 2 * (network.l2 is not None))      # the penalty and J
