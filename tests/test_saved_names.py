"""What backcalc saves it reads back as it was: text that YAML 1.1 or backcalc's own number
rules read as something else (1e5 and +.5 are numbers to backcalc, 08 and 0o17 refused
numbers, true and null YAML's) is quoted in the state and in --save files.  Written
plain, a parameter named "1e5" made the next `step` call the state damaged, and a title
"1e5" came back as 100000.0 (held-out red-team run 12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import assume, given, settings, strategies as st

from backcalc.errors import InputError
from backcalc.netfile import load_network, parse_network_text
from backcalc.savefile import network_yaml

from helpers import invoke

STATE = Path(".backcalc/state.yaml")

# Each of these is text in a network file when quoted; each reads as something else plain.
NUMBER_LIKE = ["1e5", "1E5", "1e+5", "-1e5", "1.e5", "1.5e5", "+.5", "-.5", "5.", "12", "-3",
               "0o17", "08", "010", "0_1", "1e400", "10e-400", "0x10", "0b11", "1_000",
               "1:30", ".inf", "-.Inf", ".nan", "2001-01-01", "true", "False", "null", "~",
               "yes", "No", "on", "OFF", "y", "n",
               # digits of other scripts are text, not numbers: ٠ (Arabic-Indic), ᭖ (Balinese)
               "\u0660", "\u1b56", "1\u1b56"]


def network_text(name: str, weight: str, bias: str = "b") -> str:
    """A network whose title and parameter names are the texts given (JSON strings are
    YAML double-quoted strings)."""
    return f"""name: {json.dumps(name)}
input: [1]
target: [0.5]
loss: mse
learning_rate: 0.1
optimizer: {{name: adam}}
layers:
  - activation: sigmoid
    weights: [0.5]
    biases: [0.0]
    names: {{weights: [{json.dumps(weight)}], biases: [{json.dumps(bias)}]}}
"""


@pytest.mark.parametrize("text", NUMBER_LIKE)
def test_names_that_look_like_numbers_survive_the_state_and_save(in_tmp, text):
    Path(text).write_text(network_text(text, text))    # the file's name too (the source)
    invoke("run", "--save", "saved.yaml", "--", text)
    for saved in (STATE, Path("saved.yaml")):
        net = load_network(saved)                      # refused before: "expected a name"
        assert net.name == text
        assert net.layers[0].weight_names[0] == [text]
        assert net.origin == text
    invoke("step", "-n", "1", "-q")
    assert load_network(STATE).name == text
    invoke("step", "saved.yaml", "-q")              # the --save file runs again too


# A parameter's name has no blanks or line breaks (the reader refuses them); a title may.
NAME_LETTERS = st.characters(exclude_categories=("Zs", "Zl", "Zp", "Cc", "Cs"))


# Text shaped like a number, as SPEC and YAML 1.1 write them: decimals with exponents,
# leading zeros, octal, hexadecimal, base 60, underscores, non-finite values.
NUMBER_SHAPED = st.from_regex(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d{1,3})?|[-+]?0[0-9_]+|"
                              r"0o[0-7]+|0x[0-9a-f]+|\d+:[0-5]\d|[-+]?\.(inf|Inf|nan)",
                              fullmatch=True)


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.text(min_size=1, max_size=12), NUMBER_SHAPED),
       st.one_of(st.text(NAME_LETTERS, min_size=1, max_size=12), NUMBER_SHAPED))
def test_any_name_the_reader_takes_is_read_back_as_written(name, weight):
    try:
        net = parse_network_text(network_text(name, weight, "b" if weight != "b" else "c"))
    except InputError:
        assume(False)                     # a name the file reader refuses: not saved at all
    again = parse_network_text(network_yaml(net))
    assert again.name == net.name == name
    assert again.layers[0].weight_names == net.layers[0].weight_names == [[weight]]


@pytest.mark.parametrize("text", ["1e5", "+.5", "0o17", "08", "1e400", "true", "null", "~",
                                  "yes", ".inf"])
def test_a_description_and_a_bias_name_too(text):
    source = network_text("plain", "w").replace('"b"', json.dumps(text)).replace(
        "input:", f"description: {json.dumps(text)}\ninput:", 1)
    net = parse_network_text(source)
    again = parse_network_text(network_yaml(net))
    assert again.description == text and again.layers[0].bias_names == [text]
