"""`check`: verdicts, tolerance from the digits written, follow-through, the slip catalogue.

The oracle for every number here is Mazur's published worked example (values
quoted below) and plain Python arithmetic written out in the test, never
backcalc's own formulas: each slip's number is made by hand, the way a student
making that slip would get it.
"""

from __future__ import annotations

import json
import math

import pytest

from backcalc.answers import load_answers, written_unit
from backcalc.check import SLIPS, check
from backcalc.examples import resolve
from backcalc.netfile import load_network

from helpers import run_cli

# Mazur, "A Step by Step Backpropagation Example": inputs, weights, published values.
X1, X2 = 0.05, 0.10
W1, W2, W3, W4, B1 = 0.15, 0.20, 0.25, 0.30, 0.35
W5, W6, W7, W8, B2 = 0.40, 0.45, 0.50, 0.55, 0.60
Y1, Y2 = 0.01, 0.99
NET_H1 = W1 * X1 + W2 * X2 + B1                      # 0.3775
OUT_H1 = 1 / (1 + math.exp(-NET_H1))                 # 0.593269992
NET_H2 = W3 * X1 + W4 * X2 + B1                      # 0.3925
OUT_H2 = 1 / (1 + math.exp(-NET_H2))                 # 0.596884378
NET_O1 = W5 * OUT_H1 + W6 * OUT_H2 + B2              # 1.105905967
OUT_O1 = 1 / (1 + math.exp(-NET_O1))                 # 0.75136507
NET_O2 = W7 * OUT_H1 + W8 * OUT_H2 + B2
OUT_O2 = 1 / (1 + math.exp(-NET_O2))                 # 0.772928465
LOSS = 0.5 * (Y1 - OUT_O1) ** 2 + 0.5 * (Y2 - OUT_O2) ** 2   # 0.298371109
DELTA_O1 = (OUT_O1 - Y1) * OUT_O1 * (1 - OUT_O1)     # 0.138498562
DELTA_O2 = (OUT_O2 - Y2) * OUT_O2 * (1 - OUT_O2)     # −0.038098236
GRAD_W5 = DELTA_O1 * OUT_H1                          # 0.082167041
W5_NEW = W5 - 0.5 * GRAD_W5                          # 0.35891648


def test_the_oracle_matches_mazurs_published_numbers():
    for value, published in ((NET_H1, 0.3775), (OUT_H1, 0.593269992), (OUT_O1, 0.75136507),
                             (OUT_O2, 0.772928465), (LOSS, 0.298371109),
                             (GRAD_W5, 0.082167041), (W5_NEW, 0.35891648)):
        assert round(value, 9) == pytest.approx(published, abs=1e-9)


def nine(value: float) -> str:
    return f"{value:.9f}"


def run_check(tmp_path, answers: str, network: str = "mazur", **options):
    path = tmp_path / "answers.yaml"
    path.write_text(answers, encoding="utf-8")
    net = load_network(*resolve(network))
    return check(net, load_answers(path, net), **options)


def verdicts(result) -> dict:
    return {r.key: (r.verdict, r.slip) for r in result.results}


# --- verdicts and tolerance ------------------------------------------------------------

def test_right_within_half_a_unit_of_the_last_digit(tmp_path):
    result = run_check(tmp_path, "z1: [0.3775, 0.3925]\na1_1: 0.593\na1_2: 0.5969\n"
                                 "loss: 0.29837\n")
    assert verdicts(result) == {"z1_1": ("right", None), "z1_2": ("right", None),
                                "a1_1": ("right", None), "a1_2": ("right", None),
                                "loss": ("right", None)}
    assert result.passed and result.first_wrong is None


def test_one_digit_too_far_off_is_wrong(tmp_path):
    # 0.5934 is 0.00013 from 0.59327: more than half a unit (0.00005) of its last digit.
    result = run_check(tmp_path, "a1_1: 0.5934\n")
    assert verdicts(result) == {"a1_1": ("wrong", None)}
    assert not result.passed and result.first_wrong.key == "a1_1"


def test_rounding_drift_from_the_students_own_rounded_values(tmp_path):
    # The student rounds a₁⁽¹⁾, a₂⁽¹⁾ to 3 decimals and computes z₁⁽²⁾ from those:
    # 0.4·0.593 + 0.45·0.597 + 0.6 = 1.10585, written 1.1059 (4 decimals).  The true
    # 1.105905967 rounds to 1.1059 too, so take z with 5 decimals: 1.10585 is off by
    # 0.000056 > 0.000005 but is what their rounded values give: rounding.
    student = 0.4 * 0.593 + 0.45 * 0.597 + 0.6
    assert round(student, 5) == 1.10585
    result = run_check(tmp_path, "a1: [0.593, 0.597]\nz2_1: 1.10585\n")
    assert verdicts(result) == {"a1_1": ("right", None), "a1_2": ("right", None),
                                "z2_1": ("rounding", None)}
    assert result.passed


def test_follow_through_from_an_earlier_wrong_value(tmp_path):
    # z₁⁽¹⁾ wrong (w3 for w2), then a₁⁽¹⁾ = σ(0.3825) = 0.594476 from it: follows.
    a_from_wrong = 1 / (1 + math.exp(-0.3825))
    result = run_check(tmp_path, f"z1_1: 0.3825\na1_1: {a_from_wrong:.6f}\n")
    assert verdicts(result) == {"z1_1": ("wrong", "transposed_weights"),
                                "a1_1": ("follows", None)}
    assert result.first_wrong.key == "z1_1"
    assert not result.passed


def test_follow_through_across_iterations(tmp_path):
    # Iteration 1's w5⁺ added instead of subtracted; iteration 2's z₁⁽²⁾ computed with it.
    w5_wrong = W5 + 0.5 * GRAD_W5
    w6_new = W6 - 0.5 * (DELTA_O1 * OUT_H2)
    # Iteration 2's hidden outputs use the (right) updated w1…w4.
    d_h1 = (W5 * DELTA_O1 + W7 * DELTA_O2) * OUT_H1 * (1 - OUT_H1)
    d_h2 = (W6 * DELTA_O1 + W8 * DELTA_O2) * OUT_H2 * (1 - OUT_H2)
    net_h1 = (W1 - 0.5 * d_h1 * X1) * X1 + (W2 - 0.5 * d_h1 * X2) * X2 + B1
    net_h2 = (W3 - 0.5 * d_h2 * X1) * X1 + (W4 - 0.5 * d_h2 * X2) * X2 + B1
    a1, a2 = 1 / (1 + math.exp(-net_h1)), 1 / (1 + math.exp(-net_h2))
    z_wrong = w5_wrong * a1 + w6_new * a2 + B2
    answers = (f"- iteration: 1\n  w5+: {nine(w5_wrong)}\n  w6+: {nine(w6_new)}\n"
               f"- iteration: 2\n  z2_1: {nine(z_wrong)}\n")
    result = run_check(tmp_path, answers)
    by_key = {(r.quantity.iteration, r.key): (r.verdict, r.slip) for r in result.results}
    assert by_key == {(1, "w5+"): ("wrong", "update_sign"), (1, "w6+"): ("right", None),
                      (2, "z2_1"): ("follows", None)}
    assert result.several_blocks


def test_tolerance_option_replaces_the_digits_rule(tmp_path):
    assert verdicts(run_check(tmp_path, "a1_1: 0.59\n", tolerance=0.001)) == {
        "a1_1": ("wrong", None)}
    assert verdicts(run_check(tmp_path, "a1_1: 0.5934\n", tolerance=0.001)) == {
        "a1_1": ("right", None)}


@pytest.mark.parametrize("text, value, unit", [
    ("0.593", 0.593, 1e-3), ("0.5930", 0.593, 1e-4), ("4.33e-4", 4.33e-4, 1e-6),
    ("1.2E-8", 1.2e-8, 1e-9), ("18", 18, 1.0), ("-34", -34, 1.0), ("0", 0, 0.0),
    ("0.0", 0.0, 0.1), ("5.", 5.0, 1.0), ("2e3", 2000, 1000.0),
])
def test_unit_of_the_last_digit_written(text, value, unit):
    assert written_unit(text, value) == pytest.approx(unit, rel=1e-12)


def test_trailing_zero_written_tightens_the_tolerance(tmp_path):
    # 0.59 is right for 0.59327 to two decimals; 0.5900 claims four and is wrong.
    assert verdicts(run_check(tmp_path, "a1_1: 0.59\n"))["a1_1"] == ("right", None)
    assert verdicts(run_check(tmp_path, "a1_1: 0.5900\n"))["a1_1"] == ("wrong", None)


# --- the slip catalogue: each made by hand, each named -----------------------------------

SLIP_CASES = {
    # a weight from the wrong neuron: w3 where w2 belongs (seed 001)
    "transposed_weights": ("z1_1", W1 * X1 + W3 * X2 + B1),
    # σ′ written in z: δ = (a − y)·z(1 − z)
    "derivative_of_z": ("delta2_1", (OUT_O1 - Y1) * NET_O1 * (1 - NET_O1)),
    "missing_half": ("loss", (Y1 - OUT_O1) ** 2 + (Y2 - OUT_O2) ** 2),
    "delta_sign": ("delta2_1", (Y1 - OUT_O1) * OUT_O1 * (1 - OUT_O1)),
    "update_sign": ("w5+", W5 + 0.5 * GRAD_W5),
    # ∂L/∂a₁⁽¹⁾ with w5⁺ and w7⁺ instead of w5 and w7
    "updated_weights_in_delta": ("dL/da1_1", (W5 - 0.5 * GRAD_W5) * DELTA_O1
                                 + (W7 - 0.5 * DELTA_O2 * OUT_H1) * DELTA_O2),
    "missing_bias": ("z1_1", W1 * X1 + W2 * X2),
    "wrong_activation": ("a1_1", math.tanh(NET_H1)),
}


@pytest.mark.parametrize("slip", sorted(SLIP_CASES))
def test_each_slip_is_named_and_right_answers_are_not_claimed(tmp_path, slip):
    key, value = SLIP_CASES[slip]
    right = {"z1_2": NET_H2, "a2_2": OUT_O2, "dL/dw5": GRAD_W5}
    lines = [f"{key}: {nine(value)}"] + [f"{k}: {nine(v)}" for k, v in right.items()
                                         if k != key]
    result = run_check(tmp_path, "\n".join(lines) + "\n")
    found = verdicts(result)
    assert found[key] == ("wrong", slip)
    for other in right:
        assert found[other] == ("right", None), other
    assert all(r.also_slip is None for r in result.results if r.key != key)


def test_extra_half_on_a_squared_error_network(tmp_path):
    # seed002: L = (a − 18)² with a = σ(18.3); adding a ½ halves it.
    a = 1 / (1 + math.exp(-18.3))
    result = run_check(tmp_path, f"loss: {0.5 * (a - 18) ** 2:.7f}\nz2: 18.3\n", "seed002")
    assert verdicts(result) == {"z2_1": ("right", None), "loss": ("wrong", "extra_half")}


def test_slip_catalogue_is_spec_order():
    assert list(SLIPS) == ["transposed_weights", "derivative_of_z", "missing_half",
                           "extra_half", "delta_sign", "update_sign",
                           "updated_weights_in_delta", "missing_bias", "wrong_activation",
                           # the L2 penalty's (SPEC "Regularisation …", named here)
                           "l2_missing_m", "l2_doubled", "l2_halved", "l2_bias_penalised",
                           "l2_bias_not_penalised",
                           # the optimizers' (named in issue 16)
                           "nesterov_as_momentum", "adamw_decay_as_l2",
                           # dropout's (SPEC "Regularisation …, dropout", named here)
                           "dropout_not_rescaled", "dropout_rescaled_twice",
                           "dropped_delta_not_zeroed",
                           # a computational graph's (issue 17, named here)
                           "unswapped_multiply", "max_routed_wrong", "one_path_only",
                           "missing_upstream", "subtraction_sign"]


def test_a_wrong_number_no_slip_explains_gets_none(tmp_path):
    assert verdicts(run_check(tmp_path, "z1_1: 0.4123\n")) == {"z1_1": ("wrong", None)}


def test_a_short_right_answer_a_slip_also_gives_is_flagged(tmp_path):
    # Seed 001 writes z₂⁽¹⁾ = 0.2·0.05 + 0.3·0.1 + 0.35 = 0.39 exactly (transposed);
    # the right 0.3925 also rounds to 0.39, so it stays right, with a warning.
    result = run_check(tmp_path, "z1_2: 0.39\n")
    (only,) = result.results
    assert (only.verdict, only.slip, only.also_slip) == ("right", None, "transposed_weights")


# --- rounding at every step --------------------------------------------------------------

def test_numbers_rounded_at_every_step_are_recognised_and_checked_with_round(tmp_path):
    # Rounding every value to 3 decimals: z = 0.378 (0.3775 half up), a = σ(0.378) = 0.593,
    # z₂⁽¹⁾ = 0.393, a = 0.597; z₁⁽²⁾ = 0.4·0.593 + 0.45·0.597 + 0.6 = 1.10585 → 1.106,
    # a = σ(1.106) = 0.751405 → 0.751; ∂L/∂a = 0.741; σ′ = 0.751·0.249 = 0.186999 → 0.187;
    # δ = 0.741·0.187 = 0.138567 → 0.139, while the exact δ 0.1384986 rounds to 0.138.
    assert round(1 / (1 + math.exp(-1.106)), 3) == 0.751 and round(0.741 * 0.187, 3) == 0.139
    answers = "a2_1: 0.751\ndelta2_1: 0.139\n"
    result = run_check(tmp_path, answers)
    assert verdicts(result) == {"a2_1": ("right", None), "delta2_1": ("rounding", None)}
    assert result.rounding_decimals == 3
    path = tmp_path / "answers.yaml"
    out = run_cli("check", "mazur", str(path), "--round", "3", "--format", "json")
    assert out.exit_code == 0, out.output
    assert {r["verdict"] for r in json.loads(out.output)["results"]} == {"right"}


# --- the command ----------------------------------------------------------------------------

def test_check_json_follows_spec(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("z1_1: 0.3825\nz1_2: 0.39250\n", encoding="utf-8")
    out = run_cli("check", "mazur", str(path), "--format", "json")
    assert out.exit_code == 1
    assert json.loads(out.output) == {
        "network": "Mazur's 2-2-2 sigmoid example",
        "results": [
            {"key": "z1_1", "given": 0.3825, "written": "0.3825", "expected": 0.3775,
             "verdict": "wrong", "slip": "transposed_weights",
             "slips": ["transposed_weights"]},
            # float64 holds 0.25·0.05 + 0.3·0.1 + 0.35 as 0.39249999999999996
            {"key": "z1_2", "given": 0.3925, "written": "0.39250",
             "expected": 0.39249999999999996, "verdict": "right", "slip": None,
             "slips": []}],
        "first_wrong": "z1_1"}


def test_check_table_names_the_first_wrong_step_with_its_formula(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("z1: [0.3825, 0.3925]\n", encoding="utf-8")
    out = run_cli("check", "mazur", str(path), columns=120)
    assert out.exit_code == 1
    assert "First wrong step: z1_1 (iteration 1). You wrote 0.3825; it is computed as" in out.output
    assert "z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in out.output
    assert "[transposed_weights]" in out.output


def test_check_exits_0_when_everything_is_right(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("loss: 0.298371109\ndL/dW2: [[0.0822, 0.0827], [-0.0226, -0.0227]]\n"
                    "W1+: [[0.1498, 0.1996], [0.2498, 0.2995]]\nb3+: 0.6\n", encoding="utf-8")
    out = run_cli("check", "mazur", str(path), columns=120)
    assert out.exit_code == 0, out.output
    assert "Everything checks out." in out.output


@pytest.mark.parametrize("text, message", [
    ("z3: [1, 2]\n", "a.yaml:1:5: z3: z3 names layer 3, but the network has layers 1 to 2"),
    ("z1_3: 1\n", "a.yaml:1:7: z1_3: z1_3 names neuron 3, but there are neurons 1 to 2"),
    ("z1: [1, 2, 3]\n", "a.yaml:1:5: z1: expected a list of 2 numbers (layer 1's 2 neurons), "
                        "found a list of 3"),
    ("dl/dw5: 0.08\n", "a.yaml:1:9: dl/dw5: unknown answer 'dl/dw5' (did you mean 'dL/dw5'?); "
                       "expected keys such as z1, a1_2, dL/da2, fprime2, delta2 (or δ2, dL/dz2), "
                       "loss, sample_loss, dL/d<name>, dL/dW2, dL/db2, <name>+, W1+, b1+"),
    ("a1_1: 0,594\n", "a.yaml:1:7: a1_1: expected a number, found the text '0,594' "
                      "(write a decimal point: 0.594)"),
    ("w5+: [1, 2]\n", "a.yaml:1:6: w5+: expected one number, found a list of 2"),
    ("iteration: 0\nz1_1: 1\n", "a.yaml:1:12: iteration: expected an iteration from 1 to "
                                "100, found 0"),
    ("sample: 2\nz1_1: 1\n", "a.yaml:1:9: sample: expected a sample from 1 to 1, found 2"),
    ("# nothing yet\n", "a.yaml:1: the file is empty, expected answers (keys such as z1, "),
    ("[]\n", "a.yaml:1:1: expected answers (a mapping of keys such as z1, or a list of them), "
             "found an empty list"),
    ("z1_1: 1\nz1_1: 2\n", "a.yaml:2:1: z1_1: this key is given twice (first on line 1); "
                           "each key may appear once"),
    ("b2_1+: 0.6\n", "a.yaml:1:8: b2_1+: layer 2 has one shared bias: write b2+, without a "
                      "neuron number"),
])
@pytest.mark.usefixtures("in_tmp")
def test_bad_answers_files_get_one_line(tmp_path, text, message):
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    out = run_cli("check", "mazur", "a.yaml")
    assert out.exit_code == 2, out.output
    assert out.output.startswith(f"Error: {message}"), out.output
    assert out.output.count("\n") == 1


def test_a_name_wins_but_a_list_means_the_layer(tmp_path):
    # Mazur names his hidden biases b1, b2: dL/db2 is hidden bias 2's gradient, while a
    # list for dL/db2 can only be layer 2's (one shared bias here: Σδ = 0.1004).
    result = run_check(tmp_path, "dL/db2: 0.009954\nb2+: [0.6]\n")
    assert [(r.key, r.quantity.symbol, r.verdict) for r in result.results] == [
        ("dL/db2", "∂L/∂b2", "right"), ("b2+", "b3⁺", "right")]


def test_fprime_answers(tmp_path):
    result = run_check(tmp_path, "fprime2: [0.1868, 0.1755]\nf'1_1: 0.2413\n")
    assert verdicts(result) == {"fprime2_1": ("right", None), "fprime2_2": ("right", None),
                                "fprime1_1": ("right", None)}


def test_update_sign_under_momentum(tmp_path):
    # w = 0.5, x = 1, y = 0, η = 0.1, μ = 0.9: ∂L/∂w = 0.5, v = −0.05, w⁺ = 0.45; the
    # update added gives v = +0.05, w⁺ = 0.55.
    network = tmp_path / "mom.yaml"
    network.write_text("input: 1\ntarget: 0\nloss: half_sse\nlearning_rate: 0.1\nmomentum: 0.9\n"
                       "layers:\n  - activation: linear\n    weights: 0.5\n    biases: 0\n"
                       "    names: {weights: w, biases: b}\n", encoding="utf-8")
    result = run_check(tmp_path, "w+: 0.55\n", str(network))
    assert verdicts(result) == {"w+": ("wrong", "update_sign")}


@pytest.mark.parametrize("text, message", [
    # the same value twice and disagreeing, even in two spellings or two blocks for the
    # same step (agreeing: test_check_written)
    ("z1_1: 0.3775\nz1: [0.3785, 0.3925]\n",
     "a.yaml:2:6: z1_1: z₁⁽¹⁾ of iteration 1 is given twice and the two disagree: 0.3785 "
     "here, 0.3775 as z1_1 at a.yaml:1; give it once, or the same number in both places"),
    ("- z1_1: 0.5\n- iteration: 1\n  z1_1: 0.3775\n",
     "a.yaml:3:9: z1_1: z₁⁽¹⁾ of iteration 1 is given twice and the two disagree: 0.3775 "
     "here, 0.5 as z1_1 at a.yaml:1; give it once, or the same number in both places"),
    ("z01: [1, 2]\n", "a.yaml:1:6: z01: unknown answer 'z01' (did you mean 'z1'?)"),
    ("b2+: [0.6, 0.6]\n", "a.yaml:1:6: b2+: expected a list of 1 number (layer 2's one shared "
                          "bias), found a list of 2"),
])
@pytest.mark.usefixtures("in_tmp")
def test_more_bad_answers_files(tmp_path, text, message):
    (tmp_path / "a.yaml").write_text(text, encoding="utf-8")
    out = run_cli("check", "mazur", "a.yaml")
    assert out.exit_code == 2, out.output
    assert out.output.startswith(f"Error: {message}"), out.output
    assert out.output.count("\n") == 1


@pytest.mark.usefixtures("in_tmp")
def test_an_answer_with_no_value_is_reported_in_the_answers_file(tmp_path):
    (tmp_path / "a.yaml").write_text("fprime2_1: 0.2\n", encoding="utf-8")
    out = run_cli("check", "softmax-classifier", "a.yaml")
    assert out.exit_code == 2
    assert out.output == ("Error: a.yaml:1:12: fprime2_1: fprime2_1 has no value in iteration 1 "
                          "(a softmax layer has no f′ of its own, only its Jacobian: give δ "
                          "instead)\n")


DIVERGES = ("input: 1\ntarget: 0\nloss: half_sse\nlearning_rate: 1.0e100\n"
            "layers:\n  - {activation: linear, weights: 1, biases: 0}\n")


@pytest.mark.usefixtures("in_tmp")
def test_the_iteration_that_diverges_is_checked_and_beyond_it_is_refused(tmp_path):
    # w: 1 → 1 − 1e100 → … ; iteration 4's z = −8e300 is finite, its update is not.
    (tmp_path / "div.yaml").write_text(DIVERGES, encoding="utf-8")
    (tmp_path / "a4.yaml").write_text("iteration: 4\nz1_1: -8e300\n", encoding="utf-8")
    out = run_cli("check", "div.yaml", "a4.yaml", "--format", "json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["results"][0]["verdict"] == "right"
    (tmp_path / "a5.yaml").write_text("iteration: 5\nz1_1: 1\n", encoding="utf-8")
    out = run_cli("check", "div.yaml", "a5.yaml")
    assert out.exit_code == 2
    assert out.output == ("Error: a5.yaml:2:7: z1_1: there is no iteration 5: the calculation "
                          "stops at iteration 4: the update makes W1[1,1] = inf (the run "
                          "diverges; try a smaller learning rate)\n")
