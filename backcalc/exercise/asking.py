"""What an exercise asks: ``--ask``'s kinds, as the answers-file keys of one iteration.

Each kind of ``ASKABLE`` expands, for a network, into one key per number, as ``check``
reports them: z1_1, z1_2, … for a layer's values (per sample), loss, and a parameter's
gradient and updated value by its name (dL/dw5, w5+; W2_1_2 / b2_1 for a parameter
without a name).  The keys are then read by ``answers.parse_answers`` and placed by
``check``'s own key resolution, so a key always names what ``check`` takes it to name.

``answers_text`` writes them as an answers file, values left empty (``asked.yaml``, the
sheets' template) or filled in; with several samples, as a list of blocks (one per
sample, ``sample: k``, then one for the step's values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError
from ..quantities import (
    B_UPDATED,
    DELTA,
    DL_DA,
    DL_DB,
    DL_DW,
    FPRIME,
    GRADIENT_KEY,
    LOSS,
    SAMPLE_LOSS,
    UPDATED_KEY,
    W_UPDATED,
    A,
    QuantityKind,
    Z,
)

if TYPE_CHECKING:
    from ..worked import Key

DEFAULT_ASK = "z,a,loss,dL/da,delta,dL/dW,dL/db,W+,b+"


@dataclass(frozen=True)
class Askable:
    """A kind --ask may name: what it is, and its keys in a network (of one sample, for a
    sample's own values; else of the step)."""

    what: str
    keys: Callable[..., list[str]]
    per_sample: bool


def _neurons(quantity: QuantityKind, elementwise_only: bool = False) -> Callable:
    def keys(network) -> list[str]:
        base = network.index_base
        return [f"{quantity.answers[0]}{l + 1}_{j + base}"
                for l, layer in enumerate(network.layers)
                if layer.activation.elementwise or not elementwise_only
                for j in range(layer.size)]
    return keys


def _scalar(quantity: QuantityKind) -> Callable:
    return lambda network: [quantity.answers[0]]


def _weights(prefix: str, suffix: str) -> Callable:
    """Every weight's key: its name (dL/dw5, w5+), or the layer's entry (dL/dW2_1_2)."""
    def keys(network) -> list[str]:
        out = []
        base = network.index_base
        for l, layer in enumerate(network.layers):
            by_neuron = network.weight_rows == "neurons"
            for j in range(layer.size):
                for i in range(layer.inputs):
                    if layer.weight_names:
                        name = layer.weight_names[j][i]
                    else:
                        row, col = (j, i) if by_neuron else (i, j)
                        name = f"{W_UPDATED.answers[0]}{l + 1}_{row + base}_{col + base}"
                    out.append(f"{prefix}{name}{suffix}")
        return out
    return keys


def _biases(prefix: str, suffix: str) -> Callable:
    """Every bias's key: its name (dL/db1, b1+), or the layer's entry (dL/db2_1)."""
    def keys(network) -> list[str]:
        out = []
        base = network.index_base
        for l, layer in enumerate(network.layers):
            neurons = [0] if layer.shared_bias else range(layer.size)
            for j in neurons:
                if layer.bias_names:
                    name = layer.bias_names[j]
                elif layer.shared_bias:
                    name = f"{B_UPDATED.answers[0]}{l + 1}"
                else:
                    name = f"{B_UPDATED.answers[0]}{l + 1}_{j + base}"
                out.append(f"{prefix}{name}{suffix}")
        return out
    return keys


ASKABLE: dict[str, Askable] = {
    "z": Askable("every neuron's z", _neurons(Z), True),
    "a": Askable("every neuron's a", _neurons(A), True),
    "fprime": Askable("every neuron's f′(z) (not of a softmax layer)", _neurons(FPRIME, True),
                      True),
    "dL/da": Askable("every neuron's ∂L/∂a", _neurons(DL_DA), True),
    "delta": Askable("every neuron's δ", _neurons(DELTA), True),
    "sample_loss": Askable("each sample's own loss", _scalar(SAMPLE_LOSS), True),
    "loss": Askable("the step's loss", _scalar(LOSS), False),
    "dL/dW": Askable("every weight's gradient", _weights(GRADIENT_KEY, ""), False),
    "dL/db": Askable("every bias's gradient", _biases(GRADIENT_KEY, ""), False),
    "W+": Askable("every weight after the update", _weights("", UPDATED_KEY), False),
    "b+": Askable("every bias after the update", _biases("", UPDATED_KEY), False),
}
"""--ask's kinds, in the order a hand calculation meets them."""
_SPELLINGS = {"δ": "delta", "f'": "fprime", "f′": "fprime", "∂L/∂a": "dL/da",
              "∂L/∂W": "dL/dW", "∂L/∂b": "dL/db"}
"""Other ways to write a kind, as an answers file may write its keys."""
assert DL_DW.answers[0] == "dL/dW" and DL_DB.answers[0] == "dL/db"


def parse_ask(text: str | None) -> list[str]:
    """--ask's kinds, in its order, each once (``DEFAULT_ASK`` when not given)."""
    from ..netfile import _did_you_mean
    words = [word.strip() for word in (DEFAULT_ASK if text is None else text).split(",")]
    kinds: list[str] = []
    for word in words:
        kind = _SPELLINGS.get(word, word)
        if kind not in ASKABLE:
            found = repr(word) if word else "nothing"
            raise InputError(f"expected kinds separated by commas, each one of "
                             f"{', '.join(ASKABLE)}; found {found}"
                             f"{_did_you_mean(word, list(ASKABLE))}", field="--ask")
        if kind not in kinds:
            kinds.append(kind)
    return kinds


@dataclass(frozen=True)
class Asked:
    """One number asked: its key (as ``check`` reports it), its sample (0-based; None for
    the step's values) and the ``worked.Key`` of its value."""

    key: str
    sample: int | None
    where: Key


def plan(worked, kinds: list[str]) -> list[Asked]:
    """The numbers ``kinds`` ask of ``worked``'s network (one iteration), in the order of
    the answers file: each sample's own values, then the step's, each in the order the
    hand calculation computes them."""
    from ..answers import parse_answers
    from ..check import _key, _places
    network = worked.network
    blocks = _blocks(network, kinds)
    if not blocks:
        raise InputError(f"{', '.join(kinds)} ask{'s' if len(kinds) == 1 else ''} nothing of "
                         "this network (a softmax layer has no f′ of its own); ask for "
                         "something else too", field="--ask")
    text = answers_text(blocks, network, fill=lambda key: "0")
    answers = parse_answers(text, network, "<asked>")
    places = _places(worked)
    asked = []
    for answer in answers:
        where = _key(places, network, answer)
        if where is None or where not in worked.index:
            raise InputError(f"{answer.key} has no value in this network's first iteration",
                             field="--ask")
        sample = answer.sample if answer.per_sample else None
        asked.append((answer.block, worked.order(worked.index[where]),
                      Asked(answer.key, sample, where)))
    asked.sort(key=lambda item: item[:2])
    return [item[2] for item in asked]


def _blocks(network, kinds: list[str]) -> list[tuple[int | None, list[str]]]:
    """(sample, keys) blocks: one per sample with its own values, then the step's."""
    own = [key for kind in kinds if ASKABLE[kind].per_sample
           for key in ASKABLE[kind].keys(network)]
    step = [key for kind in kinds if not ASKABLE[kind].per_sample
            for key in ASKABLE[kind].keys(network)]
    blocks: list[tuple[int | None, list[str]]] = []
    if own:
        blocks += [(sample, own) for sample in range(len(network.samples))]
    if step:
        blocks.append((None, step))
    return blocks


def blocks_of(asked: list[Asked]) -> list[tuple[int | None, list[str]]]:
    """``asked`` grouped as the answers file writes it: (sample, keys) in order."""
    blocks: list[tuple[int | None, list[str]]] = []
    for item in asked:
        if not blocks or blocks[-1][0] != item.sample:
            blocks.append((item.sample, []))
        blocks[-1][1].append(item.key)
    return blocks


def answers_text(blocks: list[tuple[int | None, list[str]]], network,
                 fill: Callable[[str], str] | None = None, header: Sequence[str] = ()) -> str:
    """An answers file of ``blocks`` ((sample, keys)): each value ``fill(key)``'s text,
    or empty.  One sample: a mapping; several: a list of blocks, ``sample: k`` on those
    of a sample's own values (the step's values come in a block of their own)."""
    lines = [f"# {line}" if line else "#" for line in header]
    several = len(network.samples) > 1
    for sample, keys in blocks:
        indent = "  " if several else ""
        entries = [f"{key}:" + (f" {fill(key)}" if fill else "") for key in keys]
        if several:
            first = f"sample: {sample + 1}" if sample is not None else None
            if first is not None:
                entries.insert(0, first)
            lines.append(f"- {entries[0]}")
            lines += [f"{indent}{entry}" for entry in entries[1:]]
        else:
            lines += entries
    return "\n".join(lines) + "\n"
