"""backcalc: a backpropagation calculator.

Each command is a function (``backcalc.app``), whose result shows itself in a
notebook (see docs/python-api.md)::

    import backcalc
    result = backcalc.run("mazur")            # a bundled example, a path, or a Network
    result.run.steps[0].pass_.layers[0].z     # every intermediate value is in the trace
    backcalc.check_answers("mazur", {"a2": [0.7514, 0.7729], "w5+": 0.3589})

The library underneath, without the application layer::

    from backcalc import load_network, train
    network = load_network("net.yaml")
    run = train(network, iterations=3)
    run.final.loss
"""

from __future__ import annotations

import importlib

# Each name is imported from its module when first used, so that `backcalc --help`,
# `backcalc examples` and the like do not wait for NumPy.  (``check`` and
# ``gradcheck`` are modules of this package too: their uses are ``check_answers`` and
# ``check_gradients`` here, ``app.check`` and ``app.gradcheck`` in ``backcalc.app``.)
_HOMES = {
    "Engine": "engine", "Final": "engine", "Outcome": "engine", "Pass": "engine",
    "Run": "engine", "Step": "engine", "Update": "engine", "train": "engine",
    "train_untraced": "engine",
    "BackcalcError": "errors", "ComputationError": "errors", "InputError": "errors",
    "OptionError": "errors", "StateError": "errors",
    "Choice": "formats",
    "load_network": "netfile", "parse_network_text": "netfile",
    "Graph": "graph", "load_graph": "graphfile",
    "Layer": "network", "Network": "network", "Params": "network", "Sample": "network",
    "run": "app", "step": "app", "show": "app", "new": "app",
    "grade": "app",
}
_RENAMED = {"check_answers": ("app", "check"), "check_gradients": ("app", "gradcheck")}

__all__ = sorted(set(_HOMES) | set(_RENAMED))
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _RENAMED:
        home, attribute = _RENAMED[name]
    elif name in _HOMES:
        home, attribute = _HOMES[name], name
    else:
        raise AttributeError(f"module 'backcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
