"""Progress of long work: the application layer reports counts through a callback
(``work_progress``); the command line draws them as a bar on standard error only on a
terminal, never in pipes, files, JSON or CSV, under NO_COLOR or TERM=dumb, and leaves
every output as it was."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import threading

import pytest
from click.testing import CliRunner

from backcalc import app
from backcalc.app.gradient_check import evaluations
from backcalc.cli import cli
from backcalc.progress_bar import DELAY_VARIABLE, wanted

pty = pytest.importorskip("pty")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def recorder():
    heard = []
    return heard, lambda done, total: heard.append((done, total))


# --- the counts (application layer) --------------------------------------------------------

def test_step_counts_its_iterations():
    heard, progress = recorder()
    app.step("xor-online", iterations=40, quiet=True, progress=progress)
    assert heard[0] == (0, 40) and heard[-1] == (40, 40)
    assert [done for done, _ in heard] == list(range(41))
    assert {total for _, total in heard} == {40}


def test_gradcheck_counts_its_loss_evaluations():
    for name in ("mazur", "xor-online", "softmax-classifier"):
        heard, progress = recorder()
        result = app.gradcheck(name, progress=progress)
        total = evaluations(result.gradcheck.network)
        assert total == 4 * len(result.gradcheck.checks)      # θ ± h, θ ± 2h per parameter
        assert heard[0] == (0, total) and heard[-1] == (total, total), name
        assert [done for done, _ in heard] == list(range(total + 1))


def test_check_says_it_started_without_a_length():
    heard, progress = recorder()
    app.check("seed000", "seed000", progress=progress)
    assert heard[0] == (0, None)


def test_no_callback_no_counting():
    assert app.step("mazur", iterations=3, quiet=True).run.trained.progress.iteration == 3


# --- where a bar may be drawn ----------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("environment, output_format, expected", [
    ({}, "table", True), ({}, "markdown", True),
    ({}, "json", False), ({}, "csv", False),
    ({"NO_COLOR": "1"}, "table", False), ({"TERM": "dumb"}, "table", False)])
def test_a_bar_only_where_someone_watches(monkeypatch, environment, output_format, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert wanted(output_format, Terminal()) is expected
    assert wanted(output_format, io.StringIO()) is False        # a pipe or a file


@pytest.mark.parametrize("args", [["step", "mazur", "-n", "300", "--quiet"],
                                  ["step", "mazur", "-n", "30"],
                                  ["step", "mazur", "-n", "30", "--format", "json"],
                                  ["gradcheck", "xor-batch"],
                                  ["check", "seed000", "seed000"]])
def test_no_bar_under_the_test_runner_and_outputs_unchanged(args):
    results = []
    for environment in ({}, {DELAY_VARIABLE: "0"}, {DELAY_VARIABLE: "0", "NO_COLOR": "1"}):
        result = CliRunner(env=environment).invoke(cli, args)
        results.append((result.exit_code, result.stdout, result.stderr))
    assert results[0] == results[1] == results[2]


def backcalc(*args: str, stderr_terminal: bool, **environment: str):
    """Run backcalc in a process: standard output a pipe, standard error a pipe or a
    pseudo-terminal; (status, stdout, stderr)."""
    env = {**os.environ, "TERM": "xterm-256color", DELAY_VARIABLE: "0", "COLUMNS": "80",
           **environment}
    env.pop("NO_COLOR", None) if "NO_COLOR" not in environment else None
    command = [sys.executable, "-m", "backcalc", *args]
    if not stderr_terminal:
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        return done.returncode, done.stdout, done.stderr
    main, secondary = pty.openpty()
    chunks = []

    def read():
        while True:
            try:
                chunk = os.read(main, 4096)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=secondary, env=env)
    os.close(secondary)
    out, _ = process.communicate(timeout=120)
    reader.join(timeout=10)
    os.close(main)
    return process.returncode, out.decode(), b"".join(chunks).decode(errors="replace")


LONG = ("step", "mazur", "-n", "3000", "--quiet")


def test_the_bar_appears_on_a_terminal_and_changes_no_output():
    status, out, err = backcalc(*LONG, stderr_terminal=True)
    assert status == 0
    assert "Training" in err and "iterations" in err and "━" in err
    piped = backcalc(*LONG, stderr_terminal=False)
    assert piped == (0, out, "")                 # the same output, and nothing else in a pipe


@pytest.mark.parametrize("extra, environment", [((), {"NO_COLOR": "1"}),
                                                ((), {"TERM": "dumb"}),
                                                (("--format", "json"), {}),
                                                (("--format", "csv"), {})])
def test_no_bar_on_a_terminal_that_refuses_it(extra, environment):
    status, out, err = backcalc(*LONG, *extra, stderr_terminal=True, **environment)
    assert status == 0 and out
    assert "Training" not in err and "━" not in err


# --- a standard error that breaks under the bar ----------------------------------------------
# A bar is drawn only on a terminal; these runs force it (``wanted``) onto a standard error
# that is not one, FORCE_COLOR making rich draw there as on a terminal.  An exception in
# any thread is recorded in noise.txt (standard error cannot show it).

FORCED = """\
import sys, threading
def noise(args):
    with open("noise.txt", "a") as file:
        file.write(f"{args.exc_type.__name__}: {args.exc_value}\\n")
threading.excepthook = noise
import backcalc.cli
if sys.argv.pop(1) == "bar":
    backcalc.cli.wanted = lambda *args: True
backcalc.cli.main()
"""


def forced(bar: bool, args, stderr, preexec_fn=None):
    env = {**os.environ, "TERM": "xterm-256color", DELAY_VARIABLE: "0", "COLUMNS": "80",
           "FORCE_COLOR": "1"}
    env.pop("NO_COLOR", None)
    done = subprocess.run([sys.executable, "-c", FORCED, "bar" if bar else "plain", *args],
                          stdout=subprocess.PIPE, stderr=stderr, env=env,
                          preexec_fn=preexec_fn, timeout=300)
    noise = open("noise.txt").read() if os.path.exists("noise.txt") else ""
    if noise:
        os.remove("noise.txt")
    return done.returncode, done.stdout, noise


def test_the_forced_bar_is_drawn():
    # (so the tests below do break a bar being drawn)
    with open("err.txt", "w") as err:
        status, _, noise = forced(True, LONG, err)
    assert status == 0 and noise == ""
    assert "Training" in open("err.txt", encoding="utf-8").read()


@pytest.mark.parametrize("broken", ["full", "closed"])
def test_a_standard_error_that_breaks_under_the_bar_changes_nothing(broken):
    if broken == "full" and not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    args = ("step", "mazur", "-n", "3000", "--quiet")
    results = []
    for bar in (True, False):
        shutil.rmtree(".backcalc", ignore_errors=True)
        if broken == "closed":
            results.append(forced(bar, args, None, lambda: os.close(2)))
        else:
            with open("/dev/full", "w") as full:
                results.append(forced(bar, args, full))
    with_bar, without = results
    assert with_bar == without
    status, out, noise = with_bar
    assert status == 0 and noise == ""
    assert b"After 3000 iterations" in out


def test_a_bar_drawn_from_its_own_thread_onto_a_broken_stream_stays_quiet(monkeypatch):
    # The draw rich's thread makes, made here from a thread of the test's: the frames that
    # standard error refuses are dropped, and nothing is raised in either thread.
    from backcalc import progress_bar
    from backcalc.streams import GuardedStream

    class Refusing:
        def write(self, text):
            raise OSError(5, "Input/output error")

        def flush(self):
            raise OSError(5, "Input/output error")

        def isatty(self):
            return True

        def fileno(self):
            return 2

    monkeypatch.setattr(sys, "stderr", GuardedStream(Refusing(), "error"))
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv(DELAY_VARIABLE, "0")
    raised = []
    monkeypatch.setattr(threading, "excepthook", lambda args: raised.append(args.exc_value))
    with progress_bar.progress_bar("Training", "iterations", True) as bar:
        bar(1, 10)                          # (delay 0: the bar starts with the first count)
        drawing = threading.Thread(target=bar.progress.refresh)
        drawing.start()
        drawing.join()
        bar(2, 10)
    assert raised == []
