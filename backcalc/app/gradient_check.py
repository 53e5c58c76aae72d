"""`gradcheck`: every analytic gradient against a central finite difference."""

from __future__ import annotations

from ..csvout import record_rows
from ..formats import Choice, Output, check_target
from ..gradcheck import OFFSETS, gradcheck as check_gradients, gradcheck_document, gradcheck_report
from ..limits import GRADCHECK_MAX_PARAMETERS
from ..network import Network
from ..report import parameter_columns
from ..work_progress import Callback, counting
from .inputs import NetworkInput, load, source_of
from .results import GradcheckOutcome


def gradcheck(network: NetworkInput, *, choice: Choice | None = None,
              max_parameters: int = GRADCHECK_MAX_PARAMETERS,
              progress: Callback | None = None) -> GradcheckOutcome:
    """Compare every analytic gradient with a central finite difference (``status`` 1 on
    a mismatch).  ``progress(done, total)`` counts the loss evaluations."""
    choice = choice if choice is not None else Choice()
    net = load(network, max_parameters)
    check_target(choice.path, choice.force, [source_of(net)])
    with counting(progress, evaluations(net)):
        result = check_gradients(net)
    output = Output(net.title, lambda: gradcheck_report(result),
                    lambda: gradcheck_document(result),
                    lambda: record_rows(gradcheck_document(result)["parameters"]))
    return GradcheckOutcome(output, choice, status=1 if result.mismatches else 0,
                            gradcheck=result, warnings=list(net.warnings))


def evaluations(net: Network) -> int:
    """How many losses gradcheck evaluates: four per parameter, per sample online."""
    losses = len(net.samples) if net.update == "online" else 1
    return len(OFFSETS) * len(parameter_columns(net)) * losses
