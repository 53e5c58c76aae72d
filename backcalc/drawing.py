"""`backcalc show`: a network drawn in the terminal, or summarised when it is too large.

``show_report`` returns a ``document`` (``Section``s): a header (title, description,
the file, and ``conventions``' show view: the conventions that matter), then either
the drawing or, for a network too large or too wide to read that way, a table with
one column per layer.

The drawing puts the inputs in the first column and each layer in a column of its
own, left to right, one box per neuron.  Every weight sits on the arrow (▶) that
enters its neuron, with the value it multiplies (``w1 = 0.15  from x₁``); between
two columns a line joins every neuron's output (├, or the input's ─) to every
arrow of the next layer, as in a fully-connected layer.  The drawing is plain text
laid out here for the width it is given; nothing in it is read as rich markup.
Nothing here prints.
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field

import numpy as np
from rich.cells import cell_len

from .conventions import SHOW, conventions
from .document import Line, Section, Table, visible
from .engine import Engine, quiet_arithmetic
from .network import Network
from .numbers import DEFAULT_PRECISION, format_number
from .report import about, neuron_label

MAX_NEURONS = 8
"""Layers (the inputs too) of more neurons are summarised instead of drawn."""

GAP = 4           # columns between two columns of the drawing: stub, joining line, arrow shaft
MARGIN = " "      # before every line of the drawing

_SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")


# --- what to show --------------------------------------------------------------

@dataclass
class Values:
    """The forward pass of one sample: z and a per layer (neuron order), and its loss."""

    z: list[np.ndarray]
    a: list[np.ndarray]
    loss: float | None
    problem: str | None = None        # why the loss is undefined, when it is


def forward_values(net: Network, sample: int) -> Values:
    """z, a and the loss of sample ``sample`` (0-based) with the file's parameters."""
    evaluation = Engine(net).evaluate(net.params, [sample])
    z = [layer.z[0] for layer in evaluation.layers]
    a = [layer.a[0] for layer in evaluation.layers]
    if evaluation.loss is None:
        return Values(z, a, None, evaluation.problem)
    return Values(z, a, float(evaluation.loss.per_sample[0]))


def show_report(net: Network, *, width: int = 80, values: bool = False, sample: int = 1,
                precision: int = DEFAULT_PRECISION, command: str | None = None) -> list[Section]:
    """The header, then the drawing if it fits ``width`` (else a summary per layer).

    ``sample`` counts from 1; ``command`` is how the user named the network, for the
    hint under a summary (``backcalc run NETWORK``).
    """
    forward = forward_values(net, sample - 1) if values else None
    sections = [show_header(net)]
    sizes = [len(net.samples[0].input)] + [layer.size for layer in net.layers]
    if max(sizes) > MAX_NEURONS:
        big = [f"{'the inputs are' if i == 0 else f'layer {i} has'} {size}"
               for i, size in enumerate(sizes) if size > MAX_NEURONS]
        reason = (f"Too large to draw: a drawing shows at most {MAX_NEURONS} neurons a layer, "
                  f"and {_and(big)}.")
        return sections + summary(net, reason, forward, sample, precision, command)
    lines = drawing(net, forward, sample, precision)
    needed = max(cell_len(line) for line in lines)
    if needed > width:
        reason = (f"Too wide to draw: the drawing needs {needed} columns and the terminal "
                  f"has {width} (a wider terminal shows it).")
        return sections + summary(net, reason, forward, sample, precision, command)
    title = "The network" + (f", forward pass of sample {sample}" if values else "")
    notes: list[Line] = [[""], [_reading_note(net)]]
    if forward is not None:
        notes.append(_loss_line(net, forward, sample))
    return sections + [Section(title, [[line] for line in lines] + notes)]


def _and(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def _reading_note(net: Network) -> str:
    base = net.index_base
    return (f"Each ▶ is a weight into its neuron, from the value it multiplies (x{_sub(base)}: "
            f"input {base}; a{_sub(base)}: neuron {base} of the layer before); "
            "z = Σ w·input + b, a = f(z).")


def _loss_line(net: Network, forward: Values, sample: int) -> Line:
    if forward.loss is None:
        return [f"loss of sample {sample}: undefined ({forward.problem})"]
    return [(f"loss of sample {sample}: {net.loss.formula}", forward.loss)]


# --- the header ----------------------------------------------------------------

def show_header(net: Network) -> Section:
    """The title, description and file, and the conventions a reader needs."""
    return Section(net.title, about(net), [conventions(net, view=SHOW)])


# --- the drawing ---------------------------------------------------------------

@dataclass
class Column:
    """One column of the drawing: its heading, its lines (all ``width`` cells wide), the
    rows where each neuron's value leaves on the right and where arrows enter on the left."""

    heading: list[str]
    rows: list[str]
    width: int
    outputs: list[int] = field(default_factory=list)
    arrows: list[int] = field(default_factory=list)

    def row(self, index: int) -> str:
        return self.rows[index] if index < len(self.rows) else " " * self.width


def drawing(net: Network, forward: Values | None, sample: int, precision: int) -> list[str]:
    """The network as lines of text, the inputs first and the output layer last."""
    columns = [_input_column(net, sample, precision)]
    columns += [_layer_column(net, index, forward, sample, precision)
                for index in range(len(net.layers))]
    heading_rows = max(len(column.heading) for column in columns)
    lines = []
    for h in range(heading_rows):
        parts = [_pad(column.heading[h] if h < len(column.heading) else "", column.width)
                 for column in columns]
        lines.append(MARGIN + (" " * GAP).join(parts))
    for r in range(max(len(column.rows) for column in columns)):
        line = MARGIN + columns[0].row(r)
        for left, right in zip(columns, columns[1:]):
            line += _gap(left, right, r) + right.row(r)
        lines.append(line)
    return [line.rstrip() for line in lines]


def _input_column(net: Network, sample: int, precision: int) -> Column:
    count = len(net.samples)
    heading = ["input x", f"sample {sample} of {count}" if count > 1 else "1 sample"]
    texts = [f"x{_sub(i + net.index_base)} = {format_number(value, precision)}"
             for i, value in enumerate(net.samples[sample - 1].input)]
    width = max([cell_len(text) + 2 for text in texts] + [cell_len(h) for h in heading])
    # Row 0 faces the first box's top edge; input i faces that box's arrow from it.
    rows = [" " * width] + [text + " " + "─" * (width - cell_len(text) - 1) for text in texts]
    return Column(heading, rows, width, outputs=list(range(1, len(texts) + 1)))


def _layer_column(net: Network, index: int, forward: Values | None, sample: int,
                  precision: int) -> Column:
    """One box per neuron, all as wide as the widest, a blank row between two."""
    layer = net.layers[index]
    last = index == len(net.layers) - 1
    heading = [f"layer {index + 1} ({'output' if last else 'hidden'})",
               layer.activation.named()]
    if layer.shared_bias:
        heading.append(f"shared bias {visible(net.bias_label(index, 0))} = "
                       f"{format_number(layer.biases[0], precision)}")
    boxes = [_neuron_lines(net, index, j, forward, sample, precision) for j in range(layer.size)]
    inner = max(cell_len(text) for _, lines, _ in boxes for text in lines)
    inner = max([inner] + [cell_len(title) + 2 for title, _, _ in boxes])
    box_width = inner + 4
    width = max([box_width] + [cell_len(h) for h in heading])
    rows: list[str] = []
    outputs, arrows = [], []
    for title, lines, output_line in boxes:
        if rows:
            rows.append(" " * width)
        top = "┌─ " + title + " "
        rows.append(_pad(top + "─" * (box_width - 1 - cell_len(top)) + "┐", width))
        for position, text in enumerate(lines):
            arrow = position < layer.inputs               # the weights come first
            leaves = position == output_line and not last
            if arrow:
                arrows.append(len(rows))
            if leaves:
                outputs.append(len(rows))
            line = ("▶ " if arrow else "│ ") + _pad(text, inner) + (" ├" if leaves else " │")
            rows.append(line + ("─" if leaves else " ") * (width - box_width))
        rows.append(_pad("└" + "─" * (box_width - 2) + "┘", width))
    return Column(heading, rows, width, outputs, arrows)


def _neuron_lines(net: Network, index: int, j: int, forward: Values | None, sample: int,
                  precision: int) -> tuple[str, list[str], int]:
    """Neuron j's title and lines: one per weight into it (its arrow), its bias, its
    activation, with ``forward`` its z and a, in the output layer its target; and the
    line its a leaves from."""
    layer = net.layers[index]
    base = net.index_base
    source = "x" if index == 0 else "a"
    labels = [f"{visible(net.weight_label(index, k, i))} = "
              f"{format_number(layer.weights[k, i], precision)}"
              for k in range(layer.size) for i in range(layer.inputs)]
    label_width = max(cell_len(label) for label in labels)        # aligned in every box
    own = labels[j * layer.inputs:(j + 1) * layer.inputs]
    lines = [f"{_pad(label, label_width)}  from {source}{_sub(i + base)}"
             for i, label in enumerate(own)]
    bias = visible(net.bias_label(index, j))       # (measured as drawn)
    lines.append(f"{bias} (shared)" if layer.shared_bias
                 else f"{bias} = {format_number(layer.biases[j], precision)}")
    lines.append("a = " + layer.activation.neuron_text(_sub(neuron_label(net, j))))
    if forward is not None:
        lines += [f"z = {format_number(forward.z[index][j], precision)}",
                  f"a = {format_number(forward.a[index][j], precision)}"]
    output_line = len(lines) - 1
    if index == len(net.layers) - 1:
        lines.append(f"y = {format_number(net.samples[sample - 1].target[j], precision)}")
    return f"neuron {neuron_label(net, j)}", lines, output_line


# Box-drawing character joining a row of the vertical line between two columns:
# (line above, line below, a stub from the left, a stub to the right).
_JOINS = {
    (True, True, True, True): "┼", (True, True, True, False): "┤",
    (True, True, False, True): "├", (True, True, False, False): "│",
    (False, True, True, True): "┬", (False, True, True, False): "┐",
    (False, True, False, True): "┌", (True, False, True, True): "┴",
    (True, False, True, False): "┘", (True, False, False, True): "└",
}


def _gap(left: Column, right: Column, row: int) -> str:
    """The GAP cells between two columns on one row: a stub from each output on the
    left, the vertical line joining them all, a shaft into each arrow on the right."""
    ends = left.outputs + right.arrows
    top, bottom = min(ends), max(ends)
    from_left, to_right = row in left.outputs, row in right.arrows
    if top <= row <= bottom:
        join = _JOINS.get((row > top, row < bottom, from_left, to_right), "─")
    else:
        join = " "
    return ("─" if from_left else " ") + join + ("─" * (GAP - 2) if to_right else " " * (GAP - 2))


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


def _sub(number) -> str:
    return str(number).translate(_SUB)


# --- the summary ---------------------------------------------------------------

def summary(net: Network, reason: str, forward: Values | None, sample: int, precision: int,
            command: str | None) -> list[Section]:
    """One column per layer (the inputs first), for networks too large or too wide to draw;
    then the sample shown: its input, target and, with ``forward``, outputs and loss."""
    network = shlex.quote(command) if command else "NETWORK"
    inputs = net.samples[sample - 1].input
    targets = net.samples[sample - 1].target
    columns = ["", "inputs"]
    rows: list[list] = [["neurons", str(len(inputs))], ["activation", ""], ["parameters", ""],
                        ["weight min", None], ["weight mean", None], ["weight max", None],
                        ["biases", ""]]
    if forward is not None:          # the inputs are the a of the column before layer 1
        rows += [["z min", None], ["z max", None],
                 ["a min", float(inputs.min())], ["a max", float(inputs.max())]]
    for index, layer in enumerate(net.layers):
        kind = "output" if index == len(net.layers) - 1 else "hidden"
        columns.append(f"layer {index + 1} ({kind})")
        w = layer.weights
        cells = [str(layer.size), layer.activation.named(),
                 str(w.size + (1 if layer.shared_bias else layer.size)),
                 float(w.min()), _mean(w), float(w.max()),
                 _biases_text(net, index, precision)]
        if forward is not None:
            z, a = forward.z[index], forward.a[index]
            cells += [float(z.min()), float(z.max()), float(a.min()), float(a.max())]
        for row, cell in zip(rows, cells):
            row.append(cell)
    count = len(net.samples)
    lines: list[Line] = [["input x: ", *_vector_or_range(inputs, precision)],
                         ["target y: ", *_vector_or_range(targets, precision)]]
    if forward is not None:
        lines.append(["output a: ", *_vector_or_range(forward.a[-1], precision)])
        lines.append(_loss_line(net, forward, sample))
    hint = (f"Every value: `backcalc run {network}` shows one iteration's tables, "
            f"`backcalc run {network} --format json` every number.")
    return [Section("The network, one column per layer", [[reason], [hint]],
                    [Table("Layers" + (f" (z and a of sample {sample})" if forward else ""),
                           columns, rows)]),
            Section(f"Sample {sample}" + (f" of {count}" if count > 1 else " (the only sample)"),
                    lines)]


def _mean(values: np.ndarray) -> float:
    """The mean of finite values, finite: a sum that overflows float64 (weights near 1e308)
    is taken again of the values scaled down first.  Warnings silenced as in the engine."""
    with quiet_arithmetic():
        mean = float(values.mean())
        if math.isinf(mean) and np.isfinite(values).all():
            mean = float((values / values.size).sum())
    return mean


def _range(values: np.ndarray, precision: int) -> str:
    """All the values' range, min … max (one value if they are all equal)."""
    low, high = float(np.min(values)), float(np.max(values))
    if low == high:
        return f"all {format_number(low, precision)}" if len(values) > 1 else \
            format_number(low, precision)
    return f"{format_number(low, precision)} … {format_number(high, precision)}"


def _vector_or_range(values: np.ndarray, precision: int) -> list:
    if len(values) <= 10:
        return [[float(v) for v in values]]
    return [f"{len(values)} values, {_range(values, precision)}"]


def _biases_text(net: Network, index: int, precision: int) -> str:
    layer = net.layers[index]
    if layer.shared_bias:
        return f"{format_number(layer.biases[0], precision)} (shared)"
    if layer.size <= 3:
        return ", ".join(format_number(b, precision) for b in layer.biases)
    return _range(layer.biases, precision)
