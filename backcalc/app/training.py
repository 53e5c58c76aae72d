"""`run` and `step`: train, save the network, and what to show of the run.

The sequence: refuse an output file that must not be written (before any work; the
state file is one of a run's outputs), train, save (``state.save_run``); what could not
be done after training (a run that stopped, a save or a plot that failed) becomes the
result's ``error``, reported after the results, which are not lost, its one line saying
what was written nonetheless (the state saved, --save written).  The command line asks for
the saving and the --plot to wait until the output is written (``defer``): an output
that cannot be written leaves the state as it was (the user never saw the iterations),
and a slow or interrupted drawing never holds back or loses the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..curve import LossHistory
from ..engine import Outcome, Run, train, train_untraced
from ..errors import BackcalcError, ComputationError, InputError
from ..formats import DOCUMENT_FORMATS, Choice, Output, check_target
from ..graph import Graph
from ..layout import TAIL_ROWS, split_limit
from ..limits import MAX_PARAMETERS
from ..network import Network
from ..savefile import check_save_target
from ..work_progress import Callback
from .inputs import NetworkInput, explainer, load_input, source_of, with_rounding
from .results import Note, TrainingResult
from .shown_steps import ShownSteps
from .state import check_state_place, load_state, save_run, state_path


def run(network: NetworkInput, *, learning_rate: float | None = None,
        round_decimals: int | None = None, explain: bool = False, layer: int | None = None,
        neuron: int | None = None, save: str | Path | None = None, save_state: bool = False,
        choice: Choice | None = None, max_parameters: int = MAX_PARAMETERS,
        progress: Callback | None = None, defer: bool = False) -> TrainingResult:
    """One iteration in full: forward pass, loss, backward pass, gradients, update.

    ``save``: also write the updated network to this file; ``save_state``: to
    ``.backcalc/state.yaml`` for `step` to continue (as the command line does).
    ``defer``: leave saving to the result's ``complete()``, for a caller that writes
    the output first (the command line)."""
    choice = _chosen(choice)
    loaded = load_input(network, max_parameters)
    if isinstance(loaded, Graph):
        from .graph_uses import refuse_options, run_graph
        refuse_options(loaded, **{"--round": round_decimals, "--layer": layer,
                                  "--neuron": neuron, "--save": save})
        return run_graph(loaded, choice=choice, explain=explain, learning_rate=learning_rate,
                         save_state=save_state, defer=defer)
    net = with_rounding(loaded, round_decimals)
    explain_step = explainer(net, explain, layer, neuron)

    def sections(result: Run) -> list:
        from ..report import run_report  # (JSON and CSV need no report)
        return run_report(result, result.trained.learning_rate,
                          explain_step(result) if explain_step else None)

    return _train(net, 1, choice, sections, learning_rate=learning_rate, save=save,
                  save_state=save_state, progress=progress, defer=defer)


def step(network: NetworkInput | None = None, *, iterations: int = 1, full: bool = False,
         every: int = 1, quiet: bool = False, plot: str | Path | None = None,
         explain: bool = False, layer: int | None = None, neuron: int | None = None,
         round_decimals: int | None = None, learning_rate: float | None = None,
         save: str | Path | None = None, save_state: bool = False,
         choice: Choice | None = None, max_parameters: int = MAX_PARAMETERS,
         progress: Callback | None = None, defer: bool = False) -> TrainingResult:
    """``iterations`` iterations, one compact row each (``full``: every table); with no
    ``network``, continuing from ``.backcalc/state.yaml``.  ``progress(done, iterations)``
    hears of each iteration done.  ``defer``: leave saving and drawing ``plot`` to the
    result's ``complete()``, for a caller that shows the output first (the command line)."""
    choice = _chosen(choice)
    loaded = load_input(network, max_parameters) if network is not None \
        else load_state(max_parameters)
    if isinstance(loaded, Graph):
        from .graph_uses import refuse_options, step_graph
        refuse_options(loaded, **{"--full": full, "--every": every if every != 1 else None,
                                  "--plot": plot, "--explain": explain, "--round": round_decimals,
                                  "--layer": layer, "--neuron": neuron, "--save": save})
        return step_graph(loaded, iterations=iterations, choice=choice, quiet=quiet,
                          learning_rate=learning_rate, save_state=save_state, defer=defer)
    net = with_rounding(loaded, round_decimals)
    full = full or explain
    explain_step = explainer(net, explain, layer, neuron)
    plot_path = Path(plot) if plot is not None else None
    if plot_path is not None:
        if save_state:
            check_state_place()     # a link as .backcalc/ is named as such, first
        from ..plot import check_plot
        check_plot(plot_path, [source_of(net), state_path()], choice.force,
                   {"--save": save, "-o": choice.path, **_state_output(save_state)})
    first = net.progress.iteration + 1
    per_iteration = len(net.samples) if net.update == "online" else 1
    compact = None
    shown: Callable | None
    if choice.format in DOCUMENT_FORMATS:        # every step is in the document
        shown = None
    elif quiet:
        shown = _never
    else:
        # A compact table keeps its first and last rows (--max-rows in all), so memory
        # stays flat however many iterations run.
        compact = split_limit(choice.max_rows, TAIL_ROWS) if choice.max_rows else None
        shown = ShownSteps(first=first, every=every, last=first + iterations - 1,
                           rows_per_iteration=per_iteration, limit=None if full else compact)
    drawn = not quiet and choice.format not in DOCUMENT_FORMATS
    history = None
    if drawn or plot_path:
        history = LossHistory(iterations * per_iteration, first, per_iteration,
                              keep_all=plot_path is not None)

    def keep(step) -> bool:
        if history is not None:
            history.add(step.loss)
        return shown is None or shown(step)

    def sections(result: Outcome) -> list:
        from ..report import step_report  # (JSON and CSV need no report)
        run: Any = result       # quiet, an Outcome: step_report reads only what it has
        return step_report(run, result.trained.learning_rate, iterations, full=full,
                           quiet=quiet, every=every, hidden=getattr(shown, "hidden", 0),
                           gap_at=compact[0] if compact else 0,
                           after_step=explain_step(result) if explain_step else None,
                           history=history if drawn else None)

    def draw_plot(result: Outcome) -> list[Note]:
        if plot_path is None or history is None:
            return []
        from ..plot import plot_losses
        plot_losses(history, result.network.title, plot_path, force=choice.force)
        return [Note(f"Loss curve drawn in {plot_path}.")]

    # Steps nobody will look at (quiet, no plot) are computed without their trace.
    return _train(net, iterations, choice, sections, learning_rate=learning_rate, save=save,
                  save_state=save_state, progress=progress, keep=keep,
                  traced=shown is not _never or history is not None, after=draw_plot,
                  defer=defer)


def _never(step) -> bool:
    return False


def _state_output(save_state: bool) -> dict:
    """The state file among a run's outputs, so that -o or --plot never name it."""
    return {"the state file": state_path()} if save_state else {}


def _chosen(choice: Choice | None) -> Choice:
    return choice if choice is not None else Choice()


def _train(net: Network, iterations: int, choice: Choice, sections: Callable, *,
           learning_rate: float | None, save: str | Path | None, save_state: bool,
           progress: Callback | None, keep: Callable | None = None, traced: bool = True,
           after: Callable[[Outcome], list[Note]] | None = None,
           defer: bool = False) -> TrainingResult:
    """Train; then save, say what was saved, make a run that stopped or a save that
    failed the result's ``error``, and draw the plot (``after``) — or leave all that to
    ``result.complete()`` when ``defer``: the command line calls it once the output is
    written, so that an output that could not be written leaves the state as it was."""
    save_path = Path(save) if save is not None else None
    if save_state:
        check_state_place()
    if save_path is not None:
        check_save_target(save_path, source_of(net))
    check_target(choice.path, choice.force, [source_of(net), save_path, state_path()], "-o",
                 {"--save": save_path, **_state_output(save_state)})
    outcome: Outcome
    if traced:
        outcome = train(net, iterations, learning_rate=learning_rate, keep=keep,
                        progress=progress)
    else:
        outcome = train_untraced(net, iterations, learning_rate=learning_rate,
                                 progress=progress)
    result = TrainingResult(_output(outcome, sections), choice, run=outcome,
                            warnings=list(net.warnings))

    def finish() -> list[Note]:
        return _save(result, outcome, net, save_path, save_state, after)

    result.pending = finish
    if not defer:
        result.complete()
    return result


def _save(result: TrainingResult, outcome: Outcome, net: Network, save_path: Path | None,
          save_state: bool, after: Callable[[Outcome], list[Note]] | None) -> list[Note]:
    """Save the run and draw the plot (``after``); say what was saved, and make what went
    wrong (a run that stopped, a save or a plot that failed) the result's ``error``,
    whose one line also says what was written nonetheless.  The plot's notes."""
    choice = result.choice
    saved = save_run(outcome, net, save_path, save_state)
    result.saved = saved.message
    problem = saved.problem
    if outcome.stopped:
        where = f"{net.source}: " if net.source else ""
        if problem is None:
            kept = saved.told() or "nothing was saved"
        elif saved.written:                 # --save written, then the state failed
            kept = f"{saved.told()}; the state was not saved ({problem})"
        else:
            kept = f"nothing was saved ({problem})"
        problem = ComputationError(f"{where}{outcome.stopped}; {kept}")
    elif problem is not None and saved.written:
        problem.also(saved.told())
    drawn: list[Note] = []
    if after is not None:
        try:
            drawn = after(outcome)
        except BackcalcError as error:
            if problem is not None:
                problem.also(f"the loss curve was not drawn ({error})")
            else:
                problem = error.also(saved.told()) if saved.written else error
    document_on_stdout = choice.to_stdout and choice.format != "table"
    if saved.message and not (problem and document_on_stdout):
        result.notes.append(Note(saved.message, to_stderr=document_on_stdout))
    result.error = problem
    return drawn


def _output(outcome: Outcome, sections: Callable) -> Output:
    if not isinstance(outcome, Run):
        return Output(outcome.network.title, lambda: sections(outcome), _no_steps, _no_steps)
    run = outcome

    def document() -> dict:
        from ..jsonout import run_document
        return run_document(run)

    def rows() -> tuple:
        from ..csvout import RUN_COLUMNS, run_rows
        return RUN_COLUMNS, run_rows(run)

    return Output(run.network.title, lambda: sections(run), document, rows)


def _no_steps():
    raise InputError("a quiet step keeps no step's values to write as JSON or CSV; "
                     "run it without quiet")
