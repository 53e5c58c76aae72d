"""The application layer (``backcalc.app``): one function per use, plain arguments,
a result object, backcalc's own exceptions, nothing printed; the command line only
declares options over it and writes its results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import backcalc
from backcalc import app
from backcalc.app.state import load_state, save_run, state_path
from backcalc.cli import cli
from backcalc.engine import Outcome, Run, train
from backcalc.errors import InputError, OptionError, StateError
from backcalc.formats import Choice
from backcalc.limits import GRADCHECK_MAX_PARAMETERS, MAX_PARAMETERS
from backcalc.netfile import load_network, parse_network_text

from helpers import UNDEFINED, run_cli

DIVERGING = """
input: [0.5, -1.5]
target: [0.2, 0.9]
loss: sse
learning_rate: 1e150
layers:
  - {activation: tanh, weights: [[0.3, -0.2], [0.9, 0.4]], biases: [0.1, -0.2]}
  - {activation: linear, weights: [[0.5, -0.6], [-0.3, 0.8]], biases: [0.1, 0.1]}
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args), prog_name="backcalc")
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


# --- one function per use, nothing printed ----------------------------------------------

def test_every_use_is_a_function_that_prints_nothing(capsys, tmp_path):
    (tmp_path / "answers.yaml").write_text("a2: [0.7514, 0.7729]\n")
    results = [app.run("mazur"), app.step("mazur", iterations=3),
               app.check("mazur", "answers.yaml"),
               app.gradcheck("mazur"), app.show("mazur", values=True), app.new("2-3-1"),
               app.schema(), app.examples()]
    assert capsys.readouterr() == ("", "")
    assert not state_path().exists()        # the state is the command line's (save_state)
    run, step, check, gradcheck, drawing, new, schema, examples = results
    assert isinstance(run.run, Run) and run.run.trained.progress.iteration == 1
    assert step.run.trained.progress.iteration == 3 and step.status == 0
    assert check.check.passed and check.status == 0
    assert not gradcheck.gradcheck.mismatches and gradcheck.status == 0
    assert "w1" in drawing.text() and drawing.network.title
    assert new.text.startswith("# yaml-language-server") and new.path is None
    assert json.loads(schema.text)["type"] == "object"
    assert "mazur" in [example.name for example in examples]


def test_the_uses_take_a_network_object_and_continue_from_it():
    first = app.run("mazur").run.trained
    again = app.step(first, iterations=2)
    assert again.run.steps[0].iteration == 2
    assert again.run.trained.progress.iteration == 3


def test_the_results_are_what_the_command_line_writes():
    cli_json = invoke("step", "mazur", "-n", "3", "--format", "json").stdout
    result = app.step("mazur", iterations=3, choice=Choice("json"))
    assert result.render() == cli_json


def test_errors_are_backcalcs_own():
    with pytest.raises(InputError, match="no such file"):
        app.run("no-such-network")
    with pytest.raises(OptionError) as error:
        app.run("mazur", explain=True, layer=5)
    assert error.value.option == "layer" and "layers 1 to 2, found 5" in str(error.value)
    with pytest.raises(OptionError) as error:
        app.show("mazur", sample=2)
    assert error.value.option == "sample"
    with pytest.raises(StateError, match="no saved state"):
        app.step()


def test_an_option_error_is_the_options_usage_error_on_the_command_line():
    result = invoke("show", "mazur", "--sample", "2", code=2)
    assert result.stderr == ("Error: Invalid value for --sample: the network has 1 sample, "
                             "found 2 (see `backcalc show --help`)\n")


def test_a_quiet_step_keeps_no_steps_for_a_document():
    result = app.step("mazur", iterations=5, quiet=True)
    assert type(result.run) is Outcome
    assert "After 5 iterations" in result.render("markdown")
    with pytest.raises(InputError, match="keeps no step"):
        result.render("json")
    assert isinstance(app.step("mazur", iterations=5, quiet=True,
                               choice=Choice("json")).run, Run)


# --- the state file: one policy ----------------------------------------------------------

def test_save_state_writes_the_state_and_says_so():
    result = app.run("mazur", save_state=True, save="copy.yaml")
    assert result.saved == ("State after iteration 1 saved to .backcalc/state.yaml; continue "
                            "with `backcalc step --iterations N`. Network saved to copy.yaml.")
    assert [note.text for note in result.notes] == [result.saved]
    assert load_state().progress.iteration == 1
    assert load_network("copy.yaml").progress.iteration == 1


def test_a_run_that_did_nothing_keeps_the_old_state():
    app.run("mazur", save_state=True)
    before = state_path().read_text()
    net = parse_network_text(UNDEFINED)
    outcome = train(net, 1)
    assert outcome.stopped and outcome.trained.progress.iteration == 0
    saved = save_run(outcome, net, None)
    assert saved.message is None and saved.problem is None
    assert state_path().read_text() == before


def test_a_failed_save_is_kept_for_after_the_results():
    Path("mine.yaml").write_text("name: my own file\n")
    with pytest.raises(InputError, match="did not write"):
        app.run("mazur", save="mine.yaml")     # refused before any work
    result = app.step(parse_network_text(DIVERGING), iterations=3, save_state=True)
    assert result.error is not None and "diverges" in str(result.error)


@pytest.mark.parametrize("content, what", [
    ("# Saved by backcalc after iteration 1.\ninput: [0.05\n", "damaged"),
    ("hello\n", "not a state backcalc wrote")])
def test_a_damaged_state_is_told_from_a_foreign_one(content, what):
    state_path().parent.mkdir()
    state_path().write_text(content)
    with pytest.raises(StateError, match=f"the saved state is {what}"):
        load_state()


# --- limits defined once; a lean command line ---------------------------------------------

def test_the_limits_shown_in_help_are_the_ones_applied():
    for command, limit in (("run", MAX_PARAMETERS), ("step", MAX_PARAMETERS),
                           ("check", MAX_PARAMETERS), ("show", MAX_PARAMETERS),
                           ("gradcheck", GRADCHECK_MAX_PARAMETERS)):
        options = {param.name: param for param in cli.commands[command].params}
        assert options["max_parameters"].default == limit
    import backcalc.netfile
    assert backcalc.netfile.MAX_PARAMETERS is MAX_PARAMETERS


def test_help_loads_neither_numpy_nor_the_library():
    code = ("import sys\nfrom backcalc.cli import main\nsys.argv = ['backcalc', '--help']\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('numpy', 'yaml', 'rich', 'backcalc.engine',"
            " 'backcalc.app.training')"
            " if m in sys.modules]\nprint('LOADED', heavy)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines()[-1] == "LOADED []", done.stdout


def test_top_level_api():
    result = backcalc.run("mazur")
    assert result.run.final.loss == pytest.approx(0.291027774, abs=1e-9)
    assert backcalc.check_answers("mazur", {"loss": 0.2984}).check.passed
    assert backcalc.check_gradients("mazur").status == 0
    assert backcalc.step("mazur", iterations=2).run.trained.progress.iteration == 2
    assert "w5" in backcalc.show("mazur").text()
    assert "2-3-1" in backcalc.new("2-3-1").text
    assert {"run", "step", "show", "new", "check_answers", "check_gradients"} <= set(dir(backcalc))


def test_minus_o_never_names_the_state_file(in_tmp):
    # The state is saved first, then the output: -o .backcalc/state.yaml would replace it.
    result = run_cli("run", "mazur", "-o", ".backcalc/state.yaml")
    assert result.exit_code == 2
    assert result.stderr == ("Error: .backcalc/state.yaml: -o and the state file name the "
                             "same file; give each its own\n")
    assert not (in_tmp / ".backcalc").exists()


def test_the_plot_is_drawn_after_the_output_is_shown(in_tmp, monkeypatch):
    # As before the application layer: the tables are on screen before matplotlib starts,
    # so a Ctrl-C while it draws keeps them (and its slow import shows no blank screen).
    import backcalc.plot
    monkeypatch.setattr(backcalc.plot, "check_plot", lambda *args: None)

    def interrupted(history, title, path, force=False):
        raise KeyboardInterrupt
    monkeypatch.setattr(backcalc.plot, "plot_losses", interrupted)
    result = run_cli("step", "mazur", "-n", "3", "--plot", "loss.png")
    assert result.exit_code == 130
    assert "Iterations" in result.stdout and "After 3 iterations" in result.stdout
    assert result.stderr == "Interrupted.\n"


def test_from_python_a_deferred_plot_waits_for_complete(in_tmp, monkeypatch):
    import backcalc.plot
    drawn: list = []
    monkeypatch.setattr(backcalc.plot, "check_plot", lambda *args: None)
    monkeypatch.setattr(backcalc.plot, "plot_losses",
                        lambda history, title, path, force=False: drawn.append(path))
    result = app.step("mazur", iterations=2, plot="loss.png", defer=True)
    assert drawn == [] and result.notes == []
    result.complete()
    result.complete()                                   # once only
    assert drawn == [Path("loss.png")]
    assert [note.text for note in result.notes] == ["Loss curve drawn in loss.png."]
    assert app.step("mazur", iterations=2, plot="now.png").notes[0].text == (
        "Loss curve drawn in now.png.")


def test_a_choice_takes_its_path_as_text_too(in_tmp):
    result = app.run("mazur", choice=Choice(format="json", path="run.json"))
    assert result.choice.path == Path("run.json")
    backcalc.terminal.write_output(result, result.choice)
    assert json.loads(Path("run.json").read_text())["network"]
