"""A run stopped in its very first iteration: ``step`` shows what it has and one line.

A network of 5–40 parameters gets a parameters × iterations table after its progress
table (report.parameters_table).  When the first iteration stops (a loss undefined for
the outputs, a z that overflows), there is no step: the table has only its "before"
column, the run ends with the one error line ``run`` gives for the same file, and no
traceback (it was an ``IndexError``).
"""

from __future__ import annotations

import pytest

from helpers import error_line, run_cli, write_network
from network_builders import layer, network_text

pytestmark = pytest.mark.usefixtures("in_tmp")

# (inputs, outputs) of a one-layer network with 5, 12 and 40 parameters: outputs × (inputs + 1)
SHAPES = {5: (4, 1), 12: (5, 2), 40: (9, 4)}

# Every input 1: a linear output z = Σ w + b.
CAUSES = {
    # z = 4·1 + 0.5 > 1: outside binary cross-entropy's domain.
    "bce-domain": ("bce", 1.0,
                   "binary_cross_entropy is undefined for output a = "),
    # z = 4·1e308 overflows float64.
    "z-overflow": ("half_sse", 1e308, "z of layer 1 overflows float64"),
}


def stopping_network(parameters: int, cause: str) -> str:
    inputs, outputs = SHAPES[parameters]
    loss, weight, _ = CAUSES[cause]
    text = network_text(
        [layer("linear", [[weight] * inputs] * outputs, [0.5] * outputs)],
        [([1.0] * inputs, [1.0] * outputs)], loss)
    return write_network(text)


@pytest.mark.parametrize("cause", sorted(CAUSES))
@pytest.mark.parametrize("parameters", sorted(SHAPES))
def test_step_stopped_in_its_first_iteration_gives_one_line(parameters, cause):
    name = stopping_network(parameters, cause)
    expected = CAUSES[cause][2]
    ran = run_cli("run", name)
    stepped = run_cli("step", name)
    line = error_line(stepped)
    assert line == error_line(ran)
    assert line.startswith(f"Error: {name}: iteration 1: {expected}"), line
    assert line.endswith("; nothing was saved"), line
    # The parameters table is there, with its "before" column and no "after" column.
    assert "Parameters" in stepped.stdout and "before" in stepped.stdout
    assert "after" not in stepped.stdout.split("Parameters", 1)[1].split("Stopped")[0]
    assert "Stopped: the network as it was given" in stepped.stdout


@pytest.mark.parametrize("cause", sorted(CAUSES))
def test_the_table_without_steps_holds_the_given_parameters(cause):
    """report.parameters_table of a run with no step: the parameters as given."""
    from backcalc.engine import train
    from backcalc.netfile import load_network
    from backcalc.report import parameter_columns, parameters_table

    net = load_network(stopping_network(12, cause), "net")
    run = train(net, 1)
    assert run.steps == [] and run.stopped
    table = parameters_table(run)
    assert table.columns == ["parameter", "before"]
    labels = [label for label, *_ in parameter_columns(net)]
    assert [row[0] for row in table.rows] == labels
    weight = CAUSES[cause][1]
    assert [row[1] for row in table.rows] == [weight] * 10 + [0.5] * 2
