"""The loss over a run's updates: recorded in constant memory, drawn as a text chart.

``LossHistory`` is fed every step (``add``) and keeps at most ``BUCKETS`` buckets,
each the (first update, lowest, highest, last) loss of a run of consecutive
updates, so 100,000 iterations cost no more memory than 100.  Asked to
(``keep_all``, for ``--plot``) it also keeps every loss.  ``text_chart`` draws
the buckets as a small filled chart; a loss range of 100× or more is drawn on a
log scale.
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


@dataclass
class Bucket:
    first: int                   # its first update's number (1-based, within the run)
    start: float                 # its first loss
    low: float
    high: float
    last: float


@dataclass
class LossHistory:
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
            return
        size = max(1, math.ceil(self.updates / BUCKETS))
        start = (self.seen - 1) // size * size + 1
        if self.buckets and self.buckets[-1].first == start:
            bucket = self.buckets[-1]
            bucket.low, bucket.high = min(bucket.low, loss), max(bucket.high, loss)
            bucket.last = loss
        else:
            self.buckets.append(Bucket(start, loss, loss, loss, loss))

    def iteration_of(self, update: int) -> int:
        """The iteration an update (1-based, within the run) belongs to."""
        return self.first_iteration + (update - 1) // self.updates_per_iteration

    @property
    def log_scale(self) -> bool:
        low = min((b.low for b in self.buckets), default=0.0)
        high = max((b.high for b in self.buckets), default=0.0)
        return low > 0 and high / low >= LOG_RANGE


def _merged(buckets: list[Bucket], columns: int) -> list[Bucket]:
    """At most ``columns`` buckets, neighbours merged."""
    if len(buckets) <= columns:
        return buckets
    merged = []
    for c in range(columns):
        group = buckets[c * len(buckets) // columns:(c + 1) * len(buckets) // columns]
        merged.append(Bucket(group[0].first, group[0].start, min(b.low for b in group),
                             max(b.high for b in group), group[-1].last))
    return merged


def _spans(buckets: list[Bucket]) -> list[tuple[float, float]]:
    """(solid up to, shaded up to) per column.

    A column whose losses only carry on the trend of its neighbours (a steady fall
    or rise) is drawn solid up to its last loss (the first column: its first, so
    the chart starts and ends where the run did); one whose losses go up and down
    (online updates, oscillation) solid up to its lowest and shaded up to its highest.
    """
    spans = []
    for index, b in enumerate(buckets):
        other = buckets[index - 1] if index else buckets[index + 1] if len(buckets) > 1 else b
        steady = b.low == b.high or b.high <= other.low or b.low >= other.high
        shown = b.start if index == 0 else b.last
        spans.append((shown, shown) if steady else (b.low, b.high))
    return spans


def shaded(buckets: list[Bucket]) -> bool:
    """Whether any column of the chart goes up and down (and is drawn with a shade)."""
    return any(low != high for low, high in _spans(buckets))


def _label(value: float) -> str:
    return f"{value:.4g}"


def text_chart(history: LossHistory, width: int) -> list[str]:
    """The chart as lines of at most ``width`` characters (no lines when nothing finite)."""
    if not history.buckets:
        return []
    # The labels' width depends on the values, the values drawn on the columns there are.
    top = bottom = ""
    for _ in range(2):
        margin = max(len(top), len(bottom), 1) + 2
        columns = max(8, width - margin - 1)
        buckets = _merged(history.buckets, columns)
        drawn = _spans(buckets)
        high, low = max(h for _, h in drawn), min(l for l, _ in drawn)
        top, bottom = _label(high), _label(low)
    bar = max(1, min(MAX_BAR_WIDTH, columns // len(buckets)))
    scale = _Scale(low, high, history.log_scale)
    spans = [(scale.eighths(l), scale.eighths(h)) for l, h in drawn]
    rows = []
    for row in range(CHART_HEIGHT, 0, -1):
        cells = []
        for solid, shaded in spans:
            filled = solid - (row - 1) * 8
            if filled >= 8:
                cell = LEVELS[8]
            elif filled > 0:
                cell = LEVELS[filled]
            elif shaded > (row - 1) * 8:
                cell = "░"
            else:
                cell = " "
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


def caption(history: LossHistory) -> str:
    """What the chart shows, in words."""
    what = "iteration" if history.updates_per_iteration == 1 else \
        f"update ({history.updates_per_iteration} per iteration)"
    parts = [f"loss before each {what}, {history.seen} in all"]
    if history.buckets:
        first, last = history.buckets[0], history.buckets[-1]
        parts.append(f"from {_label(first.start)} (iteration {history.iteration_of(first.first)}) "
                     f"to {_label(last.last)} (iteration {history.iteration_of(history.seen)})")
    parts.append("log scale" if history.log_scale else "linear scale")
    if shaded(history.buckets):
        parts.append("where losses go up and down, █ reaches a column's lowest, ░ its highest")
    if history.non_finite:
        parts.append(f"{history.non_finite} non-finite loss{'es' if history.non_finite > 1 else ''}"
                     " left out")
    return "; ".join(parts)


def outline(history: LossHistory) -> tuple[list[tuple[float, float, float]], float, float]:
    """Each column as (x, low, high) scaled to [0, 1], and the (lowest, highest) loss drawn.

    For the drawn formats (HTML's SVG, LaTeX's picture): a line through the
    columns, with a band where losses go up and down.
    """
    spans = _spans(history.buckets)
    low, high = min(l for l, _ in spans), max(h for _, h in spans)
    scale = _Scale(low, high, history.log_scale)
    count = max(len(spans) - 1, 1)
    points = [(index / count, scale.fraction(l), scale.fraction(h))
              for index, (l, h) in enumerate(spans)]
    return points, low, high
