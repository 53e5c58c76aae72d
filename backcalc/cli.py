"""The ``backcalc`` command: a thin click layer over the library.

Each command reads its network, calls ``engine.train``, hands the result to a
report and a renderer, and saves the state.  All of backcalc's own errors are
turned into one line and exit status 2 in one place, ``BackcalcGroup.main``.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from pathlib import Path

import click

from .errors import BackcalcError, ComputationError, InputError, LimitError, StateError
from .numbers import DEFAULT_PRECISION

FORMATS = ("table", "json", "markdown", "latex", "csv", "html")   # formats.FORMATS' keys
DEFAULT_MAX_ROWS = 50                                              # layout.DEFAULT_MAX_ROWS


class BackcalcGroup(click.Group):
    """Every error ends here as one line on standard error.

    backcalc's own errors and click's usage errors exit with status 2, Ctrl-C
    with 130; a closed pipe (``| head``) ends quietly.
    """

    def invoke(self, ctx):
        # Ctrl-C inside a command: our one line, not click's (which first prints a newline).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None

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
        except (click.Abort, KeyboardInterrupt, Interrupted):
            status = _fail("Interrupted.", 130)
        except BrokenPipeError:
            # The reader went away (`| head`): end quietly, with rich's status for it.
            sys.stderr = sys.stdout = open(os.devnull, "w")
            status = 1
        sys.exit(status if isinstance(status, int) else 0)


class Interrupted(Exception):
    """Ctrl-C, carried past click's own handling to ``BackcalcGroup.main``."""


def _fail(message: str, status: int) -> int:
    click.echo(_one_line(message), err=True)
    return status


_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _one_line(text: str) -> str:
    """The message as one line: a line break or control character from the user's file
    (a key, a file name) is written as its escape, \\r or \\u2028."""
    return "".join(ch.encode("unicode_escape").decode("ascii")
                   if ch in _BREAKS or (ord(ch) < 32 and ch != "\t") or 127 <= ord(ch) <= 159
                   else ch
                   for ch in text)


class NonNegativeNumber(click.ParamType):
    """A finite number of 0 or more (click's FloatRange lets nan and inf through)."""

    name = "number"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"expected a number, found {value!r}", param, ctx)
        if not 0 <= number < math.inf:
            self.fail(f"expected a finite number of 0 or more, found {value}", param, ctx)
        return number


def output_options(command):
    """--format, --precision, --max-rows, -o, --fragment and --force, gathered into one
    ``formats.Choice`` passed to the command as ``out``."""
    @click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                  show_default=True, help="table: for the terminal; json: every value (SPEC); "
                  "markdown, latex, html: for write-ups; csv: one row per value.")
    @click.option("--precision", type=click.IntRange(1, 17), default=DEFAULT_PRECISION,
                  show_default=True, help="Decimals shown in tables (JSON and CSV are always "
                  "full).")
    @click.option("--max-rows", type=click.IntRange(min=0), default=DEFAULT_MAX_ROWS,
                  show_default=True, help="Longer tables show their first and last rows (wide "
                  "ones their first and last columns); 0 shows everything.")
    @click.option("-o", "--output", "output_path", type=click.Path(path_type=Path),
                  default=None, help="Write the output to this file instead of the terminal.")
    @click.option("--fragment", is_flag=True,
                  help="With --format latex: only the body, to \\input into a document.")
    @click.option("--force", is_flag=True, help="Let -o (and --plot) replace an existing file.")
    @functools.wraps(command)
    def wrapper(*args, fmt, precision, max_rows, output_path, fragment, force, **kwargs):
        from .formats import Choice
        if fragment and fmt != "latex":
            raise click.UsageError("--fragment goes with --format latex")
        out = Choice(fmt, precision, max_rows or None, output_path, fragment, force)
        return command(*args, out=out, **kwargs)
    return wrapper


def round_option(command):
    """--round N: round every computed value to N decimals before it is used further."""
    @click.option("--round", "round_decimals", type=click.IntRange(0, 15), default=None,
                  help="Round every computed value to N decimals before using it, as a hand "
                       "calculation does (the file's round_intermediates).")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)
    return wrapper


def explain_options(command):
    """--explain, --layer and --neuron, shared by run and step."""
    @click.option("--explain", is_flag=True,
                  help="Also write out every value's formula with the numbers substituted.")
    @click.option("--layer", type=click.IntRange(min=1), default=None,
                  help="With --explain: only this layer's values (layers count from 1).")
    @click.option("--neuron", type=click.IntRange(min=0), default=None,
                  help="With --explain: only this neuron number's values (in the file's "
                       "numbering).")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        if not kwargs["explain"] and (kwargs["layer"] is not None or kwargs["neuron"] is not None):
            raise click.UsageError("--layer and --neuron choose what --explain writes out; "
                                   "add --explain")
        return command(*args, **kwargs)
    return wrapper


learning_rate_option = click.option(
    "--learning-rate", "learning_rate", type=NonNegativeNumber(), default=None,
    help="Use this learning rate instead of the file's.")


def training_options(command):
    """--learning-rate and --save, shared by run and step."""
    @learning_rate_option
    @click.option("--save", "save_path", type=click.Path(dir_okay=False, path_type=Path),
                  default=None, help="Also write the updated network to this file.")
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        return command(*args, **kwargs)
    return wrapper


def _complete_network(ctx, param, incomplete: str):
    """Shell completion of NETWORK: the bundled examples' names, then files."""
    from .examples import example_paths
    return _completions(example_paths(), incomplete)


def _complete_answers(ctx, param, incomplete: str):
    from .examples import answers_paths
    return _completions(answers_paths(), incomplete)


def _completions(bundled: dict, incomplete: str) -> list:
    from click.shell_completion import CompletionItem
    names = [CompletionItem(name) for name in bundled if name.startswith(incomplete)]
    return names + [CompletionItem(incomplete, type="file")]


@click.group(cls=BackcalcGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="backcalc")
def cli():
    """backcalc: every number of backpropagation, for checking work done by hand.

    Describe a small network in a YAML file, then `backcalc run net.yaml` prints
    every z, a, ∂L/∂a, δ, gradient and updated parameter of one iteration, and
    `backcalc step --iterations 3` continues from there.
    """


# --- helpers -------------------------------------------------------------------

def max_parameters_option(default: int):
    """--max-parameters: the size of network a command accepts (kept in the click
    context, where ``_load`` and ``_load_state`` read it)."""
    def decorate(command):
        @click.option("--max-parameters", type=click.IntRange(min=1), default=default,
                      show_default=True, help="Refuse networks with more weights and biases "
                      "than this (raise it for a larger network).")
        @functools.wraps(command)
        def wrapper(*args, max_parameters, **kwargs):
            click.get_current_context().meta["max_parameters"] = max_parameters
            return command(*args, **kwargs)
        return wrapper
    return decorate


MAX_PARAMETERS = 1_000_000        # netfile.MAX_PARAMETERS
GRADCHECK_MAX_PARAMETERS = 20_000
"""gradcheck runs two forward passes per parameter: a larger network takes minutes."""


def _limit() -> int:
    return click.get_current_context().meta.get("max_parameters", MAX_PARAMETERS)


def _load(network: str):
    from .examples import resolve
    from .netfile import load_network
    path, display = resolve(network)
    net = load_network(path, display, _limit())
    net.source_path = path
    return net


def _rounded(net, round_decimals: int | None):
    """The network with --round applied (it stands for the file's round_intermediates)."""
    if round_decimals is not None:
        net.round_intermediates = round_decimals
    return net


def _explainer(net, explain: bool, layer, neuron):
    """The ``after_step`` hook writing out each shown step (None without --explain)."""
    if not explain:
        return None
    from .explain import Selection, explain_sections
    if layer is not None and layer > len(net.layers):
        raise click.BadParameter(f"the network has layers 1 to {len(net.layers)}, found {layer}",
                                 param_hint="--layer")
    sizes = [net.layers[layer - 1].size] if layer is not None else [l.size for l in net.layers]
    base = net.index_base
    if neuron is not None and not base <= neuron < max(sizes) + base:
        where = f"layer {layer}" if layer is not None else "the largest layer"
        raise click.BadParameter(f"{where} has neurons {base} to {max(sizes) + base - 1}, "
                                 f"found {neuron}", param_hint="--neuron")
    selection = Selection(layer, neuron)
    return lambda result: (lambda step: explain_sections(result, step, selection))


def _load_state():
    from .netfile import load_network
    from .savefile import STATE_DIR, state_path
    path = state_path()
    shown = f"{STATE_DIR}/{path.name}"
    if not path.exists():
        raise StateError(f"no saved state in {shown}: start with `backcalc run NETWORK` "
                         "or `backcalc step NETWORK --iterations N`")
    try:
        net = load_network(path, shown, _limit())
        net.source_path = path
        return net
    except LimitError:
        raise
    except InputError as error:
        what = "damaged" if _written_by_backcalc(path) else "not a state backcalc wrote"
        raise StateError(f"the saved state is {what} ({error}); delete {STATE_DIR}/ and start "
                         "again with `backcalc run NETWORK`") from None


def _written_by_backcalc(path: Path) -> bool:
    from .savefile import SAVED_MARK
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SAVED_MARK)) == SAVED_MARK.encode()
    except OSError:
        return False


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


def _train_and_show(net, iterations: int, out, learning_rate, save_path: Path | None, keep,
                    sections, after=None, trace: bool = True) -> None:
    """Train, save, show; then report a stopped run or a failed save in one line.

    ``after(result)`` runs once the run is saved (step's --plot); ``trace=False`` when
    no step will be looked at (``engine.train``)."""
    from .engine import train
    from .formats import check_target
    from .savefile import check_save_target, state_path
    if save_path is not None:
        check_save_target(save_path, net.source_path)
    check_target(out.path, out.force, [net.source_path, save_path, state_path()], "-o",
                 {"--save": save_path})
    result = train(net, iterations, learning_rate=learning_rate, keep=keep, trace=trace)
    progressed = result.trained.progress.iteration > net.progress.iteration
    saved, problem = None, None
    if progressed or not result.stopped:   # a run that did nothing keeps the old state
        try:
            saved = _save(result, save_path)
        except BackcalcError as error:       # shown after the results, which are not lost
            problem = error
    _show(out, _run_output(result, sections))
    if after is not None:
        after(result)
    if result.stopped:
        where = f"{net.source}: " if net.source else ""
        kept = (f"the state after iteration {result.trained.progress.iteration} is saved"
                if saved else f"nothing was saved ({problem})" if problem
                else "nothing was saved")
        problem = ComputationError(f"{where}{result.stopped}; {kept}")
    document_on_stdout = out.to_stdout and out.format != "table"
    if saved and not (problem and document_on_stdout):
        click.echo(saved, err=document_on_stdout)
    if problem:
        raise problem


def _run_output(result, sections):
    from .csvout import RUN_COLUMNS, run_rows
    from .formats import Output
    from .jsonout import run_document
    return Output(result.network.title, lambda: sections(result), lambda: run_document(result),
                  lambda: (RUN_COLUMNS, run_rows(result)))


def _show(out, output) -> None:
    """Write the output as chosen; with -o, say where it went (on standard error)."""
    from .formats import write
    write(output, out)
    if out.path is not None:
        click.echo(f"Wrote {out.path} ({out.format}).", err=True)


# --- commands ------------------------------------------------------------------

@cli.command()
@click.argument("network", shell_complete=_complete_network)
@explain_options
@round_option
@output_options
@training_options
@max_parameters_option(MAX_PARAMETERS)
def run(network, explain, layer, neuron, round_decimals, out, learning_rate, save_path):
    """One iteration in full: forward pass, loss, backward pass, gradients, update.

    NETWORK is a network file, or the name of a bundled example (see
    `backcalc examples`).  The network after the update is saved to
    .backcalc/state.yaml so that `backcalc step` can continue.  --explain
    writes every value out as a hand calculation does:
    z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775.

    Example: backcalc run mazur --explain --format latex -o mazur.tex
    """
    net = _rounded(_load(network), round_decimals)
    explainer = _explainer(net, explain, layer, neuron)

    def sections(result):
        from .report import run_report            # (JSON and CSV need no report)
        return run_report(result, result.trained.learning_rate,
                          explainer(result) if explainer else None)

    _train_and_show(net, 1, out, learning_rate, save_path, None, sections)


@cli.command()
@click.argument("network", required=False, shell_complete=_complete_network)
@click.option("-n", "--iterations", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many iterations to run.")
@click.option("--full", is_flag=True, help="Show every table of every iteration shown.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Show only every K-th iteration (and the last).")
@click.option("-q", "--quiet", is_flag=True, help="Show only the final summary.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also draw the loss over the iterations into this PNG file "
              "(needs matplotlib: pip install 'backcalc[plot]').")
@explain_options
@round_option
@output_options
@training_options
@max_parameters_option(MAX_PARAMETERS)
def step(network, iterations, full, every, quiet, plot_path, explain, layer, neuron,
         round_decimals, out, learning_rate, save_path):
    """Run N iterations, one compact row each; continue from the last run/step.

    With no NETWORK, continues from .backcalc/state.yaml (written by the last
    `run` or `step` in this folder), numbering iterations onward.  The output
    ends with a chart of the loss over the iterations.

    Example: backcalc run mazur && backcalc step --iterations 3
    """
    from .savefile import state_path
    net = _rounded(_load(network) if network else _load_state(), round_decimals)
    full = full or explain
    explainer = _explainer(net, explain, layer, neuron)
    if plot_path is not None:
        from .plot import check_plot
        check_plot(plot_path, [net.source_path, state_path()], out.force,
                   {"--save": save_path, "-o": out.path})
    first = net.progress.iteration + 1
    per_iteration = len(net.samples) if net.update == "online" else 1
    compact = None
    if out.format in ("json", "csv"):            # every step is in the document
        shown = None
    elif quiet:
        shown = _never
    else:
        # A compact table keeps its first and last rows (--max-rows in all), so memory
        # stays flat however many iterations run.
        from .layout import TAIL_ROWS, split_limit
        compact = split_limit(out.max_rows, TAIL_ROWS) if out.max_rows else None
        shown = ShownSteps(first=first, every=every, last=first + iterations - 1,
                           rows_per_iteration=per_iteration, limit=None if full else compact)
    drawn = not quiet and out.format not in ("json", "csv")
    history = None
    if drawn or plot_path:
        from .curve import LossHistory
        history = LossHistory(iterations * per_iteration, first, per_iteration,
                              keep_all=plot_path is not None)

    def keep(step) -> bool:
        if history is not None:
            history.add(step.loss)
        return shown is None or shown(step)

    def plot(result) -> None:
        if plot_path is not None:
            from .plot import plot_losses
            plot_losses(history, result.network.title, plot_path)
            click.echo(f"Loss curve drawn in {plot_path}.", err=True)

    def sections(result):
        from .report import step_report           # (JSON and CSV need no report)
        return step_report(result, result.trained.learning_rate, iterations, full=full,
                           quiet=quiet, every=every, hidden=getattr(shown, "hidden", 0),
                           gap_at=compact[0] if compact else 0,
                           after_step=explainer(result) if explainer else None,
                           history=history if drawn else None)

    # Steps nobody will look at (--quiet, no --plot) are computed without their trace.
    _train_and_show(net, iterations, out, learning_rate, save_path, keep, sections,
                    after=plot, trace=shown is not _never or history is not None)


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
    from rich.table import Table
    from .examples import list_examples
    from .render_rich import console
    table = Table("name", "description", title="Bundled networks", title_justify="left",
                  box=None, highlight=False)
    for example in list_examples():
        table.add_row(example.name, example.description)
    console().print(table)
    click.echo("Run one with `backcalc run NAME`; copy it with `backcalc run NAME --save my.yaml`.")


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@output_options
@max_parameters_option(GRADCHECK_MAX_PARAMETERS)
def gradcheck(network, out):
    """Compare every analytic gradient with a central finite difference.

    For every parameter θ, in file order, the gradient backcalc computes is set
    beside (L(θ + h) − L(θ − h)) / 2h with their relative error; exit status 1
    when one of them is a mismatch.  Points at a ReLU-type kink are marked
    kink, not failed.  Batch mode checks the loss over all samples, online mode
    each sample's own loss; round_intermediates is switched off for the check.

    Example: backcalc gradcheck mazur
    """
    from .csvout import record_rows
    from .formats import Output, check_target
    from .gradcheck import gradcheck as check_gradients
    from .gradcheck import gradcheck_document, gradcheck_report
    net = _load(network)
    check_target(out.path, out.force, [net.source_path])
    result = check_gradients(net)
    _show(out, Output(net.title, lambda: gradcheck_report(result),
                      lambda: gradcheck_document(result),
                      lambda: record_rows(gradcheck_document(result)["parameters"])))
    if result.mismatches:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@click.argument("answers", shell_complete=_complete_answers)
@click.option("--tolerance", type=NonNegativeNumber(), default=None,
              help="Accept every answer within this distance of the right value (instead of "
                   "half a unit of the last digit written).")
@round_option
@output_options
@learning_rate_option
@max_parameters_option(MAX_PARAMETERS)
def check(network, answers, tolerance, round_decimals, out, learning_rate):
    """Check a student's answers: each right or wrong, the first wrong step, and why.

    ANSWERS is a YAML file of what was computed by hand, any subset: z1: [0.3775,
    0.3925], a1_2: 0.5969, loss: 0.2984, dL/dw5: 0.0822, w5+: 0.3589 (see the
    README).  An answer is right within half a unit of its last digit; a wrong
    one computed from an earlier wrong one is marked as following from it, and a
    common slip that reproduces it is named.  Exit status 1 if any answer is wrong.

    Example: backcalc check mazur seed001
    """
    from .answers import load_answers
    from .check import check as check_answers
    from .check_report import check_document, check_report
    from .csvout import record_rows
    from .examples import resolve_answers
    from .formats import Output, check_target
    net = _rounded(_load(network), round_decimals)
    path, display = resolve_answers(answers)
    check_target(out.path, out.force, [net.source_path, path])
    result = check_answers(net, load_answers(path, net, display), tolerance=tolerance,
                           learning_rate=learning_rate)
    rate = net.learning_rate if learning_rate is None else learning_rate
    _show(out, Output(f"Checking {display} against {net.title}",
                      lambda: check_report(result, display, rate, tolerance),
                      lambda: check_document(result),
                      lambda: record_rows(check_document(result)["results"])))
    if not result.passed:
        raise click.exceptions.Exit(1)


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@click.option("--values", is_flag=True,
              help="Also show each neuron's z and a for one sample, and that sample's loss.")
@click.option("--sample", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which sample's input, target and values to show (counted from 1).")
@click.option("--precision", type=click.IntRange(1, 17), default=DEFAULT_PRECISION,
              show_default=True, help="Decimals shown.")
@round_option
@max_parameters_option(MAX_PARAMETERS)
def show(network, values, sample, precision, round_decimals):
    """Check a network file and draw it: inputs, layers, every weight on its edge.

    The inputs come first, then each layer as a column of neurons, each with its
    activation and bias and the weights on the arrows into it (w1 = 0.15 from
    x₁); the output layer shows the targets.  --values adds each neuron's z and
    a for one sample and its loss.  A network too large to read as a drawing is
    shown as one row per layer.

    Example: backcalc show mazur --values
    """
    from .drawing import show_report
    from .render_rich import console as terminal, render
    net = _rounded(_load(network), round_decimals)
    if sample > len(net.samples):
        raise click.BadParameter(f"the network has {len(net.samples)} sample"
                                 f"{'s' if len(net.samples) != 1 else ''}, found {sample}",
                                 param_hint="--sample")
    console = terminal()
    render(show_report(net, width=console.width, values=values, sample=sample,
                       precision=precision, command=network), console, precision)


# --- schema and new: files to start from -------------------------------------------

def _write_or_print(text: str, output: Path | None, force: bool, done: str) -> None:
    """Standard output, or -o FILE (never an existing file without --force)."""
    if output is None:
        click.echo(text, nl=False)
        return
    from .formats import check_target
    from .savefile import write_atomically
    check_target(output, force, [])
    write_atomically(output, text)
    click.echo(done)


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the schema to this file instead of standard output.")
@click.option("--force", is_flag=True, help="With -o: replace the file if it exists.")
def schema(output, force):
    """Print the JSON Schema of a network file, for editors and scripts.

    Editors with a YAML language server (VS Code's YAML extension, …) then
    complete keys, list the activations and losses, show what each key means
    and mark mistakes as you type, when the file's first line is
    `# yaml-language-server: $schema=network.schema.json` (as in the bundled
    networks).  The schema cannot check sizes; `backcalc run` still does.

    Example: backcalc schema -o network.schema.json
    """
    from .schema import schema_text
    _write_or_print(schema_text(), output, force,
                    f"Schema written to {output}; point a network file at it with its first "
                    f"line: # yaml-language-server: $schema={output.name if output else ''}")


@cli.command()
@click.argument("arch")
@click.option("--activation", default=None, metavar="NAMES",
              help="One activation per layer, separated by commas, or one for every layer "
                   "[default: sigmoid].")
@click.option("--loss", default=None, metavar="NAME", help="The loss [default: "
                                                           "half_squared_error].")
@click.option("--learning-rate", "learning_rate", type=NonNegativeNumber(), default=None,
              help="The learning rate [default: 0.5].")
@click.option("--seed", default=None, metavar="N",
              help="Seed for the numbers not given [default: 0].")
@click.option("--weights", default=None, metavar="NUMBERS",
              help="Every weight in file order (layer by layer, neuron by neuron), separated "
                   "by commas, or one number for all.")
@click.option("--biases", default=None, metavar="NUMBERS",
              help="Every bias in file order (one per neuron), or one number for all.")
@click.option("--input", "input_", default=None, metavar="NUMBERS",
              help="The input, separated by commas.")
@click.option("--target", default=None, metavar="NUMBERS",
              help="The target, separated by commas.")
@click.option("--name", default=None, help="The title shown in headings.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Write the network to this file instead of standard output.")
@click.option("--force", is_flag=True, help="With -o: replace the file if it exists.")
def new(arch, activation, loss, learning_rate, seed, weights, biases, input_, target, name,
        output, force):
    """Make a network file to edit, from layer sizes such as 2-3-1.

    ARCH is the sizes joined by '-', the input's first: 2-3-1 has 2 inputs, a
    hidden layer of 3 neurons and an output layer of 1.  Parameters are named
    w1, w2, … and b1, b2, … across the network, as in Mazur's example; numbers
    not given are drawn with --seed (weights and biases in [-1, 1], input and
    target in [0, 1]; 0 or 1 for binary cross-entropy, one-hot for
    cross-entropy), rounded to 2 decimals.  Prints the file, or writes it
    with -o FILE.

    Example: backcalc new 2-3-1 --activation relu,sigmoid -o net.yaml
    """
    from .scaffold import Request, scaffold
    request = Request(arch, activation=activation, loss=loss, learning_rate=learning_rate,
                      seed=seed, weights=weights, biases=biases, input=input_, target=target,
                      name=name)
    text = scaffold(request, str(output) if output is not None else None)
    _write_or_print(text, output, force,
                    f"Network written to {output}; edit its numbers, then `backcalc run "
                    f"{output}`.")


def main() -> None:
    cli(prog_name="backcalc")
