"""The ``backcalc`` command as a user meets it: help, output, JSON, state, exit codes.

Numbers are checked against Matt Mazur's published worked example ("A Step by
Step Backpropagation Example", 2015) and SPEC's JSON example, never against
another run of the program — except where SPEC demands that two ways of
running give the same result (``run`` + ``step 3`` == ``step 4``).
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from backcalc.cli import cli

from helpers import (
    NETWORKS,
    copy_bundled,
    error_line,
    invoke,
    one_error_line,
    run_cli,
    run_json,
    write_network,
)

pytestmark = pytest.mark.usefixtures("in_tmp")

STATE_LINE = ("State after iteration {n} saved to .backcalc/state.yaml; "
              "continue with `backcalc step --iterations N`.")

# Mazur's published values (9-10 significant decimals as he prints them).
MAZUR_LOSS = 0.298371109
MAZUR_DW5 = 0.082167041
MAZUR_DELTA_O = (0.138498562, -0.0380982366)      # δ of the two output neurons
MAZUR_UPDATED = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
                 "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}
# SPEC's JSON example: the network after the first update.
FINAL_LOSS = 0.291027774
FINAL_A = (0.7420881112, 0.7752849683)


# --- help ----------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name):
    result = invoke(name, "--help")
    assert result.stdout.startswith(f"Usage: cli {name} ") or result.stdout.startswith(
        f"Usage: backcalc {name} ")
    assert re.search(rf"Example: .*backcalc {name}\b", result.stdout)


def test_group_help_names_the_commands():
    result = invoke("--help")
    for name in cli.commands:
        assert re.search(rf"^  {name}\b", result.stdout, re.M), name
    assert "backcalc run net.yaml" in result.stdout


def test_python_dash_m_backcalc_help():
    done = subprocess.run([sys.executable, "-m", "backcalc", "--help"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: backcalc [OPTIONS] COMMAND [ARGS]...")
    assert "run" in done.stdout and "step" in done.stdout


# --- run mazur: the tables -----------------------------------------------------

def test_run_mazur_tables():
    result = invoke("run", "mazur")
    out = result.stdout
    assert "0.298371109" in out                          # E_total
    assert "∂L/∂w5 = 0.082167041" in out
    for i in range(1, 9):
        assert re.search(rf"\bw{i}\b", out), f"w{i}"
    assert re.search(r"^\s*w5\s+0\.4\s+0\.082167041\s+0\.35891648\s*$", out, re.M)
    assert re.search(r"^\s*w1\s+0\.15\s+4\.38567734e-04\s+0\.149780716\s*$", out, re.M)
    assert "loss after iteration 1 = 0.291027774" in out
    assert result.stdout.rstrip().endswith(STATE_LINE.format(n=1))
    assert result.stderr == ""
    assert Path(".backcalc/state.yaml").is_file()


def test_precision_changes_the_decimals_shown():
    out = invoke("run", "mazur", "--precision", "4").stdout
    assert "0.2984" in out and "0.298371109" not in out


# --- run mazur: JSON -------------------------------------------------------------

def test_run_mazur_json_structure_and_values():
    result = invoke("run", "mazur", "--format", "json")
    assert "State after" not in result.stdout
    assert result.stderr.strip() == STATE_LINE.format(n=1)
    doc = json.loads(result.stdout)

    assert set(doc) == {"network", "steps", "final"}
    assert doc["network"] == "Mazur's 2-2-2 sigmoid example"
    assert len(doc["steps"]) == 1
    step = doc["steps"][0]
    # SPEC: every step has "penalty" beside "loss" (the L2 penalty; 0 without l2).
    assert set(step) == {"iteration", "samples", "loss", "penalty", "gradients", "parameters"}
    assert step["penalty"] == 0.0 and doc["final"]["penalty"] == 0.0
    assert step["iteration"] == 1
    assert len(step["samples"]) == 1
    sample = step["samples"][0]
    assert set(sample) == {"input", "target", "loss", "layers"}
    assert sample["input"] == [0.05, 0.1] and sample["target"] == [0.01, 0.99]
    assert len(sample["layers"]) == 2
    for layer in sample["layers"]:
        assert set(layer) == {"z", "a", "dL_da", "delta"}
        assert all(len(values) == 2 for values in layer.values())

    assert sample["loss"] == pytest.approx(MAZUR_LOSS, abs=5e-10)
    assert step["loss"] == pytest.approx(MAZUR_LOSS, abs=5e-10)
    hidden, output = sample["layers"]
    assert hidden["z"] == pytest.approx([0.3775, 0.3925], abs=1e-12)
    assert hidden["a"] == pytest.approx([0.593269992, 0.596884378], abs=5e-10)
    assert output["a"] == pytest.approx([0.75136507, 0.772928465], abs=5e-9)
    assert output["dL_da"] == pytest.approx([0.74136507, -0.217071535], abs=5e-9)
    assert output["delta"] == pytest.approx(MAZUR_DELTA_O, abs=5e-10)

    grads, params = step["gradients"], step["parameters"]
    assert [set(g) for g in grads] == [{"weights", "biases"}] * 2
    assert grads[1]["weights"][0][0] == pytest.approx(MAZUR_DW5, abs=5e-10)
    names = [["w1", "w2"], ["w3", "w4"]], [["w5", "w6"], ["w7", "w8"]]
    for layer, grid in enumerate(names):
        for r, row in enumerate(grid):
            for c, name in enumerate(row):
                assert params[layer]["weights"][r][c] == pytest.approx(
                    MAZUR_UPDATED[name], abs=5e-9), name
    # Biases are fixed in this example; b3 is shared: listed once per neuron,
    # each entry the one parameter's value and its whole gradient Σδ.
    assert params[0]["biases"] == [0.35, 0.35]
    assert params[1]["biases"] == [0.6, 0.6]
    b3_gradient = grads[1]["biases"]
    assert len(b3_gradient) == 2 and b3_gradient[0] == b3_gradient[1]
    assert b3_gradient[0] == pytest.approx(sum(MAZUR_DELTA_O), abs=1e-9)

    assert set(doc["final"]) == {"loss", "penalty", "samples"}
    assert doc["final"]["loss"] == pytest.approx(FINAL_LOSS, abs=5e-10)
    assert len(doc["final"]["samples"]) == 1
    assert doc["final"]["samples"][0]["a"] == pytest.approx(FINAL_A, abs=5e-11)


def test_json_is_full_precision():
    doc = run_json("run", "mazur")
    # 0.2983711087600027 is the float64 value; 9 decimals would be 0.298371109.
    assert abs(doc["steps"][0]["loss"] - 0.2983711087600027) < 1e-15


# --- state: run, then step -------------------------------------------------------

def test_run_then_step_3_equals_step_4():
    first = run_json("run", "mazur")
    rest = run_json("step", "--iterations", "3")
    Path(".backcalc").rename("run-state")
    whole = run_json("step", "mazur", "--iterations", "4")
    assert [s["iteration"] for s in rest["steps"]] == [2, 3, 4]
    assert [s["iteration"] for s in whole["steps"]] == [1, 2, 3, 4]
    assert rest["final"] == whole["final"]                      # exact floats
    assert first["steps"] + rest["steps"] == whole["steps"]
    assert whole["steps"][1]["loss"] == pytest.approx(FINAL_LOSS, abs=5e-10)
    # and both leave the same state behind (comments aside)
    assert yaml.safe_load(Path("run-state/state.yaml").read_text()) == yaml.safe_load(
        Path(".backcalc/state.yaml").read_text())


def test_step_table_continues_numbering():
    invoke("run", "mazur")
    result = invoke("step", "--iterations", "2")
    assert iteration_rows(result.stdout) == [2, 3]
    assert result.stdout.rstrip().endswith(STATE_LINE.format(n=3))


def test_step_without_network_and_without_state():
    result = invoke("step", "--iterations", "3", code=2)
    assert one_error_line(result) == (
        "Error: no saved state in .backcalc/state.yaml: start with `backcalc run NETWORK` "
        "or `backcalc step NETWORK --iterations N`")


def test_damaged_state_file():
    Path(".backcalc").mkdir()
    Path(".backcalc/state.yaml").write_text("# Saved by backcalc after iteration 1.\n"
                                            "input: [0.05\n")
    result = invoke("step", code=2)
    assert one_error_line(result) == (
        "Error: the saved state is damaged (.backcalc/state.yaml:3:1: invalid YAML: did not "
        "find expected ',' or ']' (in the [ ] list that starts at line 2, column 8)); "
        "delete .backcalc/ and start again with `backcalc run NETWORK`")


def test_state_that_is_not_a_network():
    Path(".backcalc").mkdir()
    Path(".backcalc/state.yaml").write_text("hello\n")
    result = invoke("step", code=2)
    assert one_error_line(result).startswith(
        "Error: the saved state is not a state backcalc wrote (.backcalc/state.yaml:1:1: "
        "expected a mapping")


def test_state_is_a_valid_network_file():
    invoke("run", "mazur")
    state = yaml.safe_load(Path(".backcalc/state.yaml").read_text())
    assert state["state"]["iteration"] == 1
    assert state["layers"][1]["weights"][0][0] == pytest.approx(0.35891648, abs=5e-9)
    assert state["layers"][1]["biases"] == 0.6
    assert state["layers"][1]["names"]["biases"] == "b3"
    doc = run_json("run", ".backcalc/state.yaml")
    assert doc["steps"][0]["iteration"] == 2
    assert doc["steps"][0]["loss"] == pytest.approx(FINAL_LOSS, abs=5e-10)


def test_state_path_that_is_a_folder_is_one_line_not_a_traceback():
    Path(".backcalc/state.yaml").mkdir(parents=True)
    error_line(run_cli("run", "mazur"))     # os.replace -> IsADirectoryError before the fix


def test_failed_save_does_not_advance_the_state():
    # Before the fix the state was written before --save; when --save failed the user saw
    # no tables, yet `backcalc step` would continue from an iteration they never saw.
    Path("afile").write_text("not a folder")
    result = run_cli("run", "mazur", "--save", "afile/copy.yaml")
    assert result.exit_code == 2
    assert not Path(".backcalc/state.yaml").exists()


def test_state_written_after_a_successful_run_can_be_continued():
    # Before the fix a diverging run saved .nan weights, then `step` called backcalc's own
    # file "damaged".
    text = ("input: 1\ntarget: 0.5\nloss: half_sse\nlearning_rate: 3\nlayers:\n"
            "  - activation: linear\n    weights: 1\n    biases: 0\n")
    first = run_cli("step", write_network(text), "-n", "700", "-q")
    if first.exit_code == 0:
        assert run_cli("step", "-q").exit_code == 0
    else:                                  # or refuse the divergence itself, in one line
        assert "iteration" in error_line(first)


def test_continued_unnamed_network_keeps_its_title():
    # `run net.yaml; step` must give what `step net.yaml -n 2` gives (SPEC); for a network
    # without a name the title is its file, and a continued run names ".backcalc/state.yaml".
    text = ("input: 1\ntarget: 0.5\nloss: half_sse\nlearning_rate: 0.1\nlayers:\n"
            "  - activation: linear\n    weights: 0.3\n    biases: 0\n")
    write_network(text)
    assert run_cli("run", "net.yaml").exit_code == 0
    continued = run_json("step")
    assert continued["network"] == "net.yaml"


# --- --save and the user's file ------------------------------------------------

def test_save_writes_a_network_that_continues_exactly():
    invoke("run", "mazur", "--save", "after1.yaml")
    assert Path("after1.yaml").is_file()
    saved = yaml.safe_load(Path("after1.yaml").read_text())
    for key in ("input", "target", "loss", "learning_rate", "layers"):
        assert key in saved
    assert saved["layers"][0]["weights"][0][0] == pytest.approx(0.149780716, abs=5e-9)
    Path(".backcalc").rename("old-state")
    continued = run_json("step", "after1.yaml", "--iterations", "3")
    Path(".backcalc").rename("continued-state")
    whole = run_json("step", "mazur", "--iterations", "4")
    assert [s["iteration"] for s in continued["steps"]] == [2, 3, 4]
    assert continued["final"] == whole["final"]
    assert continued["steps"] == whole["steps"][1:]


def test_save_message_names_the_file():
    result = invoke("run", "mazur", "--save", "copy.yaml")
    assert result.stdout.rstrip().endswith(STATE_LINE.format(n=1) + " Network saved to copy.yaml.")


def test_users_file_is_never_modified():
    path = copy_bundled("mazur")
    original = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    invoke("run", "net.yaml")
    invoke("step", "--iterations", "2")
    invoke("step", "net.yaml", "--iterations", "2", "--format", "json")
    invoke("run", "net.yaml", "--save", "other.yaml", "--learning-rate", "2")
    assert path.read_bytes() == original
    assert path.stat().st_mtime_ns == stamp
    assert Path("other.yaml").read_bytes() != original


# --- options -------------------------------------------------------------------

def test_learning_rate_zero_leaves_parameters_unchanged():
    doc = run_json("run", "mazur", "--learning-rate", "0")
    params = doc["steps"][0]["parameters"]
    assert params[0]["weights"] == [[0.15, 0.2], [0.25, 0.3]]
    assert params[1]["weights"] == [[0.4, 0.45], [0.5, 0.55]]
    assert doc["final"]["loss"] == pytest.approx(MAZUR_LOSS, abs=5e-10)
    # the gradients are still computed
    assert doc["steps"][0]["gradients"][1]["weights"][0][0] == pytest.approx(MAZUR_DW5, abs=5e-10)


def test_learning_rate_option_overrides_the_file():
    doc = run_json("run", "mazur", "--learning-rate", "1")
    w5 = doc["steps"][0]["parameters"][1]["weights"][0][0]
    assert w5 == pytest.approx(0.4 - 1 * MAZUR_DW5, abs=5e-9)


@pytest.mark.parametrize("value", ["-0.1", "nan", "inf"])
def test_bad_learning_rate_option_is_a_usage_error(value):
    result = invoke("run", "mazur", "--learning-rate", value, code=2)
    assert "--learning-rate" in result.stderr
    assert not Path(".backcalc").exists()


@pytest.mark.parametrize("value", ["1_0", "0x10", "08", "0o17", "1:30", "1e309", "0.5.", ""])
def test_the_learning_rate_option_takes_only_what_a_file_takes(value):
    # float() read 1_0 as 10; a network file refuses it (and the rest: YAML reads them as
    # other numbers, or they are no number at all)
    for command in (["run", "mazur"], ["check", "mazur", "seed001"]):
        result = invoke(*command, "--learning-rate", value, code=2)
        assert one_error_line(result).startswith("Error: Invalid value for '--learning-rate': "
                                                 "expected a")
    written = value or "''"
    Path("net.yaml").write_text(f"input: 1\ntarget: 0.5\nloss: half_sse\nlearning_rate: "
                                f"{written}\nlayers:\n  - {{activation: sigmoid, "
                                "weights: 0.5, biases: 0}\n")
    invoke("run", "net.yaml", code=2)                      # as the file refuses it


@pytest.mark.parametrize("value, rate", [("0.25", 0.25), (".5", 0.5), ("5e-1", 0.5),
                                         ("+1", 1.0), ("1E0", 1.0), (" 2 ", 2.0)])
def test_the_learning_rate_option_takes_every_decimal(value, rate):
    doc = run_json("run", "mazur", "--learning-rate", value)
    w5 = doc["steps"][0]["parameters"][1]["weights"][0][0]
    assert w5 == pytest.approx(0.4 - rate * MAZUR_DW5, abs=5e-9)


@pytest.mark.parametrize("args", [["step", "mazur", "--iterations", "0"],
                                  ["run", "mazur", "--format", "xml"],
                                  ["run"],
                                  ["frobnicate"]])
def test_usage_errors_exit_2(args):
    result = invoke(*args, code=2)
    assert "Error" in result.stderr


def iteration_rows(out: str) -> list[int]:
    """The iteration numbers in step's Iterations table (rows: number, loss, (outputs))."""
    return [int(m.group(1)) for m in re.finditer(r"^\s*(\d+)\s+\d\.\d+\s+\(", out, re.M)]


def test_step_shows_every_iteration_by_default():
    out = invoke("step", "mazur", "--iterations", "5").stdout
    assert iteration_rows(out) == [1, 2, 3, 4, 5]
    assert re.search(r"^\s*2\s+0\.291027774\s+\(0\.742088111, 0\.775284968\)", out, re.M)
    assert "forward pass" not in out


def test_step_every_2_shows_every_second_iteration_and_the_last():
    out = invoke("step", "mazur", "--iterations", "6", "--every", "2").stdout
    assert iteration_rows(out) == [1, 3, 5, 6]
    assert re.search(r"after 1\s+after 3\s+after 5\s+after 6\s*$", out, re.M)


def test_step_quiet_shows_only_the_summary():
    out = invoke("step", "mazur", "--iterations", "5", "--quiet").stdout
    assert iteration_rows(out) == []
    assert "Iterations" not in out and "Parameters" not in out and "Conventions" not in out
    assert "After 5 iterations" in out
    assert re.search(r"loss after iteration 5 = 0\.\d{9}", out)
    assert out.rstrip().endswith(STATE_LINE.format(n=5))


def test_step_full_shows_every_table_of_every_iteration():
    out = invoke("step", "mazur", "--iterations", "2", "--full").stdout
    for n in (1, 2):
        for part in ("forward pass", "backward pass", "gradients", "update"):
            assert f"Iteration {n}: {part}" in out
    assert "Iteration 3:" not in out
    assert "∂L/∂w5 = 0.082167041" in out


def test_step_json_ignores_display_options():
    quiet = run_json("step", "mazur", "--iterations", "3", "--quiet")
    assert [s["iteration"] for s in quiet["steps"]] == [1, 2, 3]


# --- examples ------------------------------------------------------------------

def test_examples_lists_every_bundled_network_with_its_description():
    result = run_cli("examples", columns=250)
    assert result.exit_code == 0, result.stderr
    flat = " ".join(result.stdout.split())
    files = sorted(NETWORKS.glob("*.yaml"))
    assert files
    for path in files:
        description = yaml.safe_load(path.read_text(encoding="utf-8")).get("description", "")
        assert description, f"{path.name} has no description"
        assert f"{path.stem} {' '.join(description.split())}" in flat, path.stem


def test_every_example_runs():
    for path in sorted(NETWORKS.glob("*.yaml")):
        invoke("run", path.stem)


# --- numerics at the edge ------------------------------------------------------

def test_json_writes_infinity_for_an_infinite_loss():
    # (y − a)² with a = 1e200 overflows: the loss is inf, the gradient 2e200 is finite.
    Path("huge.yaml").write_text(
        "input: 1\ntarget: 0\nloss: squared_error\nlearning_rate: 0.1\n"
        "layers:\n  - activation: linear\n    weights: 1.0e200\n    biases: 0\n")
    result = invoke("run", "huge.yaml", "--format", "json")
    assert re.search(r'"loss": Infinity', result.stdout)
    assert "NaN" not in result.stdout
    doc = json.loads(result.stdout)
    assert doc["steps"][0]["loss"] == math.inf
    assert doc["final"]["loss"] == math.inf
    assert doc["steps"][0]["gradients"][0]["weights"] == [[2e200]]


def test_table_shows_inf_for_an_infinite_loss():
    Path("huge.yaml").write_text(
        "input: 1\ntarget: 0\nloss: squared_error\nlearning_rate: 0.1\n"
        "layers:\n  - activation: linear\n    weights: 1.0e200\n    biases: 0\n")
    out = invoke("run", "huge.yaml").stdout
    assert "loss after iteration 1 = inf" in out
    assert "nan" not in out.lower().replace("finite", "")


def test_undefined_loss_names_the_iteration_as_the_readme_says():
    # README: "refused with one line naming the iteration, sample and neuron".
    text = ("input: [1, 2]\ntarget: 1\nloss: bce\nlearning_rate: 0.5\nlayers:\n"
            "  - activation: linear\n    weights: [0.2, 0.1]\n    biases: 0\n")
    line = error_line(run_cli("step", write_network(text), "-n", "5"))
    assert "iteration" in line, line


def test_run_whose_update_leaves_the_bce_domain_still_shows_and_saves_iteration_1():
    # bce, linear output, y = 1: a = 0.5, L = −ln 0.5; ∂L/∂a = −1/a = −2 = δ; w ← 0.5 + 0.2·2 = 0.9,
    # b ← 0 + 0.2·2 = 0.4, so after the update a = 1.3, where bce is undefined.  Iteration 1
    # itself is fine.  Before the fix engine.train called engine.final() unguarded when the
    # run did not stop, so the error escaped: no tables, no JSON, no state, no file name in
    # the error line.
    # README: `final` is "null if its loss is undefined there".
    text = ("input: 1\ntarget: 1\nloss: bce\nlearning_rate: 0.2\nlayers:\n"
            "  - activation: linear\n    weights: 0.5\n    biases: 0\n")
    result = run_cli("run", write_network(text), "--format", "json")
    doc = json.loads(result.stdout)
    assert len(doc["steps"]) == 1
    assert doc["steps"][0]["loss"] == pytest.approx(math.log(2), rel=1e-15)
    assert doc["steps"][0]["parameters"][0] == {"weights": [[0.9]], "biases": [0.4]}
    assert doc["final"] is None
    assert Path(".backcalc/state.yaml").exists()


# --- later behaviour: bare command, long runs, --save policy, optimizer tables ----------

def test_bare_backcalc_prints_its_help():
    result = invoke()
    assert result.stdout.startswith("Usage: ")   # CliRunner names the program "cli"
    assert "run" in result.stdout and "step" in result.stdout


def test_long_compact_run_shows_first_and_last_rows_and_marks_the_gap():
    out = invoke("step", "mazur", "-n", "200").stdout.split("Loss over the iterations")[0]
    rows = [line.split()[0] for line in out.splitlines() if re.match(r"\s+(\d+|…)\s", line)]
    # 40 first rows, one marker for the 150 rows between, then the last 10.
    assert rows == [str(i) for i in range(1, 41)] + ["…"] + [str(i) for i in range(191, 201)]
    assert "(150 rows not shown; --every K thins the rows)" in out


def test_every_with_a_long_run_keeps_the_last_iteration():
    out = invoke("step", "mazur", "-n", "1000", "--every", "100").stdout
    out = out.split("Loss over the iterations")[0]
    rows = [line.split()[0] for line in out.splitlines() if re.match(r"\s+\d+\s", line)]
    assert rows == ["1", "101", "201", "301", "401", "501", "601", "701", "801", "901", "1000"]


def test_save_refuses_to_overwrite_the_network_being_run():
    path = copy_bundled("mazur")
    before = path.read_bytes()
    result = invoke("run", "net.yaml", "--save", "net.yaml", code=2)
    assert one_error_line(result) == ("Error: net.yaml: --save would overwrite the network "
                                      "file being run; save to a new name")
    assert path.read_bytes() == before
    assert not Path(".backcalc").exists()


def test_save_refuses_a_file_backcalc_did_not_write_but_replaces_its_own():
    Path("notes.yaml").write_text("my notes\n")
    result = invoke("run", "mazur", "--save", "notes.yaml", code=2)
    assert one_error_line(result) == ("Error: notes.yaml: --save would overwrite a file "
                                      "backcalc did not write; choose a new name, or delete "
                                      "the file first")
    assert Path("notes.yaml").read_text() == "my notes\n"
    invoke("run", "mazur", "--save", "copy.yaml")
    invoke("step", "copy.yaml", "--save", "copy.yaml", code=2)     # the file being run
    invoke("step", "--save", "copy.yaml")                          # from the state: allowed
    assert yaml.safe_load(Path("copy.yaml").read_text())["state"]["iteration"] == 2


def test_saved_file_keeps_ordinary_permissions():
    invoke("run", "mazur", "--save", "copy.yaml")
    assert Path("copy.yaml").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os
    mask = os.umask(0)
    os.umask(mask)
    return mask


ADAM = """\
input: [1, 2]
target: 0.5
loss: half_sse
learning_rate: 0.1
weight_rows: inputs
optimizer: {name: adam}
layers:
  - activation: linear
    weights: [[0.1, 0.2], [0.3, 0.4]]
    biases: 0
  - activation: linear
    weights: [1, 1]
    biases: 0
"""


def test_update_table_lists_adam_moments_in_file_order():
    Path("adam.yaml").write_text(ADAM)
    out = invoke("run", "adam.yaml").stdout
    table = out[out.index("Update (η = 0.1)"):]
    assert "m (1st moment)" in table and "v (2nd moment)" in table
    labels = re.findall(r"^\s+(W\d\[\d,\d\]|b\d\[\d\])\s", table, re.M)
    # weight_rows: inputs: row = input, column = neuron, in the order the file writes them.
    assert labels[:6] == ["W1[1,1]", "W1[1,2]", "W1[2,1]", "W1[2,2]", "b1[1]", "b1[2]"]
    # z1 = (0.1·1 + 0.3·2, 0.2·1 + 0.4·2) = (0.7, 1.0); ŷ = 1.7; δ2 = 1.2;
    # ∂L/∂W1[1,1] (input 1 → neuron 1) = δ2·w·x1 = 1.2·1·1 = 1.2; Adam's first m = 0.1·1.2.
    row = next(line for line in table.splitlines() if line.strip().startswith("W1[1,1]"))
    assert row.split()[1:4] == ["0.1", "1.2", "0.12"]
