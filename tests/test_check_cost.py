"""The slip search's cost: counted, never timed (issue 12, finding 12).

``check`` names the slip behind each wrong answer by redoing the calculation under every
slip world.  A slip is looked for in the answer's own step, and each world redoes only
what its slip changes there (and only what the doubtful answers depend on): the work per
answer is bounded by one step, whatever the length of the answers file.  An answers file
whose iterations span a calculation larger than ``CHECK_MAX_NUMBERS`` is refused before
any work.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

import pytest

from backcalc import check as check_module
from backcalc.answers import load_answers
from backcalc.check import check
from backcalc.engine import train
from backcalc.errors import InputError
from backcalc.examples import example_paths, resolve
from backcalc.netfile import load_network
from backcalc.network import OptimizerConfig
from backcalc.worked import build, numbers_per_step

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


def measured(tmp_path: Path, monkeypatch, blocks: int) -> tuple[list[int], int, list]:
    """(quantities the slip worlds recomputed per diagnosis, what redoing one step in
    every world costs, results)."""
    net_path = tmp_path / "net.yaml"
    net_path.write_text(network_text(), encoding="utf-8")
    answers_path = tmp_path / f"answers{blocks}.yaml"
    answers_path.write_text(answers_text(blocks), encoding="utf-8")
    network = load_network(*resolve(str(net_path)))
    costs: list[int] = []
    step_cost: list[int] = []
    diagnose = check_module._diagnose

    def counted(worked, doubtful, given, tolerances, **options):
        first_step = [q for q in worked.quantities if q.key.step == 0 and q.compute is not None]
        # Each slip is tried in two calculations (the student's values and the exact ones).
        step_cost.append(2 * len(first_step) * len(check_module._worlds(worked)))
        costs.append(diagnose(worked, doubtful, given, tolerances, **options))
        return costs[-1]
    monkeypatch.setattr(check_module, "_diagnose", counted)
    result = check(network, load_answers(answers_path, network))
    return costs, step_cost[0], result.results


def test_slip_search_work_per_answer_is_bounded_by_one_step(tmp_path, monkeypatch):
    """Work counted as quantities recomputed by the slip worlds: per block (one iteration's
    answers) at most (slip worlds) × (quantities of one step), and exactly linear in the
    blocks: every block here is alike, so 8 blocks cost twice 4."""
    [few], step_bound, few_results = measured(tmp_path, monkeypatch, 4)
    [many], _, many_results = measured(tmp_path, monkeypatch, 8)
    assert all(r.verdict == "wrong" for r in few_results + many_results)
    assert (len(few_results), len(many_results)) == (8, 16)
    assert 0 < few <= 4 * step_bound
    assert many == 2 * few
    # Two z answers need the forward pass of two layers only: far below a whole step.
    assert few / 4 < step_bound / 10


LINEAR_ONE = ("input: [1]\ntarget: [0]\nloss: half_squared_error\nlearning_rate: 0.1\n"
              "layers:\n  - activation: linear\n    weights: [[0.5]]\n    biases: [0]\n")


def test_a_slip_in_an_earlier_step_is_not_tried(tmp_path):
    """The slip is looked for in the answer's own iteration: an updated weight of
    iteration 1 written with the update's sign flipped is update_sign, and iteration 2's
    z computed from it (the student wrote it) follows; the same z with iteration 1's
    update left unwritten is wrong, without a slip from iteration 1.

    One linear neuron, x = 1, y = 0, w = 0.5, b = 0 (fixed), ½ squared error, η = 0.1:
    z = 0.5, δ = 0.5, ∂L/∂w = 0.5, w⁺ = 0.5 − 0.05 = 0.45 (0.55 with the sign flipped);
    iteration 2 from 0.55: z = 0.55."""
    net = tmp_path / "net.yaml"
    net.write_text(LINEAR_ONE + "update_biases: false\n", encoding="utf-8")
    network = load_network(*resolve(str(net)))
    written = tmp_path / "written.yaml"
    written.write_text("- iteration: 1\n  W1+: [[0.55]]\n- iteration: 2\n  z1: [0.55]\n",
                       encoding="utf-8")
    results = check(network, load_answers(written, network)).results
    assert [(r.key, r.verdict, r.slip) for r in results] == [
        ("W1_1_1+", "wrong", "update_sign"), ("z1_1", "follows", None)]
    unwritten = tmp_path / "unwritten.yaml"
    unwritten.write_text("- iteration: 1\n  z1: [0.5]\n- iteration: 2\n  z1: [0.55]\n",
                         encoding="utf-8")
    results = check(network, load_answers(unwritten, network)).results
    assert [(r.key, r.verdict, r.slip) for r in results] == [
        ("z1_1", "right", None), ("z1_1", "wrong", None)]


def test_an_answers_file_beyond_the_budget_is_refused_before_any_work(tmp_path, monkeypatch):
    """One linear neuron with SGD: per iteration 2 parameters × (gradient + update) = 4,
    z, a, ∂L/∂a, f′, δ = 5, the loss terms 2·1 + 1 = 3, the loss 1: 13 numbers, and the
    2 parameters it starts from.  With a limit of 100, (100 − 2) // 13 = 7 iterations fit;
    iterations 1 to 9 are 9·13 + 2 = 119 numbers, refused at the file's first answer
    beyond iteration 7 (iteration 9's, line 4), before anything is computed."""
    monkeypatch.setattr(check_module, "CHECK_MAX_NUMBERS", 100)
    monkeypatch.setattr(check_module, "_worked", lambda *args, **kwargs: pytest.fail("worked"))
    net = tmp_path / "net.yaml"
    net.write_text(LINEAR_ONE, encoding="utf-8")
    network = load_network(*resolve(str(net)))
    answers = tmp_path / "answers.yaml"
    answers.write_text("- iteration: 1\n  z1_1: 0.5\n- iteration: 9\n  z1_1: 0.1\n"
                       "- iteration: 8\n  z1_1: 0.1\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        check(network, load_answers(answers, network))
    assert str(caught.value) == (
        f"{answers}:4:9: z1_1: checking iterations 1 to 9 works out about 119 numbers "
        "(every z, a, δ, gradient and update of 2 weights and biases), more than check's "
        "limit of 100; answer at most 7 consecutive iterations in one file")


def test_the_budget_counts_every_number_the_worked_calculation_holds():
    """``numbers_per_step`` is never below what one step of the worked calculation holds
    (it decides what is refused), and not far above it, for every bundled example and
    every optimizer."""
    for name in example_paths():
        base = load_network(*resolve(name))
        for optimizer in (OptimizerConfig(), OptimizerConfig("adam", {
                "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8})):
            network = replace(base, optimizer=optimizer, momentum=0.0)
            run = train(network, 3)
            one = build(network, run.steps[:1], with_slips=True)
            three = build(network, run.steps[:3], with_slips=True)
            per_step = (len(three.quantities) - len(one.quantities)) / 2
            estimate = numbers_per_step(network)
            assert per_step <= estimate <= 1.2 * per_step + 2, (name, optimizer.name)


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


def test_a_worked_calculation_is_freed_as_soon_as_it_is_dropped():
    """Memory: a worked calculation holds no reference cycle (a function keeping its
    builder would tie every quantity to it), so the rounded worlds check builds and drops
    are freed at once, not when the cyclic collector next runs."""
    for name in example_paths():
        for decimals in (None, 2):
            network = replace(load_network(*resolve(name)), round_intermediates=decimals)
            run = train(network, 2)
            gc.collect()
            worked = build(network, run.steps, with_slips=True)
            assert worked.quantities
            del worked
            assert gc.collect() == 0, (name, decimals)


def chain(layers: int) -> str:
    """A 1-1-…-1 sigmoid chain: ``layers`` layers of one neuron (2 parameters each)."""
    layer = "  - activation: sigmoid\n    weights: [[0.5]]\n    biases: [0.1]\n"
    return ("input: [1]\ntarget: [0.2]\nloss: half_squared_error\nlearning_rate: 0.5\n"
            "layers:\n" + layer * layers)


def test_the_slip_search_stops_at_its_work_limit_on_a_deep_network(tmp_path, monkeypatch):
    """Each slip in each layer of a deep chain would cost the square of its depth: the
    search stops at SLIP_WORK per number (here lowered to 1, with no floor), the wrong
    answer is marked untried and the summary says so; with the limit as shipped the same
    answer gets the whole search."""
    net = tmp_path / "chain.yaml"
    net.write_text(chain(40), encoding="utf-8")
    network = load_network(*resolve(str(net)))
    answers = tmp_path / "a.yaml"
    answers.write_text("loss: 9.5\n", encoding="utf-8")
    whole = check(network, load_answers(answers, network))
    assert [r.untried for r in whole.results] == [False]
    costs: list[int] = []
    diagnose = check_module._diagnose
    monkeypatch.setattr(check_module, "_diagnose",
                        lambda *args, **kwargs: costs.append(diagnose(*args, **kwargs)))
    monkeypatch.setattr(check_module, "SLIP_WORK", 1)
    monkeypatch.setattr(check_module, "SLIP_WORK_FLOOR", 0)
    cut = check(network, load_answers(answers, network))
    [result] = cut.results
    assert result.verdict == "wrong" and result.untried
    numbers = len(cut.worked.quantities)
    # The last world tried may go past the limit by at most one world's work: three
    # calculations over the answer's step.
    assert costs[0] <= numbers + 3 * numbers
    from backcalc.check_report import summary
    text = " ".join(str(part) for line in summary(cut).lines for part in line)
    assert "Not every slip was tried" in text
