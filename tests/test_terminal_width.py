"""The terminal width backcalc lays its output out for: whatever ``COLUMNS`` says, between
``layout.MIN_WIDTH`` (40) and ``layout.MAX_WIDTH`` (1000) characters.

``COLUMNS=99999999999999999999`` once overflowed and ``COLUMNS=9999999999`` drew a rule
line of ten billion characters (the process grew to 24 GB)."""

from __future__ import annotations

import pytest

from backcalc.layout import MAX_WIDTH, MIN_WIDTH, fit_width

from helpers import invoke

HUGE = [99999999999999999999, 9999999999, 1001]


@pytest.mark.parametrize("columns", HUGE)
@pytest.mark.parametrize("args", [["run", "mazur"], ["run", "mazur", "--explain"],
                                  ["step", "mazur", "-n", "3"], ["show", "mazur", "--values"],
                                  ["examples"], ["gradcheck", "mazur"],
                                  ["check", "seed000", "seed000"]], ids=" ".join)
def test_a_huge_terminal_width_is_laid_out_as_the_widest(in_tmp, args, columns):
    result = invoke(*args, columns=columns, code=1 if args[0] == "check" else 0)
    widest = max(len(line) for line in result.stdout.splitlines())
    assert widest <= MAX_WIDTH
    if args[0] in ("run", "step"):          # (their section rules span the width)
        assert widest == MAX_WIDTH


def test_the_same_output_as_the_widest_terminal(in_tmp):
    assert invoke("run", "mazur", columns=9999999999).stdout == \
        invoke("run", "mazur", columns=MAX_WIDTH).stdout


def test_fit_width():
    assert [fit_width(w) for w in (1, MIN_WIDTH, 80, MAX_WIDTH, 10**20)] == \
        [MIN_WIDTH, MIN_WIDTH, 80, MAX_WIDTH, MAX_WIDTH]


def test_a_drawing_for_a_huge_width_from_python():
    from backcalc import app
    drawing = app.show("mazur", width=10**12)
    assert max(len(line) for line in drawing.text().splitlines()) <= MAX_WIDTH
