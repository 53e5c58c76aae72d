"""A variant as a network file: the numbers drawn, parameters named w1…, b1… across the
network (as ``backcalc new`` names them), and a header holding the command that writes
the file again.

Every drawn number is written with exactly --decimals decimals (0.30 is never 0.3 at 2
decimals); targets of 0 and 1 drawn as classes (binary, one-hot) are written 0 and 1.
"""

from __future__ import annotations

import textwrap

from ..numbers import format_exact
from ..scaffold import _text, _vector, layer_lines
from .drawing import INPUT_RANGE, PARAMETER_RANGE, RANGES, Draw
from .request import Exercise


def variant_text(exercise: Exercise, variant_id: str, numbers: Draw, draws: int) -> str:
    """The network file of variant ``variant_id`` with ``numbers`` (found on draw
    ``draws``)."""
    from ..losses import LOSSES
    d = exercise.decimals
    kind = LOSSES[exercise.loss].target_kind

    def fixed(values) -> list[str]:
        return [f"{float(v):.{d}f}" for v in values]

    def target(values) -> list[str]:
        return fixed(values) if kind == "uniform" else [format_exact(v) for v in values]

    lines = _header(exercise, variant_id, draws, RANGES[kind])
    title = f"Exercise {exercise.request.arch}, variant {variant_id}"
    lines.append(f"name: {_text('name', title)}")
    if exercise.samples == 1:
        lines += [_vector("input", fixed(numbers.inputs[0]), ""),
                  _vector("target", target(numbers.targets[0]), "")]
    else:
        lines.append("samples:")
        lines += [f"  - {{input: [{', '.join(fixed(x))}], target: [{', '.join(target(y))}]}}"
                  for x, y in zip(numbers.inputs, numbers.targets)]
    lines += [f"loss: {exercise.loss}",
              f"learning_rate: {format_exact(exercise.learning_rate)}",
              "layers:"]
    w, b = 1, 1
    for weights, biases, name in zip(numbers.weights, numbers.biases, exercise.activations):
        n_out, n_in = weights.shape
        lines += layer_lines(name, [fixed(row) for row in weights], fixed(biases), w, b)
        w, b = w + n_in * n_out, b + n_out
    return "\n".join(lines) + "\n"


def _header(exercise: Exercise, variant_id: str, draws: int, targets: str) -> list[str]:
    d = exercise.decimals
    numbers = (f"Numbers drawn with seed {exercise.seed} for variant {variant_id}, found on "
               f"draw {draws:,}: weights and biases with {d} decimal{'s' if d != 1 else ''} "
               f"in [-{PARAMETER_RANGE:g}, {PARAMETER_RANGE:g}], inputs in "
               f"[-{INPUT_RANGE:g}, {INPUT_RANGE:g}], none of them 0; targets {targets}.")
    return [f"# Variant {variant_id} of a {exercise.request.arch} exercise, written by:",
            f"#   {exercise.request.command(variant_id)}",
            "# (that command writes this file again, to the last byte).",
            *("# " + line for line in textwrap.wrap(numbers, 86, break_on_hyphens=False)),
            "# Weights: one row per neuron, one number per input to it (z = W a + b)."]
