"""What an exercise asks: answers-file keys, read as ``check`` reads them.

An exercise asks for values by the keys of an answers file (``z1_1``, ``dL/dw5``,
``w5+``; docs/check.md), in blocks that may name a ``sample`` and an ``iteration``,
each key's value left empty (None).  ``template`` writes them as the answers file the
student fills in; ``resolve`` reads that very file (every empty value filled with 0)
with ``answers.parse_answers`` and finds each key's quantity with ``check.expected``,
so a key means here exactly what it means to ``check`` and ``grade``.  ``describe``
says in words what each key is, for the sheet.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .answers import Answer, parse_answers
from .check import expected
from .errors import InputError
from .network import Network
from .worked import Quantity

CHOOSERS = ("sample", "iteration")
"""Block entries that choose where the other keys' values are, not values asked."""
ASKED = "the asked keys"
"""How the asked keys are named in an error (they are no file of the user's)."""
_PLAIN_KEY = re.compile(r"[^\s:#,\[\]{}&*!|>'\"%@`?-][^\s:#,\[\]{}]*")
"""A key YAML reads as written, unquoted (z1_1, dL/dw5, w5+, δ1_2)."""


@dataclass
class Asked:
    """One asked value: its key as asked, how ``check`` reads it, backcalc's quantity."""

    key: str
    answer: Answer
    quantity: Quantity
    sample: int | None          # as the block gives it (from 1), None where it gives none
    iteration: int | None

    @property
    def value(self) -> float:
        return self.quantity.value


def template(asked: list[dict], fill: str = "") -> str:
    """The answers file asking for ``asked``: one key a line, its value ``fill`` (the
    student's to write); several blocks as a list, each under its sample and iteration."""
    several = len(asked) != 1 or any(key in CHOOSERS for key in asked[0])
    lines = []
    for block in asked:
        lead = "- " if several else ""
        for key, value in block.items():
            text = f"{yaml_key(key)}: {value}" if key in CHOOSERS else \
                f"{yaml_key(key)}:{' ' + fill if fill else ''}"
            lines.append(lead + text)
            lead = "  " if several else ""
    return "\n".join(lines) + "\n"


def yaml_key(key) -> str:
    """A key as YAML reads it back: as written when it can be, else quoted."""
    text = str(key)
    return text if _PLAIN_KEY.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def resolve(network: Network, asked: list[dict]) -> list[Asked]:
    """Each asked key with its quantity, in the order asked; an ``InputError`` (naming
    the key) for a key ``check`` does not know, or that names several values."""
    _check_shape(asked)
    text = template(asked, fill="0")
    answers = parse_answers(text, network, ASKED)
    by_line: dict[int, list[Answer]] = {}
    for answer in answers:
        by_line.setdefault(answer.line or 0, []).append(answer)
    quantities = dict(zip((id(a) for a in answers), expected(network, answers)))
    out = []
    line = 0
    for block in asked:
        for key in block:
            line += 1
            if key in CHOOSERS:
                continue
            found = by_line.get(line, [])
            if len(found) != 1:
                raise InputError(f"expected a key naming one value (such as z1_1, dL/dw5, w5+), "
                                 f"found one naming {len(found)}", file=ASKED, field=str(key))
            answer = found[0]
            out.append(Asked(str(key), answer, quantities[id(answer)],
                             block.get("sample"), block.get("iteration")))
    return out


def _check_shape(asked: list[dict]) -> None:
    if not asked or not all(isinstance(block, dict) and block for block in asked):
        raise InputError("expected a list of blocks, each a mapping of answers-file keys",
                         file=ASKED)
    for block in asked:
        for key, value in block.items():
            if key not in CHOOSERS and value is not None:
                raise InputError(f"an asked key has no value (None), found {value!r}",
                                 file=ASKED, field=str(key))


# --- in words ------------------------------------------------------------------------

WORDS = {
    "z": "z of neuron {n} in layer {l}: Σ w·input + b",
    "a": "a of neuron {n} in layer {l}: f(z)",
    "a_dropout": "what neuron {n} of layer {l} passes on after dropout: a·m/p",
    "dL/da": "∂L/∂a of neuron {n} in layer {l}",
    "fprime": "f′(z) of neuron {n} in layer {l}",
    "delta": "δ = ∂L/∂z of neuron {n} in layer {l}",
    "loss": "the loss of the step",
    "sample_loss": "the loss of the sample",
    "penalty": "the L2 penalty",
    "cost": "the cost J = L + penalty",
    "dL/dW": "the loss's gradient with respect to the weight {w}",
    "dL/db": "the loss's gradient with respect to the bias {b}",
    "dJ/dW": "the cost's gradient with respect to the weight {w}",
    "dJ/db": "the cost's gradient with respect to the bias {b}",
    "W+": "the weight {w} after the update",
    "b+": "the bias {b} after the update",
}
"""Each kind of quantity (``worked.Key``'s) in words: n neuron, l layer, w and b names."""


def describe(network: Network, item: Asked) -> str:
    """``z₁⁽¹⁾: z of neuron 1 in layer 1: Σ w·input + b``; the symbol is ``--explain``'s."""
    a = item.answer
    words = WORDS.get(a.kind, a.kind).format(
        n=a.neuron + network.index_base, l=a.layer + 1,
        w=network.weight_label(a.layer, a.neuron, a.input),
        b=network.bias_label(a.layer, a.neuron))
    return f"{item.quantity.symbol}, {words}"
