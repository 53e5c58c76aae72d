#!/usr/bin/env python3
"""`backcalc exercise` at scale: 100 variants with every file, and where the time goes.

    python benchmarks/exercise.py                        # 100 variants of 2-2-1, sigmoid
    python benchmarks/exercise.py --variants 30 --arch 2-3-2 --activation relu,sigmoid
    python benchmarks/exercise.py --repeat 3             # the median of 3 runs

The run is split as the command does it: the search for numbers (each variant's draws,
every constraint checked on each) and the writing of each kind of file (the variant
files, asked.yaml, the sheets and keys, moodle.xml), each timed on its own, the files
written into a temporary folder.  Figures are medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from backcalc.exercise.request import ExerciseRequest, settle  # noqa: E402
from backcalc.exercise.search import find_variant, prepare  # noqa: E402
from backcalc.exercise.writing import OUTPUTS, write_output  # noqa: E402


def once(arguments: argparse.Namespace) -> tuple[dict[str, float], list[int]]:
    """Seconds per phase of one exercise, and the draws each variant took."""
    with tempfile.TemporaryDirectory() as folder:
        request = ExerciseRequest(arguments.arch, folder, activation=arguments.activation,
                                  loss=arguments.loss, samples=arguments.samples,
                                  seed=arguments.seed, variants=arguments.variants,
                                  format=arguments.format, force=True)
        exercise = settle(request)
        phases: dict[str, float] = {}
        start = time.perf_counter()
        template = prepare(exercise)
        variants = [find_variant(exercise, template, variant_id) for variant_id in exercise.ids]
        phases["search for numbers"] = time.perf_counter() - start
        report: dict = {}
        for output in OUTPUTS:
            start = time.perf_counter()
            write_output(output, exercise, template, variants, Path(folder), report)
            phases[f"writing {output.name}"] = time.perf_counter() - start
    return phases, [variant.draws for variant in variants]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="2-2-1")
    parser.add_argument("--activation", default=None)
    parser.add_argument("--loss", default=None)
    parser.add_argument("--samples", type=int, default=None)
    parser.add_argument("--variants", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", default="markdown")
    parser.add_argument("--repeat", type=int, default=1)
    arguments = parser.parse_args()
    runs = [once(arguments) for _ in range(arguments.repeat)]
    draws = runs[0][1]
    phases = {name: statistics.median(run[0][name] for run in runs) for name in runs[0][0]}
    total = sum(phases.values())
    options = " ".join(f"--{k} {v}" for k, v in (("activation", arguments.activation),
                                                ("loss", arguments.loss),
                                                ("samples", arguments.samples)) if v)
    print(f"backcalc exercise {arguments.arch} {options} --variants {arguments.variants} "
          f"--seed {arguments.seed} --format {arguments.format}".replace("  ", " "))
    print(f"draws: {sum(draws):,} in all, {statistics.median(draws):g} per variant (median), "
          f"at most {max(draws):,}")
    width = max(len(name) for name in phases)
    for name, seconds in phases.items():
        print(f"  {name:<{width}}  {seconds:8.3f} s  {100 * seconds / total:5.1f} %")
    print(f"  {'total':<{width}}  {total:8.3f} s")


if __name__ == "__main__":
    main()
