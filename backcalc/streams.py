"""Standard output and standard error as the command line writes them.

Two things can go wrong with a stream that backcalc does not control, and both are
handled here, for ``cli.BackcalcGroup.main`` to turn into one line:

* Its encoding cannot hold what backcalc writes (``PYTHONIOENCODING=ascii``, a
  ``C`` locale on an old system): σ, δ, ∂, z₁⁽¹⁾.  Such a stream writes every
  character it cannot encode in an ASCII spelling instead (``spell``): Greek letters
  by name (sigma, delta), subscripts after ``_`` and superscripts after ``^``
  (z_1^(1)), ∂ as d, − as -, · as *, … as ..., box lines as - | +, and any other
  character as its backslash escape (é as \\xe9, as Python writes standard error: a
  file name stays exact).  A UTF-8 stream writes everything as it is, but a byte of a
  file name that is not UTF-8 (Python's lone surrogate, on which a strict stream would
  fail): as the byte's escape, \\xe9.
* It cannot be written at all: a full disk (``> /dev/full``), a closed stream
  (``>&-``), an I/O error.  Every write and flush of a guarded stream that fails is
  raised as ``OutputFailed``, which no other code catches by mistake (it is no
  ``OSError``).  A reader that went away (``| head``) is still a ``BrokenPipeError``,
  which ends quietly.
"""

from __future__ import annotations

import codecs
import io
import os
import sys
from collections.abc import Callable

SPELLING = "backcalc-ascii-spelling"
"""The codec error handler writing an ASCII spelling of what an encoding cannot hold."""

_SYMBOLS = {
    "∂": "d", "−": "-", "·": "*", "…": "...", "⋮": ":", "→": "->", "←": "<-", "′": "'",
    "″": "''", "‴": "'''", "±": "+/-", "×": "x", "—": "--", "–": "-", "½": "1/2",
    "√": "sqrt", "≠": "!=", "≤": "<=", "≥": ">=", "≈": "~=", "∇": "nabla", "▶": ">",
    "\u0302": "hat", "─": "-", "━": "-", "│": "|", "┃": "|", "┌": "+", "┐": "+", "└": "+",
    "┘": "+", "├": "+", "┤": "+", "┬": "+", "┴": "+", "┼": "+", "░": ".", "█": "#",
    "▁": "_", "▂": ".", "▃": "-", "▄": "-", "▅": "=", "▆": "=", "▇": "#", "\u00a0": " ",
}


class OutputFailed(Exception):
    """Standard output or error could not be written (the ``OSError``'s reason)."""

    def __init__(self, stream: str, reason: str):
        super().__init__(f"cannot write to standard {stream}: {reason}")
        self.stream = stream


def spell(text: str) -> str:
    """``text`` in ASCII: each symbol in its spelling (see the module's docstring)."""
    import unicodedata
    out = []
    mark = ""                               # "_" or "^" while in a run of sub/superscripts
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
            mark = ""
            continue
        name = unicodedata.name(ch, "")
        script = _script(name)
        if script is not None:
            kind, letter = script
            out.append(letter if mark == kind else kind + letter)
            mark = kind
            continue
        mark = ""
        if 0xDC80 <= ord(ch) <= 0xDCFF:       # a byte not UTF-8 (a file name's): as that byte
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif ch in _SYMBOLS or name.startswith("GREEK "):
            word = _SYMBOLS.get(ch) or _greek(name)
            if out and _word(out[-1][-2:]) and _word(word[:2]):
                out.append(" ")
            out.append(word)
        else:
            out.append(ch.encode("ascii", "backslashreplace").decode())
    return "".join(out)


def _word(ends: str) -> bool:
    """Whether these two characters end or start a word (not one letter: d, x)."""
    return len(ends) == 2 and ends.isalpha()


def _greek(name: str) -> str:
    """A Greek letter's name: sigma, Sigma, lambda."""
    word = name.rsplit(" ", 1)[-1].lower().replace("lamda", "lambda")
    return word.capitalize() if " CAPITAL " in name else word


def _script(name: str) -> tuple[str, str] | None:
    """("_", letter) for a subscript, ("^", letter) for a superscript, by Unicode name."""
    words = {"SUBSCRIPT": "_", "SUPERSCRIPT": "^", "MODIFIER LETTER": "^"}
    for word, kind in words.items():
        if word in name:
            last = name.rsplit(" ", 1)[-1]
            letters = {"ZERO": "0", "ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4",
                       "FIVE": "5", "SIX": "6", "SEVEN": "7", "EIGHT": "8", "NINE": "9",
                       "PLUS": "+", "MINUS": "-", "PARENTHESIS": ""}
            if last == "PARENTHESIS":
                return kind, "(" if " LEFT " in name else ")"
            if last in letters:
                return kind, letters[last]
            if len(last) == 1:
                return kind, last if " CAPITAL " in name else last.lower()
    return None


def _spelling(error: UnicodeError):
    if not isinstance(error, UnicodeEncodeError):
        raise error
    spelled = spell(error.object[error.start:error.end])
    after = error.object[error.end:error.end + 1]
    if after.isalnum() and _word(spelled[-2:]):     # η∇L: eta nabla L, not nablaL
        spelled += " "
    return spelled, error.end


codecs.register_error(SPELLING, _spelling)


class GuardedStream(io.TextIOBase):
    """A standard stream whose failed writes raise ``OutputFailed`` (``None``: a stream
    that was closed when backcalc started).  It has no ``buffer``, so click writes its
    text through it too rather than to the bytes underneath (which click would encode
    as UTF-8 whatever the encoding); the bytes click writes (shell completion) go to the
    stream's own bytes, guarded the same way."""

    def __init__(self, stream, name: str):
        self._stream = stream
        self._name = name

    def write(self, text) -> int:
        if isinstance(text, (bytes, bytearray)) and text:
            self.flush()
            return self._guarded(lambda: self._stream.buffer.write(text))
        if not isinstance(text, str):
            # (b"" too: click asks so whether this is a stream of bytes; it is not)
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if not text:
            return 0
        return self._guarded(lambda: self._stream.write(text))

    def flush(self) -> None:
        if self._stream is not None:
            self._guarded(self._stream.flush)

    def _guarded(self, call):
        if self._stream is None:
            raise OutputFailed(self._name, "it is closed")
        try:
            return call()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as error:     # ValueError: closed underneath
            raise OutputFailed(self._name, _reason(error)) from None

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        try:
            return self._stream is not None and self._stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("closed")
        return self._stream.fileno()

    @property
    def encoding(self):  # type: ignore[override]   # (read from the stream it guards)
        return getattr(self._stream, "encoding", None) or "utf-8"

    @property
    def errors(self):  # type: ignore[override]
        return getattr(self._stream, "errors", None)

    @property
    def name(self):
        return getattr(self._stream, "name", f"<standard {self._name}>")


def _reason(error: Exception) -> str:
    return error.strerror if isinstance(error, OSError) and error.strerror else str(error)


def guard() -> None:
    """Guard ``sys.stdout`` and ``sys.stderr``: a real stream (a file descriptor, or one
    closed at start-up) becomes a ``GuardedStream`` that spells what its encoding cannot
    hold.  Other streams (click's test runner, a notebook's) are left as they are."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if isinstance(stream, GuardedStream):
            continue
        if stream is not None:
            if not isinstance(stream, io.TextIOWrapper):
                continue
            try:
                stream.fileno()
            except (OSError, ValueError):
                continue
            if not _holds_unicode(stream.encoding) or stream.errors == "strict":
                # (a UTF-8 stream fails only on a lone surrogate: a byte of a file name
                # that is not UTF-8, written as that byte's escape)
                stream.reconfigure(errors=SPELLING)
        setattr(sys, name, GuardedStream(stream, {"stdout": "output", "stderr": "error"}[name]))


def _holds_unicode(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name.startswith("utf")
    except LookupError:
        return False


def tell(write: Callable[[str], None], names: tuple[str, ...]) -> bool:
    """Write a line that only reports (``write(name)`` writes it on standard ``name``):
    on the first of ``names`` that takes it, flushed at once.  A stream that cannot
    take it (closed, full, its reader gone) is silenced and the next one tried; a line
    none can take is left out (False), never an error."""
    for name in names:
        try:
            write(name)
            getattr(sys, name).flush()
            return True
        except (OutputFailed, BrokenPipeError):
            silence(name)
    return False


def silence(name: str) -> None:
    """Point the standard stream's file descriptor at the null device, so that nothing
    left in its buffer fails again when Python flushes it on exit.  (Only a stream
    ``guard`` guarded: another, a test runner's, is not the process's own.)"""
    if not isinstance(getattr(sys, name), GuardedStream):
        return
    stream = getattr(sys, f"__{name}__", None)
    number = {"stdout": 1, "stderr": 2}[name]
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        if null != number:                  # (the same number: it was closed)
            os.dup2(null, number)
            os.close(null)
    except OSError:
        pass
    if stream is not None:
        setattr(sys, name, stream)
