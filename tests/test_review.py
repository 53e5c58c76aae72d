"""Review of issue 2: regression tests, one per defect the review found (all fixed).

Expected values come from SPEC, the README or plain arithmetic, never from another
run of backcalc.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import invoke, net
from backcalc.numbers import format_number


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path




ONE_NEURON = """\
input: [1, 2]
target: 0.5
loss: half_sse
learning_rate: 0.1
layers:
  - activation: sigmoid
    weights: [0.1, 0.2]
    biases: 0
"""


def clean_refusal(result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- input that gives a traceback or a silent misreading -----------------------------

def test_integer_too_large_for_a_float_is_refused_in_one_line():
    # netfile.Node.number: math.isfinite(int) raises OverflowError -> traceback.
    huge = "1" + "0" * 400
    line = clean_refusal(invoke("run", net(ONE_NEURON.replace("[0.1, 0.2]", f"[{huge}, 0.2]"))))
    assert line.startswith("Error: net.yaml:7:")


@pytest.mark.parametrize("written", ["010", "1:30", "0x10"])
def test_yaml11_integer_forms_are_not_silently_reinterpreted(written):
    # YAML 1.1 reads 010 as 8, 1:30 as 90 and 0x10 as 16; a student meant 10, 1.30 or a typo.
    result = invoke("run", net(ONE_NEURON.replace("[0.1, 0.2]", f"[{written}, 0.2]")))
    assert result.exit_code == 2, result.output


def test_deeply_nested_yaml_is_refused_not_a_segfault(tmp_path):
    # libyaml's composer overflows the C stack: the process dies with SIGSEGV.
    depth = 100_000
    Path("deep.yaml").write_text("a: " + "[" * depth + "]" * depth + "\n")
    done = subprocess.run([sys.executable, "-m", "backcalc", "run", "deep.yaml"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])


def test_round_intermediates_with_large_values_does_not_crash():
    # engine.make_rounder: Decimal.quantize raises InvalidOperation above 10**(28 - N).
    text = ONE_NEURON.replace("[0.1, 0.2]", "[1e30, 0.2]").replace(
        "activation: sigmoid", "activation: linear") + "round_intermediates: 4\n"
    result = invoke("run", net(text), "--format", "json")
    assert result.exit_code == 0, repr(result.exception)
    z = json.loads(result.stdout)["steps"][0]["samples"][0]["layers"][0]["z"][0]
    assert z == 1e30 + 0.4


def test_parameter_names_are_not_read_as_rich_markup():
    text = ONE_NEURON + '    names: {weights: ["w[a]", "w[b]"], biases: "b[/o]"}\n'
    result = invoke("run", net(text))
    assert result.exit_code == 0, repr(result.exception)     # '[/o]' -> MarkupError today
    assert "w[a]" in result.stdout and "w[b]" in result.stdout


# --- files ------------------------------------------------------------------------------

def test_state_path_that_is_a_folder_is_one_line_not_a_traceback():
    Path(".backcalc/state.yaml").mkdir(parents=True)
    clean_refusal(invoke("run", "mazur"))     # os.replace -> IsADirectoryError today


def test_failed_save_does_not_advance_the_state():
    # The state is written before --save; when --save fails the user sees no tables,
    # yet `backcalc step` would continue from an iteration they never saw.
    Path("afile").write_text("not a folder")
    result = invoke("run", "mazur", "--save", "afile/copy.yaml")
    assert result.exit_code == 2
    assert not Path(".backcalc/state.yaml").exists()


def test_state_written_after_a_successful_run_can_be_continued():
    # A diverging run saves .nan weights, then `step` calls backcalc's own file "damaged".
    text = ("input: 1\ntarget: 0.5\nloss: half_sse\nlearning_rate: 3\nlayers:\n"
            "  - activation: linear\n    weights: 1\n    biases: 0\n")
    first = invoke("step", net(text), "-n", "700", "-q")
    if first.exit_code == 0:
        assert invoke("step", "-q").exit_code == 0
    else:                                  # or refuse the divergence itself, in one line
        assert "iteration" in clean_refusal(first)


# --- what the tables print ---------------------------------------------------------------

def test_compact_step_rows_show_whole_numbers_at_80_columns():
    result = invoke("step", net(ONE_NEURON), "-n", "3", columns=80)
    assert result.exit_code == 0
    doc = json.loads(invoke("step", "net.yaml", "-n", "3", "--format", "json").stdout)
    for step in doc["steps"]:
        assert format_number(step["loss"]) in result.stdout           # '0.0074981…' today
        assert format_number(step["parameters"][0]["biases"][0]) in result.stdout


def test_gradient_matrix_shows_whole_numbers_at_80_columns():
    text = ("input: [0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18]\ntarget: 0.3\n"
            "loss: half_sse\nlearning_rate: 0.1\nlayers:\n  - activation: sigmoid\n"
            "    weights: [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],"
            " [0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.7, -0.8]]\n    biases: 0\n"
            "  - activation: sigmoid\n    weights: [0.3, 0.4]\n    biases: 0\n")
    out = invoke("run", net(text), columns=80).stdout
    section = out[out.index("Iteration 1: gradients"):out.index("Iteration 1: update")]
    doc = json.loads(invoke("run", "net.yaml", "--format", "json").stdout)
    for row in doc["steps"][0]["gradients"][0]["weights"]:
        for value in row:                                              # '5.418…' for 5.418e-04
            assert format_number(value) in section


def test_exact_ties_are_shown_rounded_half_up_like_a_calculator():
    # z = 0.5 * 0.25 = 0.125 exactly; a student (and make_rounder) writes 0.13, not 0.12.
    text = ("input: 0.5\ntarget: 0\nloss: half_sse\nlearning_rate: 0.1\nlayers:\n"
            "  - activation: linear\n    weights: 0.25\n    biases: 0\n")
    result = invoke("run", net(text), "--precision", "2")
    z_row = next(line for line in result.stdout.splitlines() if line.strip().startswith("1 "))
    assert z_row.split()[1] == "0.13", z_row


def test_hyperparameters_are_shown_exactly():
    text = (ONE_NEURON.replace("learning_rate: 0.1", "learning_rate: 0.1234567")
            + "momentum: 0.9876543\n")
    out = invoke("run", net(text)).stdout
    assert "η = 0.1234567" in out                                      # 'η = 0.123457' today
    assert "μ = 0.9876543" in out


def test_undefined_loss_names_the_iteration_as_the_readme_says():
    # README: "refused with one line naming the iteration, sample and neuron".
    text = ("input: [1, 2]\ntarget: 1\nloss: bce\nlearning_rate: 0.5\nlayers:\n"
            "  - activation: linear\n    weights: [0.2, 0.1]\n    biases: 0\n")
    line = clean_refusal(invoke("step", net(text), "-n", "5"))
    assert "iteration" in line, line
