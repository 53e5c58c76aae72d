#!/usr/bin/env python3
"""`backcalc grade` over a class against one `backcalc check` per student (issue 14).

    python benchmarks/grade.py              # 300 submissions; 30 checks, times 10
    python benchmarks/grade.py --checks 300 # every check run (about two minutes)
    python benchmarks/grade.py --students 600 --checks 60

Generates a class of Mazur's exercise in a temporary folder: answers right to four
decimals, answers with each of five slips (``transposed_weights``, ``missing_half``,
``delta_sign``, ``derivative_of_z``, ``update_sign``) worked through to the end, and
unreadable files (bad YAML, binary junk, an unknown key), in turn.  Then it times

* ``backcalc grade mazur CLASS --asked asked.yaml --format csv``: one process for all;
* ``backcalc check mazur FILE --format csv``, one process per file: ``--checks`` of
  them, every k-th file so each kind is in the sample, the time scaled to the class
  (``--checks`` equal to ``--students`` runs them all and scales nothing);

and prints the ratio (the target: at least 10).  Memory: the peak traced by
``tracemalloc`` while grading a third of the class and the whole class in this
process, which stays flat (each submission's check is let go before the next).

Commands run as child processes, finding backcalc in this checkout (PYTHONPATH) with
compiled bytecode kept in a temporary PYTHONPYCACHEPREFIX (as an installed package
does, even when PYTHONDONTWRITEBYTECODE is set), after one warm-up run of each.  Not a
test: figures depend on the machine; see docs/performance.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import math
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ASKED = ["z1_1", "z1_2", "a1_1", "a1_2", "z2_1", "z2_2", "a2_1", "a2_2", "loss",
         "delta2_1", "delta2_2", "dL/dw5", "dL/dw6", "dL/dw7", "dL/dw8", "w5+", "w6+",
         "w7+", "w8+"]
SLIPS = ["transposed_weights", "missing_half", "delta_sign", "derivative_of_z",
         "update_sign"]
UNREADABLE = {
    "bad_yaml": "z1: [0.3775\n",
    "binary": bytes(range(256)) * 4,
    "unknown_key": "zz9: 0.1\n",
}
KINDS = ["right"] + SLIPS + list(UNREADABLE)


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def mazur_answers(slip: str | None) -> dict[str, float]:
    """Mazur's first iteration worked by hand, with ``slip`` made where it belongs (and
    carried on), to four decimals."""
    x, y, eta = (0.05, 0.10), (0.01, 0.99), 0.5
    w_hidden = [[0.15, 0.20], [0.25, 0.30]]
    if slip == "transposed_weights":
        w_hidden = [[0.15, 0.25], [0.20, 0.30]]
    w_out = [[0.40, 0.45], [0.50, 0.55]]
    z1 = [sum(w * xi for w, xi in zip(row, x)) + 0.35 for row in w_hidden]
    a1 = [sigmoid(z) for z in z1]
    z2 = [sum(w * a for w, a in zip(row, a1)) + 0.60 for row in w_out]
    a2 = [sigmoid(z) for z in z2]
    half = 1.0 if slip == "missing_half" else 0.5
    loss = sum(half * (t - a) ** 2 for t, a in zip(y, a2))
    dl_da = [2 * half * (a - t) for a, t in zip(a2, y)]
    if slip == "delta_sign":
        dl_da = [-g for g in dl_da]
    fprime = [z * (1 - z) if slip == "derivative_of_z" else a * (1 - a)
              for z, a in zip(z2, a2)]
    delta = [g * f for g, f in zip(dl_da, fprime)]
    grads = [delta[j] * a1[i] for j in range(2) for i in range(2)]
    sign = 1 if slip == "update_sign" else -1
    updated = [w + sign * eta * g for w, g in zip([0.40, 0.45, 0.50, 0.55], grads)]
    values = z1 + a1 + z2 + a2 + [loss] + delta + grads + updated
    return {key: round(value, 4) for key, value in zip(ASKED, values)}


def write_class(folder: Path, students: int) -> list[tuple[str, str]]:
    """The class's files, ``student-NNN.yaml``; (student, kind) of each, in turn."""
    folder.mkdir()
    kinds = []
    for number in range(students):
        kind = KINDS[number % len(KINDS)]
        path = folder / f"student-{number:03d}.yaml"
        if kind in UNREADABLE:
            text = UNREADABLE[kind]
            path.write_bytes(text if isinstance(text, bytes) else text.encode())
        else:
            answers = mazur_answers(None if kind == "right" else kind)
            path.write_text("".join(f"{key}: {value:.4f}\n" for key, value in answers.items()))
        kinds.append((path.stem, kind))
    return kinds


class Runner:
    """Runs backcalc from this checkout in a child process, timed."""

    def __init__(self, folder: Path):
        env = dict(os.environ)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("FORCE_COLOR", None)
        env["PYTHONPYCACHEPREFIX"] = str(folder / "pycache")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
        self.env, self.folder = env, folder

    def run(self, *args: str) -> tuple[float, int]:
        with open(self.folder / "out.txt", "wb") as out:
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "backcalc", *args], env=self.env,
                                  cwd=self.folder, stdout=out, stderr=subprocess.DEVNULL)
            return time.perf_counter() - start, done.returncode


def traced_peak(class_folder: Path, asked: Path, count: int) -> int:
    """The peak of memory traced while grading the first ``count`` files in this process."""
    from backcalc import app
    files = sorted(class_folder.glob("*.yaml"))[:count]
    app.grade("mazur", files[:3], asked=asked)         # modules loaded, caches warm
    gc.collect()
    tracemalloc.start()
    try:
        app.grade("mazur", files, asked=asked)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=300)
    parser.add_argument("--checks", type=int, default=30,
                        help="how many separate checks to run (the rest extrapolated)")
    options = parser.parse_args()
    students, checks = options.students, min(options.checks, options.students)
    with tempfile.TemporaryDirectory(prefix="backcalc-grade-") as name:
        folder = Path(name)
        kinds = write_class(folder / "class", students)
        asked = folder / "asked.yaml"
        asked.write_text("".join(f"{key}:\n" for key in ASKED))
        runner = Runner(folder)
        runner.run("check", "mazur", "class/student-000.yaml")            # warm-ups
        runner.run("grade", "mazur", "class/student-000.yaml")

        graded_in, status = runner.run("grade", "mazur", "class", "--asked", "asked.yaml",
                                       "--format", "csv")
        rows = list(csv.DictReader((folder / "out.txt").open()))
        step = students / checks
        sample = [f"class/{kinds[int(k * step)][0]}.yaml" for k in range(checks)]
        checked_in = sum(runner.run("check", "mazur", path, "--format", "csv")[0]
                         for path in sample)
        one_check = checked_in / checks
        separately = one_check * students

        print(f"{students} submissions of Mazur's exercise ({len(ASKED)} values asked), "
              f"{sum(k in UNREADABLE for _, k in kinds)} of them unreadable")
        print(f"grade, one process:      {graded_in:7.2f} s   (exit status {status})")
        scaled = "" if checks == students else f", {checks} run and scaled to {students}"
        print(f"check, one per student: {separately:7.2f} s   ({one_check * 1e3:.0f} ms "
              f"each{scaled})")
        ratio = separately / graded_in
        print(f"ratio: {ratio:.1f}x   (target: at least 10x: "
              f"{'met' if ratio >= 10 else 'NOT MET'})")

        # What grade named for each kind: every slip student's row names the slip made.
        named = dict.fromkeys(KINDS, 0)
        by_student = {r["student"]: r for r in rows}
        for student, kind in kinds:
            r = by_student[student]
            if kind == "right":
                named[kind] += r["score"] == "1.0"
            elif kind in UNREADABLE:
                named[kind] += bool(r["error"])
            else:
                named[kind] += kind in r["slips"].split()
        total = {kind: sum(k == kind for _, k in kinds) for kind in KINDS}
        print("rows as expected (right: score 1; slip: named; unreadable: an error): "
              + ", ".join(f"{kind} {named[kind]}/{total[kind]}" for kind in KINDS))

        third = max(students // 3, 1)
        small, large = (traced_peak(folder / "class", asked, n) for n in (third, students))
        print(f"memory traced at its peak: {small / 1024:.0f} KiB grading {third}, "
              f"{large / 1024:.0f} KiB grading {students} ({large / small:.2f}x)")


if __name__ == "__main__":
    main()
