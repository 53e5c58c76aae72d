"""backcalc: a backpropagation calculator.

Library use, without the CLI::

    from backcalc import load_network, train
    network = load_network("net.yaml")
    run = train(network, iterations=3)
    run.steps[0].pass_.layers[0].z      # every intermediate value is in the trace
    run.final.loss
"""

from __future__ import annotations

import importlib

# Each name is imported from its module when first used, so that `backcalc --help`,
# `backcalc examples` and the like do not wait for NumPy.
_HOMES = {
    "Engine": "engine", "Final": "engine", "Pass": "engine", "Run": "engine",
    "Step": "engine", "train": "engine",
    "BackcalcError": "errors", "ComputationError": "errors", "InputError": "errors",
    "StateError": "errors",
    "load_network": "netfile", "parse_network_text": "netfile",
    "Layer": "network", "Network": "network", "Params": "network", "Sample": "network",
}

__all__ = sorted(_HOMES)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'backcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_HOMES[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
