"""A second signal while the first ends the run (red team 12c H6): TERM twice, TERM then
HUP (a closing terminal), HUP then TERM, Ctrl-C then TERM.

The first signal decides: its one line and its status 128 + n, never a traceback, never the
second signal's status.  No delay is guessed: the first signal comes at the test-only
kill point ``iteration`` (backcalc/killpoints.py), the second from inside the first's
handling (while its line is written) or after ``main`` has returned, as the process ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import backcalc
from backcalc import cli, killpoints

from helpers import invoke, run_cli

pytestmark = pytest.mark.usefixtures("in_tmp", "signal_handlers_kept")


@pytest.fixture
def signal_handlers_kept():
    """The test process's handlers as they were, whatever a test leaves: a run a signal
    ended leaves TERM, HUP and INT ignored until the next run (which the processes of
    later tests would inherit)."""
    names = [name for name in ("SIGTERM", "SIGHUP", "SIGINT") if hasattr(signal, name)]
    kept = {name: signal.getsignal(getattr(signal, name)) for name in names}
    yield
    for name, handler in kept.items():
        signal.signal(getattr(signal, name), handler)

PAIRS = [("SIGTERM", "SIGTERM"), ("SIGTERM", "SIGHUP"), ("SIGHUP", "SIGTERM"),
         ("SIGHUP", "SIGHUP"), ("SIGTERM", "SIGINT"), ("SIGINT", "SIGTERM")]


def line_and_status(name: str) -> tuple[str, int]:
    """What the first signal alone gives: Ctrl-C 130, the others 128 + n (a shell's)."""
    if name == "SIGINT":
        return "Interrupted.", 130
    return f"Ended by {name}.", 128 + getattr(signal, name)


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_a_second_signal_while_the_first_is_reported_is_ignored(first, second, monkeypatch):
    invoke("run", "mazur")
    before = Path(".backcalc/state.yaml").read_bytes()
    monkeypatch.setattr(killpoints, "POINT", "iteration")
    monkeypatch.setattr(killpoints, "_SIGNAL", first)
    report = cli._fail

    def second_signal_then_report(message: str, status: int) -> int:
        signal.raise_signal(getattr(signal, second))   # handled at once, in this thread
        return report(message, status)

    monkeypatch.setattr(cli, "_fail", second_signal_then_report)
    result = run_cli("step", "-n", "1000", "-q")
    line, status = line_and_status(first)
    assert (result.exit_code, result.stderr) == (status, line + "\n"), result.exception
    assert Path(".backcalc/state.yaml").read_bytes() == before
    assert [p.name for p in Path(".backcalc").iterdir()] == ["state.yaml"]
    # Until the process ends, later signals are ignored; the next run takes them back.
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    invoke("examples")
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL


SCRIPT = """\
import signal, sys
from backcalc import cli, killpoints
killpoints.POINT, killpoints._SIGNAL = "iteration", sys.argv[1]
try:
    cli.cli.main(["step", "-n", "1000", "-q"], prog_name="backcalc")
except SystemExit as end:
    signal.raise_signal(getattr(signal, sys.argv[2]))   # as the process ends
    sys.exit(end.code)
"""


@pytest.mark.parametrize(("first", "second"), [("SIGTERM", "SIGHUP"), ("SIGHUP", "SIGTERM"),
                                               ("SIGTERM", "SIGINT")])
def test_a_second_signal_as_the_process_ends_keeps_the_first_status(first, second):
    invoke("run", "mazur")
    package_folder = str(Path(backcalc.__file__).parent.parent)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        package_folder, os.environ.get("PYTHONPATH")]))}
    ended = subprocess.run([sys.executable, "-c", SCRIPT, first, second], env=environment,
                           capture_output=True, text=True, timeout=120)
    line, status = line_and_status(first)
    assert (ended.returncode, ended.stderr) == (status, line + "\n")
