"""A graph node's expression, parsed by backcalc itself: never run as code.

Numbers, names, ``+ - * / **``, unary minus, parentheses and the functions of
``operations.FUNCTIONS``.  A small Pratt parser: ``**`` binds tightest and to the right
(``-x ** 2`` is ``-(x ** 2)``, ``2 ** -1`` is allowed), then unary minus, then ``* /``,
then ``+ -``.  Every mistake raises ``ExpressionError`` with its column inside the
expression (1-based).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .operations import FUNCTIONS, OPERATIONS


class ExpressionError(Exception):
    """A mistake in an expression, at ``column`` (1-based) inside it."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Constant:
    value: float
    start: int          # 0-based span in the expression's text
    end: int


@dataclass(frozen=True)
class Name:
    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Apply:
    """An operation (``OPERATIONS`` key) on its operands; ``at`` is where its operator or
    function name is written."""

    op: str
    operands: tuple
    start: int
    end: int
    at: int
    depth: int = 1      # operations nested in it, itself included (walkers recurse this deep)


Expr = Constant | Name | Apply

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[-+*/(),])
""", re.VERBOSE)

_BINARY = {"+": 10, "-": 10, "*": 20, "/": 20, "**": 40}
_UNARY = 30                     # between * and **: -x**2 is -(x**2)
_RIGHT = {"**"}

# The parser and the tree's walkers recurse once a level: nesting and size are refused
# before any of them could exhaust Python's stack (about 1,000 frames).  A level is an
# operation holding another (the tree's depth); parentheses are no level: a run of them,
# ((((x)))), is read in a loop, and between two runs the parser always enters an
# operation's operand, which counts, so its stack stays within a few frames a level.
MAX_DEPTH = 100
MAX_OPERATIONS = 1_000


@dataclass(frozen=True)
class _Token:
    kind: str       # number, name, op, end
    text: str
    start: int


def tokens(text: str) -> list[_Token]:
    found = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise ExpressionError(f"unexpected character {text[at]!r}; expressions use "
                                  "numbers, names, + - * / **, parentheses and functions",
                                  at + 1)
        kind = match.lastgroup or ""
        if kind != "space":
            found.append(_Token(kind, match.group(), at))
        at = match.end()
    found.append(_Token("end", "", len(text)))
    return found


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokens(text)
        self.index = 0
        self.depth = 0              # the parser's own recursion: each operation's operand
        self.operations = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.token
        self.index += 1
        return token

    def expect(self, text: str, what: str) -> _Token:
        if self.token.text != text or self.token.kind != "op":
            raise ExpressionError(f"expected {what}, found {self._found()}", self.token.start + 1)
        return self.take()

    def _found(self) -> str:
        return "the end of the expression" if self.token.kind == "end" else repr(self.token.text)

    def expression(self, floor: int = 0) -> Expr:
        self.depth += 1
        # an operand is entered one level above the operation holding it: the tree's
        # depth limit is the one that speaks, this one only keeps the stack bounded
        if self.depth > MAX_DEPTH + 1:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels",
                                  self.token.start + 1)
        start = self.token.start
        expr = self._binary(self.prefix(), start, floor)
        self.depth -= 1
        return expr

    def applied(self, op: str, operands: tuple, start: int, end: int, at: int) -> Apply:
        """A new operation, its nesting and the expression's size checked."""
        self.operations += 1
        if self.operations > MAX_OPERATIONS:
            raise ExpressionError(f"more than {MAX_OPERATIONS:,} operations in one "
                                  "expression", at + 1)
        depth = 1 + max((o.depth for o in operands if isinstance(o, Apply)), default=0)
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH} levels (a sum "
                                  "of many terms nests one level a term)", at + 1)
        return Apply(op, operands, start, end, at, depth)

    def _consumed_end(self) -> int:
        """Where the last token taken ends: an operation's span ends there, so that it
        holds its operands' parentheses (``(a) * (c)``, not ``a) * (c``)."""
        last = self.tokens[self.index - 1]
        return last.start + len(last.text)

    def _binary(self, left: Expr, start: int, floor: int) -> Expr:
        """``left`` (written from ``start``) and the operators after it binding tighter
        than ``floor``."""
        while self.token.kind == "op" and self.token.text in _BINARY:
            power = _BINARY[self.token.text]
            if power <= floor:
                break
            op = self.take()
            # ** is right-associative; its right side may start with a unary minus (prefix)
            right = self.expression(power - 1 if op.text in _RIGHT else power)
            left = self.applied(op.text, (left, right), start, self._consumed_end(),
                                op.start)
        return left

    def prefix(self) -> Expr:
        token = self.token
        if token.kind == "number":
            self.take()
            value = float(token.text)
            if not math.isfinite(value):
                raise ExpressionError(f"expected a finite number, found {token.text} (too "
                                      "large for a float64)", token.start + 1)
            return Constant(value, token.start, token.start + len(token.text))
        if token.kind == "name":
            self.take()
            if self.token.text == "(" and self.token.kind == "op":
                return self.call(token)
            if token.text in FUNCTIONS:
                raise ExpressionError(f"{token.text} is a function: write {token.text}(…)",
                                      token.start + 1)
            return Name(token.text, token.start, token.start + len(token.text))
        if token.kind == "op" and token.text == "-":
            self.take()
            operand = self.expression(_UNARY)
            return self.applied("neg", (operand,), token.start, self._consumed_end(),
                                token.start)
        if token.kind == "op" and token.text == "(":
            return self.parenthesized()
        raise ExpressionError(f"expected a number, a name, '-' or '(', found {self._found()}",
                              token.start + 1)

    def parenthesized(self) -> Expr:
        """A run of opening parentheses, ``((x) + 1)``, read in a loop: the innermost's
        expression, then outwards each closing parenthesis, and what follows it inside
        the next one (``+ 1``).  Parentheses are no level of nesting."""
        openers: list[_Token] = []
        while self.token.kind == "op" and self.token.text == "(":
            openers.append(self.take())
        start = self.token.start
        inner = self._binary(self.prefix(), start, 0)
        for index in range(len(openers) - 1, -1, -1):
            opener = openers[index]
            if index < len(openers) - 1:            # what follows the inner ")" here
                inner = self._binary(inner, openers[index + 1].start, 0)
            close = self.expect(")", f"')' to close the '(' at column {opener.start + 1}")
            inner = _spanned(inner, opener.start, close.start + 1)
        return inner

    def call(self, name: _Token) -> Expr:
        operation = FUNCTIONS.get(name.text)
        if operation is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {name.text!r}; expected one of {known}",
                                  name.start + 1)
        self.take()                                     # (
        operands = [self.expression()]
        while self.token.text == "," and self.token.kind == "op":
            self.take()
            operands.append(self.expression())
        close = self.expect(")", "',' or ')'" if len(operands) < operation.arity else "')'")
        if len(operands) != operation.arity:
            raise ExpressionError(f"{name.text} takes {operation.arity} operand"
                                  f"{'s' if operation.arity > 1 else ''}, found {len(operands)}",
                                  name.start + 1)
        return self.applied(name.text, tuple(operands), name.start, close.start + 1,
                            name.start)


def _spanned(expr: Expr, start: int, end: int) -> Expr:
    """The expression with its parentheses counted in its span."""
    if isinstance(expr, Apply):
        return Apply(expr.op, expr.operands, start, end, expr.at, expr.depth)
    return expr


def parse(text: str) -> Expr:
    """The expression's tree; ``ExpressionError`` for anything but SPEC's expressions."""
    parser = _Parser(text)
    if parser.token.kind == "end":
        raise ExpressionError("expected an expression, found nothing", 1)
    expr = parser.expression()
    if parser.token.kind != "end":
        raise ExpressionError(f"expected an operator or the end of the expression, found "
                              f"{parser._found()}", parser.token.start + 1)
    return expr


def operations(expr: Expr) -> int:
    """How many operations the expression holds (its tape entries)."""
    if isinstance(expr, Apply):
        return 1 + sum(operations(operand) for operand in expr.operands)
    return 0


def names(expr: Expr) -> list[Name]:
    """Every name in the expression, in writing order."""
    if isinstance(expr, Name):
        return [expr]
    if isinstance(expr, Apply):
        return [name for operand in expr.operands for name in names(operand)]
    return []


def written(expr: Expr) -> str:
    """The expression written back canonically (for an operation's row)."""
    if isinstance(expr, Constant):
        return f"{expr.value:g}"
    if isinstance(expr, Name):
        return expr.name
    op = OPERATIONS[expr.op]
    parts = [_operand_text(expr, operand, i) for i, operand in enumerate(expr.operands)]
    if op.infix:
        return f"{parts[0]} {expr.op} {parts[1]}"
    if expr.op == "neg":
        return f"-{parts[0]}"
    return f"{expr.op}({', '.join(written(o) for o in expr.operands)})"


def _operand_text(parent: Apply, operand: Expr, index: int) -> str:
    text = written(operand)
    if not isinstance(operand, Apply) or not OPERATIONS[parent.op].infix and parent.op != "neg":
        return text
    mine, theirs = _strength(parent.op), _strength(operand.op)
    right_side = index == 1 and parent.op in ("-", "/")
    if theirs < mine or (theirs == mine and (right_side or parent.op == "**")):
        return f"({text})"
    return text


def _strength(op: str) -> int:
    if op == "neg":
        return _UNARY
    return _BINARY.get(op, 100)         # a function call binds like a name
