"""An exercise sheet's figure of the network: neurons as circles, every weight on its edge.

``layout`` places everything once, in abstract units (a unit is a pixel in SVG, a
fraction of a point in LaTeX), with the y axis pointing down: the inputs in the first
column, each layer in a column of its own, a circle per neuron, a straight edge from
every neuron (or input) to every neuron of the next layer, each weight's label
(``w5 = 0.4``) on its own edge, each bias under its neuron (a shared bias in its
layer's heading), the input's value before each input and the target after each
output; with several samples, their inputs and targets in a small table under the
network.  ``svg`` and ``picture`` draw the same layout as inline SVG and as LaTeX's
core ``picture`` environment (``\\circle``, ``\\qbezier`` for straight lines of any
slope, ``\\makebox``; ``\\colorbox`` of the required ``color`` package behind labels).

Labels are placed, not hoped for: each weight's label is put at the point of its edge
where its box overlaps no circle and no other label, crossing as few other edges as
can be; the columns are moved apart until every label finds such a place.  A network
too large for that (``MAX_NEURONS`` a column, ``MAX_LAYERS`` layers, or no place found
within ``GAPS``) gets no figure (``layout`` returns None): its tables say it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from html import escape

from .document import visible
from .network import Network
from .numbers import format_number

MAX_NEURONS = 5          # a column (the inputs too) of more neurons gets no figure
MAX_LAYERS = 4
FONT = 11                # label text height, in units
CHAR = 0.6 * FONT        # an estimate of a character's width (generous for digits)
RADIUS = 17
GAPS = range(160, 381, 15)   # the distances between columns tried, narrowest first …
SPACINGS = (76, 92, 110, 130)  # … each with these distances between a column's neurons
PAGE = 600               # a figure wider than this is made narrower, if it can be
FURTHER = 4              # labels crossing edges: this many more distances tried, for fewer
NEAR = 0.7               # a weight's label is put this far along its edge, if it can be
PAD = 3                  # around a label's text, inside its white box
LINE = FONT + 2 * PAD    # a line of text, heading or table

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    right: float
    bottom: float

    def overlaps(self, other: Box) -> bool:
        return (self.left < other.right and other.left < self.right
                and self.top < other.bottom and other.top < self.bottom)

    def inside(self, other: Box) -> bool:
        return (other.left <= self.left and self.right <= other.right
                and other.top <= self.top and self.bottom <= other.bottom)


@dataclass(frozen=True)
class Label:
    """A piece of text: ``anchor`` start, middle or end at (x, y), y its vertical centre;
    ``boxed``: on a white box (a weight on its edge); ``role`` says what it shows."""

    x: float
    y: float
    text: str
    anchor: str = "middle"
    boxed: bool = True
    role: str = ""

    @cached_property
    def box(self) -> Box:
        width = text_width(self.text)
        left = {"start": self.x, "middle": self.x - width / 2, "end": self.x - width}[self.anchor]
        return Box(left, self.y - FONT / 2 - PAD, left + width, self.y + FONT / 2 + PAD)


@dataclass(frozen=True)
class Circle:
    x: float
    y: float
    text: str

    @property
    def box(self) -> Box:
        return Box(self.x - RADIUS - 2, self.y - RADIUS - 2, self.x + RADIUS + 2,
                   self.y + RADIUS + 2)


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float

    @cached_property
    def bounds(self) -> Box:
        return Box(min(self.x1, self.x2), min(self.y1, self.y2), max(self.x1, self.x2),
                   max(self.y1, self.y2))

    def crosses(self, box: Box) -> bool:
        """The segment passes through ``box`` (Liang–Barsky clipping)."""
        bounds = self.bounds
        if (bounds.right < box.left or box.right < bounds.left or bounds.bottom < box.top
                or box.bottom < bounds.top):
            return False
        dx, dy = self.x2 - self.x1, self.y2 - self.y1
        low, high = 0.0, 1.0
        for p, q in ((-dx, self.x1 - box.left), (dx, box.right - self.x1),
                     (-dy, self.y1 - box.top), (dy, box.bottom - self.y1)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                low = max(low, t)
            else:
                high = min(high, t)
            if low > high:
                return False
        return True


@dataclass
class Figure:
    width: float
    height: float
    circles: list[Circle] = field(default_factory=list)
    lines: list[Segment] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


def text_width(text: str) -> float:
    return len(text) * CHAR + 2 * PAD


def number(value: float) -> str:
    """A given number as the sheet writes it (0.15, −0.3): the file's digits."""
    return format_number(float(value)).replace("-", "−")


def input_name(net: Network, i: int) -> str:
    return "x" + str(i + net.index_base).translate(_SUB)


def target_name(net: Network, j: int) -> str:
    return "y" + str(j + net.index_base).translate(_SUB)


def neuron_name(net: Network, layer: int, j: int) -> str:
    """a₂⁽¹⁾: neuron 2 of layer 1, as ``--explain`` writes its values."""
    return "a" + str(j + net.index_base).translate(_SUB) + f"({layer + 1})".translate(_SUP)


def weight_text(net: Network, layer: int, j: int, i: int) -> str:
    return f"{visible(net.weight_label(layer, j, i))} = {number(net.layers[layer].weights[j, i])}"


def bias_text(net: Network, layer: int, j: int) -> str:
    return f"{visible(net.bias_label(layer, j))} = {number(net.layers[layer].biases[j])}"


def drawable(net: Network) -> bool:
    """Small enough to try: ``MAX_NEURONS`` a column, ``MAX_LAYERS`` layers."""
    sizes = [len(net.samples[0].input)] + [layer.size for layer in net.layers]
    return max(sizes) <= MAX_NEURONS and len(net.layers) <= MAX_LAYERS


def layout(net: Network) -> Figure | None:
    """The figure, its columns as close as every label allows; None when too large."""
    if not drawable(net):
        return None
    # First with every label clear of other edges; if that needs a figure wider than
    # a page, labels may cross edges (as few as can be) in a narrower one.
    found: list[Figure] = []
    for strict in (True, False):
        found += [figure for figure in (_layout(net, spacing, strict) for spacing in SPACINGS)
                  if figure is not None]
        if found and min(figure.width for figure in found) <= PAGE:
            break
    return min(found, key=lambda figure: (figure.width, figure.height), default=None)


def _headings(net: Network) -> list[list[str]]:
    out = [["inputs"]]
    for index, layer in enumerate(net.layers):
        kind = "output" if index == len(net.layers) - 1 else "hidden"
        lines = [f"layer {index + 1} ({kind})", layer.activation.named()]
        if layer.shared_bias:
            lines.append(f"shared bias {bias_text(net, index, 0)}")
        out.append(lines)
    return out


def _layout(net: Network, spacing: int, strict: bool = False) -> Figure | None:
    """The figure with ``spacing`` between a column's neurons, each column as close to the
    one before as its weights' labels allow (None: some layer's labels find no place;
    ``strict``: no place where a label crosses another edge)."""
    single = len(net.samples) == 1
    sample = net.samples[0]
    sizes = [len(sample.input)] + [layer.size for layer in net.layers]
    headings = _headings(net)
    top = 8 + LINE * max(len(h) for h in headings) + RADIUS + 10
    centres = [[top + (max(sizes) - size) * spacing / 2 + j * spacing for j in range(size)]
               for size in sizes]
    before = max(text_width(number(v)) for v in sample.input) + 16 if single else 8
    x = max(before + RADIUS + 8, text_width(headings[0][0]) / 2 + 4)
    figure = Figure(0, 0)
    columns = [_column(net, 0, x, centres[0], headings[0])]
    for index in range(len(net.layers)):
        # The nearest place for the next column; crossing edges, a little further if
        # that crosses fewer (``FURTHER`` more distances tried).
        # Labels clear of every edge are likeliest at the widest distance (the edges are
        # least steep there): if it leaves them no place, the strict search ends at once.
        if strict and _placed(net, index, columns[-1], GAPS[-1], centres, headings,
                              strict) is None:
            return None
        tried: list[tuple] = []
        for gap in GAPS:
            option = _placed(net, index, columns[-1], gap, centres, headings, strict)
            if option is not None:
                tried.append((option[1][2], gap, *option))
            if tried and (strict or len(tried) > FURTHER or not tried[0][0]):
                break
        if not tried:
            return None
        *_, column, placed = min(tried, key=lambda option: option[:2])
        columns.append(column)
        figure.lines += placed[0]
        figure.labels += placed[1]
    for column in columns:
        figure.circles += column.circles
        figure.labels += column.labels
        figure.lines += column.lines
    boxes = [label.box for label in figure.labels] + [c.box for c in figure.circles]
    figure.width = max(box.right for box in boxes) + 8
    figure.height = max(box.bottom for box in boxes) + 8
    if not single:
        _samples_table(net, figure)
    return figure


def _placed(net: Network, index: int, source: _Column, gap: int, centres: list[list[float]],
            headings: list[list[str]], strict: bool) -> tuple[_Column, tuple] | None:
    """Layer ``index``'s column ``gap`` after ``source``, and its weights placed (None:
    they find no place)."""
    column = _column(net, index + 1, source.x + gap, centres[index + 1], headings[index + 1])
    placed = _weights(net, index, source, column, source.obstacles + column.obstacles, strict)
    return None if placed is None else (column, placed)


@dataclass
class _Column:
    """One column of the figure at ``x``: its circles, its own labels and lines."""

    x: float
    centres: list[float]
    circles: list[Circle] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    lines: list[Segment] = field(default_factory=list)

    @property
    def obstacles(self) -> list[Box]:
        return [c.box for c in self.circles] + [label.box for label in self.labels]


def _column(net: Network, c: int, x: float, centres: list[float],
            heading: list[str]) -> _Column:
    """Column ``c`` (0: the inputs, with their values; then each layer, its biases under
    its neurons; the last, each output's target after it)."""
    column = _Column(x, centres)
    column.labels += [Label(x, 8 + LINE * row + LINE / 2, visible(text), boxed=False,
                            role="heading")
                      for row, text in enumerate(heading) if text]
    sample = net.samples[0]
    single = len(net.samples) == 1
    if c == 0:
        for i, y in enumerate(centres):
            column.circles.append(Circle(x, y, input_name(net, i)))
            if single:
                column.labels.append(Label(x - RADIUS - 10, y, number(sample.input[i]), "end",
                                           role="input"))
                column.lines.append(Segment(x - RADIUS - 8, y, x - RADIUS, y))
        return column
    index = c - 1
    layer = net.layers[index]
    for j, y in enumerate(centres):
        column.circles.append(Circle(x, y, neuron_name(net, index, j)))
        if not layer.shared_bias:
            column.labels.append(Label(x, y + RADIUS + 4 + FONT / 2 + PAD,
                                       bias_text(net, index, j), role="bias"))
        if index == len(net.layers) - 1:
            column.lines.append(Segment(x + RADIUS, y, x + RADIUS + 20, y))
            text = (f"{target_name(net, j)} = {number(sample.target[j])}" if single
                    else target_name(net, j))
            column.labels.append(Label(x + RADIUS + 24, y, text, "start", role="target"))
    return column


def _weights(net: Network, index: int, source: _Column, target: _Column,
             obstacles: list[Box], strict: bool) -> tuple[list[Segment], list[Label], int] | None:
    """The edges into layer ``index`` and their weights' labels, each at the place of its
    edge that overlaps nothing and crosses the fewest other edges (None: some label has
    no such place)."""
    layer = net.layers[index]
    xs, xt = source.x, target.x
    edges = {(j, i): (source.centres[i], target.centres[j])
             for j in range(layer.size) for i in range(layer.inputs)}
    segments = {key: _between(xs, ys, xt, yt) for key, (ys, yt) in edges.items()}
    # Every place of every label; a place is struck off when something placed covers it.
    options = {}
    for key, (ys, yt) in edges.items():
        options[key] = [label for label in _places(net, index, key, xs, xt, ys, yt)
                        if not any(label.box.overlaps(box) for box in obstacles)
                        and not (strict and _score(label, key, segments)[0])]
        if not options[key]:
            return None
    labels = []
    crossings = 0
    while options:
        # The edge with the fewest places left goes first (it has the least choice).
        key = min(options, key=lambda k: (len(options[k]), k))
        if not options[key]:
            return None
        score, label = min(((_score(label, key, segments), label) for label in options.pop(key)),
                           key=lambda option: option[0])
        crossings += score[0]
        labels.append(label)
        box = label.box
        for other in options:
            options[other] = [option for option in options[other]
                              if not option.box.overlaps(box)]
    return list(segments.values()), labels, crossings


def _places(net: Network, index: int, key: tuple[int, int], xs: float, xt: float,
            ys: float, yt: float) -> list[Label]:
    """The weight's label at each place along the edge ``key`` (j, i)."""
    text = weight_text(net, index, *key)
    return [Label(xs + t * (xt - xs), ys + t * (yt - ys), text, boxed=True, role="weight")
            for t in (step / 100 for step in range(8, 93, 3))]


def _score(label: Label, key: tuple[int, int], segments: dict) -> tuple:
    """Fewest other edges crossed first, then nearest ``NEAR`` of the way along its edge,
    towards the neuron it enters (where the middle of a layer's edges cross)."""
    crossed = sum(segment.crosses(label.box) for other, segment in segments.items()
                  if other != key)
    own = segments[key]
    return crossed, abs(label.x - (own.x1 + NEAR * (own.x2 - own.x1)))


def _between(x1: float, y1: float, x2: float, y2: float) -> Segment:
    """The straight edge from one circle's rim to the other's."""
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    ux, uy = (x2 - x1) / length, (y2 - y1) / length
    return Segment(x1 + ux * RADIUS, y1 + uy * RADIUS, x2 - ux * RADIUS, y2 - uy * RADIUS)


def _samples_table(net: Network, figure: Figure) -> None:
    """Several samples: their inputs and targets in a table under the network."""
    inputs, outputs = len(net.samples[0].input), len(net.samples[0].target)
    head = ["sample"] + [input_name(net, i) for i in range(inputs)] + [
        target_name(net, j) for j in range(outputs)]
    rows = [[str(s + 1)] + [number(v) for v in sample.input] + [number(v) for v in sample.target]
            for s, sample in enumerate(net.samples)]
    widths = [max(text_width(row[c]) for row in [head] + rows) + 10 for c in range(len(head))]
    y = figure.height + LINE
    x0 = 10.0
    for number_, row in enumerate([head] + rows):
        x = x0
        for c, text in enumerate(row):
            figure.labels.append(Label(x + widths[c] / 2, y, text,
                                       role="table-head" if number_ == 0 else "table"))
            x += widths[c]
        if number_ == 0:
            figure.lines.append(Segment(x0, y + LINE / 2, x, y + LINE / 2))
        y += LINE + 2
    figure.width = max(figure.width, x0 + sum(widths) + 10)
    figure.height = y + 4


# --- drawing it --------------------------------------------------------------------

def _f(value: float) -> str:
    """A coordinate: whole units (no figure's coordinate reads as an answer's digits)."""
    return str(round(value))


def svg(figure: Figure, title: str) -> str:
    """The figure as an inline SVG element (no external resource, no namespace URL:
    HTML5 reads ``<svg>`` in a page as SVG)."""
    w, h = _f(figure.width), _f(figure.height)
    out = [f'<svg class="network" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" '
           f'aria-label="{escape(title)}" font-family="sans-serif" font-size="{FONT}">',
           f"<title>{escape(title)}</title>"]
    for s in figure.lines:
        out.append(f'<line x1="{_f(s.x1)}" y1="{_f(s.y1)}" x2="{_f(s.x2)}" y2="{_f(s.y2)}" '
                   'stroke="#555" stroke-width="1"/>')
    for c in figure.circles:
        out.append(f'<circle cx="{_f(c.x)}" cy="{_f(c.y)}" r="{RADIUS}" fill="#eef4fb" '
                   'stroke="#236" stroke-width="1.5"/>')
        out.append(f'<text x="{_f(c.x)}" y="{_f(c.y)}" text-anchor="middle" '
                   f'dominant-baseline="central" class="neuron">{escape(c.text)}</text>')
    for label in figure.labels:
        if label.boxed:
            b = label.box
            out.append(f'<rect x="{_f(b.left)}" y="{_f(b.top + 1)}" width="{_f(b.right - b.left)}" '
                       f'height="{_f(b.bottom - b.top - 2)}" fill="#fff"/>')
        weight = ' font-weight="600"' if label.role in ("heading", "table-head") else ""
        out.append(f'<text x="{_f(label.x)}" y="{_f(label.y)}" text-anchor="{label.anchor}" '
                   f'dominant-baseline="central" class="{label.role}"{weight}>'
                   f"{escape(label.text)}</text>")
    out.append("</svg>")
    return "\n".join(out)


TEXT_WIDTH = 470         # points: a figure wider than this is scaled down to fit the page
_SIZES = ((9, r"\small"), (8, r"\footnotesize"), (7, r"\scriptsize"), (5, r"\tiny"))
"""LaTeX's font sizes (points, in a 10pt document): the largest that fits the scale."""


def picture(figure: Figure, text) -> str:
    """The figure as LaTeX's core ``picture`` (y pointing up): ``text`` escapes text for
    LaTeX (``render_latex.text``).  Needs ``\\usepackage{color}`` for the labels' boxes."""
    unit = min(1.0, TEXT_WIDTH / figure.width)
    size = next((command for points, command in _SIZES if points <= FONT * unit), r"\tiny")
    height = figure.height

    def xy(x: float, y: float) -> str:
        return f"{_f(x)},{_f(height - y)}"
    # The unit in scaled points (65536 to a point): a whole number, like every coordinate.
    out = ["\\begin{center}", f"\\setlength{{\\unitlength}}{{{round(unit * 65536)}sp}}",
           f"\\begin{{picture}}({_f(figure.width)},{_f(height)}){size}",
           "\\linethickness{0.4pt}"]
    for s in figure.lines:
        mid = xy((s.x1 + s.x2) / 2, (s.y1 + s.y2) / 2)
        out.append(f"\\qbezier({xy(s.x1, s.y1)})({mid})({xy(s.x2, s.y2)})")
    for c in figure.circles:
        out.append(f"\\put({xy(c.x, c.y)}){{\\circle{{{2 * RADIUS}}}}}")
        out.append(f"\\put({xy(c.x, c.y)}){{\\makebox(0,0){{{text(c.text)}}}}}")
    position = {"start": "[l]", "middle": "", "end": "[r]"}
    for label in figure.labels:
        written = text(label.text)
        if label.role in ("heading", "table-head"):
            written = f"\\textbf{{{written}}}"
        if label.boxed:
            written = f"\\setlength{{\\fboxsep}}{{1pt}}\\colorbox{{white}}{{{written}}}"
        out.append(f"\\put({xy(label.x, label.y)}){{\\makebox(0,0)"
                   f"{position[label.anchor]}{{{written}}}}}")
    out += ["\\end{picture}", "\\end{center}"]
    return "\n".join(out)
