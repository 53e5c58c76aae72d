"""Per-layer dropout: a hidden layer's ``dropout: {mask: [1, 0, 1], keep: 0.8}``.

Inverted dropout as Srivastava et al. (2014) train it and PyTorch's ``nn.Dropout`` scales
it: in a training pass the layer passes on ã = f(z) ⊙ m / p, m the sample's mask of 0s
and 1s and p the keep probability (without ``keep`` nothing is scaled: ã = f(z) ⊙ m).
The next layer's z and gradients take ã; backward, ∂L/∂f(z) = ∂L/∂ã · m / p, so a
dropped neuron's ∂L/∂a and δ are 0.  The ``final`` pass uses no mask.

The masks are fixed in the file (one per sample), so a pass is as deterministic as any
other: gradcheck's finite differences of the training loss hold the mask fixed, and
``step`` continues a run bit for bit.

This module declares the slips a student makes with dropout (``check``, through
``worked``): the mask applied without the 1/p (or with it twice), and the dropped
neuron's δ not zeroed.  Nothing here imports NumPy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from .numbers import format_exact
from .slips import DROPOUT_NOT_RESCALED, DROPOUT_RESCALED_TWICE, DROPPED_DELTA_NOT_ZEROED

SOURCE = "inverted dropout: Srivastava et al. 2014, PyTorch's nn.Dropout"
"""Whose convention ã = f(z)·m/p is (conventions header, docs)."""


@dataclass(frozen=True)
class Dropout:
    """One layer's dropout: a mask per sample (0s and 1s, one per neuron) and the keep
    probability p (None: no rescaling)."""

    masks: tuple[tuple[float, ...], ...]
    keep: float | None = None

    @property
    def divisor(self) -> float:
        """p, or 1 without ``keep``."""
        return 1.0 if self.keep is None else self.keep

    def scaled(self, value: float, mask: float) -> float:
        """value·m/p for one number, in the engine's order of operations (+ 0.0: never −0)."""
        out = value * mask + 0.0
        return out if self.keep is None else out / self.keep

    def formula(self) -> str:
        """ã's rule as the conventions header and captions write it."""
        return "ã = f(z)·m" if self.keep is None else \
            f"ã = f(z)·m/p, p = {format_exact(self.keep)}"

    def template(self) -> str:
        """ã's formula for ``--explain``: {a}, {m} and {p} (constants)."""
        return "{a}·{m}" if self.keep is None else "{a}·{m}/{p}"

    def backward_template(self) -> str:
        """∂L/∂a's factor after the sum Σ w·δ (∂L/∂ã): ·m/p."""
        return "·{m}" if self.keep is None else "·{m}/{p}"

    # --- the slips (``check``) ---------------------------------------------------------
    def forward_slips(self, mask: float) -> dict[str, Callable[[Sequence[float]], float]]:
        """ã written with the mask but not the 1/p, or with 1/p twice (only where p ≠ 1:
        elsewhere the slip gives the right number); each a function of [a]."""
        p = self.keep
        if p is None or p == 1.0:
            return {}
        return {DROPOUT_NOT_RESCALED: partial(_first, partial(_scaled, mask, 1.0)),
                DROPOUT_RESCALED_TWICE: partial(_first, partial(_scaled, mask, p * p))}

    def backward_slips(self, mask: float) -> dict[str, dict[str, Callable[[float], float]]]:
        """∂L/∂a from ∂L/∂ã (= Σ w·δ) with each slip, as slip → variant → function of
        ∂L/∂ã: a dropped neuron's gradient not zeroed (∂L/∂ã passed back as it is, or
        scaled by 1/p as if the neuron were kept), the mask's 1/p forgotten or doubled."""
        p = self.keep
        rescaled = p is not None and p != 1.0
        if not mask:
            variants: dict[str, Callable[[float], float]] = {"": partial(_scaled, 1.0, 1.0)}
            if rescaled:
                variants["as if kept, ·1/p"] = partial(_scaled, 1.0, self.divisor)
            return {DROPPED_DELTA_NOT_ZEROED: variants}
        if p is None or not rescaled:
            return {}
        # Labelled: tried on their own, apart from ã's (a student may rescale one way
        # forward and another backward).
        return {DROPOUT_NOT_RESCALED: {"backward": partial(_scaled, mask, 1.0)},
                DROPOUT_RESCALED_TWICE: {"backward": partial(_scaled, mask, p * p)}}


def _scaled(mask: float, divisor: float, value: float) -> float:
    """value·m/divisor (+ 0.0: never −0)."""
    return (value * mask + 0.0) / divisor


def _first(f: Callable[[float], float], values: Sequence[float]) -> float:
    return f(values[0])


def dropout_layers(network) -> list[int]:
    """0-based indices of the layers with dropout."""
    return [index for index, layer in enumerate(network.layers) if layer.dropout is not None]


def describe(network) -> str | None:
    """The conventions header's row: each layer's rule, whose convention, the backward
    rule and the final pass; None without dropout."""
    layers = dropout_layers(network)
    if not layers:
        return None
    rules = "; ".join(f"layer {index + 1}: {network.layers[index].dropout.formula()}"
                      for index in layers)
    scaled = any(network.layers[index].dropout.keep is not None for index in layers)
    return (f"{rules} in training passes, the mask m given per sample ({SOURCE}); "
            f"backward ∂L/∂f(z) = ∂L/∂ã·{'m/p' if scaled else 'm'} (a dropped neuron's δ is "
            "0); the final pass uses no mask")
