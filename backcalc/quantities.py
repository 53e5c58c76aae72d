"""The catalogue of the quantities a step has, each with its name in every place it is shown.

A step of backcalc has inputs and targets, per neuron z, a, ∂L/∂a, f′ and δ, per sample
a loss, a loss for the step, gradients, the parameters before and after the update, and
the optimizer's memory.  Each is one ``QuantityKind`` here, naming it once for every
surface: the symbol of tables and ``--explain``, the table heading, the field of the JSON
output (SPEC "JSON output"; None where the JSON does not carry it), the CSV quantity, the
keys of an answers file (SPEC "The answers file"), and the phase of the calculation it
belongs to.  ``report``, ``jsonout``, ``csvout``, ``worked``, ``explain``, ``answers`` and
``check`` read these instead of keeping lists of their own.

The optimizer's memory (velocity, Adam's m and v, …) belongs to the optimizer that keeps
it: each optimizer class declares its ``Memory`` entries (``optimizers``), and
``optimizers.memory_kinds`` collects them.

Nothing here imports NumPy: the catalogue is plain data.
"""

from __future__ import annotations

from dataclasses import dataclass

NEURON, SAMPLE, STEP, PARAMETER, MEMORY = "neuron", "sample", "step", "parameter", "memory"
"""Scopes: one value per neuron of a sample, per sample, per step, per parameter, and per
parameter of the optimizer's memory."""

FORWARD, LOSS_PHASE, BACKWARD, GRADIENTS, UPDATE = (
    "forward pass", "loss", "backward pass", "gradients", "update")
"""The phases of a step, in the order a hand calculation goes (``--explain``'s sections)."""


@dataclass(frozen=True)
class QuantityKind:
    """One kind of value a step has, and its name on every surface.

    ``answers``: the stems of an answers file's keys, to which a key adds the layer (and
    a neuron): z1, δ2_1, dL/dW2 (a layer's gradients); an updated layer's parameters
    also take ``UPDATED_KEY``: W1+.  A parameter's own name makes keys too (dL/dw5, w5+).
    """

    kind: str                      # ``worked.Key``'s kind
    symbol: str                    # tables, --explain: a letter (z) or a template ("∂L/∂{}")
    heading: str | None            # a table column's heading; None: no column of its own
    json: str | None               # the JSON output's field; None: the JSON does not carry it
    csv: str | None                # the CSV's quantity; None: no CSV rows
    answers: tuple[str, ...] = ()  # answers-file key stems, the first as check reports it
    scope: str = NEURON
    trace: str | None = None       # the ``engine.LayerTrace`` attribute holding it
    phase: str = UPDATE
    hinted: bool = True            # offered when an answers file has an unknown key

    def named(self, name: str) -> str:
        """The symbol of one parameter's value: ``∂L/∂{}`` with w5 → ∂L/∂w5."""
        return self.symbol.format(name)

    # The surfaces a kind is known to have, for the code that shows it there.
    @property
    def column(self) -> str:
        """``heading``: the table column of a kind that has one."""
        return _present(self.heading, self, "table column")

    @property
    def csv_name(self) -> str:
        """``csv``: the CSV quantity of a kind the CSV has rows of."""
        return _present(self.csv, self, "CSV quantity")

    @property
    def trace_attribute(self) -> str:
        """``trace``: the ``engine.LayerTrace`` attribute of a kind a trace holds."""
        return _present(self.trace, self, "LayerTrace attribute")

    @property
    def per_sample(self) -> bool:
        """Each sample has its own (z, δ, the sample's loss); else the step's (gradients)."""
        return self.scope in (NEURON, SAMPLE)


def _present(name: str | None, quantity: QuantityKind, surface: str) -> str:
    if name is None:
        raise LookupError(f"{quantity.kind} has no {surface}")
    return name


@dataclass(frozen=True)
class Memory(QuantityKind):
    """A value an optimizer keeps for each parameter (velocity, Adam's moments).

    ``stored``: kept from step to step (in ``Progress.slots`` and the state file, under
    ``kind``); else worked out within a step only (Adam's bias-corrected m̂).  ``symbol``
    is the letter written before the parameter's name: v[w5].
    """

    scope: str = MEMORY
    stored: bool = True
    description: str = ""          # the state file's words for it (``schema``)

    def named(self, name: str) -> str:
        return f"{self.symbol}[{name}]"


INPUT = QuantityKind("x", "x", "input", "input", "input", scope=SAMPLE, phase=FORWARD)
TARGET = QuantityKind("y", "y", "y", "target", "target", scope=SAMPLE, phase=LOSS_PHASE)
Z = QuantityKind("z", "z", "z", "z", "z", ("z",), trace="z", phase=FORWARD)
A = QuantityKind("a", "a", "a", "a", "a", ("a",), trace="a", phase=FORWARD)
# Dropout (``dropout``): a hidden layer's mask m (given, never asked) and what it passes on,
# ã = a·m/p; only layers with dropout have them (offered in hints by ``answers`` for those).
MASK = QuantityKind("mask", "m", "mask m", None, "mask", (), trace="mask", phase=FORWARD,
                    hinted=False)
A_DROPOUT = QuantityKind("a_dropout", "ã", "ã = a·m/p", "a_dropout", "a_dropout",
                         ("a_dropout", "ã"), trace="a_dropout", phase=FORWARD, hinted=False)
LOSS_TERM = QuantityKind("term", "", "term", None, None, phase=LOSS_PHASE)
SAMPLE_LOSS = QuantityKind("sample_loss", "L", None, "loss", "sample_loss", ("sample_loss",),
                           scope=SAMPLE, phase=LOSS_PHASE)
LOSS = QuantityKind("loss", "L", "loss", "loss", "loss", ("loss",), scope=STEP,
                    phase=LOSS_PHASE)
# The L2 penalty (``l2``, ``penalties``): J = L + penalty, and ∂J/∂θ = ∂L/∂θ + its gradient.
PENALTY = QuantityKind("penalty", "penalty", "penalty", "penalty", "penalty", ("penalty",),
                       scope=STEP, phase=LOSS_PHASE)
COST = QuantityKind("cost", "J", "cost J = L + penalty", None, "cost", ("cost",), scope=STEP,
                    phase=LOSS_PHASE)
DL_DA = QuantityKind("dL/da", "∂L/∂a", "∂L/∂a", "dL_da", "dL_da", ("dL/da",),
                     trace="dL_da", phase=BACKWARD)
# f′ is not in SPEC's JSON, and not offered in hints (a softmax layer has none).
FPRIME = QuantityKind("fprime", "f′", "f′(z)", None, "fprime", ("fprime", "f'", "f′"),
                      trace="fprime", phase=BACKWARD, hinted=False)
DELTA = QuantityKind("delta", "δ", "δ = ∂L/∂z", "delta", "delta", ("delta", "δ", "dL/dz"),
                     trace="delta", phase=BACKWARD)
DL_DW = QuantityKind("dL/dW", "∂L/∂{}", "gradient", "gradients", "dL_dW", ("dL/dW",),
                     scope=PARAMETER, phase=GRADIENTS)
DL_DB = QuantityKind("dL/db", "∂L/∂{}", "gradient", "gradients", "dL_db", ("dL/db",),
                     scope=PARAMETER, phase=GRADIENTS)
DJ_DW = QuantityKind("dJ/dW", "∂J/∂{}", "∂J/∂θ", "gradients", "dJ_dW", ("dJ/dW",),
                     scope=PARAMETER, phase=GRADIENTS)
DJ_DB = QuantityKind("dJ/db", "∂J/∂{}", "∂J/∂θ", "gradients", "dJ_db", ("dJ/db",),
                     scope=PARAMETER, phase=GRADIENTS)
W = QuantityKind("W", "{}", "old", None, None, scope=PARAMETER)
B = QuantityKind("b", "{}", "old", None, None, scope=PARAMETER)
W_UPDATED = QuantityKind("W+", "{}⁺", "new", "parameters", "W", ("W",), scope=PARAMETER)
B_UPDATED = QuantityKind("b+", "{}⁺", "new", "parameters", "b", ("b",), scope=PARAMETER)

GRADIENT_KEY = "dL/d"
"""An answers file's gradient keys start with it: dL/dw5, dL/dW2 (∂L/∂ is read as dL/d)."""
COST_GRADIENT_KEY = "dJ/d"
"""With an L2 penalty, the cost's gradients: dJ/dw5, dJ/dW2 (∂J/∂ is read as dJ/d)."""
UPDATED_KEY = "+"
"""An answers file's keys of updated parameters end with it: w5+, W1+."""
FINAL = "final_"
"""The CSV's rows of what the network gives after the last update: final_loss, final_a."""

PER_NEURON = (Z, A, MASK, A_DROPOUT, DL_DA, FPRIME, DELTA)
"""Each neuron's values in a pass, in the order of the tables, the JSON and the CSV (the
mask and ã only for a layer with dropout)."""

CATALOGUE = (INPUT, TARGET, Z, A, MASK, A_DROPOUT, LOSS_TERM, SAMPLE_LOSS, LOSS, PENALTY, COST,
             DL_DA, FPRIME, DELTA, DL_DW, DL_DB, DJ_DW, DJ_DB, W, B, W_UPDATED, B_UPDATED)
"""Every quantity of a step but the optimizer's memory (``optimizers.memory_kinds``)."""

BY_KIND = {q.kind: q for q in CATALOGUE}

GRADIENTS_OF = {"W": DL_DW, "b": DL_DB}
"""A parameter's kind (W or b) → its gradient."""
COST_GRADIENTS_OF = {"W": DJ_DW, "b": DJ_DB}
"""A parameter's kind (W or b) → the cost's gradient (with an L2 penalty)."""
UPDATED_OF = {"W": W_UPDATED, "b": B_UPDATED}
"""A parameter's kind (W or b) → its value after the update."""

PHASES = {q.kind: q.phase for q in CATALOGUE if q.phase != UPDATE}
"""Quantity kinds → the phase they belong to; anything else is the update."""
