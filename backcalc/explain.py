"""``--explain``: every value of a step with its formula and the numbers substituted.

The lines come from ``worked`` (one per quantity, in the order a hand calculation
goes), each a ``document.Formula`` made by ``equations``, and are grouped into
sections by phase: forward pass, loss, backward pass and gradients per layer, update.
``layer``/``neuron`` keep only the quantities of one layer or one neuron number (and
then write every term of long sums).
"""

from __future__ import annotations

from dataclasses import dataclass

from .document import Section
from .engine import Run, Step
from .equations import Equations
from .quantities import PHASES  # quantity kinds → phase; anything else is the update
from .worked import MAX_TERMS, Quantity, build


@dataclass
class Selection:
    """Which quantities to explain: all, one layer's (1-based), one neuron number's."""

    layer: int | None = None
    neuron: int | None = None          # in the file's numbering (index_base)

    def __contains__(self, q: Quantity) -> bool:
        key = q.key
        if key.kind in ("loss", "sample_loss", "penalty", "cost"):
            return self.layer is None and self.neuron is None
        if self.layer is not None and key.layer != self.layer - 1:
            return False
        return self.neuron is None or key.neuron == self.neuron

    @property
    def everything(self) -> bool:
        return self.layer is None and self.neuron is None


def explain_sections(run: Run, step: Step, selection: Selection) -> list[Section]:
    net = run.network
    neuron = None if selection.neuron is None else selection.neuron - net.index_base
    chosen = Selection(selection.layer, neuron)
    worked = build(net, [step], run.trained.learning_rate,
                   limit=MAX_TERMS if selection.everything else None)
    equations = Equations(worked)
    label = f"Iteration {step.iteration}"
    if net.update == "online" and len(net.samples) > 1:
        label += f", sample {step.pass_.sample_indices[0] + 1}"
    sections: list[Section] = []
    title = None
    for q in worked.quantities:
        if q.is_leaf or q not in chosen or q.key.step is None:
            continue
        phase = PHASES.get(q.key.kind, "update")
        if phase in ("backward pass", "gradients"):
            phase += f", layer {q.key.layer + 1}"
        heading = f"{label}, worked: {phase}"
        if heading != title:
            sections.append(Section(heading, level=2))
            title = heading
        sections[-1].lines.append([equations.equation(q)])
    if not sections:
        sections.append(Section(f"{label}, worked", [["nothing matches --layer/--neuron"]],
                                level=2))
    return sections
