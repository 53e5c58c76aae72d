"""The quiet path and the full path are one calculation (issue 6).

``train_untraced`` (what `step --quiet` runs) skips what only the tables
show: each step's loss, the gradients of fixed biases, ∂L/∂a and f'(z) of a fused
output layer.  Everything that feeds the update must stay the same to the last bit —
the parameters, the optimizer's memory, the final loss and outputs — and a run must
stop at the same step with the same message.
"""

from __future__ import annotations

import numpy as np
import pytest

from backcalc.engine import Step, train, train_untraced
from backcalc.netfile import parse_network_text

from helpers import NETWORKS, bundled_network, run_cli

BUNDLED = sorted(path.stem for path in NETWORKS.glob("*.yaml"))

HEAD = "input: [0.5, -1.5]\n"
LAYERS = ("layers:\n"
          "  - {{activation: {hidden}, weights: [[0.3, -0.2], [0.9, 0.4], [-0.7, 0.1]], "
          "biases: [0.1, -0.2, 0.05]}}\n"
          "  - {{activation: {output}, weights: [[0.5, -0.6, 0.2], [-0.3, 0.8, 0.4]], "
          "biases: 0.1, shared_bias: true}}\n")
MADE = {
    "sigmoid-bce": "target: [0, 1]\nloss: bce\nlearning_rate: 0.7\n",
    "sigmoid-ce": "target: [0.25, 0.75]\nloss: ce\nlearning_rate: 0.7\n",
    "softmax-ce": "target: [0, 1]\nloss: ce\nlearning_rate: 0.7\n",
    "softmax-bce": "target: [0, 1]\nloss: bce\nlearning_rate: 0.7\n",
    "momentum": "target: [0.2, 0.9]\nloss: mse\nlearning_rate: 0.3\nmomentum: 0.8\n"
                "update_biases: false\n",
    "adam": "target: [0.2, 0.9]\nloss: sse\nlearning_rate: 0.05\noptimizer: {name: adam}\n",
    "rounded": "target: [0.2, 0.9]\nloss: half_sse\nlearning_rate: 0.5\n"
               "round_intermediates: 4\n",
    "rounded-bce": "target: [0, 1]\nloss: bce\nlearning_rate: 0.5\nround_intermediates: 3\n",
    "diverges": "target: [0.2, 0.9]\nloss: sse\nlearning_rate: 1e150\n",
    "overflows": "target: [0.2, 0.9]\nloss: sse\nlearning_rate: 1e306\n",
    "domain": "target: [0, 1]\nloss: bce\nlearning_rate: 0.01\n",
}
SMALL_OUTPUT = ("layers:\n"
                "  - {{activation: {hidden}, weights: [[0.3, -0.2], [0.9, 0.4], [-0.7, 0.1]], "
                "biases: [0.1, -0.2, 0.05]}}\n"
                "  - {{activation: {output}, weights: [[0.05, 0.06, 0.02], [0.03, 0.08, 0.04]], "
                "biases: [0.3, 0.6]}}\n")     # outputs in [0, 1] at first, leaving it later
ACTIVATIONS = {"sigmoid-bce": ("tanh", "sigmoid"), "sigmoid-ce": ("relu", "sigmoid"),
               "softmax-ce": ("elu", "softmax"), "softmax-bce": ("sigmoid", "softmax"),
               "momentum": ("leaky_relu", "sigmoid"), "adam": ("softplus", "tanh"),
               "rounded": ("sigmoid", "sigmoid"), "rounded-bce": ("tanh", "sigmoid"),
               "diverges": ("tanh", "linear"), "overflows": ("linear", "linear"),
               "domain": ("tanh", "linear")}


def network(name: str):
    if name in MADE:
        hidden, output = ACTIVATIONS[name]
        layers = SMALL_OUTPUT if name == "domain" else LAYERS
        return parse_network_text(HEAD + MADE[name] + layers.format(hidden=hidden,
                                                                   output=output))
    return bundled_network(name)


def bits(array) -> bytes:
    return np.ascontiguousarray(array, dtype=float).tobytes()


def parameters(params) -> list[bytes]:
    return [bits(a) for p in params for a in p]


@pytest.mark.parametrize("name", BUNDLED + sorted(MADE))
def test_the_quiet_path_gives_the_full_paths_numbers_bit_for_bit(name):
    iterations = 40
    full = train(network(name), iterations)
    quiet = train_untraced(network(name), iterations)
    assert quiet.stopped == full.stopped
    assert quiet.trained.progress.iteration == full.trained.progress.iteration
    assert quiet.trained.progress.updates == full.trained.progress.updates
    assert parameters(quiet.trained.params) == parameters(full.trained.params)
    assert sorted(quiet.trained.progress.slots) == sorted(full.trained.progress.slots)
    for slot, values in full.trained.progress.slots.items():
        assert parameters(quiet.trained.progress.slots[slot]) == parameters(values)
    assert (quiet.final is None) == (full.final is None)
    if full.final is not None:
        assert repr(quiet.final.loss) == repr(full.final.loss)
        assert bits(quiet.final.outputs) == bits(full.final.outputs)
    # The last update is recorded either way (a Step with its values only when traced);
    # its update is the same.
    assert quiet.last.iteration == full.steps[-1].iteration
    assert parameters(quiet.last.parameters) == parameters(full.steps[-1].parameters)
    assert not isinstance(quiet.last, Step) and full.steps[-1].loss is not None


def test_the_made_networks_cover_the_stops():
    # The stops the quiet path must find at the same step: a divergence, an overflow of z,
    # a loss undefined for the outputs (each after at least one whole iteration).
    for name, stop in (("diverges", "update makes"), ("overflows", "overflows"),
                       ("domain", "undefined")):
        run = train(network(name), 40)
        assert stop in run.stopped and run.trained.progress.iteration >= 1, name


@pytest.mark.parametrize("name", ["mazur", "xor-online", "softmax-classifier"])
def test_step_quiet_saves_the_state_step_shows(name, tmp_path, monkeypatch):
    states = []
    for quiet in ([], ["--quiet"]):
        folder = tmp_path / ("quiet" if quiet else "shown")
        folder.mkdir()
        monkeypatch.chdir(folder)
        result = run_cli("step", name, "-n", "25", *quiet)
        assert result.exit_code == 0, result.output
        states.append((folder / ".backcalc" / "state.yaml").read_text())
        summary = result.stdout[result.stdout.index("After 25 iterations"):].splitlines()
        states.append([line for line in summary
                       if line.startswith(("loss after", "a = ", "sample"))])
    assert states[0] == states[2] and states[1] == states[3] and states[1]
