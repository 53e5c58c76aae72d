"""Registries hold what belongs to them: a new optimizer (or activation) is one class.

The fixture registers a toy optimizer — Signum, sign-SGD with a momentum buffer
(Bernstein et al. 2018): u ← βu + (1 − β)∇L, θ ← θ − η·sign(u) — as one class and its
key in ``OPTIMIZERS``, and nothing else.  Its setting (β), its memory (the buffer u) and
its rules (the engine's array update, the worked per-parameter lines, the update_sign
slip) all live in the class; ``run``, ``step`` (continuing from the state file),
``--explain``, ``check``, the JSON, the schema and the loader's refusals then all work
with it.  Adding an optimizer to backcalc for good touches ``backcalc/optimizers.py``
(the class and its ``OPTIMIZERS`` key), the shipped schema (regenerated with
``backcalc schema -o``), the docs and the tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from backcalc import activations, optimizers
from backcalc.engine import train
from backcalc.netfile import parse_network_text
from backcalc.optimizers import Line, Optimizer, Setting
from backcalc.quantities import Memory
from backcalc.slips import UPDATE_SIGN
from backcalc.worked import build, evaluate

from helpers import run_cli as invoke

BUFFER = Memory("buffer", "u", "buffer u", None, None,
                description="Signum's momentum buffer u of every parameter, layer by layer.")


class Signum(Optimizer):
    """u ← βu + (1 − β)∇L, θ ← θ − η·sign(u)."""

    name = "signum"
    settings = {"beta": Setting(0.9, "Signum's decay of its buffer, in [0, 1).")}
    memory = (BUFFER,)

    def describe(self):
        return (f"Signum (β = {self.options['beta']:g}): u ← βu + (1 − β)∇L, "
                "θ ← θ − η·sign(u)")

    def update(self, theta, grad, memory, t, lr, round_):
        beta = self.options["beta"]
        u = round_(beta * memory["buffer"] + (1 - beta) * grad)
        return round_(theta - lr * np.sign(u)), {"buffer": u}

    def worked_lines(self, lr, t):
        beta = self.options["beta"]
        constants = {"eta": ("η", lr), "beta": ("β", beta),
                     "one_minus_beta": ("(1 − β)", 1 - beta)}
        return [
            Line(BUFFER, ("buffer_before", "grad"),
                 "{beta}·{buffer_before} + {one_minus_beta}·{grad}",
                 lambda v: beta * v[0] + (1 - beta) * v[1], constants),
            Line(None, ("theta", "buffer"), "{theta} − {eta}·sign({buffer})",
                 lambda v: v[0] - lr * float(np.sign(v[1])), constants,
                 {UPDATE_SIGN: {"": (("theta", "buffer"),
                                     lambda v: v[0] + lr * float(np.sign(v[1])))}}),
        ]


@pytest.fixture
def signum(monkeypatch):
    """Signum registered: one class, one key."""
    monkeypatch.setitem(optimizers.OPTIMIZERS, "signum", Signum)
    return Signum


NETWORK = """\
name: Signum on Mazur's network
input: [0.05, 0.10]
target: [0.01, 0.99]
loss: half_squared_error
learning_rate: 0.5
optimizer: {name: signum, beta: 0.5}
layers:
  - activation: sigmoid
    weights: [[0.15, 0.20], [0.25, 0.30]]
    biases: [0.35, 0.35]
    names: {weights: [[w1, w2], [w3, w4]], biases: [b1, b2]}
  - activation: sigmoid
    weights: [[0.40, 0.45], [0.50, 0.55]]
    biases: [0.60, 0.60]
    names: {weights: [[w5, w6], [w7, w8]], biases: [b3, b4]}
"""


@pytest.fixture
def network_file(signum, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("net.yaml").write_text(NETWORK, encoding="utf-8")
    return "net.yaml"


def _flat(parameters: list) -> np.ndarray:
    return np.concatenate([np.ravel(layer[key]) for layer in parameters
                           for key in ("weights", "biases")])


def test_the_loader_takes_its_settings_and_refuses_what_it_does_not_take(signum):
    net = parse_network_text(NETWORK)
    assert net.optimizer.name == "signum" and net.optimizer.settings == {"beta": 0.5}
    bare = parse_network_text(NETWORK.replace("{name: signum, beta: 0.5}", "signum"))
    assert bare.optimizer.settings == {"beta": 0.9}
    for change, message in [
        ("{name: signum, beta: 1.5}", "optimizer.beta: expected a value in [0, 1), found 1.5"),
        ("{name: signum, beta1: 0.5}", "signum takes no beta1 (only adam and adamw do)"),
        ("{name: adam, beta: 0.5}", "adam takes no beta (only signum does); expected one "
                                    "of beta1, beta2, epsilon, name"),
        ("{name: sgd, beta: 0.5}", "sgd takes no beta (only signum does); expected only name"),
    ]:
        with pytest.raises(Exception, match=re.escape(message)):
            parse_network_text(NETWORK.replace("{name: signum, beta: 0.5}", change))
    with pytest.raises(Exception, match="momentum applies to sgd"):
        parse_network_text(NETWORK + "momentum: 0.5\n")


def test_json_steps_follow_its_rule(network_file):
    out = invoke("step", network_file, "-n", "3", "--format", "json")
    assert out.exit_code == 0, out.output
    steps = json.loads(out.stdout)["steps"]
    theta = _flat([{"weights": [[0.15, 0.20], [0.25, 0.30]], "biases": [0.35, 0.35]},
                   {"weights": [[0.40, 0.45], [0.50, 0.55]], "biases": [0.60, 0.60]}])
    buffer = np.zeros_like(theta)
    for step in steps:                       # u ← βu + (1 − β)g, θ ← θ − η·sign(u), by hand
        buffer = 0.5 * buffer + 0.5 * _flat(step["gradients"])
        theta = theta - 0.5 * np.sign(buffer)
        assert _flat(step["parameters"]) == pytest.approx(theta, abs=0)


def test_run_shows_its_memory_and_step_continues_from_the_state_file(network_file):
    out = invoke("run", network_file, columns=160)
    assert out.exit_code == 0, out.output
    assert "Signum (β = 0.5): u ← βu + (1 − β)∇L, θ ← θ − η·sign(u)" in out.output
    assert "buffer u" in out.output                         # the update table's column
    state = Path(".backcalc/state.yaml").read_text(encoding="utf-8")
    assert "name: signum" in state and "buffer:" in state
    continued = invoke("step", "-n", "2", "--format", "json")
    assert continued.exit_code == 0, continued.output
    whole = invoke("step", network_file, "-n", "3", "--format", "json")
    assert json.loads(continued.stdout)["final"] == json.loads(whole.stdout)["final"]


def test_explain_writes_its_lines(network_file):
    out = invoke("run", network_file, "--explain", "--precision", "6", columns=200)
    assert out.exit_code == 0, out.output
    assert "u[w5] = β·u[w5] + (1 − β)·∂L/∂w5 = 0.5·0 + 0.5·0.082167 = 0.041084" in out.output
    assert "w5⁺ = w5 − η·sign(u[w5]) = 0.4 − 0.5·sign(0.041084) = −0.1" in out.output


def test_the_worked_calculation_recomputes_the_engines_values(signum):
    network = parse_network_text(NETWORK)
    run = train(network, 3)
    worked = build(network, run.steps, with_slips=True)
    values, _ = evaluate(worked, {})
    kinds = set()
    for q in worked.quantities:
        if not q.is_leaf:
            assert values[q.key] == pytest.approx(q.value, rel=1e-12, abs=1e-14), q.symbol
            kinds.add(q.key.kind)
    assert {"buffer:W", "buffer:b", "W+", "b+"} <= kinds
    assert any(UPDATE_SIGN in q.slips for q in worked.quantities)


def test_check_judges_its_updates_and_names_its_slip(network_file):
    right = invoke("check", network_file, _answers({"w5+": -0.1, "b3+": 0.1}),
                   "--format", "json")
    assert right.exit_code == 0, right.output
    assert [r["verdict"] for r in json.loads(right.stdout)["results"]] == ["right", "right"]
    slip = invoke("check", network_file, _answers({"w5+": 0.9}), "--format", "json")
    assert slip.exit_code == 1, slip.output
    (result,) = json.loads(slip.stdout)["results"]
    assert (result["verdict"], result["slip"]) == ("wrong", "update_sign")


def test_the_schema_describes_it_and_the_state_it_saves(network_file):
    jsonschema = pytest.importorskip("jsonschema")
    from backcalc.schema import network_schema
    schema = network_schema()
    optimizer = schema["properties"]["optimizer"]
    assert "signum" in optimizer["anyOf"][0]["enum"]
    assert "Signum's decay" in optimizer["anyOf"][1]["properties"]["beta"]["description"]
    assert "buffer" in schema["properties"]["state"]["properties"]
    invoke("step", network_file, "-n", "2")
    import yaml
    state = yaml.safe_load(Path(".backcalc/state.yaml").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(state)) == []


def _answers(values: dict) -> str:
    Path("answers.yaml").write_text(json.dumps(values), encoding="utf-8")
    return "answers.yaml"


# --- an activation is one class too ------------------------------------------------

class Swish(activations.Activation):
    """a = z·σ(z), f′(z) = σ(z)(1 + z(1 − σ(z)))."""

    name = "swish"
    formula = "a = z·σ(z)"
    derivative_formula = "f′(z) = σ(z)(1 + z(1 − σ(z)))"
    symbol, forward_template, prime_symbol = "swish", "{z}·σ({z})", "swish′"

    def prime_template(self, z):
        return "σ({z})(1 + {z}(1 − σ({z})))", ""

    def forward(self, z):
        return z * activations.sigmoid(z)

    def derivative(self, z, a):
        s = activations.sigmoid(z)
        return s * (1 + z * (1 - s))


def test_a_new_activation_is_one_class(monkeypatch, tmp_path):
    monkeypatch.setitem(activations.ACTIVATIONS, "swish", Swish)
    monkeypatch.chdir(tmp_path)
    Path("net.yaml").write_text(NETWORK.replace("optimizer: {name: signum, beta: 0.5}\n", "")
                                .replace("activation: sigmoid", "activation: swish", 1),
                                encoding="utf-8")
    out = invoke("run", "net.yaml", "--explain", "--precision", "6", columns=200)
    assert out.exit_code == 0, out.output
    assert "a₁⁽¹⁾ = z₁⁽¹⁾·σ(z₁⁽¹⁾) = 0.3775·σ(0.3775) = 0.223959" in out.output
    network = parse_network_text(Path("net.yaml").read_text(encoding="utf-8"))
    worked = build(network, train(network, 2).steps, with_slips=True)
    values, _ = evaluate(worked, {})
    for q in worked.quantities:
        assert values[q.key] == pytest.approx(q.value, rel=1e-12, abs=1e-14), q.symbol
    # other layers' students may now mistake their activation for swish
    assert any("swish" in q.slips.get("wrong_activation", {}) for q in worked.quantities)
    answers = json.dumps({"a1_1": 0.224})
    Path("answers.yaml").write_text(answers, encoding="utf-8")
    checked = invoke("check", "net.yaml", "answers.yaml", "--format", "json")
    assert json.loads(checked.stdout)["results"][0]["verdict"] == "right", checked.output


# --- nothing outside the registries asks for a name -------------------------------------

BACKCALC = Path(__file__).parent.parent / "backcalc"
REGISTRY_CLIENTS = ["worked.py", "check.py", "answers.py", "jsonout.py", "csvout.py",
                    "gradcheck.py", "explain.py", "network.py", "schema.py", "scaffold.py",
                    "savefile.py"]


@pytest.mark.parametrize("module", REGISTRY_CLIENTS)
def test_no_module_outside_the_registries_branches_on_a_registered_name(module):
    from backcalc.losses import LOSSES
    text = (BACKCALC / module).read_text(encoding="utf-8")
    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    names = set(activations.ACTIVATIONS) | set(LOSSES) | set(optimizers.OPTIMIZERS)
    used = sorted(name for name in names if re.search(rf"""["']{name}["']""", code))
    allowed = {"network.py": ["sgd"],       # defaults: the file format's optimizer, `new`'s
               "scaffold.py": ["half_squared_error", "sigmoid"]}
    assert used == allowed.get(module, []), used
    assert "__name__" not in code
    assert not re.search(r"\.name\s*[!=]=\s*[\"']", code)


@pytest.mark.parametrize("kind, good, bad, message", [
    ("decay", 0.0, 1.0, "expected a value in [0, 1), found {}"),
    ("positive", 1e-12, 0.0, "expected a number above 0, found {}"),
    ("non_negative", 0.0, -1e-9, "expected a number of 0 or more, found {}"),
])
def test_an_optimizers_settings_say_what_they_take(kind, good, bad, message):
    setting = Setting(good, "words", kind=kind)
    assert setting.problem(good) is None and setting.problem(bad) == message
    assert setting.schema()["type"] == "number"


def test_a_boolean_setting_is_read_as_one(monkeypatch):
    class Decaying(Signum):
        name = "decaying"
        settings = {**Signum.settings, "decay_biases": Setting(False, "words", kind="boolean")}
    monkeypatch.setitem(optimizers.OPTIMIZERS, "decaying", Decaying)
    text = NETWORK.replace("{name: signum, beta: 0.5}", "{name: decaying, decay_biases: true}")
    assert parse_network_text(text).optimizer.settings == {"beta": 0.9, "decay_biases": True}
    with pytest.raises(Exception, match="decay_biases: expected true or false, found 1"):
        parse_network_text(text.replace("decay_biases: true", "decay_biases: 1"))
