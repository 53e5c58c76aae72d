"""Safe state and resource limits: what an interrupted run leaves, what too much input gets.

* Killing ``step`` at any moment (SIGKILL included) leaves the previous state readable:
  the state is written only after the iterations, through a temporary file and a
  rename (``savefile.write_atomically``).
* Ctrl-C (SIGINT) ends with status 130 and one line, no traceback, the state untouched.
* A network over ``--max-parameters``, a YAML alias bomb, an oversized file and an
  object-constructing tag are refused early with one exact line, in network files and
  answers files alike; a state file that is damaged or not backcalc's says how to start
  afresh.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import backcalc
import backcalc.yamlsource
from backcalc.cli import cli

NETWORKS = Path(backcalc.__file__).parent / "networks"
STATE = Path(".backcalc/state.yaml")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def invoke(*args: str, code: int = 0):
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr,
                                      result.exception)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def one_error_line(result) -> str:
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    return lines[0]


def state_iteration() -> int:
    return yaml.safe_load(STATE.read_text())["state"]["iteration"]


def backcalc_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "backcalc", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


# --- an interrupted step never loses the state ----------------------------------------

def test_sigkill_at_any_moment_leaves_the_previous_state_readable():
    invoke("run", "mazur")
    before = STATE.read_bytes()
    # Kill a short step at moments spread over its whole life: start-up, the
    # iterations, the writing of the state.  Each time the state is the old one or
    # a whole new one, never half of one.
    reached = {1}
    for delay in (0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0, 1.3):
        process = backcalc_process("step", "-n", "1000", "-q")
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        iteration = state_iteration()                # parses: never half-written
        assert iteration in (min(reached), max(reached), max(reached) + 1000)
        reached.add(iteration)
        assert not [p for p in Path(".backcalc").iterdir() if p.name != "state.yaml"], \
            "a temporary file was left behind"
    # And a kill that finds nothing to interrupt changes nothing.
    if reached == {1}:
        assert STATE.read_bytes() == before


def test_sigkill_during_a_long_step_keeps_the_state_from_before_it():
    invoke("run", "mazur")
    before = STATE.read_bytes()
    process = backcalc_process("step", "-n", "10000000", "-q")
    time.sleep(1.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert STATE.read_bytes() == before
    assert "loss after iteration 2 = " in invoke("step", "-q").stdout


def test_ctrl_c_is_one_line_status_130_and_keeps_the_state():
    invoke("run", "mazur")
    before = STATE.read_bytes()
    process = backcalc_process("step", "-n", "10000000", "-q")
    time.sleep(1.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert stderr == "Interrupted.\n"
    assert STATE.read_bytes() == before


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
    assert "--max-parameters" in help_text and "1000000" in help_text


ALIAS_BOMB = """\
a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
"""


def test_an_answers_file_alias_bomb_is_refused_quickly():
    Path("answers.yaml").write_text(ALIAS_BOMB)
    started = time.perf_counter()
    line = one_error_line(invoke("check", "mazur", "answers.yaml", code=2))
    assert time.perf_counter() - started < 5
    assert line.startswith("Error: answers.yaml:7:")
    assert "this list expands to 11,111,111 values, more than the limit of 2,000,000" in line


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
            result = CliRunner().invoke(cli, ["run", _single("linear", "bce", "0", 1, target)])
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
    result = CliRunner().invoke(cli, ["run", _single("linear", "bce", "0", 1, "0"),
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
