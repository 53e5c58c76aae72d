"""`check` names a slip in whichever world the student made it (issue 13).

A slip is tried on the student's written values, on the exact values (a student who
carried the calculator's digits forward and wrote rounded ones), and on the written values
with their rounding drift; when several slips give the same number, all are named; a
slip's number cut instead of rounded is still that slip's; and a closed-form output δ
(sigmoid with binary cross-entropy) worked the long way gets f′'s slips.  Every number
here is plain arithmetic written out in the test (Mazur's example, or one neuron).
"""

from __future__ import annotations

import json
import math

from backcalc.answers import load_answers
from backcalc.check import check
from backcalc.examples import resolve
from backcalc.netfile import load_network

from helpers import run_cli

# Mazur's example (the numbers of tests/test_check.py).
X1, X2, W1, W2, W3, W4, B1 = 0.05, 0.10, 0.15, 0.20, 0.25, 0.30, 0.35
W5, W6, W7, W8, B2, Y1, Y2 = 0.40, 0.45, 0.50, 0.55, 0.60, 0.01, 0.99
OUT_H1 = 1 / (1 + math.exp(-(W1 * X1 + W2 * X2 + B1)))       # 0.593269992
OUT_H2 = 1 / (1 + math.exp(-(W3 * X1 + W4 * X2 + B1)))       # 0.596884378
NET_O1 = W5 * OUT_H1 + W6 * OUT_H2 + B2                       # 1.105905967
OUT_O1 = 1 / (1 + math.exp(-NET_O1))                          # 0.75136507
OUT_O2 = 1 / (1 + math.exp(-(W7 * OUT_H1 + W8 * OUT_H2 + B2)))  # 0.772928465
LOSS = 0.5 * (Y1 - OUT_O1) ** 2 + 0.5 * (Y2 - OUT_O2) ** 2    # 0.298371109
DELTA_O1 = (OUT_O1 - Y1) * OUT_O1 * (1 - OUT_O1)              # 0.138498562
W5_FLIPPED = W5 + 0.5 * DELTA_O1 * OUT_H1                     # 0.44108352


def judged(tmp_path, answers: str, network: str = "mazur") -> dict:
    path = tmp_path / "answers.yaml"
    path.write_text(answers, encoding="utf-8")
    net = load_network(*resolve(network))
    return {r.key: (r.verdict, r.slip, [name for name, _ in r.more_slips])
            for r in check(net, load_answers(path, net)).results}


def test_a_slip_made_on_the_exact_values_is_named_beside_rounded_outputs(tmp_path):
    """The ½ dropped from a loss computed with the calculator's digits: 2·0.298371109 =
    0.596742218, written 0.5967.  From the outputs as written (0.7514, 0.7729) the
    slip gives (0.01 − 0.7514)² + (0.99 − 0.7729)² = 0.54967396 + 0.04713241 = 0.59680637,
    0.5968: more than half a digit away, so only the exact world explains 0.5967."""
    assert f"{2 * LOSS:.4f}" == "0.5967"
    from_written = (Y1 - 0.7514) ** 2 + (Y2 - 0.7729) ** 2
    assert f"{from_written:.4f}" == "0.5968"
    found = judged(tmp_path, "a2: [0.7514, 0.7729]\nloss: 0.5967\n")
    assert found["loss"] == ("wrong", "missing_half", [])
    # The student's own written outputs give 0.5968: named too, in that world.
    assert judged(tmp_path, "a2: [0.7514, 0.7729]\nloss: 0.5968\n")["loss"] == (
        "wrong", "missing_half", [])


def test_the_derivative_from_z_on_full_digits_beside_a_rounded_z(tmp_path):
    """σ′ taken as z(1 − z) from the full z = 1.105905967: −0.117122 (6 decimals); from
    the written z 1.1059 it is 1.1059·(−0.1059) = −0.11711481: only the exact world."""
    from_exact = NET_O1 * (1 - NET_O1)
    assert f"{from_exact:.6f}" == "-0.117122"
    assert f"{1.1059 * (1 - 1.1059):.6f}" == "-0.117115"
    found = judged(tmp_path, "z2_1: 1.1059\nfprime2_1: -0.117122\n")
    assert found["fprime2_1"] == ("wrong", "derivative_of_z", [])


def test_two_slips_giving_the_same_number_are_both_named(tmp_path):
    """w5⁺ with the update's sign flipped, 0.4 + 0.5·0.082167041 = 0.44108352, is also
    what a flipped δ gives (δ not written): update_sign first (made in w5⁺ itself),
    delta_sign after it, in the table, the sentence and the JSON."""
    assert f"{W5_FLIPPED:.4f}" == "0.4411"
    found = judged(tmp_path, "w5+: 0.4411\n")
    assert found["w5+"] == ("wrong", "update_sign", ["delta_sign"])
    path = tmp_path / "a.yaml"
    path.write_text("w5+: 0.4411\n", encoding="utf-8")
    document = json.loads(run_cli("check", "mazur", str(path), "--format", "json").output)
    assert document["results"][0]["slips"] == ["update_sign", "delta_sign"]
    table = run_cli("check", "mazur", str(path)).output
    assert "update_sign or delta_sign" in " ".join(table.split())


def test_a_slips_number_cut_instead_of_rounded_is_named(tmp_path):
    """0.44108352 cut to 0.4410 (rounded it is 0.4411): still update_sign."""
    assert judged(tmp_path, "w5+: 0.4410\n")["w5+"][:2] == ("wrong", "update_sign")


def test_a_right_answer_never_gets_a_slip(tmp_path):
    """Mazur's published values, written to 4 decimals, every one right: no slip."""
    found = judged(tmp_path, "a1: [0.5933, 0.5969]\na2: [0.7514, 0.7729]\nloss: 0.2984\n"
                   "w5+: 0.3589\n")
    assert all(verdict in ("right", "rounding") and slip is None and not more
               for verdict, slip, more in found.values())


BCE = """input: [1]
target: [1]
loss: binary_cross_entropy
learning_rate: 0.5
layers:
  - activation: sigmoid
    weights: [[0.5]]
    biases: [0]
"""


def test_a_closed_form_delta_worked_the_long_way_gets_the_derivatives_slips(tmp_path):
    """Sigmoid with binary cross-entropy, z = 0.5, a = σ(0.5) = 0.622459331, y = 1:
    δ = a − y = −0.377540669.  Worked as ∂L/∂a · σ′ with ∂L/∂a = −y/a = −1.606530660
    and σ′ taken from z, 0.5·(1 − 0.5) = 0.25: δ = −0.401632665, written −0.4016."""
    a = 1 / (1 + math.exp(-0.5))
    slipped = (-1 / a) * 0.5 * (1 - 0.5)
    assert f"{slipped:.4f}" == "-0.4016" and f"{a - 1:.4f}" == "-0.3775"
    net = tmp_path / "bce.yaml"
    net.write_text(BCE, encoding="utf-8")
    found = judged(tmp_path, "delta1: [-0.4016]\n", str(net))
    assert found["delta1_1"][:2] == ("wrong", "derivative_of_z")
    # Right, it is right.
    assert judged(tmp_path, "delta1: [-0.3775]\n", str(net))["delta1_1"] == (
        "right", None, [])


def test_updated_weights_in_a_hidden_delta_found_for_every_neuron(tmp_path):
    """∂L/∂a of both hidden neurons worked with the already updated weights (w⁺ =
    w − 0.5·δ·a), on the calculator's digits, written to 7 significant digits, beside δ
    written to 4 decimals: from the written δ the slip's numbers differ in the 5th
    digit, so only the exact world names them, for each neuron alike."""
    h1, h2 = OUT_H1, OUT_H2
    d1 = DELTA_O1
    d2 = (OUT_O2 - Y2) * OUT_O2 * (1 - OUT_O2)                    # −0.038098236
    first = (W5 - 0.5 * d1 * h1) * d1 + (W7 - 0.5 * d2 * h1) * d2
    second = (W6 - 0.5 * d1 * h2) * d1 + (W8 - 0.5 * d2 * h2) * d2
    written = (0.1385, -0.0381)
    from_written = (W5 - 0.5 * written[0] * h1) * written[0] + \
        (W7 - 0.5 * written[1] * h1) * written[1]
    assert f"{from_written:.7g}" != f"{first:.7g}"
    found = judged(tmp_path, f"delta2: [0.1385, -0.0381]\n"
                             f"dL/da1: [{first:.7g}, {second:.7g}]\n")
    assert found["dL/da1_1"][:2] == ("wrong", "updated_weights_in_delta")
    assert found["dL/da1_2"][:2] == ("wrong", "updated_weights_in_delta")


SOFTMAX = """input: [0.5, -1.0]
target: [0, 1]
loss: cross_entropy
learning_rate: 0.2
layers:
  - activation: tanh
    weights: [[0.3, -0.1], [0.2, 0.4]]
    biases: [0.0, 0.1]
  - activation: softmax
    weights: [[0.6, -0.5], [-0.2, 0.8]]
    biases: [0.1, -0.1]
"""


def test_an_error_carried_forward_at_full_digits_follows(tmp_path):
    """Layer 1 with its weights transposed (the slip, named at z1), then everything after
    it done right from the student's own numbers at the calculator's digits and written
    to 4 decimals.  δ1_2 from the *written* numbers rounds to −0.7436, from the full
    digits to −0.7437: that is an error carried forward (follows), not a new slip."""
    x, y = (0.5, -1.0), (0.0, 1.0)
    z1 = (0.3 * x[0] + 0.2 * x[1] + 0.0, -0.1 * x[0] + 0.4 * x[1] + 0.1)   # transposed
    a1 = tuple(math.tanh(v) for v in z1)
    z2 = (0.6 * a1[0] - 0.5 * a1[1] + 0.1, -0.2 * a1[0] + 0.8 * a1[1] - 0.1)
    e = tuple(math.exp(v) for v in z2)
    a2 = tuple(v / sum(e) for v in e)
    d2 = (a2[0] - y[0], a2[1] - y[1])
    g1 = (0.6 * d2[0] - 0.2 * d2[1], -0.5 * d2[0] + 0.8 * d2[1])
    d1 = tuple(g * (1 - a * a) for g, a in zip(g1, a1))
    w = [f"{v:.4f}" for v in (*z1, *a1, *z2, *a2, *d2, *d1)]
    # From the numbers as written: δ1_2 = (−0.5·δ2_1 + 0.8·δ2_2)·(1 − a1_2²).
    wa, wd = float(w[3]), (float(w[8]), float(w[9]))
    assert f"{(-0.5 * wd[0] + 0.8 * wd[1]) * (1 - wa * wa):.4f}" != w[11]
    net = tmp_path / "softmax.yaml"
    net.write_text(SOFTMAX, encoding="utf-8")
    found = judged(tmp_path, f"z1: [{w[0]}, {w[1]}]\na1: [{w[2]}, {w[3]}]\n"
                             f"z2: [{w[4]}, {w[5]}]\na2: [{w[6]}, {w[7]}]\n"
                             f"delta2: [{w[8]}, {w[9]}]\ndelta1: [{w[10]}, {w[11]}]\n",
                   str(net))
    assert found["z1_1"][:2] == ("wrong", "transposed_weights")
    assert found["delta1_2"] == ("follows", None, [])


def test_a_closed_form_delta_follows_from_the_students_written_derivative(tmp_path):
    """The same network, the student writing the long way's factors: ∂L/∂a = −1/a =
    −1.6065, σ′ from z = 0.5·0.5 = 0.25 (the slip, named there), δ = −1.6065·0.25 =
    −0.4016: what their own written numbers give, so δ follows (the slip is not blamed
    twice)."""
    a = 1 / (1 + math.exp(-0.5))
    assert f"{-1 / a:.4f}" == "-1.6065" and f"{-1.6065 * 0.25:.4f}" == "-0.4016"
    net = tmp_path / "bce.yaml"
    net.write_text(BCE, encoding="utf-8")
    found = judged(tmp_path, "dL/da1: [-1.6065]\nfprime1: [0.25]\ndelta1: [-0.4016]\n",
                   str(net))
    assert found["dL/da1_1"] == ("right", None, [])
    assert found["fprime1_1"][:2] == ("wrong", "derivative_of_z")
    assert found["delta1_1"] == ("follows", None, [])
