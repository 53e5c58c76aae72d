"""Reading an answers file: what a student computed by hand, for ``check``.

The format (SPEC, "The answers file") is a mapping of keys such as ``z1``,
``a1_2``, ``dL/dw5``, ``W1+``, ``loss`` to numbers, vectors or matrices, with
optional ``iteration`` and ``sample``; or a list of such blocks.  Every number is
kept with the text the student wrote, because its last digit sets how closely it
must match (``0.593`` is right for 0.59327: within half a unit of its last digit).

Errors are ``InputError``s naming the file, line and key, as for network files.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from . import decimal_commas
from .document import Written
from .errors import InputError
from .netfile import Node, _count, _did_you_mean, describe
from .network import Network
from .quantities import (
    A_DROPOUT,
    B_UPDATED,
    BY_KIND,
    COST,
    COST_GRADIENT_KEY,
    COST_GRADIENTS_OF,
    DJ_DB,
    DJ_DW,
    DL_DB,
    DL_DW,
    GRADIENT_KEY,
    GRADIENTS_OF,
    LOSS,
    PENALTY,
    PER_NEURON,
    SAMPLE_LOSS,
    UPDATED_KEY,
    UPDATED_OF,
    W_UPDATED,
)
from .yamlsource import Document, load_yaml, read_text

MAX_ITERATION = 100
"""Answers may be given for iterations up to this; ``check`` works out every step that far."""

NEURON_KEYS = {key: q.kind for q in PER_NEURON for key in q.answers}
"""A per-neuron key's letters (z, δ, dL/da, …) → the quantity's kind (the catalogue's)."""
SCALAR_KEYS = {key: q for q in (LOSS, SAMPLE_LOSS, PENALTY, COST) for key in q.answers}
"""Keys naming one number with no layer: loss, sample_loss; penalty and cost (with l2)."""
PENALISED_KINDS = {PENALTY.kind, COST.kind}
"""Scalar keys that only a network with an L2 penalty has."""
L2_KEY_FORMS = "penalty, cost, dJ/d<name>, dJ/dW2, dJ/db2"
DROPOUT_KEY_FORMS = "a_dropout1, a_dropout1_2 (or ã1)"
_N = r"(0|[1-9][0-9]*)"  # a number as written in keys: 0, 1, 12 (not 01)
_NEURON_KEY = re.compile(
    f"({'|'.join(re.escape(key) for key in sorted(NEURON_KEYS, key=len, reverse=True))})"
    rf"{_N}(?:_{_N})?")
_WEIGHTS_KEY = re.compile(rf"{re.escape(W_UPDATED.answers[0])}{_N}(?:_{_N}_{_N})?")
_BIASES_KEY = re.compile(rf"{re.escape(B_UPDATED.answers[0])}{_N}(?:_{_N})?")
_NUMBER_TEXT = re.compile(r"[+-]?([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
KEY_FORMS = ("z1, a1_2, dL/da2, fprime2, delta2 (or δ2, dL/dz2), loss, sample_loss, "
             "dL/d<name>, dL/dW2, dL/db2, <name>+, W1+, b1+")


@dataclass
class Answer:
    key: str                 # as reported: z1_2, dL/dW2_1_2, w5+, loss
    kind: str                # a ``worked.Key`` kind: z, a, dL/da, delta, loss, dL/dW, W+, …
    layer: int               # 0-based
    neuron: int              # 0-based
    input: int               # 0-based
    given: float
    unit: float              # the unit of the last digit written; 0 for an exact 0
    iteration: int | None    # None: the first iteration checked
    sample: int              # 0-based
    block: int               # which block of the file (0-based)
    file: str | None = None  # where it is written, for errors
    line: int | None = None
    column: int | None = None
    written: str = ""        # the number as the student wrote it: 0.5930, 1.20e-3

    @property
    def shown(self) -> Written:
        """The number to show: its value, drawn as written (``0.5930``, never ``0.593``)."""
        return Written(self.given, self.written or repr(self.given))

    @property
    def place(self) -> str:
        """Where it is written: ``answers.yaml:7``."""
        return f"{self.file}:{self.line}" if self.line is not None else str(self.file)

    def error(self, message: str) -> InputError:
        return InputError(message, file=self.file, line=self.line, column=self.column,
                          field=self.key)

    @property
    def per_sample(self) -> bool:
        return BY_KIND[self.kind].per_sample


def written_unit(text: str | None, value: float) -> float:
    """The unit of the last digit as written: 0.593 → 0.001, 4.33e-4 → 1e-6, 18 → 1.

    An integer 0 is exact (unit 0): a student writing 0 claims exactly zero.
    """
    match = _NUMBER_TEXT.fullmatch(text.strip()) if text else None
    if not match:
        return 0.0 if value == 0 else 10.0 ** (math.floor(math.log10(abs(value))) - 14)
    decimals = len(match.group(2) or "")
    exponent = _exponent(match.group(3) or "0")
    if match.group(2) is None and value == 0:
        return 0.0
    # 0.0e400 is a float (0.0), but 10.0 ** 399 is not: the unit stays within float range
    return 10.0 ** min(exponent - decimals, _LARGEST_POWER)


_LARGEST_POWER = 308
"""The largest power of ten a float holds (1e308; 1e309 is beyond float64)."""


def _exponent(text: str) -> int:
    """The exponent written, held to ±10⁶: beyond that every unit is 0 or the largest
    (and ``int`` refuses a text of more than 4,300 digits)."""
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > 6:
        return -10**6 if text.startswith("-") else 10**6
    return int(text)


def load_answers(path, network: Network, display: str | None = None,
                 warnings: list[str] | None = None) -> list[Answer]:
    display = display or str(path)
    return parse_answers(read_text(path, display), network, display, warnings)


def parse_answers(text: str, network: Network, display: str,
                  warnings: list[str] | None = None) -> list[Answer]:
    """The answers written in ``text`` (an answers file's content), named ``display``;
    ``warnings`` gets a line on how the file was read, if there is one to give (a comma
    that may be a decimal comma, ``decimal_commas``)."""
    return answers_in(answers_document(text, display), network, warnings)


def answers_document(text: str, display: str) -> Document:
    """An answers file's text as a YAML document (refused when empty or unsafe)."""
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        raise InputError(f"the file is empty, expected answers (keys such as {KEY_FORMS})",
                         file=display, line=1)
    return load_yaml(text, display)


def answers_in(doc: Document, network: Network,
               warnings: list[str] | None = None) -> list[Answer]:
    """The answers a loaded answers file gives, checked against ``network``."""
    return read_blocks(doc, lambda block, number: _block(block, number, network),
                       example="z1", forms=f"keys such as {KEY_FORMS}",
                       some="keys such as z1, a1_2, loss, dL/dw5, w5+", warnings=warnings)


def read_blocks(doc: Document, read_block, *, example: str, forms: str, some: str,
                warnings: list[str] | None = None) -> list[Answer]:
    """An answers file's blocks (one mapping, or a list of them), each read by
    ``read_block(node, number)``: a network's or a graph's answers.  ``example`` is a key
    to show, ``forms`` the keys a mapping takes, ``some`` a few of them."""
    root = Node(doc.value, doc.mark, "", doc)
    if isinstance(root.value, list):
        if not root.value:
            raise root.error(f"expected answers (a mapping of keys such as {example}, or a "
                             "list of them), found an empty list")
        blocks = root.items("block")
    elif isinstance(root.value, dict):
        blocks = [root]
    else:
        raise doc.error(f"expected a mapping of answers ({forms}), found "
                        f"{describe(root.value)}")
    answers: list[Answer] = []
    for number, block in enumerate(blocks):
        answers += read_block(block, number)
    if not answers:
        raise doc.error(f"expected at least one answer ({some}), found none")
    warning = decimal_commas.warning(doc.file, doc.notes)
    if warning and warnings is not None:
        warnings.append(warning)
    return answers


def _block(node: Node, number: int, network: Network) -> list[Answer]:
    if not isinstance(node.value, dict):
        raise node.error(f"expected a mapping of answers, found {describe(node.value)}")
    iteration, sample = None, 0
    if node.has("iteration"):
        item = node["iteration"]
        iteration = item.integer()
        first = network.progress.iteration + 1
        if not first <= iteration <= MAX_ITERATION:
            where = f" (the network continues after iteration {first - 1})" if first > 1 else ""
            raise item.error(f"expected an iteration from {first} to {MAX_ITERATION:,}{where}, "
                             f"found {item.value}")
    if node.has("sample"):
        item = node["sample"]
        sample = item.integer() - 1
        count = len(network.samples)
        if not 0 <= sample < count:
            raise item.error(f"expected a sample from 1 to {count}, found {item.value}")
    names = _parameter_names(network)
    answers = []
    for key in node.value:
        if key in ("iteration", "sample"):
            continue
        item = node[key]
        item.label = str(key)
        for parsed in _answer(str(key), item, network, names):
            key_text, kind, layer, neuron, inp, value_node = parsed
            value = value_node.number()
            answers.append(Answer(key_text, kind, layer, neuron, inp, value,
                                  written_unit(value_node.written, value), iteration, sample,
                                  number, value_node.doc.file, value_node.mark.line,
                                  value_node.mark.column, value_node.written or repr(value)))
    return answers


def _parameter_names(network: Network) -> dict[str, tuple]:
    """The user's parameter names → (kind, layer, neuron, input)."""
    names = {}
    for l, layer in enumerate(network.layers):
        if layer.weight_names:
            for j, row in enumerate(layer.weight_names):
                for i, name in enumerate(row):
                    names[name] = ("W", l, j, i)
        if layer.bias_names:
            for j, name in enumerate(layer.bias_names):
                names.setdefault(name, ("b", l, 0 if layer.shared_bias else j, 0))
    return names


def _normalise(key: str) -> str:
    return key.strip().replace("∂L/∂", "dL/d").replace("∂J/∂", "dJ/d").replace("∂", "d")


def _needs_l2(node: Node, key: str, network: Network) -> None:
    """Refuse a key of the L2 penalty (penalty, cost, dJ/d…) for a network without one."""
    if network.l2 is None:
        raise node.error(f"{key} belongs to a network with an L2 penalty (l2: λ), and this "
                         "one has none: its cost is its loss, its gradients dL/d…")


def _answer(key: str, node: Node, network: Network, names: dict):
    """(key as reported, kind, layer, neuron, input, number node) for each number given."""
    text = _normalise(key)
    base = network.index_base
    if text in SCALAR_KEYS:
        quantity = SCALAR_KEYS[text]
        if quantity.kind in PENALISED_KINDS:
            _needs_l2(node, text, network)
        return [(quantity.answers[0], quantity.kind, 0, 0, 0, _scalar(node))]
    match = _NEURON_KEY.fullmatch(text)
    if match:
        letter, layer, neuron = match.groups()
        l = _layer(node, layer, network, text)
        kind = NEURON_KEYS[letter]
        stem = f"{BY_KIND[kind].answers[0]}{layer}"       # as reported: δ2 is delta2
        if kind == A_DROPOUT.kind and network.layers[l].dropout is None:
            raise node.error(f"{text} belongs to a layer with dropout (ã = a·m/p), and layer "
                             f"{layer} has none: what it passes on is its a")
        size = network.layers[l].size
        if neuron is not None:
            j = _neuron(node, neuron, size, base, text)
            return [(f"{stem}_{j + base}", kind, l, j, 0, _scalar(node))]
        return [(f"{stem}_{j + base}", kind, l, j, 0, item)
                for j, item in enumerate(_vector(node, size, f"layer {l + 1}'s {size} neurons"))]
    if text.startswith(GRADIENT_KEY):
        return _parameter(text[len(GRADIENT_KEY):], node, network, names, GRADIENT_KEY)
    if text.startswith(COST_GRADIENT_KEY):
        _needs_l2(node, text, network)
        return _parameter(text[len(COST_GRADIENT_KEY):], node, network, names,
                          COST_GRADIENT_KEY)
    if text.endswith(UPDATED_KEY):
        return _parameter(text[:-len(UPDATED_KEY)], node, network, names, "")
    raise _unknown(node, key, network, names)


PREFIXED = {GRADIENT_KEY: GRADIENTS_OF, COST_GRADIENT_KEY: COST_GRADIENTS_OF, "": UPDATED_OF}
"""A parameter key's prefix (dL/d, dJ/d, none for w5+) → the quantities it names."""


def _parameter(name: str, node: Node, network: Network, names: dict, prefix: str):
    suffix = "" if prefix else UPDATED_KEY
    of = PREFIXED[prefix]
    kinds = (of["W"].kind, of["b"].kind)
    base = network.index_base
    weights, biases = W_UPDATED.answers[0], B_UPDATED.answers[0]     # W1+, dL/dW1; b1+, dL/db1
    # A name wins (b1 is Mazur's hidden bias 1), unless a whole list is given and
    # the layer form fits (dL/db2: [0.1385, -0.0381] is layer 2's biases).
    layer_form = _WEIGHTS_KEY.fullmatch(name) or _BIASES_KEY.fullmatch(name)
    if name in names and not (isinstance(node.value, list) and layer_form):
        kind, l, j, i = names[name]
        return [(f"{prefix}{name}{suffix}", kinds[kind == "b"], l, j, i, _scalar(node))]
    match = _WEIGHTS_KEY.fullmatch(name)
    if match:
        layer, row, col = match.groups()
        l = _layer(node, layer, network, name)
        spec = network.layers[l]
        by_neuron = network.weight_rows == "neurons"
        rows, cols = (spec.size, spec.inputs) if by_neuron else (spec.inputs, spec.size)
        if row is not None:
            r = _neuron(node, row, rows, base, name, "row")
            c = _neuron(node, col, cols, base, name, "column")
            j, i = (r, c) if by_neuron else (c, r)
            return [(f"{prefix}{weights}{layer}_{row}_{col}{suffix}", kinds[0], l, j, i,
                     _scalar(node))]
        out = []
        for r, c, item in _matrix(node, rows, cols):
            j, i = (r, c) if by_neuron else (c, r)
            out.append((f"{prefix}{weights}{layer}_{r + base}_{c + base}{suffix}", kinds[0], l,
                        j, i, item))
        return out
    match = _BIASES_KEY.fullmatch(name)
    if match:
        layer, neuron = match.groups()
        l = _layer(node, layer, network, name)
        spec = network.layers[l]
        if spec.shared_bias:
            if neuron is not None:
                raise node.error(f"layer {layer} has one shared bias: write {prefix}{biases}"
                                 f"{layer}{suffix}, without a neuron number")
            (only,) = _vector(node, 1, f"layer {layer}'s one shared bias")
            return [(f"{prefix}{biases}{layer}{suffix}", kinds[1], l, 0, 0, only)]
        if neuron is not None:
            j = _neuron(node, neuron, spec.size, base, name)
            return [(f"{prefix}{biases}{layer}_{neuron}{suffix}", kinds[1], l, j, 0,
                     _scalar(node))]
        return [(f"{prefix}{biases}{layer}_{j + base}{suffix}", kinds[1], l, j, 0, item)
                for j, item in enumerate(_vector(node, spec.size,
                                                 f"layer {l + 1}'s {spec.size} biases"))]
    raise _unknown(node, f"{prefix}{name}{suffix}", network, names)


def _unknown(node: Node, key: str, network: Network, names: dict) -> InputError:
    known = [q.answers[0] for q in SCALAR_KEYS.values()]
    known += [f"{GRADIENT_KEY}{n}" for n in names] + [f"{n}{UPDATED_KEY}" for n in names]
    for l in range(len(network.layers)):
        known += [f"{q.answers[0]}{l + 1}" for q in PER_NEURON if q.hinted]
        if network.layers[l].dropout is not None:
            known.append(f"{A_DROPOUT.answers[0]}{l + 1}")
        known += [f"{q.answers[0]}{l + 1}" for q in (DL_DW, DL_DB)]
        known += [f"{q.answers[0]}{l + 1}{UPDATED_KEY}" for q in (W_UPDATED, B_UPDATED)]
    forms = KEY_FORMS
    if any(layer.dropout is not None for layer in network.layers):
        forms += f"; with dropout: {DROPOUT_KEY_FORMS}"
    if network.l2 is not None:
        known += [f"{COST_GRADIENT_KEY}{n}" for n in names]
        known += [f"{q.answers[0]}{l + 1}" for q in (DJ_DW, DJ_DB)
                  for l in range(len(network.layers))]
        forms += f"; with l2: {L2_KEY_FORMS}"
    else:       # without l2 they are not offered (``_needs_l2`` says why if given)
        known = [k for k in known if k not in (PENALTY.answers[0], COST.answers[0])]
    hint = _did_you_mean(_normalise(key), known)
    return node.doc.error(f"unknown answer {key!r}{hint}; expected keys such as {forms}",
                          node.mark, key)


def _layer(node: Node, written: str, network: Network, key: str) -> int:
    """The 0-based layer a key's digits name (``written``, as in the key)."""
    count = len(network.layers)
    layer, shown = _key_number(written)
    if not 1 <= layer <= count:
        raise node.error(f"{key} names layer {shown}, but the network has layers 1 to {count}")
    return layer - 1


def _neuron(node: Node, written: str, size: int, base: int, key: str,
            what: str = "neuron") -> int:
    number, shown = _key_number(written)
    if not base <= number < size + base:
        raise node.error(f"{key} names {what} {shown}, but there are {what}s {base} to "
                         f"{size + base - 1}")
    return number - base


def _key_number(digits: str) -> tuple[int, str]:
    """A key's number and how to show it: digits beyond any layer or neuron count are
    not converted (int() refuses more than 4,300 of them) but stand for -1, never valid."""
    if len(digits) > 18:
        return -1, f"{digits[:12]}… ({len(digits):,} digits)"
    return int(digits), str(int(digits))


def _scalar(node: Node) -> Node:
    if isinstance(node.value, (list, dict)):
        raise node.error(f"expected one number, found {describe(node.value)}"
                         f"{node.comma_hint()}")
    node.number()
    return node


class Blank(int):
    """A value left out on purpose, in a file naming what was asked (``grading.Asked``):
    it stands for one number, or for every number of the vector or matrix its key names
    (``z1:`` asks for each neuron's z).  An int (0), so it reads as a number."""

    def __new__(cls) -> Blank:
        return super().__new__(cls, 0)


def _vector(node: Node, size: int, what: str) -> list[Node]:
    if isinstance(node.value, Blank):
        return [node] * size
    if not isinstance(node.value, list):
        if size == 1:
            return [_scalar(node)]
        hint = decimal_commas.text_hint(node.value) if isinstance(node.value, str) else ""
        raise node.error(f"expected a list of {_count(size, 'number')} ({what}), found "
                         f"{describe(node.value)}{hint}")
    node.screen()
    if len(node.value) != size:
        raise node.error(f"expected a list of {_count(size, 'number')} ({what}), found "
                         f"{describe(node.value)}{node.comma_hint()}")
    return [_scalar(item) for item in node.elements()]


def _matrix(node: Node, rows: int, cols: int) -> list[tuple[int, int, Node]]:
    """Entries of a matrix written in the file's orientation; a flat list where one side is 1."""
    shape = f"{rows} row{'s' if rows != 1 else ''} of {cols}"
    if isinstance(node.value, Blank):
        return [(r, c, node) for r in range(rows) for c in range(cols)]
    if not isinstance(node.value, list):
        if rows == cols == 1:
            return [(0, 0, _scalar(node))]
        raise node.error(f"expected a matrix ({shape}), found {describe(node.value)}")
    if all(not isinstance(v, list) for v in node.value) and (rows == 1 or cols == 1):
        items = _vector(node, rows * cols, f"a matrix of {shape}")
        return [((k, 0) if cols == 1 else (0, k)) + (item,) for k, item in enumerate(items)]
    if len(node.value) != rows:
        raise node.error(f"expected a matrix ({shape}), found {describe(node.value)}"
                         f"{node.comma_hint()}")
    out = []
    for r, row in enumerate(node.elements()):
        for c, item in enumerate(_vector(row, cols, f"row {r + 1} of {cols}")):
            out.append((r, c, item))
    return out
