"""Safe state and resource limits: what an interrupted run leaves, what too much input gets.

* Killing ``step`` at any moment (SIGKILL included) leaves the previous state readable:
  the state is written only after the iterations, through a temporary file and a
  rename (``savefile.write_file``).  The moments are named points, where the
  test-only hook ``BACKCALC_TEST_KILL_AT`` (``backcalc/killpoints.py``) has the step
  signal itself: no delay is guessed, so a loaded machine changes nothing.
* Ctrl-C (SIGINT) ends with status 130 and one line, no traceback, the state untouched.
* A network over ``--max-parameters``, a YAML alias bomb, an oversized file and an
  object-constructing tag are refused early with one exact line, in network files and
  answers files alike; a state file that is damaged or not backcalc's says how to start
  afresh.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

import backcalc
import backcalc.yamlsource
from backcalc.limits import MAX_PARAMETERS

from helpers import invoke, one_error_line, run_cli

NETWORKS = Path(backcalc.__file__).parent / "networks"
STATE = Path(".backcalc/state.yaml")


pytestmark = pytest.mark.usefixtures("in_tmp")


def state_iteration() -> int:
    return yaml.safe_load(STATE.read_text())["state"]["iteration"]


# --- an interrupted step never loses the state ----------------------------------------
# The signal comes at an exact point of the step, named by the test-only hook
# BACKCALC_TEST_KILL_AT (backcalc/killpoints.py): during the iterations, or during the
# writing of the state (before its temporary file, half of it written, all of it
# fsynced, after the rename).

POINTS = ("iteration", "before-temporary", "half-written", "synced", "replaced")
TEMPORARY = re.compile(r"\.state\.yaml\..+\.tmp")
LONG, SHORT = 10_000_000, 10          # iterations of a long step and of a short one
ENDING = [(point, name) for point in ("iteration", "half-written", "synced")
          for name in ("SIGTERM", "SIGHUP")]
"""SIGTERM (kill's default) and SIGHUP (the terminal closed) end a run as Ctrl-C does."""
STEPS = [*((point, "SIGKILL", SHORT) for point in POINTS), ("iteration", "SIGKILL", LONG),
         *((point, "SIGINT", LONG if point == "iteration" else SHORT) for point in POINTS),
         *((point, name, LONG if point == "iteration" else SHORT) for point, name in ENDING)]


@dataclass
class Interrupted:
    """``backcalc step -n ITERATIONS -q``, signalled at its point, in ``folder``."""

    folder: Path
    before: bytes               # the state it started from (after `backcalc run mazur`)
    status: int
    stderr: str


@pytest.fixture(scope="module")
def interrupted_steps(tmp_path_factory) -> dict:
    """Every step of ``STEPS``, each in a folder of its own holding the state of
    ``backcalc run mazur``, started together (most of their time is Python starting).
    They run the backcalc these tests import (an installed copy, or the source tree
    when pytest runs from it)."""
    start = tmp_path_factory.mktemp("mazur")
    here = os.getcwd()
    os.chdir(start)
    try:
        invoke("run", "mazur")
    finally:
        os.chdir(here)
    before = (start / STATE).read_bytes()
    package_folder = str(Path(backcalc.__file__).parent.parent)
    started = {}
    for point, signal_name, iterations in STEPS:
        folder = tmp_path_factory.mktemp(f"{point}-{signal_name}")
        (folder / STATE).parent.mkdir()
        (folder / STATE).write_bytes(before)
        environment = {**os.environ, "BACKCALC_TEST_KILL_AT": f"{point}:{signal_name}",
                       "PYTHONPATH": os.pathsep.join(filter(None, [
                           package_folder, os.environ.get("PYTHONPATH")]))}
        started[point, signal_name, iterations] = folder, subprocess.Popen(
            [sys.executable, "-m", "backcalc", "step", "-n", str(iterations), "-q"],
            cwd=folder, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
    steps = {}
    try:
        for key, (folder, process) in started.items():
            _, stderr = process.communicate(timeout=120)
            steps[key] = Interrupted(folder, before, process.returncode, stderr)
    finally:                                    # a step the hook failed to stop: end it
        for _, process in started.values():
            if process.poll() is None:
                process.kill()
                process.wait()
    return steps


def interrupted_step(steps: dict, monkeypatch, point: str, signal_name: str,
                     iterations: int = SHORT) -> Interrupted:
    """The step signalled at ``point``, its folder made the current one."""
    step = steps[point, signal_name, iterations]
    monkeypatch.chdir(step.folder)
    return step


def left_in_state_folder() -> list[Path]:
    return [p for p in Path(".backcalc").iterdir() if p.name != "state.yaml"]


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_any_point_leaves_the_old_state_or_the_whole_new_one(
        point, interrupted_steps, monkeypatch):
    step = interrupted_step(interrupted_steps, monkeypatch, point, "SIGKILL")
    assert step.status == -signal.SIGKILL
    iteration = state_iteration()                # parses: never half-written
    if point == "replaced":
        assert iteration == 11
    else:
        assert STATE.read_bytes() == step.before
    left = left_in_state_folder()
    if point in ("half-written", "synced"):
        # Killed between creating the temporary file and renaming it, nothing can remove
        # it: it stays, hidden and named after the state, and is never read.
        assert len(left) == 1 and TEMPORARY.fullmatch(left[0].name), left
        written = left[0].read_text()
    else:
        assert not left, "a temporary file was left behind"
    # The next step continues from the state, whichever it is.  From the old one it
    # writes the very state the killed step was writing: the temporary file held half
    # of it, or all of it (so each kill came where it was meant to).
    if point == "replaced":
        assert "loss after iteration 12 = " in invoke("step", "-q").stdout
    else:
        invoke("step", "-n", str(SHORT), "-q")
        new = STATE.read_text()
        assert state_iteration() == 11
        if point == "half-written":
            assert written == new[: len(new) // 2]
        elif point == "synced":
            assert written == new


def test_sigkill_during_a_long_step_keeps_the_state_from_before_it(interrupted_steps,
                                                                   monkeypatch):
    step = interrupted_step(interrupted_steps, monkeypatch, "iteration", "SIGKILL", LONG)
    assert step.status == -signal.SIGKILL
    assert STATE.read_bytes() == step.before
    assert not left_in_state_folder()
    assert "loss after iteration 2 = " in invoke("step", "-q").stdout


@pytest.mark.parametrize("point", POINTS)
def test_ctrl_c_is_one_line_status_130_and_keeps_the_state(point, interrupted_steps,
                                                           monkeypatch):
    # during a long step, or while a short one writes the state
    step = interrupted_step(interrupted_steps, monkeypatch, point, "SIGINT",
                            LONG if point == "iteration" else SHORT)
    assert step.status == 130
    assert step.stderr == "Interrupted.\n"
    assert not left_in_state_folder(), "a temporary file was left behind"
    if point == "replaced":                      # too late: the whole new state is written
        assert state_iteration() == 11
    else:
        assert STATE.read_bytes() == step.before


@pytest.mark.parametrize("point, signal_name", ENDING)
def test_sigterm_and_sighup_end_as_ctrl_c_does(point, signal_name, interrupted_steps,
                                               monkeypatch):
    # Python's default for these ends the process at once, past every `finally`: the
    # temporary file of the state was left beside it.
    step = interrupted_step(interrupted_steps, monkeypatch, point, signal_name,
                            LONG if point == "iteration" else SHORT)
    number = getattr(signal, signal_name)
    assert step.status == 128 + number
    assert step.stderr == f"Ended by {signal_name}.\n"
    assert not left_in_state_folder(), "a temporary file was left behind"
    assert STATE.read_bytes() == step.before


def test_the_network_file_is_never_written():
    Path("net.yaml").write_bytes((NETWORKS / "mazur.yaml").read_bytes())
    before = Path("net.yaml").read_bytes()
    invoke("run", "net.yaml")
    invoke("step", "net.yaml", "-n", "5", "-q")
    invoke("step", "-n", "2", "-q")
    assert Path("net.yaml").read_bytes() == before


# --- a state that cannot be read ---------------------------------------------------------

@pytest.mark.parametrize("content, what", [
    (b"# Saved by backcalc after iteration 3 of mazur.\nname: x\nlayers: [\n", "damaged"),
    (b"# Saved by backcalc after iteration 3 of mazur.\n", "damaged"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a state backcalc wrote"),
    (b"compilerOptions:\n  strict: true\n", "not a state backcalc wrote"),
])
def test_a_damaged_or_foreign_state_says_how_to_start_afresh(content, what):
    Path(".backcalc").mkdir()
    STATE.write_bytes(content)
    line = one_error_line(invoke("step", code=2))
    assert line.startswith(f"Error: the saved state is {what} (.backcalc/state.yaml")
    assert line.endswith("; delete .backcalc/ and start again with `backcalc run NETWORK`")
    assert STATE.read_bytes() == content                   # left for the user to look at


# --- limits ------------------------------------------------------------------------------

def _network(inputs: int, hidden: int) -> str:
    doc = {"input": [0.5] * inputs, "target": 0.5, "loss": "mse", "learning_rate": 0.1,
           "layers": [{"activation": "sigmoid", "weights": [[0.01] * inputs] * hidden,
                       "biases": 0.0},
                      {"activation": "sigmoid", "weights": [0.01] * hidden, "biases": 0.0}]}
    Path("big.yaml").write_text(json.dumps(doc))
    return "big.yaml"


def test_a_network_over_the_parameter_limit_is_refused_before_it_is_read():
    name = _network(inputs=100, hidden=30)       # 3000 + 30 + 30 + 1 = 3061 parameters
    result = invoke("run", name, "--max-parameters", "3000", code=2)
    line = one_error_line(result)
    assert line.startswith("Error: big.yaml:1:")
    assert line.split(": ", 2)[2] == (
        "layers: the network has 3,061 weights and biases, more than the limit of 3,000; if "
        "you mean it, raise the limit with --max-parameters 3061")
    assert not Path(".backcalc").exists()
    invoke("run", name, "--max-parameters", "3061")


def test_gradcheck_has_a_lower_default_limit():
    name = _network(inputs=700, hidden=30)       # 21,061 parameters: fine for run
    invoke("run", name, "-o", "out.txt")
    line = one_error_line(invoke("gradcheck", name, code=2))
    assert "the network has 21,061 weights and biases, more than the limit of 20,000" in line


def test_the_limit_applies_to_the_saved_state_too():
    name = _network(inputs=100, hidden=30)
    invoke("run", name)
    line = one_error_line(invoke("step", "--max-parameters", "100", code=2))
    assert line.startswith("Error: .backcalc/state.yaml:")
    assert "raise the limit with --max-parameters 3061" in line


def test_parameter_limit_is_documented_in_help():
    help_text = invoke("run", "--help").stdout
    assert "--max-parameters" in help_text and str(MAX_PARAMETERS) in help_text


ALIAS_BOMB = """\
a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
"""


def test_an_answers_file_alias_bomb_is_refused_quickly(monkeypatch):
    # Quickly, counted rather than timed: refused from the composed nodes' sizes,
    # before a single value of the answers file is built (aliases never expanded).
    Path("answers.yaml").write_text(ALIAS_BOMB)
    built = []
    build = backcalc.yamlsource._Builder.build
    monkeypatch.setattr(backcalc.yamlsource._Builder, "build",
                        lambda self, node, path: built.append(self.file) or build(self, node, path))
    line = one_error_line(invoke("check", "mazur", "answers.yaml", code=2))
    assert built and "answers.yaml" not in built   # the network was built, the bomb never
    # a = 10 values and the list, each next list 10 of the one before and itself: f, on
    # line 6, is the first over 500,000 (1,111,111).
    assert line.startswith("Error: answers.yaml:6:")
    assert "this list expands to 1,111,111 values, more than the limit of 500,000" in line


def test_an_answers_file_object_tag_is_refused_and_never_executed():
    Path("answers.yaml").write_text(
        "z1: !!python/object/apply:os.system ['touch pwned']\n")
    line = one_error_line(invoke("check", "mazur", "answers.yaml", code=2))
    assert line.startswith("Error: answers.yaml:1:5: ")
    assert "tag" in line
    assert not Path("pwned").exists()


def test_an_oversized_answers_file_is_refused(monkeypatch):
    limit = len((NETWORKS / "mazur.yaml").read_bytes()) + 10      # the network still fits
    monkeypatch.setattr(backcalc.yamlsource, "MAX_FILE_BYTES", limit)
    Path("answers.yaml").write_text("# the same line again\n" * (limit // 10))
    line = one_error_line(invoke("check", "mazur", "answers.yaml", code=2))
    assert line.startswith("Error: answers.yaml: the file is larger than the limit of")


def test_binary_junk_as_answers_is_one_line():
    Path("answers.yaml").write_bytes(os.urandom(64) + b"\xff\xfe\x00")
    line = one_error_line(invoke("check", "mazur", "answers.yaml", code=2))
    assert line.startswith("Error: answers.yaml")


# --- probabilities of exactly 0 and 1 -------------------------------------------------------

def _single(activation: str, loss: str, weights: str, bias: float, target: str) -> str:
    Path("p.yaml").write_text(f"input: 1\ntarget: {target}\nloss: {loss}\nlearning_rate: 0.5\n"
                              f"layers:\n  - activation: {activation}\n    weights: {weights}\n"
                              f"    biases: {bias}\n")
    return "p.yaml"


def _total(out: str) -> str:
    return [line.split()[-1] for line in out.splitlines() if line.strip().startswith("total")][0]


def test_bce_of_an_output_of_exactly_one_is_zero_or_infinite():
    # a = 0·1 + 1 = 1 exactly: y = 1 gives −[1·ln 1 + 0·ln 0] = 0 (0·ln 0 taken as 0);
    # y = 0 gives −ln(1 − 1) = +inf, shown as inf.  (A linear output then leaves [0, 1]
    # or diverges: either way the run ends with one line, exit 2.)
    for target, total in (("1", "0"), ("0", "inf")):
        with _silent():
            result = run_cli(*["run", _single("linear", "bce", "0", 1, target)])
        assert _total(result.stdout) == total
        assert result.exit_code == 2 and len(result.stderr.splitlines()) == 1
        assert "Traceback" not in result.stdout + result.stderr


def test_softmax_at_plus_and_minus_a_thousand():
    # z = (1000, −1000): a = (1, e^−2000 → 0).  y = (1, 0): L = −ln 1 = 0 exactly;
    # y = (0, 1): L = −ln softmax(z)₂ = 2000 (log-softmax, never ln 0).
    with _silent():
        assert _total(invoke("run", _single("softmax", "ce", "[1000, -1000]", 0, "[1, 0]"))
                      .stdout) == "0"
        assert _total(invoke("run", _single("softmax", "ce", "[1000, -1000]", 0, "[0, 1]"))
                      .stdout) == "2000"


def test_an_infinite_loss_is_infinity_in_json():
    result = run_cli(*["run", _single("linear", "bce", "0", 1, "0"),
                                      "--format", "json"])
    document = json.loads(result.stdout)                # Python reads Infinity back
    assert document["steps"][0]["loss"] == float("inf")


class _silent:
    """RuntimeWarnings become errors inside (numpy's overflow and divide warnings)."""

    def __enter__(self):
        import warnings
        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("error", RuntimeWarning)

    def __exit__(self, *exc):
        return self._catch.__exit__(*exc)


# --- low memory ---------------------------------------------------------------------------

def test_a_read_asks_for_the_files_size_not_the_limit():
    # Each read once asked for limit + 1 bytes (20 MiB) whatever the file's size, and
    # under `ulimit -v` that allocation failed with a MemoryError traceback.  A limit
    # of a petabyte: any read of that size fails at once.
    from backcalc.reading import read_bytes
    Path("small.yaml").write_bytes(b"input: [1]\n")
    assert read_bytes("small.yaml", "small.yaml", 2 ** 50, str) == b"input: [1]\n"


@pytest.mark.parametrize("grown, limit, refused", [(5, 100, False), (50, 40, True)])
def test_a_file_that_grows_while_read_is_read_to_its_end_or_refused(monkeypatch, grown, limit,
                                                                    refused):
    from backcalc import reading
    from backcalc.errors import InputError
    data = b"x" * (10 + grown)
    Path("growing.yaml").write_bytes(data)
    real = os.fstat

    def fstat_before_it_grew(descriptor):
        status = real(descriptor)
        return os.stat_result((*status[:6], 10, *status[7:]))     # st_size: 10 bytes

    monkeypatch.setattr(reading.os, "fstat", fstat_before_it_grew)
    monkeypatch.setattr(reading, "_MORE", 4)          # read on in parts of 4 bytes
    if refused:
        with pytest.raises(InputError, match="too large"):
            reading.read_bytes("growing.yaml", "g", limit, lambda limit: "too large")
    else:
        assert reading.read_bytes("growing.yaml", "g", limit, str) == data


def test_running_out_of_memory_is_one_line(monkeypatch):
    import backcalc.yamlsource
    from backcalc.cli import OUT_OF_MEMORY

    def no_memory(*args, **kwargs):
        raise MemoryError()

    # (the network or graph file is read through yamlsource, looked up when it is read)
    monkeypatch.setattr(backcalc.yamlsource, "load_yaml", no_memory)
    assert one_error_line(invoke("run", "mazur", code=2)) == OUT_OF_MEMORY
    assert OUT_OF_MEMORY.startswith("Error: out of memory")
