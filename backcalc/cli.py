"""The ``backcalc`` command: its commands and options, over the application layer.

Each command hands its options to the use of the same name in ``app`` (which
computes and saves, and never prints), writes the result through ``terminal``, and
exits with the result's status.  All of backcalc's own errors are turned into one
line and exit status 2 in one place, ``BackcalcGroup.main``.

Importing this module loads neither NumPy nor the library: ``app`` loads each use's
module when the command runs, so `backcalc --help` starts at once.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from . import app, streams, terminal
from .document import visible
from .errors import BackcalcError, OptionError
from .examples import answers_paths, example_paths, graph_paths
from .formats import DEFAULT_MAX_ROWS, FORMATS, GRADESCOPE, Choice, file_name
from .limits import GRADCHECK_MAX_PARAMETERS, MAX_PARAMETERS
from .numbers import DEFAULT_PRECISION
from .progress_bar import progress_bar, wanted


class BackcalcCommand(click.Command):
    """A value that does not fit the network (``OptionError``: a --layer it does not
    have) is a usage error of the option that gave it, as click reports its own."""

    def invoke(self, ctx):
        # The command's module (and NumPy) is loaded here, low in the call stack: under
        # CPython 3.11 and 3.12 an import this long, started a few frames deeper, can
        # allocate and free a block of frame memory at every call (CPython issue 142183),
        # which made `backcalc run` start some 15 ms later.
        app.load(self.name)
        try:
            return super().invoke(ctx)
        except OptionError as error:
            raise click.BadParameter(error.message, ctx=ctx,
                                     param_hint=_option_name(self, error.option)) from None


def _option_name(command: click.Command, name: str) -> str:
    for param in command.params:
        if param.name == name:
            return next((opt for opt in param.opts if opt.startswith("--")), param.opts[0])
    return name


class BackcalcGroup(click.Group):
    """Every error ends here as one line on standard error.

    backcalc's own errors, click's usage errors and running out of memory exit with
    status 2, Ctrl-C with 130; a closed pipe (``| head``) ends quietly.
    """

    command_class = BackcalcCommand

    def invoke(self, ctx):
        # Ctrl-C inside a command: our one line, not click's (which first prints a newline).
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted() from None

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        streams.guard()
        previous = _end_on_signals()
        try:
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
            except MemoryError:
                status = _fail(OUT_OF_MEMORY, 2)
            except Signalled as ended:
                status = _fail(f"Ended by {ended.name}.", 128 + ended.number)
            sys.stdout.flush()          # (what is still buffered fails here, not on exit)
        except BrokenPipeError:
            # The reader went away (`| head`): end quietly, with rich's status for it.
            sys.stderr = sys.stdout = open(os.devnull, "w")
            status = 1
        except streams.OutputFailed as error:
            # Nothing more can reach that stream: say so on standard error, if it can.
            if error.stream == "output":
                streams.silence("stdout")
                status = _fail(f"Error: {error}", 2)
            else:
                streams.silence("stderr")
                status = 2
        finally:
            _restore(previous)
        sys.exit(status if isinstance(status, int) else 0)


OUT_OF_MEMORY = ("Error: out of memory: the system gave backcalc less memory than this "
                 "needs (a limit such as ulimit -v?); free some memory, raise the limit, or "
                 "try a smaller network")


class Interrupted(Exception):
    """Ctrl-C, carried past click's own handling to ``BackcalcGroup.main``."""


class Signalled(BaseException):
    """SIGTERM or SIGHUP (the terminal closed), ending the run as Ctrl-C does: raised
    where the program is, so a file being written is removed (``savefile.write_file``),
    then one line and status 128 + the signal's number, as a shell reports it."""

    def __init__(self, number: int):
        super().__init__(number)
        self.number = number
        self.name = signal.Signals(number).name


_ENDING_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                        if hasattr(signal, name))


class _Ending:
    """The signal ending this run (None: none yet), and the handlers backcalc set to
    SIG_IGN on its way out, with what they were before."""

    number: int | None = None
    quieted: dict = {}


def _raise_signalled(number: int, frame) -> None:
    """The first SIGTERM, SIGHUP or SIGINT ends the run; any that follows while it ends
    (TERM twice, TERM then HUP as a closing terminal sends) is ignored, so the run's
    clean-up finishes and its line and status are the first signal's."""
    if _Ending.number is not None:
        return
    _Ending.number = number
    if number == signal.SIGINT:
        raise KeyboardInterrupt
    raise Signalled(number)


def _end_on_signals() -> dict:
    """Make SIGTERM and SIGHUP raise ``Signalled`` (and SIGINT its KeyboardInterrupt),
    where they would end the process at once (a signal ignored, as under nohup, stays
    ignored; one set aside by a program embedding backcalc stays its own); the handlers
    replaced, as they were before."""
    _Ending.number = None
    quieted, _Ending.quieted = _Ending.quieted, {}
    previous = {}
    defaults = [(number, signal.SIG_DFL) for number in _ENDING_SIGNALS]
    for number, default in defaults + [(signal.SIGINT, signal.default_int_handler)]:
        try:
            current = signal.getsignal(number)
            if current == default or number in quieted:
                signal.signal(number, _raise_signalled)
                previous[number] = quieted.get(number, current)
        except (ValueError, OSError):     # not the main thread: left as it is
            pass
    return previous


def _restore(previous: dict) -> None:
    """The handlers as they were; after a run a signal ended, each is ignored instead
    (the next ``_end_on_signals`` puts it back): a second signal in the process's last
    moments would otherwise end it with its own status, not the one the line gives."""
    ending = _Ending.number is not None
    for number, handler in previous.items():
        try:
            signal.signal(number, signal.SIG_IGN if ending else handler)
        except (ValueError, OSError):
            pass
    if ending:
        _Ending.quieted = dict(previous)


def _fail(message: str, status: int) -> int:
    """Write the message as one line on standard error; if that fails too, end quietly."""
    try:
        click.echo(_one_line(message), err=True)
        sys.stderr.flush()
    except (OSError, streams.OutputFailed):
        streams.silence("stderr")
    return status


def _one_line(text: str) -> str:
    """The message as one line: a line break or control character from the user's file
    (a key, a file name) is written as its escape, \\r or \\u2028 (``document.visible``,
    as every document shows the user's text)."""
    return visible(text)


class NonNegativeNumber(click.ParamType):
    """A finite number of 0 or more, written as a network file writes one (a plain
    decimal: not 1_0, 0x10 or 08, which float() or YAML would read otherwise; click's
    FloatRange lets nan and inf through)."""

    name = "number"

    def convert(self, value, param, ctx):
        if isinstance(value, (int, float)):
            number = float(value)
        else:
            from .yamlsource import RefusedNumber, read_number  # (loaded only when given)
            number = read_number(str(value).strip(), "str")
            if isinstance(number, RefusedNumber):
                self.fail(number.problem, param, ctx)
            if number is None:
                self.fail(f"expected a decimal number (such as 0.5 or 1e-3), found {value!r}",
                          param, ctx)
            number = float(number)
        if not 0 <= number < math.inf:
            self.fail(f"expected a finite number of 0 or more, found {value}", param, ctx)
        return number


class Credit(NonNegativeNumber):
    """A share of an answer's point: a number from 0 to 1."""

    name = "credit"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if number > 1:
            self.fail(f"expected a number from 0 to 1, found {value}", param, ctx)
        return number


class FileName(click.Path):
    """The name of a file to write (-o, --save, --plot): a name ending in a slash, a
    folder's, is refused (``formats.file_name``), where Path would drop the slash."""

    def __init__(self, shown: str = "path") -> None:
        super().__init__(path_type=Path)
        self.name = shown                   # as the help writes it: PATH, FILE

    def convert(self, value, param, ctx):
        if isinstance(value, (str, bytes)):
            file_name(value, _option_shown(param))
        return super().convert(value, param, ctx)


def _option_shown(param) -> str:
    names = getattr(param, "opts", None) or ["the file"]
    return next((name for name in names if name.startswith("--") and name != "--output"),
                names[0])


def output_options(command, formats=tuple(FORMATS), more_help: str = ""):
    """--format, --precision, --max-rows, -o, --fragment and --force, gathered into one
    ``formats.Choice`` passed to the command as ``out``; ``formats``: the formats the
    command offers (every command's, and its own: ``more_help`` says what they are)."""
    @click.option("--format", "fmt", type=click.Choice(formats), default="table",
                  show_default=True, help="table: for the terminal; json: every value (SPEC); "
                  "markdown, latex, html: for write-ups; csv: one row per value" + more_help
                  + ".")
    @click.option("--precision", type=click.IntRange(1, 17), default=DEFAULT_PRECISION,
                  show_default=True, help="Decimals shown in tables (JSON and CSV are always "
                  "full).")
    @click.option("--max-rows", type=click.IntRange(min=0), default=DEFAULT_MAX_ROWS,
                  show_default=True, help="Longer tables show their first and last rows (wide "
                  "ones their first and last columns); 0 shows everything.")
    @click.option("-o", "--output", "output_path", type=FileName(),
                  default=None, help="Write the output to this file instead of the terminal.")
    @click.option("--fragment", is_flag=True,
                  help="With --format latex: only the body, to \\input into a document.")
    @click.option("--force", is_flag=True, help="Let -o (and --plot) replace an existing file.")
    @functools.wraps(command)
    def wrapper(*args, fmt, precision, max_rows, output_path, fragment, force, **kwargs):
        if fragment and fmt != "latex":
            raise click.UsageError("--fragment goes with --format latex")
        out = Choice(fmt, precision, max_rows or None, output_path, fragment, force)
        return command(*args, out=out, **kwargs)
    return wrapper


# --round N: round every computed value to N decimals before it is used further.
round_option = click.option(
    "--round", "round_decimals", type=click.IntRange(0, 15), default=None,
    help="Round every computed value to N decimals before using it, as a hand calculation "
         "does (the file's round_intermediates).")


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
            from .app.graph_uses import names_a_graph
            if not names_a_graph(kwargs["network"]):    # (a graph's run refuses them itself)
                raise click.UsageError("--layer and --neuron choose what --explain writes "
                                       "out; add --explain")
        return command(*args, **kwargs)
    return wrapper


learning_rate_option = click.option(
    "--learning-rate", "learning_rate", type=NonNegativeNumber(), default=None,
    help="Use this learning rate instead of the file's.")


save_option = click.option(
    "--save", "save_path", type=FileName("file"), default=None,
    help="Also write the updated network to this file.")


def training_options(command):
    """--learning-rate and --save, shared by run and step."""
    # Options only, no wrapper function: each wrapper is one more frame under the command.
    return learning_rate_option(save_option(command))


def _complete_network(ctx, param, incomplete: str):
    """Shell completion of NETWORK: the bundled examples' names, then files."""
    return _completions({**example_paths(), **graph_paths()}, incomplete)


def _complete_answers(ctx, param, incomplete: str):
    return _completions(answers_paths(), incomplete)


def _completions(bundled: dict, incomplete: str) -> list:
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
    """--max-parameters: the size of network a command accepts."""
    return click.option("--max-parameters", type=click.IntRange(min=1), default=default,
                        show_default=True, help="Refuse networks with more weights and biases "
                        "than this (raise it for a larger network).")


def _finish(result, out) -> None:
    """Write the result; then report what went wrong after the work (a run that stopped,
    a save that failed), and exit with the result's status."""
    terminal.write_output(result, out)
    if result.error is not None:
        raise result.error
    if result.status:
        raise click.exceptions.Exit(result.status)


def grading_options(command):
    """--asked and --follows-credit: what was asked, and what an answer following from
    the student's own earlier error scores (grade, and check --format gradescope)."""
    command = click.option(
        "--follows-credit", "follows_credit", type=Credit(), default=1.0, show_default=True,
        help="What an answer that follows from the student's own earlier error scores "
             "(0 to 1).")(command)
    return click.option(
        "--asked", type=click.Path(dir_okay=True), default=None, metavar="FILE",
        help="An answers file naming what was asked (its values are ignored, and may be "
             "empty): an answer not given scores 0 and is counted missing (check: with "
             "--format gradescope).")(command)


# --- commands ------------------------------------------------------------------

@cli.command()
@click.argument("network", shell_complete=_complete_network)
@explain_options
@round_option
@output_options
@training_options
@max_parameters_option(MAX_PARAMETERS)
def run(network, explain, layer, neuron, round_decimals, out, learning_rate, save_path,
        max_parameters):
    """One iteration in full: forward pass, loss, backward pass, gradients, update.

    NETWORK is a network file, or the name of a bundled example (see
    `backcalc examples`).  The network after the update is saved to
    .backcalc/state.yaml so that `backcalc step` can continue.  --explain
    writes every value out as a hand calculation does:
    z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775.

    Example: backcalc run mazur --explain --format latex -o mazur.tex
    """
    _finish(app.run(network, learning_rate=learning_rate, round_decimals=round_decimals,
                    explain=explain, layer=layer, neuron=neuron, save=save_path,
                    save_state=True, choice=out, max_parameters=max_parameters, defer=True),
            out)


@cli.command()
@click.argument("network", required=False, shell_complete=_complete_network)
@click.option("-n", "--iterations", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many iterations to run.")
@click.option("--full", is_flag=True, help="Show every table of every iteration shown.")
@click.option("--every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Show only every K-th iteration (and the last).")
@click.option("-q", "--quiet", is_flag=True, help="Show only the final summary.")
@click.option("--plot", "plot_path", type=FileName("file"),
              default=None, help="Also draw the loss over the iterations into this PNG file "
              "(needs matplotlib: pip install 'backcalc[plot]').")
@explain_options
@round_option
@output_options
@training_options
@max_parameters_option(MAX_PARAMETERS)
def step(network, iterations, full, every, quiet, plot_path, explain, layer, neuron,
         round_decimals, out, learning_rate, save_path, max_parameters):
    """Run N iterations, one compact row each; continue from the last run/step.

    With no NETWORK, continues from .backcalc/state.yaml (written by the last
    `run` or `step` in this folder), numbering iterations onward.  The output
    ends with a chart of the loss over the iterations.

    Example: backcalc run mazur && backcalc step --iterations 3
    """
    with progress_bar("Training", "iterations", wanted(out.format)) as progress:
        result = app.step(network, iterations=iterations, full=full, every=every, quiet=quiet,
                          plot=plot_path, explain=explain, layer=layer, neuron=neuron,
                          round_decimals=round_decimals, learning_rate=learning_rate,
                          save=save_path, save_state=True, choice=out,
                          max_parameters=max_parameters, progress=progress, defer=True)
    _finish(result, out)


@cli.command()
def examples():
    """List the bundled example networks (use their names as NETWORK).

    Example: backcalc examples
    """
    terminal.examples_table(app.examples())


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@output_options
@max_parameters_option(GRADCHECK_MAX_PARAMETERS)
def gradcheck(network, out, max_parameters):
    """Compare every analytic gradient with a central finite difference.

    For every parameter θ, in file order, the gradient backcalc computes is set
    beside (L(θ + h) − L(θ − h)) / 2h with their relative error; exit status 1
    when one of them is a mismatch.  Points at a ReLU-type kink are marked
    kink, not failed.  Batch mode checks the loss over all samples, online mode
    each sample's own loss; round_intermediates is switched off for the check.

    Example: backcalc gradcheck mazur
    """
    with progress_bar("Checking gradients", "losses", wanted(out.format)) as progress:
        result = app.gradcheck(network, choice=out, max_parameters=max_parameters,
                               progress=progress)
    _finish(result, out)


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@click.argument("answers", shell_complete=_complete_answers)
@click.option("--tolerance", type=NonNegativeNumber(), default=None,
              help="Accept every answer within this distance of the right value (instead of "
                   "half a unit of the last digit written).")
@round_option
@functools.partial(output_options, formats=(*FORMATS, GRADESCOPE),
                   more_help="; gradescope: an autograder's results.json (with --asked)")
@learning_rate_option
@max_parameters_option(MAX_PARAMETERS)
@grading_options
def check(network, answers, tolerance, round_decimals, out, learning_rate, max_parameters,
          asked, follows_credit):
    """Check a student's answers: each right or wrong, the first wrong step, and why.

    ANSWERS is a YAML file of what was computed by hand, any subset: z1: [0.3775,
    0.3925], a1_2: 0.5969, loss: 0.2984, dL/dw5: 0.0822, w5+: 0.3589 (see the
    README); for a computational graph, node names and gradients: q: 3, df/dq:
    -4, x+: -1.6.  An answer is right within half a unit of its last digit; a wrong
    one computed from an earlier wrong one is marked as following from it, and a
    common slip that reproduces it is named.  Exit status 1 if any answer is wrong.
    --format gradescope writes a Gradescope autograder's results.json, scored as
    `backcalc grade` scores (--asked, --follows-credit), even for a file that
    cannot be read (see docs/grade.md).

    Example: backcalc check mazur seed001
    """
    with progress_bar("Checking answers", "", wanted(out.format)) as progress:
        result = app.check(network, answers, tolerance=tolerance, round_decimals=round_decimals,
                           learning_rate=learning_rate, choice=out,
                           max_parameters=max_parameters, progress=progress, asked=asked,
                           follows_credit=follows_credit)
    _finish(result, out)


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@click.argument("submissions", nargs=-1, required=True)
@grading_options
@click.option("--tolerance", type=NonNegativeNumber(), default=None,
              help="Accept every answer within this distance of the right value (instead of "
                   "half a unit of the last digit written).")
@output_options
@max_parameters_option(MAX_PARAMETERS)
def grade(network, submissions, asked, follows_credit, tolerance, out, max_parameters):
    """Grade a class: check every student's answers file, one row each.

    SUBMISSIONS are answers files and folders of them (their *.yaml and *.yml); a
    student is named by the file's name without its extension.  NETWORK is one
    network for everybody, or a folder of per-student networks named after the
    students (variants/ana.yaml for ana.yaml).  Each answer scores 1 when right or
    rounding, the follows credit when it follows from the student's earlier error,
    0 otherwise; a score is the mean over the asked (--asked) or the given
    answers.  A summary of the class follows the rows.  Exit status 1 when a
    submission could not be graded (its row says why), 2 for a bad NETWORK.

    Example: backcalc grade mazur submissions/ --asked asked.yaml --format csv
    """
    with progress_bar("Grading", "submissions", wanted(out.format)) as progress:
        result = app.grade(network, submissions, asked=asked, follows_credit=follows_credit,
                           tolerance=tolerance, choice=out, max_parameters=max_parameters,
                           progress=progress)
    _finish(result, out)


@cli.command()
@click.argument("network", shell_complete=_complete_network)
@click.option("--values", is_flag=True,
              help="Also show each neuron's z and a for one sample, and that sample's loss "
                   "(a graph always shows its values).")
@click.option("--sample", type=click.IntRange(min=1), default=1, show_default=True,
              help="Which sample's input, target and values to show (counted from 1).")
@click.option("--precision", type=click.IntRange(1, 17), default=DEFAULT_PRECISION,
              show_default=True, help="Decimals shown.")
@round_option
@max_parameters_option(MAX_PARAMETERS)
def show(network, values, sample, precision, round_decimals, max_parameters):
    """Check a network file and draw it: inputs, layers, every weight on its edge.

    The inputs come first, then each layer as a column of neurons, each with its
    activation and bias and the weights on the arrows into it (w1 = 0.15 from
    x₁); the output layer shows the targets.  --values adds each neuron's z and
    a for one sample and its loss.  A network too large to read as a drawing is
    shown as one row per layer.  A computational graph (a file with nodes) is
    drawn as a circuit, each wire with its value above and its gradient below;
    listed as tables when too wide.

    Example: backcalc show mazur --values
    """
    console = terminal.console()
    terminal.draw(app.show(network, values=values, sample=sample, precision=precision,
                           round_decimals=round_decimals, width=console.width,
                           max_parameters=max_parameters), console)


# --- schema and new: files to start from -------------------------------------------

@cli.command()
@click.option("-o", "--output", type=FileName(), default=None,
              help="Write the schema to this file instead of standard output.")
@click.option("--force", is_flag=True, help="With -o: replace the file if it exists.")
def schema(output, force):
    """Print the JSON Schema of network and graph files, for editors.

    Editors with a YAML language server (VS Code's YAML extension, …) then
    complete keys, list the activations and losses, show what each key means
    and mark mistakes as you type, when the file's first line is
    `# yaml-language-server: $schema=network.schema.json` (as in the bundled
    networks).  The schema cannot check sizes; `backcalc run` still does.

    Example: backcalc schema -o network.schema.json
    """
    terminal.write_text(app.schema(output, force))


@cli.command()
@click.argument("arch")
@click.option("--activation", default=None, metavar="NAMES",
              help="One activation per layer, separated by commas, or one for every layer "
                   "[default: sigmoid].")
@click.option("--loss", default=None, metavar="NAME", help="The loss [default: "
                                                           "half_squared_error].")
@click.option("--learning-rate", "learning_rate", type=NonNegativeNumber(), default=None,
              help="The learning rate [default: 0.5].")
@click.option("--l2", "l2", type=NonNegativeNumber(), default=None, metavar="LAMBDA",
              help="An L2 penalty λ on the weights (the file's l2 key) [default: none].")
@click.option("--l2-form", "l2_form", default=None, metavar="FORM",
              help="With --l2: half ((λ/2)·Σw², as PyTorch), full (λ·Σw²) or half_mean "
                   "((λ/2m)·Σw², as Coursera) [default: half].")
@click.option("--optimizer", default=None, metavar="NAME",
              help="sgd, adam or adamw (Adam with decoupled weight decay, as PyTorch's "
                   "AdamW), written with every setting to edit [default: sgd].")
@click.option("--momentum", type=NonNegativeNumber(), default=None, metavar="MU",
              help="With sgd: momentum μ in [0, 1) [default: none].")
@click.option("--nesterov", is_flag=True,
              help="With --momentum: Nesterov's momentum, as PyTorch's nesterov=True.")
@click.option("--dropout", "dropout", type=NonNegativeNumber(), default=None, metavar="KEEP",
              help="Inverted dropout on every hidden layer with keep probability KEEP in "
                   "(0, 1], its mask all 1s to edit (the layer's dropout key) [default: none].")
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
@click.option("-o", "--output", type=FileName(), default=None,
              help="Write the network to this file instead of standard output.")
@click.option("--force", is_flag=True, help="With -o: replace the file if it exists.")
def new(arch, activation, loss, learning_rate, l2, l2_form, optimizer, momentum, nesterov,
        dropout, seed, weights, biases, input_, target, name, output, force):
    """Make a network file to edit, from layer sizes such as 2-3-1.

    ARCH is the sizes joined by '-', the input's first: 2-3-1 has 2 inputs, a
    hidden layer of 3 neurons and an output layer of 1.  Parameters are named
    w1, w2, … and b1, b2, … across the network, as in Mazur's example; numbers
    not given are drawn with --seed (weights and biases in [-1, 1], input and
    target in [0, 1]; 0 or 1 for binary cross-entropy, one-hot for
    cross-entropy), rounded to 2 decimals.  Prints the file, or writes it
    with -o FILE.  ARCH graph makes a computational graph file instead (CS231n's
    circuit, each key explained; only --name, -o and --force apply).

    Example: backcalc new 2-3-1 --activation relu,sigmoid -o net.yaml
    """
    terminal.write_text(app.new(arch, activation=activation, loss=loss,
                                learning_rate=learning_rate, l2=l2, l2_form=l2_form,
                                optimizer=optimizer, momentum=momentum, nesterov=nesterov,
                                dropout=dropout,
                                seed=seed, weights=weights,
                                biases=biases, input=input_, target=target, name=name,
                                output=output, force=force))


@cli.command()
@click.argument("arch")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The folder to write the exercise into.")
@click.option("--variants", type=click.IntRange(1, 1000), default=None, metavar="N",
              help="How many variants, named 01…N [default: 1].")
@click.option("--students", type=FileName("file"), default=None, metavar="ROSTER.csv",
              help="One variant per student, named by the roster's first column.")
@click.option("--id", "variant_id", default=None, metavar="ID",
              help="Only the variant ID (as each variant's header writes it again).")
@click.option("--activation", default=None, metavar="NAMES",
              help="One activation per layer, separated by commas, or one for every layer "
                   "[default: sigmoid].")
@click.option("--loss", default=None, metavar="NAME",
              help="The loss [default: half_squared_error].")
@click.option("--learning-rate", "learning_rate", type=NonNegativeNumber(), default=None,
              help="The learning rate [default: 0.5].")
@click.option("--samples", type=click.IntRange(1, 8), default=None, metavar="N",
              help="Samples in each variant, updated as one batch [default: 1].")
@click.option("--seed", default=None, metavar="N", help="Seed of the numbers [default: 0].")
@click.option("--decimals", type=click.IntRange(0, 3), default=None, metavar="D",
              help="Decimals of the inputs, weights and biases [default: 1].")
@click.option("--answer-decimals", "answer_decimals", type=click.IntRange(0, 10),
              default=None, metavar="D",
              help="Decimals the answers are given to; no slip may give the same "
                   "[default: 4].")
@click.option("--ask", default=None, metavar="KINDS",
              help="What to ask, separated by commas, of z, a, fprime, dL/da, delta, "
                   "sample_loss, loss, dL/dW, dL/db, W+, b+ [default: "
                   "z,a,loss,dL/da,delta,dL/dW,dL/db,W+,b+].")
@click.option("--format", "fmt", type=click.Choice(["markdown", "latex", "html"]),
              default=None, help="The sheets' and keys' format [default: markdown].")
@click.option("--max-draws", "max_draws", type=click.IntRange(min=1), default=None,
              metavar="N", help="Draws tried per variant before giving up [default: "
                                "10000].")
@click.option("--category", default=None, metavar="NAME",
              help="The Moodle question category [default: the architecture, activations, "
                   "loss, options not at their default and seed].")
@click.option("--force", is_flag=True, help="Replace files of the folder that exist.")
def exercise(arch, output, variants, students, variant_id, activation, loss, learning_rate,
             samples, seed, decimals, answer_decimals, ask, fmt, max_draws, category, force):
    """Write hand-computable exercises for a class: variants, sheets, keys, Moodle.

    ARCH is the layer sizes joined by '-', as for `backcalc new`.  Each variant
    is a network file of numbers meant for a hand calculation (--decimals
    decimals, no ReLU input near its kink, no saturated sigmoid, every asked
    value at least 0.001, no slip giving an asked value within a unit of
    --answer-decimals of the right one), drawn again until they are; its first
    lines hold the command that writes it again.  asked.yaml lists what was
    asked, for `backcalc grade --asked`.

    Example: backcalc exercise 2-2-1 --variants 30 --seed 1 -o ex
    """
    with progress_bar("Drawing variants", "variants", wanted()) as progress:
        result = app.exercise(arch, output=output, activation=activation, loss=loss,
                              learning_rate=learning_rate, samples=samples, seed=seed,
                              decimals=decimals, answer_decimals=answer_decimals, ask=ask,
                              format=fmt, max_draws=max_draws, variants=variants,
                              students=students, id=variant_id, force=force,
                              category=category, progress=progress)
    terminal.write_text(result)


def main() -> None:
    cli(prog_name="backcalc")
