"""What `run` shows of a computational graph: its tables, ``--explain``'s chain rule, its
JSON (SPEC's shape) and CSV rows.  Builds documents only; the formats draw them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .document import Formula as FormulaLine, Number, Op, Section, Table, Text
from .graph import Calculation, Entry, Ref
from .operations import OPERATIONS

CSV_COLUMNS = ["name", "quantity", "value"]


def _operands(calc: Calculation, entry: Entry) -> list[tuple[int, Any, str]]:
    """(its index, operand, label) of each operand that is not a number."""
    return [(k, operand, calc.operand_label(operand))
            for k, operand in enumerate(entry.operands) if not isinstance(operand, float)]


def run_sections(calc: Calculation, explain: bool = False) -> list[Section]:
    graph = calc.graph
    about = [[f"output: {graph.output} = {graph.node(graph.output).text}"],
             ["backward: each operation hands upstream · local derivative to each operand; "
              "a name used in several places sums its paths"]]
    sections = [Section(graph.title, about)]
    sections.append(Section("Forward", tables=[_forward_table(calc)]))
    sections.append(Section("Backward", tables=[_backward_table(calc)]))
    sections.append(Section("Gradients", tables=[_gradient_table(calc)]))
    if graph.parameters:
        eta = graph.learning_rate
        sections.append(Section("Update", [[f"θ ← θ − η·∂{graph.output}/∂θ, η = {eta:g}"]],
                                [_update_table(calc)]))
    if explain:
        sections.append(Section("Chain rule, step by step", explain_lines(calc)))
    return sections


def _forward_table(calc: Calculation) -> Table:
    rows: list[list] = [[name, "input", value] for name, value in calc.graph.inputs.items()]
    for entry in calc.entries:
        rows.append([entry.label, entry.text, entry.value])
    return Table("Forward: every value", ["node", "expression", "value"], rows)


def _backward_table(calc: Calculation) -> Table:
    out = calc.graph.output
    rows: list[list[Any]] = []
    for entry in reversed(calc.entries):
        if not entry.local:
            continue            # after the output: not on its way
        for k, _operand, label in _operands(calc, entry):
            rule = f"∂{entry.label}/∂{label}"
            rows.append([entry.label, entry.text, rule, entry.local[k], entry.upstream,
                         entry.share(k)])
    return Table(f"Backward: upstream ∂{out}/∂node times each local derivative",
                 ["node", "expression", "local", "value", f"upstream ∂{out}/∂node",
                  "share"], rows)


def _gradient_table(calc: Calculation) -> Table:
    out = calc.graph.output
    rows: list[list[Any]] = []
    for name in calc.values:
        paths = calc.paths.get(name, [])
        if name == out:
            how = "1 (the output)"
        elif not paths:
            how = "0 (not used on the way to the output)"
        elif len(paths) == 1:
            how = f"via {paths[0].via}"
        else:
            how = " + ".join(f"{_n(p.share)} via {p.via}" for p in paths)
        rows.append([name, calc.values[name], calc.grads[name], how])
    return Table(f"Gradients: ∂{out}/∂name, the sum over its paths",
                 ["name", "value", f"∂{out}/∂name", "paths"], rows)


def _update_table(calc: Calculation) -> Table:
    rows: list[list[Any]] = [[name, calc.values[name], calc.grads[name], calc.updated[name]]
            for name in calc.graph.parameters]
    return Table("Parameters updated", ["parameter", "value", "gradient", "updated"], rows)


def _n(value: float) -> str:
    text = f"{value:.6g}"
    return text.replace("-", "−")


def explain_lines(calc: Calculation) -> list[list]:
    """Forward, each operation with its numbers; then every chain-rule step:
    ∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4, and each sum of paths."""
    out = calc.graph.output
    lines: list[list] = [["Forward:"]]
    for entry in calc.entries:
        substituted = _substituted(calc, entry)
        lines.append([FormulaLine((Text(entry.label),), (Text(entry.text),), substituted,
                                  entry.value)])
    lines.append(["Backward:"])
    lines.append([f"∂{out}/∂{out} = 1 (the output)"])
    summed: set[str] = set()
    for entry in reversed(calc.entries):
        if not entry.local:
            continue
        if entry.label == entry.node and len(calc.paths.get(entry.node, [])) > 1:
            # its paths are all written above (only later operations use a node): their
            # sum first, so that the lines below use a number already written
            lines.append(_sum_of_paths(calc, entry.node))
            summed.add(entry.node)
        for k, operand, label in _operands(calc, entry):
            names = dict(zip("ab", (calc.operand_label(o) for o in entry.operands)))
            rule = OPERATIONS[entry.op].rules[k].format(**names)
            share = entry.share(k)
            several = not isinstance(operand, Ref) and len(calc.paths.get(label, [])) > 1
            via = f" via {entry.label}" if several else ""
            lines.append([FormulaLine(
                (Text(f"∂{out}/∂{label}{via}"),),
                (Text(f"∂{out}/∂{entry.label}"), Op(" · "), Text(f"∂{entry.label}/∂{label}")),
                (Number(entry.upstream, bare=True), Op(" · "), Number(entry.local[k])),
                share, f"∂{entry.label}/∂{label} = {rule}" if entry.op != "=" else "")])
    lines += [_sum_of_paths(calc, name) for name, paths in calc.paths.items()
              if len(paths) > 1 and name not in summed]        # the inputs'
    return lines


def _sum_of_paths(calc: Calculation, name: str) -> list:
    """∂f/∂q = 12 + 14 = 26: a name's gradient, the sum of its paths' shares."""
    paths = calc.paths[name]
    symbol = (Text(f"∂{calc.graph.output}/∂{name}"),)
    parts: list = []
    for index, path in enumerate(paths):
        if index:
            parts.append(Op(" + "))
        parts.append(Number(path.share, bare=index == 0))
    return [FormulaLine(symbol, tuple(parts), tuple(parts), calc.grads[name],
                        f"{name} is used {len(paths)} times: its paths add up")]


def _substituted(calc: Calculation, entry: Entry) -> tuple:
    values = [Number(v) for v in entry.operand_values]
    op = OPERATIONS[entry.op]
    if op.infix:
        return (values[0], Op(" · " if entry.op == "*" else f" {entry.op} "), values[1])
    if entry.op == "neg":       # −(0.88), so that it reads apart from the value −0.88
        return (Op("−("), Number(entry.operand_values[0], bare=True), Op(")"))
    if entry.op == "=":
        return (Number(entry.operand_values[0], bare=True),)
    parts: list = [Text(entry.op), Op("(")]
    for index, value in enumerate(entry.operand_values):
        if index:
            parts.append(Op(", "))
        parts.append(Number(value, bare=True))
    return (*parts, Op(")"))


def run_document(calc: Calculation) -> dict:
    """SPEC's JSON: every input and named node (inputs first, then nodes in file order)."""
    graph = calc.graph
    nodes: list[dict] = [{"name": name, "value": value + 0.0, "grad": calc.grads[name] + 0.0}
                         for name, value in graph.inputs.items()]
    nodes += [{"name": node.name, "expression": node.text, "value": calc.values[node.name],
               "grad": calc.grads[node.name] + 0.0} for node in graph.nodes]
    return {"graph": graph.title, "output": graph.output, "value": calc.value,
            "nodes": nodes,
            "parameters": [{"name": name, "value": calc.values[name],
                            "grad": calc.grads[name] + 0.0, "updated": calc.updated[name]}
                           for name in graph.parameters]}


def run_rows(calc: Calculation) -> Iterator[list]:
    """CSV: ``name, quantity, value``: each value and gradient, then each updated parameter."""
    for name, value in calc.values.items():
        yield [name, "value", value]
        yield [name, "grad", calc.grads[name] + 0.0]
    for name in calc.graph.parameters:
        yield [name, "updated", calc.updated[name]]


STEP_CSV_COLUMNS = ["iteration", "name", "quantity", "value"]


def step_sections(calcs: list[Calculation], last: int) -> list[Section]:
    """One row per iteration: the output's value, then each parameter and its gradient
    (before the update); the parameters after the last update."""
    graph = calcs[0].graph
    out = graph.output
    columns = ["iteration", out]
    for name in graph.parameters:
        columns += [name, f"∂{out}/∂{name}"]
    rows: list[list[Any]] = []
    for calc in calcs:
        row: list[Any] = [calc.graph.iteration + 1, calc.value]
        for name in graph.parameters:
            row += [calc.values[name], calc.grads[name]]
        rows.append(row)
    final = calcs[-1]
    after: list = [f"iteration {last}: "]
    for index, name in enumerate(graph.parameters):
        after += [", "] if index else []
        after.append((name, final.updated[name]))
    return [Section(graph.title, [[f"θ ← θ − η·∂{out}/∂θ, η = {graph.learning_rate:g}, "
                                   f"for {', '.join(graph.parameters)}"]]),
            Section("Iterations", tables=[Table("Each iteration, before its update", columns,
                                                rows)]),
            Section("After the last update", [after])]


def step_document(calcs: list[Calculation]) -> dict:
    """Each iteration's run document (SPEC's graph shape) with its number."""
    graph = calcs[0].graph
    return {"graph": graph.title, "output": graph.output,
            "steps": [{"iteration": calc.graph.iteration + 1, **_without_title(calc)}
                      for calc in calcs]}


def _without_title(calc: Calculation) -> dict:
    document = run_document(calc)
    del document["graph"], document["output"]
    return document


def step_rows(calcs: list[Calculation]) -> Iterator[list]:
    for calc in calcs:
        for row in run_rows(calc):
            yield [calc.graph.iteration + 1, *row]
