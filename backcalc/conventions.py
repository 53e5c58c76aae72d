"""The conventions a network is computed with, as one table, so a student can compare
them with their textbook's.

Built here only, in two views: ``run`` (the header of run, step and check: every
convention in force) and ``show`` (``backcalc show``: the ones a reader needs to read
the drawing, shorter).  Each row is a function of the network giving the row's text
in a view, or None where that view leaves the row out; each view lists its rows in
its order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .document import Table
from .numbers import format_exact
from .optimizers import OPTIMIZERS

if TYPE_CHECKING:
    from .network import Network

RUN, SHOW = "run", "show"


def architecture(net: Network) -> str:
    """2-2-2: the inputs, then each layer's size."""
    sizes = [len(net.samples[0].input)] + [layer.size for layer in net.layers]
    return "-".join(str(s) for s in sizes)


def _samples(net: Network) -> str:
    count = len(net.samples)
    return f"{count} sample{'s' if count != 1 else ''}"


def _one_sample(net: Network) -> str:
    return " (one sample: no effect)" if len(net.samples) == 1 else ""


def _architecture(net: Network, rate: float, view: str) -> str:
    if view == SHOW:
        return f"{architecture(net)} ({_samples(net)}), {net.parameter_count} parameters"
    return f"{architecture(net)} ({_samples(net)})"


def _activations(net: Network, rate: float, view: str) -> str | None:
    if view == SHOW:
        return None                     # the drawing names each layer's
    return ", ".join(f"layer {i + 1}: {layer.activation.named()}"
                     for i, layer in enumerate(net.layers))


def _loss(net: Network, rate: float, view: str) -> str:
    loss = f"{net.loss.name}: {net.loss.formula}"
    if view == SHOW and len(net.samples) > 1:
        loss += "; " + ("mean over the samples" if net.reduction == "mean"
                        else "sum over the samples")
    return loss


def _reduction(net: Network, rate: float, view: str) -> str | None:
    if view == SHOW:
        return None                     # (in the loss row)
    return ("mean over the samples: L = (1/m) Σ Lₛ" if net.reduction == "mean"
            else "sum over the samples: L = Σ Lₛ") + _one_sample(net)


def _update(net: Network, rate: float, view: str) -> str | None:
    if view == SHOW and len(net.samples) == 1:
        return None
    how = ("batch: one update per iteration from all samples" if net.update == "batch"
           else "online: one update per sample, in file order")
    return how + (_one_sample(net) if view == RUN else "")


def _weights(net: Network, rate: float, view: str) -> str:
    if net.weight_rows == "neurons":
        return "one row per neuron: z = W·a + b"
    return "one row per input: z = a·W + b" + (" (weight_rows: inputs)" if view == SHOW else "")


def _biases(net: Network, rate: float, view: str) -> str | None:
    shared = ", ".join(str(i + 1) for i, layer in enumerate(net.layers) if layer.shared_bias)
    if view == SHOW:
        parts = [] if net.update_biases else ["kept fixed (update_biases: false)"]
        parts += [f"one shared bias in layer {shared}"] if shared else []
        return "; ".join(parts) or None
    bias = "updated" if net.update_biases else "kept fixed (update_biases: false)"
    if shared:
        bias += f"; one shared bias in layer {shared} (its gradient is Σ δ)"
    return bias


def _relu_at_zero(net: Network, rate: float, view: str) -> str | None:
    # Only an activation whose f'(0) the file chooses (ReLU's) makes the row worth showing.
    kinked = ("derivative_at_zero" in layer.activation.parameters for layer in net.layers)
    if view == SHOW or not any(kinked):
        return None
    return format_exact(net.relu_derivative_at_zero)


def _optimizer(net: Network, rate: float, view: str) -> str:
    return OPTIMIZERS[net.optimizer.name](net).describe()


def _penalty(net: Network, rate: float, view: str) -> str | None:
    from .penalties import penalty_of
    penalty = penalty_of(net)
    if penalty is None:
        return None
    assert net.l2 is not None
    return penalty.describe(net.l2, net.l2_biases)


def _dropout(net: Network, rate: float, view: str) -> str | None:
    from .dropout import describe
    return describe(net)


def _learning_rate(net: Network, rate: float, view: str) -> str:
    return f"η = {format_exact(rate)}"


def _rounding(net: Network, rate: float, view: str) -> str | None:
    if net.round_intermediates is None:
        return None if view == SHOW else "none (full float64)"
    return f"every value rounded to {net.round_intermediates} decimals before use"


def _numbering(net: Network, rate: float, view: str) -> str:
    return f"neurons and weights counted from {net.index_base}"


Row = Callable[["Network", float, str], str | None]

ROWS: dict[str, Row] = {
    "architecture": _architecture, "activations": _activations, "loss": _loss,
    "reduction": _reduction, "update": _update, "weights": _weights, "biases": _biases,
    "ReLU′(0)": _relu_at_zero, "optimizer": _optimizer, "regularisation": _penalty,
    "dropout": _dropout, "learning rate": _learning_rate,
    "rounding": _rounding, "numbering": _numbering,
}
"""Each row's name (its first cell) and the function writing its text."""

VIEWS: dict[str, list[str]] = {
    RUN: ["architecture", "activations", "loss", "reduction", "update", "weights", "biases",
          "ReLU′(0)", "optimizer", "regularisation", "dropout", "learning rate", "rounding",
          "numbering"],
    SHOW: ["architecture", "loss", "update", "optimizer", "regularisation", "dropout",
           "learning rate",
           "weights", "biases",
           "numbering", "rounding"],
}
"""The rows each view shows, in its order."""


def conventions(net: Network, learning_rate: float | None = None, view: str = RUN) -> Table:
    """The conventions table (``learning_rate``: the rate in force; the file's if None)."""
    rate = net.learning_rate if learning_rate is None else learning_rate
    rows = []
    for label in VIEWS[view]:
        text = ROWS[label](net, rate, view)
        if text is not None:
            rows.append([label, text])
    return Table("Conventions", ["", ""], rows, prose=True)
