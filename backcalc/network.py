"""The in-memory network: what a network file describes, validated and typed.

Weights are always held one row per neuron, shape (neurons, inputs), so that
z = W a + b; ``weight_rows`` only matters when reading and writing files and
when showing values.  Parameters live in ``Params`` pairs, which the engine and
optimizers treat as immutable values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .activations import Activation
from .dropout import Dropout
from .losses import Loss


class Params(NamedTuple):
    """One layer's weights (neurons × inputs) and biases (one per neuron)."""

    weights: np.ndarray
    biases: np.ndarray


@dataclass
class Layer:
    """One layer: its activation, weights (neurons × inputs), biases, and the names shown."""

    activation: Activation
    weights: np.ndarray
    biases: np.ndarray
    shared_bias: bool = False
    weight_names: list[list[str]] | None = None   # neuron orientation, like ``weights``
    bias_names: list[str] | None = None           # one per neuron (repeated when shared)
    activation_spec: object = None                # as written in the file, for saving
    dropout: Dropout | None = None                # a hidden layer's mask and keep (``dropout``)

    @property
    def size(self) -> int:
        return self.weights.shape[0]

    @property
    def inputs(self) -> int:
        return self.weights.shape[1]


@dataclass
class Sample:
    """One sample: an input vector and its target."""

    input: np.ndarray
    target: np.ndarray


@dataclass
class OptimizerConfig:
    """The file's ``optimizer``: a name of ``optimizers.OPTIMIZERS`` and its settings
    (every one the optimizer takes, in its order, defaults filled in by ``netfile``)."""

    name: str = "sgd"
    settings: dict = field(default_factory=dict)

    def file_value(self) -> dict:
        """The ``optimizer`` mapping a saved network file writes."""
        return {"name": self.name, **self.settings}


@dataclass
class Progress:
    """Where a saved run stands: iterations done and the optimizer's memory."""

    iteration: int = 0
    updates: int = 0                               # optimizer steps taken (Adam's t)
    slots: dict[str, list[Params]] = field(default_factory=dict)  # velocity, or Adam's m and v


@dataclass
class Network:
    """A network file, read and checked: layers, samples, loss and every option."""

    layers: list[Layer]
    samples: list[Sample]
    loss: Loss
    learning_rate: float
    name: str | None = None
    description: str | None = None
    reduction: str = "mean"
    update: str = "batch"
    update_biases: bool = True
    momentum: float = 0.0
    nesterov: bool = False                         # with momentum: Nesterov's look-ahead
    l2: float | None = None                        # λ of the L2 penalty; None: no penalty
    l2_form: str = "half"                          # a name of ``penalties.PENALTIES``
    l2_biases: bool = False
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    relu_derivative_at_zero: float = 0.0
    round_intermediates: int | None = None
    weight_rows: str = "neurons"
    index_base: int = 1
    progress: Progress = field(default_factory=Progress)
    source: str | None = None                      # the file it came from, for headings
    source_path: object = None                     # its path, so --save never overwrites it
    origin: str | None = None                      # the file a continued run first came from
    samples_key: bool = False                      # written with ``samples:`` (else input/target)
    warnings: list[str] = field(default_factory=list, compare=False)
    """Lines for the user about how the file was read (``decimal_commas``): FILE:LINE:COL:
    field: what; the command line writes each after "Warning: " on standard error."""

    @property
    def params(self) -> list[Params]:
        return [Params(layer.weights, layer.biases) for layer in self.layers]

    @property
    def title(self) -> str:
        return self.name or self.origin or self.source or "network"

    @property
    def parameter_count(self) -> int:
        return sum(layer.weights.size + (1 if layer.shared_bias else layer.biases.size)
                   for layer in self.layers)

    def with_params(self, params: list[Params], progress: Progress) -> Network:
        """A copy holding new parameter values (the file's other settings unchanged)."""
        from dataclasses import replace
        layers = [replace(layer, weights=p.weights, biases=p.biases)
                  for layer, p in zip(self.layers, params)]
        return replace(self, layers=layers, progress=progress)

    # Names shown in tables: the user's where given, else W2[1,3] / b2[1] in the
    # file's orientation and numbering.
    def weight_label(self, layer: int, neuron: int, inp: int) -> str:
        names = self.layers[layer].weight_names
        if names:
            return names[neuron][inp]
        row, col = (neuron, inp) if self.weight_rows == "neurons" else (inp, neuron)
        base = self.index_base
        return f"W{layer + 1}[{row + base},{col + base}]"

    def bias_label(self, layer: int, neuron: int) -> str:
        spec = self.layers[layer]
        if spec.bias_names:
            return spec.bias_names[neuron]
        if spec.shared_bias:
            return f"b{layer + 1}"
        return f"b{layer + 1}[{neuron + self.index_base}]"

    def to_file_orientation(self, weights: np.ndarray) -> np.ndarray:
        return weights if self.weight_rows == "neurons" else weights.T

    def params_document(self, params: list[Params]) -> list[dict]:
        """Parameters (or gradients, or optimizer memory) as plain lists, in the file's
        orientation: what the JSON output and the state file both write."""
        # + 0.0 turns −0.0 (from −y/a with y = 0, or ∂L/∂a·0) into 0.0.
        return [{"weights": (self.to_file_orientation(p.weights) + 0.0).tolist(),
                 "biases": (np.asarray(p.biases, dtype=float) + 0.0).tolist()} for p in params]
