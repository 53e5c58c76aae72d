"""Decimal commas (docs/network-file.md, "Decimal commas"): ``[0,5]`` is two numbers to YAML.

A comma between two plain values of a [ ] list with no space after it, a whole number
before it and digits after it, may be a decimal comma.  It is refused when the digits
after it have a leading zero (0,05), refused with a hint when the list does not fit,
and otherwise a one-line warning on standard error while the run goes on.  Every
expected line is written out here; the numbers read are checked by hand arithmetic.
"""

from __future__ import annotations

import json

import pytest
import yaml

import backcalc.yamlsource
from backcalc.decimal_commas import pairs
from backcalc.examples import answers_paths, example_paths
from backcalc.netfile import load_network
from backcalc.yamlsource import Mark, load_yaml

from helpers import invoke, one_error_line, run_cli, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

# Mazur's network without names; the line numbers the expected lines refer to:
#  1 input: [0.05, 0.10]
#  2 target: [0.01, 0.99]
#  3 loss: half_squared_error
#  4 learning_rate: 0.5
#  5 layers:
#  6   - activation: sigmoid
#  7     weights: [[0.15, 0.20], [0.25, 0.30]]
#  8     biases: [0.35, 0.35]
#  9   - activation: sigmoid
# 10     weights: [[0.40, 0.45], [0.50, 0.55]]
# 11     biases: 0.60
BASE = """\
input: [0.05, 0.10]
target: [0.01, 0.99]
loss: half_squared_error
learning_rate: 0.5
layers:
  - activation: sigmoid
    weights: [[0.15, 0.20], [0.25, 0.30]]
    biases: [0.35, 0.35]
  - activation: sigmoid
    weights: [[0.40, 0.45], [0.50, 0.55]]
    biases: 0.60
"""

# The same network with two samples: lines 1-5 replace lines 1-2, the layers start on line 8.
SAMPLES = """\
samples:
  - input: [0.05, 0.10]
    target: [0.01, 0.99]
  - input: [0.10, 0.20]
    target: [0.50, 0.50]
""" + BASE.split("\n", 2)[2]


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"test setup: {old!r} not found once"
    return text.replace(old, new)


def refused(text: str, *args: str) -> str:
    return one_error_line(run_cli("run", write_network(text), *args))


# --- network files: refused, with the hint ------------------------------------------------

REFUSED = [
    ("digits-with-a-leading-zero-only-make-sense-as-decimals",
     edit(BASE, "input: [0.05, 0.10]", "input: [0,05, 0,10]"),
     "net.yaml:1:9: input: expected a decimal point, found a decimal comma in 0,05 (YAML reads "
     "it as two numbers, 0 and 05); write 0.05"),
    ("leading-zero-in-a-weights-row",
     edit(BASE, "[[0.15, 0.20], [0.25, 0.30]]", "[[0.15, 0.20], [0.25, 0,03]]"),
     "net.yaml:7:36: layer 1.weights[2]: expected a decimal point, found a decimal comma in "
     "0,03 (YAML reads it as two numbers, 0 and 03); write 0.03"),
    ("an-input-of-four-values-meets-weights-for-two",
     edit(BASE, "input: [0.05, 0.10]", "input: [0,5, 0,1]"),
     "net.yaml:7:14: layer 1.weights: expected 4 numbers in each row, one per input (the input "
     "has 4 values), found 2 (decimal commas in input? YAML reads 0,5 as two numbers, 0 and 5; "
     "write 0.5, 0.1)"),
    ("four-biases-for-two-neurons",
     edit(BASE, "biases: [0.35, 0.35]", "biases: [0,35, 0,35]"),
     "net.yaml:8:13: layer 1.biases: expected 2 biases (one per neuron), found 4 (decimal "
     "commas? YAML reads 0,35 as two numbers, 0 and 35; write 0.35, 0.35)"),
    ("four-targets-for-two-outputs",
     edit(BASE, "target: [0.01, 0.99]", "target: [0,1, 0,9]"),
     "net.yaml:2:9: target: expected 2 targets (the output layer has 2 neurons), found 4 "
     "(decimal commas? YAML reads 0,1 as two numbers, 0 and 1; write 0.1, 0.9)"),
    ("weights-rows-of-four-for-two-inputs",
     edit(BASE, "[[0.15, 0.20], [0.25, 0.30]]", "[[0,15, 0,2], [0,25, 0,3]]"),
     "net.yaml:7:14: layer 1.weights: expected 2 numbers in each row, one per input (the input "
     "has 2 values), found 4 (decimal commas? YAML reads 0,15 as two numbers, 0 and 15; write "
     "0.15, 0.2, 0.25, …)"),
    ("ragged-weights-from-one-row",
     edit(BASE, "[[0.15, 0.20], [0.25, 0.30]]", "[[0,15, 0,2], [0.25, 0.30]]"),
     "net.yaml:7:28: layer 1.weights[2]: ragged weights: expected 4 numbers in row 2 (as in "
     "row 1), found 2 (decimal commas in row 1? YAML reads 0,15 as two numbers, 0 and 15; "
     "write 0.15, 0.2)"),
    ("a-list-where-one-number-belongs",
     edit(BASE, "learning_rate: 0.5", "learning_rate: [0,5]"),
     "net.yaml:4:16: learning_rate: expected a number, found a list of 2 (a decimal comma? "
     "YAML reads 0,5 as two numbers, 0 and 5; write 0.5)"),
    ("a-shared-bias-written-in-brackets",
     edit(BASE, "    biases: 0.60\n", "    biases: [0,6]\n    shared_bias: true\n"),
     "net.yaml:11:13: layer 2.biases: with shared_bias: true the layer has one bias, expected "
     "one number, found a list of 2 (a decimal comma? YAML reads 0,6 as two numbers, 0 and 6; "
     "write 0.6)"),
    ("a-row-of-decimal-commas-without-spaces",      # 0,1 and 0,2; never also 1,0
     edit(BASE, "[[0.15, 0.20], [0.25, 0.30]]", "[[0,1,0,2], [0,3,0,4]]"),
     "net.yaml:7:14: layer 1.weights: expected 2 numbers in each row, one per input (the input "
     "has 2 values), found 4 (decimal commas? YAML reads 0,1 as two numbers, 0 and 1; write "
     "0.1, 0.2, 0.3, …)"),
    ("second-sample-input-of-four",
     edit(SAMPLES, "input: [0.10, 0.20]", "input: [0,1, 0,2]"),
     "net.yaml:4:12: sample 2.input: expected 2 inputs (as in sample 1), found 4 (decimal "
     "commas? YAML reads 0,1 as two numbers, 0 and 1; write 0.1, 0.2)"),
    ("first-sample-input-of-four",
     edit(SAMPLES, "input: [0.05, 0.10]", "input: [0,5, 0,1]"),
     "net.yaml:4:12: sample 2.input: expected 4 inputs (as in sample 1), found 2 (decimal "
     "commas in sample 1? YAML reads 0,5 as two numbers, 0 and 5; write 0.5, 0.1)"),
    ("in-braces-the-digits-become-a-key",
     edit(BASE, "  - activation: sigmoid\n    weights: [[0.40, 0.45], [0.50, 0.55]]\n"
                "    biases: 0.60\n",
          "  - {activation: sigmoid, weights: [[0.40, 0.45], [0.50, 0.55]], biases: 0,6}\n"),
     "net.yaml:9:76: layer 2.6: unknown key 6 (a decimal comma? in { } YAML reads 0,6 as 0 and "
     "a key 6; write 0.6); expected one of activation, biases, dropout, names, shared_bias, "
     "weights"),
    ("text-of-numbers-with-decimal-commas",
     edit(BASE, "biases: [0.35, 0.35]", "biases: 0,35, 0,35"),
     "net.yaml:8:13: layer 1.biases: expected a number, found the text '0,35, 0,35' (write "
     "decimal points, in a list: [0.35, 0.35])"),
    ("one-number-with-a-decimal-comma-is-text",
     edit(BASE, "learning_rate: 0.5", "learning_rate: -0,5"),
     "net.yaml:4:16: learning_rate: expected a number, found the text '-0,5' (write a decimal "
     "point: -0.5)"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in REFUSED],
                         ids=[case[0] for case in REFUSED])
def test_a_decimal_comma_that_cannot_fit_is_refused_with_the_hint(text, expected):
    assert refused(text) == f"Error: {expected}"


# --- network files: warned, and read as YAML reads them ---------------------------------

BIASES_WARNING = ("Warning: net.yaml:8:14: layer 1.biases: 0,5 is read as two numbers, 0 and 5 "
                  "(a comma with no space after it); write 0.5 if it is a decimal comma, or "
                  "0, 5 if it is two numbers")


def test_biases_that_fit_by_accident_are_warned_and_read_as_two_numbers():
    result = invoke("run", write_network(edit(BASE, "[0.35, 0.35]", "[0,5]")),
                    "--format", "json")
    assert result.stderr.splitlines()[0] == BIASES_WARNING
    assert result.stderr.count("Warning") == 1
    z = json.loads(result.stdout)["steps"][0]["samples"][0]["layers"][0]["z"]
    # read as biases 0 and 5: z1 = 0.15·0.05 + 0.2·0.1 + 0 = 0.0275,
    # z2 = 0.25·0.05 + 0.3·0.1 + 5 = 5.0425
    assert z == pytest.approx([0.0275, 5.0425], abs=1e-15)


def test_the_warning_comes_before_the_tables_and_the_run_goes_on():
    result = invoke("run", write_network(edit(BASE, "[0.35, 0.35]", "[0,5]")))
    assert result.stderr.splitlines()[0] == BIASES_WARNING
    assert "Iteration 1: forward pass" in result.stdout


def test_several_such_commas_are_one_line_naming_the_others():
    text = edit(edit(BASE, "[0.35, 0.35]", "[0,5]"), "input: [0.05, 0.10]", "input: [1,0]")
    result = invoke("run", write_network(text))
    assert result.stderr.splitlines()[0] == (
        "Warning: net.yaml:1:9: input: 1,0 is read as two numbers, 1 and 0 (a comma with no "
        "space after it); write 1.0 if it is a decimal comma, or 1, 0 if it is two numbers "
        "(and 1 more such comma, line 8)")


@pytest.mark.parametrize("command", [["show"], ["gradcheck"], ["check", "-"]])
def test_every_command_reading_the_file_warns(command):
    write_network(edit(BASE, "[0.35, 0.35]", "[0,5]"))
    args = ["check", "net.yaml", write_network("loss: 0.3\n", "a.yaml")] \
        if command[0] == "check" else [*command, "net.yaml"]
    result = run_cli(*args)
    assert result.exit_code in (0, 1), result.output
    assert result.stderr.splitlines()[0] == BIASES_WARNING


def test_the_python_api_gets_the_warning_as_data():
    net = load_network(write_network(edit(BASE, "[0.35, 0.35]", "[0,5]")))
    assert [f"Warning: {line}" for line in net.warnings] == [BIASES_WARNING]


@pytest.mark.parametrize("written", ["[0, 5]", "[0.5, 0.1]", "[0 , 5]", "[0.5,1]",
                                     "[0,\n            5]"])
def test_a_comma_that_is_no_decimal_comma_draws_no_warning(written):
    result = invoke("run", write_network(edit(BASE, "[0.35, 0.35]", written)))
    assert result.stderr == ""


@pytest.mark.parametrize("name", sorted(example_paths()))
def test_no_bundled_network_warns(name):
    assert load_network(example_paths()[name], name).warnings == []
    assert "Warning" not in run_cli("run", name).stderr


@pytest.mark.parametrize("name", sorted(answers_paths()))
def test_no_bundled_answers_file_warns(name):
    network = "mazur" if name == "seed001" else name
    result = run_cli("check", network, name)
    assert result.exit_code in (0, 1), result.output
    assert "Warning" not in result.stderr


# --- answers files --------------------------------------------------------------------

def check_line(answers: str) -> str:
    return one_error_line(run_cli("check", "mazur", write_network(answers, "a.yaml")))


ANSWERS_REFUSED = [
    ("a-vector-of-four-for-two-neurons", "z1: [0,3775, 0,3925]\n",
     "a.yaml:1:5: z1: expected a list of 2 numbers (layer 1's 2 neurons), found a list of 4 "
     "(decimal commas? YAML reads 0,3775 as two numbers, 0 and 3775; write 0.3775, 0.3925)"),
    ("one-number-as-text", "loss: 0,2984\n",
     "a.yaml:1:7: loss: expected a number, found the text '0,2984' (write a decimal point: "
     "0.2984)"),
    ("a-vector-as-text", "z1: 0,3775, 0,3925\n",
     "a.yaml:1:5: z1: expected a list of 2 numbers (layer 1's 2 neurons), found the text "
     "'0,3775, 0,3925' (write decimal points, in a list: [0.3775, 0.3925])"),
    ("leading-zero", "a2: [0,75, 0,077]\n",
     "a.yaml:1:12: a2: expected a decimal point, found a decimal comma in 0,077 (YAML reads it "
     "as two numbers, 0 and 077); write 0.077"),
    ("a-list-for-one-number", "loss: [0,3]\n",
     "a.yaml:1:7: loss: expected one number, found a list of 2 (a decimal comma? YAML reads "
     "0,3 as two numbers, 0 and 3; write 0.3)"),
    ("matrix-rows-of-four", "W1+: [[0,15, 0,2], [0,25, 0,3]]\n",
     "a.yaml:1:7: W1+[1]: expected a list of 2 numbers (row 1 of 2), found a list of 4 (decimal "
     "commas? YAML reads 0,15 as two numbers, 0 and 15; write 0.15, 0.2)"),
]


@pytest.mark.parametrize("answers, expected", [case[1:] for case in ANSWERS_REFUSED],
                         ids=[case[0] for case in ANSWERS_REFUSED])
def test_a_decimal_comma_in_an_answers_file_that_cannot_fit_is_refused(answers, expected):
    assert check_line(answers) == f"Error: {expected}"


def test_an_answer_that_fits_by_accident_is_warned_and_checked_as_read():
    result = run_cli("check", "mazur", write_network("z1: [0,3]\n", "a.yaml"), "--format", "json")
    assert result.exit_code == 1, result.output        # 0 and 3 are not Mazur's z1
    assert result.stderr.splitlines() == [
        "Warning: a.yaml:1:6: z1: 0,3 is read as two numbers, 0 and 3 (a comma with no space "
        "after it); write 0.3 if it is a decimal comma, or 0, 3 if it is two numbers"]
    given = [entry["given"] for entry in json.loads(result.stdout)["results"]]
    assert given == [0, 3]


def test_the_network_and_the_answers_file_each_warn():
    write_network(edit(BASE, "[0.35, 0.35]", "[0,5]"))
    result = run_cli("check", "net.yaml", write_network("z1: [0,3]\n", "a.yaml"))
    assert result.stderr.splitlines()[:2] == [
        BIASES_WARNING,
        "Warning: a.yaml:1:6: z1: 0,3 is read as two numbers, 0 and 3 (a comma with no space "
        "after it); write 0.3 if it is a decimal comma, or 0, 3 if it is two numbers"]


@pytest.mark.parametrize("written", ["[0.3775, 0.3925]", "[0, 5]"])
def test_answers_with_spaces_or_points_draw_no_warning(written):
    result = run_cli("check", "mazur", write_network(f"z1: {written}\n", "a.yaml"))
    assert result.exit_code in (0, 1), result.output
    assert result.stderr == ""


# --- where the commas are found ---------------------------------------------------------

@pytest.mark.parametrize("loader", sorted({yaml.SafeLoader, getattr(yaml, "CSafeLoader",
                                                                      yaml.SafeLoader)},
                                          key=lambda cls: cls.__name__))
def test_both_yaml_readers_find_the_same_commas(loader, monkeypatch):
    # Marks count characters with either reader: the ∂ and é before must not shift them.
    monkeypatch.setattr(backcalc.yamlsource, "_Loader", loader)
    doc = load_yaml("# ∂ é\na: [0,5, 1, -2,25]\nb: [0.5,1, 3 ,4, \"5\",6, 7,x]\n", "t.yaml")
    assert [(pair.written, pair.decimal, pair.mark) for pair in pairs(doc.value["a"])] == [
        ("0,5", "0.5", Mark(2, 5)), ("-2,25", "-2.25", Mark(2, 13))]
    assert pairs(doc.value["b"]) == []
