"""``show`` on extreme values (weights and inputs near 1e308): no NumPy warning reaches
standard error.

The forward pass of ``show --values`` runs under the engine's silenced entry
(``Engine.evaluate``); the summary's weight mean, whose float64 sum overflows, is taken
again of the values scaled down (drawing._mean), so it is finite and nothing warns.  The
tests turn every warning into an error: one would end the command with an exception.
"""

from __future__ import annotations

import numpy as np
import pytest

from helpers import invoke, write_network
from network_builders import layer, network_text

pytestmark = [pytest.mark.usefixtures("in_tmp"), pytest.mark.filterwarnings("error")]

BIG = 1e308


def extreme_network(activation: str = "sigmoid", loss: str = "half_sse") -> str:
    return write_network(network_text(
        [layer(activation, [[BIG, BIG], [BIG, -BIG]], [BIG, 0.0]),
         layer("tanh", [[BIG, BIG]], [0.0])],
        [([BIG, BIG], [1.0])], loss))


@pytest.mark.parametrize("columns", [80, 400])          # the summary, the drawing
@pytest.mark.parametrize("options", [[], ["--values"], ["--values", "--round", "3"]])
@pytest.mark.parametrize("activation", ["sigmoid", "softplus", "elu", "leaky_relu"])
def test_show_on_extreme_values_prints_no_warning(activation, options, columns):
    name = extreme_network(activation)
    result = invoke("show", name, *options, columns=columns)
    assert result.stderr == ""
    assert "Warning" not in result.stdout


def test_the_weight_mean_of_weights_near_the_largest_float_is_theirs():
    from backcalc.drawing import _mean

    assert _mean(np.array([[BIG, BIG], [BIG, BIG]])) == BIG
    assert _mean(np.array([[BIG, BIG], [BIG, -BIG]])) == BIG / 2
    ordinary = np.array([[0.1, 0.2], [0.3, -0.7]])
    assert _mean(ordinary) == float(ordinary.mean())       # to the last bit
    assert _mean(np.array([np.inf, 1.0])) == np.inf          # a true inf stays one


def test_the_summary_shows_the_finite_weight_mean():
    result = invoke("show", extreme_network(), "--values", columns=80)
    mean_row = next(line for line in result.stdout.splitlines() if "weight mean" in line)
    assert "5e+307" in mean_row and "1e+308" in mean_row and "inf" not in mean_row
