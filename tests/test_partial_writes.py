"""A run writes several things after its output: --save, the state, --plot.  When one
of them fails after others were written, the one error line (or the notes before it)
says exactly what was written and what was not, and the exit status is 2.

Each write is made to fail in-process (a full disk where it happens): the plot by
replacing ``plot_losses``, the state by failing ``save_network`` for the state file only.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import backcalc.app.state
import backcalc.plot
from backcalc.app.state import load_state
from backcalc.errors import InputError
from backcalc.netfile import load_network

from helpers import error_line, invoke, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

STATE_NOTE = ("State after iteration {n} saved to .backcalc/state.yaml; "
              "continue with `backcalc step --iterations N`.")
FULL = "cannot write the file (No space left on device)"

# docs/limits.md's d.yaml: the update of iteration 10 makes W1[1,1] = -inf.  By hand: with
# η = 1 and linear layers each update multiplies the weights' size many times over.
DIVERGES = """\
name: a learning rate too large
input: [1, 2]
target: 0.5
loss: half_squared_error
learning_rate: 1
layers:
  - activation: linear
    weights: [[0.5, -0.2], [0.1, 0.4]]
    biases: [0, 0]
  - activation: linear
    weights: [0.3, 0.6]
    biases: 0
"""
STOPPED = ("d.yaml: iteration 10: the update makes W1[1,1] = -inf (the run diverges; try a "
           "smaller learning rate)")


@pytest.fixture
def plot_fails(monkeypatch):
    """--plot accepted before the run (matplotlib or not), then its file cannot be written."""
    monkeypatch.setattr(backcalc.plot, "check_plot", lambda *args: None)

    def full_disk(history, title, path, force=False):
        raise InputError(FULL, file=str(path))
    monkeypatch.setattr(backcalc.plot, "plot_losses", full_disk)


@pytest.fixture
def state_fails(monkeypatch):
    """The state file cannot be written (a full disk); --save files can."""
    save_network = backcalc.app.state.save_network

    def failing(network, path, *, state=False):
        if state:
            raise InputError(FULL, file=str(path))
        save_network(network, path, state=state)
    monkeypatch.setattr(backcalc.app.state, "save_network", failing)


def test_a_failed_plot_still_says_the_state_was_saved(plot_fails):
    result = invoke("step", "mazur", "-n", "3", "--plot", "loss.png", code=2)
    assert error_line(result) == (f"Error: loss.png: {FULL}; the state after iteration 3 is "
                                  "saved")
    assert result.stdout.rstrip().endswith(STATE_NOTE.format(n=3))
    assert load_state().progress.iteration == 3


def test_a_failed_plot_after_json_on_standard_output_is_still_one_line(plot_fails):
    result = invoke("step", "mazur", "-n", "2", "--plot", "loss.png", "--format", "json",
                    "--save", "copy.yaml", code=2)
    assert error_line(result) == (f"Error: loss.png: {FULL}; the state after iteration 2 is "
                                  "saved; the network after iteration 2 is saved to copy.yaml")
    assert result.stdout.startswith("{")
    assert load_network("copy.yaml").progress.iteration == 2


def test_a_failed_plot_keeps_the_reason_a_run_stopped(plot_fails):
    write_network(DIVERGES, "d.yaml")
    result = invoke("step", "d.yaml", "-n", "100", "--plot", "loss.png", code=2)
    assert error_line(result) == (f"Error: {STOPPED}; the state after iteration 9 is saved; "
                                  f"the loss curve was not drawn (loss.png: {FULL})")
    assert result.stdout.rstrip().endswith(STATE_NOTE.format(n=9))
    assert load_state().progress.iteration == 9


def test_a_failed_state_after_save_says_the_network_was_saved(state_fails):
    result = invoke("run", "mazur", "--save", "copy.yaml", code=2)
    assert error_line(result) == (f"Error: .backcalc/state.yaml: {FULL}; the network after "
                                  "iteration 1 is saved to copy.yaml")
    assert "saved" not in result.stdout.split("After the update")[1]   # no note of it
    assert load_network("copy.yaml").progress.iteration == 1
    assert not Path(".backcalc/state.yaml").exists()


def test_a_stopped_run_whose_state_failed_says_what_was_saved(state_fails):
    write_network(DIVERGES, "d.yaml")
    result = invoke("step", "d.yaml", "-n", "100", "--save", "copy.yaml", code=2)
    assert error_line(result) == (f"Error: {STOPPED}; the network after iteration 9 is saved "
                                  f"to copy.yaml; the state was not saved (.backcalc/state.yaml:"
                                  f" {FULL})")
    assert load_network("copy.yaml").progress.iteration == 9


def test_a_stopped_run_whose_save_failed_saved_nothing(monkeypatch):
    def full_disk(network, path, *, state=False):
        raise InputError(FULL, file=str(path))
    monkeypatch.setattr(backcalc.app.state, "save_network", full_disk)
    write_network(DIVERGES, "d.yaml")
    result = invoke("step", "d.yaml", "-n", "100", "--save", "copy.yaml", code=2)
    assert error_line(result) == f"Error: {STOPPED}; nothing was saved (copy.yaml: {FULL})"


def test_a_written_output_file_is_named_before_the_error(state_fails):
    result = invoke("run", "mazur", "-o", "out.txt", code=2)
    assert result.stderr.splitlines() == [
        "Wrote out.txt (table).", f"Error: .backcalc/state.yaml: {FULL}"]
    assert "Mazur" in Path("out.txt").read_text(encoding="utf-8")
