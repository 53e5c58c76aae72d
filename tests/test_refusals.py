"""Every kind of bad network file is refused with ONE exact line and exit status 2.

SPEC, "What a network file may not do": backcalc refuses, with one clear line
naming the file, the line and the field (exit 2).  Each case below writes a file,
runs ``backcalc run`` on it and compares the whole error line — file, line,
column, field and message — with what a student should read.  Nothing here
compares the program's output with itself: every expected line is written out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import backcalc.yamlsource
from backcalc import parse_network_text
from backcalc.errors import InputError

from helpers import one_error_line, run_cli

# A valid file (Mazur's network without names); the line numbers the expected
# messages refer to:
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

# The same network with two samples (lines 1-5 replace lines 1-2 above, so the
# layers start on line 8).
SAMPLES = """\
samples:
  - input: [0.05, 0.10]
    target: [0.01, 0.99]
  - input: [0.10, 0.20]
    target: [0.50, 0.50]
""" + BASE.split("\n", 2)[2]

HIDDEN_ACT = "  - activation: sigmoid\n    weights: [[0.15"
OUTPUT_ACT = "  - activation: sigmoid\n    weights: [[0.40"
LAYER1_BIASES = "    biases: [0.35, 0.35]\n"
LAYER2_BIASES = "    biases: 0.60\n"

KEYS = ("description, index_base, input, l2, l2_biases, l2_form, layers, learning_rate, loss, "
        "momentum, name, nesterov, optimizer, reduction, relu_derivative_at_zero, "
        "round_intermediates, samples, state, target, update, update_biases, weight_rows")
ACTIVATIONS = ("elu, identity, leaky_relu, linear, logsig, poslin, purelin, relu, sigmoid, "
               "softmax, softplus, tanh, tansig")
LOSSES = ("bce, binary_cross_entropy, ce, cross_entropy, half_squared_error, half_sse, "
          "mean_squared_error, mse, squared_error, sse")
TAGS_ALLOWED = "(backcalc files hold only numbers, text, lists and mappings)"
TOO_DEEP = ("nested too deeply: expected lists and mappings at most 100 levels inside one "
            "another, found a level 101 here")


def edit(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` (which must be there exactly once) replaced by ``new``."""
    assert text.count(old) == 1, f"test setup: {old!r} not found once"
    return text.replace(old, new)


def without(text: str, line_start: str) -> str:
    lines = text.splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith(line_start)]
    assert len(kept) == len(lines) - 1, f"test setup: no single line {line_start!r}"
    return "".join(kept)


pytestmark = pytest.mark.usefixtures("in_tmp")


def refused(args: list[str]) -> str:
    """Run backcalc, check it refused cleanly, and return its one error line."""
    line = one_error_line(run_cli(*args))
    assert not Path(".backcalc").exists(), "a refused run must not save any state"
    return line


def refuse_text(text: str, name: str = "net.yaml") -> str:
    Path(name).write_text(text, encoding="utf-8")
    return refused(["run", name])


# --- the table: (case id, file text, the exact error line) --------------------

CASES = [
    # YAML itself
    ("yaml-does-not-parse", "input: [0.05, 0.10\ntarget: 1\n",
     "net.yaml:2:7: invalid YAML: did not find expected ',' or ']' "
     "(in the [ ] list that starts at line 1, column 8)"),
    ("yaml-bad-indentation", "input: [1, 2]\n  target: 3\n",
     "net.yaml:2:3: invalid YAML: did not find expected key "
     "(in the mapping that starts at line 1, column 1)"),
    ("yaml-tab-indentation", edit(BASE, "    weights: [[0.15", "\tweights: [[0.15"),
     "net.yaml:7:1: invalid YAML: found a tab character that violates indentation; "
     "indent with spaces, YAML does not allow tabs there"),
    ("yaml-two-documents", BASE + "---\nname: second\n",
     "net.yaml:12:1: invalid YAML: found a second document (after ---); "
     "a file holds one"),
    ("empty-file", "",
     "net.yaml:1: the file is empty, expected a YAML mapping of keys "
     "(input, target, loss, learning_rate, layers, …)"),
    ("only-comments", "# my network\n\n# to do\n",
     "net.yaml:1: the file holds only comments, expected a YAML mapping of keys "
     "(input, target, loss, learning_rate, layers, …)"),
    ("not-a-mapping-list", "- 0.05\n- 0.10\n",
     "net.yaml:1:1: expected a mapping of keys (name, input, target, loss, layers, …), "
     "found a list of 2"),
    ("not-a-mapping-scalar", "hello\n",
     "net.yaml:1:1: expected a mapping of keys (name, input, target, loss, layers, …), "
     "found the text 'hello'"),
    # keys
    ("key-given-twice", BASE + "learning_rate: 0.1\n",
     "net.yaml:12:1: learning_rate: this key is given twice (first on line 4); "
     "each key may appear once"),
    ("layer-key-given-twice", edit(BASE, LAYER2_BIASES, LAYER2_BIASES + "    biases: 0.5\n"),
     "net.yaml:12:5: layer 2.biases: this key is given twice (first on line 11); "
     "each key may appear once"),
    ("unknown-top-level-key", edit(BASE, "learning_rate:", "learnin_rate:"),
     f"net.yaml:4:1: learnin_rate: unknown key 'learnin_rate' (did you mean 'learning_rate'?); "
     f"expected one of {KEYS}"),
    ("unknown-layer-key", edit(BASE, LAYER2_BIASES, LAYER2_BIASES + "    activaton: relu\n"),
     "net.yaml:12:5: layer 2.activaton: unknown key 'activaton' (did you mean 'activation'?); "
     "expected one of activation, biases, dropout, names, shared_bias, weights"),
    ("missing-loss", without(BASE, "loss:"), "net.yaml:1:1: missing required key 'loss'"),
    ("missing-learning-rate", without(BASE, "learning_rate:"),
     "net.yaml:1:1: missing required key 'learning_rate'"),
    ("missing-layers", BASE.split("layers:")[0], "net.yaml:1:1: missing required key 'layers'"),
    ("missing-input", without(BASE, "input:"),
     "net.yaml:1:1: missing required key 'input' (or give samples)"),
    ("missing-target", without(BASE, "target:"),
     "net.yaml:1:1: missing required key 'target' (or give samples)"),
    ("missing-layer-weights", without(BASE, "    weights: [[0.40"),
     "net.yaml:9:5: layer 2: missing required key 'weights'"),
    ("missing-layer-activation", edit(BASE, OUTPUT_ACT, "  - weights: [[0.40"),
     "net.yaml:9:5: layer 2: missing required key 'activation'"),
    ("missing-layer-biases", edit(BASE, LAYER2_BIASES, ""),
     "net.yaml:9:5: layer 2: missing required key 'biases'"),
    # values of the wrong type
    ("string-for-number", edit(BASE, "learning_rate: 0.5", "learning_rate: fast"),
     "net.yaml:4:16: learning_rate: expected a number, found the text 'fast'"),
    ("boolean-for-number", edit(BASE, "learning_rate: 0.5", "learning_rate: yes"),
     "net.yaml:4:16: learning_rate: expected a number, found true (a boolean)"),
    ("decimal-comma", edit(BASE, "learning_rate: 0.5", "learning_rate: 0,5"),
     "net.yaml:4:16: learning_rate: expected a number, found the text '0,5' "
     "(write a decimal point: 0.5)"),
    ("decimal-comma-in-weights", edit(BASE, "[[0.15, 0.20]", '[["0,15", 0.20]'),
     "net.yaml:7:16: layer 1.weights[1][1]: expected a number, found the text '0,15' "
     "(write a decimal point: 0.15)"),
    ("null-for-number", edit(BASE, "learning_rate: 0.5", "learning_rate:"),
     "net.yaml:4:15: learning_rate: expected a number, found nothing (null)"),
    ("infinite-number", edit(BASE, "learning_rate: 0.5", "learning_rate: .inf"),
     "net.yaml:4:16: learning_rate: expected a finite number, found inf"),
    ("nan", edit(BASE, "[[0.15, 0.20]", "[[.nan, 0.20]"),
     "net.yaml:7:16: layer 1.weights[1][1]: expected a finite number, found nan"),
    # shapes
    ("ragged-weights", edit(BASE, "[0.25, 0.30]]", "[0.25]]"),
     "net.yaml:7:29: layer 1.weights[2]: ragged weights: expected 2 numbers in row 2 "
     "(as in row 1), found 1"),
    ("weights-wrong-column-count",
     edit(BASE, "[[0.40, 0.45], [0.50, 0.55]]", "[[0.4, 0.45, 0.1], [0.5, 0.55, 0.1], [1, 1, 1]]"),
     "net.yaml:10:14: layer 2.weights: expected 2 numbers in each row, one per input "
     "(layer 1 has 2 neurons), found 3"),
    ("weights-transposed",
     edit(BASE, "[[0.15, 0.20], [0.25, 0.30]]", "[[0.15, 0.20, 0.1], [0.25, 0.30, 0.1]]"),
     "net.yaml:7:14: layer 1.weights: expected 2 numbers in each row, one per input "
     "(the input has 2 values), found 3; it has one row per input: transposed? "
     "(weight_rows: inputs writes every matrix that way)"),
    ("weight-rows-inputs-wrong-row-count",
     "weight_rows: inputs\n" + edit(BASE, "[[0.40, 0.45], [0.50, 0.55]]",
                                    "[[0.40, 0.45], [0.50, 0.55], [0.1, 0.1]]"),
     "net.yaml:11:14: layer 2.weights: expected 2 rows, one per input (layer 1 has 2 neurons), "
     "found 3; it has one row per neuron: transposed? (weight_rows: inputs asks for one row "
     "per input)"),
    ("flat-weights-wrong-length", edit(BASE, "[[0.40, 0.45], [0.50, 0.55]]", "[0.40, 0.45, 0.5]"),
     "net.yaml:10:14: layer 2.weights: expected 2 weights, one per input (layer 1 has 2 neurons), "
     "or a matrix, found a list of 3"),
    ("scalar-weights-for-two-inputs", edit(BASE, "[[0.15, 0.20], [0.25, 0.30]]", "0.15"),
     "net.yaml:7:14: layer 1.weights: expected a list of weights, one per input (the input has "
     "2 values); a single number is only for a layer with one input and one neuron"),
    ("biases-wrong-size", edit(BASE, "[0.35, 0.35]", "[0.35, 0.35, 0.35]"),
     "net.yaml:8:13: layer 1.biases: expected 2 biases (one per neuron), found 3"),
    ("shared-bias-given-as-list",
     edit(BASE, LAYER2_BIASES, "    biases: [0.6, 0.6]\n    shared_bias: true\n"),
     "net.yaml:11:13: layer 2.biases: with shared_bias: true the layer has one bias, "
     "expected one number, found a list of 2"),
    ("targets-wrong-size", edit(BASE, "target: [0.01, 0.99]", "target: [0.01, 0.99, 0.5]"),
     "net.yaml:2:9: target: expected 2 targets (the output layer has 2 neurons), found 3"),
    ("one-target-for-two-outputs", edit(BASE, "target: [0.01, 0.99]", "target: 0.01"),
     "net.yaml:2:9: target: expected 2 targets (the output layer has 2 neurons), found 1"),
    # samples
    ("samples-and-input", "samples:\n  - {input: [1, 2], target: [0, 1]}\n" + BASE,
     "net.yaml:3:1: input: give either samples or input and target, not both"),
    ("sample-without-target", edit(SAMPLES, "    target: [0.50, 0.50]\n", ""),
     "net.yaml:4:5: sample 2: missing required key 'target'"),
    ("samples-of-different-input-sizes", edit(SAMPLES, "[0.10, 0.20]", "[0.10, 0.20, 0.30]"),
     "net.yaml:4:12: sample 2.input: expected 2 inputs (as in sample 1), found 3"),
    ("sample-unknown-key", edit(SAMPLES, "    target: [0.50, 0.50]\n",
                                "    target: [0.50, 0.50]\n    weight: 2\n"),
     "net.yaml:6:5: sample 2.weight: unknown key 'weight'; expected one of input, target"),
    # unknown names and option values
    ("unknown-activation", edit(BASE, OUTPUT_ACT, OUTPUT_ACT.replace("sigmoid", "sigmiod")),
     f"net.yaml:9:17: layer 2.activation: expected one of {ACTIVATIONS}, found 'sigmiod' "
     f"(did you mean 'sigmoid'?)"),
    ("unknown-loss", edit(BASE, "half_squared_error", "half_squared_eror"),
     f"net.yaml:3:7: loss: expected one of {LOSSES}, found 'half_squared_eror' "
     f"(did you mean 'half_squared_error'?)"),
    ("unknown-reduction", "reduction: average\n" + BASE,
     "net.yaml:1:12: reduction: expected one of mean, sum, found 'average'"),
    ("unknown-update", "update: stochastic\n" + BASE,
     "net.yaml:1:9: update: expected one of batch, online, found 'stochastic'"),
    ("unknown-weight-rows", "weight_rows: columns\n" + BASE,
     "net.yaml:1:14: weight_rows: expected one of neurons, inputs, found 'columns'"),
    ("index-base-2", "index_base: 2\n" + BASE,
     "net.yaml:1:13: index_base: expected 0 or 1, found 2"),
    ("relu-derivative-at-zero-half", "relu_derivative_at_zero: 0.5\n" + BASE,
     "net.yaml:1:26: relu_derivative_at_zero: expected 0 or 1, found 0.5"),
    ("unknown-optimizer", "optimizer: rmsprop\n" + BASE,
     "net.yaml:1:12: optimizer: expected one of adam, adamw, sgd, found 'rmsprop'"),
    ("unknown-optimizer-name", "optimizer: {name: rmsprop}\n" + BASE,
     "net.yaml:1:19: optimizer.name: expected one of adam, adamw, sgd, found 'rmsprop'"),
    ("adam-unknown-key", "optimizer: {name: adam, beta3: 0.5}\n" + BASE,
     "net.yaml:1:25: optimizer.beta3: unknown key 'beta3' (did you mean 'beta2'?); "
     "expected one of beta1, beta2, epsilon, name"),
    ("sgd-with-adam-key", "optimizer: {name: sgd, beta1: 0.5}\n" + BASE,
     "net.yaml:1:24: optimizer.beta1: sgd takes no beta1 (only adam and adamw do); "
     "expected only name"),
    ("adam-beta1-of-1", "optimizer: {name: adam, beta1: 1}\n" + BASE,
     "net.yaml:1:32: optimizer.beta1: expected a value in [0, 1), found 1"),
    ("alpha-on-sigmoid",
     edit(BASE, OUTPUT_ACT, OUTPUT_ACT.replace("sigmoid", "{name: sigmoid, alpha: 0.1}")),
     "net.yaml:9:40: layer 2.activation.alpha: sigmoid takes no alpha "
     "(only leaky_relu and elu do)"),
    ("softmax-on-hidden-layer", edit(BASE, HIDDEN_ACT, HIDDEN_ACT.replace("sigmoid", "softmax")),
     "net.yaml:6:17: layer 1.activation: softmax is for the output layer only, "
     "found it on a hidden layer"),
    # ranges
    ("negative-learning-rate", edit(BASE, "learning_rate: 0.5", "learning_rate: -0.5"),
     "net.yaml:4:16: learning_rate: expected a learning rate of 0 or more, found -0.5"),
    ("momentum-of-1", "momentum: 1\n" + BASE,
     "net.yaml:1:11: momentum: expected a momentum in [0, 1), found 1"),
    ("negative-momentum", "momentum: -0.1\n" + BASE,
     "net.yaml:1:11: momentum: expected a momentum in [0, 1), found -0.1"),
    ("round-intermediates-not-whole", "round_intermediates: 3.5\n" + BASE,
     "net.yaml:1:22: round_intermediates: expected a whole number, found 3.5"),
    ("bce-target-above-1",
     edit(edit(BASE, "half_squared_error", "binary_cross_entropy"), "[0.01, 0.99]", "[0.01, 1.5]"),
     "net.yaml:2:9: target: binary_cross_entropy needs targets in [0, 1] (probabilities), "
     "found 1.5 (target 2)"),
    ("ce-target-below-0",
     edit(edit(BASE, "half_squared_error", "cross_entropy"), "[0.01, 0.99]", "[-0.5, 1.5]"),
     "net.yaml:2:9: target: cross_entropy needs targets in [0, 1] (probabilities), "
     "found -0.5 (target 1)"),
    ("ce-target-of-second-sample",
     edit(edit(SAMPLES, "half_squared_error", "ce"), "[0.50, 0.50]", "[2, 0]"),
     "net.yaml:5:13: sample 2.target: cross_entropy needs targets in [0, 1] (probabilities), "
     "found 2 (target 1)"),
    # YAML features a network file has no use for
    ("custom-tag", edit(BASE, "learning_rate: 0.5", "learning_rate: !foo 0.5"),
     f"net.yaml:4:16: learning_rate: YAML tag !foo is not allowed {TAGS_ALLOWED}"),
    ("python-object-tag-on-root", "!!python/object:collections.OrderedDict\n" + BASE,
     f"net.yaml:1:1: YAML tag !!python/object:collections.OrderedDict is not allowed "
     f"{TAGS_ALLOWED}"),
    ("merge-key", "base: &b {activation: sigmoid}\n" + edit(BASE, HIDDEN_ACT,
                                                             "  - <<: *b\n    weights: [[0.15"),
     "net.yaml:7:5: layer 1: YAML merge keys (<<) are not supported; write the keys out"),
    ("alias-to-itself", "layers: &a [1, *a]\n",
     "net.yaml:1:9: layer 2: invalid YAML: an alias inside the value anchored here "
     "refers to that same value (it would never end)"),
    # names
    ("duplicate-names-across-layers",
     edit(edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {weights: [[w1, w2], [w3, w4]]}\n"),
          LAYER2_BIASES, LAYER2_BIASES + "    names: {weights: [[w5, w6], [w7, w1]]}\n"),
     "net.yaml:13:38: layer 2.names.weights[2][2]: the name 'w1' is already used "
     "(layer 1.names.weights[1][1], line 9); each parameter needs its own name"),
    ("duplicate-names-weight-and-bias",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {weights: [[w1, w2], [w3, w4]], "
                                               "biases: [b1, w3]}\n"),
     "net.yaml:9:57: layer 1.names.biases[2]: the name 'w3' is already used "
     "(layer 1.names.weights[2][1], line 9); each parameter needs its own name"),
    ("names-wrong-row-length",
     edit(BASE, LAYER1_BIASES,
          LAYER1_BIASES + "    names: {weights: [[w1, w2, w3], [w4, w5, w6]]}\n"),
     "net.yaml:9:23: layer 1.names.weights[1]: expected names shaped like the weights (2×2): "
     "2 names in each row, found 3"),
    ("names-one-row-for-a-matrix",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {weights: [[w1, w2, w3, w4]]}\n"),
     "net.yaml:9:22: layer 1.names.weights: expected names shaped like the weights (2×2): "
     "2 rows, found 1"),
    ("names-flat-for-a-matrix",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {weights: [w1, w2, w3, w4]}\n"),
     "net.yaml:9:22: layer 1.names.weights: expected a 2×2 matrix of names like the weights, "
     "found a flat list of 4 (a flat list is for a layer with one neuron or one input)"),
    ("bias-names-wrong-count",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {biases: [b1, b2, b3]}\n"),
     "net.yaml:9:21: layer 1.names.biases: expected 2 names for the biases (one per neuron), "
     "found 3"),
    ("one-bias-name-without-shared-bias",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {biases: b}\n"),
     "net.yaml:9:21: layer 1.names.biases: expected a list of 2 names (one per bias), found one "
     "name; a single name needs shared_bias: true"),
    ("number-as-name",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {weights: [[1, 2], [3, 4]]}\n"),
     "net.yaml:9:24: layer 1.names.weights[1][1]: expected a name (text such as w1), found 1"),
    ("name-with-a-space",
     edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {biases: [b 1, b2]}\n"),
     "net.yaml:9:22: layer 1.names.biases[1]: expected a name without spaces (such as w1), "
     "found 'b 1'"),
    # the state block backcalc writes
    ("state-negative-iteration", BASE + "state: {iteration: -3}\n",
     "net.yaml:12:20: state.iteration: expected a whole number of 0 or more, found -3"),
    # numbers beyond float64
    ("integer-too-large-for-float64", edit(BASE, "[[0.15, 0.20]", "[[1" + "0" * 399 + ", 0.20]"),
     "net.yaml:7:16: layer 1.weights[1][1]: expected a number within float64 range "
     "(about ±1.8e308), found an integer of 400 digits"),
    ("decimal-too-large-for-float64", edit(BASE, "learning_rate: 0.5", "learning_rate: 1e400"),
     "net.yaml:4:16: learning_rate: expected a number within float64 range (about ±1.8e308), "
     "found 1e400"),
    # numbers YAML 1.1 reads in other bases or with separators: only plain decimals are numbers
    ("octal-weight", edit(BASE, "[[0.15, 0.20]", "[[010, 0.20]"),
     "net.yaml:7:16: layer 1.weights[1][1]: expected a decimal number, found 010 "
     "(YAML reads a leading 0 as octal, 8); write 10"),
    ("leading-zero-bias-not-octal", edit(BASE, "[0.35, 0.35]", "[0.35, 08]"),
     "net.yaml:8:20: layer 1.biases[2]: expected a decimal number, found 08 "
     "(a leading 0 makes YAML read a number as octal); write 8"),
    ("sexagesimal-learning-rate", edit(BASE, "learning_rate: 0.5", "learning_rate: 1:30"),
     "net.yaml:4:16: learning_rate: expected a decimal number, found 1:30 (YAML reads numbers "
     "with colons as base 60, 90); write 90, or 1.30 if the colon stands for a decimal point"),
    ("hexadecimal-input", edit(BASE, "input: [0.05, 0.10]", "input: [0x10, 0.10]"),
     "net.yaml:1:9: input[1]: expected a decimal number, found 0x10 "
     "(YAML reads 0x as hexadecimal, 16); write 16"),
    ("binary-target", edit(BASE, "target: [0.01, 0.99]", "target: [0.01, 0b1]"),
     "net.yaml:2:16: target[2]: expected a decimal number, found 0b1 "
     "(YAML reads 0b as binary, 1); write 1"),
    ("underscore-momentum", "momentum: 0.9_5\n" + BASE,
     "net.yaml:1:11: momentum: expected a decimal number, found 0.9_5 "
     "(YAML ignores _ in numbers and reads it as 0.95); write 0.95"),
    ("yaml12-octal-epsilon", "optimizer: {name: adam, epsilon: 0o17}\n" + BASE,
     "net.yaml:1:34: optimizer.epsilon: expected a decimal number, found 0o17 "
     "(octal in YAML 1.2, 15; text in YAML 1.1); write 15"),
    ("octal-in-second-sample-target", edit(SAMPLES, "[0.50, 0.50]", "[0.50, 010]"),
     "net.yaml:5:20: sample 2.target[2]: expected a decimal number, found 010 "
     "(YAML reads a leading 0 as octal, 8); write 10"),
    ("hexadecimal-round-intermediates", "round_intermediates: 0x4\n" + BASE,
     "net.yaml:1:22: round_intermediates: expected a decimal number, found 0x4 "
     "(YAML reads 0x as hexadecimal, 4); write 4"),
    ("octal-in-state-block", BASE + "state: {iteration: 010}\n",
     "net.yaml:12:20: state.iteration: expected a decimal number, found 010 "
     "(YAML reads a leading 0 as octal, 8); write 10"),
    ("octal-as-name", edit(BASE, LAYER1_BIASES, LAYER1_BIASES + "    names: {biases: [010, b2]}\n"),
     "net.yaml:9:22: layer 1.names.biases[1]: expected a name (text such as w1), found 010"),
    # fields in YAML-level refusals are named as everywhere else (layer N, sample N)
    ("sample-key-given-twice", edit(SAMPLES, "    target: [0.50, 0.50]\n",
                                    "    target: [0.50, 0.50]\n    target: [0.5, 0.5]\n"),
     "net.yaml:6:5: sample 2.target: this key is given twice (first on line 5); "
     "each key may appear once"),
    ("tag-inside-a-weight-matrix", edit(BASE, "[[0.15, 0.20]", "[[!foo 0.15, 0.20]"),
     f"net.yaml:7:16: layer 1.weights[1][1]: YAML tag !foo is not allowed {TAGS_ALLOWED}"),
    # nesting deep enough to crash libyaml's C composer is refused before composing
    ("nested-101-levels", "layers: " + "[" * 100 + "]" * 100 + "\n",
     f"net.yaml:1:108: {TOO_DEEP}"),
    ("nested-100000-levels", "layers: " + "[" * 100_000 + "]" * 100_000 + "\n",
     f"net.yaml:1:108: {TOO_DEEP}"),
    ("nested-block-lists", "- " * 5000 + "1\n", f"net.yaml:1:201: {TOO_DEEP}"),
    ("nested-block-mappings", "".join(" " * i + "a:\n" for i in range(150)),
     f"net.yaml:101:101: {TOO_DEEP}"),
]


@pytest.mark.parametrize("text, expected", [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_refused_with_one_exact_line(text, expected):
    assert refuse_text(text) == f"Error: {expected}"


def test_case_ids_are_unique():
    ids = [case[0] for case in CASES]
    assert len(ids) == len(set(ids))


# --- cases that need more than a text file -----------------------------------

def test_python_object_tag_is_refused_and_never_executed(in_tmp):
    marker = in_tmp / "executed.txt"
    text = f"name: !!python/object/apply:os.system ['touch {marker}']\n" + BASE
    line = refuse_text(text)
    assert line == ("Error: net.yaml:1:7: name: YAML tag !!python/object/apply:os.system is not "
                    f"allowed {TAGS_ALLOWED}")
    assert not marker.exists()


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghi"
    for previous, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_quickly(monkeypatch):
    # Values each anchor expands to: a = 9 strings + the list = 10; each next
    # list holds 9 of the one before, plus itself.
    sizes = [10]
    while len(sizes) < 9:
        sizes.append(9 * sizes[-1] + 1)
    first_too_large = next(i for i, size in enumerate(sizes) if size > 500_000)
    assert first_too_large == 5  # anchor f, on line 6
    built = []
    build = backcalc.yamlsource._Builder.build
    monkeypatch.setattr(backcalc.yamlsource._Builder, "build",
                        lambda self, node, path: built.append(path) or build(self, node, path))
    line = refuse_text(billion_laughs())
    assert built == []                      # refused before any value is built
    assert line == (f"Error: net.yaml:6:4: f: document too large: this list expands to "
                    f"{sizes[5]:,} values, more than the limit of 500,000 "
                    f"(aliases count each time they are used)")


def test_nesting_through_aliases_is_refused():
    # x0 holds 90 levels, each next anchor one more: x10 at level 2 would reach level 101.
    lines = ["x0: &x0 " + "[" * 90 + "1" + "]" * 90]
    lines += [f"x{i}: &x{i} [*x{i - 1}]" for i in range(1, 11)]
    assert refuse_text("\n".join(lines) + "\n") == (
        "Error: net.yaml:10:5: nested too deeply: expected lists and mappings at most 100 "
        "levels inside one another, found more through an alias to the value anchored here")


@pytest.mark.parametrize("count_first", [False, True],
                         ids=["composed-directly", "levels-counted-first"])
def test_nesting_at_the_limit_is_read(count_first, monkeypatch):
    # 100 levels: the root mapping and 99 lists.  A file with many characters that could
    # open a list or mapping has its levels counted before it is composed.
    if count_first:
        monkeypatch.setattr(backcalc.yamlsource, "_UNCHECKED_OPENERS", 0)
    text = "a: " + "[" * 99 + "1" + "]" * 99 + "\n"
    value = backcalc.yamlsource.load_yaml(text, "net.yaml").value["a"]
    for _ in range(98):
        value = value[0]
    assert value == [1]


# Nesting deeper than libyaml's own limit (1,000 levels in libyaml 0.2.6, which refuses
# with its own message up to a thousand characters ahead of the events it has given) is
# refused with backcalc's line, at level 101, whatever libyaml does.  Each text: a style of
# nesting, and where its level 101 starts.
NESTINGS = {
    "flow-lists": (lambda k: "layers: " + "[" * k + "]" * k + "\n", "1:108"),
    "flow-mappings": (lambda k: "a: " + "{a: " * k + "1" + "}" * k + "\n", "1:400"),
    "block-lists": (lambda k: "- " * k + "1\n", "1:201"),
    "block-lists-of-flow-lists": (lambda k: "layers:\n  - " + "[" * k + "]" * k + "\n", "2:103"),
}
BLOCK_MAPPINGS = (lambda k: "".join(" " * i + "a:\n" for i in range(k)), "101:101")


@pytest.mark.parametrize("style, levels", [
    *((style, levels) for style in NESTINGS for levels in (150, 1000, 1001, 5000, 100_000)),
    *(("block-mappings", levels) for levels in (150, 1000, 1001, 2000)),   # k²/2 characters
])
def test_deep_nesting_is_refused_with_backcalc_own_line(style, levels):
    make, where = NESTINGS.get(style, BLOCK_MAPPINGS)
    assert refuse_text(make(levels)) == f"Error: net.yaml:{where}: {TOO_DEEP}"


class ReadsAheadLoader(yaml.SafeLoader):
    """A stand-in for a libyaml with a nesting limit of its own, 120 levels, that reads
    ahead: it refuses a document nested deeper with its own message before giving a
    single event, as libyaml 0.2.6 does past 1,000 levels."""

    def __init__(self, stream):
        super().__init__(stream)
        depth = 0
        for event in yaml.parse(stream, Loader=yaml.SafeLoader):
            depth += isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent))
            depth -= isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent))
            if depth > 120:
                raise yaml.scanner.ScannerError("while increasing flow level", None,
                                                "LIMIT OF THE STAND-IN LOADER", event.start_mark)


@pytest.mark.parametrize("style", [*NESTINGS, "block-mappings"])
@pytest.mark.parametrize("count_first", [False, True],
                         ids=["composed-directly", "levels-counted-first"])
def test_a_loader_limit_of_its_own_never_shows(style, count_first, monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "_Loader", ReadsAheadLoader)
    if count_first:
        monkeypatch.setattr(backcalc.yamlsource, "_UNCHECKED_OPENERS", 0)
    make, where = NESTINGS.get(style, BLOCK_MAPPINGS)
    assert refuse_text(make(150)) == f"Error: net.yaml:{where}: {TOO_DEEP}"


def test_nesting_at_the_limit_is_read_by_a_loader_with_a_limit_of_its_own(monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "_Loader", ReadsAheadLoader)
    value = backcalc.yamlsource.load_yaml("a: " + "[" * 99 + "1" + "]" * 99 + "\n", "n").value
    expected = 1
    for _ in range(99):
        expected = [expected]
    assert value["a"] == expected


def test_the_first_problem_in_the_file_is_the_one_reported():
    deep = "[" * 1001 + "]" * 1001
    # nesting too deep before a syntax error, a control character (U+0001, after text
    # that is not ASCII: libyaml counts its place in bytes) or libyaml's own limit
    assert refuse_text(f"name: é\na: {deep[:150]}1, }}\n") == f"Error: net.yaml:2:103: {TOO_DEEP}"
    assert refuse_text(f"name: é\na: {deep[:150]}\x01\n") == f"Error: net.yaml:2:103: {TOO_DEEP}"
    assert refuse_text(f"name: é\na: {deep}\nb: {deep}\n") == f"Error: net.yaml:2:103: {TOO_DEEP}"
    # a syntax error or a control character before it
    assert refuse_text(f"a: [1, }}\nb: {deep}\n").startswith("Error: net.yaml:1:8: invalid YAML: ")
    assert refuse_text(f"a: e\x01\nb: {deep}\n") == (
        "Error: net.yaml:1:5: expected text, found the control character U+0001, which YAML "
        "does not allow (a binary file?)")


class FailsAtMinusOneLoader(yaml.SafeLoader):
    """A stand-in for a loader that fails, for a reason of its own, at the first -1."""

    def __init__(self, stream):
        index = stream.index("-1")
        raise yaml.scanner.ScannerError(None, None, "REFUSED BY THE STAND-IN LOADER",
                                        yaml.Mark("<text>", index, 0, index, None, None))


def test_a_failure_at_a_dash_is_not_taken_for_a_level_too_deep(monkeypatch):
    # 100 levels of lists whose innermost item is the number -1: the text up to where the
    # loader failed ends with "-", which alone would open level 101.
    monkeypatch.setattr(backcalc.yamlsource, "_Loader", FailsAtMinusOneLoader)
    assert refuse_text("- " * 100 + "-1\n") == (
        "Error: net.yaml:1:201: invalid YAML: REFUSED BY THE STAND-IN LOADER")


class NeverUsedLoader(yaml.SafeLoader):
    def __init__(self, stream):
        raise AssertionError("the slow parser ran")


def test_the_slow_parser_is_left_out_when_no_level_can_be_too_deep(monkeypatch):
    # A large matrix (more "[" than are composed unchecked) read, or refused for a syntax
    # error at its very end: libyaml alone decides.
    monkeypatch.setattr(backcalc.yamlsource, "_LimitlessLoader", NeverUsedLoader)
    rows = ", ".join(f"[{i}, {i}]" for i in range(3000))
    assert len(backcalc.yamlsource.load_yaml(f"a: [{rows}]\n", "n").value["a"]) == 3000
    line = refuse_text(f"a: [{rows}]\nb: [1, }}\n")
    assert line.startswith("Error: net.yaml:2:8: invalid YAML: ")
    line = refuse_text(f"a: [{rows}, }}\n")
    assert line.startswith("Error: net.yaml:1:")


def test_brackets_in_quoted_text_are_not_nesting():
    Path("net.yaml").write_text('name: "' + "[" * 5000 + '"\n' + BASE)
    ran(["run", "net.yaml"])


def test_a_matrix_of_many_rows_is_read(monkeypatch):
    # 2,500 rows of weights: more "[" than are composed unchecked, so levels are counted first.
    rows = ",\n    ".join(f"[{(i % 7) / 10}, -0.{i % 10}]" for i in range(2500))
    text = ("input: [0.5, -0.5]\ntarget: 0.5\nloss: mse\nlearning_rate: 0.1\nlayers:\n"
            f"  - activation: tanh\n    weights: [{rows}]\n    biases: 0\n"
            f"  - activation: linear\n    weights: [{', '.join(['0.001'] * 2500)}]\n"
            "    biases: 0\n")
    assert text.count("[") > backcalc.yamlsource._UNCHECKED_OPENERS
    # Quick, shown without a clock: libyaml alone reads it, the slow parser never runs.
    monkeypatch.setattr(backcalc.yamlsource, "_LimitlessLoader", NeverUsedLoader)
    network = parse_network_text(text, "net.yaml")
    assert network.layers[0].weights.shape == (2500, 2)
    assert network.layers[0].weights[13].tolist() == [0.6, -0.3]


def test_file_over_the_size_limit(monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "MAX_FILE_BYTES", 100)
    assert len(BASE.encode()) > 100
    assert refuse_text(BASE) == ("Error: net.yaml: the file is larger than the limit of 100 bytes "
                                 "(is it a network file?)")


def test_file_at_the_size_limit_is_read(monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "MAX_FILE_BYTES", len(BASE.encode()))
    Path("net.yaml").write_text(BASE, encoding="utf-8")
    result = run_cli(*["run", "net.yaml", "--format", "json"])
    assert result.exit_code == 0, result.stderr


def test_size_limit_is_named_in_mib():
    big = backcalc.yamlsource.MAX_FILE_BYTES
    assert big == 20 * 1024 * 1024
    assert backcalc.yamlsource._size(big) == "20 MiB"


def test_missing_file():
    assert refused(["run", "nope.yaml"]) == "Error: nope.yaml: no such file"


def test_missing_file_in_a_folder():
    assert refused(["run", "sub/nope.yaml"]) == "Error: sub/nope.yaml: no such file"


def test_a_folder_is_not_a_network_file():
    Path("folder").mkdir()
    assert refused(["run", "folder"]) == "Error: folder: is a folder, expected a YAML file"


def test_bare_name_that_is_neither_a_file_nor_an_example():
    networks = Path(backcalc.__file__).parent / "networks"
    # the bundled networks, then the bundled computational graphs
    bundled = sorted(p.stem for p in networks.glob("*.yaml")) + \
        sorted(p.stem for p in (networks / "graphs").glob("*.yaml"))
    assert "mazur" in bundled and "micrograd" in bundled
    assert refused(["run", "mazurr"]) == (
        f"Error: mazurr: no such file, and no bundled example of that name "
        f"(did you mean the bundled example 'mazur'?); bundled: {', '.join(bundled)} "
        f"(see `backcalc examples`)")


def test_binary_junk():
    Path("net.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert refused(["run", "net.yaml"]) == (
        "Error: net.yaml:1:1: expected UTF-8 text, found the byte 0x89, which is not valid "
        "UTF-8 (a binary file, or text saved in another encoding?)")


def test_text_in_another_encoding_points_at_the_byte():
    Path("net.yaml").write_bytes("name: Café\n".encode("latin-1") + BASE.encode())
    assert refused(["run", "net.yaml"]) == (
        "Error: net.yaml:1:10: expected UTF-8 text, found the byte 0xE9, which is not valid "
        "UTF-8 (a binary file, or text saved in another encoding?)")


def test_nul_byte():
    Path("net.yaml").write_bytes(BASE.encode() + b"name: a\x00b\n")
    assert refused(["run", "net.yaml"]) == (
        "Error: net.yaml:12:8: expected text, found the control character U+0000, which YAML "
        "does not allow (a binary file?)")


def test_a_control_character_after_text_that_is_not_ascii():
    # libyaml gives the place of the character in bytes of UTF-8: é is two
    Path("net.yaml").write_text("name: Café\n" + BASE + "description: é\x01\n", encoding="utf-8")
    assert refused(["run", "net.yaml"]) == (
        "Error: net.yaml:13:15: expected text, found the control character U+0001, which YAML "
        "does not allow (a binary file?)")


def test_error_in_a_bundled_example_name_is_not_masked(in_tmp):
    # A file the user names explicitly with .yaml is never taken for an example.
    assert refused(["run", "mazur.yaml"]) == (
        "Error: mazur.yaml: no such file (did you mean the bundled example 'mazur'?)")


# --- what is accepted (the refusals must not overreach) ----------------------

def ran(args: list[str]) -> None:
    result = run_cli(*args)
    assert result.exit_code == 0, (result.stderr, result.exception)
    assert "Traceback" not in result.stderr


def test_spec_adam_example_with_1e_minus_8_is_accepted():
    # 1e-8 is a string in YAML 1.1; SPEC's own example must still read as a number.
    Path("net.yaml").write_text(
        "optimizer: {name: adam, beta1: 0.9, beta2: 0.999, epsilon: 1e-8}\n" + BASE)
    ran(["run", "net.yaml"])
    saved = Path(".backcalc/state.yaml").read_text()
    assert "epsilon: 1.0e-08" in saved


def test_activation_with_alpha_is_accepted_and_saved():
    Path("net.yaml").write_text(
        edit(BASE, HIDDEN_ACT, HIDDEN_ACT.replace("sigmoid", "{name: leaky_relu, alpha: 0.1}")))
    ran(["run", "net.yaml"])
    ran(["step", "--iterations", "1"])


def test_flat_names_for_a_one_neuron_layer_are_accepted():
    Path("net.yaml").write_text(edit(
        edit(BASE, "target: [0.01, 0.99]", "target: 0.5"),
        "    weights: [[0.40, 0.45], [0.50, 0.55]]\n    biases: 0.60\n",
        "    weights: [0.40, 0.45]\n    biases: 0.60\n"
        "    names: {weights: [w5, w6], biases: b3}\n"))
    ran(["run", "net.yaml"])


def test_plain_decimal_forms_are_numbers():
    network = parse_network_text(
        "input: [.5, 5.]\ntarget: [1.0e+3, -12]\nloss: sse\nlearning_rate: 1e-8\n"
        "momentum: +0.5\nlayers:\n  - activation: linear\n"
        "    weights: [[+3, -.5], [1E2, 0.25]]\n    biases: [00.5, -0]\n", "net.yaml")
    sample = network.samples[0]
    assert sample.input.tolist() == [0.5, 5.0]
    assert sample.target.tolist() == [1000.0, -12.0]
    assert network.learning_rate == 1e-8
    assert network.momentum == 0.5
    assert network.layers[0].weights.tolist() == [[3.0, -0.5], [100.0, 0.25]]
    assert network.layers[0].biases.tolist() == [0.5, 0.0]


def test_text_fields_keep_what_yaml_would_read_as_a_number():
    # name and description are text: 1:30 stays 1:30, not YAML 1.1's 90.
    network = parse_network_text("name: 1:30\ndescription: 0x10\n" + BASE, "net.yaml")
    assert (network.name, network.description) == ("1:30", "0x10")


def test_quoted_number_stays_text():
    # A quoted "0.5" is text: the student asked for a string.
    assert refuse_text(edit(BASE, "learning_rate: 0.5", 'learning_rate: "0.5"')) == (
        "Error: net.yaml:4:16: learning_rate: expected a number, found the text '0.5'")


# --- the user's file is never written to -------------------------------------

def test_file_unchanged_after_a_refused_run():
    path = Path("net.yaml")
    text = edit(BASE, "learning_rate: 0.5", "learning_rate: -1")
    path.write_text(text)
    before = path.stat().st_mtime_ns
    refused(["run", "net.yaml"])
    assert path.read_text() == text
    assert path.stat().st_mtime_ns == before


def test_file_unchanged_after_a_successful_run():
    path = Path("net.yaml")
    path.write_text(BASE)
    before = path.stat().st_mtime_ns
    ran(["run", "net.yaml"])
    ran(["step", "net.yaml", "--iterations", "2"])
    assert path.read_text() == BASE
    assert path.stat().st_mtime_ns == before
    assert sorted(p.name for p in Path(".").iterdir()) == [".backcalc", "net.yaml"]


def test_a_long_document_over_the_value_limit_is_refused_before_it_is_composed(monkeypatch):
    """Composing keeps an object per value only to refuse it after: a text longer than
    the limit has its values counted from the parser's events first.  With the limit at
    100, a list of 150 numbers written out (each "0, ": 3 characters) is refused at its
    101st value: after the mapping, the key and the list, the 98th number, at column
    9 + 3·97 = 300 of line 1; never composed."""
    monkeypatch.setattr(backcalc.yamlsource, "MAX_VALUES", 100)
    composed = []
    compose = backcalc.yamlsource.yaml.compose
    monkeypatch.setattr(backcalc.yamlsource.yaml, "compose",
                        lambda *args, **kwargs: composed.append(1) or compose(*args, **kwargs))
    text = "input: [" + ", ".join(["0"] * 150) + "]\n"
    with pytest.raises(InputError) as caught:
        backcalc.yamlsource.load_yaml(text, "net.yaml")
    assert str(caught.value) == ("net.yaml:1:300: document too large: more values than the "
                                 "limit of 100 (every number, text, list and mapping counts)")
    assert composed == []
