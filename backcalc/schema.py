"""The JSON Schema (draft 2020-12) of a network file, built from the loader's registries
(``graph_schema`` joins it with a graph file's into what `backcalc schema` prints).

Keys, required keys, option values, activations and losses (aliases included)
and their defaults all come from the constants ``netfile`` validates with, from
``ACTIVATIONS`` and ``LOSSES`` and from the ``Network`` defaults, so the schema
cannot drift from what ``load_network`` accepts: a key or parameter the loader
learns without a description here makes ``network_schema`` fail loudly.  What a
schema cannot see (sizes that must fit, softmax only on the output layer, names
used twice, finiteness) is left to the loader.

Only keywords that draft 7 shares with 2020-12 are used (if/then, const; no
$ref, whose sibling descriptions draft 7 ignores), so older editors' YAML servers
read it too; ``enumDescriptions`` is the VS Code extension that shows a text beside
each value in completion lists.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from pathlib import Path

from . import netfile
from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import Network, OptimizerConfig
from .numbers import format_exact
from .optimizers import OPTIMIZERS, stored_memory
from .penalties import PENALTIES

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_NAME = "network.schema.json"
SCHEMA_PATH = Path(__file__).parent / "networks" / SCHEMA_NAME
MODELINE = "# yaml-language-server: $schema="

# --- the words ---------------------------------------------------------------------

TOP = {   # every top-level key, in the order a file usually writes them
    "name": "Optional title shown in the headings of every report.",
    "description": "Optional free text, shown under the title.",
    "input": "One sample's input: a list of numbers, or one number for a single input. "
             "Its length is the network's input size. Give input and target, or samples.",
    "target": "One sample's target: a list of numbers (one per output neuron), or one number "
              "for a single output.",
    "samples": "Several samples instead of input and target: a list of {input, target}.",
    "loss": "The loss of one sample (y the target, a the output).",
    "learning_rate": "The learning rate η (0 or more); Adam's step size with optimizer: adam.",
    "update_biases": "false keeps every bias fixed, as some textbook examples do.",
    "layers": "The layers, hidden layers first and the output layer last (the input is not a "
              "layer).",
    "reduction": "How the losses of several samples combine.",
    "update": "batch: one update per iteration from all samples; online: one update per "
              "sample, in file order.",
    "momentum": "Classical momentum μ in [0, 1): v ← μv − η∇L, θ ← θ + v (sgd only).",
    "nesterov": "true: Nesterov's momentum (with momentum above 0): v ← μv − η∇L, "
                "θ ← θ + μv − η∇L, as PyTorch's SGD with nesterov=True.",
    "l2": "An L2 penalty λ (0 or more) on the weights: the update follows the cost "
          "J = L + penalty (l2_form says which penalty).",
    "l2_form": "The L2 penalty's form (only with l2).",
    "l2_biases": "true: the biases are penalised too (only with l2).",
    "optimizer": "sgd (θ ← θ − η∇L), adam as {name: adam, beta1, beta2, epsilon} "
                 "(with bias correction, as in PyTorch), or adamw as {name: adamw, beta1, "
                 "beta2, epsilon, weight_decay, decay_biases} (Adam with decoupled weight "
                 "decay θ ← θ − η·wd·θ, as PyTorch's AdamW).",
    "relu_derivative_at_zero": "The value used for ReLU′(0), 0 or 1 (sources differ).",
    "round_intermediates": "Round every computed value (z, a, loss, ∂L/∂a, δ, gradient, "
                           "updated parameter) to this many decimals before it is used "
                           "further, as a hand calculation does; null for no rounding.",
    "weight_rows": "How every weight matrix is written: neurons, one row per neuron "
                   "(z = W a + b); inputs, one row per input (z = a W + b).",
    "index_base": "How neurons and weights are numbered in the output: from 1 or from 0.",
    "state": "Written by backcalc in saved files (.backcalc/state.yaml, --save): the iteration "
             "reached and the optimizer's memory, so that `backcalc step` continues exactly.",
}
CHOICE_WORDS = {
    "mean": "the mean of the samples' losses: L = (1/m) Σ Lₛ",
    "sum": "the sum of the samples' losses: L = Σ Lₛ",
    "batch": "one update per iteration from all samples",
    "online": "one update per sample, in file order",
    "neurons": "one row per neuron, one column per input to it: z = W a + b",
    "inputs": "one row per input, one column per neuron: z = a W + b",
}
LAYER = {
    "activation": "The layer's activation: a name, or {name, alpha} for leaky_relu and elu. "
                  "softmax is for the output layer only.",
    "weights": "One row per neuron of this layer, one column per input to it (with "
               "weight_rows: inputs, the other way round). A layer with one neuron may write "
               "its weights as a flat list, and so may a layer with one input (one weight per "
               "neuron); a layer with one input and one neuron may write one number.",
    "biases": "One bias per neuron, or one number given to every neuron (with shared_bias: "
              "true, the layer's one bias).",
    "shared_bias": "true: one bias parameter for the whole layer, written as one number; its "
                   "gradient is the sum of the layer's δ.",
    "names": "Optional labels for the parameters, shown in every table; each name once in "
             "the whole network.",
    "dropout": "Hidden layers only: inverted dropout (Srivastava et al. 2014, PyTorch's "
               "nn.Dropout). In training passes the layer passes on ã = f(z)·mask/keep; the "
               "final pass uses no mask.",
}
DROPOUT = {
    "mask": "0 (dropped) or 1 (kept) per neuron: one list for a file with one sample, one "
            "list per sample (a list of lists) for several.",
    "keep": "The keep probability p in (0, 1] that ã is divided by; left out, nothing is "
            "scaled (ã = f(z)·mask).",
}
NAMES = {
    "weights": "Names shaped like the weights (a matrix, a flat list for a layer with one "
               "neuron or one input, or one name), such as [[w1, w2], [w3, w4]].",
    "biases": "One name per bias, such as [b1, b2], or one name for a shared bias.",
}
ACTIVATION_PARAMETERS = {
    "alpha": "α in the activation's formula",
}
SAMPLE = {
    "input": "The sample's input: a list of numbers, or one number for a single input.",
    "target": "The sample's target: a list of numbers (one per output neuron), or one number "
              "for a single output.",
}
STATE = {
    "iteration": "The iteration the saved parameters are after.",
    "updates": "The optimizer steps taken so far (Adam's t; per sample in online mode).",
    "source": "The network file the run started from.",
}
"""The state block's own keys; the optimizers' memory brings its words itself."""


def _described(words: dict, keys, what: str) -> list:
    """``keys`` in the order of ``words``; every key must have its words (no drift)."""
    missing = sorted(set(keys) - set(words), key=str)
    if missing:
        raise RuntimeError(f"backcalc/schema.py has no description for the {what} "
                           f"{', '.join(missing)}: add one")
    return [key for key in words if key in keys]


# --- the pieces --------------------------------------------------------------------

NUMBER = {"type": "number"}
TEXT = {"type": ["string", "number", "boolean"]}     # the loader takes any scalar as text
NAME = {"type": "string", "minLength": 1, "not": {"pattern": "\\s"}}


def _vector(what: str) -> dict:
    return {"anyOf": [NUMBER, {"type": "array", "minItems": 1, "items": NUMBER}],
            "description": what}


def _matrix_or_list(item: dict) -> list:
    """One item, a flat list of them, or rows of them (every row non-empty)."""
    row = {"type": "array", "minItems": 1, "items": item}
    return [item, row, {"type": "array", "minItems": 1, "items": row}]


def _choice(values, description: str, default=None, words: dict | None = None) -> dict:
    schema = {"type": "string", "enum": list(values), "description": description}
    if words:
        schema["enumDescriptions"] = [words[value] for value in values]
    if default is not None:
        schema["default"] = default
    return schema


def _defaults() -> dict:
    return {f.name: f.default for f in fields(Network) if f.default is not MISSING}


def _loss() -> dict:
    names = sorted(LOSSES)
    words = {}
    for name in names:
        cls = LOSSES[name]
        other = cls.alias if name == cls.name else cls.name
        kind = "alias of" if name == cls.alias else "alias"
        words[name] = f"{cls.formula} ({kind} {other})"
    lines = [f"{cls.name} ({cls.alias}): {cls.formula}" for cls in dict.fromkeys(LOSSES.values())]
    return _choice(names, TOP["loss"] + " " + "; ".join(lines) + ".", words=words)


def _activation_names() -> list[str]:
    return sorted(ACTIVATIONS)


def _parameters(cls) -> list[str]:
    """The options an activation takes in a file (ReLU′(0) is a top-level key instead)."""
    return [key for key in cls.parameters if key in netfile.ACTIVATION_KEYS]


def _activation() -> dict:
    names = _activation_names()
    words = {}
    for name in names:
        cls = ACTIVATIONS[name]
        extras = [f"{key} (default {format_exact(cls.parameters[key])})"
                  for key in _parameters(cls)]
        notes = [f"takes {', '.join(extras)}"] if extras else []
        notes += [f"same as {cls.name}"] if name != cls.name else []
        notes += ["output layer only"] if cls.output_only else []
        words[name] = "; ".join([cls.formula, *notes])
    option_keys = _described(ACTIVATION_PARAMETERS, netfile.ACTIVATION_KEYS - {"name"},
                             "activation option")
    properties: dict = {"name": _choice(names, "The activation's name.", words=words)}
    conditions = []
    for key in option_keys:
        owners = [name for name in names if key in _parameters(ACTIVATIONS[name])]
        defaults = ", ".join(f"{name} {format_exact(ACTIVATIONS[name].parameters[key])}"
                             for name in owners)
        properties[key] = {**NUMBER, "description": f"{ACTIVATION_PARAMETERS[key]}; only "
                                                    f"{' and '.join(owners)} take it (defaults: "
                                                    f"{defaults})."}
        conditions.append({"if": {"required": [key]},
                           "then": {"properties": {"name": {"enum": owners}}}})
    mapping = {"type": "object", "properties": properties, "required": ["name"],
               "additionalProperties": False}
    if conditions:
        mapping["allOf"] = conditions
    plain = _choice(names, "The activation's name.", words=words)
    return {"description": LAYER["activation"], "anyOf": [plain, mapping]}


def _optimizer() -> dict:
    config = OptimizerConfig()
    settings = netfile.optimizer_settings()
    names = sorted(settings)
    described: dict = {}          # each setting's key → its Setting (the first owner's words)
    for keys in settings.values():
        for key, setting in keys.items():
            described.setdefault(key, setting)
    properties: dict = {"name": {"type": "string", "enum": names,
                                 "description": "The optimizer's name."}}
    conditions = []
    for key, setting in described.items():
        owners = [name for name in names if key in settings[name]]
        properties[key] = {**setting.schema(), "default": setting.default,
                           "description": f"{setting.words} Only for {' and '.join(owners)}."}
        conditions.append({"if": {"required": [key]},
                           "then": {"properties": {"name": {"enum": owners}}}})
    mapping = {"type": "object", "properties": properties, "required": ["name"],
               "additionalProperties": False, "allOf": conditions}
    return {"description": TOP["optimizer"], "default": config.name,
            "anyOf": [{"type": "string", "enum": names}, mapping]}


def _layer() -> dict:
    order = _described(LAYER, netfile.LAYER_KEYS, "layer key")
    names_order = _described(NAMES, netfile.NAMES_KEYS, "names key")
    names = {"weights": {"anyOf": _matrix_or_list(NAME)},
             "biases": {"anyOf": [NAME, {"type": "array", "minItems": 1, "items": NAME}]}}
    pieces = {
        "activation": _activation(),
        "weights": {"anyOf": _matrix_or_list(NUMBER)},
        "biases": _vector(LAYER["biases"]),
        "shared_bias": {"type": "boolean", "default": False},
        "names": {"type": "object", "additionalProperties": False,
                  "properties": {key: {**names[key], "description": NAMES[key]}
                                 for key in names_order}},
        "dropout": _dropout(),
    }
    properties = {key: {**pieces[key], "description": LAYER[key]} for key in order}
    return {
        "type": "object", "description": "One layer: its activation, weights and biases.",
        "properties": properties, "required": list(netfile.REQUIRED_LAYER),
        "additionalProperties": False,
        # one shared bias: one number and one name
        "if": {"required": ["shared_bias"], "properties": {"shared_bias": {"const": True}}},
        "then": {"properties": {"biases": NUMBER, "names": {"properties": {"biases": NAME}}}},
    }


def _dropout() -> dict:
    order = _described(DROPOUT, netfile.DROPOUT_KEYS, "dropout key")
    bit = {"enum": [0, 1]}
    mask = {"type": "array", "minItems": 1, "items": bit}
    pieces: dict[str, dict] = {
        "mask": {"anyOf": [bit, mask, {"type": "array", "minItems": 1, "items": mask}]},
              "keep": {"type": "number", "exclusiveMinimum": 0, "maximum": 1}}
    return {"type": "object", "additionalProperties": False, "required": ["mask"],
            "properties": {key: {**pieces[key], "description": DROPOUT[key]} for key in order}}


def _state() -> dict:
    words = {**STATE, **{memory.kind: memory.description for memory in stored_memory()}}
    order = _described(words, netfile.state_keys(), "state key")
    count = {"type": "integer", "minimum": 0}
    slot = {"type": "array", "minItems": 1, "items": {
        "type": "object", "required": list(netfile.SLOT_KEYS), "additionalProperties": False,
        "properties": {"weights": {"anyOf": _matrix_or_list(NUMBER),
                                   "description": "Shaped like the layer's weights."},
                       "biases": _vector("One value per neuron of the layer.")}}}
    pieces: dict[str, dict] = {"iteration": count, "updates": count, "source": TEXT,
              **dict.fromkeys(netfile.state_slots(), slot)}
    return {"type": "object", "description": TOP["state"],
            "properties": {key: {**pieces[key], "description": words[key]} for key in order},
            "required": list(netfile.REQUIRED_STATE), "additionalProperties": False}


def _sample() -> dict:
    return {"type": "object", "description": "One sample: its input and target.",
            "properties": {"input": _vector(SAMPLE["input"]),
                           "target": _vector(SAMPLE["target"])},
            "required": list(netfile.SAMPLE_KEYS), "additionalProperties": False}


def network_schema() -> dict:
    """The schema as a JSON-ready dict (the same every time: no set order leaks in)."""
    defaults = _defaults()
    order = _described(TOP, netfile.TOP_KEYS, "top-level key")
    _described(TOP, netfile.CHOICES, "option")
    choices = {key: _choice(values, TOP[key], defaults.get(key),
                            {value: CHOICE_WORDS[value] for value in values})
               for key, values in netfile.CHOICES.items()}
    binary = {key: {"type": "number", "enum": list(values), "default": defaults.get(key),
                    "description": TOP[key]}
              for key, values in netfile.BINARY_CHOICES.items()}
    pieces = {
        "name": TEXT, "description": TEXT,
        "input": _vector(TOP["input"]), "target": _vector(TOP["target"]),
        "samples": {"type": "array", "minItems": 1, "items": _sample()},
        "loss": _loss(),
        "learning_rate": {"type": "number", "minimum": 0},
        "update_biases": {"type": "boolean", "default": defaults["update_biases"]},
        "layers": {"type": "array", "minItems": 1, "items": _layer()},
        "momentum": {"type": "number", "minimum": 0, "exclusiveMaximum": 1,
                     "default": defaults["momentum"]},
        "nesterov": {"type": "boolean", "default": defaults["nesterov"]},
        "optimizer": _optimizer(),
        "l2": {"type": "number", "minimum": 0},
        "l2_form": _choice(list(PENALTIES), TOP["l2_form"], defaults["l2_form"],
                           {name: f"{cls.formula}, gradient {cls.gradient_formula} "
                                  f"({cls.source})" for name, cls in PENALTIES.items()}),
        "l2_biases": {"type": "boolean", "default": defaults["l2_biases"]},
        "round_intermediates": {"type": ["integer", "null"], "minimum": 0,
                                "maximum": netfile.MAX_ROUND, "default": None},
        "state": _state(),
        **choices, **binary,
    }
    properties = {key: {**pieces[key], "description": pieces[key].get("description", TOP[key])}
                  for key in order}
    probabilities = {"minimum": 0, "maximum": 1, "items": {"minimum": 0, "maximum": 1}}
    probability_losses = sorted(name for name, cls in LOSSES.items()
                                if cls.targets_are_probabilities)
    momentum_free = [name for name in sorted(OPTIMIZERS) if not OPTIMIZERS[name].takes_momentum]
    return {
        "$schema": DIALECT,
        "title": "backcalc network file",
        "description": "A small fully-connected network for backcalc: weights, biases, input "
                       "and target, an activation per layer, a loss and a learning rate. "
                       "Written by `backcalc schema` from backcalc's own registries.",
        "type": "object",
        "properties": properties,
        "required": list(netfile.REQUIRED_TOP),
        "additionalProperties": False,
        "oneOf": [
            {"required": list(netfile.SAMPLE_KEYS), "not": {"required": ["samples"]}},
            {"required": ["samples"],
             "not": {"anyOf": [{"required": [key]} for key in netfile.SAMPLE_KEYS]}},
        ],
        "allOf": [
            {"if": {"required": ["loss"], "properties": {"loss": {"enum": probability_losses}}},
             "then": {"properties": {"target": probabilities, "samples": {
                 "items": {"properties": {"target": probabilities}}}}}},
            {"if": {"required": ["optimizer"], "properties": {"optimizer": {"anyOf": [
                {"enum": momentum_free},
                {"type": "object", "required": ["name"],
                 "properties": {"name": {"enum": momentum_free}}}]}}},
             "then": {"properties": {"momentum": {"const": 0}}}},
            {"if": {"required": ["nesterov"], "properties": {"nesterov": {"const": True}}},
             "then": {"required": ["momentum"],
                      "properties": {"momentum": {"exclusiveMinimum": 0}}}},
            *({"if": {"required": [key]}, "then": {"required": ["l2"]}}
              for key in ("l2_form", "l2_biases")),
        ],
    }


def modeline(target: str | None = None) -> str:
    """The first line that points yaml-language-server (VS Code's YAML extension, …) at
    the schema: ``target`` as given, or the installed schema file's address."""
    return MODELINE + (target if target is not None else SCHEMA_PATH.resolve().as_uri())
