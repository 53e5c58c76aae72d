"""The loss over a run's updates: recorded in constant memory, drawn as a text chart.

``LossHistory`` is fed every step (``add``) and keeps at most ``BUCKETS`` buckets,
each summing up a run of consecutive updates (its first and last loss, its lowest
and highest, how many losses were not finite), so 100,000 iterations cost no more
memory than 100.  Asked to (``keep_all``, for ``--plot``) it also keeps every
loss.  ``text_chart`` draws the buckets as a small filled chart, a bucket whose
losses were all infinite or undefined as × at the top; a loss range of 100× or
more is drawn on a log scale.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

BUCKETS = 240
CHART_HEIGHT = 8                 # rows of the text chart
MAX_BAR_WIDTH = 4                # columns given to one update when there are few
LOG_RANGE = 100.0                # highest / lowest loss from which the scale is logarithmic
LEVELS = " ▁▂▃▄▅▆▇█"            # eighths of a cell
NOT_FINITE = "×"


@dataclass
class Summary:
    """The finite losses of a bucket, summed up."""

    start: float                   # the first
    low: float
    high: float
    last: float
    last_update: int               # the update of the last


@dataclass
class Bucket:
    """A run of consecutive updates' losses, summed up."""

    first: int                     # its first update's number (1-based, within the run)
    summary: Summary | None = None  # of its finite losses (None: no loss was finite)
    bad: int = 0                   # losses that were inf or nan

    @property
    def finite(self) -> bool:
        return self.summary is not None

    def add(self, update: int, loss: float) -> None:
        if not math.isfinite(loss):
            self.bad += 1
            return
        f = self.summary
        if f is None:
            self.summary = Summary(loss, loss, loss, loss, update)
        else:
            f.low, f.high = min(f.low, loss), max(f.high, loss)
            f.last, f.last_update = loss, update


@dataclass
class LossHistory:
    """The loss of every update of a run, in at most ``BUCKETS`` buckets."""

    updates: int                 # how many updates the run will make (sets the bucket size)
    first_iteration: int = 1
    updates_per_iteration: int = 1
    keep_all: bool = False
    buckets: list[Bucket] = field(default_factory=list)
    losses: array = field(default_factory=lambda: array("d"))
    seen: int = 0
    non_finite: int = 0

    def add(self, loss: float) -> None:
        self.seen += 1
        if self.keep_all:
            self.losses.append(loss)
        if not math.isfinite(loss):
            self.non_finite += 1
        size = max(1, math.ceil(self.updates / BUCKETS))
        start = (self.seen - 1) // size * size + 1
        if not self.buckets or self.buckets[-1].first != start:
            self.buckets.append(Bucket(start))
        self.buckets[-1].add(self.seen, loss)

    def iteration_of(self, update: int) -> int:
        """The iteration an update (1-based, within the run) belongs to."""
        return self.first_iteration + (update - 1) // self.updates_per_iteration

    @property
    def drawable(self) -> bool:
        """At least one finite loss (else there is no chart to draw)."""
        return any(b.finite for b in self.buckets)

    @property
    def log_scale(self) -> bool:
        finite = _finite(self.buckets)
        low = min((f.low for f in finite), default=0.0)
        high = max((f.high for f in finite), default=0.0)
        return low > 0 and high / low >= LOG_RANGE


def _finite(buckets: list[Bucket]) -> list[Summary]:
    return [b.summary for b in buckets if b.summary is not None]


def _merged(buckets: list[Bucket], columns: int) -> list[Bucket]:
    """At most ``columns`` buckets, neighbours merged."""
    if len(buckets) <= columns:
        return buckets
    merged = []
    for c in range(columns):
        group = buckets[c * len(buckets) // columns:(c + 1) * len(buckets) // columns]
        bucket = Bucket(group[0].first, bad=sum(b.bad for b in group))
        finite = _finite(group)
        if finite:
            bucket.summary = Summary(finite[0].start, min(f.low for f in finite),
                                   max(f.high for f in finite), finite[-1].last,
                                   finite[-1].last_update)
        merged.append(bucket)
    return merged


Span = tuple[float, float] | None


def _spans(buckets: list[Bucket]) -> list[Span]:
    """(solid up to, shaded up to) per column, None for a column with no finite loss.

    A column whose losses only carry on the trend of its neighbours (a steady fall
    or rise) is drawn solid up to its last loss (the first column: its first, so
    the chart starts and ends where the run did); one whose losses go up and down
    (online updates, oscillation) solid up to its lowest and shaded up to its highest.
    """
    spans: list[Span] = []
    for index, b in enumerate(buckets):
        f = b.summary
        if f is None:
            spans.append(None)
            continue
        neighbours = _finite([buckets[i] for i in (index - 1, index + 1)
                              if 0 <= i < len(buckets)])
        other = neighbours[0] if neighbours else f
        steady = f.low == f.high or f.high <= other.low or f.low >= other.high
        shown = f.start if index == 0 else f.last
        spans.append((shown, shown) if steady else (f.low, f.high))
    return spans


def shaded(buckets: list[Bucket]) -> bool:
    """Whether any column of the chart goes up and down (and is drawn with a shade)."""
    return any(span and span[0] != span[1] for span in _spans(buckets))


def _label(value: float) -> str:
    return f"{value:.4g}"


def _range(spans: list[Span]) -> tuple[float, float]:
    drawn = [span for span in spans if span]
    return min(low for low, _ in drawn), max(high for _, high in drawn)


def text_chart(history: LossHistory, width: int) -> list[str]:
    """The chart as lines of at most ``width`` characters (no lines when nothing finite)."""
    if not history.drawable:
        return []
    # The labels' width depends on the values, the values drawn on the columns there are.
    top = bottom = ""
    for _ in range(2):
        margin = max(len(top), len(bottom), 1) + 2
        columns = max(8, width - margin - 1)
        buckets = _merged(history.buckets, columns)
        drawn = _spans(buckets)
        low, high = _range(drawn)
        top, bottom = _label(high), _label(low)
    bar = max(1, min(MAX_BAR_WIDTH, columns // len(buckets)))
    scale = _Scale(low, high, history.log_scale)
    heights = [span and (scale.eighths(span[0]), scale.eighths(span[1])) for span in drawn]
    rows = []
    for row in range(CHART_HEIGHT, 0, -1):
        cells = []
        for height in heights:
            if height is None:                       # no finite loss here
                cell = NOT_FINITE if row == CHART_HEIGHT else " "
            else:
                solid, shade = height
                filled = solid - (row - 1) * 8
                cell = LEVELS[min(filled, 8)] if filled > 0 else \
                    "░" if shade > (row - 1) * 8 else " "
            cells.append(cell * bar)
        label = top if row == CHART_HEIGHT else bottom if row == 1 else ""
        tick = "┤" if label else "│"
        rows.append(f"{label:>{margin - 1}} {tick}{''.join(cells)}".rstrip())
    span = len(buckets) * bar
    rows.append(" " * margin + "└" + "─" * span)
    first = str(history.iteration_of(1))
    last = str(history.iteration_of(history.seen))
    gap = max(1, span - len(first) - len(last))
    rows.append(" " * (margin + 1) + first + " " * gap + last if last != first else
                " " * (margin + 1) + first)
    return rows


class _Scale:
    """Maps a loss to a height in eighths of a cell, 1 … 8·CHART_HEIGHT."""

    def __init__(self, low: float, high: float, log: bool):
        self.log = log
        self.low, self.high = (math.log10(low), math.log10(high)) if log else (low, high)

    def fraction(self, value: float) -> float:
        """0 for the lowest loss, 1 for the highest (½ when they are equal)."""
        if self.high == self.low:
            return 0.5
        v = math.log10(value) if self.log else value
        return (v - self.low) / (self.high - self.low)

    def eighths(self, value: float) -> int:
        return 1 + round(self.fraction(value) * (8 * CHART_HEIGHT - 1))


TEXT_BAND = "where losses go up and down, █ reaches a column's lowest, ░ its highest"


def caption(history: LossHistory, band: str = TEXT_BAND) -> str:
    """What the chart shows, in words; ``band`` says how ups and downs are drawn."""
    what = "iteration" if history.updates_per_iteration == 1 else \
        f"update ({history.updates_per_iteration} per iteration)"
    parts = [f"loss before each {what}, {history.seen} in all"]
    finite = [(b.first, b.summary) for b in history.buckets if b.summary is not None]
    if finite:
        (first, opening), (_, closing) = finite[0], finite[-1]
        parts.append(f"from {_label(opening.start)} (iteration {history.iteration_of(first)})"
                     f" to {_label(closing.last)} "
                     f"(iteration {history.iteration_of(closing.last_update)})")
    parts.append("log scale" if history.log_scale else "linear scale")
    if shaded(history.buckets):
        parts.append(band)
    if history.non_finite:
        parts.append(f"{history.non_finite} loss{'es' if history.non_finite > 1 else ''} "
                     f"infinite or undefined ({NOT_FINITE} at the top)")
    return "; ".join(parts)


def outline(history: LossHistory) -> tuple[list, float, float]:
    """Each column as (x, low, high) scaled to [0, 1] (None where no loss is finite), and
    the (lowest, highest) loss drawn.

    For the drawn formats (HTML's SVG, LaTeX's picture): a line through the
    columns, broken where losses are not finite, with a band where they go up and down.
    """
    spans = _spans(history.buckets)
    low, high = _range(spans)
    scale = _Scale(low, high, history.log_scale)
    count = max(len(spans) - 1, 1)
    points = [(index / count, scale.fraction(span[0]), scale.fraction(span[1])) if span
              else (index / count, None, None) for index, span in enumerate(spans)]
    return points, low, high


def finite_runs(points: list) -> list[list]:
    """``outline``'s points cut into runs without a gap (a non-finite column ends a run)."""
    runs: list[list] = []
    current: list = []
    for point in points:
        if point[1] is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append(point)
    return runs + ([current] if current else [])
