"""Progress of long work: the application layer reports counts through a callback
(``work_progress``); the command line draws them as a bar on standard error only on a
terminal, never in pipes, files, JSON or CSV, under NO_COLOR or TERM=dumb, and leaves
every output as it was."""

from __future__ import annotations

import io
import os
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
