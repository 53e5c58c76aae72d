"""The ``backcalc`` command: a thin click layer over the library.

Each command reads its network, calls ``engine.train``, hands the result to a
report and a renderer, and saves the state.  All of backcalc's own errors are
turned into one line and exit status 2 in one place, ``BackcalcGroup.main``.
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import click

from .errors import BackcalcError, ComputationError, InputError, StateError
from .numbers import DEFAULT_PRECISION

FORMATS = ("table", "json")


class BackcalcGroup(click.Group):
    """Every error ends here as one line on standard error.

    backcalc's own errors and click's usage errors exit with status 2, Ctrl-C
    with 130; a closed pipe (``| head``) ends quietly.
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except BackcalcError as error:
            status = _fail(f"Error: {error}", 2)
        except click.exceptions.NoArgsIsHelpError as error:   # bare `backcalc`: its help
            click.echo(error.ctx.get_help())
            status = 0
        except click.UsageError as error:
            command = error.ctx.command_path if error.ctx else "backcalc"
            status = _fail(f"Error: {error.format_message()} (see `{command} --help`)", 2)
        except click.ClickException as error:
            status = _fail(f"Error: {error.format_message()}", error.exit_code)
        except (click.Abort, KeyboardInterrupt):
            status = _fail("Interrupted.", 130)
        except BrokenPipeError:
            # The reader went away (`| head`): end quietly, with rich's status for it.
            sys.stderr = sys.stdout = open(os.devnull, "w")
            status = 1
        sys.exit(status if isinstance(status, int) else 0)


def _fail(message: str, status: int) -> int:
    click.echo(message, err=True)
    return status


def output_options(command):
    """--format and --precision, shared by every command that prints a run."""
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                  show_default=True, help="table: tables for people; json: one JSON document with every value.")
    @click.option("--precision", type=click.IntRange(1, 17), default=DEFAULT_PRECISION,
                  show_default=True, help="Decimals shown in tables (JSON is always full).")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)
    return wrapper


def training_options(command):
    """--learning-rate and --save, shared by run and step."""
    @click.option("--learning-rate", "learning_rate", type=float, default=None,
                  help="Use this learning rate instead of the file's.")
    @click.option("--save", "save_path", type=click.Path(dir_okay=False, path_type=Path),
                  default=None, help="Also write the updated network to this file.")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        rate = kwargs.get("learning_rate")
        if rate is not None and not 0 <= rate < float("inf"):
            raise click.BadParameter(f"expected a finite number of 0 or more, found {rate}",
                                     param_hint="--learning-rate")
        return command(*args, **kwargs)
    return wrapper


@click.group(cls=BackcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backcalc")
def cli():
    """backcalc: every number of backpropagation, for checking work done by hand.

    Describe a small network in a YAML file, then `backcalc run net.yaml` prints
    every z, a, ∂L/∂a, δ, gradient and updated parameter of one iteration, and
    `backcalc step --iterations 3` continues from there.
    """


# --- helpers -------------------------------------------------------------------

def _load(network: str):
    from .examples import resolve
    from .netfile import load_network
    path, display = resolve(network)
    net = load_network(path, display)
    net.source_path = path
    return net


def _load_state():
    from .netfile import load_network
    from .savefile import STATE_DIR, state_path
    path = state_path()
    shown = f"{STATE_DIR}/{path.name}"
    if not path.exists():
        raise StateError(f"no saved state in {shown}: start with `backcalc run NETWORK` "
                         "or `backcalc step NETWORK --iterations N`")
    try:
        net = load_network(path, shown)
        net.source_path = path
        return net
    except InputError as error:
        raise StateError(f"the saved state is damaged ({error}); delete {STATE_DIR}/ and start "
                         "again with `backcalc run NETWORK`") from None


def _save(run, save_path: Path | None) -> str:
    """Write --save, then the state (not advanced if --save fails); the line saying so."""
    from .savefile import STATE_DIR, save_network, state_path
    if save_path is not None:
        save_network(run.trained, save_path)
    save_network(run.trained, state_path())
    message = (f"State after iteration {run.trained.progress.iteration} saved to "
               f"{STATE_DIR}/state.yaml; continue with `backcalc step --iterations N`.")
    if save_path is not None:
        message += f" Network saved to {save_path}."
    return message


def _train_and_show(net, iterations: int, fmt: str, precision: int, learning_rate,
                    save_path: Path | None, keep, sections) -> None:
    """Train, save, show; then report a stopped run or a failed save in one line."""
    from .engine import train
    from .savefile import check_save_target
    if save_path is not None:
        check_save_target(save_path, net.source_path)
    result = train(net, iterations, learning_rate=learning_rate, keep=keep)
    progressed = result.trained.progress.iteration > net.progress.iteration
    saved, problem = None, None
    if progressed or not result.stopped:   # a run that did nothing keeps the old state
        try:
            saved = _save(result, save_path)
        except BackcalcError as error:       # shown after the results, which are not lost
            problem = error
    if fmt == "json":
        _print_json(result)
    else:
        _print(sections(result), precision)
    if result.stopped:
        where = f"{net.source}: " if net.source else ""
        kept = (f"the state after iteration {result.trained.progress.iteration} is saved"
                if saved else f"nothing was saved ({problem})" if problem
                else "nothing was saved")
        problem = ComputationError(f"{where}{result.stopped}; {kept}")
    if saved and not (problem and fmt == "json"):
        click.echo(saved, err=fmt == "json")
    if problem:
        raise problem


def _print(sections, precision: int) -> None:
    from rich.console import Console
    from .render_rich import render
    render(sections, Console(highlight=False), precision)


def _print_json(run) -> None:
    from .jsonout import dumps, run_document
    click.echo(dumps(run_document(run)))


# --- commands ------------------------------------------------------------------

@cli.command()
@click.argument("network")
@output_options
@training_options
def run(network, fmt, precision, learning_rate, save_path):
    """One iteration in full: forward pass, loss, backward pass, gradients, update.

    NETWORK is a network file, or the name of a bundled example (see
    `backcalc examples`).  The network after the update is saved to
    .backcalc/state.yaml so that `backcalc step` can continue.

    Example: backcalc run mazur
    """
    from .report import run_report
    _train_and_show(_load(network), 1, fmt, precision, learning_rate, save_path, None,
                    lambda result: run_report(result, result.trained.learning_rate))


@cli.command()
@click.argument("network", required=False)
@click.option("-n", "--iterations", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many iterations to run.")
@click.option("--full", is_flag=True, help="Show every table of every iteration shown.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Show only every K-th iteration (and the last).")
@click.option("-q", "--quiet", is_flag=True, help="Show only the final summary.")
@output_options
@training_options
def step(network, iterations, full, every, quiet, fmt, precision, learning_rate, save_path):
    """Run N iterations, one compact row each; continue from the last run/step.

    With no NETWORK, continues from .backcalc/state.yaml (written by the last
    `run` or `step` in this folder), numbering iterations onward.

    Example: backcalc run mazur && backcalc step --iterations 3
    """
    from .report import step_report
    net = _load(network) if network else _load_state()
    first = net.progress.iteration + 1
    if fmt == "json":
        keep = None
    elif quiet:
        keep = _never
    else:
        rows = len(net.samples) if net.update == "online" else 1
        keep = ShownSteps(first=first, every=every, last=first + iterations - 1,
                          rows_per_iteration=rows, limit=None if full else COMPACT_ROWS)
    _train_and_show(net, iterations, fmt, precision, learning_rate, save_path, keep,
                    lambda result: step_report(result, result.trained.learning_rate, iterations,
                                               full=full, quiet=quiet, every=every,
                                               hidden=getattr(keep, "hidden", 0),
                                               gap_at=COMPACT_ROWS[0]))


COMPACT_ROWS = (40, 10)
"""A compact table keeps the first 40 and last 10 rows it would show; memory stays flat."""


def _never(step) -> bool:
    return False


class ShownSteps:
    """Which steps `step` shows: every K-th iteration and the last; in a compact table
    only the first ``head`` and last ``tail`` of those rows (one row per update).

    ``hidden`` counts the rows left out between them, for the report's gap marker.
    """

    def __init__(self, *, first: int, every: int, last: int, rows_per_iteration: int,
                 limit: tuple | None):
        self.first, self.every, self.last, self.limit = first, every, last, limit
        shown_iterations = (last - first) // every + 1
        if (last - first) % every:
            shown_iterations += 1                      # the last iteration is always shown
        self.total = shown_iterations * rows_per_iteration
        self.seen = 0
        self.hidden = 0

    def __call__(self, step) -> bool:
        if not ((step.iteration - self.first) % self.every == 0 or step.iteration == self.last):
            return False
        row, self.seen = self.seen, self.seen + 1
        if self.limit is not None and not step.diverged:
            head, tail = self.limit
            if head <= row < self.total - tail:
                self.hidden += 1
                return False
        return True


@cli.command()
def examples():
    """List the bundled example networks (use their names as NETWORK).

    Example: backcalc examples
    """
    from rich.console import Console
    from rich.table import Table
    from .examples import list_examples
    table = Table("name", "description", title="Bundled networks", title_justify="left",
                  box=None, highlight=False)
    for example in list_examples():
        table.add_row(example.name, example.description)
    Console(highlight=False).print(table)
    click.echo("Run one with `backcalc run NAME`; copy it with `backcalc run NAME --save my.yaml`.")


def main() -> None:
    cli(prog_name="backcalc")
