"""Drawing a variant's numbers until every constraint holds, a bounded number of times.

``prepare`` makes, once for the exercise, the network every draw fills in (its file
read back, so names and settings are the file's) and the numbers asked; ``find_variant``
draws from the variant's generator, checks each draw's whole calculation
(``constraints``) and keeps the first draw that passes: numbers are drawn again, never
adjusted.  After --max-draws draws it stops with one line naming the constraint that
failed most often.  The kept draw's file is read back and its calculation worked out
again from the file, so everything written after comes from the file as ``run`` reads it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from ..errors import InputError
from .asking import Asked, plan
from .constraints import CONSTRAINTS, Calculation, first_failing
from .drawing import Draw, draw, generator
from .request import Exercise
from .slip_values import SlipValue, slip_values_of
from .variant_file import variant_text

if TYPE_CHECKING:
    from ..worked import Worked


@dataclass
class Template:
    """What every variant of an exercise shares: the network's shape and settings, and
    the numbers asked of it."""

    network: object                    # network.Network, numbers to be replaced
    asked: list[Asked]
    misses: dict = field(default_factory=dict)   # ``Calculation.misses``, shared
    skeleton: Worked | None = None     # with slips, to refill (``constraints.refilled``)
    worlds: list | None = None         # the skeleton's slip worlds


@dataclass
class Variant:
    id: str
    text: str                          # the network file
    network: object                    # read back from ``text``
    draws: int                         # the draw kept (1: the first)
    worked: object                     # worked.Worked of its first iteration, with slips
    values: dict[Asked, float]           # each asked number's value
    slips: dict[Asked, list[SlipValue]]  # each asked number's slips that change it


def prepare(exercise: Exercise) -> Template:
    """The exercise's ``Template`` (from numbers that are never used: every 0.5)."""
    from ..engine import train
    from ..losses import LOSSES
    from ..netfile import parse_network_text
    from ..worked import build
    sizes = exercise.sizes
    pairs = list(zip(sizes, sizes[1:]))
    import numpy as np
    kind = LOSSES[exercise.loss].target_kind
    numbers = Draw([np.full((n_out, n_in), 0.5) for n_in, n_out in pairs],
                   [np.full(n_out, 0.5) for _, n_out in pairs],
                   np.full((exercise.samples, sizes[0]), 0.5),
                   np.array([_placeholder_target(kind, sizes[-1])] * exercise.samples))
    network = parse_network_text(variant_text(exercise, "template", numbers, 1))
    from ..check import _worlds
    worked = build(network, train(network, 1).steps[:1], with_slips=True)
    return Template(network, plan(worked, exercise.ask), skeleton=worked,
                    worlds=_worlds(worked))


def _placeholder_target(kind: str, size: int) -> list[float]:
    return [1.0] + [0.0] * (size - 1) if kind == "one-hot" else [1.0] * size


def filled(network, numbers: Draw):
    """``network`` with the numbers of ``numbers`` (its settings and names unchanged)."""
    from ..network import Sample
    layers = [replace(layer, weights=w, biases=b)
              for layer, w, b in zip(network.layers, numbers.weights, numbers.biases)]
    samples = [Sample(x, y) for x, y in zip(numbers.inputs, numbers.targets)]
    return replace(network, layers=layers, samples=samples)


def find_variant(exercise: Exercise, template: Template, variant_id: str) -> Variant:
    """The first draw of the variant's generator that meets every constraint."""
    from ..engine import train
    from ..losses import LOSSES
    rng = generator(exercise.seed, exercise.seed_key(variant_id))
    kind = LOSSES[exercise.loss].target_kind
    unit = 10.0 ** -exercise.answer_decimals
    failed: Counter = Counter()
    for number in range(1, exercise.max_draws + 1):
        numbers = draw(rng, exercise.sizes, exercise.samples, exercise.decimals, kind)
        network = filled(template.network, numbers)
        calc = Calculation(network, train(network, 1), template.asked, unit, template.misses,
                           template.skeleton, template.worlds)
        failing = first_failing(calc)
        if failing is None:
            return _kept(exercise, template, variant_id, numbers, number)
        failed[failing.name] += 1
    raise _unmet(exercise, template.network, variant_id, failed)


def _kept(exercise: Exercise, template: Template, variant_id: str, numbers: Draw,
          number: int) -> Variant:
    from ..engine import train
    from ..netfile import parse_network_text
    text = variant_text(exercise, variant_id, numbers, number)
    network = parse_network_text(text, f"variants/{variant_id}.yaml")
    calc = Calculation(network, train(network, 1), template.asked, 0.0)
    worked = calc.worked
    values = {item: worked.index[item.where].value for item in template.asked}
    return Variant(variant_id, text, network, number, worked, values,
                   slip_values_of(worked, template.asked))


def _unmet(exercise: Exercise, network, variant_id: str, failed: Counter) -> InputError:
    name, count = failed.most_common(1)[0]
    constraint = next(c for c in CONSTRAINTS if c.name == name)
    advice = constraint.advice(network, exercise.samples, exercise.answer_decimals)
    return InputError(f"no numbers met every constraint in {exercise.max_draws:,} draws; "
                      f"the one failing most: {constraint.failure} ({count:,} of the draws); "
                      f"{advice}", field=f"variant {variant_id}")
