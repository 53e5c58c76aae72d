"""Which steps `step` shows, and so keeps: every K-th iteration and the last; in a
compact table only the first and last rows."""

from __future__ import annotations


class ShownSteps:
    """Which steps `step` shows: every K-th iteration and the last; in a compact table
    only the first ``head`` and last ``tail`` of those rows (one row per update).

    ``hidden`` counts the rows left out between them, for the report's gap marker.
    """

    def __init__(self, *, first: int, every: int, last: int, rows_per_iteration: int,
                 limit: tuple | None):
        self.first, self.every, self.last, self.limit = first, every, last, limit
        shown_iterations = (last - first) // every + 1
        if (last - first) % every:
            shown_iterations += 1                      # the last iteration is always shown
        self.total = shown_iterations * rows_per_iteration
        self.seen = 0
        self.hidden = 0

    def __call__(self, step) -> bool:
        if not ((step.iteration - self.first) % self.every == 0 or step.iteration == self.last):
            return False
        row, self.seen = self.seen, self.seen + 1
        if self.limit is not None and not step.diverged:
            head, tail = self.limit
            if head <= row < self.total - tail:
                self.hidden += 1
                return False
        return True
