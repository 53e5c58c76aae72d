"""The operations of a computational graph, one registry keyed by operator or function name.

Each operation holds its forward rule and its local derivatives side by side (micrograd's
style): ``forward(*operands)`` is its value, ``local(*operands, value)`` the derivative of
that value with respect to each operand, ``rules`` how a hand calculation writes each
derivative (``a``, ``b`` stand for the operands, ``out`` for the value), and ``problem``
says why the operands are outside its domain (None when they are not).  Pure Python:
no NumPy, so reading a graph stays light.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One operator or function: how it is written, its rule and its local derivatives."""

    name: str                                   # the registry key: "+", "neg", "exp"
    arity: int
    forward: Callable[..., float]
    local: Callable[..., tuple[float, ...]]     # (*operands, value) → ∂value/∂operand each
    rules: tuple[str, ...]                      # each local derivative as written
    problem: Callable[..., str | None] = lambda *operands: None
    infix: bool = False                         # written between its operands: a + b
    # Why a local derivative has no value at these operands (an operand exactly at a
    # singularity: sqrt′ at 0), one reason or None per operand; () when it always has one.
    singular: Callable[..., tuple[str | None, ...]] = lambda *operands: ()


def _sigmoid(a: float) -> float:
    # the two forms keep exp's argument non-positive: no overflow for large |a|
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _power(a: float, b: float) -> float:
    return float(a ** b)


def _power_problem(a: float, b: float) -> str | None:
    if a == 0 and b < 0:
        return "division by zero: 0 raised to a negative power"
    if a < 0 and b != int(b):
        return f"a negative number ({a:g}) raised to a non-integer power ({b:g})"
    return None


def _power_local(a: float, b: float, out: float) -> tuple[float, float]:
    da = b * a ** (b - 1) if not (a == 0 and b < 1) else (0.0 if b == 0 else math.inf)
    db = out * math.log(a) if a > 0 else math.nan     # only needed when b is not a number
    return float(da), db


def _power_singular(a: float, b: float) -> tuple[str | None, str | None]:
    return ("b·a^(b−1) is infinite at a = 0 for 0 < b < 1" if a == 0 and 0 < b < 1 else None,
            "the exponent's derivative a^b·ln a at a ≤ 0" if a <= 0 else None)


def _divide_problem(a: float, b: float) -> str | None:
    return "division by zero" if b == 0 else None


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        return math.inf


OPERATIONS: dict[str, Operation] = {op.name: op for op in (
    Operation("+", 2, lambda a, b: a + b, lambda a, b, out: (1.0, 1.0), ("1", "1"),
              infix=True),
    Operation("-", 2, lambda a, b: a - b, lambda a, b, out: (1.0, -1.0), ("1", "−1"),
              infix=True),
    Operation("*", 2, lambda a, b: a * b, lambda a, b, out: (b, a), ("{b}", "{a}"), infix=True),
    Operation("/", 2, lambda a, b: a / b, lambda a, b, out: (1.0 / b, -a / (b * b)),
              ("1/{b}", "−{a}/{b}²"), _divide_problem, infix=True),
    Operation("**", 2, _power, _power_local, ("{b}·{a}^({b}−1)", "{a}^{b}·ln {a}"), _power_problem,
              infix=True, singular=_power_singular),
    Operation("neg", 1, lambda a: -a, lambda a, out: (-1.0,), ("−1",)),
    Operation("exp", 1, _exp, lambda a, out: (out,), ("exp({a})",)),
    Operation("log", 1, lambda a: math.log(a), lambda a, out: (1.0 / a,), ("1/{a}",),
              lambda a: None if a > 0 else f"log of a non-positive number ({a:g})"),
    Operation("sqrt", 1, lambda a: math.sqrt(a),
              lambda a, out: (0.5 / out if out > 0 else math.inf,), ("1/(2·sqrt({a}))",),
              lambda a: None if a >= 0 else f"sqrt of a negative number ({a:g})",
              singular=lambda a: ("sqrt′ at 0" if a == 0 else None,)),
    Operation("abs", 1, abs, lambda a, out: (1.0 if a > 0 else -1.0 if a < 0 else 0.0,),
              ("sign({a})",)),
    Operation("sigmoid", 1, _sigmoid, lambda a, out: (out * (1.0 - out),),
              ("σ({a})·(1 − σ({a}))",)),
    Operation("tanh", 1, math.tanh, lambda a, out: (1.0 - out * out,), ("1 − tanh({a})²",)),
    Operation("relu", 1, lambda a: a if a > 0 else 0.0,
              lambda a, out: (1.0 if a > 0 else 0.0,), ("1 if {a} > 0 else 0",)),
    # A tie routes the whole gradient to the first operand.
    Operation("max", 2, max, lambda a, b, out: (1.0, 0.0) if a >= b else (0.0, 1.0),
              ("1 if {a} ≥ {b} else 0", "1 if {b} > {a} else 0")),
    Operation("min", 2, min, lambda a, b, out: (1.0, 0.0) if a <= b else (0.0, 1.0),
              ("1 if {a} ≤ {b} else 0", "1 if {b} < {a} else 0")),
    # A node that is only a name or a number: its value passed on.
    Operation("=", 1, lambda a: a, lambda a, out: (1.0,), ("1",)),
)}

FUNCTIONS = {name: op for name, op in OPERATIONS.items() if name.isalpha() and name != "neg"}
"""The functions an expression may call by name: exp(a), max(u, v), …"""
