"""How long work tells its caller how far it has got, without printing anything.

A caller passes a ``Callback``, called as ``callback(done, total)``: ``total`` is
how many units the work has (iterations, loss evaluations), or None when that is
not known.  ``train`` takes one as an argument; work that runs deeper inside the
library (the loss evaluations of ``gradcheck``) reports to the callback installed
with ``counting`` around it, through ``tick``, which costs one lookup when
nothing listens.  What to do with the counts (a progress bar, a log line) is the
caller's business.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Callback = Callable[[int, int | None], None]
"""``callback(done, total)``: units of work done so far, out of ``total`` (None: unknown)."""


class Counter:
    """Counts units of work for a callback (``counting``)."""

    def __init__(self, callback: Callback, total: int | None):
        self.callback, self.total, self.done = callback, total, 0
        callback(0, total)

    def advance(self, units: int = 1) -> None:
        self.done += units
        self.callback(self.done, self.total)


_current: ContextVar[Counter | None] = ContextVar("backcalc_work_progress", default=None)


@contextmanager
def counting(callback: Callback | None, total: int | None) -> Iterator[Counter | None]:
    """Report the ``tick``s of the work run inside to ``callback`` (None: to nobody)."""
    if callback is None:
        yield None
        return
    counter = Counter(callback, total)
    token = _current.set(counter)
    try:
        yield counter
    finally:
        _current.reset(token)


def tick(units: int = 1) -> None:
    """One more unit of work done, for whoever is ``counting``."""
    counter = _current.get()
    if counter is not None:
        counter.advance(units)
