"""`gradcheck` on a computational graph: each input's gradient of the output against a
central difference, (f(θ + h) − f(θ − h)) / 2h.  Pure Python."""

from __future__ import annotations

from dataclasses import dataclass

from .document import Section, Table
from .errors import InputError
from .graph import Graph, calculate, output_value

STEP = 1e-6         # h = STEP · max(1, |θ|)
RTOL = 1e-5         # a relative error above this is a mismatch …
ATOL = 1e-7         # … when the two also differ by more than this


@dataclass
class InputCheck:
    name: str
    analytic: float
    numeric: float
    relative_error: float
    ok: bool


@dataclass
class GraphCheck:
    graph: Graph
    checks: list[InputCheck]

    @property
    def mismatches(self) -> list[InputCheck]:
        return [check for check in self.checks if not check.ok]


def check(graph: Graph) -> GraphCheck:
    calc = calculate(graph)
    checks = []
    for name, value in graph.inputs.items():
        h = STEP * max(1.0, abs(value))
        try:
            up = output_value(graph, {**graph.inputs, name: value + h})
            down = output_value(graph, {**graph.inputs, name: value - h})
        except InputError as error:
            raise error.also(f"(moving {name} by ±{h:g} for the finite difference)") from None
        numeric = (up - down) / (2 * h)
        analytic = calc.grads[name]
        difference = abs(analytic - numeric)
        relative = difference / max(abs(analytic), abs(numeric), 1e-8)
        checks.append(InputCheck(name, analytic, numeric, relative,
                                 relative <= RTOL or difference <= ATOL))
    return GraphCheck(graph, checks)


def report(result: GraphCheck) -> list[Section]:
    graph = result.graph
    how = [[f"numeric = ({graph.output}(θ + h) − {graph.output}(θ − h)) / 2h, "
            f"h = {STEP:g}·max(1, |θ|), for each input θ"],
           [f"relative error = |a − n| / max(|a|, |n|, 1e-8); mismatch: above {RTOL:g} and "
            f"differing by more than {ATOL:g} (a kink of relu, abs, max or min may do that)"]]
    rows = [[c.name, c.analytic, c.numeric, c.relative_error, "ok" if c.ok else "MISMATCH"]
            for c in result.checks]
    table = Table("Gradients", ["input", "analytic", "numeric", "relative error", "status"],
                  rows)
    bad = len(result.mismatches)
    summary = (f"all {len(rows)} gradients agree" if not bad
               else f"{bad} of {len(rows)} gradients disagree")
    return [Section(graph.title), Section("Gradient check", how, [table]),
            Section("Result", [[summary]])]


def document(result: GraphCheck) -> dict:
    return {"graph": result.graph.title, "output": result.graph.output,
            "passed": not result.mismatches,
            "inputs": [{"name": c.name, "analytic": c.analytic, "numeric": c.numeric,
                        "relative_error": c.relative_error, "ok": c.ok}
                       for c in result.checks]}
