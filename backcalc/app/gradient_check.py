"""`gradcheck`: every analytic gradient against a central finite difference."""

from __future__ import annotations

from ..csvout import record_rows
from ..errors import LimitError
from ..formats import Choice, Output, check_target
from ..gradcheck import OFFSETS, gradcheck as check_gradients, gradcheck_document, gradcheck_report
from ..graph import Graph
from ..limits import GRADCHECK_LAYER_PASSES, GRADCHECK_MAX_PARAMETERS
from ..network import Network
from ..report import parameter_columns
from ..work_progress import Callback, counting
from .inputs import NetworkInput, load_input, source_of
from .results import GradcheckOutcome


def gradcheck(network: NetworkInput, *, choice: Choice | None = None,
              max_parameters: int = GRADCHECK_MAX_PARAMETERS,
              progress: Callback | None = None) -> GradcheckOutcome:
    """Compare every analytic gradient with a central finite difference (``status`` 1 on
    a mismatch).  ``progress(done, total)`` counts the loss evaluations."""
    choice = choice if choice is not None else Choice()
    loaded = load_input(network, max_parameters)
    if isinstance(loaded, Graph):
        from .graph_uses import gradcheck_graph
        return gradcheck_graph(loaded, choice=choice)
    net = loaded
    _within_depth(net, max_parameters)
    check_target(choice.path, choice.force, [source_of(net)])
    with counting(progress, evaluations(net)):
        result = check_gradients(net)
    output = Output(net.title, lambda: gradcheck_report(result),
                    lambda: gradcheck_document(result),
                    lambda: record_rows(gradcheck_document(result)["parameters"]))
    return GradcheckOutcome(output, choice, status=1 if result.mismatches else 0,
                            gradcheck=result, warnings=list(net.warnings))


def _within_depth(net: Network, max_parameters: int) -> None:
    """Refuse, before any work, a network whose every loss evaluation passes through so
    many layers that gradcheck would take hours (``GRADCHECK_LAYER_PASSES``)."""
    parameters, layers = net.parameter_count, len(net.layers)
    limit = GRADCHECK_LAYER_PASSES * max_parameters
    if parameters * layers > limit:
        needed = -(-parameters * layers // GRADCHECK_LAYER_PASSES)      # rounded up
        raise LimitError(
            f"gradcheck passes through the network's {layers:,} layers for each of its "
            f"{parameters:,} weights and biases ({parameters * layers:,} layer passes), more "
            f"than the limit of {limit:,} ({GRADCHECK_LAYER_PASSES} per weight and bias of "
            f"--max-parameters {max_parameters:,}); if you mean it, raise the limit with "
            f"--max-parameters {needed}", file=net.source, field="layers")


def evaluations(net: Network) -> int:
    """How many losses gradcheck evaluates: four per parameter, per sample online."""
    losses = len(net.samples) if net.update == "online" else 1
    return len(OFFSETS) * len(parameter_columns(net)) * losses
