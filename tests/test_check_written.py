"""`check` keeps what a student wrote (SPEC, "Checking: what a student wrote is kept as
written"): numbers shown as written in every format, a number cut instead of rounded is
rounding, agreeing duplicates are checked once, every slip gets its sentence.

The student answers are made by hand here; their numbers come from the arithmetic below
(Mazur's 2-2-2 network, as in test_check.py), never from backcalc's output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path

import pytest

from backcalc.check import SLIPS, VERDICTS

from helpers import error_line, invoke, run_cli, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

X1, X2 = 0.05, 0.10
W1, W2, W3, W4, B1 = 0.15, 0.20, 0.25, 0.30, 0.35
W5, W6, W7, W8, B2 = 0.40, 0.45, 0.50, 0.55, 0.60
Y1, Y2 = 0.01, 0.99
ETA = 0.5
NET_H1 = W1 * X1 + W2 * X2 + B1                      # 0.3775
OUT_H1 = 1 / (1 + math.exp(-NET_H1))                 # 0.593269992
NET_H2 = W3 * X1 + W4 * X2 + B1                      # 0.3925
OUT_H2 = 1 / (1 + math.exp(-NET_H2))                 # 0.596884378
OUT_O1 = 1 / (1 + math.exp(-(W5 * OUT_H1 + W6 * OUT_H2 + B2)))    # 0.75136507
OUT_O2 = 1 / (1 + math.exp(-(W7 * OUT_H1 + W8 * OUT_H2 + B2)))    # 0.772928465
DELTA_O1 = (OUT_O1 - Y1) * OUT_O1 * (1 - OUT_O1)     # 0.138498562
DELTA_O2 = (OUT_O2 - Y2) * OUT_O2 * (1 - OUT_O2)     # −0.038098236
GRAD_W5, GRAD_W6 = DELTA_O1 * OUT_H1, DELTA_O1 * OUT_H2      # 0.082167041, 0.082667628
GRAD_W7, GRAD_W8 = DELTA_O2 * OUT_H1, DELTA_O2 * OUT_H2      # −0.02260254, −0.022740242
W5_NEW, W6_NEW = W5 - ETA * GRAD_W5, W6 - ETA * GRAD_W6      # 0.35891648, 0.408666186
W7_NEW, W8_NEW = W7 - ETA * GRAD_W7, W8 - ETA * GRAD_W8      # 0.51130127, 0.561370121
DELTA_H1 = (W5 * DELTA_O1 + W7 * DELTA_O2) * OUT_H1 * (1 - OUT_H1)   # 0.008771355


def check_json(answers: str, *options: str, network: str = "mazur", code: int = 1) -> dict:
    Path("a.yaml").write_text(answers, encoding="utf-8")
    return json.loads(invoke("check", network, "a.yaml", "--format", "json", *options,
                             code=code).stdout)


def check_text(answers: str, *options: str, code: int = 1) -> str:
    Path("a.yaml").write_text(answers, encoding="utf-8")
    return invoke("check", "mazur", "a.yaml", *options, code=code).stdout


def results(document: dict) -> dict:
    return {r["key"]: r for r in document["results"]}


# --- numbers as written -----------------------------------------------------------------

# Right answers written with trailing zeros or an exponent, and a wrong δ with its zero:
# 0.39250 (z₂ = 0.3925), 0.593270 (a₁ = 0.593269992), 8.21670e-2 (∂L/∂w5 = 0.0821670406),
# δ₁⁽¹⁾ = −0.1360 (it is 0.008771355).
WRITTEN = ("z1: [0.37750, 0.39250]\na1_1: 0.593270\ndL/dw5: 8.21670e-2\n"
           "delta1_1: -0.1360\n")


def test_the_oracle():
    assert f"{OUT_H1:.6f}" == "0.593270" and f"{GRAD_W5:.6e}" == "8.216704e-02"
    assert f"{DELTA_H1:.9f}" == "0.008771355"


def test_json_keeps_the_written_text_beside_the_number():
    found = results(check_json(WRITTEN))
    assert {key: (r["given"], r["written"]) for key, r in found.items()} == {
        "z1_1": (0.3775, "0.37750"), "z1_2": (0.3925, "0.39250"), "a1_1": (0.59327, "0.593270"),
        "dL/dw5": (0.082167, "8.21670e-2"), "delta1_1": (-0.136, "-0.1360")}
    assert sorted(r["verdict"] for r in found.values()) == ["right"] * 4 + ["wrong"]


def test_csv_given_is_as_written():
    Path("a.yaml").write_text(WRITTEN, encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(invoke("check", "mazur", "a.yaml", "--format",
                                                  "csv", code=1).stdout)))
    assert [row["given"] for row in rows] == ["0.37750", "0.593270", "0.39250", "8.21670e-2",
                                              "-0.1360"]
    assert "written" not in rows[0]


@pytest.mark.parametrize("form", ["table", "markdown", "html", "latex"])
def test_every_table_format_shows_the_numbers_as_written(form):
    # --precision 2 would write the computed 0.593270 as 0.59: a written number is not.
    text = check_text(WRITTEN, "--format", form, "--precision", "2")
    # LaTeX typesets a power of ten, with every digit written kept.
    scientific = "8.21670{\\times}10^{-2}" if form == "latex" else "8.21670e-2"
    for written in ("0.37750", "0.39250", "0.593270", scientific, "0.1360"):
        assert written in text, written
    assert not re.search(r"0\.136(?!0)", text)


def test_you_wrote_keeps_the_last_zero():
    text = check_text(WRITTEN)
    assert "First wrong step: delta1_1 (iteration 1). You wrote -0.1360;" in text


def test_the_students_own_values_appear_as_written_in_the_worked_step():
    # ∂L/∂w5 written 0.0821670 (right: 0.0821670406); w5⁺ written with the update's sign
    # flipped, 0.4 + 0.5·0.0821670 = 0.4410835: the step redone from their values shows
    # 0.0821670, not 0.082167.
    assert f"{W5 + ETA * 0.0821670:.5f}" == "0.44108"
    text = check_text("dL/dw5: 0.0821670\nw5+: 0.44108\n", "--format", "markdown")
    assert "0.5·0.0821670 =" in text


# --- truncation is rounding --------------------------------------------------------------

LINEAR = ("input: 1\ntarget: 0\nloss: half_sse\nlearning_rate: 0.1\nlayers:\n"
          "  - activation: linear\n    weights: {w}\n    biases: 0\n")


@pytest.mark.parametrize("weight, written, verdict", [
    # z = 1·w + 0 = w exactly.
    (0.72909, "0.7290", "rounding"),      # cut to 4 decimals (rounded: 0.7291)
    (-0.72909, "-0.7290", "rounding"),    # the same below zero
    (0.72909, "0.7291", "right"),         # rounded
    (0.72909, "0.7289", "wrong"),         # 0.00019 below: more than one unit
    (0.72909, "0.7292", "wrong"),         # above: away from zero is no cut
    (-0.72909, "-0.7292", "wrong"),
    (0.72909, "0.729", "right"),          # three decimals: rounding and cutting agree
    (0.0009, "0.000", "rounding"),        # 0.0009 cut to three decimals
    (-0.0009, "0.000", "rounding"),
])
def test_a_number_cut_instead_of_rounded_is_rounding(weight, written, verdict):
    write_network(LINEAR.format(w=weight))
    document = check_json(f"z1_1: {written}\n", network="net.yaml",
                          code=0 if verdict != "wrong" else 1)
    assert [r["verdict"] for r in document["results"]] == [verdict]


def test_a_fixed_tolerance_knows_no_cutting():
    write_network(LINEAR.format(w=0.72909))
    document = check_json("z1_1: 0.7290\n", "--tolerance", "0.00005", network="net.yaml")
    assert [r["verdict"] for r in document["results"]] == ["wrong"]


def test_mazurs_hidden_output_cut_to_four_decimals():
    # a₁⁽¹⁾ = 0.593269992: 0.5932 is cut, 0.5933 rounded; 0.5931 is neither.
    assert f"{OUT_H1:.4f}" == "0.5933" and math.floor(OUT_H1 * 1e4) / 1e4 == 0.5932
    found = results(check_json("a1: [0.5932, 0.5969]\n", code=0))
    assert found["a1_1"]["verdict"] == "rounding"
    assert results(check_json("a1_1: 0.5931\n"))["a1_1"]["verdict"] == "wrong"


# --- the same value given twice ----------------------------------------------------------

def four(*values: float) -> list[str]:
    return [f"{v:.4f}" for v in values]


def test_the_updated_matrix_and_its_entry_agreeing_are_checked_once():
    # W2⁺ (one row per neuron: w5 w6 / w7 w8) to four decimals, w5⁺ to six.
    w5, w6, w7, w8 = four(W5_NEW, W6_NEW, W7_NEW, W8_NEW)
    assert (w5, f"{W5_NEW:.6f}") == ("0.3589", "0.358916")
    answers = f"W2+: [[{w5}, {w6}], [{w7}, {w8}]]\nw5+: {W5_NEW:.6f}\n"
    found = results(check_json(answers, code=0))
    # The one with more digits is the one checked.
    assert list(found) == ["w5+", "W2_1_2+", "W2_2_1+", "W2_2_2+"]
    assert found["w5+"]["written"] == "0.358916"
    assert {r["verdict"] for r in found.values()} == {"right"}
    text = " ".join(check_text(answers, code=0).split())
    assert "Given twice and checked once, as the one with more digits: w5+ (line 2) and " \
           "W2_1_1+ (line 1)." in text


@pytest.mark.parametrize("answers, kept, left_out", [
    # ∂L/∂W2 to four decimals, ∂L/∂w5 to five
    ("dL/dW2: [[{g5}, {g6}], [{g7}, {g8}]]\ndL/dw5: {g5_5}\n", "dL/dw5", "dL/dW2_1_1"),
    # z₂⁽¹⁾ = 0.3925 written to two decimals in z1 (0.39) and whole as z1_2
    ("z1: [0.3775, 0.39]\nz1_2: 0.3925\n", "z1_2", "z1_2"),
    # δ₁⁽²⁾ = 0.138498562: four decimals in delta2, six as δ2_1
    ("delta2: [{d1}, {d2}]\nδ2_1: {d1_6}\n", "delta2_1", "delta2_1"),
    # the same digits twice: the first written is checked
    ("w5+: {w5}\nW2_1_1+: {w5}\n", "w5+", "W2_1_1+"),
])
def test_agreeing_duplicates_in_every_spelling(answers, kept, left_out):
    g5, g6, g7, g8 = four(GRAD_W5, GRAD_W6, GRAD_W7, GRAD_W8)
    d1, d2 = four(DELTA_O1, DELTA_O2)
    text = answers.format(g5=g5, g6=g6, g7=g7, g8=g8, g5_5=f"{GRAD_W5:.5f}", d1=d1, d2=d2,
                          d1_6=f"{DELTA_O1:.6f}", w5=f"{W5_NEW:.4f}")
    document = check_json(text, code=0)
    keys = [r["key"] for r in document["results"]]
    assert kept in keys and len(keys) == len(set(keys))
    assert len(keys) == text.count(",") + text.count("\n") - 1    # every number, one twice
    if left_out != kept:
        assert left_out not in keys


def test_agreement_is_within_the_coarser_precision():
    # 0.359 (three decimals) and 0.3589 agree: 0.3589 rounds to 0.359.  So do 0.358 and
    # 0.3589 (cut).  0.3589 and 0.3590 do not: the same four decimals, different digits.
    assert results(check_json("w5+: 0.359\nW2_1_1+: 0.3589\n", code=0))["W2_1_1+"]
    assert results(check_json("w5+: 0.358\nW2_1_1+: 0.3589\n", code=0))["W2_1_1+"]
    Path("a.yaml").write_text("W2+: [[0.3589, 0.4087], [0.5113, 0.5614]]\nw5+: 0.3590\n",
                              encoding="utf-8")
    line = error_line(run_cli("check", "mazur", "a.yaml"))
    assert line == ("Error: a.yaml:2:6: w5+: w5⁺ of iteration 1 is given twice and the two "
                    "disagree: 0.3590 here, 0.3589 as W2_1_1+ at a.yaml:1; give it once, or "
                    "the same number in both places")


def test_agreeing_wrong_duplicates_get_one_verdict():
    # The update's sign flipped twice the same way: 0.4 + 0.5·0.082167041 = 0.4410835.
    flipped = f"{W5 + ETA * GRAD_W5:.4f}"
    assert flipped == "0.4411"
    document = check_json(f"w5+: {flipped}\nW2_1_1+: {flipped}\n")
    assert [(r["key"], r["verdict"], r["slip"]) for r in document["results"]] == [
        ("w5+", "wrong", "update_sign")]


# --- every slip explained -----------------------------------------------------------------

# The loss without its ½: (0.01 − 0.75136507)² + (0.99 − 0.772928465)² = 0.596742 (the
# first wrong step); w5⁺ with the update's sign flipped: 0.4 + 0.5·0.082167041 = 0.44108
# (a later one, from none of the loss's numbers).
TWO_SLIPS = (f"loss: {(Y1 - OUT_O1) ** 2 + (Y2 - OUT_O2) ** 2:.6f}\n"
             f"w5+: {W5 + ETA * GRAD_W5:.5f}\n")


def test_the_oracle_of_the_slips():
    assert TWO_SLIPS == "loss: 0.596742\nw5+: 0.44108\n"


@pytest.mark.parametrize("form", ["table", "markdown", "html", "latex"])
def test_a_later_slip_gets_its_own_sentence_in_every_format(form):
    text = " ".join(check_text(TWO_SLIPS, "--format", form).split())   # (lines wrap)
    assert "which is what you get with the update added instead of subtracted" in text
    assert "0.44108" in text and "0.35891648" in text     # what they wrote, what belongs
    # the first wrong step keeps its own explanation
    assert "First wrong step: loss" in text and "dropped" in text


def test_a_later_slip_names_what_the_students_own_values_give():
    # ∂L/∂w5 written 0.09 (wrong: it is 0.082167041), w5⁺ 0.4 + 0.5·0.09 = 0.445 (the sign
    # flipped); done right from their own ∂L/∂w5 it is 0.4 − 0.5·0.09 = 0.355.
    text = " ".join(check_text("dL/dw5: 0.09\nw5+: 0.445\n").split())
    assert ("w5+: you wrote 0.445, which is what you get with the update added instead of "
            "subtracted (θ + η·∂L/∂θ) [update_sign]; done right it is 0.355 from your own "
            "earlier values (0.35891648 from exact ones).") in text


def test_every_slip_of_a_file_is_explained():
    # Every wrong answer with a slip has one sentence (the first wrong step's is its own).
    # δ₂⁽²⁾ with its sign flipped: (y − a)·a(1 − a) = +0.0381 (feeds neither the loss nor w5⁺).
    answers = TWO_SLIPS + f"delta2_2: {(Y2 - OUT_O2) * OUT_O2 * (1 - OUT_O2):.4f}\n"
    assert answers.endswith("delta2_2: 0.0381\n")
    document = check_json(answers)
    slipped = [r["key"] for r in document["results"] if r["slip"]]
    assert sorted(slipped) == ["delta2_2", "loss", "w5+"]
    text = " ".join(check_text(answers).split())
    later = [key for key in slipped if key != document["first_wrong"]]
    assert len(later) == 2
    for key in later:
        assert text.count(f"{key}: you wrote ") == 1, key


def test_the_docs_explain_every_verdict_and_slip():
    docs = (Path(__file__).parent.parent / "docs" / "check.md").read_text(encoding="utf-8")
    verdicts = docs[docs.index("## Verdicts"):docs.index("## The first wrong step")]
    for verdict in VERDICTS:
        assert f"\n| {verdict} |" in verdicts, verdict
    for slip in SLIPS:
        assert f"| `{slip}` |" in docs, slip
