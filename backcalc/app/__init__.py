"""backcalc's application layer: one plain function per use of the command line.

``run``, ``step``, ``check``, ``grade``, ``gradcheck``, ``show``, ``new``, ``schema`` and
``examples`` take plain arguments (a network's path, a bundled example's name or a
``Network``; options as keyword arguments), return a result object that holds the
library's result and what to show of it, and raise backcalc's own exceptions
(``backcalc.errors``).  They never print or exit: the command line (``cli.py``)
writes their results, and in a notebook they display themselves.

Each function is loaded from its module when first used, so that importing this
package (as ``cli.py`` does) costs nothing: `backcalc --help` needs no NumPy.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "run": "training", "step": "training",
    "check": "answer_check",
    "grade": "class_grading",
    "gradcheck": "gradient_check",
    "show": "drawing_view",
    "new": "starting_files", "schema": "starting_files",
    "examples": "example_list",
    "exercise": "exercise_making",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def load(name: str | None) -> None:
    """Load the module of the use ``name`` now, if there is such a use."""
    if name in _HOMES:
        importlib.import_module(f".{_HOMES[name]}", __name__)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
