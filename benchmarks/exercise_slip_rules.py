#!/usr/bin/env python3
"""How many draws of the default 2-2-1 sigmoid exercise pass each rule for slips, at 3 and
4 answer decimals (docs/exercise.md quotes the figures):

* strict — every slip moves every asked value it changes by more than one unit of the
  last decimal (what ``exercise`` requires);
* spec   — every slip's value rounded to the decimals differs from the right one rounded.

    python benchmarks/exercise_slip_rules.py 20000       # draws (default 1000)
"""
import math
import sys

from backcalc.engine import train
from backcalc.exercise.constraints import CONSTRAINTS, Calculation, refilled
from backcalc.exercise.drawing import draw, generator
from backcalc.exercise.request import ExerciseRequest, settle
from backcalc.exercise.search import filled, prepare
from backcalc.exercise.slip_values import _same
from backcalc.numbers import round_half_up
from backcalc.worked import evaluate

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
ex = settle(ExerciseRequest("2-2-1", "x"))
t = prepare(ex)
rng = generator(0, "measure")
counts = {"drawn": 0, "first four": 0}
for d in (3, 4):
    counts[f"strict d={d}"] = counts[f"spec d={d}"] = 0
for _ in range(N):
    numbers = draw(rng, ex.sizes, ex.samples, ex.decimals, "uniform")
    net = filled(t.network, numbers)
    calc = Calculation(net, train(net, 1), t.asked, 1e-4)
    counts["drawn"] += 1
    if not all(c.holds(calc) for c in CONSTRAINTS if c.name != "slips"):
        continue
    counts["first four"] += 1
    worked = refilled(t.skeleton, net)
    asked = calc.values
    keys = [(worked.index[i.where].key, asked[i]) for i in t.asked]
    pairs = []
    for _name, _detail, world in t.worlds:
        slipped, _ = evaluate(worked, {}, world)
        for key, right in keys:
            v = slipped[key]
            if math.isfinite(v) and not _same(v, right):
                pairs.append((v, right))
    for d in (3, 4):
        unit = 10.0 ** -d
        if all(abs(v - r) > unit * (1 + 1e-9) for v, r in pairs):
            counts[f"strict d={d}"] += 1
        if all(round_half_up(v, d) != round_half_up(r, d) for v, r in pairs):
            counts[f"spec d={d}"] += 1
print(counts)
