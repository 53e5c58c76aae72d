"""`check --format gradescope`: one submission's Gradescope ``results.json``.

An autograder must always leave a ``results.json``: when the answers file (or the
network, or the asked file) cannot be read, the document says so with score 0, is
written all the same, and the error is then reported as usual (exit status 2).  Only
a refused output file (``-o`` naming an input, or an existing file without --force)
stops before anything is written.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BackcalcError, InputError
from ..examples import resolve, resolve_answers
from ..formats import GRADESCOPE, Choice, Output, check_target
from ..gradescope import POINTS, failure_document, results_document
from ..grading import RIGHT_VERDICTS, grade_answers, read_asked
from ..limits import MAX_PARAMETERS
from ..work_progress import Callback, counting
from .answer_check import AnswersInput, read_given
from .inputs import NetworkInput, load, with_rounding
from .results import CheckOutcome


def gradescope_results(network: NetworkInput, answers: AnswersInput, *,
                       asked: str | Path | None = None, follows_credit: float = 1.0,
                       tolerance: float | None = None, round_decimals: int | None = None,
                       learning_rate: float | None = None, choice: Choice,
                       max_parameters: int = MAX_PARAMETERS,
                       progress: Callback | None = None) -> CheckOutcome:
    """The submission checked and scored as ``grade`` scores it (``asked``: the answers
    counted, a missing one scoring 0), as Gradescope's document."""
    check_target(choice.path, choice.force, _named(network, answers, asked))
    max_score = None
    warnings: list[str] = []
    title = "Gradescope results"
    try:
        net = with_rounding(load(network, max_parameters, f"--format {GRADESCOPE}"),
                          round_decimals)
        warnings += net.warnings
        wanted = read_asked(asked).answers(net) if asked is not None else None
        if wanted is not None:
            max_score = len(wanted) * POINTS
        # (read_given checks the output file again: passed above, it passes again)
        _, display, given = read_given(answers, net, choice, warnings)
        title = f"Gradescope results for {display}"
        with counting(progress, None):
            graded = grade_answers(display, net, given, wanted, follows_credit=follows_credit,
                                   tolerance=tolerance, learning_rate=learning_rate)
    except BackcalcError as error:
        failed = failure_document(f"Error: {error}", max_score)
        return CheckOutcome(_output(title, failed), choice, warnings=warnings, error=error,
                            status=2)
    document = results_document(graded, choice.precision)
    passed = all(s.verdict in RIGHT_VERDICTS for s in graded.counted)
    return CheckOutcome(_output(title, document), choice, status=0 if passed else 1,
                        check=graded.check, warnings=warnings)


def _output(title: str, document: dict) -> Output:
    """An output that is only its document (the one format it is shown in)."""
    return Output(title, list, lambda: document, lambda: ([], iter([])))


def _named(network: NetworkInput, answers: AnswersInput, asked) -> list[Path | None]:
    """The files the command reads, as far as they can be named before reading them: the
    output may overwrite none of them."""
    named: list[Path | None] = [Path(asked) if asked is not None else None]
    for given, find in ((network, resolve), (answers, resolve_answers)):
        if isinstance(given, (str, Path)):
            try:
                named.append(find(str(given))[0])
            except InputError:          # (reported, and written into the results, later)
                named.append(Path(given))
        elif getattr(given, "source_path", None) is not None:
            named.append(Path(str(given.source_path)))    # type: ignore[union-attr]
    return named
