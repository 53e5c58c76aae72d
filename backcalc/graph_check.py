"""`check` on a computational graph: a student's answers against the graph's calculation.

The graph's calculation is written out as a ``worked.Worked`` (``graph_worked``), and
judged by ``check``'s own machinery: the same verdicts (right, rounding, follows, wrong),
the same "numbers as written" tolerance, follow-through from the student's own earlier
values, rounding worlds, and the slip search, here over the circuit's slips (a multiply
gate not swapped, a max gate routing to the wrong input, one path only, the upstream
factor left out, a minus sign dropped) and update_sign.
"""

from __future__ import annotations

from dataclasses import replace
from typing import cast

from .answers import Answer
from .check import CheckResult, RoundedWorlds, _Values, judged
from .errors import InputError
from .graph import Calculation, Graph, advanced, calculate, diverged
from .graph_worked import GraphWorked, build, numbers_per_step
from .limits import CHECK_MAX_NUMBERS
from .network import Network
from .numbers import round_half_up
from .worked import Key, safe


def check(graph: Graph, answers: list[Answer], *, tolerance: float | None = None,
          learning_rate: float | None = None, round_decimals: int | None = None) -> CheckResult:
    """Judge ``answers`` against ``graph``'s calculation (``check.check``'s rules);
    ``round_decimals``: the calculation with every value rounded to that many places."""
    if learning_rate is not None:
        graph = replace(graph, learning_rate=learning_rate)
    first = graph.iteration + 1
    iterations = sorted({a.iteration or first for a in answers})
    calcs, stopped = _calculations(graph, answers, iterations[0], iterations[-1])
    reached = calcs[-1].graph.iteration + 1
    for answer in answers:
        if (answer.iteration or first) > reached:
            raise answer.error(f"there is no iteration {answer.iteration}: the calculation "
                               f"stops at {stopped}")
    kept = [calc for calc in calcs if calc.graph.iteration + 1 >= iterations[0]]
    worked = build(kept, round_decimals)
    placed = [(_quantity(worked, answer, first, iterations[0]), answer) for answer in answers]
    worlds = GraphRoundedWorlds(graph, worked, first, iterations[0]) \
        if tolerance is None and round_decimals is None else None
    return judged(graph, worked, placed, tolerance, worlds)


def _calculations(graph: Graph, answers: list[Answer], earliest: int,
                  last: int) -> tuple[list[Calculation], str | None]:
    """Each iteration's calculation up to ``last`` (or to where the run stops: the
    iteration that cannot be done, and why), refusing a file beyond check's limit."""
    calc = calculate(graph)           # at the file's values: a failure is the file's
    _within_budget(calc, answers, earliest, last)
    calcs = [calc]
    while calc.graph.iteration + 1 < last:
        iteration = calc.graph.iteration + 1
        stopped = diverged(calc)
        if stopped:
            return calcs, stopped
        try:
            calc = calculate(advanced(calc))
        except InputError as error:
            return calcs, f"iteration {iteration + 1}: {error.message}"
        calcs.append(calc)
    return calcs, None


def _within_budget(calc: Calculation, answers: list[Answer], earliest: int, last: int) -> None:
    """Refuse, before any more work, a file whose iterations span more than
    ``CHECK_MAX_NUMBERS`` numbers (as a network's answers are)."""
    per_iteration = numbers_per_step(calc)
    numbers = (last - earliest + 1) * per_iteration + len(calc.values)
    if numbers <= CHECK_MAX_NUMBERS:
        return
    fit = max((CHECK_MAX_NUMBERS - len(calc.values)) // per_iteration, 0)
    first = calc.graph.iteration + 1
    beyond = next(a for a in answers if (a.iteration or first) >= earliest + fit)
    span = f"iteration {earliest}" if last == earliest else f"iterations {earliest} to {last}"
    advice = (f"answer at most {fit} consecutive iterations in one file" if fit
              else "one iteration of this graph is already more than that")
    raise beyond.error(
        f"checking {span} works out about {numbers:,} numbers (every value, local "
        f"derivative, share and gradient of {len(calc.entries):,} operations), more than "
        f"check's limit of {CHECK_MAX_NUMBERS:,}; {advice}")


def _key(answer: Answer, first: int, earliest: int) -> Key:
    """The key of the quantity ``answer`` gives, in a calculation that starts at
    iteration ``earliest`` of a graph whose first is ``first``."""
    return Key((answer.iteration or first) - earliest, None, answer.kind)


def _quantity(worked: GraphWorked, answer: Answer, first: int, earliest: int):
    found = worked.index.get(_key(answer, first, earliest))
    if found is None:       # (every name has a value or a gradient in every iteration)
        raise answer.error(f"{answer.key} has no value in iteration "
                           f"{answer.iteration or first}")
    return found


class _RoundedValues(_Values):
    """A rounded calculation's values, found by a graph's answer."""

    def __init__(self, values: dict[Key, float], first: int, earliest: int):
        self.places, self.values = [], values
        self.first, self.earliest = first, earliest

    def find(self, network, answer: Answer) -> float | None:
        return self.values.get(_key(answer, self.first, self.earliest))


class GraphRoundedWorlds(RoundedWorlds):
    """The graph's calculation redone with every value rounded to N decimals, once per N
    (what a student rounding as they go gets): each quantity recomputed from its rounded
    operands and rounded in turn."""

    def __init__(self, graph: Graph, worked: GraphWorked, first: int, earliest: int):
        # (``network`` is only read by the network's own ``world``, replaced here)
        super().__init__(cast(Network, graph), [], None)
        self.worked, self.first, self.earliest = worked, first, earliest

    def world(self, decimals: int) -> _Values:
        if decimals not in self.cache:
            values: dict[Key, float] = {}
            for q in self.worked.quantities:
                values[q.key] = q.value if q.compute is None else round_half_up(
                    safe(q.compute, [values[o] for o in q.operands]), decimals)
            self.cache[decimals] = _RoundedValues(values, self.first, self.earliest)
        return self.cache[decimals]
