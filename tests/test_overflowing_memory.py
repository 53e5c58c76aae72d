"""An optimizer's memory that overflows while the parameters stay finite (red team 12c H3).

Adam's second moment is v = β₂v + (1 − β₂)g²: a finite gradient of 1e299 gives g² = inf,
yet m̂/√v̂ = 0 keeps the parameter finite.  Such a state could not be read back, so the
run stops there, as for a parameter that overflows, and keeps the last finite state.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from backcalc.errors import InputError
from backcalc.network import Params, Progress
from backcalc.savefile import save_network

from helpers import bundled_network, error_line, invoke, run_cli, write_network
from network_builders import dumps, layer, network_text

pytestmark = pytest.mark.usefixtures("in_tmp")

# Every optimizer and form of momentum (the keys a network file gives it).
OPTIMIZERS = {
    "sgd": {},
    "momentum": {"momentum": 0.9},
    "nesterov": {"momentum": 0.9, "nesterov": True},
    "adam": {"optimizer": {"name": "adam"}},
    "adamw": {"optimizer": {"name": "adamw"}},
}


def growing_network(options: dict) -> str:
    """x = 1e150, y = 1, a = w·x (linear), w = b = 0, η = 0.1, half SSE.

    Iteration 1: δ = a − y = −1, ∂L/∂w = δ·x = −1e150 (its square 1e300 is finite).  Every
    rule moves w up: SGD by η·1e150 = 1e149, Adam and AdamW by about η = 0.1 (m̂/√v̂ = −1).
    Iteration 2: a = w·1e150 is at least 1e149, so ∂L/∂w ≈ a·x is at least 1e299, and
    its square (Adam's v) or the gradient itself (w ≥ 1e149: 1e149·1e300) overflows."""
    return network_text([layer("linear", [[0.0]], 0.0)], [([1e150], [1.0])], "half_sse",
                        **options)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_a_run_whose_memory_overflows_stops_with_one_line_and_a_usable_state(name):
    write_network(growing_network(OPTIMIZERS[name]))
    invoke("run", "net.yaml", "--save", "s.yaml", "--format", "json")   # iteration 1
    # Iteration 2 overflows: one line, and the state after iteration 1 is kept, readable,
    # so each later command stops at iteration 2 again instead of calling it damaged.
    for args in (("step", "-n", "3"), ("step", "-n", "1"), ("run", "s.yaml")):
        line = error_line(run_cli(*args, "--format", "json"))
        assert "iteration 2: " in line, (args, line)
        for text in (".backcalc/state.yaml", "s.yaml"):
            saved = Path(text).read_text(encoding="utf-8")
            assert ".inf" not in saved and ".nan" not in saved
            assert "after iteration 1" in saved


def test_adams_second_moment_overflowing_is_named():
    write_network(growing_network(OPTIMIZERS["adam"]))
    invoke("run", "net.yaml", "--format", "json")
    line = error_line(run_cli("step", "-n", "1", "--format", "json"))
    assert "iteration 2: the update makes v[W1[1,1]] = inf" in line, line


def test_an_l2_gradient_whose_square_overflows_saves_nothing():
    """poslin, w = 1e308, λ = 0.01, half_mean (m = 1): the penalty's gradient is λw = 1e306,
    finite; its square 1e612 is not, so the first update stops the run."""
    doc = json.loads(network_text([layer("poslin", [[1e308]], 0.0)], [([1.0], [0.0])],
                                  "half_sse", l2=0.01, l2_form="half_mean",
                                  optimizer={"name": "adam"}))
    write_network(dumps(doc))
    line = error_line(run_cli("run", "net.yaml", "--save", "s.yaml"))
    assert "iteration 1: the update makes v[W1[1,1]] = inf" in line, line
    assert not Path(".backcalc").exists() and not Path("s.yaml").exists()


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_the_writer_refuses_a_value_the_reader_refuses(bad):
    network = bundled_network("mazur")
    memory = [Params(p.weights.copy(), p.biases.copy()) for p in network.params]
    memory[1].weights[0, 1] = bad
    saved = network.with_params(network.params, Progress(1, 1, {"velocity": memory}))
    saved.momentum = 0.9
    with pytest.raises(InputError, match="does not read back; it was not written"):
        save_network(saved, Path("s.yaml"))
    assert not Path("s.yaml").exists()
