"""Reading a network file: YAML with marks → a validated ``Network``.

Every check raises ``InputError`` naming the file, line, column and field, and
saying what was expected and what was found.  The order of checks follows the
file: unknown keys first (so a typo is reported as a typo, not as a missing
key), then each value as it is read.
"""

from __future__ import annotations

import difflib
import math

import numpy as np

from .activations import ACTIVATIONS
from .errors import InputError
from .losses import LOSSES
from .network import Layer, Network, OptimizerConfig, Params, Progress, Sample
from .yamlsource import Document, Mark, YamlList, YamlMap, load_yaml, read_text

TOP_KEYS = {
    "name", "description", "input", "target", "samples", "loss", "learning_rate", "layers",
    "reduction", "update", "update_biases", "momentum", "optimizer", "relu_derivative_at_zero",
    "round_intermediates", "weight_rows", "index_base", "state",
}
REQUIRED_TOP = ("loss", "learning_rate", "layers")
LAYER_KEYS = {"activation", "weights", "biases", "shared_bias", "names"}
CHOICES = {
    "reduction": ("mean", "sum"),
    "update": ("batch", "online"),
    "weight_rows": ("neurons", "inputs"),
}
OPTIMIZER_KEYS = {"sgd": set(), "adam": {"beta1", "beta2", "epsilon"}}
MAX_ROUND = 15


class Node:
    """A value from the file with its position and a human name for it."""

    def __init__(self, value, mark: Mark, label: str, doc: Document):
        self.value, self.mark, self.label, self.doc = value, mark, label, doc

    def error(self, message: str) -> InputError:
        return self.doc.error(message, self.mark, self.label)

    def has(self, key) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def __getitem__(self, key) -> "Node":
        value = self.value
        label = f"{self.label}.{key}" if self.label else str(key)
        return Node(value[key], value.value_marks[key], label, self.doc)

    def get(self, key, default=None):
        return self[key] if self.has(key) else default

    def items(self, label: str) -> list["Node"]:
        """The items of a list, each labelled ``label`` and its 1-based position."""
        return [Node(v, m, f"{label} {i + 1}" if label else f"{self.label}[{i + 1}]", self.doc)
                for i, (v, m) in enumerate(zip(self.value, self.value.item_marks))]

    def elements(self) -> list["Node"]:
        """The items of a list labelled by position within this field."""
        return [Node(v, m, f"{self.label}[{i + 1}]", self.doc)
                for i, (v, m) in enumerate(zip(self.value, self.value.item_marks))]

    # --- typed readers -------------------------------------------------------
    def mapping(self, allowed: set[str], required: tuple = ()) -> "Node":
        if not isinstance(self.value, dict):
            raise self.error(f"expected a mapping of keys, found {describe(self.value)}")
        for key in self.value:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                where = self.value.key_marks[key]
                raise self.doc.error(f"unknown key {key!r}{suggestion}; expected one of "
                                     f"{', '.join(sorted(allowed))}", where,
                                     f"{self.label}.{key}" if self.label else str(key))
        for key in required:
            if key not in self.value:
                raise self.error(f"missing required key {key!r}")
        return self

    def number(self) -> float:
        value = self.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            hint = ""
            if isinstance(value, str) and _looks_like_decimal_comma(value):
                hint = f" (write a decimal point: {value.replace(',', '.')})"
            raise self.error(f"expected a number, found {describe(value)}{hint}")
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, found {value}")
        return float(value)

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
            raise self.error(f"expected one of {', '.join(options)}, found {value!r}")
        return value

    def vector(self, what: str) -> np.ndarray:
        """A list of numbers, or one number standing for a list of one."""
        if isinstance(self.value, list):
            if not self.value:
                raise self.error(f"expected a list of {what}, found an empty list")
            return np.array([item.number() for item in self.elements()], dtype=float)
        return np.array([self.number()], dtype=float)


def describe(value) -> str:
    """How a found value is named in error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}" if value else "an empty list"
    if isinstance(value, str):
        return f"the text {value!r}"
    return repr(value)


def _looks_like_decimal_comma(text: str) -> bool:
    head, _, tail = text.strip().lstrip("-+").partition(",")
    return head.isdigit() and tail.isdigit()


# --- the public entry points -------------------------------------------------

def load_network(path, display: str | None = None) -> Network:
    """Read and validate a network file."""
    display = display or str(path)
    return parse_network(load_yaml(read_text(path, display), display))


def parse_network_text(text: str, file: str = "<text>") -> Network:
    return parse_network(load_yaml(text, file))


def parse_network(doc: Document) -> Network:
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
    layers = _layers(root["layers"], len(samples[0].input), options["relu_derivative_at_zero"],
                     options.get("weight_rows", "neurons"))
    _check_targets(samples, layers, loss, loss_node)

    network = Network(layers=layers, samples=samples, loss=loss, samples_key=samples_key,
                      source=doc.file, **options)
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
        if options["optimizer"].name == "adam" and options.get("momentum", 0):
            raise root["momentum"].error("momentum applies to sgd; Adam's own momentum is "
                                         "optimizer.beta1")
    if root.has("relu_derivative_at_zero"):
        node = root["relu_derivative_at_zero"]
        value = node.number()
        if value not in (0, 1):
            raise node.error(f"expected 0 or 1, found {node.value}")
        options["relu_derivative_at_zero"] = value
    else:
        options["relu_derivative_at_zero"] = 0.0
    if root.has("round_intermediates") and root["round_intermediates"].value is not None:
        node = root["round_intermediates"]
        digits = node.integer()
        if not 0 <= digits <= MAX_ROUND:
            raise node.error(f"expected a number of decimals from 0 to {MAX_ROUND}, found {digits}")
        options["round_intermediates"] = digits
    if root.has("index_base"):
        node = root["index_base"]
        base = node.number()
        if base not in (0, 1):
            raise node.error(f"expected 0 or 1, found {node.value}")
        options["index_base"] = int(base)
    return options


def _optimizer(node: Node) -> OptimizerConfig:
    if not isinstance(node.value, dict):
        return OptimizerConfig(node.choice(sorted(OPTIMIZER_KEYS)))
    node.mapping({"name", "beta1", "beta2", "epsilon"}, ("name",))
    name = node["name"].choice(sorted(OPTIMIZER_KEYS))
    node.mapping({"name"} | OPTIMIZER_KEYS[name])
    config = OptimizerConfig(name)
    for key in ("beta1", "beta2"):
        if node.has(key):
            value = node[key].number()
            if not 0 <= value < 1:
                raise node[key].error(f"expected a value in [0, 1), found {node[key].value}")
            setattr(config, key, value)
    if node.has("epsilon"):
        value = node["epsilon"].number()
        if value <= 0:
            raise node["epsilon"].error(f"expected a number above 0, found {node['epsilon'].value}")
        config.epsilon = value
    return config


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
                raise item["input"].error(f"expected {size} inputs (as in sample 1), "
                                          f"found {len(sample.input)}")
        return samples, True
    for key in ("input", "target"):
        if not root.has(key):
            raise root.error(f"missing required key {key!r} (or give samples)")
    return [_sample(root)], False


def _sample(node: Node) -> Sample:
    if node.label:  # an item of samples: its own mapping
        node.mapping({"input", "target"}, ("input", "target"))
    return Sample(node["input"].vector("inputs"), node["target"].vector("targets"))


def _layers(node: Node, inputs: int, relu_zero: float, orientation: str) -> list[Layer]:
    if not isinstance(node.value, list) or not node.value:
        raise node.error(f"expected a list of layers, found {describe(node.value)}")
    layers = []
    items = node.items("layer")
    for index, item in enumerate(items):
        is_output = index == len(items) - 1
        layer = _layer(item, inputs, is_output, relu_zero, orientation)
        layers.append(layer)
        inputs = layer.size
    _check_unique_names(layers, items)
    return layers


def _layer(node: Node, inputs: int, is_output: bool, relu_zero: float,
           orientation: str) -> Layer:
    node.mapping(LAYER_KEYS, ("activation", "weights", "biases"))
    activation = _activation(node["activation"], is_output, relu_zero)
    weights = _weights(node["weights"], inputs, orientation)
    shared = node["shared_bias"].boolean() if node.has("shared_bias") else False
    biases = _biases(node["biases"], weights.shape[0], shared)
    layer = Layer(activation, weights, biases, shared, activation_spec=node["activation"].value)
    if node.has("names"):
        _names_of(node["names"], layer, orientation)
    return layer


def _activation(node: Node, is_output: bool, relu_zero: float):
    if isinstance(node.value, dict):
        node.mapping({"name", "alpha"}, ("name",))
        name = node["name"].choice(_names(ACTIVATIONS))
        cls = ACTIVATIONS[name]
        options = {}
        if node.has("alpha"):
            if "alpha" not in cls.parameters:
                raise node["alpha"].error(f"{name} takes no alpha (only leaky_relu and elu do)")
            options["alpha"] = node["alpha"].number()
    else:
        name = node.choice(_names(ACTIVATIONS))
        cls, options = ACTIVATIONS[name], {}
    if cls.output_only and not is_output:
        raise node.error(f"{name} is for the output layer only, found it on a hidden layer")
    if "derivative_at_zero" in cls.parameters:
        options["derivative_at_zero"] = relu_zero
    return cls(**options)


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
        if width is None:
            width = len(row.value)
        elif len(row.value) != width:
            raise row.error(f"ragged weights: row {index + 1} has {len(row.value)} numbers, "
                            f"row 1 has {width}")
        matrix.append([cell.number() for cell in row.elements()])
    if width == 0:
        raise node.error("expected rows of numbers, found empty rows")
    return matrix


def _weights(node: Node, inputs: int, orientation: str) -> np.ndarray:
    """Weights as (neurons, inputs), from any form SPEC allows."""
    matrix = _matrix(node)
    if matrix is None:
        flat = node.vector("weights")
        if not isinstance(node.value, list):
            if inputs != 1:
                raise node.error(f"a single number is for a layer with one input and one "
                                 f"neuron; this layer has {inputs} inputs, expected a list")
            return flat.reshape(1, 1)
        if inputs == 1:           # one input: one weight per neuron
            return flat.reshape(-1, 1)
        if len(flat) == inputs:   # one neuron: its weights, one per input
            return flat.reshape(1, -1)
        raise node.error(f"expected {inputs} weights (one per input of this layer), or a "
                         f"matrix, found a list of {len(flat)}")
    array = np.array(matrix, dtype=float)
    if orientation == "neurons":
        if array.shape[1] != inputs:
            raise node.error(f"expected {inputs} numbers in each row (one row per neuron, one "
                             f"column per input), found {array.shape[1]}")
        return array
    if array.shape[0] != inputs:
        raise node.error(f"expected {inputs} rows (weight_rows: inputs puts one row per input), "
                         f"found {array.shape[0]}")
    return array.T.copy()


def _biases(node: Node, size: int, shared: bool) -> np.ndarray:
    if shared:
        if isinstance(node.value, list):
            raise node.error(f"with shared_bias: true the layer has one bias, expected one "
                             f"number, found {describe(node.value)}")
        return np.full(size, node.number())
    values = node.vector("biases")
    if not isinstance(node.value, list):
        return np.full(size, values[0])
    if len(values) != size:
        raise node.error(f"expected {size} biases (one per neuron), found {len(values)}")
    return values


def _names_of(node: Node, layer: Layer, orientation: str) -> None:
    node.mapping({"weights", "biases"})
    if node.has("weights"):
        names = node["weights"]
        grid = _name_grid(names)
        flat = [name for row in grid for name in row]
        rows, cols = layer.weights.shape if orientation == "neurons" else layer.weights.shape[::-1]
        as_matrix = len(grid) > 1 or isinstance(names.value, list) and isinstance(
            names.value[0], list)
        if len(flat) != layer.weights.size or (
                as_matrix and rows > 1 and cols > 1 and (len(grid), len(grid[0])) != (rows, cols)):
            raise names.error(f"expected names shaped like the weights ({rows}×{cols}), "
                              f"found {len(flat)} names")
        grid = np.array(flat, dtype=object).reshape(rows, cols)
        layer.weight_names = (grid if orientation == "neurons" else grid.T).tolist()
    if node.has("biases"):
        names = node["biases"]
        if isinstance(names.value, list):
            listed = [item.text() for item in names.elements()]
            if layer.shared_bias or len(listed) != layer.size:
                want = "one name" if layer.shared_bias else f"{layer.size} names"
                raise names.error(f"expected {want} for the biases, found {len(listed)}")
        else:
            if not layer.shared_bias and layer.size != 1:
                raise names.error(f"expected a list of {layer.size} names (one per bias), "
                                  f"found one name; a single name needs shared_bias: true")
            listed = [names.text()] * layer.size
        layer.bias_names = listed


def _name_grid(node: Node) -> list[list[str]]:
    if isinstance(node.value, list) and any(isinstance(row, list) for row in node.value):
        rows = node.elements()
        for row in rows:
            if not isinstance(row.value, list):
                raise row.error(f"expected a row of names, found {describe(row.value)}")
        return [[cell.text() for cell in row.elements()] for row in rows]
    if isinstance(node.value, list):
        return [[cell.text() for cell in node.elements()]]
    return [[node.text()]]


def _check_unique_names(layers: list[Layer], items: list[Node]) -> None:
    seen: dict[str, str] = {}
    for index, (layer, item) in enumerate(zip(layers, items)):
        names = [n for row in (layer.weight_names or []) for n in row]
        names += sorted(set(layer.bias_names or []), key=(layer.bias_names or []).index)
        for name in names:
            if name in seen:
                raise item["names"].error(f"the name {name!r} is used twice "
                                          f"(also in {seen[name]})")
            seen[name] = f"layer {index + 1}"


def _check_targets(samples: list[Sample], layers: list[Layer], loss, loss_node: Node) -> None:
    outputs = layers[-1].size
    for index, sample in enumerate(samples):
        where = f"sample {index + 1} " if len(samples) > 1 else ""
        if len(sample.target) != outputs:
            raise loss_node.doc.error(
                f"expected {outputs} targets (the output layer has {outputs} neurons), "
                f"found {len(sample.target)}", _target_mark(loss_node.doc, index),
                f"{where}target".strip())
        if loss.targets_are_probabilities and ((sample.target < 0) | (sample.target > 1)).any():
            raise loss_node.doc.error(
                f"{loss.name} needs targets in [0, 1], found "
                f"{', '.join(f'{t:g}' for t in sample.target)}",
                _target_mark(loss_node.doc, index), f"{where}target".strip())


def _target_mark(doc: Document, index: int) -> Mark:
    root = doc.value
    if "samples" in root:
        item = root["samples"][index]
        return item.value_marks.get("target", root["samples"].item_marks[index])
    return root.value_marks["target"]


def _progress(node: Node, network: Network) -> Progress:
    """The ``state`` block backcalc writes: iteration reached and optimizer memory."""
    node.mapping({"iteration", "updates", "velocity", "m", "v"}, ("iteration",))
    progress = Progress(iteration=node["iteration"].integer())
    if node.has("updates"):
        progress.updates = node["updates"].integer()
    for slot in ("velocity", "m", "v"):
        if node.has(slot):
            progress.slots[slot] = _slot(node[slot], network)
    return progress


def _slot(node: Node, network: Network) -> list[Params]:
    if not isinstance(node.value, list) or len(node.value) != len(network.layers):
        raise node.error(f"expected one entry per layer ({len(network.layers)}), "
                         f"found {describe(node.value)}")
    slot = []
    for item, layer in zip(node.items("layer"), network.layers):
        item.mapping({"weights", "biases"}, ("weights", "biases"))
        weights = _weights(item["weights"], layer.inputs, network.weight_rows)
        if weights.shape != layer.weights.shape:
            raise item["weights"].error(f"expected a {layer.weights.shape} matrix, "
                                        f"found {weights.shape}")
        slot.append(Params(weights, _biases(item["biases"], layer.size, False)))
    return slot
