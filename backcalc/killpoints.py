"""A hook for tests only: backcalc sends itself a signal at a named point of its work.

``BACKCALC_TEST_KILL_AT=POINT`` (SIGKILL) or ``BACKCALC_TEST_KILL_AT=POINT:SIGNAL``
(``half-written:SIGINT``) lets tests/test_hardening.py interrupt a run at an exact
place, where a delay before a signal would only guess at one.  It is not a feature:
nothing but those tests sets it.  The variable is read once, on import; at a point
not named the cost is one comparison of two strings (the iterations not even that).

The points:

* ``iteration``: one update of a run done, the next not started (``engine.train``);
* ``before-temporary``: a file is about to be written (``savefile.write_file``),
  its temporary file not yet created;
* ``half-written``: half the text in the temporary file, flushed;
* ``synced``: the whole text in the temporary file, fsynced, not yet renamed;
* ``replaced``: the temporary file renamed over (or linked as) the file written.

Only the first file written reaches its point's signal (a signal that does not end
the process, SIGINT, ends it through Python's KeyboardInterrupt anyway).
"""

from __future__ import annotations

import os
import signal

POINT, _, _SIGNAL = os.environ.get("BACKCALC_TEST_KILL_AT", "").partition(":")
"""The point named (empty when the hook is off) and the signal's name."""


def reached(point: str) -> None:
    """Send the signal now if ``point`` is the one named (raise_signal: at once, in
    this thread, so a SIGINT's KeyboardInterrupt is raised right here)."""
    if point == POINT:
        signal.raise_signal(getattr(signal, _SIGNAL or "SIGKILL"))


def each_step(steps):
    """``steps`` themselves; when the point is ``iteration``, the same steps with the
    signal sent between the first and the second."""
    return _signal_after_first(steps) if POINT == "iteration" else steps


def _signal_after_first(steps):
    for count, step in enumerate(steps):
        yield step
        if count == 0:
            reached("iteration")
