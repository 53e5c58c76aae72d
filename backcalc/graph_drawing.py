"""`backcalc show` on a computational graph: the circuit drawn as a hand drawing does.

The inputs stand in the first column, on the left; every operation (each entry of the
calculation's tape: a node, or one operation inside a node's expression, ``f.1``) is a
gate, a box in the column after the latest of its operands; the node's own name closes
the drawing on the right.  A wire runs from each value to every gate that uses it (a
value used twice has two wires), and each wire carries two numbers as CS231n's figures
do: its value above it, its gradient below it (∂out/∂value, the share that flows back
along that wire).  A number written in the expression is shown inside its gate.

The columns are laid out here for the width given: a wire that skips columns runs
straight through them; between two columns each value that must change rows gets a
vertical track of its own.  When a gate per operation is too wide, a gate per node (its
expression inside) is tried; a drawing still too wide, of more than ``MAX_GATES``
gates, or whose wires cannot be routed without two of them sharing a segment, is
listed as tables instead.  Plain text, nothing read as markup; the labels ``Styled``
(green values, red gradients on a colour terminal).  Nothing printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rich.cells import cell_len

from .document import Line, Number, Op, Section, Styled, Table, plain
from .graph import Calculation, Ref
from .numbers import format_exact, format_number
from .operations import FUNCTIONS, OPERATIONS

MARGIN = " "
TRACK = 2         # columns per vertical track between two columns of the drawing
MAX_GATES = 100   # a graph of more operations (and nodes) is listed, not drawn
MAX_SUMS = 20     # values whose sum of shares is written under the drawing
MAX_TERMS = 4     # shares written at each end of a longer sum
VALUE_STYLE = "green"       # on a terminal, as CS231n's figures colour them
GRADIENT_STYLE = "red"


class Tangled(Exception):
    """The wires between two columns cannot be routed without sharing a segment."""


# --- what is drawn ---------------------------------------------------------------

@dataclass
class Wire:
    """One use of a value: from its producer to a port of a gate (or to the end)."""

    source: str                 # an input's name or an entry's label
    value: float
    grad: float


@dataclass
class Item:
    """Something standing in a column: an input, a gate, a wire passing through, an end."""

    kind: str                   # "input", "gate", "through", "end"
    key: str                    # the value it stands for (a source's label)
    text: str = ""              # an input's or end's name; a gate's operation
    title: str = ""             # a gate's label
    ports: list[Wire] = field(default_factory=list)    # what enters (gates: one per operand)
    order: float = 0.0
    top: int = 0

    @property
    def height(self) -> int:
        return max(3, 3 * len(self.ports)) if self.kind == "gate" else 1

    @property
    def entries(self) -> list[int]:
        """Rows (in the column) where wires enter."""
        if self.kind == "gate":
            return [self.top + 1 + 3 * k for k in range(len(self.ports))]
        return [] if self.kind == "input" else [self.top]

    @property
    def exit(self) -> int:
        """The row the item's value leaves from on the right."""
        if self.kind == "gate":
            return self.top + (1 + max(1, 3 * len(self.ports) - 2)) // 2
        return self.top

    def labelled(self) -> bool:
        return self.kind in ("gate", "end")


_PREFIX = {"neg": "-", "=": ""}
"""How the operations that are neither infix nor functions are written before their
operand: unary minus, and a node that only passes a name or a number on."""


def gate_text(calc: Calculation, index: int) -> str:
    """An entry as its operation on its operands' labels: ``q * z``, ``exp(e.1)``,
    ``-s``; a number as written in the file (``0.1``, not a rounded form)."""
    entry = calc.entries[index]
    names = [format_exact(operand) if isinstance(operand, float) else
             calc.operand_label(operand) for operand in entry.operands]
    if OPERATIONS[entry.op].infix:
        return f"{names[0]} {entry.op} {names[1]}"
    if entry.op in FUNCTIONS:
        return f"{entry.op}({', '.join(names)})"
    return _PREFIX[entry.op] + names[0]


def _gates(calc: Calculation, fused: bool) -> list[Item]:
    """A gate per operation in the order computed; ``fused``: a gate per node instead, its
    expression inside and a port for each use of a name in it."""
    entries = calc.entries
    gates: list[Item] = []
    for index, entry in enumerate(entries):
        ports = []
        for k, operand in enumerate(entry.operands):
            if isinstance(operand, float) or (fused and isinstance(operand, Ref)):
                continue
            # (a node's name stands for its last operation, whose label it is)
            source = entries[operand.index].label if isinstance(operand, Ref) else operand
            ports.append(Wire(source, entry.operand_values[k],
                              entry.share(k)))
        if not fused:
            gates.append(Item("gate", entry.label, gate_text(calc, index), entry.label, ports,
                              order=index))
        elif gates and gates[-1].key == entry.node:       # (a node's entries stand together)
            gates[-1].ports += ports
        else:
            gates.append(Item("gate", entry.node, "", entry.node, ports, order=index))
        if fused and entry.label == entry.node:
            gates[-1].text = calc.graph.node(entry.node).text.strip()
    return gates


def _columns(calc: Calculation, fused: bool = False) -> list[list[Item]]:
    """The items of every column, left to right: inputs, gates by depth, the ends (an
    input no node uses is left out: ``_unused`` writes it under the drawing)."""
    tops = {entry.node for entry in calc.entries if entry.label == entry.node}
    layer: dict[str, int] = dict.fromkeys(calc.graph.inputs, 0)
    uses: dict[str, list[int]] = {}          # a source's label → the layers using it
    gates = _gates(calc, fused)
    for gate in gates:
        layer[gate.key] = 1 + max((layer[w.source] for w in gate.ports), default=0)
        for wire in gate.ports:
            uses.setdefault(wire.source, []).append(layer[gate.key])
    last = max(layer.values()) + 1
    # A gate whose value nothing uses ends the drawing, its node's name written there.
    ends = []
    for gate in gates:
        if gate.key not in uses and gate.key in tops:       # (a node's last operation)
            ends.append(Item("end", gate.key, gate.key, ports=[
                Wire(gate.key, calc.values[gate.key], calc.grads.get(gate.key, 0.0))],
                order=gate.order))
            uses[gate.key] = [last]
    columns: list[list[Item]] = [[] for _ in range(last + 1)]
    for position, name in enumerate(calc.graph.inputs):
        if name in uses:
            columns[0].append(Item("input", name, name, order=position))
    for gate in gates:
        columns[layer[gate.key]].append(gate)
    columns[last] += ends
    for source, used in uses.items():        # wires running through the columns between
        for through in range(layer[source] + 1, max(used)):
            columns[through].append(Item("through", source))
    return columns


# --- where everything stands -----------------------------------------------------

def _arrange(columns: list[list[Item]]) -> None:
    """Order each column by where its wires come from (so that wires cross little), then
    set each item's top row: as level with its sources as the items above it allow."""
    rows: dict[tuple[int, str], int] = {}
    for c, column in enumerate(columns):
        if c:
            def sources(item: Item, c: int = c) -> list[int]:
                keys = [w.source for w in item.ports] if item.kind in ("gate", "end") \
                    else [item.key]
                return [rows[(c - 1, key)] for key in keys]
            column.sort(key=lambda item: (sum(sources(item)) / len(sources(item))
                                          if sources(item) else -1, item.order))
        below = 1                      # row 0 stays free for a label above
        exits = {item.exit: item.key for item in columns[c - 1]} if c else {}
        previous: Item | None = None
        for item in column:
            gap = 2 if previous is not None and previous.height == 1 and item.height == 1 \
                and item.kind != "input" else 1
            lowest = below + (gap if previous is not None else 0)
            wanted = lowest
            if c and item.entries:
                want = [rows[(c - 1, w.source if item.kind != "through" else item.key)]
                        - (entry - item.top)
                        for w, entry in zip(item.ports or [Wire(item.key, 0, 0)],
                                            item.entries)]
                wanted = round(sum(want) / len(want))
            item.top = max(lowest, wanted)
            # a wire may not enter on a row another value leaves on (the two would
            # share that row's segment): moved down until it does not
            while c and any(exits.get(row, key) != key for row, key in _entering(item)):
                item.top += 1
            below = item.top + item.height - 1
            previous = item
            rows[(c, item.key)] = item.exit
    if len(columns) > 1:
        _level_inputs(columns[0], columns[1])


def _entering(item: Item) -> list[tuple[int, str]]:
    """(row, the value entering there) of each wire entering ``item``."""
    wires = item.ports if item.kind in ("gate", "end") else [Wire(item.key, 0, 0)]
    return [(row, wire.source) for wire, row in zip(wires, item.entries)]


def _level_inputs(inputs: list[Item], after: list[Item]) -> None:
    """The inputs moved level with the first row each enters in the next column, as a
    hand drawing starts each input's wire straight at its gate (their order kept when
    they would meet)."""
    first: dict[str, int] = {}
    entering: dict[int, str] = {}
    for item in after:
        for row, source in _entering(item):
            first.setdefault(source, row)
            entering[row] = source
    inputs.sort(key=lambda item: (first.get(item.key, math.inf), item.order))
    below = -1
    for item in inputs:
        item.top = max(first.get(item.key, below + 2), below + 2)
        while entering.get(item.top, item.key) != item.key:     # (as in _arrange)
            item.top += 1
        below = item.top


# --- drawing ----------------------------------------------------------------------

def _column_width(column: list[Item]) -> int:
    widths = [0]
    for item in column:
        if item.kind == "input":
            widths.append(cell_len(item.text) + 2)
        elif item.kind == "gate":
            widths.append(_box_width(item) + 1)
        elif item.kind == "end":
            widths.append(cell_len(item.text) + 2)
    return max(widths)


def _box_width(item: Item) -> int:
    return max(cell_len(item.text) + 4, cell_len(item.title) + 6)


def _column_rows(column: list[Item], width: int, height: int) -> list[str]:
    rows = [" " * width] * height
    for item in column:
        if item.kind == "input":
            rows[item.top] = item.text + " " + "─" * (width - cell_len(item.text) - 1)
        elif item.kind == "through":
            rows[item.top] = "─" * width
        elif item.kind == "end":
            rows[item.top] = _pad("▶ " + item.text, width)
        else:
            box = _box_width(item)
            top = "┌─ " + item.title + " "
            rows[item.top] = _pad(top + "─" * (box - 1 - cell_len(top)) + "┐", width)
            ports = item.entries
            for r in range(item.top + 1, item.top + item.height - 1):
                left = "┤" if r in ports else "│"
                inner = item.text if r == item.exit else ""
                right = "├" + "─" * (width - box) if r == item.exit else "│"
                rows[r] = _pad(left + " " + _pad(inner, box - 4) + " " + right, width)
            rows[item.top + item.height - 1] = _pad("└" + "─" * (box - 2) + "┘", width)
    return rows


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - cell_len(text), 0)


# Box-drawing character of a cell of a gap, by its (up, down, left, right) arms.
_ARMS: dict[tuple[bool, ...], str] = {
    (True, True, True, True): "┼", (True, True, True, False): "┤",
    (True, True, False, True): "├", (True, True, False, False): "│",
    (False, True, True, True): "┬", (False, True, True, False): "┐",
    (False, True, False, True): "┌", (True, False, True, True): "┴",
    (True, False, True, False): "┘", (True, False, False, True): "└",
    (False, False, True, True): "─", (False, False, True, False): "─",
    (False, False, False, True): "─",
}


def _gap(left: list[Item], right: list[Item], height: int, precision: int,
         marks: list[tuple[int, int, int, str]]) -> list[str]:
    """The wires between two columns: from each value's exit row on the left to every
    row it enters on the right, with its value and gradient written over and under
    (each label's (row, column, length, style) added to ``marks``)."""
    exits = {item.key: item.exit for item in left}
    targets: dict[str, list[int]] = {}
    labels: dict[int, tuple[str, str]] = {}
    for item in right:
        wires = item.ports if item.kind in ("gate", "end") else [Wire(item.key, 0, 0)]
        for wire, row in zip(wires, item.entries):
            targets.setdefault(wire.source, []).append(row)
            if item.labelled():
                labels[row] = (format_number(wire.value, precision),
                               format_number(wire.grad, precision))
    order = _tracks(exits, targets)
    label_width = max([max(cell_len(a), cell_len(b)) for a, b in labels.values()] + [0]) + 2
    width = 1 + TRACK * len(order) + label_width
    arms = [[[False] * 4 for _ in range(width)] for _ in range(height)]

    def horizontal(row: int, start: int, end: int) -> None:
        for x in range(start, end + 1):
            if x > start:
                arms[row][x][2] = True
            if x < end:
                arms[row][x][3] = True

    for source, rows in targets.items():
        row = exits[source]
        if source not in order:                    # straight across
            arms[row][0][2] = True
            horizontal(row, 0, width - 1)
            arms[row][width - 1][3] = True
            continue
        x = 1 + TRACK * order.index(source)
        arms[row][0][2] = True
        horizontal(row, 0, x)
        for target in rows:
            horizontal(target, x, width - 1)
            arms[target][width - 1][3] = True
        low, high = min(rows + [row]), max(rows + [row])
        for r in range(low, high + 1):
            arms[r][x][0] = arms[r][x][0] or r > low
            arms[r][x][1] = arms[r][x][1] or r < high
    lines = ["".join(_ARMS.get(tuple(cell), " ") for cell in line) for line in arms]
    start = 1 + TRACK * len(order) + 1
    for row, (value, grad) in labels.items():
        lines[row - 1] = _put(lines[row - 1], start, value)
        lines[row + 1] = _put(lines[row + 1], start, grad)
        marks += [(row - 1, start, len(value), VALUE_STYLE), (row + 1, start, len(grad),
                                                               GRADIENT_STYLE)]
    return lines


def _put(line: str, at: int, text: str) -> str:
    return line[:at] + text + line[at + len(text):]


def _tracks(exits: dict[str, int], targets: dict[str, list[int]]) -> list[str]:
    """The values needing a vertical track, left to right.  A value leaving on a row that
    another enters on must have its track to the left of that other's (else the two
    would share the row's segment); no such order: ``Tangled``."""
    moving = sorted((s for s, rows in targets.items() if rows != [exits[s]]),
                    key=lambda s: exits[s])
    enters = {row: s for s, rows in targets.items() for row in rows}
    # s → the value that must stand right of it
    after = {s: enters.get(exits[s]) for s in moving}
    needs = {s: sum(1 for t in moving if after[t] == s and t != s) for s in moving}
    placed: list[str] = []
    waiting = list(moving)
    while waiting:
        ready = next((s for s in waiting if needs[s] == 0), None)
        if ready is None:
            raise Tangled
        placed.append(ready)
        waiting.remove(ready)
        follower = after[ready]
        if follower is not None and follower != ready and follower in needs:
            needs[follower] -= 1
    return placed


def drawing(calc: Calculation, precision: int, fused: bool = False) -> list[str]:
    """The circuit as lines of text (``Tangled`` when its wires cannot be routed);
    ``fused``: one gate per node rather than per operation."""
    return _drawn(calc, precision, fused)[0]


def _drawn(calc: Calculation, precision: int, fused: bool) -> tuple[list[str], list]:
    """The drawing's lines, and where each label stands: (row, column, length, style)."""
    columns = _columns(calc, fused)
    _arrange(columns)
    height = max(item.top + item.height for column in columns for item in column) + 1
    widths = [_column_width(column) for column in columns]
    parts = [_column_rows(columns[0], widths[0], height)]
    marks: list[tuple[int, int, int, str]] = []
    for c in range(1, len(columns)):
        offset = len(MARGIN) + sum(len(part[0]) for part in parts)
        found: list[tuple[int, int, int, str]] = []
        parts.append(_gap(columns[c - 1], columns[c], height, precision, found))
        marks += [(row, offset + at, length, style) for row, at, length, style in found]
        parts.append(_column_rows(columns[c], widths[c], height))
    lines = [(MARGIN + "".join(part[r] for part in parts)).rstrip() for r in range(height)]
    while lines and not lines[-1]:
        lines.pop()
    blank = 0
    while blank < len(lines) and not lines[blank]:
        blank += 1
    return lines[blank:], [(row - blank, at, length, style)
                           for row, at, length, style in marks]


def _styled(lines: list[str], marks: list) -> list[Line]:
    """Each line as parts, its labels ``Styled``: values green, gradients red."""
    by_row: dict[int, list] = {}
    for row, at, length, style in marks:
        by_row.setdefault(row, []).append((at, length, style))
    styled: list[Line] = []
    for row, line in enumerate(lines):
        parts: Line = []
        done = 0
        for at, length, style in sorted(by_row.get(row, [])):
            parts += [line[done:at], Styled(line[at:at + length], style)]
            done = at + length
        styled.append(parts + [line[done:]] if parts else [line])
    return styled


# --- the report -----------------------------------------------------------------

def show_graph_report(calc: Calculation, *, width: int = 80, precision: int = 9,
                      command: str | None = None) -> list[Section]:
    """The header, then the drawing if it fits ``width`` (else the gates and wires listed)."""
    graph = calc.graph
    out = graph.output
    about: list[Line] = [[graph.description]] if graph.description else []
    about += [[f"from: {graph.source}"]] if graph.source else []
    about.append([f"output: {out} = {graph.node(out).text}"])
    sections = [Section(graph.title, about)]
    notes = _sums(calc, precision)
    # Each operation a gate if that fits; else each node a gate (fewer columns)
    several = len(calc.entries) > len(graph.nodes)
    needed: list[int] = []
    for fused in (False, True) if several else (False,):
        if (len(graph.nodes) if fused else len(calc.entries)) > MAX_GATES:
            continue
        try:
            lines, marks = _drawn(calc, precision, fused)
        except Tangled:
            continue
        needed.append(max(cell_len(line) for line in lines))
        if needed[-1] <= width:
            return sections + [Section("The graph", _styled(lines, marks) + [[""]] +
                                       _legend(calc, fused) + notes +
                                       _unused(calc, precision))]
    if len(graph.nodes) > MAX_GATES:
        reason = (f"Too large to draw: a drawing shows at most {MAX_GATES} gates, and the "
                  f"graph has {len(graph.nodes):,} nodes.")
    elif needed:
        reason = (f"Too wide to draw: the drawing needs {min(needed)} columns and the "
                  f"terminal has {width} (a wider terminal, or a smaller --precision, "
                  "shows it).")
    else:
        reason = "Too tangled to draw: its wires cannot be laid out without sharing a line."
    return sections + _listing(calc, reason, notes, precision, command)


def _unused(calc: Calculation, precision: int) -> list[Line]:
    """The inputs no node uses (no wire leaves them), with their values."""
    used = {operand for entry in calc.entries for operand in entry.operands
            if isinstance(operand, str)}
    unused = [f"{name} = {format_number(value, precision)}"
              for name, value in calc.graph.inputs.items() if name not in used]
    return [[f"Inputs no node uses (not drawn): {', '.join(unused)}."]] if unused else []


def _legend(calc: Calculation, fused: bool) -> list[Line]:
    out = calc.graph.output
    lines: list[Line] = [[f"Over each wire its value, under it its gradient ∂{out}/∂value (a "
                          "value used in several places: each wire's share; on a colour "
                          "terminal green and red, as CS231n draws them); a number in an "
                          "expression stands in its gate."]]
    if fused:
        lines.append(["Each node is one gate here, its expression inside (a wider terminal "
                      "draws each operation as a gate; `backcalc run` lists them)."])
    return lines


def _sums(calc: Calculation, precision: int) -> list[Line]:
    """Each value used in several places: its gradient, the sum of its wires' shares
    (at most ``MAX_SUMS`` values, and of each the first and last ``MAX_TERMS`` shares)."""
    out = calc.graph.output
    lines: list[Line] = []
    used = [(name, paths) for name, paths in calc.paths.items() if len(paths) > 1]
    def fmt(value: float) -> str:
        return format_number(value, precision)

    for name, paths in used[:MAX_SUMS]:
        # written as run's --explain writes a sum: −16 + (−8) + 30, a negative term
        # after the first in parentheses
        shares: list = [Number(p.share, bare=index == 0) for index, p in enumerate(paths)]
        if len(shares) > 2 * MAX_TERMS:
            shares = shares[:MAX_TERMS] + [Op("…")] + shares[-MAX_TERMS:]
        terms = " + ".join(plain((share,), fmt) for share in shares)
        lines.append([f"∂{out}/∂{name} = {terms} = "
                      f"{plain((Number(calc.grads[name], bare=True),), fmt)}"
                      f" ({name} is used {len(paths):,} times)"])
    if len(used) > MAX_SUMS:
        lines.append([f"… and {len(used) - MAX_SUMS:,} more values used in several places "
                      "(`backcalc run` shows every path)."])
    return lines


def _listing(calc: Calculation, reason: str, notes: list[Line], precision: int,
             command: str | None) -> list[Section]:
    """The gates and the wires as tables, for a graph too wide to draw."""
    import shlex
    out = calc.graph.output
    gates: list[list] = [[name, "input", value, calc.grads[name]]
                         for name, value in calc.graph.inputs.items()]
    wires: list[list] = []
    for item, entry in zip(_gates(calc, False), calc.entries):     # in the order computed
        # a node's gradient is its own; an operation inside one has its upstream's
        grad = calc.grads[entry.node] if entry.label == entry.node else entry.upstream
        gates.append([item.key, item.text, entry.value, grad])
        for wire in item.ports:
            wires.append([f"{wire.source} → {item.key}", wire.value, wire.grad])
    hint = (f"Every value: `backcalc run {shlex.quote(command) if command else 'GRAPH'}` "
            "shows the forward and backward tables.")
    return [Section("The graph, listed", [[reason], [hint]] + notes, [
        Table(f"Gates: each operation, its value and ∂{out}/∂value",
              ["gate", "operation", "value", f"∂{out}/∂value"], gates),
        Table("Wires: each use of a value, with its share of the gradient",
              ["wire", "value", f"∂{out} share"], wires)])]
