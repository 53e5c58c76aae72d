"""`backcalc new ARCH`: a network file ready to edit.

Each scaffold must load, run, and validate against the schema; its numbers land
where the file order says (checked against Mazur's published loss); bad options
are one exact line and exit 2; -o never overwrites a file.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import jsonschema
import numpy as np
import pytest

from backcalc.activations import ACTIVATIONS
from backcalc.losses import LOSSES
from backcalc.netfile import parse_network_text
from backcalc.schema import SCHEMA_PATH, network_schema
from backcalc.yamlsource import load_yaml

from helpers import invoke, one_error_line, run_json, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")

VALIDATOR = jsonschema.Draft202012Validator(network_schema())
MAZUR_LOSS = 0.298371109          # Mazur's published error before the first update
MAZUR = ["2-2-2", "--weights", "0.15,0.2,0.25,0.3,0.4,0.45,0.5,0.55",
         "--biases", "0.35,0.35,0.6,0.6", "--input", "0.05,0.1", "--target", "0.01,0.99"]
HIDDEN = sorted(name for name, cls in ACTIVATIONS.items() if not cls.output_only)
OUTPUTS = sorted(ACTIVATIONS)
COMPATIBLE = {   # output activations that give every loss a finite value for every z
    "half_squared_error": set(OUTPUTS), "squared_error": set(OUTPUTS),
    "mean_squared_error": set(OUTPUTS),
    "binary_cross_entropy": {"sigmoid", "softmax"},
    "cross_entropy": {"sigmoid", "softmax", "softplus"},
}


# Run as `backcalc`, the name a usage error quotes (`see backcalc new --help`).
def new(*args: str) -> str:
    return invoke("new", *args, prog_name="backcalc").stdout


def refused(*args: str) -> str:
    return one_error_line(invoke("new", *args, code=2, prog_name="backcalc"))


def run_loss(text: str) -> float:
    return run_json("run", write_network(text))["steps"][0]["loss"]


def assert_usable(text: str):
    """Loads, validates against the schema, and `backcalc run` exits 0 on it."""
    network = parse_network_text(text)
    errors = [e.message for e in VALIDATOR.iter_errors(load_yaml(text, "<new>").value)]
    assert errors == []
    assert np.isfinite(run_loss(text))
    return network


# --- every shape, activation and loss ----------------------------------------------

@pytest.mark.parametrize("arch", ["1-1", "1-4", "3-2-2", "1-2-2-1", "4-3-2-3"])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_every_hidden_activation_on_many_shapes(arch, hidden):
    sizes = [int(n) for n in arch.split("-")]
    text = new(arch, "--activation", hidden)
    network = assert_usable(text)
    assert [layer.size for layer in network.layers] == sizes[1:]
    assert [layer.inputs for layer in network.layers] == sizes[:-1]
    assert len(network.samples) == 1 and len(network.samples[0].input) == sizes[0]
    assert {layer.activation.name for layer in network.layers} == {ACTIVATIONS[hidden].name}
    assert network.loss.name == "half_squared_error" and network.learning_rate == 0.5


@pytest.mark.parametrize("arch", ["2-1", "2-3-3"])
@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("output", OUTPUTS)
def test_every_output_activation_with_every_loss(arch, loss, output):
    args = [arch, "--activation", f"tanh,{output}" if arch.count("-") == 2 else output,
            "--loss", loss]
    name = LOSSES[loss].name
    size = int(arch.split("-")[-1])
    usable = ACTIVATIONS[output].name in COMPATIBLE[name] and not (
        output == "softmax" and size == 1 and name == "binary_cross_entropy")
    if not usable:
        assert refused(*args).startswith(f"Error: --loss: {name} is ")
        return
    network = assert_usable(new(*args))
    assert network.loss.name == name
    assert network.layers[-1].activation.name == ACTIVATIONS[output].name
    target = network.samples[0].target
    if name == "cross_entropy":
        assert sorted(target) == [0.0] * (size - 1) + [1.0]          # one-hot
    elif name == "binary_cross_entropy":
        assert set(target) <= {0.0, 1.0}
    else:
        assert ((0 <= target) & (target <= 1)).all()


def test_a_loss_is_refused_with_the_output_activations_that_work():
    assert refused("2-1", "--activation", "linear", "--loss", "bce") == (
        "Error: --loss: binary_cross_entropy is undefined for some outputs of a linear output "
        "layer (a = -5); give the output layer sigmoid")
    assert refused("2-2", "--activation", "relu", "--loss", "ce") == (
        "Error: --loss: cross_entropy is infinite for some outputs of a relu output layer "
        "(a = 0); give the output layer sigmoid, softplus or softmax")


# --- the numbers: reproducible, in [-1, 1] / [0, 1], in file order -------------------

def test_a_seed_gives_the_same_file_and_other_seeds_other_numbers():
    first = new("2-3-1")
    assert new("2-3-1") == first == new("2-3-1", "--seed", "0").replace(" --seed 0", "")
    others = {new("2-3-1", "--seed", str(seed)).split("\n", 3)[3] for seed in range(1, 6)}
    assert len(others) == 5 and first.split("\n", 3)[3] not in others


def test_drawn_numbers_have_two_decimals_and_their_ranges():
    for seed in range(5):
        network = parse_network_text(new("3-4-2", "--seed", str(seed)))
        values = {"weights": np.concatenate([layer.weights.ravel() for layer in network.layers]),
                  "biases": np.concatenate([layer.biases for layer in network.layers]),
                  "input": network.samples[0].input, "target": network.samples[0].target}
        for key, array in values.items():
            low = -1 if key in ("weights", "biases") else 0
            assert ((low <= array) & (array <= 1)).all(), key
            assert np.allclose(array * 100, np.round(array * 100)), key


def test_giving_one_kind_of_number_leaves_the_drawn_others_alone():
    drawn = parse_network_text(new("2-2-1"))
    given = parse_network_text(new("2-2-1", "--weights", "0.5"))
    assert all((layer.weights == 0.5).all() for layer in given.layers)
    for a, b in zip(drawn.layers, given.layers):
        assert (a.biases == b.biases).all()
    assert (drawn.samples[0].input == given.samples[0].input).all()
    assert (drawn.samples[0].target == given.samples[0].target).all()


def test_mazurs_numbers_land_where_his_names_say_and_give_his_loss():
    text = new(*MAZUR)
    network = parse_network_text(text)
    assert network.layers[0].weights.tolist() == [[0.15, 0.2], [0.25, 0.3]]
    assert network.layers[1].weights.tolist() == [[0.4, 0.45], [0.5, 0.55]]
    assert network.layers[0].weight_names == [["w1", "w2"], ["w3", "w4"]]
    assert network.layers[1].weight_names == [["w5", "w6"], ["w7", "w8"]]
    assert network.layers[0].bias_names == ["b1", "b2"]
    assert network.layers[1].bias_names == ["b3", "b4"]
    assert [layer.biases.tolist() for layer in network.layers] == [[0.35, 0.35], [0.6, 0.6]]
    assert round(run_loss(text), 9) == MAZUR_LOSS
    assert "Every number was given on the command line." in text


def test_the_file_looks_like_the_bundled_ones():
    text = new("2-3-1", "--activation", "relu,sigmoid", "--loss", "half_sse")
    lines = text.splitlines()
    assert lines[0].startswith("# yaml-language-server: $schema=file://")
    assert Path(unquote(urlparse(lines[0].split("$schema=")[1]).path)) == SCHEMA_PATH.resolve()
    assert lines[1] == ("# A 2-3-1 network made by: backcalc new 2-3-1 --activation "
                        "relu,sigmoid --loss half_sse")
    body = text[text.index("\nname:") + 1:]
    assert body == """\
name: 2-3-1 network (relu, sigmoid; half_sse)
input: [0.03, 0.73]
target: [0.18]
loss: half_sse
learning_rate: 0.5
layers:
  - activation: relu
    weights: [[ 0.27, -0.46],
              [-0.92, -0.97],
              [ 0.63,  0.83]]
    biases: [0.87, 0.63, -0.99]
    names:
      weights: [[w1, w2],
                [w3, w4],
                [w5, w6]]
      biases: [b1, b2, b3]
  - activation: sigmoid
    weights: [[0.21, 0.46, 0.09]]
    biases: [0.71]
    names:
      weights: [[w7, w8, w9]]
      biases: [b4]
"""
    header = text[:text.index("\nname:")]
    assert "seed 0" in header and "w1…w9 and b1…b4" in header
    assert "Then: backcalc run FILE" in header


def test_alpha_is_written_out_and_options_reach_the_file():
    text = new("1-2-1", "--activation", "leaky_relu,elu", "--learning-rate", "0.1",
               "--name", "Quiz 3: #2", "--input", "1.5", "--target", "-2", "--loss", "mse")
    assert "  - activation: {name: leaky_relu, alpha: 0.01}" in text
    assert "  - activation: {name: elu, alpha: 1}" in text
    network = assert_usable(text)
    assert network.name == "Quiz 3: #2" and network.learning_rate == 0.1
    assert network.samples[0].input.tolist() == [1.5]
    assert network.samples[0].target.tolist() == [-2.0]
    assert "--name 'Quiz 3: #2'" in text.splitlines()[1]


@pytest.mark.parametrize("name", ["yes", "1e5", "010", "- x", "[x", "a: b", 'say "hi" \\ bye',
                                  "ünïcode ½"])
def test_any_one_line_name_reads_back_as_written(name):
    assert parse_network_text(new("1-1", "--name", name)).name == name


# --- bad options: one line, exit 2 -----------------------------------------------------

BAD = [
    (["2--1"], "Error: ARCH: expected layer sizes joined by '-', the input size first (such as "
               "2-3-1), or graph, found '2--1'"),
    (["2-x"], "Error: ARCH: expected layer sizes joined by '-', the input size first (such as "
              "2-3-1), or graph, found '2-x'"),
    (["0-1"], "Error: ARCH: expected sizes of 1 or more, found 0 in '0-1'"),
    (["2"], "Error: ARCH: expected the input size and at least one layer's size (such as 2-1), "
            "found '2'"),
    (["300-300-300"], "Error: ARCH: 300-300-300 has 180,600 weights and biases; backcalc new "
                      "makes networks of at most 100,000 (small enough to work by hand)"),
    (["2-3-1", "--activation", "relu,sigmod"],
     "Error: --activation: expected one of elu, identity, leaky_relu, linear, logsig, poslin, "
     "purelin, relu, sigmoid, softmax, softplus, tanh, tansig, found 'sigmod' (did you mean "
     "'sigmoid'?)"),
    (["2-3-1", "--activation", "relu,tanh,sigmoid"],
     "Error: --activation: expected one activation for every layer or 2 (one per layer of "
     "2-3-1), separated by commas, found 3"),
    (["2-1", "--activation", "relu,tanh"],
     "Error: --activation: expected one activation (2-1 has one layer), found 2"),
    (["2-3-2", "--activation", "softmax"],
     "Error: --activation: softmax is for the output layer only, found it on layer 1 (a hidden "
     "layer); give one per layer, such as --activation sigmoid,softmax"),
    (["2-3-2", "--activation", "softmax,softmax"],
     "Error: --activation: softmax is for the output layer only, found it on layer 1 (a hidden "
     "layer)"),
    (["2-1", "--loss", "hse"],
     "Error: --loss: expected one of bce, binary_cross_entropy, ce, cross_entropy, "
     "half_squared_error, half_sse, mean_squared_error, mse, squared_error, sse, found 'hse' "
     "(did you mean 'sse'?)"),
    (["2-2-2", "--weights", "1,2,3"],
     "Error: --weights: expected 8 weights (every weight of 2-2-2, in file order) or one number "
     "for all, found 3"),
    (["2-2", "--weights", "1,x"],
     "Error: --weights: expected numbers separated by commas, found 'x' (item 2)"),
    (["2-2", "--weights", "1,,2"],
     "Error: --weights: expected numbers separated by commas, found nothing (item 2)"),
    (["2-2", "--weights", "0,5"],
     "Error: --weights: expected 4 weights (every weight of 2-2, in file order) or one number "
     "for all, found 2"),
    (["2-2", "--biases", "inf"], "Error: --biases: expected a finite number, found 'inf' (item 1)"),
    (["2-2-1", "--biases", "1,2"],
     "Error: --biases: expected 3 biases (one per neuron of 2-2-1, in file order) or one number "
     "for all, found 2"),
    (["2-2", "--input", "1"], "Error: --input: expected 2 inputs (the input size of 2-2), found 1"),
    (["2-1", "--target", "1,0"],
     "Error: --target: expected 1 target (the output layer of 2-1 has 1 neuron), found 2"),
    (["2-2", "--loss", "bce", "--target", "1.5,0"],
     "Error: --target: binary_cross_entropy needs targets in [0, 1] (probabilities), found 1.5 "
     "(target 1)"),
    (["2-2", "--name", ""], "Error: --name: expected some text, found nothing"),
    (["2-2", "--name", "two\nlines"],
     "Error: --name: expected one line of text, found a control character (a line break or "
     "tab?)"),
    (["2-2", "--name", "caf\udce9"],            # the byte \xe9 of a Latin-1 shell: not UTF-8
     "Error: --name: expected text in UTF-8, found a byte that is not UTF-8 (caf\\xe9)"),
    (["2-2", "--learning-rate", "-1"],
     "Error: Invalid value for '--learning-rate': expected a finite number of 0 or more, found "
     "-1 (see `backcalc new --help`)"),
    (["2-2", "--seed", "x"], "Error: --seed: expected a whole number of 0 or more, found 'x'"),
    (["2-2", "--seed", "-1"], "Error: --seed: expected a whole number of 0 or more, found '-1'"),
]


@pytest.mark.parametrize("args, line", BAD, ids=[" ".join(args) for args, _ in BAD])
def test_a_bad_option_is_one_exact_line_and_exit_2(args, line):
    assert refused(*args) == line
    assert not Path("net.yaml").exists() and not list(Path().iterdir())


# --- -o FILE -----------------------------------------------------------------------------

def test_o_writes_the_file_and_never_overwrites_one():
    result = invoke("new", "2-2-1", "-o", "net.yaml")
    assert result.stdout == ("Network written to net.yaml; edit its numbers, then "
                             "`backcalc run net.yaml`.\n")
    text = Path("net.yaml").read_text(encoding="utf-8")
    assert text == new("2-2-1").replace("backcalc run FILE", "backcalc run net.yaml")
    assert_usable(text)

    Path("mine.yaml").write_text("my own work\n")
    for args in (["-o", "mine.yaml"], ["--seed", "3", "-o", "mine.yaml"]):
        result = invoke("new", "2-1", *args, code=2)
        assert result.stderr == ("Error: mine.yaml: -o would overwrite an existing file; choose a "
                                 "new name, or add --force to replace it\n")
        assert result.stdout == ""
    assert Path("mine.yaml").read_text() == "my own work\n"

    invoke("new", "2-1", "-o", "mine.yaml", "--force")
    assert parse_network_text(Path("mine.yaml").read_text(encoding="utf-8")).layers[0].size == 1


def test_o_refuses_a_folder_and_a_bad_option_writes_nothing():
    Path("dir").mkdir()
    assert invoke("new", "2-1", "-o", "dir", code=2).stderr == (
        "Error: dir: -o needs a file name, found a folder\n")
    invoke("new", "2-1", "--loss", "nope", "-o", "out.yaml", code=2)
    assert not Path("out.yaml").exists()
