"""What many test files share: running backcalc in-process, reading what it prints, writing
network files and loading the bundled ones.

Imported as ``from helpers import ...``: tests/ is on ``sys.path`` (pytest's default
``prepend`` import mode puts it there, tests/ being no package; tests/conftest.py does for
``--import-mode=importlib``), from the repository root, from tests/ and from a fresh clone
alike.  The temporary-folder fixture ``in_tmp`` is in tests/conftest.py.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from click.testing import CliRunner, Result

import backcalc
from backcalc.cli import cli
from backcalc.netfile import load_network
from backcalc.network import Network

# The bundled example networks, beside the installed package (``backcalc run mazur``).
NETWORKS = Path(backcalc.__file__).parent / "networks"

# A one-neuron network small enough to work by hand: z = 0.1·1 + 0.2·2 + 0 = 0.5.
UNDEFINED = """
input: [1.0]
target: [1]
loss: bce
learning_rate: 0.1
layers:
  - {activation: linear, weights: [[2.0]], biases: [0.5]}
"""
"""A network whose first output, a = 2.5, is outside binary cross-entropy's domain."""

ONE_NEURON = """\
input: [1, 2]
target: 0.5
loss: half_sse
learning_rate: 0.1
layers:
  - activation: sigmoid
    weights: [0.1, 0.2]
    biases: 0
"""


# --- running the command ---------------------------------------------------------------

def run_cli(*args: str, columns: int = 80, env: dict | None = None,
            prog_name: str | None = None) -> Result:
    """``backcalc ARGS`` in-process, as on a terminal ``columns`` wide; the result unchecked.

    ``prog_name`` is the program name usage errors quote (click's default: ``cli``)."""
    runner = CliRunner(env={"COLUMNS": str(columns), **(env or {})})
    named = {} if prog_name is None else {"prog_name": prog_name}   # None would mean sys.argv[0]
    return runner.invoke(cli, list(args), **named)


def invoke(*args: str, code: int = 0, columns: int = 80, env: dict | None = None,
           prog_name: str | None = None) -> Result:
    """``backcalc ARGS``, which must end with exit status ``code`` and print no traceback."""
    result = run_cli(*args, columns=columns, env=env, prog_name=prog_name)
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr,
                                      result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    return result


def run_json(*args: str) -> dict:
    """The one JSON document ``backcalc ARGS --format json`` prints (exit status 0)."""
    result = invoke(*args, "--format", "json")
    return json.loads(result.stdout)   # raises if stdout is not exactly one JSON document


def error_line(result: Result) -> str:
    """The one line on standard error of a command that ended with exit status 2, whatever
    it printed on standard output before (a run that stopped shows what it computed)."""
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def one_error_line(result: Result) -> str:
    """The one line of a refusal: exit status 2, one line on standard error, nothing on
    standard output."""
    line = error_line(result)
    assert result.stdout == "", result.stdout
    return line


# --- network files ---------------------------------------------------------------------

def write_network(text: str, name: str = "net.yaml") -> str:
    """Write a network file into the current folder; its name, to pass to backcalc."""
    Path(name).write_text(text, encoding="utf-8")
    return name


def copy_bundled(example: str = "mazur", name: str = "net.yaml") -> Path:
    """A byte-for-byte copy of a bundled network in the current folder."""
    path = Path(name)
    path.write_bytes((NETWORKS / f"{example}.yaml").read_bytes())
    return path


def bundled_network(name: str) -> Network:
    """A bundled example network, loaded (``mazur``, ``seed004``, …)."""
    return load_network(NETWORKS / f"{name}.yaml", name)


# --- a hand oracle -----------------------------------------------------------------------

def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))
