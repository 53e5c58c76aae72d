"""A scalar computational graph and its calculation: forward, then backward by the chain rule.

Each operation inside a node's expression is one entry of a tape, in the order a hand
calculation computes them; a node's own value is its last entry's.  Backward goes down
the tape: each entry hands its upstream gradient times each local derivative to its
operands, and a name used in several places sums what every path brings (each path's
share is kept, for the tables and ``--explain``).  Pure Python, no NumPy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from .errors import InputError
from .expressions import Apply, Constant, Expr, Name, operations
from .operations import OPERATIONS


@dataclass
class GraphNode:
    """A node of the file: its name, its expression (text and tree), where it is written."""

    name: str
    text: str
    expr: Expr
    line: int
    column: int         # where the expression's text starts in the file
    # each character's place in the file (and the end's), for a value folded over lines
    # or written with escapes (``scalar_places``); ``approximate``: no such map could be
    # made, and (line, column) is where the value starts
    places: list[tuple[int, int]] | None = None
    approximate: bool = False

    def place(self, column: int) -> tuple[int, int]:
        """The file's line and column of the expression's ``column`` (1-based)."""
        if self.places:
            return self.places[min(max(column, 1), len(self.places)) - 1]
        if self.approximate:
            return self.line, self.column
        return self.line, self.column + column - 1

    def where(self, column: int) -> str:
        """How a message names the expression's ``column``, after what it says."""
        inside = "in the expression" if self.approximate else "of"
        return f"(column {column} {inside} {self.text!r})"


@dataclass
class Graph:
    title: str
    inputs: dict[str, float]
    nodes: list[GraphNode]
    output: str
    learning_rate: float | None = None
    parameters: list[str] = field(default_factory=list)
    source: str | None = None
    source_path: object = None
    warnings: list[str] = field(default_factory=list)
    description: str | None = None
    iteration: int = 0          # updates done (a saved state's ``state: {iteration: N}``)

    def node(self, name: str) -> GraphNode:
        return next(node for node in self.nodes if node.name == name)


@dataclass
class Entry:
    """One operation computed: ``label`` is its node's name (the node's last operation)
    or ``node.k`` (the k-th operation inside it); operands are names, numbers (float)
    or earlier entries' indices wrapped in ``Ref``."""

    label: str
    node: str
    op: str
    text: str                   # the operation's part of the expression, as written
    operands: tuple
    operand_values: tuple[float, ...]
    value: float
    at: int                     # its column inside the expression (1-based)
    local: tuple[float, ...] = ()
    upstream: float = 0.0

    def share(self, k: int) -> float:
        """What operand ``k`` receives, upstream · local: 0 where nothing flows (after the
        output, or off every path to it, where a local derivative may be ∞ and 0·∞ nan)."""
        if not self.local or self.upstream == 0:
            return 0.0
        return self.upstream * self.local[k]


def _enclosed(text: str) -> bool:
    """Whether ``text`` is one parenthesized whole: ``(x - 3)``, not ``(a) + (b)``."""
    depth = 0
    for index, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and index < len(text) - 1:
            return False
    return text.startswith("(")


@dataclass(frozen=True)
class Ref:
    index: int


@dataclass
class Path:
    """What one use of a name brings to its gradient: ``share`` = upstream · local."""

    via: str            # the entry using it
    upstream: float
    local: float
    share: float


@dataclass
class Calculation:
    graph: Graph
    values: dict[str, float]            # every input and node
    entries: list[Entry]
    grads: dict[str, float] = field(default_factory=dict)
    paths: dict[str, list[Path]] = field(default_factory=dict)
    updated: dict[str, float] = field(default_factory=dict)

    @property
    def value(self) -> float:
        return self.values[self.graph.output]

    def operand_label(self, operand) -> str:
        if isinstance(operand, Ref):
            return self.entries[operand.index].label
        return operand if isinstance(operand, str) else f"{operand:g}"

    def operand_text(self, operand) -> str:
        """An operand as a message names it: a name, or an operation's sub-expression as
        written (``x - 2``), never its internal label ``f.1``."""
        if isinstance(operand, Ref):
            return self.entries[operand.index].text
        return self.operand_label(operand)

    def operand_symbol(self, operand) -> str:
        """What follows ∂ for an operand: its text, in parentheses when an operator joins
        it (``∂f/∂(x * 10)``, but ``∂f/∂x`` and ``∂f/∂sqrt(p)``)."""
        text = self.operand_text(operand)
        if isinstance(operand, Ref):
            operation = OPERATIONS[self.entries[operand.index].op]
            if (operation.infix or operation.name == "neg") and not _enclosed(text):
                return f"({text})"
        return text


def _error(graph: Graph, node: GraphNode, column: int, message: str) -> InputError:
    line, at = node.place(column)
    return InputError(f"{message} {node.where(column)}", file=graph.source,
                      line=line, column=at, field=f"nodes.{node.name}")


def forward(graph: Graph, inputs: dict[str, float] | None = None) -> Calculation:
    """Every node's value and every operation's, in order; an operation outside its
    domain (a division by zero, a log of a non-positive number) refused where it is."""
    values = dict(graph.inputs if inputs is None else inputs)
    entries: list[Entry] = []
    for node in graph.nodes:
        ops = operations(node.expr)
        counter = [0]

        def visit(expr: Expr, top: bool, node: GraphNode = node, ops: int = ops,
                  counter: list = counter):
            if isinstance(expr, Constant):
                return expr.value, expr.value
            if isinstance(expr, Name):
                return expr.name, values[expr.name]
            operands = [visit(operand, False) for operand in expr.operands]
            refs = tuple(ref for ref, _ in operands)
            numbers = tuple(number for _, number in operands)
            return _entry(graph, node, expr, refs, numbers, top, ops, counter, entries)

        if isinstance(node.expr, Apply):
            _, value = visit(node.expr, True)
        else:                               # a bare name or number: passed on
            ref, value = visit(node.expr, False)
            entries.append(Entry(node.name, node.name, "=", node.text.strip(), (ref,),
                                 (value,), value, node.expr.start + 1))
        values[node.name] = value
    return Calculation(graph, values, entries)


def _guarded(graph: Graph, node: GraphNode, at: int, text: str, arithmetic, *numbers):
    """Every arithmetic of an operation (its domain check, value, local derivatives) goes
    through here: an overflow, a division by zero or an invalid operation is refused in
    one line at the operation's place (``at``, 1-based), never a traceback."""
    try:
        return arithmetic(*numbers)
    except ZeroDivisionError:
        raise _error(graph, node, at, f"{text} divides by a number too small for a float64 "
                     "here (it underflows to 0)") from None
    except (OverflowError, ValueError):
        raise _error(graph, node, at, f"{text} is too large for a float64 here "
                     "(it overflows)") from None


def _entry(graph, node, expr: Apply, refs, numbers, top, ops, counter, entries):
    operation = OPERATIONS[expr.op]
    text = node.text[expr.start:expr.end]
    problem = _guarded(graph, node, expr.at + 1, text, operation.problem, *numbers)
    if problem:
        raise _error(graph, node, expr.at + 1, problem)
    value = float(_guarded(graph, node, expr.at + 1, text, operation.forward, *numbers))
    if not math.isfinite(value):
        raise _error(graph, node, expr.at + 1, f"{text} is too large "
                     "for a float64 here (it overflows)")
    counter[0] += 1
    label = node.name if top else f"{node.name}.{counter[0]}"
    entries.append(Entry(label, node.name, expr.op, text, refs,
                         numbers, value, expr.at + 1))
    return Ref(len(entries) - 1), value


def _not_a_float(output: str, text: str, operand: str, symbol: str, local: float,
                 singular: str | None) -> str:
    """Why a gradient through ``text`` is not a float64: the local derivative is undefined
    there (an operand at a singularity, ``singular`` says which; or nan), is itself too
    large (log at 1e-310), or the chain's product or path sum is."""
    if singular or math.isnan(local):
        reason = f" ({singular})" if singular else ""
        return (f"the derivative of {text} with respect to {operand} is undefined "
                f"here{reason}")
    if math.isinf(local):
        return (f"the derivative of {text} with respect to {operand} is too large for a "
                "float64 here (it overflows)")
    return (f"∂{output}/∂{symbol} through {text} is too large for a float64 here "
            "(it overflows)")


def backward(calc: Calculation) -> Calculation:
    """Every gradient of the output, each name's paths kept; the parameters updated.

    A local derivative that is not finite on a path to the output is refused at its
    operation, even where the upstream gradient is 0 (0·∞ is undefined); one off every
    path (a node the output does not use) is not needed and not refused."""
    graph = calc.graph
    grads = dict.fromkeys(calc.values, 0.0)
    entry_grads = [0.0] * len(calc.entries)
    paths: dict[str, list[Path]] = {name: [] for name in calc.values}
    grads[graph.output] = 1.0
    needed_names = {graph.output}               # on some path to the output
    needed_entries = [False] * len(calc.entries)
    tops = {entry.node: index for index, entry in enumerate(calc.entries)
            if entry.label == entry.node}
    output_entry = tops[graph.output]
    by_name = {node.name: node for node in graph.nodes}
    for index in range(output_entry, -1, -1):
        entry = calc.entries[index]
        top = entry.label == entry.node
        upstream = grads[entry.node] if top else entry_grads[index]
        needed = entry.node in needed_names if top else needed_entries[index]
        operation = OPERATIONS[entry.op]
        entry.local = tuple(_guarded(graph, by_name[entry.node], entry.at,
                                     f"the derivative of {entry.text}", operation.local,
                                     *entry.operand_values, entry.value))
        entry.upstream = upstream
        singular = operation.singular(*entry.operand_values)
        for k, (operand, local) in enumerate(zip(entry.operands, entry.local)):
            if isinstance(operand, float):
                continue
            named = calc.operand_text(operand), calc.operand_symbol(operand)
            if needed and not math.isfinite(local):
                raise _error(graph, by_name[entry.node], entry.at, _not_a_float(
                    graph.output, entry.text, *named, local,
                    singular[k] if k < len(singular) else None))
            share = entry.share(k)
            if not math.isfinite(share):
                raise _error(graph, by_name[entry.node], entry.at,
                             _not_a_float(graph.output, entry.text, *named, local, None))
            if isinstance(operand, Ref):
                needed_entries[operand.index] |= needed
                entry_grads[operand.index] += share
                total = entry_grads[operand.index]
            else:
                if needed:
                    needed_names.add(operand)
                grads[operand] += share
                total = grads[operand]
                paths[operand].append(Path(entry.label, upstream, local, share))
            if not math.isfinite(total):        # two paths' finite shares, summed
                raise _error(graph, by_name[entry.node], entry.at,
                             _not_a_float(graph.output, entry.text, *named, local, None))
    calc.grads = grads
    calc.paths = {name: found[::-1] for name, found in paths.items()}   # in file order
    if graph.learning_rate is not None:
        calc.updated = {name: calc.values[name] - graph.learning_rate * grads[name]
                        for name in graph.parameters}
    return calc


def advanced(calc: Calculation) -> Graph:
    """The graph after the update: its parameters at their updated values."""
    graph = calc.graph
    return replace(graph, inputs={**graph.inputs, **calc.updated},
                   iteration=graph.iteration + 1)


def diverged(calc: Calculation) -> str | None:
    """Why a run cannot go on after ``calc`` (an update that is not finite: a state
    holding it could not be read back), or None.  (A gradient that overflows is refused
    where it overflows, by ``backward``.)"""
    iteration = calc.graph.iteration + 1
    for name in calc.graph.parameters:
        if not math.isfinite(calc.updated[name]):
            return (f"iteration {iteration}: the update makes {name} = {calc.updated[name]} "
                    "(the run diverges; try a smaller learning rate)")
    return None


def calculate(graph: Graph) -> Calculation:
    return backward(forward(graph))


def output_value(graph: Graph, inputs: dict[str, float]) -> float:
    """The output at other input values (gradcheck's evaluations)."""
    return forward(graph, inputs).values[graph.output]
