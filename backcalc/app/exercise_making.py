"""`exercise`: hand-computable variants of one exercise, and the files around them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from ..netfile import _count


@dataclass
class ExerciseResult:
    """What ``exercise`` wrote: the folder, the variants (``exercise.search.Variant``), the
    files, the draws each variant took, the seconds spent searching and writing."""

    path: Path
    message: str
    variants: list = field(default_factory=list)
    files: list = field(default_factory=list)
    search_seconds: float = 0.0
    writing_seconds: float = 0.0

    def __repr__(self) -> str:
        return f"<ExerciseResult: {len(self.variants)} variants in {self.path}>"

    def _repr_markdown_(self) -> str:
        return self.message + "\n"


def exercise(arch: str, *, output: str | Path, activation: str | None = None,
             loss: str | None = None, learning_rate: float | None = None,
             samples: int | None = None, seed: int | str | None = None,
             decimals: int | None = None, answer_decimals: int | None = None,
             ask: str | None = None, format: str | None = None,
             max_draws: int | None = None, variants: int | None = None,
             students: str | Path | None = None, id: str | None = None,
             force: bool = False, category: str | None = None,
             progress=None) -> ExerciseResult:
    """Write an exercise of layer sizes ``arch`` (such as ``"2-2-1"``) to the folder
    ``output``: options as for `backcalc exercise`.  ``progress(done, total)`` hears of
    each variant found."""
    from ..exercise.request import ExerciseRequest, settle
    from ..exercise.search import find_variant, prepare
    from ..exercise.writing import check_targets, write_exercise
    request = ExerciseRequest(arch, str(output), activation=activation, loss=loss,
                              learning_rate=learning_rate, samples=samples, seed=seed,
                              decimals=decimals, answer_decimals=answer_decimals, ask=ask,
                              format=format, max_draws=max_draws, variants=variants,
                              students=None if students is None else str(students), id=id,
                              force=force, category=category)
    plan = settle(request)
    folder = Path(output)
    check_targets(plan, folder)
    start = time.perf_counter()
    template = prepare(plan)
    found = []
    for number, variant_id in enumerate(plan.ids):
        found.append(find_variant(plan, template, variant_id))
        if progress is not None:
            progress(number + 1, len(plan.ids))
    searched = time.perf_counter()
    report: dict = {}
    files = write_exercise(plan, template, found, folder, report)
    done = time.perf_counter()
    return ExerciseResult(folder, _summary(plan, template, found, folder, report), found,
                          files, searched - start, done - searched)


def _summary(plan, template, found: list, folder: Path, report: dict) -> str:
    count = len(found)
    draws = [variant.draws for variant in found]
    ext = plan.extension
    if plan.request.id is not None:
        only = found[0].id
        written = (f"variant {only} of a {plan.request.arch} exercise to {folder}: "
                   f"variants/{only}.yaml, sheets/{only}.{ext} and keys/{only}.{ext}")
    else:
        names = found[0].id if count == 1 else f"{found[0].id} … {found[-1].id}"
        written = (f"{count} variant{'s' if count != 1 else ''} of a {plan.request.arch} "
                   f"exercise to {folder}: variants/, sheets/ and keys/ ({names}; "
                   f"{plan.format}), asked.yaml ({_count(len(template.asked), 'value')} "
                   f"asked of each) and moodle.xml ({_count(count, 'Cloze question')}"
                   f"{_merged(report)})")
    return (f"Wrote {written}. Numbers found in {sum(draws):,} draw"
            f"{'s' if sum(draws) != 1 else ''}"
            + (f" (at most {max(draws):,} for one variant)" if count > 1 else "")
            + ". Each variant's first lines hold the command that writes it again."
            + _twins(found))


def _twins(found: list) -> str:
    """A sentence naming variants that drew the same numbers ("" when none did): each
    variant's numbers depend on its id alone, so they are not drawn again."""
    seen: dict[tuple, str] = {}
    pairs = []
    for variant in found:
        network = variant.network
        numbers = (tuple(v for layer in network.layers
                         for v in (*layer.weights.ravel(), *layer.biases.ravel())),
                   tuple(v for sample in network.samples
                         for v in (*sample.input, *sample.target)))
        if numbers in seen:
            pairs.append(f"{seen[numbers]} and {variant.id}")
        else:
            seen[numbers] = variant.id
    if not pairs:
        return ""
    return (f" Variants {'; '.join(pairs)} drew the same numbers (a network this small has "
            "few to draw from): give more --decimals, or a larger network, for more.")


def _merged(report: dict) -> str:
    merged = report.get("merged", 0)
    return (f"; {merged} slip answer{'s' if merged != 1 else ''} shared with another slip "
            "giving the same value, one alternative naming both" if merged else "")
