"""How graph output and messages read (held-out review of issue 17): an operand named by
its text, never an internal label; each sum of paths written before it is used; the
notation of ``--explain``, ``show`` and errors."""

from __future__ import annotations

import pytest

from backcalc.expressions import parse
from tests.helpers import invoke, one_error_line, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


# --- an operand named by its text -------------------------------------------------------

def test_an_operation_inside_an_expression_is_named_by_its_text_in_messages():
    # a·sqrt(c + 0) at a = 1e200, c = 1e-300: sqrt′ = 1/(2·sqrt(1e-300)) = 5e149, times the
    # upstream a = 1e200 is 5e349, beyond float64: the operand of sqrt is the text c + 0
    write_network("inputs: {a: 1e200, c: 1e-300}\nnodes:\n  g: a * sqrt(c + 0)\n", "g.yaml")
    line = one_error_line(invoke("run", "g.yaml", code=2))
    assert line == ("Error: g.yaml:3:10: nodes.g: ∂g/∂(c + 0) through sqrt(c + 0) is too "
                    "large for a float64 here (it overflows) (column 5 of 'a * sqrt(c + 0)')")
    assert "g.1" not in line


def test_an_operation_spans_its_operands_parentheses():
    # (a) * (c + 1): the product is the whole text, not "a) * (c + 1"
    expr = parse("(a) * (c + 1)")
    assert (expr.start, expr.end) == (0, 13)
    negated = parse("-(a) + 1").operands[0]
    assert "-(a) + 1"[negated.start:negated.end] == "-(a)"
