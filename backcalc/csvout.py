"""CSV for spreadsheets: one row per value, at full float64 precision.

A run's rows are ``iteration, sample, layer, quantity, index, value``: every
input, target, z, a, ∂L/∂a, f′, δ and sample loss of every step, the step's
loss, gradients and updated parameters, and the final loss and outputs.  With an L2
penalty a step also has ``penalty``, ``cost`` and the cost's gradients ``dJ_dW``/``dJ_db``
(``dL_dW``/``dL_db`` stay the data loss's), and the run ``final_penalty``.  Layers
count from 1 (the input is layer 0); ``index`` is a neuron, or ``row,column``
of a weight matrix in the file's orientation, in the file's numbering
(``index_base``).  A step's own rows (loss, gradients, parameters) leave
``sample`` empty in batch mode; an online step names the sample it learnt
from.  Other commands' results (check, gradcheck) are a table of
records, one column per field.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

import numpy as np

from .document import visible
from .engine import Run
from .penalties import penalty_of
from .quantities import (
    B_UPDATED,
    COST,
    DJ_DB,
    DJ_DW,
    DL_DB,
    DL_DW,
    FINAL,
    INPUT,
    LOSS,
    PENALTY,
    PER_NEURON,
    SAMPLE_LOSS,
    TARGET,
    W_UPDATED,
    A,
)

RUN_COLUMNS = ["iteration", "sample", "layer", "quantity", "index", "value"]
NEURON_ROWS = [(q.csv_name, q.trace_attribute) for q in PER_NEURON if q.csv]
"""(quantity name in the CSV, LayerTrace attribute) for each neuron's values."""


def run_rows(run: Run) -> Iterator[list]:
    net = run.network
    base = net.index_base
    last_layer = len(net.layers)
    penalised = penalty_of(net) is not None
    for step in run.steps:
        p = step.pass_
        for row, sample in enumerate(p.sample_indices):
            where = [step.iteration, sample + 1]
            yield from _vector(where, 0, INPUT.csv_name, p.inputs[row], base)
            yield from _vector(where, last_layer, TARGET.csv_name, p.targets[row], base)
            for index, trace in enumerate(p.layers):
                for name, attribute in NEURON_ROWS:
                    values = getattr(trace, attribute)
                    if values is not None:        # softmax has no element-wise f′
                        yield from _vector(where, index + 1, name, values[row], base)
            yield where + ["", SAMPLE_LOSS.csv_name, "", _value(p.losses[row])]
        # An online update is one sample's: its rows name the sample, so updates differ.
        update = [step.iteration, p.sample_indices[0] + 1 if net.update == "online" else ""]
        yield update + ["", LOSS.csv_name, "", _value(step.loss)]
        blocks = [((DL_DW, DL_DB), step.data_gradients)]
        if penalised:       # the L2 penalty: J's rows, ∂J/∂θ beside ∂L/∂θ
            yield update + ["", PENALTY.csv_name, "", _value(step.penalty)]
            yield update + ["", COST.csv_name, "", _value(step.cost)]
            blocks.append(((DJ_DW, DJ_DB), step.gradients))
        for (weights, biases), params in blocks + [((W_UPDATED, B_UPDATED), step.parameters)]:
            for index, layer in enumerate(net.params_document(params)):
                yield from _matrix(update, index + 1, weights.csv_name, layer["weights"], base)
                yield from _vector(update, index + 1, biases.csv_name, layer["biases"], base)
    if run.final is not None:
        reached = run.trained.progress.iteration
        yield [reached, "", "", FINAL + LOSS.csv_name, "", _value(run.final.loss)]
        if penalised:
            yield [reached, "", "", FINAL + PENALTY.csv_name, "", _value(run.final.penalty)]
        for sample, outputs in enumerate(run.final.outputs):
            yield from _vector([reached, sample + 1], last_layer, FINAL + A.csv_name, outputs, base)


def _value(number) -> float:
    return float(number) + 0.0          # −0.0 written as 0.0, as in the JSON


def _vector(where: list, layer: int, quantity: str, values: Iterable, base: int) -> Iterator[list]:
    for index, value in enumerate(values):
        yield where + [layer, quantity, index + base, _value(value)]


def _matrix(where: list, layer: int, quantity: str, rows: list, base: int) -> Iterator[list]:
    for r, row in enumerate(np.asarray(rows, dtype=float)):
        for c, value in enumerate(row):
            yield where + [layer, quantity, f"{r + base},{c + base}", _value(value)]


def record_rows(records: list[dict]) -> tuple[list[str], Iterator[list]]:
    """A list of flat records (check's results, gradcheck's parameters) as columns and rows."""
    columns: list[str] = []
    for record in records:
        columns += [key for key in record if key not in columns]
    return columns, ([record.get(key) for key in columns] for record in records)


def write(stream, columns: list[str], rows: Iterable[list]) -> None:
    """The rows as CSV; text from the user's file (a name) with its control characters
    and line breaks as visible escapes (``document.visible``), as every format shows it."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow([visible(column) for column in columns])
    for row in rows:
        writer.writerow(["" if cell is None else visible(cell) if isinstance(cell, str)
                         else cell for cell in row])
