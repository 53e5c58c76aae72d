"""The engine's entry points: one per use, each silencing floating-point warnings itself,
and results whose fields are all there (no None to check) — ``train`` traced,
``train_untraced`` with its own, smaller shape."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import backcalc
from backcalc.engine import Engine, Evaluation, Outcome, Run, Step, Update, train, train_untraced
from backcalc.netfile import load_network, parse_network_text

from helpers import UNDEFINED

NETWORKS = Path(backcalc.__file__).parent / "networks"
BUNDLED = sorted(path.stem for path in NETWORKS.glob("*.yaml"))

OVERFLOWING = """
input: [1.0, -1.0]
target: [0.5]
loss: mse
learning_rate: 1e300
layers:
  - {activation: sigmoid, weights: [[800, -800], [1e308, -1e308]], biases: [0, 0]}
  - {activation: linear, weights: [[1e308, 1e308]], biases: [0]}
"""


def bundled(name: str):
    return load_network(NETWORKS / f"{name}.yaml", name)


@pytest.fixture
def strict_floats():
    """Every floating-point problem a warning, every warning an error: an entry point
    that does not silence its arithmetic fails."""
    with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("error")
        yield


def test_every_entry_point_silences_its_arithmetic(strict_floats):
    net = parse_network_text(OVERFLOWING)
    engine = Engine(net)
    evaluation = engine.evaluate(net.params, [0])
    assert not np.isfinite(evaluation.layers[0].z).all()
    assert train(net, 3).stopped and train_untraced(net, 3).stopped
    sane = bundled("mazur")
    pass_ = Engine(sane).run_pass(sane.params, [0])
    assert Engine(sane).gradients(sane.params, pass_)


def test_the_engine_has_one_public_method_per_use():
    public = {name for name in vars(Engine) if not name.startswith("_")}
    assert public == {"run_pass", "gradients", "evaluate", "reduce"}


@pytest.mark.parametrize("name", BUNDLED)
def test_a_traced_run_has_every_value(name):
    run = train(bundled(name), 3)
    assert isinstance(run, Run) and run.last is run.steps[-1]
    for step in run.steps:
        assert isinstance(step, Step) and isinstance(step.loss, float)
        assert step.pass_.terms.shape == step.pass_.targets.shape
        assert step.pass_.losses.shape == (len(step.pass_.sample_indices),)
        for layer in step.pass_.layers:
            assert layer.dL_da.shape == layer.z.shape == layer.delta.shape
        for gradient, before in zip(step.gradients, step.before):
            assert gradient.weights.shape == before.weights.shape
            assert gradient.biases.shape == before.biases.shape


@pytest.mark.parametrize("name", BUNDLED)
def test_an_untraced_run_has_its_own_shape(name):
    outcome = train_untraced(bundled(name), 3)
    assert type(outcome) is Outcome and not hasattr(outcome, "steps")
    assert type(outcome.last) is Update and outcome.last.iteration == 3
    full = train(bundled(name), 3)
    assert outcome.final.loss == full.final.loss
    assert outcome.trained.progress.iteration == full.trained.progress.iteration == 3


def test_evaluate_says_why_a_loss_is_undefined():
    net = parse_network_text(UNDEFINED)
    evaluation = Engine(net).evaluate(net.params, [0])
    assert isinstance(evaluation, Evaluation) and evaluation.loss is None
    assert "undefined for output a = 2.5" in evaluation.problem
    assert evaluation.layers[0].a.tolist() == [[2.5]]
    mazur = bundled("mazur")
    values = Engine(mazur).evaluate(mazur.params, [0])
    assert values.problem is None
    assert values.loss.total == pytest.approx(0.298371109, abs=1e-9)
    assert values.loss.per_sample.tolist() == [values.loss.total]


@pytest.mark.parametrize("trainer", [train, train_untraced])
def test_train_reports_each_iteration_done(trainer):
    heard = []
    trainer(bundled("xor-online"), 5, progress=lambda done, total: heard.append((done, total)))
    assert heard == [(i, 5) for i in range(6)]        # per iteration, not per sample


def test_a_run_continued_from_a_state_counts_its_own_iterations():
    first = train(bundled("mazur"), 2).trained
    heard = []
    train_untraced(first, 3, progress=lambda done, total: heard.append((done, total)))
    assert heard[-1] == (3, 3)


def test_a_stopped_run_reports_the_iterations_it_finished():
    heard = []
    outcome = train_untraced(parse_network_text(OVERFLOWING), 4,
                             progress=lambda done, total: heard.append(done))
    assert outcome.stopped and heard == list(range(outcome.trained.progress.iteration + 1))
