"""Fuzz tests (hypothesis): generated valid networks against independent oracles, and
generated broken network and answers files against the one-line-refusal contract.

Profiles are in tests/conftest.py: ``ci`` (the default: 15 examples per test, 40 for the
broken-file tests, derandomized; about 12 seconds in all) and ``thorough`` (2,000 examples
per test, random), chosen with the environment variable BACKCALC_FUZZ::

    BACKCALC_FUZZ=thorough python -m pytest tests/test_fuzz.py --hypothesis-show-statistics

Valid networks are drawn over every activation of ``ACTIVATIONS`` (alpha included;
softmax only on the output layer), every loss of ``LOSSES`` (aliases included, with
targets and output activations the loss is defined for) and every option of SPEC, each
written in any form the file allows (scalars for lists of one, flat weight lists, shared
biases, names, weight_rows: inputs, a state block, JSON or YAML).  For them:

* the loader reads back exactly the numbers that were written;
* every gradient of the first step equals a central finite difference of the loss, the
  loss computed by a forward pass and loss formulas written out in this file (points
  within ``KINK`` of a ReLU-type kink are skipped);
* every z, a, ∂L/∂a and δ is (samples, neurons), every gradient and parameter has its
  layer's shape;
* δ = ∂L/∂a · f′(z) with f′ written out here, SPEC's values at z = 0 included;
* a zero learning rate changes no parameter (SGD, momentum and Adam);
* the loss and every gradient of reduction: sum are the sample count times those of
  reduction: mean, and every per-sample value is the same;
* ``backcalc run FILE --format json`` parses, and its numbers equal the library's;
* every command and output format takes them without a traceback;
* a generated valid answers file is checked (exit 0 or 1), one result per number given.

Broken files are mutations of valid ones (``MUTATIONS``): deleted lines, swapped
types, ragged lists, wrong sizes, bad YAML, binary junk and invalid UTF-8, unknown keys,
huge numbers, YAML tags, aliases, duplicated keys, truncation and character edits.  Each
must end in exit 0 (the mutation stayed valid) or exit 2 with one line on standard error
naming the file, nothing on standard output, no traceback, no state saved and the file
unchanged.  Answers files of ``backcalc check`` (the bundled seed001 and generated ones)
get the same mutations.  Bugs the fuzzing found are pinned at the end of the file by
their smallest reproducers.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import assume, event, given, settings, strategies as st

from backcalc.activations import ACTIVATIONS
from backcalc.engine import train
from backcalc.losses import FUSED, LOSSES
from backcalc.netfile import load_network, parse_network_text

from helpers import NETWORKS, run_cli, run_json

SEED001 = NETWORKS / "answers" / "seed001.yaml"

H = 1e-6             # step of the central differences
KINK = 1e-4          # skip points where a ReLU-type z is closer than this to 0
PIECEWISE = {"relu", "leaky_relu", "elu"}
DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}       # SPEC's defaults

HIDDEN_ACTIVATIONS = sorted(name for name, cls in ACTIVATIONS.items() if not cls.output_only)

# Free text (a network's name, description): letters, digits, punctuation, symbols, spaces;
# every such character stands for itself in YAML and JSON alike.
free_text = st.text(st.characters(categories=("L", "N", "P", "S", "Zs")), max_size=12)


# =============================================================================
# Strategies: valid networks
# =============================================================================

def numbers(bound: int):
    """A number in [-bound, bound]: as a student writes it (0.15, -2) or any float64."""
    return st.one_of(st.integers(-100 * bound, 100 * bound).map(lambda k: k / 100),
                     st.integers(-bound, bound),
                     st.floats(-bound, bound, allow_nan=False, allow_subnormal=False))


# A target of binary_cross_entropy or cross_entropy: a probability, 0 and 1 included.
probabilities = st.one_of(st.integers(0, 100).map(lambda k: k / 100), st.sampled_from([0, 1]),
                          st.floats(0, 1, allow_subnormal=False))


def output_activations(loss: str, outputs: int) -> list[str]:
    """Output activations (names as written) whose outputs the loss is finite for."""
    canonical = LOSSES[loss].name
    if canonical == "binary_cross_entropy":   # a in (0, 1); one softmax output is always 1
        allowed = {"sigmoid"} if outputs == 1 else {"sigmoid", "softmax"}
    elif canonical == "cross_entropy":        # a > 0
        allowed = {"sigmoid", "softmax", "softplus"}
    else:
        return sorted(ACTIVATIONS)
    return sorted(name for name, cls in ACTIVATIONS.items() if cls.name in allowed)


@dataclass
class Net:
    """A generated network: what the test meant (weights one row per neuron) and its file."""

    doc: dict                 # the file as plain values
    weights: list             # per layer, an array (neurons, inputs)
    biases: list              # per layer, one value per neuron (all equal when shared)
    shared: list              # per layer, shared_bias
    activations: list         # per layer, (canonical name, alpha or None)
    inputs: np.ndarray        # (samples, inputs)
    targets: np.ndarray       # (samples, outputs)
    loss: str                 # canonical name
    names: dict               # parameter name → ("W", layer, neuron, input) or ("b", layer, neuron)

    def option(self, key, default):
        return self.doc.get(key, default)

    @property
    def sizes(self) -> list[int]:
        return [self.inputs.shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def file_weights(self) -> list[np.ndarray]:
        """Each layer's weights in the file's orientation (weight_rows)."""
        by_neuron = self.option("weight_rows", "neurons") == "neurons"
        return [w if by_neuron else w.T for w in self.weights]

    @property
    def first_step_samples(self) -> list[int]:
        """The samples the first update uses: all of them (batch) or the first (online)."""
        return [0] if self.option("update", "batch") == "online" else list(range(len(self.inputs)))


def compact(values: list, draw):
    """A list of one may be written as the number itself."""
    return values[0] if len(values) == 1 and draw(st.booleans()) else values


@st.composite
def activation_field(draw, written: str):
    """An activation as a name, as {name: …}, or (leaky_relu, elu) with an alpha."""
    cls = ACTIVATIONS[written]
    forms = ["name", "mapping"] + (["alpha"] if "alpha" in cls.parameters else [])
    form = draw(st.sampled_from(forms))
    alpha = draw(numbers(3).map(abs)) if form == "alpha" else DEFAULT_ALPHA.get(cls.name)
    field = {"name": written, "alpha": alpha} if form == "alpha" else \
        {"name": written} if form == "mapping" else written
    return field, (cls.name, alpha)


@st.composite
def layer_entry(draw, inputs: int, neurons: int, written_activation: str, by_neuron: bool,
                counter: list, names: dict, index: int):
    """One layer's file entry, its weights (neurons, inputs), biases and shared flag."""
    activation, meaning = draw(activation_field(written_activation))
    weights = [[draw(numbers(2)) for _ in range(inputs)] for _ in range(neurons)]
    in_file = weights if by_neuron else [list(col) for col in zip(*weights)]
    forms = ["matrix"] + (["flat"] if 1 in (inputs, neurons) else []) + \
        (["scalar"] if inputs == neurons == 1 else [])
    form = draw(st.sampled_from(forms))
    if form == "matrix":
        weights_field = in_file
    elif form == "flat":       # one input: a weight per neuron; one neuron: its weights
        weights_field = [row[0] for row in weights] if inputs == 1 else weights[0]
    else:
        weights_field = weights[0][0]
    shared = draw(st.booleans())
    if shared:
        biases_field = draw(numbers(1))
        biases = [biases_field] * neurons
    else:
        biases = [draw(numbers(1)) for _ in range(neurons)]
        if draw(st.booleans()):                      # a scalar stands for every neuron
            biases = [biases[0]] * neurons
            biases_field = biases[0]
        else:
            biases_field = biases
    entry = {"activation": activation, "weights": weights_field, "biases": biases_field}
    if shared or draw(st.booleans()):
        entry["shared_bias"] = shared
    entry_names = draw(layer_names(inputs, neurons, by_neuron, shared, counter, names, index))
    if entry_names:
        entry["names"] = entry_names
    return entry, np.array(weights, dtype=float), np.array(biases, dtype=float), shared, meaning


@st.composite
def layer_names(draw, inputs, neurons, by_neuron, shared, counter, names, index):
    """Optional names: weights shaped like the file's matrix (flat or scalar where it may
    be), biases one per neuron or one for a shared bias; unique in the whole network."""
    out = {}

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["w", "θ", "wt"]))
        grid = [[fresh(prefix) for _ in range(inputs)] for _ in range(neurons)]
        for j, row in enumerate(grid):
            for i, name in enumerate(row):
                names[name] = ("W", index, j, i)
        in_file = grid if by_neuron else [list(col) for col in zip(*grid)]
        if inputs == neurons == 1 and draw(st.booleans()):
            out["weights"] = grid[0][0]
        elif 1 in (inputs, neurons) and draw(st.booleans()):
            out["weights"] = [name for row in in_file for name in row]
        else:
            out["weights"] = in_file
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["b", "β", "bias"]))
        if shared:
            out["biases"] = fresh(prefix)
            names[out["biases"]] = ("b", index, 0)
        else:
            out["biases"] = [fresh(prefix) for _ in range(neurons)]
            for j, name in enumerate(out["biases"]):
                names[name] = ("b", index, j)
            out["biases"] = compact(out["biases"], draw)
    return out


@st.composite
def optimizer_options(draw):
    """momentum (SGD only), or an optimizer written as a name or a mapping with Adam's
    parameters; or nothing (SGD)."""
    choice = draw(st.sampled_from(["none", "momentum", "sgd", "adam", "adam-mapping"]))
    if choice == "momentum":
        return {"momentum": draw(st.floats(0, 0.99))}
    if choice == "sgd":
        return {"optimizer": draw(st.sampled_from(["sgd", {"name": "sgd"}]))}
    if choice == "adam":
        return {"optimizer": "adam"}
    if choice == "adam-mapping":
        config = {"name": "adam"}
        for key, values in (("beta1", st.floats(0, 0.99)), ("beta2", st.floats(0, 0.9999)),
                            ("epsilon", st.floats(1e-10, 1e-3))):
            if draw(st.booleans()):
                config[key] = draw(values)
        return {"optimizer": config}
    return {}


@st.composite
def state_block(draw, doc: dict, weights: list):
    """The state block backcalc writes into .backcalc/state.yaml: the iteration reached,
    the updates made, where the run came from, and the optimizer's memory (momentum's
    velocity, Adam's m and v), one {weights, biases} per layer in the file's orientation."""
    state = {"iteration": draw(st.integers(0, 5))}
    if draw(st.booleans()):
        state["updates"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        state["source"] = draw(free_text)
    optimizer = doc.get("optimizer", "sgd")
    adam = "adam" in (optimizer, optimizer.get("name") if isinstance(optimizer, dict) else None)
    slots = ["m", "v"] if adam else ["velocity"] if doc.get("momentum") else []
    for slot in slots:
        if draw(st.booleans()):
            value = numbers(1).map(abs) if slot == "v" else numbers(1)
            by_neuron = doc.get("weight_rows", "neurons") == "neurons"
            state[slot] = [{"weights": [[draw(value) for _ in row] for row in
                                        (w if by_neuron else w.T)],
                            "biases": [draw(value) for _ in range(w.shape[0])]}
                           for w in weights]
    return state


@st.composite
def networks(draw, rounding: bool = True, learning_rate=None, state: bool = False):
    """A valid network over every activation, loss and option (see the module's docstring).

    ``rounding``: may set round_intermediates (only with the squared errors: rounded
    outputs of exactly 0 or 1 make the cross-entropies infinite).  ``learning_rate``: a
    fixed value, or None for any in [0, 2].  ``state``: may hold a state block.
    """
    loss_written = draw(st.sampled_from(sorted(LOSSES)))
    loss = LOSSES[loss_written].name
    sizes = [draw(st.integers(1, 3))] + draw(st.lists(st.integers(1, 3), max_size=2)) + \
        [draw(st.integers(1, 3))]
    written_activations = [draw(st.sampled_from(HIDDEN_ACTIVATIONS)) for _ in sizes[2:]] + \
        [draw(st.sampled_from(output_activations(loss_written, sizes[-1])))]
    by_neuron = draw(st.booleans())
    doc: dict = {}
    if not by_neuron:
        doc["weight_rows"] = "inputs"
    elif draw(st.booleans()):
        doc["weight_rows"] = "neurons"

    layers, weights, biases, shared, meanings, names, counter = [], [], [], [], [], {}, [0]
    for index, written in enumerate(written_activations):
        entry, w, b, s, meaning = draw(layer_entry(sizes[index], sizes[index + 1], written,
                                                   by_neuron, counter, names, index))
        layers.append(entry)
        weights.append(w)
        biases.append(b)
        shared.append(s)
        meanings.append(meaning)

    count = draw(st.integers(1, 3))
    target = probabilities if loss in ("binary_cross_entropy", "cross_entropy") else numbers(2)
    inputs = [[draw(numbers(2)) for _ in range(sizes[0])] for _ in range(count)]
    targets = [[draw(target) for _ in range(sizes[-1])] for _ in range(count)]
    if count == 1 and draw(st.booleans()):
        doc["input"], doc["target"] = compact(inputs[0], draw), compact(targets[0], draw)
    else:
        doc["samples"] = [{"input": compact(x, draw), "target": compact(y, draw)}
                          for x, y in zip(inputs, targets)]
    doc["loss"] = loss_written
    doc["learning_rate"] = draw(numbers(2).map(abs)) if learning_rate is None else learning_rate
    doc["layers"] = layers

    optional = {
        "name": free_text.map(lambda text: "net " + text),
        "description": free_text.map(lambda text: "about " + text),
        "reduction": st.sampled_from(["mean", "sum"]),
        "update": st.sampled_from(["batch", "online"]),
        "update_biases": st.booleans(),
        "relu_derivative_at_zero": st.sampled_from([0, 1, 0.0, 1.0]),
        "index_base": st.sampled_from([0, 1]),
    }
    if rounding and loss not in ("binary_cross_entropy", "cross_entropy"):
        optional["round_intermediates"] = st.one_of(st.none(), st.integers(0, 15))
    for key, values in optional.items():
        if draw(st.booleans()):
            doc[key] = draw(values)
    doc.update(draw(optimizer_options()))
    if state and draw(st.booleans()):
        doc["state"] = draw(state_block(doc, weights))
    doc = json.loads(json.dumps(doc))            # plain values, nothing shared
    return Net(doc, weights, biases, shared, meanings, np.array(inputs, dtype=float),
               np.array(targets, dtype=float), loss, names)


def dump(doc, style: str) -> str:
    """A document as file text: YAML (flow leaves or all block) or JSON (which is YAML)."""
    if style == "yaml":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=None)
    if style == "yaml-block":
        return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False)
    if style == "json":
        return json.dumps(doc, ensure_ascii=False)
    return json.dumps(doc, ensure_ascii=False, indent=2)


STYLES = ("yaml", "yaml-block", "json", "json-indented")
MULTILINE = ("yaml", "yaml-block", "json-indented")


# =============================================================================
# Strategies: valid answers files
# =============================================================================

# Per-neuron answer keys as SPEC and answers.py write them, and what each names.
PER_NEURON = {"z": "z", "a": "a", "dL/da": "dL/da", "∂L/∂a": "dL/da", "delta": "delta",
              "δ": "delta", "dL/dz": "delta", "fprime": "fprime", "f'": "fprime",
              "f′": "fprime"}


def answer_candidates(net: Net) -> list[tuple[str, tuple, frozenset]]:
    """Every answer key the network allows: (key, shape of its value, quantities it gives).

    Shapes: ("scalar",), ("vector", n), ("matrix", rows, cols).  A layer form of the
    biases (dL/db2, b2+) is always given as a list, so that it is never read as a
    parameter named b2 (a name wins for a single number, SPEC)."""
    base = net.option("index_base", 1)
    # With one sample per update, the update's loss is that sample's loss: one quantity.
    one_sample = net.option("update", "batch") == "online" or len(net.inputs) == 1
    out = [("loss", ("scalar",), frozenset({("loss",)})),
           ("sample_loss", ("scalar",), frozenset({("loss",) if one_sample else ("sample_loss",)}))]
    for l, size in enumerate(net.sizes[1:]):
        for key, kind in PER_NEURON.items():
            if kind == "fprime" and net.activations[l][0] == "softmax":
                continue                         # a softmax layer has no f′ of its own
            out.append((f"{key}{l + 1}", ("vector", size),
                        frozenset((kind, l, j) for j in range(size))))
            out += [(f"{key}{l + 1}_{j + base}", ("scalar",), frozenset({(kind, l, j)}))
                    for j in range(size)]
    by_neuron = net.option("weight_rows", "neurons") == "neurons"
    for prefix, suffix, what in (("dL/d", "", "gradient"), ("∂L/∂", "", "gradient"),
                                 ("", "+", "updated")):
        for l, w in enumerate(net.weights):
            rows, cols = w.shape if by_neuron else w.shape[::-1]
            out.append((f"{prefix}W{l + 1}{suffix}", ("matrix", rows, cols),
                        frozenset((what, "W", l, j, i) for j, i in np.ndindex(w.shape))))
            for r, c in np.ndindex(rows, cols):
                j, i = (r, c) if by_neuron else (c, r)
                out.append((f"{prefix}W{l + 1}_{r + base}_{c + base}{suffix}", ("scalar",),
                            frozenset({(what, "W", l, j, i)})))
            neurons = 1 if net.shared[l] else w.shape[0]
            out.append((f"{prefix}b{l + 1}{suffix}", ("list", neurons),
                        frozenset((what, "b", l, j) for j in range(neurons))))
            if not net.shared[l]:
                out += [(f"{prefix}b{l + 1}_{j + base}{suffix}", ("scalar",),
                         frozenset({(what, "b", l, j)})) for j in range(neurons)]
        for name, (kind, l, *where) in net.names.items():
            out.append((f"{prefix}{name}{suffix}", ("scalar",),
                        frozenset({(what, kind, l, *where)})))
    return out


@st.composite
def answer_value(draw, shape):
    """Numbers for a key: one, a list (a list of one may be the number), or a matrix (a
    flat list where a side is 1, the number itself for 1×1)."""
    value = numbers(3)
    if shape[0] == "scalar":
        return draw(value)
    if shape[0] == "list":
        return [draw(value) for _ in range(shape[1])]
    if shape[0] == "vector":
        return compact([draw(value) for _ in range(shape[1])], draw)
    rows, cols = shape[1:]
    matrix = [[draw(value) for _ in range(cols)] for _ in range(rows)]
    if rows == cols == 1 and draw(st.booleans()):
        return matrix[0][0]
    if 1 in (rows, cols) and draw(st.booleans()):
        return [x for row in matrix for x in row]
    return matrix


def count_numbers(value) -> list[float]:
    if isinstance(value, list):
        return [x for item in value for x in count_numbers(item)]
    return [value]


@st.composite
def answers_for(draw, net: Net):
    """A valid answers file for ``net``: one block, or a list of blocks for different
    iterations, each giving every quantity at most once, with any numbers."""
    candidates = answer_candidates(net)
    iterations = draw(st.lists(st.integers(1, 3), min_size=1, max_size=2, unique=True))
    blocks = []
    for iteration in iterations:
        block = {}
        if len(iterations) > 1 or draw(st.booleans()):
            block["iteration"] = iteration
        if draw(st.booleans()):
            block["sample"] = draw(st.integers(1, len(net.inputs)))
        chosen = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=6,
                               unique_by=lambda candidate: candidate[0]))
        given: set = set()
        for key, shape, quantities in chosen:
            if given.isdisjoint(quantities):
                block[key] = draw(answer_value(shape))
                given |= quantities
        blocks.append(block)
    return blocks[0] if len(blocks) == 1 and draw(st.booleans()) else blocks


# =============================================================================
# Strategies: broken files (mutations of a valid document)
# =============================================================================

def paths(value, where=()):
    """Every place in a document: a tuple of keys and indices."""
    yield where
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, where + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, where + (index,))


def at(doc, where):
    for step in where:
        doc = doc[step]
    return doc


def put(doc, where, value):
    """A copy of ``doc`` with ``value`` at ``where`` (the root when ``where`` is empty)."""
    if not where:
        return value
    doc = json.loads(json.dumps(doc))
    at(doc, where[:-1])[where[-1]] = value
    return doc


@st.composite
def place(draw, doc, keep=lambda value: True):
    """A place in ``doc`` whose value ``keep`` accepts (the root if none does)."""
    found = [where for where in paths(doc) if keep(at(doc, where))]
    return draw(st.sampled_from(found)) if found else ()


@st.composite
def text_of(draw, doc, original=None, styles=STYLES):
    """The document as text: the original file (if any) or a dump in one of ``styles``."""
    choices = ([original] if original else []) + [dump(doc, style) for style in styles]
    return draw(st.sampled_from(choices))


NUMBER = re.compile(r"(?<![\w.])-?\d+(\.\d*)?([eE][-+]?\d+)?(?![\w.])")


def is_list(value):
    return isinstance(value, list)


@st.composite
def delete_lines(draw, doc, original=None):
    """One to three lines deleted."""
    lines = draw(text_of(doc, original, MULTILINE)).splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
    return "".join(lines).encode()


# Values of another type than the one they replace: text, booleans, null, lists,
# mappings, numbers.
other_values = st.one_of(
    st.text(max_size=8), st.booleans(),
    st.none(), st.just([]), st.just({}), st.lists(numbers(3), min_size=1, max_size=3),
    st.lists(st.lists(numbers(3), max_size=2), min_size=1, max_size=2),
    st.dictionaries(st.sampled_from(["a", "name", "weights", "input"]), numbers(2),
                    min_size=1, max_size=2),
    numbers(5))


@st.composite
def swapped_type(draw, doc, original=None):
    """A value (a number, a list, a mapping, text) replaced by one of another kind."""
    where = draw(place(doc))
    return draw(text_of(put(doc, where, draw(other_values)))).encode()


@st.composite
def ragged(draw, doc, original=None):
    """A row of a matrix one item shorter or longer (a flat list made a ragged matrix)."""
    def is_matrix(value):
        return isinstance(value, list) and value and all(isinstance(row, list) for row in value)
    where = draw(place(doc, is_matrix))
    value = at(doc, where)
    if not is_matrix(value):
        value = [value, [1.5]] if not isinstance(value, list) else [value, value[:-1] or [1.5]]
    else:
        row = draw(st.integers(0, len(value) - 1))
        value = [list(r) for r in value]
        if value[row] and draw(st.booleans()):
            del value[row][draw(st.integers(0, len(value[row]) - 1))]
        else:
            value[row].append(draw(numbers(2)))
    return draw(text_of(put(doc, where, value))).encode()


@st.composite
def wrong_size(draw, doc, original=None):
    """A list (weights, a row, biases, a target, an input, names, samples, layers) with an
    item added or removed; or a number made a list of two."""
    where = draw(place(doc, lambda value: isinstance(value, (list, int, float))
                       and not isinstance(value, bool)))
    value = at(doc, where)
    if not isinstance(value, list):
        value = [value, value]
    elif value and draw(st.booleans()):
        value = value[:-1] if draw(st.booleans()) else value[1:]
    else:
        value = value + [value[-1] if value else draw(numbers(2))]
    return draw(text_of(put(doc, where, value))).encode()


YAML_BREAKERS = ["[", "]", "{", "}", ":", ": ", " :", "\t", "- ", "'", '"', "&", "*", "!",
                 "%", "@", "`", "|", ">", "#", ",", "? ", "\n---\n", "\n...\n", "&a ", "*a ",
                 "\\", "\n  ", "\n", "\n\t", "::", "[[", "]]", "{:", "- - ", "<<: "]


@st.composite
def bad_yaml(draw, doc, original=None):
    """Unbalanced brackets, tabs, stray colons and other YAML syntax inserted or removed."""
    text = draw(text_of(doc, original))
    how = draw(st.sampled_from(["insert", "tab-indent", "remove-bracket", "colon-at-end"]))
    lines = text.splitlines(keepends=True)
    line = draw(st.integers(0, len(lines) - 1))
    if how == "tab-indent":
        lines[line] = "\t" + lines[line].lstrip(" ")
        return "".join(lines).encode()
    if how == "colon-at-end":
        lines[line] = lines[line].rstrip("\n") + draw(st.sampled_from([":", ": x", " : :"])) + "\n"
        return "".join(lines).encode()
    if how == "remove-bracket":
        brackets = [i for i, char in enumerate(text) if char in "[]{}"]
        if brackets:
            i = draw(st.sampled_from(brackets))
            return (text[:i] + text[i + 1:]).encode()
    i = draw(st.integers(0, len(text)))
    return (text[:i] + draw(st.sampled_from(YAML_BREAKERS)) + text[i:]).encode()


INVALID_UTF8 = [b"\xff", b"\xfe", b"\xc3(", b"\x80", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80",
                b"\xc0\xaf", b"\xf8\x88\x80\x80\x80", b"\x00", b"\x1b[31m", b"\x7f"]


@st.composite
def binary_junk(draw, doc, original=None):
    """Random bytes: a whole file of them, some inserted into the text, an invalid UTF-8
    sequence, or the text saved as UTF-16/32, Latin-1 or UTF-8 with a BOM."""
    text = draw(text_of(doc, original))
    how = draw(st.sampled_from(["all", "insert", "invalid-utf8", "encoding"]))
    if how == "all":
        return draw(st.binary(max_size=300))
    data = text.encode()
    i = draw(st.integers(0, len(data)))
    if how == "insert":
        return data[:i] + draw(st.binary(min_size=1, max_size=20)) + data[i:]
    if how == "invalid-utf8":
        return data[:i] + draw(st.sampled_from(INVALID_UTF8)) + data[i:]
    encoding = draw(st.sampled_from(["utf-16", "utf-32", "utf-8-sig", "latin-1"]))
    return ("# é\n" + text).encode(encoding, errors="replace")


def near_typos(key: str) -> list[str]:
    """Keys a slip of the finger makes of ``key``."""
    typos = {key[:-1], key + "s", key.upper(), key.capitalize(), key + " ", " " + key,
             key.replace("_", "-"), key.replace("_", "")}
    typos |= {key[:i] + key[i + 1] + key[i] + key[i + 2:] for i in range(len(key) - 1)}
    return sorted(typo for typo in typos if typo and typo != key)


@st.composite
def unknown_key(draw, doc, original=None):
    """A key added to some mapping (the top, a layer, a sample, an activation, names,
    optimizer, an answers block): a near typo of a known key or any text (line breaks and
    control characters included: the one error line must escape them)."""
    where = draw(place(doc, lambda value: isinstance(value, dict)))
    mapping = at(doc, where)
    if not isinstance(mapping, dict):        # an answers file that is a list of blocks
        where = where + (0,)
        mapping = at(doc, where)
    known = sorted(mapping) or ["loss"]
    key = draw(st.one_of(st.sampled_from(known).flatmap(
        lambda k: st.sampled_from(near_typos(k))),
        st.text(min_size=1, max_size=10)))
    value = draw(st.one_of(numbers(2), st.text(max_size=4), st.lists(numbers(2), max_size=2)))
    return draw(text_of(put(doc, where, {**mapping, key: value}))).encode()


HUGE = ["1e400", "-1e400", "1.0e+400", "9" * 400, "-" + "9" * 310, "1" + "0" * 5000, ".inf",
        "-.inf", ".nan", ".NaN", "1e-400", "0x10", "010", "08", "1_000", "1:30", "0o17", "0b1",
        "1e99999999999", "-0", "1e308", "-1.7976931348623157e308"]


@st.composite
def huge_number(draw, doc, original=None):
    """A number replaced by one beyond float64 (1e400, 400 digits), inf, nan, or a form
    YAML reads in another base (0x10, 010, 1:30, 1_000)."""
    text = draw(text_of(doc, original))
    spots = list(NUMBER.finditer(text))
    if not spots:
        return text.encode()
    spot = draw(st.sampled_from(spots))
    return (text[:spot.start()] + draw(st.sampled_from(HUGE)) + text[spot.end():]).encode()


TAGGED = ["!!python/object/apply:os.system ['touch executed']",
          "!!python/object/new:os.system ['touch executed']",
          "!!python/object/apply:builtins.exec ['open(\"executed\", \"w\")']",
          "!!python/name:os.system", "!!python/module:os", "!!python/tuple [1, 2]",
          "!!python/object:collections.OrderedDict {a: 1}", "!!float 0.5", "!!int 3",
          "!!str 0.5", "!!binary aGVsbG8=", "!!set {a: null}", "!!timestamp 2001-12-14",
          "!foo 0.5", "!<tag:yaml.org,2002:float> 0.25", "!!null ''", "!!bool true",
          "!!map {a: 1}", "!!seq [1]", "!!omap [a: 1]", "!!pairs [a: 1]", "!!merge x",
          "!<!> 1", "!e!foo 1"]


@st.composite
def yaml_tag(draw, doc, original=None):
    """A number replaced by a tagged value: object-constructing Python tags (which must
    never run: they would create the file ``executed``), standard tags, unknown tags."""
    text = draw(text_of(doc, original))
    spots = list(NUMBER.finditer(text))
    tagged = draw(st.sampled_from(TAGGED))
    if not spots or draw(st.integers(0, 9)) == 0:
        return (f"--- {tagged}\n" if draw(st.booleans()) else f"x: {tagged}\n").encode() + \
            text.encode()
    spot = draw(st.sampled_from(spots))
    return (text[:spot.start()] + tagged + text[spot.end():]).encode()


def billion_laughs(levels: int) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


@st.composite
def aliases(draw, doc, original=None):
    """Anchors and aliases: one value reused in another place (as a YAML dumper writes
    it), a number anchored and aliased, an undefined or self-referring alias, a merge
    key, an alias bomb of one to nine levels."""
    how = draw(st.sampled_from(["shared", "scalar", "undefined", "recursive", "merge", "bomb"]))
    if how == "shared":
        composite = [where for where in paths(doc) if isinstance(at(doc, where), (list, dict))
                     and where]
        if composite:
            source, target = draw(st.sampled_from(composite)), draw(st.sampled_from(composite))
            copy = json.loads(json.dumps(doc))
            if target[:len(source)] != source and source[:len(target)] != target:
                at(copy, target[:-1])[target[-1]] = at(copy, source)  # the same object twice
            return yaml.safe_dump(copy, sort_keys=False, allow_unicode=True).encode()
    text = draw(text_of(doc, original))
    spots = list(NUMBER.finditer(text))
    if how == "scalar" and len(spots) >= 2:
        first, second = sorted(draw(st.lists(st.sampled_from(spots), min_size=2, max_size=2,
                                             unique_by=lambda m: m.start())),
                               key=lambda m: m.start())
        return (text[:first.start()] + "&n " + first.group() + text[first.end():second.start()]
                + "*n" + text[second.end():]).encode()
    if how == "undefined" and spots:
        spot = draw(st.sampled_from(spots))
        return (text[:spot.start()] + "*nope" + text[spot.end():]).encode()
    if how == "recursive":
        return (draw(st.sampled_from(["r: &r [*r]\n", "r: &r {s: *r}\n", "- &r [*r]\n"]))
                + text).encode()
    if how == "merge":
        return ("base: &base {loss: mse}\n<<: *base\n" + text).encode()
    return (text + billion_laughs(draw(st.integers(1, 9)))).encode()


@st.composite
def duplicate_key(draw, doc, original=None):
    """A line holding a key repeated right below itself."""
    lines = draw(text_of(doc, original, MULTILINE)).splitlines(keepends=True)
    keyed = [i for i, line in enumerate(lines) if ":" in line] or [0]
    i = draw(st.sampled_from(keyed))
    lines.insert(i + 1, lines[i] if lines[i].endswith("\n") else "\n" + lines[i])
    return "".join(lines).encode()


@st.composite
def truncated(draw, doc, original=None):
    """The file cut short anywhere (the empty file included)."""
    data = draw(text_of(doc, original)).encode()
    return data[:draw(st.integers(0, len(data)))]


EDIT_CHARACTERS = "0123456789.-+eE,:;[]{} \n\t#x\u00e9\x00\x7f\u2028\ufeff'\"*&!|>"


@st.composite
def character_edits(draw, doc, original=None):
    """One to three characters replaced, inserted or deleted."""
    text = draw(text_of(doc, original))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, max(len(text) - 1, 0)))
        char = draw(st.sampled_from(EDIT_CHARACTERS))
        how = draw(st.sampled_from(["replace", "insert", "delete"]))
        if how == "insert":
            text = text[:i] + char + text[i:]
        else:
            text = text[:i] + (char if how == "replace" else "") + text[i + 1:]
    return text.encode()


MUTATIONS = {
    "delete-lines": delete_lines, "swapped-type": swapped_type, "ragged": ragged,
    "wrong-size": wrong_size, "bad-yaml": bad_yaml, "binary-junk": binary_junk,
    "unknown-key": unknown_key, "huge-number": huge_number, "yaml-tag": yaml_tag,
    "aliases": aliases, "duplicate-key": duplicate_key, "truncated": truncated,
    "character-edits": character_edits,
}


# =============================================================================
# Oracles written out here, independent of backcalc's own code
# =============================================================================

def activate(name: str, alpha, z: np.ndarray) -> np.ndarray:
    if name == "linear":
        return z
    if name == "sigmoid":
        return np.exp(-np.logaddexp(0.0, -z))
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z > 0, z, alpha * z)
    if name == "elu":
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))
    if name == "softplus":
        return np.logaddexp(0.0, z)
    assert name == "softmax", name
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def derivative(name: str, alpha, z: np.ndarray, relu_at_zero: float) -> np.ndarray:
    """f′(z) with SPEC's values at z = 0: ReLU′(0) = relu_derivative_at_zero, leaky ReLU′(0)
    and ELU′(0) = alpha."""
    if name == "linear":
        return np.ones_like(z)
    if name in ("sigmoid", "softplus"):
        s = activate("sigmoid", None, z)
        return s * (1 - s) if name == "sigmoid" else s
    if name == "tanh":
        return 1 - np.tanh(z) ** 2
    if name == "relu":
        return np.where(z > 0, 1.0, np.where(z < 0, 0.0, relu_at_zero))
    if name == "leaky_relu":
        return np.where(z > 0, 1.0, alpha)
    assert name == "elu", name
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def logsumexp(z: np.ndarray) -> float:
    if z.size == 0:
        return -np.inf
    top = z.max()
    return top + np.log(np.exp(z - top).sum())


def sample_loss(loss: str, output: tuple, z: np.ndarray, y: np.ndarray) -> float:
    """One sample's loss from the output layer's z (``output``: its activation and alpha;
    logarithms taken from z, so that outputs near 0 or 1 keep their precision)."""
    a = activate(*output, z)
    output = output[0]
    if loss == "half_squared_error":
        return 0.5 * np.sum((y - a) ** 2)
    if loss == "squared_error":
        return np.sum((y - a) ** 2)
    if loss == "mean_squared_error":
        return np.sum((y - a) ** 2) / a.size
    if output == "sigmoid":                 # ln σ(z) = −ln(1 + e^(−z)), ln(1 − σ(z)) = ln σ(−z)
        log_a, log_1_minus_a = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
    elif output == "softmax":               # ln a_i = z_i − ln Σ e^z, 1 − a_i = Σ_(j≠i) a_j
        log_a = z - logsumexp(z)
        log_1_minus_a = np.array([logsumexp(np.delete(z, i)) for i in range(z.size)]) \
            - logsumexp(z)
    else:                                   # softplus with cross_entropy: a > 0
        log_a, log_1_minus_a = np.log(a), None

    def y_log(y, log):                      # 0·ln 0 = 0
        return np.where(y == 0, 0.0, y * np.where(y == 0, 0.0, log))
    if loss == "cross_entropy":
        return -np.sum(y_log(y, log_a))
    assert loss == "binary_cross_entropy", loss
    return -np.sum(y_log(y, log_a) + y_log(1 - y, log_1_minus_a))


def forward(net: Net, weights, biases, x) -> list[tuple[np.ndarray, np.ndarray]]:
    """(z, a) of every layer for the inputs ``x`` (samples, inputs)."""
    out, a = [], x
    for w, b, (name, alpha) in zip(weights, biases, net.activations):
        z = a @ w.T + b
        a = activate(name, alpha, z)
        out.append((z, a))
    return out


def reduced_loss(net: Net, weights, biases, samples: list[int]) -> float:
    z = forward(net, weights, biases, net.inputs[samples])[-1][0]
    total = sum(sample_loss(net.loss, net.activations[-1], z[s], net.targets[samples][s])
                for s in range(len(samples)))
    return total / len(samples) if net.option("reduction", "mean") == "mean" else total


def at_a_kink(net: Net, samples: list[int]) -> bool:
    zs = forward(net, net.weights, net.biases, net.inputs[samples])
    return any(name in PIECEWISE and np.abs(z).min() < KINK
               for (z, _), (name, _) in zip(zs, net.activations))


def finite_difference_gradients(net: Net) -> list[tuple[np.ndarray, np.ndarray]]:
    """∂L/∂W and ∂L/∂b of the first step by central differences (a shared bias is one
    parameter: all its entries move together)."""
    samples = net.first_step_samples

    def loss(l, kind, index, step):
        weights = [w.copy() for w in net.weights]
        biases = [b.copy() for b in net.biases]
        target = weights[l] if kind == "W" else biases[l]
        if index is None:
            target += step
        else:
            target[index] += step
        return reduced_loss(net, weights, biases, samples)

    def central(l, kind, index):
        return (loss(l, kind, index, H) - loss(l, kind, index, -H)) / (2 * H)
    out = []
    for l, (w, b) in enumerate(zip(net.weights, net.biases)):
        dW = np.array([central(l, "W", idx) for idx in np.ndindex(w.shape)]).reshape(w.shape)
        if net.shared[l]:
            db = np.full(b.shape, central(l, "b", None))
        else:
            db = np.array([central(l, "b", (j,)) for j in range(b.size)])
        out.append((dW, db))
    return out


# =============================================================================
# Running backcalc
# =============================================================================

@contextmanager
def fresh_folder():
    """Run in a new empty folder (one per example: pytest's tmp_path is one per test)."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            yield Path(folder)
        finally:
            os.chdir(here)


def write(name: str, content) -> bytes:
    data = content.encode() if isinstance(content, str) else content
    Path(name).write_bytes(data)
    return data


def assert_no_crash(result) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crashed: {result.exception!r}\n{result.stderr}")
    assert "Traceback" not in result.stdout + result.stderr


def assert_one_line_naming(result, file: str) -> None:
    """One line on standard error, "Error: FILE:…", with no control character in it (a
    line break or an escape sequence from the file must be written escaped)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, f"expected one line on standard error, found {result.stderr!r}"
    assert lines[0].startswith(f"Error: {file}:"), lines[0]
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f]", lines[0]), repr(lines[0])


def network_document(net: Net, style: str, **changes) -> str:
    return dump({**net.doc, **changes}, style)


def check_shape(value, shape, what: str) -> None:
    assert np.shape(value) == tuple(shape), (what, np.shape(value), shape)


# =============================================================================
# Valid networks
# =============================================================================

@given(net=networks(state=True), style=st.sampled_from(STYLES))
def test_the_loader_reads_back_what_was_written(net, style):
    network = parse_network_text(dump(net.doc, style), "net.yaml")
    assert len(network.layers) == len(net.weights)
    for layer, w, b, shared in zip(network.layers, net.weights, net.biases, net.shared):
        assert layer.weights.tolist() == w.tolist()
        assert layer.biases.tolist() == b.tolist()
        assert layer.shared_bias == shared
    assert [s.input.tolist() for s in network.samples] == net.inputs.tolist()
    assert [s.target.tolist() for s in network.samples] == net.targets.tolist()
    assert network.loss.name == net.loss
    assert [(layer.activation.name, layer.activation.options.get("alpha"))
            for layer in network.layers] \
        == net.activations
    state = net.doc.get("state", {})
    assert network.progress.iteration == state.get("iteration", 0)
    by_neuron = net.option("weight_rows", "neurons") == "neurons"
    for slot in ("velocity", "m", "v"):
        assert (slot in network.progress.slots) == (slot in state), slot
        for p, written in zip(network.progress.slots.get(slot, []), state.get(slot, [])):
            assert (p.weights if by_neuron else p.weights.T).tolist() == written["weights"]
            assert p.biases.tolist() == written["biases"]


@given(net=networks(rounding=False), style=st.sampled_from(STYLES))
def test_first_step_gradients_equal_finite_differences(net, style):
    assume(not at_a_kink(net, net.first_step_samples))
    step = train(parse_network_text(dump(net.doc, style), "net.yaml")).steps[0]
    loss = reduced_loss(net, net.weights, net.biases, net.first_step_samples)
    assert step.loss == pytest.approx(loss, rel=1e-9, abs=1e-12)
    tolerance = 1e-6 * (1 + abs(loss))
    for l, ((dW, db), analytic) in enumerate(zip(finite_difference_gradients(net),
                                                 step.gradients)):
        np.testing.assert_allclose(analytic.weights, dW, rtol=1e-5, atol=tolerance,
                                   err_msg=f"∂L/∂W{l + 1}")
        np.testing.assert_allclose(analytic.biases, db, rtol=1e-5, atol=tolerance,
                                   err_msg=f"∂L/∂b{l + 1}")


@given(net=networks(), iterations=st.integers(1, 3))
def test_every_value_has_its_shape(net, iterations):
    run = train(parse_network_text(dump(net.doc, "json"), "net.yaml"), iterations)
    for step in run.steps:
        samples = len(step.pass_.sample_indices)
        for trace, size in zip(step.pass_.layers, net.sizes[1:]):
            for what in ("z", "a", "dL_da", "delta"):
                check_shape(getattr(trace, what), (samples, size), what)
        for params in (step.gradients, step.before, step.parameters):
            for p, w in zip(params, net.weights):
                check_shape(p.weights, w.shape, "weights")
                check_shape(p.biases, (w.shape[0],), "biases")
    with fresh_folder():
        write("net.yaml", dump(net.doc, "yaml"))
        document = run_json("run", "net.yaml")
    for step in document["steps"]:
        for sample in step["samples"]:
            for layer, size in zip(sample["layers"], net.sizes[1:]):
                for what in ("z", "a", "dL_da", "delta"):
                    check_shape(layer[what], (size,), what)
        for what in ("gradients", "parameters"):        # weights in the file's orientation
            for layer, w, in_file in zip(step[what], net.weights, net.file_weights):
                check_shape(layer["weights"], in_file.shape, what)
                check_shape(layer["biases"], (w.shape[0],), what)


@given(net=networks(rounding=False))
def test_delta_is_dL_da_times_f_prime(net):
    # SPEC's f′ at z = 0 included: relu_derivative_at_zero, leaky ReLU′(0) = ELU′(0) = alpha.
    step = train(parse_network_text(dump(net.doc, "json"), "net.yaml")).steps[0]
    relu_at_zero = float(net.option("relu_derivative_at_zero", 0))
    fused = (net.loss, net.activations[-1][0]) in FUSED
    for l, (trace, (name, alpha)) in enumerate(zip(step.pass_.layers, net.activations)):
        if name == "softmax" or (fused and l == len(net.activations) - 1):
            continue
        expected = trace.dL_da * derivative(name, alpha, trace.z, relu_at_zero)
        np.testing.assert_allclose(trace.delta, expected, rtol=1e-9, atol=1e-12,
                                   err_msg=f"δ{l + 1} ({name})")


@given(net=networks(rounding=False, learning_rate=0), override=st.booleans(),
       iterations=st.integers(1, 2))
def test_a_zero_learning_rate_changes_no_parameter(net, override, iterations):
    # learning_rate: 0 in the file, or --learning-rate 0 over the file's 0.5
    with fresh_folder():
        write("net.yaml", dump({**net.doc, "learning_rate": 0.5} if override else net.doc,
                               "yaml"))
        document = run_json("step", "net.yaml", "-n", str(iterations),
                            *(["--learning-rate", "0"] if override else []))
    updates = len(net.inputs) if net.option("update", "batch") == "online" else 1
    assert len(document["steps"]) == iterations * updates
    for step in document["steps"]:
        for layer, w, b in zip(step["parameters"], net.file_weights, net.biases):
            assert layer["weights"] == w.tolist()
            assert layer["biases"] == b.tolist()


@given(net=networks(rounding=False), style=st.sampled_from(STYLES))
def test_sum_is_the_sample_count_times_mean(net, style):
    with fresh_folder():
        write("mean.yaml", network_document(net, style, reduction="mean"))
        write("sum.yaml", network_document(net, style, reduction="sum"))
        mean = run_json("run", "mean.yaml")["steps"][0]
        total = run_json("run", "sum.yaml")["steps"][0]
    m = len(net.first_step_samples)
    assert total["loss"] == pytest.approx(m * mean["loss"], rel=1e-12, abs=1e-300)
    # A gradient is a sum of per-sample terms; where they cancel, rounding is relative to
    # the terms, not to the sum (a softmax layer's shared bias: Σδ = 0 up to rounding).
    terms = m * max(1.0, *(np.abs(layer[what]).max() for sample in total["samples"]
                           for layer in sample["layers"] for what in ("a", "delta"))) ** 2
    for g_sum, g_mean in zip(total["gradients"], mean["gradients"]):
        for what in ("weights", "biases"):
            np.testing.assert_allclose(g_sum[what], m * np.array(g_mean[what]), rtol=1e-12,
                                       atol=1e-14 * terms)
    assert total["samples"] == mean["samples"]       # each sample's own values: the same


@given(net=networks(), style=st.sampled_from(STYLES))
def test_the_json_document_holds_the_librarys_numbers(net, style):
    text = dump(net.doc, style)
    with fresh_folder():
        write("net.yaml", text)
        document = run_json("run", "net.yaml")
    run = train(parse_network_text(text, "net.yaml"))
    assert document["network"] == (net.doc.get("name") or "net.yaml")
    assert len(document["steps"]) == len(run.steps)
    for entry, step in zip(document["steps"], run.steps):
        assert entry["iteration"] == 1
        assert entry["loss"] == step.loss
        for sample, row in zip(entry["samples"], range(len(step.pass_.sample_indices))):
            index = step.pass_.sample_indices[row]
            assert sample["input"] == net.inputs[index].tolist()
            assert sample["target"] == net.targets[index].tolist()
            assert sample["loss"] == step.pass_.losses[row]
            for layer, trace in zip(sample["layers"], step.pass_.layers):
                for what in ("z", "a", "dL_da", "delta"):
                    assert layer[what] == getattr(trace, what)[row].tolist(), what
        for what, params in (("gradients", step.gradients), ("parameters", step.parameters)):
            for layer, p in zip(entry[what], params):
                assert layer["weights"] == run.network.to_file_orientation(p.weights).tolist()
                assert layer["biases"] == p.biases.tolist()
    assert document["final"]["loss"] == run.final.loss
    assert [s["a"] for s in document["final"]["samples"]] == run.final.outputs.tolist()
    # and, independently of the library, the first step's forward pass and loss
    if net.option("round_intermediates", None) is None:
        samples = net.first_step_samples
        for (z, a), layer in zip(forward(net, net.weights, net.biases, net.inputs[samples]),
                                 zip(*[s["layers"] for s in document["steps"][0]["samples"]])):
            np.testing.assert_allclose([entry["z"] for entry in layer], z, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose([entry["a"] for entry in layer], a, rtol=1e-9, atol=1e-12)
        assert document["steps"][0]["loss"] == pytest.approx(
            reduced_loss(net, net.weights, net.biases, samples), rel=1e-9, abs=1e-12)


# Every command and output format on a valid network (the renderers see every name,
# activation and option): exit 0 (gradcheck: 1 for a mismatch, which a kink may cause),
# or 2 with one line when the arithmetic stops (step diverging; --round making a
# cross-entropy infinite); never a traceback.
COMMANDS = [["run"], ["run", "--explain"], ["run", "--format", "markdown"],
            ["run", "--format", "latex"], ["run", "--format", "csv"], ["run", "--format", "html"],
            ["step", "-n", "3", "--full"], ["step", "-n", "2", "--explain"], ["show", "--values"],
            ["gradcheck"], ["run", "--round", "4"]]


@given(net=networks(state=True), command=st.sampled_from(COMMANDS))
def test_every_command_and_format_takes_a_valid_network(net, command):
    with fresh_folder():
        write("net.yaml", dump(net.doc, "yaml"))
        result = run_cli(command[0], "net.yaml", *command[1:])
    assert_no_crash(result)
    if result.exit_code == 2:
        assert_one_line_naming(result, "net.yaml")
        assert "iteration" in result.stderr, result.stderr
    else:
        assert result.exit_code in ((0, 1) if command[0] == "gradcheck" else (0,)), result.stderr


@given(data=st.data())
def test_a_valid_answers_file_is_checked(data):
    net = data.draw(networks(), label="network")
    answers = data.draw(answers_for(net), label="answers")
    with fresh_folder():
        write("net.yaml", dump(net.doc, "yaml"))
        write("ans.yaml", dump(answers, data.draw(st.sampled_from(STYLES), label="style")))
        result = run_cli("check", "net.yaml", "ans.yaml", "--format", "json")
    assert_no_crash(result)
    if result.exit_code == 2:        # a network that diverges before an iteration answered
        assert_one_line_naming(result, "ans.yaml")
        assert "the calculation stops" in result.stderr, result.stderr
        return
    assert result.exit_code in (0, 1), result.stderr
    given_numbers = count_numbers([value for block in (answers if isinstance(answers, list)
                                                       else [answers])
                                   for key, value in block.items()
                                   if key not in ("iteration", "sample")])
    results = json.loads(result.stdout)["results"]
    assert sorted(r["given"] for r in results) == sorted(given_numbers)


# =============================================================================
# Broken files
# =============================================================================

def assert_refused_or_ran(result, file: str, data: bytes, codes=(0,), may_start=False) -> None:
    """Exit ``codes`` (still valid), or exit 2 and one line naming ``file`` with nothing on
    standard output and nothing saved; never a traceback; the file unchanged.

    ``may_start``: a run whose file loads may stop in its arithmetic (an overflow): it
    shows its tables, then its one error line."""
    assert_no_crash(result)
    assert result.exit_code in (*codes, 2), (result.exit_code, result.stderr)
    assert Path(file).read_bytes() == data, "the file was changed"
    assert not Path("executed").exists(), "a YAML tag ran code"
    if result.exit_code == 2:
        assert_one_line_naming(result, file)
        if result.stdout and may_start:
            load_network(file)                   # the file loads: the arithmetic stopped
        else:
            assert not Path(".backcalc").exists(), "a refused file must not save any state"


# The broken-file tests draw one of 13 mutation classes per example: at least 40 examples
# (about 3 per class) whatever the profile; most broken files are refused at once.
broken_files = settings(max_examples=max(40, settings.default.max_examples))


@broken_files
@given(data=st.data())
def test_a_broken_network_file_is_one_line(data):
    mutation = data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation")
    net = data.draw(networks(state=True), label="valid network")
    broken = data.draw(MUTATIONS[mutation](net.doc), label="broken file")
    with fresh_folder():
        write("net.yaml", broken)
        result = run_cli("run", "net.yaml")
        assert_refused_or_ran(result, "net.yaml", broken, may_start=True)
    event(f"{mutation}: exit {result.exit_code}")


@st.composite
def generated_answers(draw):
    """A generated network and a valid answers file for it."""
    net = draw(networks())
    return net, draw(answers_for(net))


@broken_files
@given(data=st.data())
def test_a_broken_answers_file_is_one_line(data):
    # the bundled seed001 answers (for mazur), or a generated network and answers
    mutation = data.draw(st.sampled_from(sorted(MUTATIONS)), label="mutation")
    seed = data.draw(st.booleans(), label="seed001")
    if seed:
        original = SEED001.read_text(encoding="utf-8")
        doc = yaml.safe_load(original)
    else:
        net, doc = data.draw(generated_answers(), label="network and answers")
        original = None
    broken = data.draw(MUTATIONS[mutation](doc, original), label="broken answers")
    with fresh_folder():
        if not seed:
            write("net.yaml", dump(net.doc, "yaml"))
        write("ans.yaml", broken)
        result = run_cli("check", "mazur" if seed else "net.yaml", "ans.yaml")
        assert_refused_or_ran(result, "ans.yaml", broken, codes=(0, 1))
        assert not Path(".backcalc").exists()
    event(f"{mutation}: exit {result.exit_code}")


# Out-of-range numbers in answers keys and values a generic mutation rarely reaches.
@given(data=st.data())
def test_answers_naming_what_does_not_exist_are_one_line(data):
    net, answers = data.draw(generated_answers(), label="network and answers")
    layers = len(net.weights)
    key = data.draw(st.one_of(
        st.sampled_from([f"z{layers + 1}", "z0", f"a1_{net.sizes[1] + 2}", "a1_-1",
                         f"dL/dW{layers + 1}", "dL/dW1_9_9", "b1_99+", "dL/dq", "w0+", "z01",
                         "Z1", "z 1", "loss2", "dL/d", "+", "dL/dW", "∂L/∂"]),
        st.text(min_size=1, max_size=6)),
        label="key")
    extra = data.draw(st.sampled_from([{key: 0.5}, {"iteration": data.draw(st.sampled_from(
        [0, -1, 101, 1.5, "1", True, None, [1]]))}, {"sample": data.draw(st.sampled_from(
            [0, len(net.inputs) + 1, -1, 2.5, "x", [], {}]))}]), label="extra")
    blocks = answers if isinstance(answers, list) else [answers]
    broken = dump([{**blocks[0], **extra}, *blocks[1:]], "yaml").encode()
    with fresh_folder():
        write("net.yaml", dump(net.doc, "yaml"))
        write("ans.yaml", broken)
        result = run_cli("check", "net.yaml", "ans.yaml")
        assert_refused_or_ran(result, "ans.yaml", broken, codes=(0, 1))


# =============================================================================
# Bugs the fuzzing found (fixed), each as its smallest reproducer
# =============================================================================

LINE_BREAK_KEYS = [
    ("run", "net.yaml", '"a\\rb": 1\ninput: 1\ntarget: 1\nloss: mse\nlearning_rate: 0.1\n'
     "layers: [{activation: linear, weights: 1, biases: 0}]\n"),
    ("run", "net.yaml", '"a\\u2028b": 1\ninput: 1\ntarget: 1\nloss: mse\nlearning_rate: 0.1\n'
     "layers: [{activation: linear, weights: 1, biases: 0}]\n"),
    ("run", "net.yaml", 'input: 1\ntarget: 1\nloss: mse\nlearning_rate: 0.1\n'
     'layers: [{activation: linear, weights: 1, biases: 0, "x\\x85y": 2}]\n'),
    ("check", "ans.yaml", '"z1\\r": 0.5\n'),
]


# A key was echoed raw as the field of the error line, so a key holding a line break
# (\r, U+2028, U+0085, …) split the one error line, and \r hid the file name on a terminal.
@pytest.mark.parametrize("command, file, text", LINE_BREAK_KEYS,
                         ids=["network-cr", "network-u2028", "layer-nel", "answers-cr"])
def test_a_key_with_a_line_break_is_one_line(command, file, text):
    with fresh_folder():
        write(file, text)
        result = run_cli(command, *(["mazur"] if command == "check" else []), file)
        assert result.exit_code == 2
        assert_one_line_naming(result, file)


# Softmax output with binary_cross_entropy was computed from a: ln(1 − a) of a saturated
# output was −inf, so a finite loss (80) showed as Infinity, δ as NaN, and the run stopped
# as if it diverged (found by test_a_zero_learning_rate_changes_no_parameter).
def test_softmax_with_binary_cross_entropy_stays_finite_where_an_output_saturates():
    # z = (40, 0): a = (σ(40), σ(−40)); with y = (0, 1) the loss is −ln(1 − a₁) − ln a₂
    # = 2·ln(1 + e^40) ≈ 80, finite.
    with fresh_folder():
        write("net.yaml", "input: 1\ntarget: [0, 1]\nloss: binary_cross_entropy\n"
              "learning_rate: 0.1\nlayers:\n  - {activation: softmax, weights: [40, 0], "
              "biases: 0}\n")
        document = run_json("run", "net.yaml")
    assert document["steps"][0]["loss"] == pytest.approx(2 * np.logaddexp(0, 40), rel=1e-12)


def test_the_mutations_cover_the_classes_of_the_issue():
    # deleted lines, swapped types, ragged lists, wrong sizes, bad YAML, binary junk,
    # unknown keys, huge numbers, tags, aliases (issue 5, item 1)
    assert {"delete-lines", "swapped-type", "ragged", "wrong-size", "bad-yaml", "binary-junk",
            "unknown-key", "huge-number", "yaml-tag", "aliases"} <= set(MUTATIONS)
