"""What each slip of ``check``'s catalogue gives for each asked value.

``slip_values(network, asked)`` works the network's first iteration with its slips
(``worked.build(..., with_slips=True)``) and makes each slip in every way ``check``
tries it (``check._worlds``: everywhere, in one layer, one weight for another, another
activation): for each asked value, every slip whose value differs from the right one
is a ``SlipValue`` — the slip's name, where it was made, the sentence ``check`` says of
it, and the value.  A slip that leaves a value as it is (one that does not reach it, or
is no mistake with these numbers: a symmetric matrix transposed) is not listed for it;
nor is a value a slip makes undefined (the log of a negative number); nor a slip a
second time with the same value (made in one layer, the same as made everywhere).

The exercise's search (``constraints``) and the Moodle quiz's wrong answers use it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..check import NOISE, _worlds
from ..slips import SLIPS
from ..worked import Worked, evaluate


@dataclass(frozen=True)
class SlipValue:
    slip: str                   # the catalogue's name: transposed_weights
    detail: str                 # where it was made: "w3 for w1 in layer 1", "" everywhere
    sentence: str               # what the student did, as check says it
    value: float


def sentence(slip: str, detail: str) -> str:
    """What a student making ``slip`` did, in ``check``'s words (``SLIPS``)."""
    return f"{SLIPS[slip]} ({detail})" if detail else SLIPS[slip]


def slip_values(network, asked) -> dict:
    """Each asked number (an ``asking.Asked``) → the slips that change its value, each
    with the value it gives, in the catalogue's order."""
    from ..engine import train
    from ..worked import build
    run = train(network, 1)
    return slip_values_of(build(network, run.steps[:1], with_slips=True), asked)


def slip_values_of(worked: Worked, asked) -> dict:
    """``slip_values`` of a calculation worked already (with its slips)."""
    out: dict = {item: [] for item in asked}
    if not asked:
        return out
    places = [(worked.index[item.where].key, item) for item in asked]   # its own key
    upto = max(worked.order(worked.index[where]) for where, _ in places)
    exact, _ = evaluate(worked, {}, upto=upto)
    for name, detail, world in _worlds(worked):
        values, _ = evaluate(worked, {}, world, upto=upto)
        for where, item in places:
            value = values[where]
            if not math.isfinite(value) or _same(value, exact[where]):
                continue
            if any(other.slip == name and _same(value, other.value) for other in out[item]):
                continue            # made in one layer, the same as made everywhere
            out[item].append(SlipValue(name, detail, sentence(name, detail), value))
    return out


def _same(value: float, right: float) -> bool:
    """The same number up to float64 noise (the slip changed nothing)."""
    return abs(value - right) <= NOISE * max(abs(right), 1.0)
