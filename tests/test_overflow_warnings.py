"""An L2 term that overflows in the report gives one line, never NumPy's RuntimeWarning
(red team 12c H4).

λ = 1e300 and w = 1e10: the update table's penalty column λ·w = 1e310 is inf, and the update
w − η(∂L/∂w + λw) is −inf, so the run stops in its first iteration.  Only the Error line
may reach standard error, in every format, with and without --explain.
"""

from __future__ import annotations

import pytest

from helpers import error_line, run_cli, write_network

# A warning is an error here: on the command line it would be two more lines on stderr.
pytestmark = [pytest.mark.usefixtures("in_tmp"), pytest.mark.filterwarnings("error")]

NETWORK = """\
input: 1
target: 0
loss: half_sse
learning_rate: 0.1
l2: 1e300
layers:
  - activation: linear
    weights: 1e10
    biases: 0
"""

FORMATS = ["table", "json", "markdown", "latex", "csv", "html"]


@pytest.mark.parametrize("explain", [(), ("--explain",)])
@pytest.mark.parametrize("form", FORMATS)
def test_an_overflowing_penalty_term_gives_one_line(form, explain):
    write_network(NETWORK)
    # error_line: exit status 2 and exactly one line on standard error.
    line = error_line(run_cli("run", "net.yaml", "--format", form, *explain))
    assert line.startswith("Error: net.yaml: iteration 1: the update makes W1[1,1] = -inf"), line


@pytest.mark.parametrize("form", FORMATS)
def test_step_full_gives_one_line(form):
    write_network(NETWORK)
    line = error_line(run_cli("step", "net.yaml", "--full", "--format", form))
    assert "the update makes W1[1,1] = -inf" in line, line
