"""A progress bar on standard error while long work runs, for the command line.

Shown only where someone watches and nothing reads: standard error is a terminal,
the output is not a document for a program (``--format json`` or ``csv``), colour
is not refused (``NO_COLOR``) and the terminal can redraw a line (``TERM`` is not
``dumb``).  Shown only for work that lasts: it appears after ``DELAY`` seconds (the
environment variable ``BACKCALC_PROGRESS_DELAY`` sets another, 0 to show it with the
first counts: it is there for tests) and is erased when the work ends, so what the command writes
is the same with or without it.

The callback the work calls (``work_progress.Callback``) only notes the counts and,
every ``REDRAW`` seconds at most, hands them to rich, whose own thread draws the bar:
the iteration loop pays a function call.  A standard error that stops taking the bar
(closed, full, the terminal gone) loses the bar, never the run (``_Frames``).
"""

from __future__ import annotations

import io
import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .formats import DOCUMENT_FORMATS
from .work_progress import Callback

DELAY = 1.0                      # seconds of work before the bar appears
DELAY_VARIABLE = "BACKCALC_PROGRESS_DELAY"
REDRAW = 0.1                     # seconds between two updates of the counts


def wanted(output_format: str = "table", stream=None) -> bool:
    """Whether a bar may be drawn on ``stream`` (standard error) for this output."""
    stream = sys.stderr if stream is None else stream
    if output_format in DOCUMENT_FORMATS:
        return False
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def progress_bar(description: str, unit: str, shown: bool) -> Iterator[Callback | None]:
    """The callback to hand the work (None when ``shown`` is false), drawing a bar of
    ``unit``s done (an elapsed time when their number is not known)."""
    if not shown:
        yield None
        return
    bar = _Bar(description, unit, _delay())
    try:
        yield bar
    finally:
        bar.close()


def _delay() -> float:
    try:
        return max(0.0, float(os.environ.get(DELAY_VARIABLE, DELAY)))
    except ValueError:
        return DELAY


class _Frames(io.TextIOBase):
    """Standard error as the bar draws on it: a frame it cannot take (closed, full, a
    terminal gone) is dropped, and so is every one after it, raising nothing in the
    thread that drew it, so that a broken standard error changes nothing of the run
    (what fails then is reported as it would be without the bar)."""

    def __init__(self, stream):
        self._stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        self._quietly(lambda: self._stream.write(text))
        return len(text)

    def flush(self) -> None:
        self._quietly(self._stream.flush)

    def _quietly(self, call) -> None:
        if self.broken:
            return
        try:
            call()
        except Exception:                   # (OutputFailed, BrokenPipeError, OSError)
            self.broken = True

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return bool(self._stream.isatty())
        except Exception:
            return False

    def fileno(self) -> int:
        return self._stream.fileno()

    @property
    def encoding(self):  # type: ignore[override]   # (the stream's: rich chooses its bars)
        return getattr(self._stream, "encoding", None) or "utf-8"


class _Bar:
    """The callback, and the rich progress bar it starts after the delay."""

    def __init__(self, description: str, unit: str, delay: float):
        self.description, self.unit = description, unit
        self.done, self.total = 0, None      # type: int, int | None
        self.progress: Any = None            # rich's Progress, once shown
        self.task: Any = None
        self.next_redraw = 0.0
        self.closed = False
        self.lock = threading.Lock()
        self.timer = None
        self.at_once = delay <= 0           # (then the bar starts with the first counts)
        if not self.at_once:
            self.timer = threading.Timer(delay, self._start)
            self.timer.daemon = True
            self.timer.start()

    def __call__(self, done: int, total: int | None) -> None:
        self.done, self.total = done, total
        if self.at_once:
            self.at_once = False
            self._start()
        if self.progress is not None:
            now = time.monotonic()
            if now >= self.next_redraw:
                self.next_redraw = now + REDRAW
                self.progress.update(self.task, completed=done, total=total)

    def _start(self) -> None:
        with self.lock:
            if self.closed:
                return
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            counted = self.total is not None
            columns = [TextColumn("{task.description}"), BarColumn()]
            if counted:
                columns += [MofNCompleteColumn(), TextColumn(self.unit), TimeRemainingColumn()]
            else:
                columns += [TimeElapsedColumn()]
            from .layout import MAX_WIDTH
            frames: Any = _Frames(sys.stderr)       # (a text stream, as rich takes)
            console = Console(file=frames)
            console.width = min(console.width, MAX_WIDTH)     # (COLUMNS may say anything)
            progress = Progress(*columns, console=console, transient=True)
            self.task = progress.add_task(self.description, total=self.total,
                                          completed=self.done)
            progress.start()
            self.progress = progress

    def close(self) -> None:
        with self.lock:
            self.closed = True
            if self.timer is not None:
                self.timer.cancel()
            if self.progress is not None:
                self.progress.stop()
