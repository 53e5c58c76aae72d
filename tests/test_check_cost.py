"""The slip search's cost: counted, never timed (issue 12, finding 12).

``check`` names the slip behind each wrong answer by redoing the calculation under every
slip world.  Each world redoes only what its slip changes (and only what the doubtful
answers depend on), so the work grows with the answers file linearly, with a constant per
answer well below redoing every quantity in every world.
"""

from __future__ import annotations

from pathlib import Path

from backcalc import check as check_module
from backcalc.answers import load_answers
from backcalc.check import check
from backcalc.examples import resolve
from backcalc.netfile import load_network

HIDDEN = 6


def network_text() -> str:
    """A 2-6-6-1 sigmoid network (the shape of the 2-50-50-1 report, kept small)."""
    def layer(size: int, inputs: int, seed: int) -> str:
        rows = [[round(0.1 + 0.01 * ((seed + 7 * j + 3 * i) % 17), 2) for i in range(inputs)]
                for j in range(size)]
        return f"  - activation: sigmoid\n    weights: {rows}\n    biases: {[0.1] * size}\n"
    return ("input: [0.05, 0.10]\ntarget: [0.5]\nloss: half_squared_error\n"
            "learning_rate: 0.5\nlayers:\n" + layer(HIDDEN, 2, 1) + layer(HIDDEN, HIDDEN, 2)
            + layer(1, HIDDEN, 3))


def answers_text(blocks: int) -> str:
    """One block an iteration, each with a wrong z (so the slip search runs for it)."""
    return "".join(f"- iteration: {k}\n  z1_1: 9.25\n  z2_2: -3.5\n"
                   for k in range(1, blocks + 1))


def measured(tmp_path: Path, monkeypatch, blocks: int) -> tuple[int, int, list]:
    """(quantities the slip worlds recomputed, what redoing all of them would cost, results)."""
    net_path = tmp_path / "net.yaml"
    net_path.write_text(network_text(), encoding="utf-8")
    answers_path = tmp_path / f"answers{blocks}.yaml"
    answers_path.write_text(answers_text(blocks), encoding="utf-8")
    network = load_network(*resolve(str(net_path)))
    costs: list[int] = []
    full: list[int] = []
    diagnose = check_module._diagnose

    def counted(worked, doubtful, given, tolerances):
        last = max(worked.order(r.quantity) for r in doubtful)
        computed = sum(q.compute is not None for q in worked.quantities[:last + 1])
        full.append(computed * len(check_module._worlds(worked)))
        costs.append(diagnose(worked, doubtful, given, tolerances))
        return costs[-1]
    monkeypatch.setattr(check_module, "_diagnose", counted)
    result = check(network, load_answers(answers_path, network))
    return sum(costs), sum(full), result.results


def test_slip_search_work_is_linear_in_blocks_and_bounded_per_block(tmp_path, monkeypatch):
    """Work counted as quantities recomputed by the slip worlds.  Per block it stays below
    (slip worlds) × (quantities of one iteration), what redoing a whole iteration in every
    world costs, and doubling the blocks at most doubles it (plus the first blocks' share)."""
    few, few_full, few_results = measured(tmp_path, monkeypatch, 4)
    many, many_full, many_results = measured(tmp_path, monkeypatch, 8)
    assert all(r.verdict == "wrong" for r in few_results + many_results)
    assert (len(few_results), len(many_results)) == (8, 16)
    # Redoing every quantity in every world is the old cost: never reached now.
    assert 0 < few < few_full and 0 < many < many_full
    assert many < 0.85 * many_full
    # Linear in blocks: the per-block cost does not grow with the number of blocks
    # beyond the per-block bound.
    per_block_bound = many_full / 8
    assert many / 8 <= per_block_bound
    assert many <= 2 * few + 4 * per_block_bound


def test_unrounded_quantities_keep_their_functions_unwrapped(tmp_path):
    """Memory: without round_intermediates a quantity and each of its slips hold the
    function itself, not one more wrapper each (a third of the worked calculation's size)."""
    net_path = tmp_path / "net.yaml"
    net_path.write_text(network_text(), encoding="utf-8")
    answers_path = tmp_path / "answers.yaml"
    answers_path.write_text(answers_text(2), encoding="utf-8")
    network = load_network(*resolve(str(net_path)))
    worked = check_module._worked(network, load_answers(answers_path, network), None,
                                  with_slips=True)

    def wrapped(f) -> bool:
        return getattr(f, "__qualname__", "").startswith("_rounded.")
    computed = [q for q in worked.quantities if q.compute is not None]
    assert computed and not any(wrapped(q.compute) for q in computed)
    assert not any(wrapped(f) for q in computed for variants in q.slips.values()
                   for _, f in variants.values())
