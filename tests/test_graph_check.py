"""`check` on a computational graph (issue 17, item 4): answers by node name,
``d<output>/d<name>`` and ``<parameter>+``, judged as a network's are (right, rounding,
follows, wrong), and the circuit slips, each named.

The oracle is plain arithmetic written out here: CS231n's two circuits worked by hand
(their published numbers are in tests/test_graphs.py), and for each slip the number a
student making it gets, derived step by step from the circuit, never backcalc's output.
"""

from __future__ import annotations

import csv
import io
import json
import math
import sys

import pytest

from backcalc import app

from helpers import invoke, one_error_line, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

# CS231n's first circuit: q = x + y, f = q·z.
X, Y, Z = -2, 5, -4
Q = X + Y                       # 3
F = Q * Z                       # -12
DF_DQ = Z                       # the multiply gate swaps: ∂(q·z)/∂q = z = -4
DF_DZ = Q                       # ∂(q·z)/∂z = q = 3
DF_DX = DF_DQ * 1               # the add gate distributes: -4
DF_DY = DF_DQ * 1               # -4

# CS231n's sigmoid neuron, gate by gate: f = 1/(1 + exp(-(w0·x0 + w1·x1 + w2))).
W0, X0, W1, X1, W2 = 2, -1, -3, -2, -3
S = W0 * X0 + W1 * X1 + W2      # -2 + 6 - 3 = 1
E = math.exp(-S)                # 0.36788
N_F = 1 / (1 + E)               # 0.73106
N_DF_DE = -1 / (1 + E) ** 2     # ∂(1/u)/∂u = -1/u², u = 1 + e: -0.53445
N_DF_DS = N_DF_DE * E * -1      # ∂exp(v)/∂v = e, ∂(-s)/∂s = -1: 0.19661 = f(1 - f)
DW0, DX0 = N_DF_DS * X0, N_DF_DS * W0      # -0.19661, 0.39322
DW1, DX1 = N_DF_DS * X1, N_DF_DS * W1      # -0.39322, -0.58984
DW2 = N_DF_DS * 1                          # 0.19661
ETA = 0.1
W0_NEW, W1_NEW, W2_NEW = W0 - ETA * DW0, W1 - ETA * DW1, W2 - ETA * DW2


def test_the_oracle_matches_cs231ns_published_numbers():
    assert (F, DF_DX, DF_DY, DF_DZ) == (-12, -4, -4, 3)
    assert round(N_F, 2) == 0.73 and N_DF_DS == pytest.approx(N_F * (1 - N_F), rel=1e-12)
    assert [round(v, 2) for v in (DW0, DX0, DW1, DX1, DW2)] == [-0.2, 0.39, -0.39, -0.59, 0.2]


def answers(text: str, name: str = "answers.yaml") -> str:
    return write_network(text, name)


def check(graph: str, text: str, *options: str, code: int) -> dict:
    """``check --format json`` of ``text`` against ``graph``, which must end with exit
    status ``code`` (1: an answer is wrong or follows from an earlier error)."""
    result = invoke("check", graph, answers(text), "--format", "json", *options, code=code)
    doc = json.loads(result.stdout)
    assert code == int(any(r["verdict"] in ("follows", "wrong") for r in doc["results"]))
    return doc


def verdicts(doc: dict) -> dict:
    return {r["key"]: (r["verdict"], r["slip"]) for r in doc["results"]}


# --- verdicts -------------------------------------------------------------------------------

def test_right_answers_on_the_first_circuit():
    doc = check("cs231n-circuit", f"q: {Q}\nf: {F}\ndf/dq: {DF_DQ}\n∂f/∂z: {DF_DZ}\n"
                f"df/dx: {DF_DX}\ndf/dy: {DF_DY}\n", code=0)
    assert set(verdicts(doc).values()) == {("right", None)}
    assert doc["first_wrong"] is None


def test_right_answers_on_the_neuron_to_the_digits_written():
    doc = check("cs231n-neuron", f"f: {N_F:.4f}\ndf/de: {N_DF_DE:.4f}\ndf/ds: {N_DF_DS:.4f}\n"
                f"df/dw0: {DW0:.4f}\ndf/dx0: {DX0:.3f}\ndf/dw1: {DW1:.2f}\n"
                f"df/dx1: {DX1:.4f}\ndf/dw2: {DW2:.4f}\nw0+: {W0_NEW:.5f}\n", code=0)
    assert set(verdicts(doc).values()) == {("right", None)}
    # 0.7311 is right for f = 0.731058…; 0.7310 is not (its fourth decimal is 1), but it is
    # the value cut instead of rounded: rounding; 0.7301 is neither.
    assert round(N_F, 4) == 0.7311 and math.floor(N_F * 1e4) == 7310
    assert verdicts(check("cs231n-neuron", "f: 0.7310\n", code=0)) == {"f": ("rounding", None)}
    assert verdicts(check("cs231n-neuron", "f: 0.7301\n", code=1)) == {"f": ("wrong", None)}


def test_rounding_carried_from_a_right_but_rounded_value():
    # df/ds written 0.20 (right to 2 decimals: 0.1966); df/dx0 = df/ds·w0 from it is
    # 0.20·2 = 0.40, off the exact 0.3932 by 0.0068, more than half a unit (0.005):
    # what the student's own rounding gives.
    assert abs(0.40 - DX0) > 0.005 and 0.20 * W0 == 0.40
    doc = check("cs231n-neuron", "df/ds: 0.20\ndf/dx0: 0.40\n", code=0)
    assert verdicts(doc) == {"df/ds": ("right", None), "df/dx0": ("rounding", None)}


def test_follows_from_the_students_own_earlier_error():
    # df/dq written 3 (q, not z: unswapped); df/dx = df/dq·1 from it is 3: follows.
    doc = check("cs231n-circuit", "df/dq: 3\ndf/dx: 3\ndf/dy: -4\n", code=1)
    assert verdicts(doc) == {"df/dq": ("wrong", "unswapped_multiply"),
                             "df/dx": ("follows", None), "df/dy": ("right", None)}
    assert doc["first_wrong"] == "df/dq"
    # On the neuron: df/ds written 0.25 (wrong); df/dw0 = 0.25·x0 = -0.25 follows from it.
    doc = check("cs231n-neuron", f"df/ds: 0.25\ndf/dw0: {0.25 * X0}\n", code=1)
    assert verdicts(doc) == {"df/ds": ("wrong", None), "df/dw0": ("follows", None)}


def test_a_new_mistake_is_wrong():
    doc = check("cs231n-neuron", "df/ds: 0.1966\ndf/dw0: 0.5\n", code=1)
    assert verdicts(doc) == {"df/ds": ("right", None), "df/dw0": ("wrong", None)}


# --- the circuit slips, each reproduced by hand ------------------------------------------

def test_unswapped_multiply():
    # ∂(q·z)/∂z taken as z instead of q: df/dz = 1·z = -4 (right: 3).
    doc = check("cs231n-circuit", f"df/dz: {Z}\n", code=1)
    assert verdicts(doc) == {"df/dz": ("wrong", "unswapped_multiply")}
    # On the neuron: ∂(w0·x0)/∂x0 taken as x0 instead of w0: df/dx0 = 0.1966·(-1).
    doc = check("cs231n-neuron", f"df/dx0: {N_DF_DS * X0:.4f}\n", code=1)
    assert verdicts(doc) == {"df/dx0": ("wrong", "unswapped_multiply")}


def test_unswapped_multiply_names_the_gate():
    result = invoke("check", "cs231n-circuit", answers(f"df/dz: {Z}\n"), code=1)
    text = " ".join(result.stdout.split())
    assert "wrong: unswapped_multiply, at f = q * z" in text
    assert "a multiply gate's local derivatives not swapped" in text


MAX_CIRCUIT = "inputs: {x: 3, y: 1, z: 2}\nnodes:\n  m: %s(x, y)\n  f: m * z\n"


def test_max_routed_to_the_wrong_input():
    # m = max(3, 1) = 3 (x wins), f = m·z: df/dx = z·1 = 2, df/dy = z·0 = 0.
    # Routed to the loser: df/dy = 2, df/dx = 0.
    graph = write_network(MAX_CIRCUIT % "max", "max.yaml")
    doc = check(graph, "df/dy: 2\n", code=1)
    assert verdicts(doc) == {"df/dy": ("wrong", "max_routed_wrong")}
    doc = check(graph, "df/dx: 0\n", code=1)
    assert verdicts(doc) == {"df/dx": ("wrong", "max_routed_wrong")}
    # min(3, 1) = 1: y wins and gets z = 2; routed to x instead: df/dx = 2.
    graph = write_network(MAX_CIRCUIT % "min", "min.yaml")
    doc = check(graph, "df/dx: 2\ndf/dy: 2\n", code=1)
    assert verdicts(doc) == {"df/dx": ("wrong", "max_routed_wrong"), "df/dy": ("right", None)}


def test_a_name_used_twice_counting_one_path_only():
    # c = a·b, f = c + a with a = 3, b = -2: a has two paths,
    # via c: 1·b = -2, via f: 1·1 = 1; df/da = -2 + 1 = -1.
    graph = write_network("inputs: {a: 3, b: -2}\nnodes:\n  c: a * b\n  f: c + a\n", "g.yaml")
    assert check(graph, "df/da: -1\n", code=0)["results"][0]["verdict"] == "right"
    for one_path in (-2, 1):
        doc = check(graph, f"df/da: {one_path}\n", code=1)
        assert verdicts(doc) == {"df/da": ("wrong", "one_path_only")}
    text = " ".join(invoke("check", graph, answers("df/da: -2\n"), code=1).stdout.split())
    assert "one_path_only, only a's path via c" in text


def test_the_local_derivative_without_the_upstream_factor():
    # df/dx written as ∂q/∂x = 1 alone, forgetting df/dq = -4.
    doc = check("cs231n-circuit", f"df/dq: {DF_DQ}\ndf/dx: 1\n", code=1)
    assert verdicts(doc) == {"df/dq": ("right", None), "df/dx": ("wrong", "missing_upstream")}
    # On the neuron: df/dw0 written as ∂(w0·x0)/∂w0 = x0 = -1.
    doc = check("cs231n-neuron", f"df/ds: {N_DF_DS:.4f}\ndf/dw0: {X0}\n", code=1)
    assert verdicts(doc)["df/dw0"] == ("wrong", "missing_upstream")
    text = " ".join(invoke("check", "cs231n-neuron", answers(f"df/dw0: {X0}\n"),
                           code=1).stdout.split())
    assert "missing_upstream, at p0 = w0 * x0" in text      # the answer's own gate


def test_the_sign_of_a_subtraction_dropped():
    # d = a − b, f = d·c with a = 5, b = 2, c = 4: df/dd = c = 4, df/db = 4·(−1) = −4;
    # ∂(a − b)/∂b taken as +1: df/db = 4.
    graph = write_network("inputs: {a: 5, b: 2, c: 4}\nnodes:\n  d: a - b\n  f: d * c\n",
                          "sub.yaml")
    doc = check(graph, "df/db: 4\ndf/da: 4\n", code=1)
    assert verdicts(doc) == {"df/da": ("right", None), "df/db": ("wrong", "subtraction_sign")}


def test_the_sign_of_a_division_dropped():
    # f = a/b with a = 3, b = 2: df/db = −a/b² = −3/4; without the minus: 0.75.
    graph = write_network("inputs: {a: 3, b: 2}\nnodes:\n  f: a / b\n", "div.yaml")
    doc = check(graph, f"df/da: {1 / 2}\ndf/db: {3 / 2 ** 2}\n", code=1)
    assert verdicts(doc) == {"df/da": ("right", None), "df/db": ("wrong", "subtraction_sign")}
    # The neuron's f = 1/(1 + e): df/de = −1/(1 + e)²; without the minus, +0.5344.
    doc = check("cs231n-neuron", f"df/de: {-N_DF_DE:.4f}\n", code=1)
    assert verdicts(doc) == {"df/de": ("wrong", "subtraction_sign")}


def test_the_sign_of_a_negation_dropped():
    # e = exp(−s): with df/de right, ∂(−s)/∂s taken as +1 gives df/ds = df/de·e·(+1).
    slipped = N_DF_DE * E * 1
    doc = check("cs231n-neuron", f"df/de: {N_DF_DE:.4f}\ndf/ds: {slipped:.4f}\n", code=1)
    assert verdicts(doc)["df/ds"] == ("wrong", "subtraction_sign")
    text = " ".join(invoke("check", "cs231n-neuron",
                           answers(f"df/de: {N_DF_DE:.4f}\ndf/ds: {slipped:.4f}\n"),
                           code=1).stdout.split())
    assert "subtraction_sign, at e.1 = -s" in text


def test_update_sign_on_a_parameter():
    # w0⁺ = w0 − η·df/dw0 = 2 + 0.1·0.19661 = 2.019661; added instead: 1.980339.
    doc = check("cs231n-neuron", f"df/dw0: {DW0:.4f}\nw0+: {W0 + ETA * DW0:.6f}\n", code=1)
    assert verdicts(doc) == {"df/dw0": ("right", None), "w0+": ("wrong", "update_sign")}


# --- iterations ------------------------------------------------------------------------------

def iteration_two(w0: float) -> tuple[float, float]:
    """The neuron's f and df/dw0 in iteration 2, from w0 (and w1, w2 updated right)."""
    s = w0 * X0 + W1_NEW * X1 + W2_NEW
    f = 1 / (1 + math.exp(-s))
    return f, X0 * f * (1 - f)


def test_a_second_iteration_starts_from_the_update():
    f2, dw0_2 = iteration_two(W0_NEW)
    doc = check("cs231n-neuron", f"- w0+: {W0_NEW:.6f}\n- iteration: 2\n  f: {f2:.4f}\n"
                f"  df/dw0: {dw0_2:.4f}\n", code=0)
    assert [(r["key"], r["iteration"], r["verdict"]) for r in doc["results"]] == [
        ("w0+", 1, "right"), ("f", 2, "right"), ("df/dw0", 2, "right")]


def test_a_wrong_update_carried_into_the_next_iteration_follows():
    slipped = W0 + ETA * DW0                     # update_sign: 1.980339
    f2, _ = iteration_two(slipped)
    right, _ = iteration_two(W0_NEW)
    assert round(f2, 4) != round(right, 4)
    doc = check("cs231n-neuron", f"- w0+: {slipped:.6f}\n- iteration: 2\n  f: {f2:.4f}\n",
                code=1)
    assert [(r["key"], r["verdict"], r["slip"]) for r in doc["results"]] == [
        ("w0+", "wrong", "update_sign"), ("f", "follows", None)]


# --- options ----------------------------------------------------------------------------------

def test_round_checks_against_the_rounded_calculation():
    # Every value to 1 decimal: e = exp(−1) = 0.4, f.1 = 1.4, ∂f/∂f.1 = −1/1.4² = −0.5,
    # ∂e/∂(−s) = e = 0.4, df/ds = −0.5·0.4·(−1) = 0.2, df/dw1 = 0.2·x1 = −0.4.
    doc = check("cs231n-neuron", "df/ds: 0.2\ndf/dw1: -0.4\n", "--round", "1", code=0)
    assert set(verdicts(doc).values()) == {("right", None)}
    # Exactly, df/dw1 = −0.3932: −0.4 is right to its one decimal too.
    doc = check("cs231n-neuron", "df/dw1: -0.4\n", code=0)
    assert verdicts(doc) == {"df/dw1": ("right", None)}


def test_tolerance_accepts_every_answer_within_it():
    doc = check("cs231n-circuit", "df/dx: -4.05\n", "--tolerance", "0.1", code=0)
    assert verdicts(doc) == {"df/dx": ("right", None)}
    doc = check("cs231n-circuit", "df/dx: -4.05\n", code=1)
    assert verdicts(doc) == {"df/dx": ("wrong", None)}


# --- formats ----------------------------------------------------------------------------------

def test_json_fields():
    doc = check("cs231n-circuit", "q: 3.0\ndf/dq: 3\ndf/dx: 3\n", code=1)
    assert set(doc) == {"graph", "output", "results", "first_wrong"}
    assert doc["graph"] == "CS231n's first circuit" and doc["output"] == "f"
    assert doc["results"][0] == {"key": "q", "given": 3.0, "written": "3.0", "expected": 3.0,
                                 "verdict": "right", "slip": None, "slips": []}
    assert doc["results"][1] == {"key": "df/dq", "given": 3, "written": "3", "expected": -4,
                                 "verdict": "wrong", "slip": "unswapped_multiply",
                                 "slips": ["unswapped_multiply"]}
    assert doc["first_wrong"] == "df/dq"


def test_every_format_and_its_exit_status():
    wrong = answers(f"df/dz: {Z}\n")
    right = answers(f"df/dz: {DF_DZ}\n", "right.yaml")
    for form in ("table", "json", "markdown", "latex", "csv", "html"):
        out = invoke("check", "cs231n-circuit", wrong, "--format", form, code=1).stdout
        assert "unswapped" in out and "multiply" in out, form
        invoke("check", "cs231n-circuit", right, "--format", form, code=0)
    rows = list(csv.DictReader(io.StringIO(invoke(
        "check", "cs231n-circuit", answers("q: 3.00\ndf/dz: -4\n"), "--format", "csv",
        code=1).stdout)))
    assert [(r["key"], r["given"], r["verdict"], r["slip"]) for r in rows] == [
        ("q", "3.00", "right", ""), ("df/dz", "-4", "wrong", "unswapped_multiply")]


def test_the_first_wrong_step_is_worked_out():
    text = invoke("check", "cs231n-circuit", answers("df/dq: -4\ndf/dx: 1\n"), code=1).stdout
    assert "∂f/∂x = ∂f/∂q·∂q/∂x = −4·1 = −4" in text


def test_from_python_a_dict_of_answers():
    outcome = app.check("cs231n-circuit", {"df/dx": -4, "df/dz": 3})
    assert outcome.status == 0 and outcome.check.passed
    outcome = app.check("cs231n-circuit", {"df/dz": -4})
    assert outcome.status == 1 and outcome.check.results[0].slip == "unswapped_multiply"


def test_a_value_given_twice_is_checked_once():
    doc = check("cs231n-circuit", "df/dq: -4\n∂f/∂q: -4.0\n", code=0)
    assert [r["written"] for r in doc["results"]] == ["-4.0"]
    line = one_error_line(invoke("check", "cs231n-circuit", answers("df/dq: -4\n∂f/∂q: 4\n"),
                                 code=2))
    assert line.startswith("Error: answers.yaml:2:8: df/dq: ∂f/∂q of iteration 1 is given twice")


# --- errors: one line, file:line:column ---------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("q: 3\nqq: 3\n", "answers.yaml:2:5: qq: unknown answer 'qq' (did you mean 'q'?); "
                      "expected a node's value (q, f), a gradient df/d<name> (df/dq)"),
    ("df/dqq: 3\n", "answers.yaml:1:9: df/dqq: unknown answer 'df/dqq' (did you mean "
                    "'df/dq'?)"),
    ("dL/dq: 3\n", "answers.yaml:1:8: dL/dq: the gradients are of the output, f: write df/dq"),
    ("x: -2\n", "answers.yaml:1:4: x: x is an input: its value (-2) is given"),
    ("q+: 3\n", "answers.yaml:1:5: q+: q is not a parameter of the graph (it has no "
                "parameters)"),
    ("q: [3, 4]\n", "answers.yaml:1:4: q: expected one number, found a list of 2"),
    ("q: 3,5\n", "answers.yaml:1:4: q: expected a number, found the text '3,5' (write a "
                 "decimal point: 3.5)"),
    ("iteration: 2\nq: 3\n", "answers.yaml:1:12: iteration: expected iteration 1 (the graph "
                             "has no parameters to update"),
])
def test_bad_answers_are_one_line(text, expected):
    line = one_error_line(invoke("check", "cs231n-circuit", answers(text), code=2))
    assert line.startswith(f"Error: {expected}"), line


def test_iterations_beyond_the_limit_are_refused():
    line = one_error_line(invoke("check", "cs231n-neuron",
                                 answers("iteration: 101\ndf/dw0: 3\n"), code=2))
    assert line == ("Error: answers.yaml:1:12: iteration: expected an iteration from 1 to 100, "
                    "found 101")


def test_learning_rate_overrides_the_files():
    # η = 0.5: w0⁺ = 2 − 0.5·(−0.19661) = 2.098306.
    doc = check("cs231n-neuron", f"w0+: {W0 - 0.5 * DW0:.6f}\n", "--learning-rate", "0.5",
                code=0)
    assert verdicts(doc) == {"w0+": ("right", None)}


def test_an_iteration_the_run_never_reaches_is_refused():
    # f = x⁴ from x = 10 with η = 1: x⁺ = x − 4x³; after 4 updates |x| ≈ 1.1·10¹⁰⁵, whose
    # fourth power (iteration 5's f) is beyond a float64's 1.8·10³⁰⁸.
    x = 10.0
    for _ in range(4):
        x = x - 4 * x ** 3
    assert abs(x) > sys.float_info.max ** 0.25
    graph = write_network("inputs: {x: 10}\nnodes:\n  f: x ** 4\nlearning_rate: 1\n"
                          "parameters: [x]\n", "x4.yaml")
    line = one_error_line(invoke("check", graph, answers("iteration: 9\nf: 3\n"), code=2))
    assert line.startswith("Error: answers.yaml:2:4: f: there is no iteration 9: the "
                           "calculation stops at iteration 5: x ** 4 is too large")


def test_a_saved_state_is_checked_from_its_next_iteration():
    invoke("run", "cs231n-neuron")             # saves the neuron after iteration 1
    f2, _ = iteration_two(W0_NEW)
    doc = check(".backcalc/state.yaml", f"f: {f2:.4f}\n", code=0)
    assert verdicts(doc) == {"f": ("right", None)}
    line = one_error_line(invoke("check", ".backcalc/state.yaml",
                                 answers("iteration: 1\nf: 0.7311\n"), code=2))
    assert "expected an iteration from 2 to 100 (the graph continues after iteration 1)" in line
