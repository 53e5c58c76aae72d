"""`backcalc schema`: the JSON Schema of a network file agrees with the loader.

Documents are validated as backcalc's own YAML reader builds them (``load_yaml``),
so numbers such as 1e-8 are numbers, as the loader reads them.  The schema may
accept a file the loader refuses (it cannot check sizes, softmax on a hidden layer,
a name used twice), but never refuses a file the loader accepts.
"""

from __future__ import annotations

import copy
import importlib
import json
import random
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from backcalc.activations import ACTIVATIONS
from backcalc.errors import InputError
from backcalc.examples import EXAMPLES_DIR, example_paths
from backcalc.losses import LOSSES
from backcalc.netfile import CHOICES, TOP_KEYS, parse_network_text
from backcalc.savefile import network_document
from backcalc.schema import SCHEMA_NAME, SCHEMA_PATH, network_schema
from backcalc.yamlsource import load_yaml

from helpers import invoke

MODELINE = f"# yaml-language-server: $schema={SCHEMA_NAME}\n"
REGENERATE = ("the shipped schema is out of date (a registry or netfile constant changed); "
              "regenerate it: backcalc schema -o backcalc/networks/network.schema.json --force")
VALIDATOR = jsonschema.Draft202012Validator(network_schema())
BUNDLED = sorted(example_paths().items())


def problems(text: str) -> list[str]:
    """The schema's complaints about a file, read as the loader reads it."""
    return [f"{list(e.absolute_path)}: {e.message}"
            for e in VALIDATOR.iter_errors(load_yaml(text, "<text>").value)]


def loads(text: str) -> bool:
    try:
        parse_network_text(text)
        return True
    except InputError:
        return False


# --- the schema itself ---------------------------------------------------------------

def test_the_shipped_schema_is_what_backcalc_schema_prints():
    printed = invoke("schema").stdout
    assert SCHEMA_PATH.read_text(encoding="utf-8") == printed, REGENERATE


def test_the_schema_is_a_valid_draft_2020_12_schema_that_draft_7_readers_accept_too():
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft7Validator.check_schema(schema)
    assert "$ref" not in SCHEMA_PATH.read_text(encoding="utf-8")


def _walk(node, path=()):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, path + (index,))


def test_every_key_is_described_and_unknown_keys_are_refused_everywhere():
    schema = network_schema()
    assert set(schema["properties"]) == TOP_KEYS
    conditions = {"if", "then", "not", "allOf", "oneOf"}     # constraints, not the keys
    checked = 0
    for path, node in _walk(schema):
        if "properties" in node and path[-1:] != ("properties",) and not conditions & set(path):
            checked += 1
            for key, sub in node["properties"].items():
                assert sub.get("description"), f"{path + (key,)} has no description"
            assert node.get("additionalProperties") is False, path
    # the file, a sample, a layer, names, dropout, activation, optimizer, state, velocity, m, v
    assert checked == 11


def test_names_come_from_the_registries():
    schema = network_schema()
    properties = schema["properties"]
    assert properties["loss"]["enum"] == sorted(LOSSES)
    assert len(properties["loss"]["enumDescriptions"]) == len(LOSSES)
    activation = properties["layers"]["items"]["properties"]["activation"]
    assert activation["anyOf"][0]["enum"] == sorted(ACTIVATIONS)
    for key, values in CHOICES.items():
        assert properties[key]["enum"] == list(values)
    alpha = activation["anyOf"][1]["allOf"][0]["then"]["properties"]["name"]["enum"]
    assert alpha == sorted(name for name, cls in ACTIVATIONS.items() if "alpha" in cls.parameters)


@pytest.mark.usefixtures("in_tmp")
def test_schema_o_writes_a_file_and_never_overwrites_one():
    result = invoke("schema", "-o", "s.json")
    assert result.stdout.startswith("Schema written to s.json")
    assert Path("s.json").read_text(encoding="utf-8") == SCHEMA_PATH.read_text(encoding="utf-8")
    Path("mine.json").write_text("{}\n")
    refused = invoke("schema", "-o", "mine.json", code=2)
    assert refused.stderr == ("Error: mine.json: -o would overwrite an existing file; choose a "
                              "new name, or add --force to replace it\n")
    assert refused.stdout == ""
    assert Path("mine.json").read_text() == "{}\n"
    invoke("schema", "-o", "mine.json", "--force")
    assert Path("mine.json").read_text(encoding="utf-8") == SCHEMA_PATH.read_text(encoding="utf-8")
    Path("folder").mkdir()
    assert invoke("schema", "-o", "folder", "--force", code=2).stderr == (
        "Error: folder: -o needs a file name, found a folder\n")


# --- the bundled networks --------------------------------------------------------------

@pytest.mark.parametrize("name, path", BUNDLED, ids=[name for name, _ in BUNDLED])
def test_every_bundled_network_names_the_schema_on_its_first_line_and_validates(name, path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith(MODELINE), f"{name}.yaml must start with {MODELINE!r}"
    assert (path.parent / SCHEMA_NAME).is_file()
    assert problems(text) == []
    # the line is a comment: the network loads exactly as without it
    without = parse_network_text(text[len(MODELINE):])
    assert network_document(parse_network_text(text)) == network_document(without)


def test_the_answers_files_are_another_format_and_have_no_schema_line():
    for path in (EXAMPLES_DIR / "answers").glob("*.yaml"):
        assert "yaml-language-server" not in path.read_text(encoding="utf-8")


@pytest.mark.usefixtures("in_tmp")
def test_the_saved_state_validates():
    invoke("run", "mazur")
    assert problems(Path(".backcalc/state.yaml").read_text(encoding="utf-8")) == []
    # with momentum's velocity, and with Adam's moments, and a --save copy
    base = (EXAMPLES_DIR / "xor-batch.yaml").read_text(encoding="utf-8")
    for extra in ("momentum: 0.9\n", "optimizer: {name: adam, beta1: 0.8}\nindex_base: 0\n",
                  "weight_rows: neurons\nround_intermediates: 4\n"):
        Path("net.yaml").write_text(base + extra, encoding="utf-8")
        invoke("step", "net.yaml", "-n", "2", "--save", "copy.yaml", "--format", "json")
        for saved in (".backcalc/state.yaml", "copy.yaml"):
            text = Path(saved).read_text(encoding="utf-8")
            assert "state:" in text
            assert problems(text) == [], (extra, saved)
    state = yaml.safe_load(Path(".backcalc/state.yaml").read_text(encoding="utf-8"))
    assert state["state"]["iteration"] == 2


def _network_texts_of_other_tests():
    """Every module-level network text of the other test files (and of the helper modules
    they share) that the loader accepts; a text one module imports from another, once."""
    found, seen = [], set()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        if path.stem in ("conftest", "test_schema", "test_new_command"):
            continue
        try:
            module = importlib.import_module(path.stem)
        except Exception:       # pragma: no cover - that file's own tests report it
            continue
        for key, value in vars(module).items():
            if isinstance(value, str) and "layers" in value and id(value) not in seen:
                seen.add(id(value))
                text = textwrap.dedent(value)
                if loads(text):
                    found.append(pytest.param(text, id=f"{path.stem}.{key}"))
    return found


@pytest.mark.parametrize("text", _network_texts_of_other_tests())
def test_the_network_files_of_the_other_tests_validate(text):
    assert problems(text) == []


# --- what the loader refuses, the schema refuses ----------------------------------------

MAZUR = (EXAMPLES_DIR / "mazur.yaml").read_text(encoding="utf-8")


def _doc():
    return json.loads(json.dumps(load_yaml(MAZUR, "mazur").value))


def _set(path, value=None, delete=False):
    def change(doc):
        node = doc
        for key in path[:-1]:
            node = node[key]
        if delete:
            del node[path[-1]]
        else:
            node[path[-1]] = value
    return change


REFUSED = {
    "unknown top key": _set(["learnin_rate"], 0.5),
    "unknown layer key": _set(["layers", 0, "activations"], "sigmoid"),
    "unknown names key": _set(["layers", 0, "names", "bias"], ["b1", "b2"]),
    "unknown activation": _set(["layers", 0, "activation"], "sigmod"),
    "activation case": _set(["layers", 0, "activation"], "Sigmoid"),
    "unknown activation option": _set(["layers", 0, "activation"], {"name": "elu", "beta": 1}),
    "alpha on sigmoid": _set(["layers", 0, "activation"], {"name": "sigmoid", "alpha": 0.1}),
    "alpha as text": _set(["layers", 0, "activation"], {"name": "elu", "alpha": "big"}),
    "activation without name": _set(["layers", 0, "activation"], {"alpha": 0.1}),
    "unknown loss": _set(["loss"], "half_squared"),
    "bad reduction": _set(["reduction"], "average"),
    "bad update": _set(["update"], "minibatch"),
    "bad weight_rows": _set(["weight_rows"], "rows"),
    "learning rate as text": _set(["learning_rate"], "0.5"),
    "learning rate as boolean": _set(["learning_rate"], True),
    "negative learning rate": _set(["learning_rate"], -0.1),
    "momentum of 1": _set(["momentum"], 1),
    "momentum with adam": lambda d: d.update(momentum=0.9, optimizer="adam"),
    "momentum with adam mapping": lambda d: d.update(momentum=0.5, optimizer={"name": "adam"}),
    "unknown optimizer": _set(["optimizer"], "rmsprop"),
    "unknown adam key": _set(["optimizer"], {"name": "adam", "gamma": 0.5}),
    "beta1 for sgd": _set(["optimizer"], {"name": "sgd", "beta1": 0.5}),
    "beta2 of 1": _set(["optimizer"], {"name": "adam", "beta2": 1}),
    "epsilon of 0": _set(["optimizer"], {"name": "adam", "epsilon": 0}),
    "relu derivative 0.5": _set(["relu_derivative_at_zero"], 0.5),
    "index base 2": _set(["index_base"], 2),
    "round 16": _set(["round_intermediates"], 16),
    "round 1.5": _set(["round_intermediates"], 1.5),
    "update_biases 1": _set(["update_biases"], 1),
    "shared_bias as text": _set(["layers", 1, "shared_bias"], "yes please"),
    "shared bias as a list": _set(["layers", 1, "biases"], [0.6, 0.6]),
    "shared bias with two names": _set(["layers", 1, "names", "biases"], ["b3", "b4"]),
    "name as null": _set(["name"], None),
    "no layers": _set(["layers"], []),
    "layers as a mapping": _set(["layers"], {"activation": "sigmoid"}),
    "missing loss": _set(["loss"], delete=True),
    "missing target": _set(["target"], delete=True),
    "missing weights": _set(["layers", 0, "weights"], delete=True),
    "samples and input": _set(["samples"], [{"input": [1, 2], "target": [0, 1]}]),
    "empty samples": lambda d: [d.pop("input"), d.pop("target"), d.update(samples=[])],
    "sample with an extra key": lambda d: [d.pop("input"), d.pop("target"), d.update(
        samples=[{"input": [1, 2], "target": [0, 1], "weight": 1}])],
    "empty input": _set(["input"], []),
    "input as text": _set(["input"], "0.05, 0.10"),
    "target as a matrix": _set(["target"], [[0.01], [0.99]]),
    "weights as text": _set(["layers", 0, "weights"], "0.15 0.2"),
    "weights empty": _set(["layers", 0, "weights"], []),
    "weights with an empty row": _set(["layers", 0, "weights"], [[], []]),
    "weights mixing numbers and rows": _set(["layers", 0, "weights"], [0.15, [0.2]]),
    "biases as text": _set(["layers", 0, "biases"], "0.35"),
    "name with a space": _set(["layers", 0, "names", "biases"], ["b 1", "b2"]),
    "name as a number": _set(["layers", 0, "names", "biases"], [1, 2]),
    "empty name": _set(["layers", 0, "names", "biases"], ["", "b2"]),
    "bce target above 1": lambda d: d.update(loss="bce", target=[0.5, 1.5]),
    "ce target below 0": lambda d: d.update(loss="ce", target=[-0.5, 1]),
    "unknown state key": _set(["state"], {"iteration": 1, "epoch": 1}),
    "state without iteration": _set(["state"], {"updates": 1}),
    "negative iteration": _set(["state"], {"iteration": -1}),
    "fractional iteration": _set(["state"], {"iteration": 1.5}),
    "velocity entry without biases": _set(["state"], {"iteration": 1, "velocity": [
        {"weights": [[0, 0], [0, 0]]}, {"weights": [[0, 0], [0, 0]], "biases": [0, 0]}]}),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_what_the_loader_refuses_for_keys_values_and_types_the_schema_refuses(case):
    doc = _doc()
    REFUSED[case](doc)
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert not loads(text), "the loader accepts it: the case is wrong"
    assert problems(text), "the schema accepts what the loader refuses"


ACCEPTED = {
    "learning rate 0": _set(["learning_rate"], 0),
    "momentum 0 with adam": lambda d: d.update(momentum=0, optimizer="adam"),
    "sgd with momentum": lambda d: d.update(momentum=0.99, optimizer={"name": "sgd"}),
    "adam with every setting": _set(["optimizer"], {"name": "adam", "beta1": 0, "beta2": 0.5,
                                                    "epsilon": 1e-12}),
    "leaky_relu with alpha": _set(["layers", 0, "activation"], {"name": "leaky_relu",
                                                                "alpha": -2}),
    "an alias": lambda d: d.update(loss="half_sse") or d["layers"][0].update(
        activation="identity"),
    "round null": _set(["round_intermediates"], None),
    "round 0 and 15.0": _set(["round_intermediates"], 15.0),
    "index base 0.0": _set(["index_base"], 0.0),
    "relu derivative 1": _set(["relu_derivative_at_zero"], 1),
    "a number as name": _set(["name"], 2024),
    "a boolean as description": _set(["description"], False),
    "scalar biases": _set(["layers", 0, "biases"], 0.35),
    "shared bias false": _set(["layers", 0, "shared_bias"], False),
    "one row per input": lambda d: d.update(weight_rows="inputs"),
    "bce with targets 0 and 1": lambda d: d.update(loss="bce", target=[0, 1]),
    "state with every key": _set(["state"], {"iteration": 3.0, "updates": 0, "source": "x.yaml",
                                             "m": [{"weights": [[0, 0], [0, 0]], "biases": 0},
                                                   {"weights": [[0, 0], [0, 0]],
                                                    "biases": [0, 0]}]}),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_edge_values_the_loader_accepts_the_schema_accepts(case):
    doc = _doc()
    ACCEPTED[case](doc)
    text = yaml.safe_dump(doc, allow_unicode=True)
    assert loads(text)
    assert problems(text) == []


# --- never stricter than the loader: random edits of the bundled networks -------------

POOL = [0, 1, -1, 0.5, 2, 1.5, 3.0, 16, 1e-8, True, False, None, "", "w1", "w 1", "x",
        "sigmoid", "softmax", "relu", "leaky_relu", "adam", "sgd", "bce", "ce", "mse", "sum",
        "online", "inputs", [], [1], [1, 2], [0.5, 0.2, 0.1], [[1, 2], [3, 4]], [[1], [2]],
        [[1, 2]], [[]], [1, [2]], ["w1", "w2"], [["a", "b"], ["c", "d"]], {},
        {"name": "leaky_relu", "alpha": 0.2}, {"name": "sigmoid", "alpha": 1}, {"name": "adam"},
        {"name": "adam", "beta1": 0.5}, {"name": "sgd", "beta1": 0.5}, {"input": [1, 2],
                                                                       "target": 1},
        {"iteration": 2, "updates": 2, "source": "x"}, {"weights": "w1"}, {"biases": "b"}]
KEYS = ["name", "alpha", "beta1", "epsilon", "momentum", "optimizer", "shared_bias", "names",
        "state", "samples", "input", "target", "foo", "weights", "biases", "activation",
        "iteration", "velocity", "round_intermediates", "index_base", "update_biases"]


def _places(node, path=()):
    yield path
    items = node.items() if isinstance(node, dict) else enumerate(node) \
        if isinstance(node, list) else ()
    for key, value in items:
        yield from _places(value, path + (key,))


def _mutate(doc, rng):
    for _ in range(rng.choice([1, 1, 2, 3])):
        path = rng.choice(list(_places(doc)))
        node = doc
        for key in path:
            node = node[key]
        roll = rng.random()
        if path and roll < 0.65:
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            if roll < 0.5:
                parent[path[-1]] = copy.deepcopy(rng.choice(POOL))
            else:
                del parent[path[-1]]
        elif isinstance(node, dict):
            node[rng.choice(KEYS)] = copy.deepcopy(rng.choice(POOL))
        elif isinstance(node, list):
            node.append(copy.deepcopy(rng.choice(POOL)))
    return doc


def test_the_schema_never_refuses_a_file_the_loader_accepts():
    rng = random.Random(4)
    documents = [json.loads(json.dumps(load_yaml(path.read_text(encoding="utf-8"), name).value))
                 for name, path in BUNDLED]
    accepted = 0
    for _ in range(400):
        doc = _mutate(copy.deepcopy(rng.choice(documents)), rng)
        text = yaml.safe_dump(doc, allow_unicode=True)
        if loads(text):
            accepted += 1
            assert problems(text) == [], text
    assert accepted > 50        # the edits reach files the loader accepts, not only refusals
