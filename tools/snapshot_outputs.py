"""Record what every command prints, to compare two versions of backcalc byte for byte.

    python tools/snapshot_outputs.py OUT_DIR                  # in this Python, in-process
    python tools/snapshot_outputs.py OUT_DIR --backcalc PATH  # each case as a real process

In-process mode (click's CliRunner, a few seconds) imports the ``backcalc`` that the
Python running this script finds; run it with each version's virtual environment's
Python.  Process mode runs the given executable (minutes; closest to a user's terminal).

Each case runs in a fresh temporary folder (so `step` without a network and the state
file start alike), with COLUMNS set to each width, and writes OUT_DIR/<case>.txt holding
the exit status, standard output and standard error.  Then compare two folders with
`diff -r BEFORE AFTER`.  A refactor that changes nothing a user sees leaves no difference.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import re
import subprocess
import tempfile
from pathlib import Path

NETWORKS = ["mazur", "seed000", "seed002", "seed004", "softmax-classifier", "xor-batch",
            "xor-online", "l2-half", "l2-full", "l2-half-mean", "nesterov", "adamw",
            "dropout"]
ANSWERED = ["seed000", "seed002", "seed004"]
GRAPHS = ["cs231n-circuit", "cs231n-neuron", "micrograd"]
WIDTHS = [40, 80, 100, 160]
FORMATS = ["table", "json", "markdown", "latex", "csv", "html"]


def cases() -> list[tuple[str, list[str]]]:
    """(name, arguments) of every case; `step` after `run` is written as one case."""
    out: list[tuple[str, list[str]]] = []
    for net in NETWORKS:
        for fmt in FORMATS:
            out.append((f"run-{net}-{fmt}", ["run", net, "--format", fmt]))
            out.append((f"run-explain-{net}-{fmt}", ["run", net, "--explain", "--format", fmt]))
            out.append((f"step-{net}-{fmt}", ["step", net, "-n", "3", "--format", fmt]))
            out.append((f"gradcheck-{net}-{fmt}", ["gradcheck", net, "--format", fmt]))
        out.append((f"step-full-{net}", ["step", net, "-n", "2", "--full"]))
        out.append((f"step-explain-{net}", ["step", net, "-n", "2", "--explain"]))
        out.append((f"step-quiet-{net}", ["step", net, "-n", "50", "--quiet"]))
        out.append((f"step-every-{net}", ["step", net, "-n", "200", "--every", "40"]))
        out.append((f"step-long-{net}", ["step", net, "-n", "120"]))
        out.append((f"run-round-{net}", ["run", net, "--round", "4", "--precision", "4"]))
        out.append((f"run-explain-layer-{net}", ["run", net, "--explain", "--layer", "1"]))
        out.append((f"show-{net}", ["show", net]))
        out.append((f"show-values-{net}", ["show", net, "--values"]))
        out.append((f"run-lr-{net}", ["run", net, "--learning-rate", "0.1"]))
        out.append((f"run-maxrows-{net}", ["run", net, "--max-rows", "2"]))
    for net in ANSWERED:
        for fmt in FORMATS:
            out.append((f"check-{net}-{fmt}", ["check", net, net, "--format", fmt]))
        out.append((f"check-explain-{net}", ["check", net, net, "--explain"]))
    for graph in GRAPHS:
        for fmt in FORMATS:
            out.append((f"run-{graph}-{fmt}", ["run", graph, "--format", fmt]))
            out.append((f"gradcheck-{graph}-{fmt}", ["gradcheck", graph, "--format", fmt]))
        out.append((f"run-explain-{graph}", ["run", graph, "--explain"]))
        out.append((f"show-{graph}", ["show", graph]))
        out.append((f"show-precision-{graph}", ["show", graph, "--precision", "2"]))
    out += [
        ("step-cs231n-neuron", ["step", "cs231n-neuron", "-n", "3"]),
        ("new-graph", ["new", "graph"]),
        ("grade-seed000", ["grade", "seed000", "seed000"]),
        ("grade-seed000-csv", ["grade", "seed000", "seed000", "--format", "csv"]),
        ("exercise-221", ["exercise", "2-2-1", "--variants", "2", "--seed", "1", "-o", "ex"]),
        ("run-then-step", ["run", "mazur", "&&", "step", "--iterations", "3"]),
        ("examples", ["examples"]),
        ("schema", ["schema"]),
        ("new-231", ["new", "2-3-1"]),
        ("new-relu", ["new", "2-3-1", "--activation", "relu,sigmoid", "--seed", "3"]),
        ("help", ["--help"]),
        ("version", ["--version"]),
        ("bad-network", ["run", "no-such-network"]),
        ("bad-option", ["step", "mazur", "-n", "x"]),
        ("step-no-state", ["step", "-n", "2"]),
    ]
    for command in ["run", "step", "check", "gradcheck", "show", "new", "schema", "examples",
                    "grade", "exercise"]:
        out.append((f"help-{command}", [command, "--help"]))
    return out


def run_in_process(name: str, args: list[str], width: int, out_dir: Path) -> None:
    from click.testing import CliRunner

    from backcalc.cli import cli
    home = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        os.chdir(folder)
        try:
            record = []
            for command in _commands(args):
                runner = CliRunner(env={"COLUMNS": str(width), "LINES": "50", "TERM": "xterm",
                                        "NO_COLOR": None, "FORCE_COLOR": None})
                done = runner.invoke(cli, command, prog_name="backcalc")
                record.append(_record(command, done.exit_code, done.stdout, done.stderr, folder))
        finally:
            os.chdir(home)
        _write(out_dir, name, width, record)


def _commands(args: list[str]) -> list[list[str]]:
    commands: list[list[str]] = [[]]
    for arg in args:
        if arg == "&&":
            commands.append([])
        else:
            commands[-1].append(arg)
    return commands


def _record(command: list[str], status: int, stdout: str, stderr: str, folder: str) -> str:
    stdout = stdout.replace(folder, "<tmp>")
    stderr = stderr.replace(folder, "<tmp>")
    return (f"$ backcalc {' '.join(command)}\nexit {status}\n"
            f"--- stdout\n{stdout}--- stderr\n{stderr}")


def _write(out_dir: Path, name: str, width: int, record: list[str]) -> None:
    text = "\n".join(record)
    # The version line names the installed version, which may legitimately differ.
    text = re.sub(r"version \S+", "version X", text)
    # `new` points at the schema where backcalc is installed, which differs between copies.
    text = re.sub(r"file://\S*/backcalc/networks/", "file://<backcalc>/networks/", text)
    (out_dir / f"{name}-w{width}.txt").write_text(text, encoding="utf-8")


def run_case(executable: str, name: str, args: list[str], width: int, out_dir: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "COLUMNS": str(width), "LINES": "50", "TERM": "xterm"}
        env.pop("NO_COLOR", None)
        env.pop("FORCE_COLOR", None)
        record = []
        for command in _commands(args):
            done = subprocess.run([executable, *command], cwd=folder, env=env,
                                  capture_output=True, stdin=subprocess.DEVNULL)
            record.append(_record(command, done.returncode,
                                  done.stdout.decode("utf-8", "replace"),
                                  done.stderr.decode("utf-8", "replace"), folder))
    _write(out_dir, name, width, record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--backcalc", default=None,
                        help="a backcalc executable: run each case as a process")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    options = parser.parse_args()
    options.out_dir.mkdir(parents=True, exist_ok=True)
    jobs = [(name, args, width) for name, args in cases() for width in WIDTHS]
    if options.backcalc is None:
        for name, args, width in jobs:
            run_in_process(name, args, width, options.out_dir)
        print(f"{len(jobs)} outputs written to {options.out_dir}")
        return
    with concurrent.futures.ThreadPoolExecutor(options.jobs) as pool:
        futures = [pool.submit(run_case, options.backcalc, name, args, width, options.out_dir)
                   for name, args, width in jobs]
        for future in futures:
            future.result()
    print(f"{len(jobs)} outputs written to {options.out_dir}")


if __name__ == "__main__":
    main()
