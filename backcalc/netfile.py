"""Reading a network file: YAML with marks → a validated ``Network``.

Every check raises ``InputError`` naming the file, line, column and field, and
saying what was expected and what was found.  The order of checks follows the
file: unknown keys first (so a typo is reported as a typo, not as a missing
key), then each value as it is read.
"""

from __future__ import annotations

import math

import numpy as np

from . import decimal_commas
from .activations import ACTIVATIONS, activation
from .dropout import Dropout
from .errors import InputError, LimitError
from .limits import MAX_PARAMETERS
from .losses import LOSSES
from .network import Layer, Network, OptimizerConfig, Params, Progress, Sample
from .optimizers import OPTIMIZERS, stored_memory
from .penalties import PENALTIES
from .yamlsource import (
    Document,
    Mark,
    RefusedNumber,
    YamlMap,
    load_yaml,
    out_of_range,
    read_text,
)

L2_KEYS = ("l2", "l2_form", "l2_biases")    # the L2 penalty (``penalties``)
TOP_KEYS = {
    "name", "description", "input", "target", "samples", "loss", "learning_rate", "layers",
    "reduction", "update", "update_biases", "momentum", "nesterov", "optimizer",
    "relu_derivative_at_zero",
    "round_intermediates", "weight_rows", "index_base", "state", *L2_KEYS,
}
REQUIRED_TOP = ("loss", "learning_rate", "layers")
SAMPLE_KEYS = ("input", "target")          # one sample's keys; all required
LAYER_KEYS = {"activation", "weights", "biases", "shared_bias", "names", "dropout"}
REQUIRED_LAYER = ("activation", "weights", "biases")
ACTIVATION_KEYS = {"name", "alpha"}         # ``activation: {name: leaky_relu, alpha: 0.1}``
NAMES_KEYS = {"weights", "biases"}          # a layer's ``names``
DROPOUT_KEYS = ("mask", "keep")            # a hidden layer's ``dropout``; mask required
CHOICES = {
    "reduction": ("mean", "sum"),
    "update": ("batch", "online"),
    "weight_rows": ("neurons", "inputs"),
}
BINARY_CHOICES = {"relu_derivative_at_zero": (0, 1), "index_base": (0, 1)}
MAX_ROUND = 15
STATE_COUNTS = ("iteration", "updates", "source")   # the state block's keys besides the memory
REQUIRED_STATE = ("iteration",)
SLOT_KEYS = ("weights", "biases")           # one layer's entry in a slot; both required


def optimizer_settings() -> dict:
    """Each optimizer's name → the keys its ``optimizer:`` mapping takes (→ ``Setting``)."""
    return {name: cls.settings for name, cls in OPTIMIZERS.items()}


def state_slots() -> tuple:
    """The optimizer memory a state block may hold: every optimizer's kept memory."""
    return tuple(memory.kind for memory in stored_memory())


def state_keys() -> set:
    return {*STATE_COUNTS, *state_slots()}


class Node:
    """A value from the file with its position and a human name for it."""

    def __init__(self, value, mark: Mark, label: str, doc: Document, written: str | None = None):
        self.value, self.mark, self.label, self.doc = value, mark, label, doc
        self.written = written      # a scalar as typed: 0.5930 keeps its last zero

    def error(self, message: str) -> InputError:
        return self.doc.error(message, self.mark, self.label)

    def error_of(self, kind: type, message: str) -> InputError:
        """``error`` as another kind of InputError (a LimitError)."""
        error = self.error(message)
        return kind(error.message, file=error.file, line=error.line, column=error.column,
                    field=error.field)

    def has(self, key) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def __getitem__(self, key) -> Node:
        value = self.value
        label = f"{self.label}.{key}" if self.label else str(key)
        return Node(value[key], value.value_marks[key], label, self.doc, value.value_texts[key])

    def key_mark(self, key) -> Mark:
        """Where a key of this mapping is written."""
        return self.value.key_marks[key]

    def get(self, key, default=None):
        return self[key] if self.has(key) else default

    def items(self, label: str) -> list[Node]:
        """The items of a list, each labelled ``label`` and its 1-based position."""
        return [Node(v, m, f"{label} {i + 1}" if label else f"{self.label}[{i + 1}]", self.doc, t)
                for i, (v, m, t) in enumerate(zip(self.value, self.value.item_marks,
                                                  self.value.item_texts))]

    def elements(self) -> list[Node]:
        """The items of a list labelled by position within this field."""
        return [Node(v, m, f"{self.label}[{i + 1}]", self.doc, t)
                for i, (v, m, t) in enumerate(zip(self.value, self.value.item_marks,
                                                  self.value.item_texts))]

    # --- typed readers -------------------------------------------------------
    def mapping(self, allowed: set[str], required: tuple = ()) -> Node:
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping of keys, found {describe(self.value)}")
        for key in self.value:
            if key not in allowed:
                suggestion = (decimal_commas.key_hint(self.value, key)
                              or _did_you_mean(str(key), allowed))
                where = self.key_mark(key)
                raise self.doc.error(f"unknown key {key!r}{suggestion}; expected one of "
                                     f"{', '.join(sorted(allowed))}", where,
                                     f"{self.label}.{key}" if self.label else str(key))
        for key in required:
            if key not in self.value:
                raise self.error(f"missing required key {key!r}")
        return self

    def number(self) -> float:
        """A finite float64 from a plain decimal (010, 1:30, 0x10, 1_000 are refused)."""
        value = self.value
        if isinstance(value, RefusedNumber):
            raise self.error(value.problem)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = decimal_commas.text_hint(value) if isinstance(value, str) else \
                decimal_commas.hint(value)
            raise self.error(f"expected a number, found {describe(value)}{hint}")
        try:
            number = float(value)
        except OverflowError:       # an int beyond float64 (yamlsource refuses these first)
            raise self.error(out_of_range(_integer_text(int(value)))) from None
        if not math.isfinite(number):
            raise self.error(f"expected a finite number, found {value}")
        return number

    def integer(self) -> int:
        number = self.number()
        if not number.is_integer():
            raise self.error(f"expected a whole number, found {self.value}")
        return int(number)

    def boolean(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.error(f"expected true or false, found {describe(self.value)}")
        return self.value

    def text(self) -> str:
        if isinstance(self.value, (dict, list)) or self.value is None:
            raise self.error(f"expected text, found {describe(self.value)}")
        return str(self.value)

    def choice(self, options) -> str:
        value = self.text()
        if value not in options:
            raise self.error(f"expected one of {', '.join(options)}, found {value!r}"
                             f"{_did_you_mean(value, options)}")
        return value

    def name(self) -> str:
        """A parameter's name: text without spaces, such as w1."""
        value = self.value
        if not isinstance(value, str) or isinstance(value, RefusedNumber) or not value:
            raise self.error(f"expected a name (text such as w1), found {describe(value)}")
        if any(char.isspace() for char in value):
            raise self.error(f"expected a name without spaces (such as w1), found {value!r}")
        return str(value)

    def vector(self, what: str) -> np.ndarray:
        """A list of numbers, or one number standing for a list of one."""
        if isinstance(self.value, list):
            if not self.value:
                raise self.error(f"expected a list of {what}, found an empty list")
            self.screen()
            return np.array([item.number() for item in self.elements()], dtype=float)
        return np.array([self.number()], dtype=float)

    def screen(self) -> None:
        """Before a list's numbers are read: refuse a comma that can only be a decimal
        comma (0,05), and keep each that may be one for the warning (``decimal_commas``)."""
        octal = decimal_commas.note(self.doc.notes, self.label, self.value)
        if octal is not None:
            raise self.doc.error(decimal_commas.octal_problem(octal), octal.mark, self.label)

    def comma_hint(self, where: str = "") -> str:
        """What a refusal of this list adds when it may hold decimal commas ("" if not)."""
        return decimal_commas.hint(self.value, where)


def describe(value) -> str:
    """How a found value is named in error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, RefusedNumber):
        return value.shown          # as written: 0x10, 1:30
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def _did_you_mean(word: str, options) -> str:
    import difflib  # only on the way to an error

    # The same word in other letter case first (adamW is adamw, not adam).
    hint = [option for option in sorted(options) if option.lower() == word.lower()]
    hint = hint or difflib.get_close_matches(word, sorted(options), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def _count(number: int, noun: str, plural: str | None = None) -> str:
    """``1 number``, ``2 numbers``."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def _integer_text(value: int) -> str:
    """An int as written, without tripping Python's limit on converting long ints."""
    try:
        return str(value)
    except ValueError:
        return "9" * (int(abs(value).bit_length() * math.log10(2)) + 1)


# --- the public entry points -------------------------------------------------

def load_network(path, display: str | None = None,
                 max_parameters: int = MAX_PARAMETERS) -> Network:
    """Read and validate a network file."""
    display = display or str(path)
    return parse_network(load_yaml(read_text(path, display), display), max_parameters)


def parse_network_text(text: str, file: str = "<text>",
                       max_parameters: int = MAX_PARAMETERS) -> Network:
    return parse_network(load_yaml(text, file), max_parameters)


def parse_network(doc: Document, max_parameters: int = MAX_PARAMETERS) -> Network:
    root = Node(doc.value, doc.mark, "", doc)
    if not isinstance(root.value, dict):
        raise doc.error(f"expected a mapping of keys (name, input, target, loss, layers, …), "
                        f"found {describe(root.value)}")
    root.mapping(TOP_KEYS, REQUIRED_TOP)

    options = _options(root)
    loss_node = root["loss"]
    loss_name = loss_node.choice(_names(LOSSES))
    loss = LOSSES[loss_name]()
    samples, samples_key = _samples(root)
    first_input = root["samples"].items("sample")[0]["input"] if samples_key else root["input"]
    layers = _layers(root["layers"], len(samples[0].input), options["relu_derivative_at_zero"],
                     options.get("weight_rows", "neurons"), first_input, len(samples))
    _check_size(layers, root["layers"], max_parameters)
    _check_targets(samples, layers, loss, loss_node)

    network = Network(layers=layers, samples=samples, loss=loss, samples_key=samples_key,
                      source=doc.file, **options)
    warning = decimal_commas.warning(doc.file, doc.notes)
    network.warnings = [warning] if warning else []
    if root.has("state"):
        network.progress = _progress(root["state"], network)
    return network


def _names(registry: dict) -> list[str]:
    return sorted(registry)


def _options(root: Node) -> dict:
    options: dict = {}
    for key in ("name", "description"):
        if root.has(key):
            options[key] = root[key].text()
    rate = root["learning_rate"]
    options["learning_rate"] = rate.number()
    if options["learning_rate"] < 0:
        raise rate.error(f"expected a learning rate of 0 or more, found {rate.value}")
    for key, choices in CHOICES.items():
        if root.has(key):
            options[key] = root[key].choice(choices)
    if root.has("update_biases"):
        options["update_biases"] = root["update_biases"].boolean()
    if root.has("momentum"):
        node = root["momentum"]
        options["momentum"] = node.number()
        if not 0 <= options["momentum"] < 1:
            raise node.error(f"expected a momentum in [0, 1), found {node.value}")
    if root.has("optimizer"):
        options["optimizer"] = _optimizer(root["optimizer"])
        chosen = OPTIMIZERS[options["optimizer"].name]
        if options.get("momentum", 0) and not chosen.takes_momentum:
            owners = [name for name, cls in OPTIMIZERS.items() if cls.takes_momentum]
            hint = f"; {chosen.momentum_hint}" if chosen.momentum_hint else ""
            raise root["momentum"].error(f"momentum applies to {' and '.join(owners)}{hint}")
    if root.has("nesterov"):
        options["nesterov"] = root["nesterov"].boolean()
        if options["nesterov"] and not options.get("momentum", 0):
            raise root["nesterov"].error("Nesterov's look-ahead applies only with momentum: "
                                         "give momentum: μ above 0 as well (or nesterov: "
                                         "false)")
    options.update(_l2(root))
    if root.has("relu_derivative_at_zero"):
        options["relu_derivative_at_zero"] = _binary(root["relu_derivative_at_zero"])
    else:
        options["relu_derivative_at_zero"] = 0.0
    if root.has("round_intermediates") and root["round_intermediates"].value is not None:
        node = root["round_intermediates"]
        digits = node.integer()
        if not 0 <= digits <= MAX_ROUND:
            raise node.error(f"expected a number of decimals from 0 to {MAX_ROUND}, found {digits}")
        options["round_intermediates"] = digits
    if root.has("index_base"):
        options["index_base"] = int(_binary(root["index_base"]))
    return options


def _l2(root: Node) -> dict:
    """l2 (λ ≥ 0), l2_form (``PENALTIES``) and l2_biases; the last two only with l2, as
    without a penalty they would say nothing (a forgotten l2 is a mistake worth a line)."""
    options: dict = {}
    if root.has("l2"):
        node = root["l2"]
        options["l2"] = node.number()
        if options["l2"] < 0:
            raise node.error(f"expected an L2 penalty λ of 0 or more, found {node.value}")
    for key in ("l2_form", "l2_biases"):
        if root.has(key) and not root.has("l2"):
            raise root.doc.error(f"{key} applies only with an L2 penalty: give l2: λ as well "
                                 "(or leave it out)", root.value.key_marks[key], key)
    if root.has("l2_form"):
        options["l2_form"] = root["l2_form"].choice(list(PENALTIES))
    if root.has("l2_biases"):
        options["l2_biases"] = root["l2_biases"].boolean()
    return options


def _binary(node: Node) -> float:
    """relu_derivative_at_zero, index_base: 0 or 1 (``BINARY_CHOICES``)."""
    value = node.number()
    allowed = BINARY_CHOICES[node.label]
    if value not in allowed:
        raise node.error(f"expected {' or '.join(map(str, allowed))}, found {node.value}")
    return value


def _optimizer(node: Node) -> OptimizerConfig:
    """The optimizer's name and every setting it takes (the file's, else the default)."""
    settings = optimizer_settings()
    if not isinstance(node.value, dict):
        name = node.choice(sorted(settings))
        return OptimizerConfig(name, {key: s.default for key, s in settings[name].items()})
    # An unknown key is told the keys of the optimizer named (all of them, without one).
    known = {"name"}.union(*settings.values())
    named = node.value.get("name")
    own = {"name", *settings[named]} if isinstance(named, str) and named in settings else known
    if any(key not in known for key in node.value):
        node.mapping(own, ("name",))
    node.mapping(known, ("name",))
    name = node["name"].choice(sorted(settings))
    for key in node.value:
        if key != "name" and key not in settings[name]:
            owners = [other for other, keys in settings.items() if key in keys]
            takes = (f"one of {', '.join(sorted(['name', *settings[name]]))}"
                     if settings[name] else "only name")
            does = f"{owners[0]} does" if len(owners) == 1 else \
                f"{', '.join(owners[:-1])} and {owners[-1]} do"
            raise node.doc.error(f"{name} takes no {key} (only {does}); "
                                 f"expected {takes}", node.key_mark(key),
                                 f"{node.label}.{key}")
    values = {}
    for key, setting in settings[name].items():
        values[key] = setting.default
        if node.has(key):
            values[key] = node[key].boolean() if setting.boolean else node[key].number()
            problem = setting.problem(values[key])
            if problem:
                raise node[key].error(problem.format(node[key].value))
    return OptimizerConfig(name, values)


def _samples(root: Node) -> tuple[list[Sample], bool]:
    if root.has("samples"):
        for key in ("input", "target"):
            if root.has(key):
                raise root.doc.error("give either samples or input and target, not both",
                                     root.value.key_marks[key], key)
        node = root["samples"]
        if not isinstance(node.value, list) or not node.value:
            raise node.error(f"expected a list of {{input, target}} mappings, "
                             f"found {describe(node.value)}")
        samples = [_sample(item) for item in node.items("sample")]
        size = len(samples[0].input)
        for item, sample in zip(node.items("sample"), samples):
            if len(sample.input) != size:
                first = node.items("sample")[0]["input"]
                hint = item["input"].comma_hint() or first.comma_hint(" in sample 1")
                raise item["input"].error(f"expected {_count(size, 'input')} (as in sample 1), "
                                          f"found {len(sample.input)}{hint}")
        return samples, True
    for key in ("input", "target"):
        if not root.has(key):
            raise root.error(f"missing required key {key!r} (or give samples)")
    return [_sample(root)], False


def _sample(node: Node) -> Sample:
    if node.label:  # an item of samples: its own mapping
        node.mapping(set(SAMPLE_KEYS), SAMPLE_KEYS)
    return Sample(node["input"].vector("inputs"), node["target"].vector("targets"))


def _check_size(layers: list[Layer], node: Node, limit: int) -> None:
    """Refuse a network of more than ``limit`` parameters before anything is computed
    with it (a file holds at most ``MAX_VALUES`` numbers, so reading it is bounded)."""
    count = sum(layer.weights.size + (1 if layer.shared_bias else layer.size)
                for layer in layers)
    if count > limit:
        raise node.error_of(LimitError, f"the network has {count:,} weights and biases, more "
                            f"than the limit of {limit:,}; if you mean it, raise the limit "
                            f"with --max-parameters {count}")


def _layers(node: Node, inputs: int, relu_zero: float, orientation: str,
            counted: Node | None = None, samples: int = 1) -> list[Layer]:
    """The layers; ``counted``: the input, from which layer 1's inputs were counted (as
    layer 2's from layer 1's weights), named when it may hold decimal commas; ``samples``:
    how many masks a layer's dropout gives."""
    if not isinstance(node.value, list) or not node.value:
        raise node.error(f"expected a list of layers, found {describe(node.value)}")
    layers = []
    items = node.items("layer")
    before = f"the input has {_count(inputs, 'value')}"
    for index, item in enumerate(items):
        is_output = index == len(items) - 1
        layer = _layer(item, inputs, before, is_output, relu_zero, orientation, counted)
        if item.has("dropout"):
            if is_output:
                raise item.doc.error("dropout is for hidden layers only: the output layer's a "
                                     "is what the loss compares with the target",
                                     item.key_mark("dropout"), f"{item.label}.dropout")
            layer.dropout = _dropout(item["dropout"], layer.size, samples)
        layers.append(layer)
        inputs = layer.size
        before = f"layer {index + 1} has {_count(inputs, 'neuron')}"
        counted = item["weights"]
    _check_unique_names(items)
    return layers


def _layer(node: Node, inputs: int, before: str, is_output: bool, relu_zero: float,
           orientation: str, counted: Node | None = None) -> Layer:
    """One layer; ``before`` says where its inputs come from, for messages."""
    node.mapping(LAYER_KEYS, REQUIRED_LAYER)
    activation = _activation(node["activation"], is_output, relu_zero)
    weights = _weights(node["weights"], inputs, orientation, before, counted)
    shared = node["shared_bias"].boolean() if node.has("shared_bias") else False
    biases = _biases(node["biases"], weights.shape[0], shared)
    spec = node["activation"].value
    layer = Layer(activation, weights, biases, shared,
                  activation_spec=dict(spec) if isinstance(spec, dict) else spec)
    if node.has("names"):
        _names_of(node["names"], layer, orientation)
    return layer


def _dropout(node: Node, size: int, samples: int) -> Dropout:
    """``{mask, keep}``: a mask of 0s and 1s per sample (a list of lists when the file has
    several samples, SPEC), keep p in (0, 1] (left out: no rescaling)."""
    node.mapping(set(DROPOUT_KEYS), ("mask",))
    keep = None
    if node.has("keep"):
        keep_node = node["keep"]
        keep = keep_node.number()
        if not 0 < keep <= 1:
            raise keep_node.error(f"expected a keep probability p in (0, 1], found "
                                  f"{keep_node.value}")
    mask = node["mask"]
    lists = isinstance(mask.value, list) and any(isinstance(m, list) for m in mask.value)
    if samples > 1 and not lists:
        raise mask.error(f"expected one mask per sample (the file has {samples}), a list of "
                         f"{samples} lists of {_count(size, 'number')} (0 or 1), found a single "
                         f"mask ({describe(mask.value)}); give each sample its own")
    if lists:
        rows = mask.elements()
        if len(rows) != samples:
            raise mask.error(f"expected one mask per sample, {_count(samples, 'list')} of "
                             f"{_count(size, 'number')} (0 or 1), found "
                             f"{_count(len(rows), 'list')}")
        masks = tuple(_mask(row, size) for row in rows)
    else:
        masks = (_mask(mask, size),)
    return Dropout(masks, keep)


def _mask(node: Node, size: int) -> tuple[float, ...]:
    """One sample's mask: ``size`` numbers, each 0 or 1 (one number for one neuron)."""
    if isinstance(node.value, list) and any(isinstance(m, list) for m in node.value):
        raise node.error(f"expected a mask of {_count(size, 'number')} (0 or 1), found a list "
                         "of lists")
    values = node.vector("mask values")
    if len(values) != size:
        found = f"a list of {len(values)}" if isinstance(node.value, list) else "one number"
        raise node.error(f"expected a mask of {_count(size, 'number')} (0 or 1), one per "
                         f"neuron, found {found}")
    items = node.elements() if isinstance(node.value, list) else [node]
    for item, value in zip(items, values):
        if value not in (0.0, 1.0):
            raise item.error(f"expected 0 (dropped) or 1 (kept), found {item.value}")
    return tuple(float(value) for value in values)


def _activation(node: Node, is_output: bool, relu_zero: float):
    if isinstance(node.value, dict):
        node.mapping(ACTIVATION_KEYS, ("name",))
        name = node["name"].choice(_names(ACTIVATIONS))
        cls = ACTIVATIONS[name]
        options = {}
        if node.has("alpha"):
            if "alpha" not in cls.parameters:
                owners = [other.name for other in dict.fromkeys(ACTIVATIONS.values())
                          if "alpha" in other.parameters]
                raise node["alpha"].error(f"{name} takes no alpha (only {' and '.join(owners)} "
                                          "do)")
            options["alpha"] = node["alpha"].number()
    else:
        name = node.choice(_names(ACTIVATIONS))
        cls, options = ACTIVATIONS[name], {}
    if cls.output_only and not is_output:
        raise node.error(f"{name} is for the output layer only, found it on a hidden layer")
    if "derivative_at_zero" in cls.parameters:
        options["derivative_at_zero"] = relu_zero
    return activation(name, **options)


def _matrix(node: Node) -> list[list[float]] | None:
    """Rows of numbers when the value is a list of lists; None for the flat forms."""
    value = node.value
    if not isinstance(value, list) or not any(isinstance(row, list) for row in value):
        return None
    rows = node.elements()
    width = None
    matrix = []
    for index, row in enumerate(rows):
        if not isinstance(row.value, list):
            raise row.error(f"expected a row (a list of numbers) like the other rows, "
                            f"found {describe(row.value)}")
        row.screen()
        if width is None:
            width = len(row.value)
        elif len(row.value) != width:
            hint = row.comma_hint() or rows[0].comma_hint(" in row 1")
            raise row.error(f"ragged weights: expected {_count(width, 'number')} in row "
                            f"{index + 1} (as in row 1), found {len(row.value)}{hint}")
        matrix.append([cell.number() for cell in row.elements()])
    if width == 0:
        raise node.error("expected rows of numbers, found empty rows")
    return matrix


def _weights(node: Node, inputs: int, orientation: str, before: str = "",
             counted: Node | None = None) -> np.ndarray:
    """Weights as (neurons, inputs), from any form SPEC allows.  ``counted``: the list the
    inputs were counted from, named in a refusal when it may hold decimal commas."""
    before = f" ({before})" if before else ""

    def commas() -> str:       # only on the way to an error: it looks at every number
        return node.comma_hint() or (counted.comma_hint(f" in {counted.label}")
                                     if counted is not None else "")

    matrix = _matrix(node)
    if matrix is None:
        flat = node.vector("weights")
        if not isinstance(node.value, list):
            if inputs != 1:
                raise node.error(f"expected a list of weights, one per input{before}; a single "
                                 f"number is only for a layer with one input and one "
                                 f"neuron{commas()}")
            return flat.reshape(1, 1)
        if inputs == 1:           # one input: one weight per neuron
            return flat.reshape(-1, 1)
        if len(flat) == inputs:   # one neuron: its weights, one per input
            return flat.reshape(1, -1)
        raise node.error(f"expected {_count(inputs, 'weight')}, one per input{before}, or a "
                         f"matrix, found a list of {len(flat)}{commas()}")
    array = np.array(matrix, dtype=float)
    rows, columns = array.shape
    if orientation == "neurons":
        if columns != inputs:
            hint = commas() or ("; it has one row per input: transposed? (weight_rows: inputs "
                                "writes every matrix that way)" if rows == inputs else "")
            raise node.error(f"expected {_count(inputs, 'number')} in each row, one per "
                             f"input{before}, found {columns}{hint}")
        return array
    if rows != inputs:
        hint = commas() or ("; it has one row per neuron: transposed? (weight_rows: inputs "
                            "asks for one row per input)" if columns == inputs else "")
        raise node.error(f"expected {_count(inputs, 'row')}, one per input{before}, "
                         f"found {rows}{hint}")
    return array.T.copy()


def _biases(node: Node, size: int, shared: bool) -> np.ndarray:
    if shared:
        if isinstance(node.value, list):
            raise node.error(f"with shared_bias: true the layer has one bias, expected one "
                             f"number, found {describe(node.value)}{node.comma_hint()}")
        return np.full(size, node.number())
    values = node.vector("biases")
    if not isinstance(node.value, list):
        return np.full(size, values[0])
    if len(values) != size:
        raise node.error(f"expected {_count(size, 'bias', 'biases')} (one per neuron), "
                         f"found {len(values)}{node.comma_hint()}")
    return values


def _names_of(node: Node, layer: Layer, orientation: str) -> None:
    node.mapping(NAMES_KEYS)
    if node.has("weights"):
        layer.weight_names = _weight_names(node["weights"], layer, orientation)
    if node.has("biases"):
        layer.bias_names = _bias_names(node["biases"], layer)


def _weight_names(node: Node, layer: Layer, orientation: str) -> list[list[str]]:
    """Names shaped like the weights as the file writes them; kept one row per neuron."""
    rows, cols = layer.weights.shape if orientation == "neurons" else layer.weights.shape[::-1]
    shape = f"{rows}×{cols}"
    value = node.value
    if isinstance(value, list) and any(isinstance(row, list) for row in value):
        if len(value) != rows:
            raise node.error(f"expected names shaped like the weights ({shape}): "
                             f"{_count(rows, 'row')}, found {len(value)}")
        grid = []
        for row in node.elements():
            if not isinstance(row.value, list):
                raise row.error(f"expected a row of names, found {describe(row.value)}")
            if len(row.value) != cols:
                raise row.error(f"expected names shaped like the weights ({shape}): "
                                f"{_count(cols, 'name')} in each row, found {len(row.value)}")
            grid.append([cell.name() for cell in row.elements()])
    elif isinstance(value, list):
        if rows > 1 and cols > 1:
            raise node.error(f"expected a {shape} matrix of names like the weights, found a "
                             f"flat list of {len(value)} (a flat list is for a layer with one "
                             f"neuron or one input)")
        if len(value) != rows * cols:
            raise node.error(f"expected {_count(rows * cols, 'name')}, one per weight, "
                             f"found {len(value)}")
        names = [cell.name() for cell in node.elements()]
        grid = np.array(names, dtype=object).reshape(rows, cols).tolist()
    else:
        if rows * cols != 1:
            raise node.error(f"expected a {shape} matrix of names like the weights, found "
                             f"{describe(value)}")
        grid = [[node.name()]]
    array = np.array(grid, dtype=object)
    return (array if orientation == "neurons" else array.T).tolist()


def _bias_names(node: Node, layer: Layer) -> list[str]:
    """One name per neuron (the one name repeated when the bias is shared)."""
    if isinstance(node.value, list):
        if layer.shared_bias:
            raise node.error(f"with shared_bias: true the layer has one bias, expected one "
                             f"name, found {describe(node.value)}")
        if len(node.value) != layer.size:
            raise node.error(f"expected {_count(layer.size, 'name')} for the biases (one per "
                             f"neuron), found {len(node.value)}")
        return [item.name() for item in node.elements()]
    if not layer.shared_bias and layer.size != 1:
        raise node.error(f"expected a list of {layer.size} names (one per bias), "
                         f"found one name; a single name needs shared_bias: true")
    return [node.name()] * layer.size


def _name_leaves(node: Node):
    if isinstance(node.value, list):
        for item in node.elements():
            yield from _name_leaves(item)
    else:
        yield node


def _check_unique_names(items: list[Node]) -> None:
    """Every name once in the whole network, reported where it is given again."""
    seen: dict[str, Node] = {}
    for item in items:
        if not item.has("names"):
            continue
        names = item["names"]
        for key in names.value:
            for leaf in _name_leaves(names[key]):
                if leaf.value in seen:
                    first = seen[leaf.value]
                    raise leaf.error(f"the name {leaf.value!r} is already used ({first.label}, "
                                     f"line {first.mark.line}); each parameter needs its own "
                                     f"name")
                seen[leaf.value] = leaf


def _check_targets(samples: list[Sample], layers: list[Layer], loss, loss_node: Node) -> None:
    outputs = layers[-1].size
    doc = loss_node.doc
    for index, sample in enumerate(samples):
        mark, field, written = _target_place(doc, index)
        if len(sample.target) != outputs:
            raise doc.error(f"expected {_count(outputs, 'target')} (the output layer has "
                            f"{_count(outputs, 'neuron')}), found {len(sample.target)}"
                            f"{decimal_commas.hint(written)}", mark, field)
        if loss.targets_are_probabilities:
            outside = [(i, t) for i, t in enumerate(sample.target) if not 0 <= t <= 1]
            if outside:
                i, t = outside[0]
                raise doc.error(f"{loss.name} needs targets in [0, 1] (probabilities), "
                                f"found {t:g} (target {i + 1})", mark, field)


def _target_place(doc: Document, index: int) -> tuple[Mark, str, object]:
    """Where sample ``index``'s target is written, its field name, and its value as read."""
    root = doc.value
    assert isinstance(root, YamlMap)    # the file was read as a mapping before its targets
    if "samples" in root:
        item = root["samples"][index]
        mark = item.value_marks.get("target", root["samples"].item_marks[index])
        return mark, f"sample {index + 1}.target", item.get("target")
    return root.value_marks["target"], "target", root["target"]


def _progress(node: Node, network: Network) -> Progress:
    """The ``state`` block backcalc writes: iteration reached and optimizer memory."""
    node.mapping(state_keys(), REQUIRED_STATE)
    progress = Progress(iteration=_non_negative(node["iteration"]))
    if node.has("source"):
        network.origin = node["source"].text()
    if node.has("updates"):
        progress.updates = _non_negative(node["updates"])
    for slot in state_slots():
        if node.has(slot):
            progress.slots[slot] = _slot(node[slot], network)
    return progress


def _non_negative(node: Node) -> int:
    value = node.integer()
    if value < 0:
        raise node.error(f"expected a whole number of 0 or more, found {value}")
    return value


def _slot(node: Node, network: Network) -> list[Params]:
    if not isinstance(node.value, list) or len(node.value) != len(network.layers):
        raise node.error(f"expected one entry per layer ({len(network.layers)}), "
                         f"found {describe(node.value)}")
    slot = []
    for item, layer in zip(node.elements(), network.layers):
        item.mapping(set(SLOT_KEYS), SLOT_KEYS)
        weights = _weights(item["weights"], layer.inputs, network.weight_rows)
        if weights.shape != layer.weights.shape:
            raise item["weights"].error(f"expected a {layer.weights.shape} matrix, "
                                        f"found {weights.shape}")
        slot.append(Params(weights, _biases(item["biases"], layer.size, False)))
    return slot
