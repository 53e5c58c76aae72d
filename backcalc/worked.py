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
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Sequence

import numpy as np

from .document import plain
from .engine import Step
from .equations import Equations, neuron_symbol
from .losses import FUSED
from .network import Network
from .numbers import round_half_up

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
        if q.is_leaf:
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


def _sum_tokens(pairs: list[tuple], limit: int | None = MAX_TERMS) -> list:
    """Tokens of Σ p·q over (p, q) operand positions, the middle elided past ``limit``."""
    plus = " + "
    shown = list(range(len(pairs)))
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
        fused = FUSED.get((network.loss.name, network.layers[-1].activation.name))
        self.fused = fused() if fused else None
        self.others = [_other_activations(network, layer) for layer in network.layers]

    def add(self, q: Quantity) -> Quantity:
        self.quantities.append(q)
        self.index[q.key] = q
        return q

    def leaf(self, key: Key, symbol: str, value: float) -> Key:
        if key not in self.index:
            self.add(Quantity(key, symbol, float(value)))
        return key

    def computed(self, key: Key, symbol: str, value: float, operands: list[Key], tokens: list,
                 compute: Compute, note: str = "", **slips) -> Key:
        rnd = self.rnd
        slips = slips if self.with_slips else {}
        self.add(Quantity(key, symbol, float(value), list(operands), tokens,
                          lambda v, f=compute: rnd(f(v)), note, self.iteration,
                          {name: {label: (ops, lambda v, f=f: rnd(f(v)))
                                  for label, (ops, f) in variants.items()}
                           for name, variants in slips.items()}))
        return key

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
            for layer in range(len(net.layers) - 1, -1, -1):
                for row, sample in enumerate(rows):
                    self.backward(step, row, sample, layer, params)
                self.gradients(step, rows, layer)
            params, slots = self.updates(step, params, slots)
        return Worked(net, self.steps, self.quantities, self.index)

    def first_parameters(self) -> dict:
        """Keys of the parameters the first step starts from (leaves)."""
        net, params = self.net, {}
        before = self.steps[0].before if self.steps else net.params
        for l, layer in enumerate(net.layers):
            for j in range(layer.size):
                for i in range(layer.inputs):
                    params["W", l, j, i] = self.leaf(Key(-1, None, "W", l, j, i),
                                                     net.weight_label(l, j, i),
                                                     before[l].weights[j, i])
                bias_neuron = 0 if layer.shared_bias else j
                params["b", l, j] = self.leaf(Key(-1, None, "b", l, bias_neuron),
                                              net.bias_label(l, bias_neuron),
                                              before[l].biases[bias_neuron])
        return params

    def first_slots(self) -> dict:
        slots = {}
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
        if layer < 0:
            return self.leaf(Key(None, sample, "x", 0, neuron), neuron_symbol("x", -1, neuron,
                             self.base, self.tag(sample)), self.net.samples[sample].input[neuron])
        return Key(self.step, sample, "a", layer, neuron)

    def target_key(self, neuron: int, sample: int) -> Key:
        return self.leaf(Key(None, sample, "y", 0, neuron),
                         f"y{str(neuron + self.base).translate(_SUB)}{self.tag(sample)}",
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
                slips = {"missing_bias": {"": (weights + inputs + [ZERO], _dot_plus)}}
                if layer.size == n and n > 1:     # square: the transposed matrix
                    transposed = [params["W", l, i, j] for i in range(n)]
                    slips["transposed_weights"] = {"": (transposed + inputs + [bias], _dot_plus)}
                singles = slips.setdefault("transposed_weights", {})
                swaps = self.with_slips and layer.weights.size <= MAX_SINGLE_SWAPS
                for i in range(n if swaps else 0):     # one weight from another neuron
                    for k in range(layer.size):
                        if k != j:
                            swapped = list(weights)
                            swapped[i] = params["W", l, k, i]
                            singles[f"{net.weight_label(l, k, i)} for "
                                    f"{net.weight_label(l, j, i)}"] = (
                                swapped + inputs + [bias], _dot_plus)
                self.computed(Key(s, sample, "z", l, j), self.sym("z", l, j, sample),
                              trace.z[row, j], weights + inputs + [bias], tokens, _dot_plus,
                              **slips)
                if layer.activation.name != "softmax":
                    self.activate(step, row, sample, l, j)
            if layer.activation.name == "softmax":
                for j in range(layer.size):
                    self.activate(step, row, sample, l, j)

    def activate(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        activation = self.net.layers[l].activation
        s, a_symbol = self.step, self.sym("a", l, j, sample)
        value = step.pass_.layers[l].a[row, j]
        size = self.net.layers[l].size
        if activation.name == "softmax":
            zs = [Key(s, sample, "z", l, k) for k in range(size)]
            self.computed(Key(s, sample, "a", l, j), a_symbol, value, zs,
                          _softmax_tokens(j, size, self.limit), lambda v, j=j: _softmax(v)[j])
            return
        z = Key(s, sample, "z", l, j)
        self.computed(Key(s, sample, "a", l, j), a_symbol, value, [z],
                      _tokens(activation.forward_template, {"z": 0}),
                      _elementwise(activation.forward),
                      wrong_activation={g.name: ([z], _elementwise(g.forward))
                                        for g in self.others[l]})

    # --- loss -----------------------------------------------------------------
    def sample_loss(self, step: Step, row: int, sample: int) -> Key:
        net, s = self.net, self.step
        last = len(net.layers) - 1
        outputs = net.layers[-1].size
        a = [Key(s, sample, "a", last, j) for j in range(outputs)]
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

        def compute(v, loss=loss, n=outputs):
            av, yv = np.array([v[:n]]), np.array([v[n:]])
            return float(np.sum([self.rnd(t) for t in loss.terms(av, yv)[0]]))
        slips = {}
        if loss.name == "half_squared_error":
            slips["missing_half"] = {"": (a + y, lambda v, f=compute: 2 * f(v))}
        elif loss.name == "squared_error":
            slips["extra_half"] = {"": (a + y, lambda v, f=compute: 0.5 * f(v))}
        return self.computed(Key(s, sample, "sample_loss"), f"L{self.tag(sample)}" if self.tagged
                             else "L", step.pass_.losses[row], a + y, tokens, compute, **slips)

    def batch_loss(self, step: Step, rows: list[int]) -> None:
        keys = [self.sample_loss(step, row, sample) for row, sample in enumerate(rows)]
        if len(keys) == 1:
            self.index[Key(self.step, None, "loss")] = self.index[keys[0]]
            return
        mean = self.net.reduction == "mean"
        tokens = (["(1/", str(len(keys)), ")("] if mean else []) + _sum_tokens(
            [(k,) for k in range(len(keys))], self.limit) + ([")"] if mean else [])
        count = len(keys)
        self.computed(Key(self.step, None, "loss"), "L", step.loss, keys, tokens,
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
            for i in range(layer.size):
                weights = [params["W", l + 1, j, i] for j in range(following.size)]
                deltas = [Key(s, sample, "delta", l + 1, j) for j in range(following.size)]
                m = following.size
                slips = {}
                if net.optimizer.name == "sgd" and not net.momentum:
                    # The next layer's weights as already updated: w − η·∂L/∂w, each term.
                    grads = [Key(s, None, "dL/dW", l + 1, j, i) for j in range(m)]
                    slips["updated_weights_in_delta"] = {"": (
                        weights + grads + deltas,
                        lambda v, m=m, eta=self.learning_rate, rnd=self.rnd: math.fsum(
                            rnd(v[k] - eta * v[m + k]) * v[2 * m + k] for k in range(m)))}
                if following.size == following.inputs and m > 1:
                    transposed = [params["W", l + 1, i, j] for j in range(m)]
                    slips["transposed_weights"] = {"": (transposed + deltas, _dot)}
                self.computed(Key(s, sample, "dL/da", l, i),
                              f"∂L/∂{self.sym('a', l, i, sample)}", trace.dL_da[row, i],
                              weights + deltas,
                              _sum_tokens([(j, m + j) for j in range(m)], self.limit), _dot,
                              **slips)
        if layer.activation.name != "softmax":
            for j in range(layer.size):
                self.fprime(step, row, sample, l, j)
        for j in range(layer.size):
            self.delta(step, row, sample, l, j)

    def sample_loss_gradient(self, step: Step, row: int, sample: int) -> None:
        net, s = self.net, self.step
        l = len(net.layers) - 1
        outputs = net.layers[l].size
        loss = net.loss
        for j in range(outputs):
            a, y = Key(s, sample, "a", l, j), self.target_key(j, sample)

            def compute(v, n=outputs, loss=loss):
                return float(loss.gradient(np.array([[v[0]]]), np.array([[v[1]]]))[0, 0]
                             * (1.0 if loss.name != "mean_squared_error" else 1.0 / n))
            tokens = _tokens(loss.gradient_template.replace("{n}", str(outputs)),
                             {"a": 0, "y": 1})
            slips = {"delta_sign": {"": ([a, y], lambda v, f=compute: -f(v))}}
            if loss.name == "half_squared_error":
                slips["missing_half"] = {"": ([a, y], lambda v, f=compute: 2 * f(v))}
            elif loss.name == "squared_error":
                slips["extra_half"] = {"": ([a, y], lambda v, f=compute: 0.5 * f(v))}
            self.computed(Key(s, sample, "dL/da", l, j), f"∂L/∂{self.sym('a', l, j, sample)}",
                          step.pass_.layers[l].dL_da[row, j], [a, y], tokens, compute, **slips)

    def fprime(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        activation = self.net.layers[l].activation
        s = self.step
        z, a = Key(s, sample, "z", l, j), Key(s, sample, "a", l, j)
        trace = step.pass_.layers[l]
        template, note = activation.prime_template(float(trace.z[row, j]))
        derivative = _elementwise_derivative(activation)
        self.computed(
            Key(s, sample, "fprime", l, j),
            f"{activation.prime_symbol}({self.sym('z', l, j, sample)})", trace.fprime[row, j],
            [z, a], _tokens(template, {"z": 0, "a": 1}), derivative, note,
            derivative_of_z={"": ([a, z], derivative)},
            wrong_activation={g.name: ([z, a], _elementwise_derivative(g))
                              for g in self.others[l]})

    def delta(self, step: Step, row: int, sample: int, l: int, j: int) -> None:
        net, s = self.net, self.step
        layer = net.layers[l]
        value = step.pass_.layers[l].delta[row, j]
        symbol = self.sym("δ", l, j, sample)
        key = Key(s, sample, "delta", l, j)
        last = l == len(net.layers) - 1
        if last and self.fused and self.fused.delta_template:     # a closed form of δ
            outputs = layer.size
            a = Key(s, sample, "a", l, j)
            ys = [self.target_key(k, sample) for k in range(outputs)]
            fused = self.fused
            total = sum(net.samples[sample].target)
            template = fused.delta_template
            if type(fused).__name__ == "SoftmaxCrossEntropy" and total != 1:
                template = "{a}·Σy − {y}"

            def compute(v, j=j, n=outputs, fused=fused):
                y = np.array([v[1:]])
                a_row = np.zeros((1, n))
                a_row[0, j] = v[0]
                return float(fused.hand_delta(None, a_row, y)[0, j])
            self.computed(key, symbol, value, [a] + ys, _tokens(template, {"a": 0, "y": 1 + j}),
                          compute, f"{net.loss.name} with {layer.activation.name}",
                          delta_sign={"": ([a] + ys, lambda v, f=compute: -f(v))})
            return
        if layer.activation.name == "softmax":
            size = layer.size
            grads = [Key(s, sample, "dL/da", l, k) for k in range(size)]
            outs = [Key(s, sample, "a", l, k) for k in range(size)]
            tokens = [size + j, "(", j, " − (",
                      *_sum_tokens([(k, size + k) for k in range(size)], self.limit), "))"]

            def compute(v, j=j, n=size):
                return float(v[n + j] * (v[j] - sum(v[k] * v[n + k] for k in range(n))))
            self.computed(key, symbol, value, grads + outs, tokens, compute,
                          "softmax: δᵢ = aᵢ(∂L/∂aᵢ − Σₖ ∂L/∂aₖ·aₖ)")
            return
        grad, fprime = Key(s, sample, "dL/da", l, j), Key(s, sample, "fprime", l, j)
        self.computed(key, symbol, value, [grad, fprime], [0, "·", 1],
                      lambda v: 0.0 if v[1] == 0 else v[0] * v[1])

    # --- gradients and updates ---------------------------------------------------
    def gradients(self, step: Step, rows: list[int], l: int) -> None:
        net, s = self.net, self.step
        layer = net.layers[l]
        grads = step.gradients[l]
        count = len(rows)
        mean = net.reduction == "mean" and count > 1
        scale = 1.0 / count if mean else 1.0
        wrap = (["(1/", str(count), ")("], [")"]) if mean else ([], [])
        for j in range(layer.size):
            for i in range(layer.inputs):
                operands = []
                for sample in rows:
                    operands += [Key(s, sample, "delta", l, j),
                                 self.activation_key(l - 1, i, sample)]
                pairs = [(2 * k, 2 * k + 1) for k in range(count)]
                tokens = wrap[0] + _sum_tokens(pairs, self.limit) + wrap[1]
                self.computed(Key(s, None, "dL/dW", l, j, i),
                              f"∂L/∂{net.weight_label(l, j, i)}", grads.weights[j, i], operands,
                              tokens, lambda v, c=scale: c * sum(v[k] * v[k + 1]
                                                                 for k in range(0, len(v), 2)))
        neurons = range(layer.size) if not layer.shared_bias else [0]
        for j in neurons:
            sources = range(layer.size) if layer.shared_bias else [j]
            operands = [Key(s, sample, "delta", l, k) for k in sources for sample in rows]
            tokens = wrap[0] + _sum_tokens([(k,) for k in range(len(operands))], self.limit) + \
                wrap[1]
            self.computed(Key(s, None, "dL/db", l, j), f"∂L/∂{net.bias_label(l, j)}",
                          grads.biases[j], operands, tokens, lambda v, c=scale: c * sum(v),
                          "one shared bias: the sum of its layer's δ" if layer.shared_bias else "")

    def updates(self, step: Step, params: dict, slots: dict) -> tuple[dict, dict]:
        from .optimizers import OPTIMIZERS
        net = self.net
        optimizer = OPTIMIZERS[net.optimizer.name](net)
        new_params, new_slots = {}, dict(slots)
        t = step.progress.updates
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
                grad = Key(self.step, None, f"dL/d{kind}", l, j, i)
                key = Key(self.step, None, f"{kind}+", l, j, i)
                if kind == "b" and not net.update_biases:
                    self.computed(key, f"{label}⁺", after, [before], [0], lambda v: v[0],
                                  "kept fixed: update_biases is false")
                else:
                    explain = UPDATE_RULES[optimizer.name]
                    explain(self, optimizer, key, label, before, grad, after, slots, new_slots,
                            (kind, l, j, i), t, step)
                new_params[(kind, l, j, i) if kind == "W" else (kind, l, j)] = key
            if layer.shared_bias:
                for j in range(1, layer.size):
                    new_params["b", l, j] = new_params["b", l, 0]
        return new_params, new_slots

    def slot(self, slots: dict, name: str, cell: tuple, value: float = 0.0) -> Key:
        """The optimizer memory a step starts from (0 when the run has none yet)."""
        kind, l, j, i = cell
        key = (name, kind, l, j, i)
        if key not in slots:
            label = self.net.weight_label(l, j, i) if kind == "W" else self.net.bias_label(l, j)
            slots[key] = self.leaf(Key(-1, None, f"{name}:{kind}", l, j, i),
                                   f"{name[0]}[{label}]", value)
        return slots[key]


def _sgd(builder, optimizer, key, label, before, grad, after, slots, new_slots, cell, t, step):
    net = builder.net
    eta = Const("η", builder.learning_rate)
    kind, l, j, i = cell
    mu = net.momentum
    if not mu:
        builder.computed(key, f"{label}⁺", after, [before, grad], [0, " − ", eta, "·", 1],
                         lambda v, e=eta.value: v[0] - e * v[1],
                         update_sign={"": ([before, grad], lambda v, e=eta.value: v[0] + e * v[1])})
        return
    old = builder.slot(slots, "velocity", cell)
    velocity = step.progress.slots["velocity"][l]
    value = velocity.weights[j, i] if kind == "W" else velocity.biases[j]
    vkey = Key(builder.step, None, f"velocity:{kind}", l, j, i)
    builder.computed(vkey, f"v[{label}]", value, [old, grad],
                     [Const("μ", mu), "·", 0, " − ", eta, "·", 1],
                     lambda v, e=eta.value: mu * v[0] - e * v[1])
    new_slots["velocity", kind, l, j, i] = vkey
    builder.computed(key, f"{label}⁺", after, [before, vkey], [0, " + ", 1],
                     lambda v: v[0] + v[1],
                     update_sign={"": ([before, old, grad], lambda v, e=eta.value:
                                       v[0] + mu * v[1] + e * v[2])})


def _adam(builder, optimizer, key, label, before, grad, after, slots, new_slots, cell, t, step):
    c = builder.net.optimizer
    kind, l, j, i = cell
    eta = Const("η", builder.learning_rate)
    b1, b2, eps = Const("β₁", c.beta1), Const("β₂", c.beta2), Const("ε", c.epsilon)
    keys = {}
    for name, beta, square in (("m", b1, False), ("v", b2, True)):
        old = builder.slot(slots, name, cell)
        stored = step.progress.slots[name][l]
        value = stored.weights[j, i] if kind == "W" else stored.biases[j]
        k = Key(builder.step, None, f"{name}:{kind}", l, j, i)
        one_minus = Const(f"(1 − {beta.symbol})", 1 - beta.value)
        tokens = [beta, "·", 0, " + ", one_minus, "·", 1] + (["²"] if square else [])
        builder.computed(k, f"{name}[{label}]", value, [old, grad], tokens,
                         lambda v, b=beta.value, sq=square: b * v[0] + (1 - b) *
                         (v[1] * v[1] if sq else v[1]))
        new_slots[name, kind, l, j, i] = k
        keys[name] = k
    corrected = {}
    for name, beta in (("m", b1), ("v", b2)):
        stored = _stored_slot(step, name, cell) / (1 - beta.value ** t)
        k = Key(builder.step, None, f"{name}^:{kind}", l, j, i)
        builder.computed(k, f"{name}̂[{label}]", builder.rnd(stored), [keys[name]],
                         [0, " / ", Const(f"(1 − {beta.symbol}^{t})", 1 - beta.value ** t)],
                         lambda v, b=beta.value: v[0] / (1 - b ** t))
        corrected[name] = k
    builder.computed(key, f"{label}⁺", after, [before, corrected["m"], corrected["v"]],
                     [0, " − ", eta, "·", 1, " / (√", 2, " + ", eps, ")"],
                     lambda v, e=eta.value: v[0] - e * v[1] / (math.sqrt(v[2]) + eps.value),
                     update_sign={"": ([before, corrected["m"], corrected["v"]],
                                       lambda v, e=eta.value: v[0] + e * v[1] /
                                       (math.sqrt(v[2]) + eps.value))})


def _stored_slot(step: Step, name: str, cell: tuple) -> float:
    kind, l, j, i = cell
    stored = step.progress.slots[name][l]
    return float(stored.weights[j, i] if kind == "W" else stored.biases[j])


UPDATE_RULES = {"sgd": _sgd, "adam": _adam}


# --- the functions quantities compute ------------------------------------------

def _dot_plus(v: Sequence[float]) -> float:
    """Σ wᵢ·aᵢ + b over operands [w…, a…, b]."""
    n = (len(v) - 1) // 2
    return math.fsum(v[i] * v[n + i] for i in range(n)) + v[-1] if n else v[-1]


def _dot(v: Sequence[float]) -> float:
    """Σ wᵢ·δᵢ over operands [w…, δ…]."""
    n = len(v) // 2
    return math.fsum(v[i] * v[n + i] for i in range(n))


def _elementwise(function) -> Compute:
    return lambda v: float(function(np.array([[v[0]]], dtype=float))[0, 0])


def _elementwise_derivative(activation) -> Compute:
    """f′ from operands [z, a], the way a hand calculation writes it."""
    def compute(v):
        z, a = np.array([[v[0]]], dtype=float), np.array([[v[1]]], dtype=float)
        return float(activation.hand_derivative(z, a)[0, 0])
    return compute


def _softmax(v: Sequence[float]) -> np.ndarray:
    z = np.array(v, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum()


def _softmax_tokens(j: int, size: int, limit: int | None) -> list:
    tokens: list = ["e^", j, " / ("]
    shown = list(range(size)) if limit is None or size <= limit else [0, 1, 2, None, size - 1]
    for n, k in enumerate(shown):
        tokens.append(" + " if n else "")
        if k is None:
            tokens.append(f"… ({size - 4} more terms)")
        else:
            tokens += ["e^", k]
    tokens.append(")")
    return [t for t in tokens if t != ""]


def build(network: Network, steps: list[Step], learning_rate: float | None = None,
          limit: int | None = MAX_TERMS, with_slips: bool = False) -> Worked:
    """The worked calculation of ``steps`` (consecutive); sums of more than ``limit``
    terms are written with their first and last terms (None: every term).
    ``with_slips`` also records the slips a student could make (for ``check``)."""
    rate = network.learning_rate if learning_rate is None else learning_rate
    return _Builder(network, steps, rate, limit, with_slips).build()


def _other_activations(network: Network, layer) -> list:
    """Every element-wise activation but the layer's own (for the wrong_activation slip)."""
    from .activations import ACTIVATIONS
    others, seen = [], {layer.activation.name, "softmax", "identity"}
    for name, cls in ACTIVATIONS.items():
        if name not in seen:
            seen.add(name)
            options = ({"derivative_at_zero": network.relu_derivative_at_zero}
                       if name == "relu" else {})
            others.append(cls(**options))
    return others
