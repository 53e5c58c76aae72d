"""`run`, `step` and `gradcheck` on a computational graph (a file with ``nodes``).

`run` and `step` save the graph after their last update as the state
(``.backcalc/state.yaml``), as they do a network, so that `step` continues from it bit
for bit; like a network's, the state is saved once the output is written (``defer``).
A graph without parameters has no update for `step` to continue: `run` saves nothing.
`show` on a graph is in ``graph_view``, `check` in ``graph_check``."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import ComputationError, InputError
from ..formats import Choice, Output, check_target
from ..graph import Calculation, Graph, advanced, calculate, diverged
from .results import GradcheckOutcome, Note, TrainingResult


def _source(graph: Graph) -> Path | None:
    return Path(str(graph.source_path)) if graph.source_path is not None else None


def refuse_options(graph: Graph, **given) -> None:
    """Network-only options given with a graph: refused, one line naming the first."""
    for option, value in given.items():
        if value not in (None, False):
            raise InputError(f"{option} does not apply to a computational graph (a file "
                             "with nodes)", file=graph.source)


def names_a_graph(network: str | None) -> bool:
    """Whether ``network`` (or, None, the saved state) is a computational graph: an option
    refused with it is then refused as not applying to a graph.  False when it cannot be
    read (the caller's own error comes first)."""
    from ..errors import BackcalcError
    from .inputs import load_input
    from .state import load_state
    try:
        loaded = load_input(network) if network is not None else load_state()
    except BackcalcError:
        return False
    return isinstance(loaded, Graph)


def run_graph(graph: Graph, *, choice: Choice, explain: bool = False,
              learning_rate: float | None = None, save_state: bool = False,
              defer: bool = False) -> TrainingResult:
    """Forward, backward, the parameters' update: every table of a graph's run."""
    if learning_rate is not None:
        graph = replace(graph, learning_rate=learning_rate)
    # without parameters there is nothing for `step` to continue: no state is saved (one
    # saved earlier, a network's say, is left as it was)
    save_state = save_state and bool(graph.parameters)
    _check_outputs(graph, choice, save_state)
    calc = _first(graph)
    stopped = diverged(calc)

    def sections() -> list:
        from ..graph_report import run_sections
        return run_sections(calc, explain)

    def document() -> dict:
        from ..graph_report import run_document
        return run_document(calc)

    def rows() -> tuple:
        from ..graph_report import CSV_COLUMNS, run_rows
        return CSV_COLUMNS, run_rows(calc)

    result = TrainingResult(Output(graph.title, sections, document, rows), choice, run=calc,
                            warnings=list(graph.warnings))
    return _saving(result, graph if stopped else advanced(calc), save_state, defer,
                   stopped, graph.iteration)


def step_graph(graph: Graph, *, iterations: int, choice: Choice, quiet: bool = False,
               learning_rate: float | None = None, save_state: bool = False,
               defer: bool = False) -> TrainingResult:
    """``iterations`` updates of the parameters, one row each (``quiet``: the last only)."""
    if learning_rate is not None:
        graph = replace(graph, learning_rate=learning_rate)
    if not graph.parameters:
        raise InputError("step updates the parameters, and the graph has none; add "
                         "parameters (and a learning_rate) to the file", file=graph.source)
    _check_outputs(graph, choice, save_state)
    calcs: list[Calculation] = []
    stopped = None
    start = graph.iteration
    for done in range(iterations):
        try:
            calc = calculate(graph) if done else _first(graph)
        except InputError as error:
            stopped = f"iteration {graph.iteration + 1}: {error.message}"
            break
        calcs.append(calc)
        stopped = diverged(calc)
        if stopped:
            break
        graph = advanced(calc)

    def sections() -> list:
        from ..graph_report import step_sections
        return step_sections(calcs[-1:] if quiet else calcs, graph.iteration)

    def document() -> dict:
        from ..graph_report import step_document
        return step_document(calcs)

    def rows() -> tuple:
        from ..graph_report import STEP_CSV_COLUMNS, step_rows
        return STEP_CSV_COLUMNS, step_rows(calcs)

    result = TrainingResult(Output(graph.title, sections, document, rows), choice,
                            run=calcs[-1], warnings=list(graph.warnings))
    return _saving(result, graph, save_state, defer, stopped, start)


def _first(graph: Graph) -> Calculation:
    """The first calculation of a run: one that cannot be done at the file's own values
    is the file's mistake; at a saved state's, a run that cannot go on."""
    try:
        return calculate(graph)
    except InputError as error:
        if graph.iteration == 0:
            raise
        where = f"{error.file}: " if error.file else ""
        raise ComputationError(f"{where}iteration {graph.iteration + 1}: {error.message}; "
                               "nothing was saved") from None


def _check_outputs(graph: Graph, choice: Choice, save_state: bool) -> None:
    from .state import check_state_place, state_path
    if save_state:
        check_state_place()
    check_target(choice.path, choice.force, [_source(graph), state_path()], "-o",
                 {"the state file": state_path()} if save_state else {})


def _saving(result: TrainingResult, after: Graph, save_state: bool,
            defer: bool, stopped: str | None = None, start: int = 0) -> TrainingResult:
    """Save the graph after the update as the state, once the output is written; a run
    that ``stopped`` saves the graph after its last finite iteration (``after``) and
    ends with one line naming the iteration and why (limits.md)."""
    where = f"{after.source}: " if after.source else ""

    def finish() -> list[Note]:
        if stopped and (not save_state or after.iteration == start):
            result.error = ComputationError(f"{where}{stopped}; nothing was saved")
            return []
        if not save_state:
            return []
        from ..graph_save import save_graph_state
        from .state import SHOWN, check_state_place
        check_state_place()
        save_graph_state(after, Path(SHOWN))       # (relative: as messages name it)
        result.saved = (f"State after iteration {after.iteration} saved to {SHOWN}; "
                        "continue with `backcalc step --iterations N`.")
        if stopped:
            result.error = ComputationError(f"{where}{stopped}; the state after iteration "
                                            f"{after.iteration} is saved")
        choice = result.choice
        document_on_stdout = choice.to_stdout and choice.format != "table"
        if stopped and document_on_stdout:
            return []           # the error line says what was saved (as a network's)
        return [Note(result.saved, to_stderr=document_on_stdout)]

    result.pending = finish
    if not defer:
        result.complete()
    return result


def gradcheck_graph(graph: Graph, *, choice: Choice) -> GradcheckOutcome:
    """Every input's gradient of the output against a central difference."""
    from ..graph_gradcheck import check, document, report
    check_target(choice.path, choice.force, [_source(graph)])
    result = check(graph)
    output = Output(graph.title, lambda: report(result), lambda: document(result),
                    lambda: _records(document(result)["inputs"]))
    return GradcheckOutcome(output, choice, status=1 if result.mismatches else 0,
                            gradcheck=result)


def _records(records: list[dict]) -> tuple:
    from ..csvout import record_rows
    return record_rows(records)
