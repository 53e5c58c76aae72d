"""What a run shows, independent of how it is drawn.

``run_report`` and ``step_report`` turn a ``Run`` into a ``document``: a list of
``Section``s, each a heading, some lines of text and some ``Table``s whose cells
are text or float numbers.  A renderer only draws them; numbers are formatted at
drawing time, with the precision the user chose.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from .conventions import conventions
from .document import Cell, Line, Section, Table  # (gradcheck imports them from here too)
from .numbers import format_exact
from .optimizers import OPTIMIZERS
from .penalties import penalty_of
from .quantities import (
    A_DROPOUT,
    COST,
    DELTA,
    DJ_DW,
    DL_DA,
    DL_DB,
    DL_DW,
    FPRIME,
    LOSS,
    LOSS_TERM,
    MASK,
    PENALTY,
    TARGET,
    W_UPDATED,
    A,
    W,
    Z,
)

if TYPE_CHECKING:
    import numpy as np

    from .engine import Final, Run, Step
    from .network import Network, Params

def _quiet(report):
    """A report built under the engine's ``quiet_arithmetic``: the values it works out
    for display (the update table's penalty term λ·θ, AdamW's decay) overflow to inf,
    shown as such (SPEC), and never print NumPy's RuntimeWarning."""
    @functools.wraps(report)
    def quiet(*args, **kwargs):
        from .engine import quiet_arithmetic  # (numpy: not at import of this module)
        with quiet_arithmetic():
            return report(*args, **kwargs)
    return quiet


MATRIX_MAX_COLUMNS = 8     # wider gradient matrices are listed one parameter per row…
LIST_MAX_ROWS = 60         # … unless that list is longer: then a matrix, whose middle is elided
ROW_PARAMETERS = 4         # step rows show every parameter of networks up to this size
TABLE_PARAMETERS = 40      # else a parameters × iterations table, up to this many parameters
TABLE_ITERATIONS = 8       # … and this many iterations shown


# --- naming ------------------------------------------------------------------

def layer_title(network: Network, index: int) -> str:
    kind = "output layer" if index == len(network.layers) - 1 else "hidden layer"
    layer = network.layers[index]
    neurons = "1 neuron" if layer.size == 1 else f"{layer.size} neurons"
    return f"Layer {index + 1} ({kind}, {layer.activation.describe()}, {neurons})"


def gradient_title(index: int) -> str:
    """Layer 2: ∂L/∂W and ∂L/∂b.  The layer is named in words, never as W2 or b2: those
    may be parameters' own names (a student's b2 is a hidden bias)."""
    return f"Layer {index + 1}: {DL_DW.named('W')} and {DL_DB.named('b')}"


def neuron_label(network: Network, index: int) -> str:
    return str(index + network.index_base)


# --- the header --------------------------------------------------------------

def about(net: Network) -> list[Line]:
    """The lines under a network's title: its description and the file it came from."""
    lines: list[Line] = [[net.description]] if net.description else []
    return lines + ([[f"from: {net.source}"]] if net.source else [])


def header(run: Run, learning_rate: float) -> Section:
    net = run.network
    lines = about(net)
    if net.progress.iteration:
        first = f" (first read from {net.origin})" if net.origin and net.origin != net.source \
            else ""
        lines.append([f"continuing after iteration {net.progress.iteration}{first}"])
    return Section(net.title, lines, [conventions(net, learning_rate)])


# --- one step in full --------------------------------------------------------

def _sample_title(net: Network, step: Step, row: int) -> str:
    """Which sample a batch row is; online steps name their sample in the step label."""
    index = step.pass_.sample_indices[row]
    return f"sample {index + 1}" if len(step.pass_.sample_indices) > 1 else ""


def forward_tables(net: Network, step: Step, row: int) -> list[Table]:
    """z and a of each layer; a layer with dropout also its mask m and ã = a·m/p."""
    tables = []
    for index, trace in enumerate(step.pass_.layers):
        rows: list[list[Cell]] = [[neuron_label(net, j), trace.z[row, j], trace.a[row, j]]
                                  for j in range(trace.z.shape[1])]
        columns = ["neuron", Z.column, A.column]
        caption: Line | None = None
        dropout = net.layers[index].dropout
        if dropout is not None and trace.mask is not None and trace.a_dropout is not None:
            for j, cells in enumerate(rows):
                cells += [_mask_cell(trace.mask[row, j]), trace.a_dropout[row, j]]
            columns += [MASK.column, A_DROPOUT.column]
            caption = [f"dropout: {dropout.formula()}, passed on to layer {index + 2}"]
        tables.append(Table(layer_title(net, index), columns, rows, caption))
    return tables


def _mask_cell(value: float) -> str:
    """A mask entry as written: 1 (kept) or 0 (dropped), at any precision."""
    return str(int(value))


def loss_table(net: Network, step: Step, row: int) -> Table:
    p = step.pass_
    rows: list[list[Cell]] = [[neuron_label(net, j), p.targets[row, j], p.outputs[row, j],
                               p.terms[row, j]] for j in range(p.targets.shape[1])]
    rows.append(["total", None, None, p.losses[row]])
    return Table(f"Loss: {net.loss.formula}",
                 ["output", TARGET.column, A.column, LOSS_TERM.column], rows)


def backward_tables(net: Network, step: Step, row: int, fused: str | None) -> list[Table]:
    tables = []
    last = len(step.pass_.layers) - 1
    for index in range(last, -1, -1):
        trace = step.pass_.layers[index]
        activation = net.layers[index].activation
        rows = []
        mask = trace.mask
        for j in range(trace.z.shape[1]):
            fprime: Cell = "Jacobian" if trace.fprime is None else trace.fprime[row, j]
            masked: list[Cell] = [] if mask is None else [_mask_cell(mask[row, j])]
            rows.append([neuron_label(net, j), *masked, trace.dL_da[row, j], fprime,
                         trace.delta[row, j]])
        dropout = net.layers[index].dropout
        if index == last:
            source = net.loss.gradient_formula
        elif dropout is not None:
            scale = "m" if dropout.keep is None else "m/p"
            source = (f"∂L/∂a = (Wᵀ·δ of layer {index + 2})·{scale}, ∂L/∂f(z) through the "
                      f"dropout mask (weights before the update)")
        else:
            source = f"∂L/∂a = Wᵀ·δ of layer {index + 2} (its weights before the update)"
        if index == last and fused:
            rule = f"{fused} ({net.loss.name} with {activation.name})"
        elif trace.fprime is None:
            rule = f"δ = Jᵀ·∂L/∂a, {activation.derivative_formula}"
        else:
            rule = f"δ = ∂L/∂a · f′(z), {activation.derivative_formula}"
        tables.append(Table(layer_title(net, index),
                            ["neuron"] + ([] if mask is None else [MASK.column])
                            + [DL_DA.column, FPRIME.column, DELTA.column],
                            rows, [f"{source}; {rule}"]))
    return tables


def cost_table(net: Network, step: Step) -> Table | None:
    """With an L2 penalty: the data loss, the penalty at the parameters before the update,
    and the cost J the update follows; None without."""
    penalty = penalty_of(net)
    if penalty is None:
        return None
    assert net.l2 is not None
    samples = len(step.pass_.sample_indices)
    m = f", m = {samples}" if "m" in penalty.formula else ""
    rows: list[list[Cell]] = [
        ["data loss L", step.loss],
        [f"penalty {penalty.formula} (λ = {format_exact(net.l2)}{m})", step.penalty],
        [COST.column, step.cost]]
    whose = "weights and biases" if net.l2_biases else "weights"
    return Table("Cost", ["", "value"], rows,
                 [f"Σ over the {whose} before the update"])


def gradient_tables(net: Network, step: Step) -> list[Table]:
    tables = []
    for index, grad in enumerate(step.data_gradients):
        layer = net.layers[index]
        w = net.to_file_orientation(grad.weights)
        named = layer.weight_names is not None
        title = gradient_title(index)
        if w.shape[1] <= MATRIX_MAX_COLUMNS or w.size > LIST_MAX_ROWS:
            by_neuron = net.weight_rows == "neurons"
            row_word, col_word = ("neuron", "input") if by_neuron else ("input", "neuron")
            columns = [f"{row_word} \\ {col_word}"] + [
                f"{col_word} {c + net.index_base}" for c in range(w.shape[1])]
            rows = []
            for r in range(w.shape[0]):
                cells: list[Cell] = [f"{row_word} {r + net.index_base}"]
                for c in range(w.shape[1]):
                    neuron, inp = (r, c) if by_neuron else (c, r)
                    value = w[r, c]
                    if named:
                        cells.append((DL_DW.named(net.weight_label(index, neuron, inp)), value))
                    else:
                        cells.append(value)
                rows.append(cells)
            tables.append(Table(title, columns, rows, _bias_caption(net, index, grad.biases)))
        else:
            rows = [[DL_DW.named(net.weight_label(index, j, i)), grad.weights[j, i]]
                    for j in range(layer.size) for i in range(layer.inputs)]
            tables.append(Table(title, ["parameter", DL_DW.column], rows,
                                _bias_caption(net, index, grad.biases)))
    return tables


def _bias_caption(net: Network, index: int, biases: np.ndarray) -> Line:
    layer = net.layers[index]
    if layer.shared_bias:
        return [(f"{DL_DB.named(net.bias_label(index, 0))} = Σ δ", biases[0])]
    parts: Line = []
    for j in range(layer.size):
        parts += ["; "] if j else []
        parts.append((DL_DB.named(net.bias_label(index, j)), biases[j]))
    return parts


def update_table(net: Network, step: Step, learning_rate: float) -> Table:
    """Every parameter in file order: old value, gradient, the optimizer's memory, new value.
    With an L2 penalty the gradient is ∂L/∂θ, the penalty's term and their sum ∂J/∂θ."""
    optimizer = OPTIMIZERS[net.optimizer.name](net)
    slots = optimizer.slot_columns()
    penalty = penalty_of(net)
    penalised = ([DL_DW.named("θ"), f"+ {penalty.gradient_formula.replace('w', 'θ')}",
                  DJ_DW.column] if penalty else [DL_DW.column])
    terms = optimizer.table_terms(learning_rate)
    columns = ["parameter", W.column] + penalised + [heading for heading, _ in terms] + [
        label for _, label in slots] + [W_UPDATED.column]
    rows = []
    samples = len(step.pass_.sample_indices)
    factor = penalty.factor(net.l2, samples) if penalty and net.l2 is not None else 0.0
    for label, layer, kind, j, i in parameter_columns(net):
        cell = (layer, kind, j, i)
        frozen = kind == "b" and not net.update_biases
        old = _pick(step.before, *cell)
        row: list[Cell] = [label, old]
        if penalty:
            term = 0.0 if kind == "b" and not net.l2_biases else factor * old
            row += [_pick(step.data_gradients, *cell), term, _pick(step.gradients, *cell)]
        else:
            row.append(_pick(step.gradients, *cell))
        row += [None if frozen else term(old, kind) for _, term in terms]
        row += [None if frozen else _pick(step.progress.slots[key], *cell) for key, _ in slots]
        rows.append(row + ["fixed" if frozen else _pick(step.parameters, *cell)])
    note = optimizer.describe()
    if penalty:
        assert net.l2 is not None
        note += (f", with ∂J/∂θ = ∂L/∂θ + {penalty.gradient_formula.replace('w', 'θ')} in "
                 f"place of ∂L/∂θ (λ = {format_exact(net.l2)}"
                 + (f", m = {samples}" if "m" in penalty.gradient_formula else "") + ")"
                 + ("" if net.l2_biases else "; biases not penalised"))
    return Table(f"Update (η = {format_exact(learning_rate)})", columns, rows, [note])


def step_sections(run: Run, step: Step, learning_rate: float) -> list[Section]:
    net = run.network
    from .losses import fused_pair
    pair = fused_pair(net.loss, net.layers[-1].activation)
    fused = pair.delta_formula if pair else None
    sections = []
    label = f"Iteration {step.iteration}"
    if net.update == "online" and len(net.samples) > 1:
        label += f", sample {step.pass_.sample_indices[0] + 1}"
    for row in range(len(step.pass_.sample_indices)):
        sample = _sample_title(net, step, row)
        suffix = f" — {sample}" if sample else ""
        p = step.pass_
        lines = [["input x = ", list(p.inputs[row])], ["target y = ", list(p.targets[row])]]
        sections.append(Section(f"{label}: forward pass{suffix}", lines,
                                forward_tables(net, step, row) + [loss_table(net, step, row)]))
        sections.append(Section(f"{label}: backward pass{suffix}", [],
                                backward_tables(net, step, row, fused)))
    if len(step.pass_.sample_indices) > 1:
        how = "mean" if net.reduction == "mean" else "sum"
        sections.append(Section(f"{label}: loss over the batch",
                                [[(f"L = {how} of the sample losses", step.loss)]]))
    cost = cost_table(net, step)
    if cost is not None:
        sections.append(Section(f"{label}: cost J = L + penalty", [], [cost]))
    sections.append(Section(f"{label}: gradients", [], gradient_tables(net, step)))
    sections.append(Section(f"{label}: update", [], [update_table(net, step, learning_rate)]))
    return sections


# --- summaries -----------------------------------------------------------------

def _pick(params: list[Params], layer: int, kind: str, j: int, i: int) -> float:
    """One parameter of ``params`` (one ``Params`` a layer): weight (j, i), or bias j."""
    p = params[layer]
    return p.weights[j, i] if kind == "w" else p.biases[j]


def parameter_columns(net: Network) -> list[tuple[str, int, str, int, int]]:
    """(label, layer, kind, neuron, input) for every parameter, in file order."""
    columns = []
    for index, layer in enumerate(net.layers):
        cells = [(j, i) for j in range(layer.size) for i in range(layer.inputs)]
        if net.weight_rows == "inputs":      # the file's rows are inputs
            cells.sort(key=lambda cell: (cell[1], cell[0]))
        for j, i in cells:
            columns.append((net.weight_label(index, j, i), index, "w", j, i))
        for j in range(1 if layer.shared_bias else layer.size):
            columns.append((net.bias_label(index, j), index, "b", j, 0))
    return columns


def progress_table(run: Run, every: int = 1, hidden: int = 0, gap_at: int = 0) -> Table:
    """One row per shown step: loss before its update, outputs, small networks' parameters."""
    net = run.network
    params = parameter_columns(net) if net.parameter_count <= ROW_PARAMETERS else []
    online = net.update == "online" and len(net.samples) > 1
    penalised = penalty_of(net) is not None
    columns = ["iteration"] + (["sample"] if online else []) + [LOSS.column]
    columns += [PENALTY.column, COST.symbol] if penalised else []
    columns += ["outputs a"] + [W_UPDATED.named(label) for label, *_ in params]
    rows = []
    for index, step in enumerate(run.steps):
        if hidden and index == gap_at:           # the rows left out of a long run
            marker: list[Cell] = ["…"] + [None] * (len(columns) - 1)
            thin = "; --every K thins the rows" if every == 1 else ""
            marker[columns.index("outputs a")] = f"({hidden} rows not shown{thin})"
            rows.append(marker)
        row: list[Cell] = [str(step.iteration)]
        if online:
            row.append(str(step.pass_.sample_indices[0] + 1))
        row.append(step.loss)
        row += [step.penalty, step.cost] if penalised else []
        row.append(_outputs_cell(step.pass_.outputs))
        for _, layer, kind, j, i in params:
            p = step.parameters[layer]
            row.append(p.weights[j, i] if kind == "w" else p.biases[j])
        rows.append(row)
    caption = "loss and outputs before each update; ⁺ marks values after it" if params else \
        "loss and outputs before each update"
    return Table("Iterations", columns, rows, [caption], rows_chosen=True)


def parameters_table(run: Run) -> Table:
    """Parameters (rows) after each shown iteration (columns), starting from their old values.

    A run stopped in its first iteration has no step: only the "before" column."""
    net = run.network
    before = run.steps[0].before if run.steps else net.params
    columns = ["parameter", "before"] + [
        f"after {step.iteration}" + (f".{step.pass_.sample_indices[0] + 1}"
                                     if net.update == "online" and len(net.samples) > 1 else "")
        for step in run.steps]
    rows: list[list[Cell]] = []
    for label, layer, kind, j, i in parameter_columns(net):
        cell = (layer, kind, j, i)
        row: list[Cell] = [label, _pick(before, *cell)]
        rows.append(row + [_pick(s.parameters, *cell) for s in run.steps])
    return Table("Parameters", columns, rows)


def _outputs_cell(outputs: np.ndarray) -> list:
    """Outputs of the first samples as one cell: a list of vectors."""
    return [list(row) for row in outputs[:4]] + (["…"] if len(outputs) > 4 else [])


def final_section(run: Run, iterations_asked: int) -> Section:
    """What the network gives after the last update (or the last good one, if it stopped)."""
    final: Final | None = run.final
    net = run.network
    reached = run.trained.progress.iteration
    if run.stopped and reached == net.progress.iteration:
        title = "Stopped: the network as it was given (no update kept)"
    elif run.stopped:
        title = f"Stopped: the network after iteration {reached}"
    elif iterations_asked == 1 and net.update == "batch":
        title = "After the update"
    else:
        title = f"After {iterations_asked} iteration{'s' if iterations_asked != 1 else ''}"
    lines: list[Line] = [[f"stopped at {run.stopped}"]] if run.stopped else []
    if final is None:
        lines.append(["the loss is undefined for these outputs"])
        return Section(title, lines)
    lines.append([(f"loss after iteration {reached}", final.loss)])
    if penalty_of(net) is not None:
        lines.append([(f"penalty after iteration {reached}", final.penalty)])
        lines.append([(f"cost J = L + penalty after iteration {reached}",
                       final.loss + final.penalty)])
    for index, row in enumerate(final.outputs[:10]):
        who = f"sample {index + 1}: " if len(net.samples) > 1 else ""
        lines.append([f"{who}a = ", list(row)])
    if len(final.outputs) > 10:
        lines.append([f"… and {len(final.outputs) - 10} more samples"])
    return Section(title, lines)


@_quiet
def run_report(run: Run, learning_rate: float, after_step=None) -> list[Section]:
    """The whole run; ``after_step(step)`` may add sections after each step's (--explain)."""
    sections = [header(run, learning_rate)]
    for step in run.steps:
        sections += step_sections(run, step, learning_rate)
        sections += after_step(step) if after_step else []
    sections.append(final_section(run, 1))
    return sections


@_quiet
def step_report(run: Run, learning_rate: float, iterations: int, *, full: bool,
                quiet: bool, every: int = 1, hidden: int = 0,
                gap_at: int = 0, after_step=None, history=None) -> list[Section]:
    """``history`` (a curve.LossHistory) adds the loss curve at the end."""
    sections = [header(run, learning_rate)] if not quiet else []
    if full and not quiet:
        for step in run.steps:
            sections += step_sections(run, step, learning_rate)
            sections += after_step(step) if after_step else []
    elif not quiet:
        tables = [progress_table(run, every, hidden, gap_at)]
        if (ROW_PARAMETERS < run.network.parameter_count <= TABLE_PARAMETERS
                and len(run.steps) <= TABLE_ITERATIONS):
            tables.append(parameters_table(run))
        sections.append(Section("Progress", [], tables))
    sections.append(final_section(run, iterations))
    if history is not None and history.seen > 1:
        sections.append(Section("Loss over the iterations", [], [], chart=history))
    return sections
