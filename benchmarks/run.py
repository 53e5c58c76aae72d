#!/usr/bin/env python3
"""backcalc against its floors: start-up, iterations, rendering, memory (issue 6).

    python benchmarks/run.py              # everything (about two minutes on 2 cores)
    python benchmarks/run.py --quick      # fewer repeats and iterations (under a minute)
    python benchmarks/run.py --repeat 11 --only startup tiny

Plain Python and backcalc's own dependencies; PyTorch is used when it happens to
be installed.  Every figure is the median of ``--repeat`` runs, and every
measurement runs interleaved with its baseline (A, B, A, B, …) in this one
process or from it, so a busy machine slows both alike.

Commands run as child processes of this script, in a temporary folder, their
output sent to a file.  They find backcalc in this checkout (PYTHONPATH) and keep
compiled bytecode in a temporary PYTHONPYCACHEPREFIX (as an installed package
does), even when PYTHONDONTWRITEBYTECODE is set; one warm-up run of each command
comes first.  A child's peak memory is its own VmHWM (/proc/self/status, read as it
exits): ru_maxrss would count the pages of this script that a child holds between
fork and exec.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from backcalc import load_network, parse_network_text, train, train_untraced  # noqa: E402
from backcalc.network import Sample  # noqa: E402

MAZUR = REPO / "backcalc" / "networks" / "mazur.yaml"
FLOOR_IMPORTS = "import numpy, yaml, click, rich.console, rich.table"


# --- the table -------------------------------------------------------------------

@dataclass
class Row:
    measurement: str
    backcalc: str
    baseline: str
    ratio: str
    target: str = ""
    met: bool | None = None     # None: no target (shown for information)


def seconds(value: float) -> str:
    """A duration with a unit that suits it."""
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 1e-3:
        return f"{value * 1e3:.1f} ms"
    return f"{value * 1e6:.1f} µs"


def print_table(rows: list[Row]) -> None:
    header = ["measurement", "backcalc", "baseline", "ratio", "target", "met?"]
    cells = [[r.measurement, r.backcalc, r.baseline, r.ratio, r.target,
              "" if r.met is None else "yes" if r.met else "NO"] for r in rows]
    widths = [max(len(c[i]) for c in cells + [header]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for c in cells:
        print("  ".join(c[0].ljust(widths[0]) if i == 0 else c[i].rjust(widths[i])
                        if i in (1, 2, 3) else c[i].ljust(widths[i])
                        for i in range(len(header))).rstrip())


def ratio_row(measurement: str, ours: float, floor: float, limit: float | None,
              show=seconds) -> Row:
    ratio = ours / floor
    return Row(measurement, show(ours), show(floor), f"{ratio:.2f}×",
               f"≤ {limit}×" if limit else "", None if limit is None else ratio <= limit)


def info_row(measurement: str, ours: float, floor: float) -> Row:
    """A ratio shown for information: no target applies to it."""
    return ratio_row(measurement, ours, floor, None)


# --- timing ----------------------------------------------------------------------

def interleaved(jobs: list, repeat: int) -> list[float]:
    """Each job's median over ``repeat`` rounds; a round runs every job once, in turn.

    A job returns its own figure (seconds, bytes, …), so it can leave out set-up.
    """
    results = [[] for _ in jobs]
    for _ in range(repeat):
        for index, job in enumerate(jobs):
            results[index].append(job())
    return [statistics.median(r) for r in results]


class Commands:
    """Runs commands as children in a scratch folder; times them, measures their memory."""

    def __init__(self, folder: Path):
        self.folder = folder
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        env["COLUMNS"] = "100"
        env.pop("FORCE_COLOR", None)
        self.env = env
        self.warm: set = set()

    def run(self, argv: list[str], output: str = "out.txt") -> tuple[float, float]:
        """(wall-clock seconds, CPU seconds) of one run; standard output to a file."""
        key = tuple(argv)
        if key not in self.warm:           # compile the bytecode, fill the file cache
            self.warm.add(key)
            self.run(argv, output)
        with open(self.folder / output, "w") as out, open(self.folder / "err.txt", "w") as err:
            start = time.perf_counter()
            child = subprocess.Popen(argv, cwd=self.folder, env=self.env, stdout=out,
                                     stderr=err)
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - start
            child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}):\n"
                             + (self.folder / "err.txt").read_text())
        return elapsed, usage.ru_utime + usage.ru_stime

    def time(self, argv: list[str], output: str = "out.txt"):
        return lambda: self.run(argv, output)[0]

    def cpu(self, argv: list[str], output: str = "out.txt"):
        return lambda: self.run(argv, output)[1]

    def memory(self, *args: str):
        """A job giving the peak RSS, in bytes, of `backcalc ARGS` (its VmHWM)."""
        def job() -> float:
            self.run([sys.executable, "-c", PEAK_CHILD, "peak.txt", *args])
            return float((self.folder / "peak.txt").read_text()) * 1024
        return job


# `python -m backcalc ARGS`, writing its peak RSS (kB) to a file as it exits.
PEAK_CHILD = """
import atexit, runpy, sys
path, sys.argv = sys.argv[1], ["backcalc"] + sys.argv[2:]
def peak():
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
    with open(path, "w") as out:
        out.write(kb)
atexit.register(peak)
runpy.run_module("backcalc", run_name="__main__", alter_sys=True)
"""


def backcalc_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "backcalc", *args]


# --- the networks and their hand-written loops ----------------------------------------

def mazur():
    return load_network(MAZUR, "mazur")


def stable_sigmoid(z):
    """backcalc's σ, written out: e^(−|z|) never overflows."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def tiny_hand_loop(net, iterations: int, stable: bool):
    """Mazur's 2-2-2 sigmoid network, ½ squared error, biases fixed, plain SGD: forward,
    backward, update, nothing else.  ``stable``: backcalc's formulas (σ from e^(−|z|),
    σ′ = a·σ(−z), δ = 0 where f′ = 0), giving bit-identical numbers; else the textbook's
    σ = 1/(1 + e^(−z)) and σ′ = a(1 − a)."""
    assert [layer.activation.name for layer in net.layers] == ["sigmoid", "sigmoid"]
    assert net.loss.name == "half_squared_error" and net.update == "batch"
    assert not net.update_biases and not net.momentum and net.optimizer.name == "sgd"
    assert net.round_intermediates is None and len(net.samples) == 1
    (W1, b1), (W2, b2) = net.params
    x = np.array([s.input for s in net.samples])
    y = np.array([s.target for s in net.samples])
    lr = net.learning_rate
    if stable:
        for _ in range(iterations):
            z1 = x @ W1.T + b1
            a1 = stable_sigmoid(z1)
            z2 = a1 @ W2.T + b2
            a2 = stable_sigmoid(z2)
            f2 = a2 * stable_sigmoid(-z2)
            d2 = np.where(f2 == 0, 0.0, (a2 - y) * f2)
            f1 = a1 * stable_sigmoid(-z1)
            d1 = np.where(f1 == 0, 0.0, (d2 @ W2) * f1)
            W2 = W2 - lr * (d2.T @ a1)
            W1 = W1 - lr * (d1.T @ x)
    else:
        for _ in range(iterations):
            z1 = x @ W1.T + b1
            a1 = 1.0 / (1.0 + np.exp(-z1))
            z2 = a1 @ W2.T + b2
            a2 = 1.0 / (1.0 + np.exp(-z2))
            d2 = (a2 - y) * (a2 * (1.0 - a2))
            d1 = (d2 @ W2) * (a1 * (1.0 - a1))
            W2 = W2 - lr * (d2.T @ a1)
            W1 = W1 - lr * (d1.T @ x)
    a2 = stable_sigmoid(stable_sigmoid(x @ W1.T + b1) @ W2.T + b2)
    return [W1, W2], float((0.5 * (y - a2) ** 2).sum(axis=1).sum() / len(x))


LARGE_YAML = """
name: 784-256-10, a batch of 128
samples: [{{input: [0.5], target: [1, 0]}}]
loss: cross_entropy
learning_rate: 0.1
layers:
  - {{activation: {hidden}, weights: [[0.1]], biases: [0]}}
  - {{activation: softmax, weights: [[0.1], [0.2]], biases: [0, 0]}}
"""


def large_network(hidden: str, batch: int = 128, sizes=(784, 256, 10)):
    """A 784-256-10 network, ``hidden`` then softmax with cross-entropy, and a batch of
    128 random samples (one-hot targets), built in memory: a small file read by
    backcalc, then given large parameters and samples."""
    rng = np.random.default_rng(6)
    small = parse_network_text(LARGE_YAML.format(hidden=hidden))
    n_in, n_hidden, n_out = sizes
    params = [(rng.uniform(-0.05, 0.05, (n_hidden, n_in)), np.zeros(n_hidden)),
              (rng.uniform(-0.1, 0.1, (n_out, n_hidden)), np.zeros(n_out))]
    layers = [replace(layer, weights=w, biases=b) for layer, (w, b) in zip(small.layers, params)]
    x = rng.uniform(0.0, 1.0, (batch, n_in))
    y = np.eye(n_out)[rng.integers(0, n_out, batch)]
    return replace(small, layers=layers, samples=[Sample(x[i], y[i]) for i in range(batch)])


def softmax(z):
    shifted = z - z.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def large_hand_loop(net, iterations: int, stable: bool):
    """The large network by hand: forward, δ at the softmax/cross-entropy output,
    backward, mean gradients, SGD on weights and biases.  ``stable``: backcalc's formulas
    (σ as for the tiny loop; ReLU′ = 1, 0, or ReLU′(0) by the sign of z; δ = a·Σy − y;
    δ = 0 where f′ = 0); else the textbook's (σ = 1/(1 + e^(−z)), σ′ = a(1 − a),
    ReLU′ = [z > 0], δ = a − y)."""
    hidden = net.layers[0].activation.name
    assert hidden in ("sigmoid", "relu") and net.layers[1].activation.name == "softmax"
    assert net.loss.name == "cross_entropy" and net.reduction == "mean"
    (W1, b1), (W2, b2) = net.params
    x = np.array([s.input for s in net.samples])
    y = np.array([s.target for s in net.samples])
    scale, lr = 1.0 / len(x), net.learning_rate
    at_zero = net.relu_derivative_at_zero
    for _ in range(iterations):
        z1 = x @ W1.T + b1
        if hidden == "relu":
            a1 = np.maximum(z1, 0.0)
        else:
            a1 = stable_sigmoid(z1) if stable else 1.0 / (1.0 + np.exp(-z1))
        a2 = softmax(a1 @ W2.T + b2)
        if stable:
            d2 = a2 * y.sum(axis=-1, keepdims=True) - y
            f1 = (np.where(z1 > 0, 1.0, np.where(z1 < 0, 0.0, at_zero)) if hidden == "relu"
                  else a1 * stable_sigmoid(-z1))
            d1 = np.where(f1 == 0, 0.0, (d2 @ W2) * f1)
        else:
            d2 = a2 - y
            d1 = (d2 @ W2) * ((z1 > 0) if hidden == "relu" else a1 * (1.0 - a1))
        W2, b2 = W2 - lr * (d2.T @ a1 * scale), b2 - lr * (d2.sum(axis=0) * scale)
        W1, b1 = W1 - lr * (d1.T @ x * scale), b1 - lr * (d1.sum(axis=0) * scale)
    z1 = x @ W1.T + b1
    a2 = softmax((np.maximum(z1, 0.0) if hidden == "relu" else stable_sigmoid(z1)) @ W2.T + b2)
    return [W1, W2], float(-(y * np.log(a2)).sum(axis=1).mean())


def backcalc_loop(net, iterations: int):
    """The library's loop as `step --quiet` runs it: nothing kept, no per-step trace."""
    run = train_untraced(net, iterations)
    return [p.weights for p in run.trained.params], run.final.loss


def agree(ours, theirs, what: str, tolerance: float) -> None:
    """The hand loop must compute what backcalc computes, or it is no baseline."""
    (our_weights, our_loss), (their_weights, their_loss) = ours, theirs
    difference = max([abs(our_loss - their_loss)] +
                     [float(np.max(np.abs(a - b))) for a, b in zip(our_weights, their_weights)])
    if not difference <= tolerance:
        raise SystemExit(f"{what}: the hand-written loop differs from backcalc by "
                         f"{difference:.3g} (loss {their_loss!r} against {our_loss!r})")


def per_iteration(loop, *args, iterations: int, **options):
    """A job timing ``loop(*args, iterations, **options)``: seconds per iteration."""
    def job():
        start = time.perf_counter()
        loop(*args, iterations, **options)
        return (time.perf_counter() - start) / iterations
    return job


# --- the measurements ------------------------------------------------------------------

def startup(commands: Commands, repeat: int) -> list[Row]:
    run, floor = backcalc_argv("run", "mazur"), [sys.executable, "-c", FLOOR_IMPORTS]
    ours, theirs, our_cpu, their_cpu, bare, np_only = interleaved([
        commands.time(run), commands.time(floor), commands.cpu(run), commands.cpu(floor),
        commands.time([sys.executable, "-c", "pass"]),
        commands.time([sys.executable, "-c", "import numpy"]),
    ], repeat)
    return [
        ratio_row("start-up: run mazur > file vs importing the dependencies [d]", ours, theirs,
                  1.3),
        info_row("  the same two in CPU time (user + system) [c]", our_cpu, their_cpu),
        Row("  the floor's parts: python -c pass; python -c \"import numpy\"", seconds(bare),
            seconds(np_only), f"{np_only / theirs:.0%} of floor"),
    ]


def tiny(commands: Commands, repeat: int, iterations: int) -> list[Row]:
    net = mazur()
    ours = backcalc_loop(net, iterations)
    agree(ours, tiny_hand_loop(net, iterations, stable=True), "tiny, same formulas", 0.0)
    agree(ours, tiny_hand_loop(net, iterations, stable=False), "tiny, textbook", 1e-12)
    loop, stable, textbook = interleaved([
        per_iteration(backcalc_loop, net, iterations=iterations),
        per_iteration(tiny_hand_loop, net, iterations=iterations, stable=True),
        per_iteration(tiny_hand_loop, net, iterations=iterations, stable=False),
    ], repeat)
    long_run, short_run = interleaved([
        commands.time(backcalc_argv("step", "mazur", "--iterations", str(iterations), "--quiet")),
        commands.time(backcalc_argv("step", "mazur", "--iterations", "1", "--quiet")),
    ], repeat)
    command = (long_run - short_run) / (iterations - 1)
    n = f"{iterations:,}"
    return [
        ratio_row(f"tiny 2-2-2, per iteration: train() ({n} in-process) vs hand loop, "
                  "same formulas", loop, stable, 1.5),
        info_row("  train() vs textbook hand loop [a]", loop, textbook),
        info_row(f"  step mazur -n {n} --quiet, the whole command [b]", command, stable),
    ]


def large(repeat: int, iterations: int) -> list[Row]:
    rows = []
    for hidden in ("sigmoid", "relu"):
        net = large_network(hidden)
        ours = backcalc_loop(net, iterations)
        agree(ours, large_hand_loop(net, iterations, stable=True), f"large {hidden}", 1e-12)
        agree(ours, large_hand_loop(net, iterations, stable=False), f"large {hidden}, textbook",
              1e-12)
        loop, stable, textbook = interleaved([
            per_iteration(backcalc_loop, net, iterations=iterations),
            per_iteration(large_hand_loop, net, iterations=iterations, stable=True),
            per_iteration(large_hand_loop, net, iterations=iterations, stable=False),
        ], repeat)
        rows += [ratio_row(f"large 784-256-10 {hidden}/softmax, batch 128, per iteration: "
                           "train() vs hand loop, same formulas", loop, stable, 1.3),
                 info_row("  train() vs textbook hand loop [a]", loop, textbook)]
    return rows


# A fresh process imports the dependencies (the start-up floor), computes `run mazur`'s
# one iteration, then times what drawing its tables adds: importing backcalc's report
# and renderer, building the sections, laying them out and writing them to standard
# output (a file), as `backcalc run` does.
RENDER_CHILD = f"""
import sys, time
{FLOOR_IMPORTS}
from backcalc import load_network, train
run = train(load_network(sys.argv[1], "mazur"), 1)
start = time.perf_counter()
from backcalc.formats import Choice, Output, write
from backcalc.report import run_report
write(Output(run.network.title, lambda: run_report(run, run.trained.learning_rate),
             None, None), Choice("table"))
sys.stdout.flush()
with open(sys.argv[2], "w") as seconds:
    seconds.write(repr(time.perf_counter() - start))
"""


def rendering(commands: Commands, repeat: int, iterations: int) -> list[Row]:
    def drawing() -> float:
        commands.run([sys.executable, "-c", RENDER_CHILD, str(MAZUR), "drawing.txt"])
        return float((commands.folder / "drawing.txt").read_text())

    def computing() -> float:
        start = time.perf_counter()
        train(mazur(), 1)
        return time.perf_counter() - start

    drawn, computed, tables, quiet = interleaved([
        drawing, computing,
        commands.time(backcalc_argv("run", "mazur")),
        commands.time(backcalc_argv("step", "mazur", "--iterations", "1", "--quiet")),
    ], repeat)
    rows = [Row("rendering: run mazur's tables, what drawing adds [e] (vs its arithmetic)",
                seconds(drawn), seconds(computed), f"{drawn * 1e3:+.1f} ms", "< 50 ms added",
                drawn < 0.05),
            Row("  whole commands: run mazur vs step mazur -n 1 --quiet",
                seconds(tables), seconds(quiet), f"{(tables - quiet) * 1e3:+.0f} ms")]
    full_argv = backcalc_argv("step", "mazur", "--iterations", str(iterations), "--full",
                              "-o", "full.txt", "--force")
    full, lean = interleaved([
        commands.time(full_argv, output="full-log.txt"),
        commands.time(backcalc_argv("step", "mazur", "--iterations", str(iterations),
                                    "--quiet")),
    ], max(1, repeat // 2))
    size = (commands.folder / "full.txt").stat().st_size
    rows.append(Row(f"rendering: step mazur -n {iterations:,} --full -o file ({size / 1e6:.1f} "
                    "MB) vs --quiet", seconds(full), seconds(lean),
                    f"+{seconds((full - lean) / iterations)}/iter"))
    return rows


def memory(commands: Commands, repeat: int, iterations: int) -> list[Row]:
    if not Path("/proc/self/status").exists():
        return [Row("memory: skipped (needs /proc/self/status)", "", "", "")]
    long_run, short_run = interleaved([
        commands.memory("step", "mazur", "--iterations", str(iterations), "--quiet"),
        commands.memory("step", "mazur", "--iterations", "1000", "--quiet"),
    ], repeat)
    added = round((long_run - short_run) / 2 ** 20, 1) + 0.0     # (never -0.0)
    return [Row(f"memory: peak RSS of step mazur -n {iterations:,} --quiet vs -n 1,000",
                f"{long_run / 2 ** 20:.1f} MB", f"{short_run / 2 ** 20:.1f} MB",
                f"{added:+.1f} MB", "≤ 5 MB more", added <= 5)]


def pytorch(repeat: int, tiny_iterations: int, large_iterations: int) -> list[Row]:
    """The same work as a PyTorch autograd loop (float64, on the CPU), when PyTorch is
    installed: forward, loss, backward, SGD on the parameters backcalc updates."""
    try:
        import torch
    except ImportError:
        return [Row("PyTorch autograd loops: skipped (PyTorch is not installed)", "", "", "")]

    def torch_loop(net, iterations: int):
        hidden = {"sigmoid": torch.sigmoid, "relu": torch.relu}[net.layers[0].activation.name]
        params = [torch.tensor(a, requires_grad=grad)
                  for p in net.params for a, grad in zip(p, (True, net.update_biases))]
        x = torch.tensor(np.array([s.input for s in net.samples]))
        y = torch.tensor(np.array([s.target for s in net.samples]))
        for _ in range(iterations):
            z2 = hidden(x @ params[0].T + params[1]) @ params[2].T + params[3]
            if net.loss.name == "half_squared_error":
                loss = 0.5 * ((y - torch.sigmoid(z2)) ** 2).sum(dim=1).mean()
            else:
                loss = torch.nn.functional.cross_entropy(z2, y)
            loss.backward()
            with torch.no_grad():
                for p in params:
                    if p.requires_grad:
                        p -= net.learning_rate * p.grad
                        p.grad = None
        return [params[0].detach().numpy(), params[2].detach().numpy()], float(loss.detach())

    rows = []
    for name, net, iterations in (("tiny 2-2-2", mazur(), tiny_iterations),
                                  ("large 784-256-10 (sigmoid)", large_network("sigmoid"),
                                   large_iterations),
                                  ("large 784-256-10 (relu)", large_network("relu"),
                                   large_iterations)):
        # (Their last loss is before the last update; compare the weights.)
        weights, _ = torch_loop(net, iterations)
        ours, _ = backcalc_loop(net, iterations)
        agree((ours, 0.0), (weights, 0.0), f"{name}, PyTorch", 1e-9)
        mine, theirs = interleaved([
            per_iteration(backcalc_loop, net, iterations=iterations),
            per_iteration(torch_loop, net, iterations=iterations),
        ], repeat)
        rows.append(info_row(f"{name}, per iteration: train() vs PyTorch {torch.__version__} "
                             "autograd", mine, theirs))
    return rows


MEASUREMENTS = ("startup", "tiny", "large", "rendering", "memory", "pytorch")

NOTES = """\
train() runs as `step --quiet` runs it: train_untraced(net, N).  Hand loops:
the least NumPy doing the same forward pass, backward pass and update (no loss per
iteration, no checks).  "Same formulas" computes backcalc's own numerically stable
formulas (σ from e^−|z|, σ′ = a·σ(−z), δ = 0 where f′ = 0, softmax/cross-entropy
δ = a·Σy − y) and gives bit-identical numbers; the textbook loop (σ = 1/(1 + e^−z),
σ′ = a(1 − a), ReLU′ = [z > 0], δ = a − y) agrees to 1e-12; both checked before timing.
PyTorch loops (float64, CPU) agree to 1e-9.
[a] the difference is the price of SPEC's stable formulas (no overflow for any finite z),
    paid in activations.py, not in the engine.
[b] (time of -n N − time of -n 1) / (N − 1): per iteration, start-up excluded.
[c] wall-clock time varies with what else the machine runs; CPU time varies less.
[d] python -c "import numpy, yaml, click, rich.console, rich.table"
[e] in a fresh process that has imported the dependencies and run the iteration: importing
    backcalc's report and renderer, building, laying out and writing the tables."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=None,
                        help="runs per figure, the median reported (default 7; --quick 3)")
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats and iterations: a rough look in about a minute")
    parser.add_argument("--only", nargs="+", choices=MEASUREMENTS, default=MEASUREMENTS,
                        metavar="NAME", help=f"only these: {', '.join(MEASUREMENTS)}")
    args = parser.parse_args()
    repeat = args.repeat or (3 if args.quick else 7)
    tiny_n = 2000 if args.quick else 10000
    large_n = 5 if args.quick else 20
    full_n = 200 if args.quick else 1000
    memory_n = 100_000

    print(f"backcalc benchmarks, {datetime.date.today().isoformat()}: {platform.machine()}, "
          f"{os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, "
          f"NumPy {np.__version__}, {platform.system()} {platform.release()}")
    print(f"median of {repeat} runs each{' (--quick)' if args.quick else ''}; "
          "a command's time is the whole process, output to a file", flush=True)
    load = os.getloadavg()[0]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="backcalc-bench-") as folder:
        commands = Commands(Path(folder))
        for name in args.only:
            started = time.perf_counter()
            if name == "startup":
                rows += startup(commands, repeat)
            elif name == "tiny":
                rows += tiny(commands, repeat, tiny_n)
            elif name == "large":
                rows += large(repeat, large_n)
            elif name == "rendering":
                rows += rendering(commands, repeat, full_n)
            elif name == "memory":
                rows += memory(commands, max(1, repeat // 2), memory_n)
            elif name == "pytorch":
                rows += pytorch(repeat, tiny_n, large_n)
            print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(f"load average (1 min) {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end\n")
    print_table(rows)
    missed = [r for r in rows if r.met is False]
    targets = sum(r.met is not None for r in rows)
    print(f"\n{sum(r.met is True for r in rows)} of {targets} targets met" +
          (f"; missed: {'; '.join(r.measurement for r in missed)}" if missed else "")
          if targets else "\n(no targets among these measurements)")
    print()
    print(NOTES)


if __name__ == "__main__":
    main()
