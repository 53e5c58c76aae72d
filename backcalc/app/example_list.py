"""`examples`: the bundled example networks."""

from __future__ import annotations

from ..examples import list_examples
from .results import ExampleList


def examples() -> ExampleList:
    """The bundled networks, by name (use a name wherever a network is asked for)."""
    return ExampleList(list_examples())
