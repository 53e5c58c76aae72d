"""``backcalc new graph``: a computational graph file to start from.

CS231n's first circuit, f = (x + y)·z, with a comment beside every key saying what it
means, so that a student edits it into their own exercise.  The file names the schema
on its first line, as a network from ``backcalc new`` does.
"""

from __future__ import annotations

import shlex

from .schema import modeline

KEYWORD = "graph"
"""The ARCH that asks ``backcalc new`` for a graph instead of a network."""

DEFAULT_NAME = "CS231n's first circuit"

_BODY = """\
inputs: {x: -2, y: 5, z: -4}        # name → number: the values the circuit starts from
nodes:                              # in order; each node is an expression of inputs,
  q: x + y                          # numbers and the nodes above it: + - * / ** and
  f: q * z                          # exp log sqrt abs sigmoid tanh relu max(u, v) min(u, v)
output: f                           # the node whose gradients are computed (default: the last)
learning_rate: 0.1                  # η, for the update of the parameters
parameters: [x, y]                  # inputs updated by θ ← θ − η·∂f/∂θ (run, step); optional
"""


def graph_scaffold(name: str | None = None, output: str | None = None) -> str:
    """The graph file's text; ``output`` is the file it will be written to (for the
    header's `backcalc run` line), or None for standard output."""
    from .scaffold import _text
    title = _text("--name", name if name is not None else DEFAULT_NAME)
    command = "backcalc new graph" + (f" --name {shlex.quote(name)}" if name is not None else "")
    target = shlex.quote(output) if output else "FILE"
    return "\n".join([
        modeline(),
        f"# A computational graph made by: {command}",
        "# CS231n's first circuit, f = (x + y)·z: put in your exercise's inputs and nodes.",
        "# A name is letters, digits and _, not starting with a digit (x, w0, c_2).",
        f"# Then: backcalc run {target} (the forward and backward tables), backcalc show "
        f"{target}",
        f"# (the circuit drawn), backcalc step {target} -n 3 (the parameters updated 3 times).",
        f"name: {title}",
    ]) + "\n" + _BODY
