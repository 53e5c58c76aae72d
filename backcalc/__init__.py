"""backcalc: a backpropagation calculator.

Library use, without the CLI::

    from backcalc import load_network, train
    network = load_network("net.yaml")
    run = train(network, iterations=3)
    run.steps[0].pass_.layers[0].z      # every intermediate value is in the trace
    run.final.loss
"""

from .engine import Engine, Final, Pass, Run, Step, train
from .errors import BackcalcError, ComputationError, InputError, StateError
from .netfile import load_network, parse_network_text
from .network import Layer, Network, Params, Sample

__all__ = [
    "BackcalcError", "ComputationError", "Engine", "Final", "InputError", "Layer", "Network",
    "Params", "Pass", "Run", "Sample", "StateError", "Step", "load_network",
    "parse_network_text", "train",
]
__version__ = "0.1.0"
