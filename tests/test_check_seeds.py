"""`check` on the bundled seed exercises: the students' own numbers, transcribed.

Each answers file (backcalc/networks/answers/) opens with the hand analysis of its
seed; these tests pin what check must find there: the real mistakes, the first
wrong step, follow-through and the named slips.  Every answer not listed is right.
"""

from __future__ import annotations

import json

import pytest

from backcalc.answers import load_answers
from backcalc.check import check
from backcalc.examples import answers_paths, resolve_answers

from helpers import bundled_network, run_cli

SEEDS = {
    # seed 000: iteration 1 right up to the update; w10⁺ written +0.2073 (−0.2073),
    # w11⁺ 0.9857 (0.9854), v1⁺ = 0.9 − 0.1133 (the update's sign flipped); iteration 2
    # is then computed from those values.
    ("seed000", "seed000"): ("w10+", 36, {
        (1, "w10+"): ("wrong", None), (1, "w11+"): ("wrong", None),
        (1, "v1+"): ("wrong", "update_sign"),
        (2, "z1_1"): ("follows", None), (2, "z2_0"): ("follows", None),
        (2, "loss"): ("follows", None)}),
    # seed 001 on Mazur's network: w3 where w2 belongs (and w7 where w6 belongs), the
    # rest carried forward; the hidden-layer gradients are wrong in ways no slip explains.
    ("mazur", "seed001"): ("z1_1", 17, {
        (1, "z1_1"): ("wrong", "transposed_weights"), (1, "a1_1"): ("follows", None),
        (1, "a1_2"): ("rounding", None),
        (1, "z2_1"): ("wrong", "transposed_weights"), (1, "a2_1"): ("follows", None),
        (1, "z2_2"): ("wrong", None), (1, "a2_2"): ("follows", None),
        (1, "loss"): ("follows", None), (1, "dL/dw6"): ("follows", None),
        (1, "dL/dw7"): ("follows", None), (1, "dL/dw8"): ("follows", None),
        (1, "dL/dw1"): ("wrong", None), (1, "dL/dw2"): ("wrong", None),
        (1, "dL/dw3"): ("wrong", None), (1, "dL/dw4"): ("wrong", None)}),
    # seed 002: σ(18.3) truncated to 0.999999988 (0.99999998872 rounds to …989): a number
    # cut, not rounded, is rounding (SPEC), and so is σ′ = 0.999999988·(1 − 0.999999988)
    # = 1.2e-8 and every gradient computed from it; the loss uses y = 1: wrong.
    ("seed002", "seed002"): ("loss", 33, {
        (1, "a2_1"): ("rounding", None), (1, "loss"): ("wrong", None),
        **{(1, key): ("rounding", None) for key in (
            "delta2_1", "dL/dW2_1_1", "dL/dW2_1_2", "dL/dW2_1_3", "dL/db2_1",
            "dL/da1_1", "dL/da1_2", "dL/da1_3", "delta1_1", "delta1_2", "delta1_3",
            "dL/dW1_1_1", "dL/dW1_1_2", "dL/dW1_1_3", "dL/dW1_2_1", "dL/dW1_2_2",
            "dL/dW1_2_3", "dL/dW1_3_1", "dL/dW1_3_2", "dL/dW1_3_3",
            "dL/db1_1", "dL/db1_2", "dL/db1_3")}}),
    # seed 004: three iterations, right to the digits written, except ∂L/∂b1 = 2.5436
    # in iteration 2 (2.5346: digits transposed; its b1⁺ uses the right value).
    ("seed004", "seed004"): ("dL/db1_1", 62, {
        (2, "dL/db1_1"): ("wrong", None), (2, "dL/db1_2"): ("wrong", None)}),
}


@pytest.mark.parametrize("network, answers", sorted(SEEDS))
def test_seed_answers(network, answers):
    first_wrong, count, expected = SEEDS[network, answers]
    net = bundled_network(network)
    path, _ = resolve_answers(answers)
    result = check(net, load_answers(path, net))
    assert len(result.results) == count
    found = {(r.quantity.iteration, r.key): (r.verdict, r.slip) for r in result.results
             if r.verdict != "right"}
    assert found == expected
    assert result.first_wrong.key == first_wrong


def test_every_bundled_answers_file_has_a_test():
    assert sorted(answers for _, answers in SEEDS) == sorted(answers_paths())


def test_seed001_warns_that_its_right_looking_039_is_the_transposed_sum():
    net = bundled_network("mazur")
    result = check(net, load_answers(resolve_answers("seed001")[0], net))
    (z12,) = [r for r in result.results if r.key == "z1_2"]
    assert (z12.verdict, z12.also_slip) == ("right", "transposed_weights")


def test_check_command_on_seed001_by_bare_names():
    out = run_cli("check", "mazur", "seed001", "--format", "json")
    assert out.exit_code == 1
    document = json.loads(out.output)
    assert document["first_wrong"] == "z1_1"
    assert document["results"][0] == {"key": "z1_1", "given": 0.3825, "written": "0.3825",
                                      "expected": 0.3775, "verdict": "wrong",
                                      "slip": "transposed_weights",
                                      "slips": ["transposed_weights"]}
