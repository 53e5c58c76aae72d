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
    _within_work(net, max_parameters)
    check_target(choice.path, choice.force, [source_of(net)])
    with counting(progress, evaluations(net)):
        result = check_gradients(net)
    output = Output(net.title, lambda: gradcheck_report(result),
                    lambda: gradcheck_document(result),
                    lambda: record_rows(gradcheck_document(result)["parameters"]))
    return GradcheckOutcome(output, choice, status=1 if result.mismatches else 0,
                            gradcheck=result, warnings=list(net.warnings))


def _within_work(net: Network, max_parameters: int) -> None:
    """Refuse, before any work, a network whose loss evaluations pass through so many
    layers and samples that gradcheck would take hours (``GRADCHECK_LAYER_PASSES``)."""
    parameters, layers, samples = net.parameter_count, len(net.layers), len(net.samples)
    passes = parameters * layers * samples
    limit = GRADCHECK_LAYER_PASSES * max_parameters
    if passes > limit:
        needed = -(-passes // GRADCHECK_LAYER_PASSES)      # rounded up
        through = f"{layers:,} layer{'s' if layers != 1 else ''}" + (
            f" and {samples:,} samples" if samples > 1 else "")
        raise LimitError(
            f"gradcheck passes through the network's {through} for each of its "
            f"{parameters:,} weights and biases ({passes:,} passes), more than the limit of "
            f"{limit:,} ({GRADCHECK_LAYER_PASSES} per weight and bias of --max-parameters "
            f"{max_parameters:,}); if you mean it, raise the limit with --max-parameters "
            f"{needed}", file=net.source, field="layers")


def evaluations(net: Network) -> int:
    """How many losses gradcheck evaluates: four per parameter, per sample online."""
    losses = len(net.samples) if net.update == "online" else 1
    return len(OFFSETS) * len(parameter_columns(net)) * losses
