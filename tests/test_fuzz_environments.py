"""Fuzz tests (hypothesis) of the environments backcalc runs in, as well as its files.

Each example draws a command (run, step, check, gradcheck, show, new, schema, examples,
--help over the bundled networks, in every output format, with and without ``-o``) and an
environment (standard output a pipe, the real ``/dev/full`` or a closed descriptor;
PYTHONIOENCODING utf-8, ascii, latin-1 or cp1252; COLUMNS from 0 to far past any integer,
or not a number; TERM dumb or xterm; NO_COLOR or not), and runs backcalc as a real
process in a fresh folder.  Invariants:

* never a traceback, and the exit status is 0, 1 or 2; 1 only for check and gradcheck;
* exit 2 only with exactly one standard-error line starting ``Error:`` (the last one),
  and exit 0 or 1 with none;
* standard output that works always works: a pipe never ends in exit 2 (every drawn
  command is valid), and a full or closed one ends in exit 2 whenever something had to
  be written to it;
* nothing on a pipe is a terminal escape; with PYTHONIOENCODING=ascii it is ASCII;
* JSON and CSV on a UTF-8 pipe are the same bytes whatever COLUMNS, TERM and NO_COLOR say;
* a file given with ``-o`` either does not exist or is complete (JSON parses), and it
  exists after exit 0 or 1.

Profiles are those of tests/test_fuzz.py (tests/conftest.py); each example starts
processes, so this module takes fewer examples than the profile's count under ``ci``.
A process that does not end within ``TIMEOUT`` seconds is a hang and fails the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hypothesis import given, settings, strategies as st

from helpers import NETWORKS

TIMEOUT = 120
# Under ci a handful of examples (each is one or two processes); thorough keeps its own.
EXAMPLES = settings().max_examples if os.environ.get("BACKCALC_FUZZ") == "thorough" else 12

FORMATS = ("table", "json", "markdown", "latex", "csv", "html")
EXAMPLE_NETWORKS = ("mazur", "seed004", "softmax-classifier")
ANSWERS = NETWORKS / "answers" / "seed004.yaml"
COLUMNS = ("0", "1", "39", "80", "1000", str(10**6), "99999999999999999999", "abc")
ENCODINGS = ("utf-8", "ascii", "latin-1", "cp1252")
# The variables drawn here (and others that change how output looks) are removed from
# the inherited environment, so an example is the same on every machine.
CLEARED = ("COLUMNS", "LINES", "TERM", "NO_COLOR", "FORCE_COLOR", "CLICOLOR",
           "CLICOLOR_FORCE", "PYTHONIOENCODING", "TTY_COMPATIBLE", "TTY_INTERACTIVE")
# Runs backcalc with file descriptor 1 closed after the interpreter started (sys.stdout
# exists, every write to it fails with EBADF).
CLOSED_STDOUT = ("import os, runpy, sys; os.close(1); sys.argv = ['backcalc'] + sys.argv[1:];"
                 " runpy.run_module('backcalc', run_name='__main__')")
OUTPUT_FILE = "out.x"


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    output_format: str  # what -o or stdout receives: a format name, "yaml" or "text"
    has_output_file: bool
    may_find: bool  # check/gradcheck: exit 1 reports findings


@st.composite
def commands(draw) -> Command:
    name = draw(st.sampled_from(("run", "step", "check", "gradcheck", "show", "new",
                                 "schema", "examples", "--help")))
    if name == "--help":
        return Command(("--help",), "text", False, False)
    if name == "examples":
        return Command(("examples",), "text", False, False)
    to_file = draw(st.booleans())
    tail = ("-o", OUTPUT_FILE) if to_file else ()
    if name == "schema":
        return Command(("schema",) + tail, "json", to_file, False)
    if name == "new":
        arch = draw(st.sampled_from(("2-3-1", "1-1", "3-4-4-2")))
        return Command(("new", arch) + tail, "yaml", to_file, False)
    network = draw(st.sampled_from(EXAMPLE_NETWORKS))
    if name == "show":
        return Command(("show", network), "text", False, False)
    fmt = draw(st.sampled_from(FORMATS))
    if name == "check":
        args: tuple[str, ...] = ("check", "seed004", str(ANSWERS))
    elif name == "step":
        args = ("step", network, "--iterations", str(draw(st.integers(1, 3))))
    else:
        args = (name, network)
    return Command(args + ("--format", fmt) + tail, fmt, to_file, name in ("check", "gradcheck"))


@dataclass(frozen=True)
class Environment:
    stdout: str  # "pipe", "full" or "closed"
    encoding: str
    columns: str | None
    term: str
    no_color: bool

    def variables(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in CLEARED}
        env["PYTHONIOENCODING"] = self.encoding
        env["TERM"] = self.term
        if self.columns is not None:
            env["COLUMNS"] = self.columns
        if self.no_color:
            env["NO_COLOR"] = "1"
        return env


environments = st.builds(
    Environment,
    stdout=st.sampled_from(("pipe", "full", "closed")),
    encoding=st.sampled_from(ENCODINGS),
    columns=st.one_of(st.none(), st.sampled_from(COLUMNS)),
    term=st.sampled_from(("dumb", "xterm")),
    no_color=st.booleans(),
)

PLAIN = Environment("pipe", "utf-8", "80", "dumb", False)


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: bytes  # empty unless standard output was a pipe
    stderr: str
    output_file: bytes | None


def run_backcalc(command: Command, environment: Environment) -> Outcome:
    """Run backcalc in a fresh folder as a real process in ``environment``."""
    with tempfile.TemporaryDirectory() as folder:
        argv = [sys.executable, "-m", "backcalc", *command.args]
        if environment.stdout == "closed":
            argv = [sys.executable, "-c", CLOSED_STDOUT, *command.args]
        # The real /dev/full (never a path written as a file otherwise) or a pipe.
        with open("/dev/full", "wb") as full:
            target = full if environment.stdout == "full" else subprocess.PIPE
            done = subprocess.run(argv, cwd=folder, env=environment.variables(),
                                  stdin=subprocess.DEVNULL, stdout=target,
                                  stderr=subprocess.PIPE, timeout=TIMEOUT)
        output = Path(folder) / OUTPUT_FILE
        return Outcome(done.returncode, done.stdout or b"",
                       done.stderr.decode("utf-8", "backslashreplace"),
                       output.read_bytes() if output.exists() else None)


_reference: dict[Command, Outcome] = {}


def reference(command: Command) -> Outcome:
    """The command's outcome in the plain environment (each command is run once)."""
    if command not in _reference:
        _reference[command] = run_backcalc(command, PLAIN)
    return _reference[command]


@settings(max_examples=EXAMPLES)
@given(command=commands(), environment=environments)
def test_every_environment_ends_in_output_or_one_error_line(command, environment):
    outcome = run_backcalc(command, environment)
    context = f"backcalc {' '.join(command.args)} in {environment}: {outcome}"

    assert "Traceback" not in outcome.stderr, context
    assert outcome.status in ((0, 1, 2) if command.may_find else (0, 2)), context
    error_lines = [line for line in outcome.stderr.splitlines() if line.startswith("Error:")]
    if outcome.status == 2:
        assert len(error_lines) == 1, context
        assert outcome.stderr.splitlines()[-1] == error_lines[0], context
    else:
        assert error_lines == [], context

    if environment.stdout == "pipe":
        assert outcome.status != 2, context
        assert b"\x1b" not in outcome.stdout, context
        if environment.encoding == "ascii":
            assert outcome.stdout.isascii(), context
    elif not command.has_output_file or command.args[0] in ("run", "step"):
        # Something is written to standard output (run and step say where the state
        # went even with -o), so a full or closed one is one error line.
        assert outcome.status == 2, context

    if environment.stdout == "pipe" and environment.encoding == "utf-8" \
            and not command.has_output_file and command.output_format in ("json", "csv"):
        assert outcome.stdout == reference(command).stdout, context

    if command.has_output_file:
        if outcome.status in (0, 1):
            assert outcome.output_file is not None, context
        if outcome.output_file is not None:
            assert outcome.output_file, context
            if command.output_format == "json":
                json.loads(outcome.output_file.decode("utf-8"))
            if command.output_format in ("json", "csv", "yaml"):
                assert outcome.output_file == reference(command).output_file, context
