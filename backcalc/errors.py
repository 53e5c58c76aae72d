"""backcalc's own exceptions.

Library code raises these and never prints or exits; the CLI turns each into one
line on standard error and exit status 2 (see ``cli.main``).
"""

from __future__ import annotations


class BackcalcError(Exception):
    """Base class: ``str(error)`` is the one line the user sees."""

    def also(self, said: str) -> BackcalcError:
        """The same error, its line going on with ``; said``: what else was done, or not
        done, before it was reported (the state saved, a plot not drawn)."""
        self.args = (f"{self}; {said}",)
        return self


class InputError(BackcalcError):
    """Something the user wrote is wrong: a file, a field, an option value.

    ``file``, ``line`` and ``column`` point at the offending place (1-based, as
    editors count); ``field`` names the key, e.g. ``layer 2 weights``.
    """

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 column: int | None = None, field: str | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        super().__init__(self.format())

    def also(self, said: str) -> InputError:
        self.message = f"{self.message}; {said}"
        self.args = (self.format(),)
        return self

    def format(self) -> str:
        where = ""
        if self.file:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class LimitError(InputError):
    """Input refused for its size (a limit the user may raise), not for a mistake in it."""


class OptionError(InputError):
    """An option's value does not fit the network (a layer or sample it does not have).

    ``option`` names it as the Python API does (``layer``); the command line shows it
    as its option (``--layer``)."""

    def __init__(self, message: str, *, option: str):
        self.option = option
        super().__init__(message, field=option)


class StateError(BackcalcError):
    """The saved state in ``.backcalc/`` is missing or unusable."""


class ComputationError(BackcalcError):
    """The arithmetic itself cannot go on (e.g. a loss undefined for the output)."""
