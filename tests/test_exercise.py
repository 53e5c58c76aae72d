"""`backcalc exercise`: every constraint of SPEC checked here, from `run --format json`.

The oracle is independent of the generator's own checker: each variant file is run with
`backcalc run --format json`, and the constraints are verified on the numbers it prints —
every z of a ReLU-type layer more than 0.05 from 0, every z of a sigmoid or tanh layer
within ±3, every asked value (the keys of asked.yaml, mapped to the JSON by the naming
rules written out below) at least 0.001 in size — and the slips that matter most are
worked out here by hand from the same numbers (the hidden δ with the already updated
weights, f′ from z instead of a, another activation at the output) and must move each
value by more than one unit of the 4th decimal.  The remaining slips are checked through
`check`: each value a slip gives, written as a student's answer, is judged wrong.
"""

from __future__ import annotations

import json
import math
import re
import shlex
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from helpers import error_line, invoke, run_cli, run_json

pytestmark = pytest.mark.usefixtures("in_tmp")

UNIT = 1e-4                 # one unit of the default --answer-decimals (4)


def exercise(*args: str) -> str:
    """Run `backcalc exercise ARGS` (exit 0); its summary line."""
    return invoke("exercise", *args).stdout


def variants(folder: str) -> list[Path]:
    return sorted(Path(folder, "variants").glob("*.yaml"))


def asked_blocks(folder: str) -> list[dict]:
    """asked.yaml as a list of blocks (a single mapping is one block)."""
    document = yaml.safe_load(Path(folder, "asked.yaml").read_text(encoding="utf-8"))
    return document if isinstance(document, list) else [document]


# --- the JSON value of an asked key, by the naming rules of `new` and SPEC ----------------

def parameter_places(sizes: list[int]) -> dict[str, tuple[str, int, int, int]]:
    """w1… numbered across the network row by row (one row per neuron), b1… per neuron."""
    places = {}
    w = b = 1
    for layer, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        for row in range(n_out):
            for col in range(n_in):
                places[f"w{w}"] = ("weights", layer, row, col)
                w += 1
            places[f"b{b}"] = ("biases", layer, row, 0)
            b += 1
    return places


NEURON_FIELDS = {"z": "z", "a": "a", "dL/da": "dL_da", "delta": "delta"}


def json_value(document: dict, key: str, sample: int, sizes: list[int]) -> float:
    step = document["steps"][0]
    match = re.fullmatch(r"(z|a|dL/da|delta)([0-9]+)_([0-9]+)", key)
    if match:
        letters, layer, neuron = match.groups()
        values = step["samples"][sample]["layers"][int(layer) - 1][NEURON_FIELDS[letters]]
        return values[int(neuron) - 1]
    if key == "loss":
        return step["loss"]
    if key == "sample_loss":
        return step["samples"][sample]["loss"]
    places = parameter_places(sizes)
    name, where = (key[len("dL/d"):], "gradients") if key.startswith("dL/d") else \
        (key[:-1], "parameters")
    kind, layer, row, col = places[name]
    values = step[where][layer][kind]
    return values[row][col] if kind == "weights" else values[row]


def asked_values(document: dict, folder: str, sizes: list[int]) -> dict[tuple, float]:
    """(sample, key) → its value in `run`'s JSON, for every key of asked.yaml."""
    values = {}
    for block in asked_blocks(folder):
        sample = block.get("sample", 1) - 1
        for key in block:
            if key != "sample":
                values[sample, key] = json_value(document, key, sample, sizes)
    return values


# --- hand-worked slips, from the JSON's numbers ---------------------------------------------

def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


PRIMES = {"sigmoid": lambda a: a * (1 - a), "tanh": lambda a: 1 - a * a,
          "relu": lambda a: 1.0 if a > 0 else 0.0, "linear": lambda a: 1.0}


def hidden_delta_with_updated_weights(document: dict, network: dict, sample: int,
                                      layer: int) -> list[float]:
    """δ of hidden layer ``layer`` (0-based) with ∂L/∂a = Σ w⁺·δ (the weights already
    updated): SPEC's updated_weights_in_delta, worked here with plain arithmetic."""
    step = document["steps"][0]
    after = step["parameters"][layer + 1]["weights"]
    delta_next = step["samples"][sample]["layers"][layer + 1]["delta"]
    a = step["samples"][sample]["layers"][layer]["a"]
    activation = network["layers"][layer]["activation"]
    return [sum(after[k][i] * delta_next[k] for k in range(len(delta_next)))
            * PRIMES[activation](a[i]) for i in range(len(a))]


def check_hand_slips(document: dict, network: dict, sample: int) -> None:
    step = document["steps"][0]
    layers = step["samples"][sample]["layers"]
    # Hidden δ with the updated weights, and what it gives for the first layer's
    # gradients (δ·x) — the slip that most often lands near the right value.
    for layer in range(len(layers) - 1):
        slipped = hidden_delta_with_updated_weights(document, network, sample, layer)
        for right, wrong in zip(layers[layer]["delta"], slipped):
            if wrong != pytest.approx(right, rel=1e-12, abs=1e-15):
                assert abs(wrong - right) > UNIT, (layer, right, wrong)
    # f′ written from z where it takes a: σ′ = z(1 − z) at the output (half squared error:
    # δ = (a − y)·f′).
    output = network["layers"][-1]["activation"]
    if output in ("sigmoid", "tanh") and network["loss"] == "half_squared_error":
        target = step["samples"][sample]["target"]
        z, a = layers[-1]["z"], layers[-1]["a"]
        for j in range(len(z)):
            right = layers[-1]["delta"][j]
            wrong = (a[j] - target[j]) * (z[j] * (1 - z[j]) if output == "sigmoid"
                                          else 1 - z[j] ** 2)
            assert abs(wrong - right) > UNIT, (j, right, wrong)
    # Another activation at the output: tanh for sigmoid.
    if output == "sigmoid":
        for z, a in zip(layers[-1]["z"], layers[-1]["a"]):
            assert abs(math.tanh(z) - a) > UNIT


# --- the constraints, verified on every variant ----------------------------------------------

KINKED = ("relu", "leaky_relu", "elu")
SATURATING = ("sigmoid", "tanh")

CASES = [
    ("2-2-1", []),                                                   # sigmoid, half_sse
    ("2-2-1", ["--activation", "relu,sigmoid"]),
    ("2-2-1", ["--activation", "tanh"]),
    ("2-3-3", ["--activation", "relu,softmax", "--loss", "cross_entropy"]),
    ("2-2-1", ["--loss", "binary_cross_entropy"]),
    ("2-2-1", ["--activation", "tanh", "--samples", "3"]),
    ("2-2-1", ["--activation", "relu,sigmoid", "--samples", "2", "--loss", "bce"]),
    ("3-2-2", ["--activation", "relu,linear", "--decimals", "2"]),
    ("2-2-2-1", ["--activation", "tanh,relu,sigmoid"]),
]


@pytest.mark.parametrize(("arch", "options"), CASES)
@pytest.mark.parametrize("seed", ["1", "7"])
def test_every_variant_meets_every_constraint(arch, options, seed):
    sizes = [int(n) for n in arch.split("-")]
    exercise(arch, *options, "--variants", "2", "--seed", seed, "-o", "ex")
    files = variants("ex")
    assert [f.name for f in files] == ["01.yaml", "02.yaml"]
    for path in files:
        network = yaml.safe_load(path.read_text(encoding="utf-8"))
        document = run_json("run", str(path))
        samples = document["steps"][0]["samples"]
        # Numbers with --decimals decimals, never 0, in the documented ranges.
        decimals = int(options[options.index("--decimals") + 1]) if "--decimals" in options \
            else 1
        for layer in network["layers"]:
            for value in [v for row in layer["weights"] for v in row] + layer["biases"]:
                assert value != 0 and abs(value) <= 2
                assert round(value, decimals) == value
        for sample in samples:
            assert all(x != 0 and abs(x) <= 1 for x in sample["input"])
        for s, sample in enumerate(samples):
            for layer, values in zip(network["layers"], sample["layers"]):
                name = layer["activation"]
                if name in KINKED:
                    assert all(abs(z) > 0.05 for z in values["z"]), (path, values["z"])
                if name in SATURATING:
                    assert all(abs(z) <= 3 + 1e-9 for z in values["z"]), (path, values["z"])
            check_hand_slips(document, network, s)
        loss = network["loss"]
        for (s, key), value in asked_values(document, "ex", sizes).items():
            output_zero = (loss == "cross_entropy" and key.startswith(f"dL/da{len(sizes) - 1}_")
                           and samples[s]["target"][int(key.split("_")[1]) - 1] == 0)
            if output_zero:       # −y/a with y = 0: 0 whatever the numbers
                assert value == 0
            else:
                assert abs(value) >= 0.001, (path, key, value)


def fill(folder: str, document: dict, sizes: list[int]) -> str:
    """asked.yaml's blocks with every value filled in from the JSON, at full precision."""
    values = asked_values(document, folder, sizes)
    blocks = []
    for block in asked_blocks(folder):
        sample = block.get("sample", 1) - 1
        blocks.append({key: (value if key == "sample" else values[sample, key])
                       for key, value in block.items()})
    return yaml.safe_dump(blocks if len(blocks) > 1 else blocks[0], sort_keys=False)


@pytest.mark.parametrize(("arch", "options"), [
    ("2-2-1", []),
    ("2-3-3", ["--activation", "relu,softmax", "--loss", "ce"]),
    ("2-2-1", ["--activation", "tanh", "--samples", "2"]),
])
def test_asked_keys_are_what_check_reads_and_every_value_checks_right(arch, options):
    sizes = [int(n) for n in arch.split("-")]
    exercise(arch, *options, "--variants", "1", "--seed", "3", "-o", "ex")
    (path,) = variants("ex")
    document = run_json("run", str(path))
    Path("answers.yaml").write_text(fill("ex", document, sizes), encoding="utf-8")
    result = json.loads(invoke("check", str(path), "answers.yaml", "--format", "json").stdout)
    asked = asked_values(document, "ex", sizes)
    assert len(result["results"]) == len(asked)
    assert {r["verdict"] for r in result["results"]} == {"right"}
    # the default --ask: z, a, loss, ∂L/∂a, δ of every neuron, every gradient and update
    neurons = sum(sizes[1:])
    samples = 2 if "--samples" in options else 1
    parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))
    assert len(asked) == samples * 4 * neurons + 1 + 2 * parameters


def test_every_slip_value_is_judged_wrong_by_check():
    """What slip_values says a slip gives, written to 4 decimals, is wrong to `check`,
    which names that slip among the ones it finds."""
    from backcalc.exercise.asking import plan
    from backcalc.exercise.request import ExerciseRequest, settle
    from backcalc.exercise.search import find_variant, prepare
    from backcalc.exercise.slip_values import slip_values
    exercise_ = settle(ExerciseRequest("2-2-1", "ex", activation="relu,sigmoid", seed=5))
    variant = find_variant(exercise_, prepare(exercise_), "01")
    Path("net.yaml").write_text(variant.text, encoding="utf-8")
    asked = plan(variant.worked, exercise_.ask)
    slips = slip_values(variant.network, asked)
    tried = 0
    for item in asked:
        for slip in slips[item][:3]:
            Path("a.yaml").write_text(f"{item.key}: {slip.value:.4f}\n", encoding="utf-8")
            result = json.loads(run_cli("check", "net.yaml", "a.yaml", "--format",
                                        "json").stdout)
            (entry,) = result["results"]
            assert entry["verdict"] == "wrong", (item.key, slip, entry)
            assert slip.slip in entry["slips"], (item.key, slip, entry)
            tried += 1
    assert tried > 30


# --- determinism and regeneration --------------------------------------------------------------

def tree(folder: str) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def test_the_same_command_writes_the_same_bytes(tmp_path, monkeypatch):
    args = ["2-2-1", "--activation", "relu,sigmoid", "--variants", "3", "--seed", "11",
            "-o", "ex"]
    trees = []
    for place in ("one", "two"):
        (tmp_path / place).mkdir()
        monkeypatch.chdir(tmp_path / place)
        exercise(*args)
        trees.append(tree("ex"))
    assert trees[0] == trees[1]
    assert len(trees[0]) == 11         # 3 variants, sheets and keys, asked.yaml, moodle.xml
    exercise(*args[:6], "12", "-o", "other")
    assert tree("other")["variants/01.yaml"] != trees[0]["variants/01.yaml"]


def header_command(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("#   backcalc exercise ")
    return shlex.split(lines[1][len("#   "):])[1:]


@pytest.mark.parametrize("options", [
    ["--variants", "3"],
    ["--variants", "2", "--samples", "2", "--decimals", "2", "--activation", "tanh",
     "--learning-rate", "0.1", "--ask", "z,a,W+"],
])
def test_the_header_command_writes_the_variant_again(options, tmp_path, monkeypatch):
    exercise("2-2-1", *options, "--seed", "4", "-o", "ex")
    for path in variants("ex"):
        command = header_command(path)
        assert command[command.index("--id") + 1] == path.stem
        elsewhere = tmp_path / f"again-{path.stem}"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        invoke(*command)
        assert (elsewhere / "ex" / "variants" / path.name).read_bytes() == path.read_bytes()
        assert sorted(str(p.relative_to(elsewhere / "ex"))
                      for p in (elsewhere / "ex").rglob("*") if p.is_file()) == \
            [f"keys/{path.stem}.md", f"sheets/{path.stem}.md", f"variants/{path.name}"]
        monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize(("fmt", "ext", "start", "end"), [
    ("markdown", "md", "<!-- Written by: ", " (writes this key again, to the last byte) -->"),
    ("latex", "tex", "% Written by: ", " (writes this key again, to the last byte)"),
    ("html", "html", "<!-- Written by: ", " (writes this key again, to the last byte) -->"),
])
def test_a_key_names_the_command_that_writes_it_again_and_a_sheet_does_not(
        fmt, ext, start, end, tmp_path, monkeypatch):
    exercise("2-2-1", "--variants", "2", "--seed", "3", "--format", fmt, "-o", "ex")
    key = Path("ex/keys/02." + ext)
    lines = key.read_text(encoding="utf-8").splitlines()
    line = lines[1] if fmt == "html" else lines[0]        # an HTML page's doctype first
    assert line.startswith(start) and line.endswith(end)
    command = shlex.split(line[len(start):-len(end)])
    assert command[command.index("--id") + 1] == "02"
    assert "Written by" not in Path("ex/sheets/02." + ext).read_text(encoding="utf-8")
    elsewhere = tmp_path / "again"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    invoke(*command[1:])
    assert (elsewhere / key).read_bytes() == (tmp_path / key).read_bytes()


def test_a_variant_depends_on_the_seed_and_its_id_only():
    exercise("2-2-1", "--variants", "3", "--seed", "2", "-o", "three")
    exercise("2-2-1", "--variants", "5", "--seed", "2", "-o", "five")
    for name in ("01.yaml", "02.yaml", "03.yaml"):
        one = Path("three/variants", name).read_text().splitlines()
        other = Path("five/variants", name).read_text().splitlines()
        assert one[2:] == other[2:]     # all but the command naming its folder


def network_lines(path: Path) -> list[str]:
    """A variant file's network: what follows its header of comments (naming the variant)
    and its name line."""
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith(("#", "name:"))]


def test_past_99_variants_a_variant_keeps_its_numbers_and_its_header_writes_it_again(
        tmp_path, monkeypatch):
    # 001 of --variants 100 is variant 1, as 01 of --variants 2 is; 100 is seeded as "100"
    exercise("1-1", "--ask", "z", "--variants", "100", "-o", "many")
    exercise("1-1", "--ask", "z", "--variants", "2", "-o", "few")
    assert network_lines(Path("many/variants/001.yaml")) == \
        network_lines(Path("few/variants/01.yaml"))
    assert network_lines(Path("many/variants/002.yaml")) == \
        network_lines(Path("few/variants/02.yaml"))
    assert network_lines(Path("many/variants/001.yaml")) != \
        network_lines(Path("many/variants/002.yaml"))
    # a roster's ids keep their text's numbers: "001" is not variant 1
    Path("class.csv").write_text("01\n001\n", encoding="utf-8")
    exercise("1-1", "--ask", "z", "--students", "class.csv", "-o", "roster")
    assert network_lines(Path("roster/variants/01.yaml")) == \
        network_lines(Path("few/variants/01.yaml"))
    assert network_lines(Path("roster/variants/001.yaml")) != \
        network_lines(Path("few/variants/01.yaml"))
    originals = [Path("many/variants", name).resolve() for name in ("001.yaml", "100.yaml")]
    for original in originals:
        name = original.name
        command = header_command(original)
        folder = tmp_path / name
        folder.mkdir()
        monkeypatch.chdir(folder)
        invoke(*command)
        assert (folder / "many/variants" / name).read_bytes() == original.read_bytes()


def test_existing_files_are_kept_without_force():
    exercise("2-2-1", "--variants", "2", "-o", "ex")
    before = tree("ex")
    line = error_line(run_cli("exercise", "2-2-1", "--variants", "2", "--seed", "9",
                              "-o", "ex"))
    assert line == ("Error: ex/variants/01.yaml: -o would overwrite an existing file; choose "
                    "a new name, or add --force to replace it")
    assert tree("ex") == before
    exercise("2-2-1", "--variants", "2", "--seed", "9", "-o", "ex", "--force")
    assert tree("ex")["variants/01.yaml"] != before["variants/01.yaml"]


# --- what cannot be met, and bad options ------------------------------------------------------

def test_constraints_that_cannot_be_met_end_in_one_line():
    # With answers to 0 decimals, a slip must move every value by more than 1: the
    # sigmoid's outputs lie in (0, 1), so another activation's never can.
    result = run_cli("exercise", "2-2-1", "--answer-decimals", "0", "--max-draws", "40",
                     "-o", "ex")
    line = error_line(result)
    assert line.startswith("Error: variant 01: no numbers met every constraint in 40 draws; "
                           "the one failing most: ")
    assert line.endswith("; --answer-decimals 0 is too coarse for this network's slips; try "
                         "more --answer-decimals or another --activation")
    assert not Path("ex").exists()


@pytest.mark.parametrize(("options", "hint"), [
    # all sigmoid, three samples: no ReLU to blame; the sigmoid's slope and the mean over
    # the samples are what make gradients small
    (["--samples", "3", "--seed", "4"],
     "; try another --activation than sigmoid (its slope is at most 0.25, so gradients "
     "shrink through each layer), fewer --samples (their gradients partly cancel in the "
     "mean) or fewer --ask kinds"),
    (["--activation", "relu,sigmoid", "--ask", "dL/dW"],
     "; try another --activation than relu (a neuron below 0 passes little or nothing "
     "back) or fewer --ask kinds"),
])
def test_a_refusal_s_hint_follows_the_failing_constraint_and_the_activations(options, hint):
    line = error_line(run_cli("exercise", "2-2-1", *options, "--max-draws", "20", "-o", "ex"))
    assert "the one failing most: an asked value below 0.001 in size" in line
    assert line.endswith(hint)


def test_relu_inputs_on_a_grid_of_whole_numbers():
    # --decimals 0: inputs, weights and biases are whole numbers, so is every z of the
    # ReLU layer, and the kink's margin leaves out z = 0 alone: |z| >= 1 everywhere.
    exercise("1-2-1", "--activation", "relu,linear", "--decimals", "0", "--variants", "4",
             "-o", "ex")
    for path in variants("ex"):
        network = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert all(float(v).is_integer() for layer in network["layers"]
                   for v in [*sum(layer["weights"], []), *layer["biases"]])
        zs = run_json("run", str(path))["steps"][0]["samples"][0]["layers"][0]["z"]
        assert all(z == round(z) and abs(z) >= 1 for z in zs), zs


@pytest.mark.parametrize(("args", "expected"), [
    (["--ask", "z,dl/dw"], "Error: --ask: expected kinds separated by commas, each one of z, "
     "a, fprime, dL/da, delta, sample_loss, loss, dL/dW, dL/db, W+, b+; found 'dl/dw' "
     "(did you mean 'dL/dW'?)"),
    (["--activation", "softmax"], "Error: --activation: softmax is for the output layer "
     "only, found it on layer 1 (a hidden layer); give one per layer, such as --activation "
     "sigmoid,softmax"),
    (["--variants", "2", "--id", "03"], "Error: --id: expected one of the ids of --variants "
     "2 (01 … 02), found '03'"),
    (["--id", "../x"], "Error: --id: expected an id of at most 64 letters, digits, '_', '.' "
     "and '-', not starting with '.' or '-', found '../x'"),
    (["--category", " "], "Error: --category: expected a category name of printable "
     "characters, found ' '"),
])
def test_bad_options_are_one_line(args, expected):
    assert error_line(run_cli("exercise", "2-2-1", *args, "-o", "ex")) == expected


@pytest.mark.parametrize("arch", ["graph", "2-x"])
def test_an_arch_exercise_cannot_take_offers_no_graph(arch):
    # `new` takes ARCH graph; `exercise` does not, so its error does not offer it
    assert error_line(run_cli("exercise", arch, "-o", "ex")) == (
        f"Error: ARCH: expected layer sizes joined by '-', the input size first (such as "
        f"2-3-1), found {arch!r}")
    assert "or graph" in error_line(run_cli("new", "2-x", "-o", "n.yaml"))


def test_asking_for_nothing_the_network_has_is_refused():
    line = error_line(run_cli("exercise", "2-3", "--activation", "softmax", "--loss", "ce",
                              "--ask", "fprime", "-o", "ex"))
    assert line == ("Error: --ask: fprime asks nothing of this network (a softmax layer has "
                    "no f′ of its own); ask for something else too")


def test_a_network_too_large_to_work_by_hand_is_refused():
    line = error_line(run_cli("exercise", "8-8-8", "-o", "ex"))
    assert line == ("Error: ARCH: 8-8-8 has 144 weights and biases; an exercise has at most "
                    "60 (it is worked by hand)")


# --- rosters ------------------------------------------------------------------------------------

def test_a_spreadsheet_s_roster_with_semicolons_and_a_byte_order_mark():
    Path("class.csv").write_bytes("\ufeffEmail;Name\r\nana@uni.edu;Ana\r\nbo@uni.edu;Bo\r\n"
                                  .encode("utf-8"))
    exercise("1-1", "--students", "class.csv", "-o", "ex")
    assert [p.stem for p in variants("ex")] == ["ana_uni.edu", "bo_uni.edu"]


def test_students_and_variants_are_one_or_the_other():
    Path("class.csv").write_text("ana\n", encoding="utf-8")
    line = error_line(run_cli("exercise", "2-2-1", "--variants", "3", "--students",
                              "class.csv", "-o", "ex"))
    assert line == ("Error: --students: give one of --variants, --students and --id (or "
                    "--variants with --id), found --variants and --students")


def test_a_roster_names_the_variants():
    Path("class.csv").write_text("Student ID,Name\nana,Ana B\n\nbo b,Bo\nJosé,J\n",
                                 encoding="utf-8")
    exercise("2-2-1", "--students", "class.csv", "--seed", "1", "-o", "ex")
    assert [p.stem for p in variants("ex")] == ["José", "ana", "bo_b"]
    assert "--id bo_b" in Path("ex/variants/bo_b.yaml").read_text(encoding="utf-8")
    # A student keeps their numbers when the roster changes.
    Path("later.csv").write_text("carl\nbo b\n", encoding="utf-8")
    exercise("2-2-1", "--students", "later.csv", "--seed", "1", "-o", "later")
    assert Path("later/variants/bo_b.yaml").read_text().splitlines()[2:] == \
        Path("ex/variants/bo_b.yaml").read_text().splitlines()[2:]


@pytest.mark.parametrize(("text", "expected"), [
    ("id\nana\n,x\n", "class.csv:3: expected a student id in the first column, found an "
     "empty cell"),
    ("ana\nbo\nana\n", "class.csv:3: the id 'ana' is on line 1 already; every student needs "
     "an id of their own"),
    ("a b\na_b\n", "class.csv:2: 'a_b' makes the file name 'a_b', as 'a b' on line 1 does; "
     "every student needs an id of their own"),
    ("Ana\nana\n", "class.csv:2: 'ana' and 'Ana' (line 1) differ only in case, and make the "
     "same file where names ignore case (macOS, Windows); every student needs an id of "
     "their own"),
    ("email\n\n", "class.csv: expected student ids in the first column, found none"),
    ("...\n", "class.csv:1: expected a student id with a letter or digit, found '...'"),
])
def test_roster_errors_name_the_line(text, expected):
    Path("class.csv").write_text(text, encoding="utf-8")
    line = error_line(run_cli("exercise", "2-2-1", "--students", "class.csv", "-o", "ex"))
    assert line == f"Error: {expected}"
    assert not Path("ex").exists()


def test_no_relu_input_near_its_kink_over_many_draws():
    """Only z asked: dead ReLUs may stay, so many z of every size are drawn, and none may
    lie within 0.05 of 0 (inputs, weights and biases to 2 decimals: z moves in steps of
    0.0001, and would often land there)."""
    exercise("3-6-1", "--activation", "relu,linear", "--decimals", "2", "--ask", "z",
             "--variants", "25", "--seed", "5", "-o", "ex")
    zs = [z for path in variants("ex")
          for z in run_json("run", str(path))["steps"][0]["samples"][0]["layers"][0]["z"]]
    assert len(zs) == 150
    assert min(abs(z) for z in zs) > 0.05
    assert any(z < 0 for z in zs)          # not only live neurons: the margin did this


# --- moodle.xml ---------------------------------------------------------------------------------

def per_sample(key: str) -> bool:
    """A sample's own value (z1_1, delta2_1), not the step's (loss, dL/dw5, w5+)."""
    return re.fullmatch(r"(z|a|dL/da|delta)[0-9]+_[0-9]+", key) is not None


BLANK = re.compile(r"<tr><td>([^<]*)</td><td>\{1:NUMERICAL:=([^:]+):([^~]+)~(.*?)\}</td></tr>")


@pytest.mark.parametrize("options", [["--activation", "relu,sigmoid"],
                                     ["--activation", "tanh", "--samples", "2"]])
def test_moodle_holds_one_question_per_variant_with_run_s_values_and_check_s_slips(options):
    import xml.etree.ElementTree as ElementTree
    sizes = [2, 2, 1]
    several = "--samples" in options
    exercise("2-2-1", *options, "--variants", "2", "--seed", "8", "-o", "ex")
    root = ElementTree.parse("ex/moodle.xml").getroot()
    questions = root.findall("question")
    assert [q.get("type") for q in questions] == ["category", "cloze", "cloze"]
    tried = 0
    for question, path in zip(questions[1:], variants("ex")):
        assert question.findtext("name/text") == path.stem
        document = run_json("run", str(path))
        expected = {(f"{key} (sample {sample + 1})" if several and per_sample(key)
                     else key): value
                    for (sample, key), value in asked_values(document, "ex", sizes).items()}
        blanks = BLANK.findall(question.findtext("questiontext/text"))
        assert [label for label, *_ in blanks] == list(expected)
        for label, value, tolerance, rest in blanks:
            assert float(value) == expected[label]          # every digit of run's value
            assert float(tolerance) == 0.00005
            boxes = re.findall(r"%0%([^:]+):([^#~]+)#", rest)
            for centre, reach in boxes:                      # never touching the right one's
                assert abs(float(centre) - expected[label]) > float(reach) + 0.00005
            slips = [centre for centre, _ in boxes]
            if slips and tried < 12:                         # check names a slip for it
                key, _, sample = label.partition(" (sample ")
                block = f"sample: {sample.rstrip(')')}\n" if sample else ""
                Path("a.yaml").write_text(f"{block}{key}: {float(slips[0]):.4f}\n",
                                          encoding="utf-8")
                (entry,) = json.loads(run_cli("check", str(path), "a.yaml", "--format",
                                              "json").stdout)["results"]
                assert entry["verdict"] == "wrong" and entry["slips"], (label, entry)
                tried += 1
    assert tried == 12


def test_every_slip_written_to_answer_decimals_meets_feedback_naming_it_in_moodle():
    """Variant 02 of seed 1 has slips a hair apart (w1+: the bias left out gives
    −1.9057826, written −1.9058, near another slip's −1.90585): whatever a student making
    any slip writes at --answer-decimals, Moodle's first matching alternative names it."""
    import xml.etree.ElementTree as ElementTree

    from test_moodle import first_match, half_up, read_blanks

    from backcalc.engine import train
    from backcalc.exercise.asking import parse_ask, plan
    from backcalc.exercise.slip_values import slip_values
    from backcalc.netfile import parse_network_text
    from backcalc.worked import build
    exercise("2-2-1", "--variants", "2", "--seed", "1", "-o", "ex")
    root = ElementTree.parse("ex/moodle.xml").getroot()
    matched = 0
    for question, path in zip(root.findall("question")[1:], variants("ex")):
        network = parse_network_text(path.read_text(encoding="utf-8"), str(path))
        asked = plan(build(network, train(network, 1).steps[:1]), parse_ask(None))
        slips = slip_values(network, asked)
        blanks = read_blanks(question.findtext("questiontext/text"))
        labels = re.findall(r"<tr><td>([^<]*)</td><td>\{#", _numbered(question))
        assert len(labels) == len(blanks) == len(asked)
        for item, label, blank in zip(asked, labels, blanks):
            assert label == item.key
            right = blank["alternatives"][0]
            for slip in slips[item]:
                # a tie (0.16154999999999986 is 0.16155 carried exactly) goes either way;
                # the right answer's own rounding is no slip's answer
                ways = {half_up(slip.value, 4), half_up(slip.value, 4, "ROUND_HALF_DOWN")}
                for written in ways - {half_up(right["value"], 4)}:
                    match = first_match(blank["alternatives"], written)
                    assert match is not right and slip.sentence in match["sentences"], \
                        (path.stem, label, slip, written)
                    matched += 1
    assert matched > 300


def _numbered(question) -> str:
    """The question text with each blank replaced by its place, as Moodle shows it."""
    text = question.findtext("questiontext/text")
    count = 0

    def place(_match) -> str:
        nonlocal count
        count += 1
        return f"{{#{count}}}"
    return re.sub(r"\{1:NUMERICAL:.*?\}(?=</td>)", place, text)


def moodle_category(folder: str) -> str:
    import xml.etree.ElementTree as ElementTree
    root = ElementTree.parse(f"{folder}/moodle.xml").getroot()
    text = root.findtext("question[@type='category']/category/text") or ""
    assert text.startswith("$course$/backcalc/")
    return text[len("$course$/backcalc/"):]


def test_exercises_that_differ_get_categories_of_their_own():
    exercise("2-2-1", "-o", "one")
    exercise("2-2-1", "--activation", "tanh", "--answer-decimals", "4", "-o", "two")
    exercise("2-2-1", "--activation", "relu,sigmoid", "--ask", "z,a", "--answer-decimals",
             "5", "--seed", "3", "-o", "three")
    assert moodle_category("one") == "2-2-1 sigmoid half_squared_error, seed 0"
    assert moodle_category("two") == "2-2-1 tanh half_squared_error, seed 0"   # 4: default
    assert moodle_category("three") == ("2-2-1 relu,sigmoid half_squared_error, ask z,a, "
                                        "answers to 5 decimals, seed 3")


def test_category_names_the_moodle_category_and_the_written_by_line_keeps_it(tmp_path,
                                                                            monkeypatch):
    exercise("2-2-1", "--category", "Week 3/backprop", "-o", "ex")
    assert moodle_category("ex") == "Week 3//backprop"       # Moodle's escape for a '/'
    asked = Path("ex/asked.yaml").read_text(encoding="utf-8")
    (line,) = [line for line in asked.splitlines() if line.startswith("# Written by: ")]
    words = shlex.split(line[len("# Written by: "):])
    assert words[words.index("--category") + 1] == "Week 3/backprop"
    # the variant's own header (which writes no moodle.xml) does not depend on it
    assert "--category" not in Path("ex/variants/01.yaml").read_text(encoding="utf-8")
    first = Path("ex/moodle.xml").resolve().read_bytes()
    monkeypatch.chdir(tmp_path)
    run_cli(*words[1:])
    assert Path("ex/moodle.xml").read_bytes() == first


def test_the_sheet_says_the_answer_decimals_the_key_and_moodle_use():
    exercise("1-1", "--ask", "z", "--answer-decimals", "6", "-o", "ex")
    assert "Give each value to 6 decimals" in Path("ex/sheets/01.md").read_text("utf-8")
    assert "Give each value below to 6 decimals" in Path("ex/moodle.xml").read_text("utf-8")
    network = yaml.safe_load(Path("ex/variants/01.yaml").read_text("utf-8"))
    (w,), b, x = network["layers"][0]["weights"][0], network["layers"][0]["biases"][0], \
        network["input"][0]
    z = Decimal(repr(w)) * Decimal(repr(x)) + Decimal(repr(b))    # z1_1 = w·x + b, exactly
    row = re.search(r"\| z1\\_1 \|[^\n]*", Path("ex/keys/01.md").read_text("utf-8"))
    assert row and row.group(0).endswith(f"| {z.quantize(Decimal('0.000001'))} |")


# --- sheets and keys ----------------------------------------------------------------------------

@pytest.mark.parametrize(("fmt", "extension"), [("markdown", "md"), ("latex", "tex"),
                                                 ("html", "html")])
def test_each_variant_has_a_sheet_without_answers_and_a_key_with_run_s_values(fmt,
                                                                              extension):
    sizes = [2, 2, 1]
    exercise("2-2-1", "--variants", "2", "--seed", "6", "--format", fmt, "-o", "ex")
    for path in variants("ex"):
        sheet = Path("ex/sheets", f"{path.stem}.{extension}").read_text(encoding="utf-8")
        key = Path("ex/keys", f"{path.stem}.{extension}").read_text(encoding="utf-8")
        document = run_json("run", str(path))
        for (_, name), value in asked_values(document, "ex", sizes).items():
            written = f"{abs(value):.4f}"       # to --answer-decimals (4); LaTeX writes $- 1.2$
            if written.endswith("0"):           # 0.5250 may be written 0.525 elsewhere
                continue
            assert written in key, (name, written)
            assert written not in sheet, (name, written)
        for name in ("dL/dw5", "w6+", "b3+"):    # (markdown writes z1_1 as z1\\_1)
            assert name in sheet and name in key
    assert sorted(p.name for p in Path("ex").iterdir()) == \
        ["asked.yaml", "keys", "moodle.xml", "sheets", "variants"]


def test_grade_takes_asked_yaml_and_the_variants_folder():
    exercise("2-2-1", "--activation", "tanh", "--samples", "2", "--variants", "2", "--seed",
             "3", "-o", "ex")
    Path("subs").mkdir()
    Path("subs/01.yaml").write_text("sample: 2\nz1_1: 0.1\n", encoding="utf-8")
    result = invoke("grade", "ex/variants", "subs", "--asked", "ex/asked.yaml",
                    "--format", "json")
    (student,) = json.loads(result.stdout)["students"]
    # 2 samples × (z, a, ∂L/∂a, δ) × 3 neurons, the loss, 6 weights' and 3 biases'
    # gradients and updated values: 24 + 1 + 18 asked, one of them answered
    assert student["missing"] == 24 + 1 + 18 - 1


def test_variants_that_drew_the_same_numbers_are_named():
    summary = exercise("1-1", "--activation", "linear", "--decimals", "0", "--variants",
                       "30", "-o", "ex")
    named = re.search(r"Variants (.*) drew the same numbers", summary).group(1)

    def numbers(stem: str) -> dict:
        network = yaml.safe_load(Path("ex/variants", f"{stem}.yaml").read_text())
        return {k: v for k, v in network.items() if k != "name"}
    for pair in named.split("; "):
        one, other = pair.split(" and ")
        assert numbers(one) == numbers(other)
    # every variant whose numbers an earlier one has is named, after its first twin
    seconds = {pair.split(" and ")[1] for pair in named.split("; ")}
    stems = [p.stem for p in variants("ex")]
    repeated = {other for i, one in enumerate(stems) for other in stems[i + 1:]
                if numbers(one) == numbers(other)}
    assert repeated == seconds
    assert "drew the same numbers" not in exercise("2-2-1", "--variants", "5", "-o", "big")
