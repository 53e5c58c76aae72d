"""A worked quantity (``worked.Quantity``) as a ``document.Formula``: tokens, not text.

``Equations(worked).equation(q)`` gives ``symbol = formula = numbers = value`` with
every part as tokens (``document.Symbol``, ``Number``, ``Op`` …), so that each output
format writes it in its own notation (LaTeX from the tokens, never from Unicode text).

* A quantity's name is made from its key (which number of which layer, neuron and
  sample) by the naming functions below, which also give ``worked`` its names as
  text (``neuron_symbol``).
* Formula templates (an activation's "{a}(1 − {a})", a loss's, an optimizer's
  constants such as "(1 − β₁^3)") are authored text in a small notation; ``read``
  turns them into tokens.

Nothing here imports ``worked`` (which imports this module): a ``Worked`` and its
quantities are only read.
"""

from __future__ import annotations

from functools import lru_cache

from .document import Formula, Number, Op, Power, Sup, Symbol, Text, Token, plain

GREEK = "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ∂"
"""Letters written as symbols (∂ among them: ∂L/∂a)."""

OPERATORS = "·−+/()[]√…½×"
SPACED_OPERATORS = (" + ", " − ", " / ", " × ")
PRIME = "′"
_SUBSCRIPT_DIGITS = {v: k for k, v in zip("0123456789", "₀₁₂₃₄₅₆₇₈₉")}
_SUPERSCRIPT_DIGITS = {v: k for k, v in zip("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")}


# --- authored formula text -------------------------------------------------------------

@lru_cache(maxsize=4096)
def read(text: str) -> tuple:
    """Authored formula text as tokens: "(1 − β₁^3)" → Op "(", Text "1", Op " − ",
    Symbol β₁, Power (Text "3"), Op ")"."""
    tokens: list[Token] = []
    buffer: list[str] = []

    def flush() -> None:
        if buffer:
            tokens.append(Text("".join(buffer)))
            buffer.clear()
    i = 0
    while i < len(text):
        ch = text[i]
        if text[i:i + 3] in SPACED_OPERATORS:
            flush()
            tokens.append(Op(text[i:i + 3]))
            i += 3
        elif ch in OPERATORS:
            flush()
            tokens.append(Op(ch))
            i += 1
        elif ch in _SUPERSCRIPT_DIGITS:
            j = _run(text, i, lambda c: c in _SUPERSCRIPT_DIGITS)
            flush()
            tokens.append(Sup("".join(_SUPERSCRIPT_DIGITS[c] for c in text[i:j])))
            i = j
        elif ch == "^" and i + 1 < len(text) and text[i + 1].isascii() and text[i + 1].isalnum():
            j = _run(text, i + 1, lambda c: c.isascii() and c.isalnum())
            flush()
            tokens.append(Power((Text(text[i + 1:j]),)))
            i = j
        elif ch in GREEK:                             # σ, β₁, σ′
            j = _run(text, i + 1, lambda c: c in _SUBSCRIPT_DIGITS)
            prime = text[j:j + 1] == PRIME
            flush()
            tokens.append(Symbol(ch, "".join(_SUBSCRIPT_DIGITS[c] for c in text[i + 1:j]),
                                 PRIME if prime else ""))
            i = j + prime
        elif ch.isascii() and ch.isalpha():           # a word: tanh′ is a symbol, ln text
            j = _run(text, i, lambda c: c.isascii() and c.isalpha())
            if text[j:j + 1] == PRIME:
                flush()
                tokens.append(Symbol(text[i:j], sup=PRIME))
                j += 1
            else:
                buffer.append(text[i:j])
            i = j
        else:
            buffer.append(ch)
            i += 1
    flush()
    return tuple(tokens)


def _run(text: str, start: int, inside) -> int:
    """Where the run of characters ``inside`` accepts, from ``start``, ends."""
    end = start
    while end < len(text) and inside(text[end]):
        end += 1
    return end


# --- names ----------------------------------------------------------------------------

DERIVATIVE = (Symbol("∂"), Text("L"), Op("/"), Symbol("∂"))      # ∂L/∂


def neuron_name(letter: str, layer: int, neuron: int, base: int, tag: str = "") -> tuple:
    """z₁⁽¹⁾: the neuron (in the file's numbering) as a subscript, the layer (from 1) as a
    superscript in parentheses; layer -1 is the inputs, x₁.  ``tag`` names the sample
    ("[s2]") when a step has several."""
    number = str(neuron + base)
    symbol = Symbol("x", number) if layer < 0 else Symbol(letter, number, f"({layer + 1})")
    return (symbol,) + ((Text(tag),) if tag else ())


@lru_cache(maxsize=65536)
def neuron_symbol(letter: str, layer: int, neuron: int, base: int, tag: str = "") -> str:
    """``neuron_name`` as text: z₁⁽¹⁾."""
    return plain(neuron_name(letter, layer, neuron, base, tag), repr)


def _label(network, key, kind: str) -> str:
    """The user's name of the weight (kind "W") or bias ("b") ``key`` is about."""
    if kind == "W":
        return network.weight_label(key.layer, key.neuron, key.input)
    return network.bias_label(key.layer, key.neuron)


def _neuron(letter: str):
    def named(network, key, tag: str) -> tuple:
        layer = -1 if letter == "x" else key.layer
        return neuron_name(letter, layer, key.neuron, network.index_base, tag)
    return named


def _target(network, key, tag: str) -> tuple:
    return (Symbol("y", str(key.neuron + network.index_base)),) + ((Text(tag),) if tag else ())


def _output_gradient(network, key, tag: str) -> tuple:
    return DERIVATIVE + neuron_name("a", key.layer, key.neuron, network.index_base, tag)


def _derivative(network, key, tag: str) -> tuple:
    """f′(z₁⁽¹⁾) with the activation's own symbol: σ′, tanh′ …"""
    prime = read(network.layers[key.layer].activation.prime_symbol)
    z = neuron_name("z", key.layer, key.neuron, network.index_base, tag)
    return prime + (Op("("),) + z + (Op(")"),)


def _loss(network, key, tag: str) -> tuple:
    return (Text("L"),) + ((Text(tag),) if tag else ())


def _parameter(kind: str):
    def named(network, key, tag: str) -> tuple:
        return (Text(_label(network, key, kind)),)
    return named


def _gradient(kind: str):
    def named(network, key, tag: str) -> tuple:
        return DERIVATIVE + (Text(_label(network, key, kind)),)
    return named


COST_DERIVATIVE = (Symbol("∂"), Text("J"), Op("/"), Symbol("∂"))  # ∂J/∂


def _cost_gradient(kind: str):
    def named(network, key, tag: str) -> tuple:
        return COST_DERIVATIVE + (Text(_label(network, key, kind)),)
    return named


def _cost(network, key, tag: str) -> tuple:
    return (Text("J"),)


def _penalty(network, key, tag: str) -> tuple:
    return (Text("penalty"),)


def _updated(kind: str):
    def named(network, key, tag: str) -> tuple:
        return (Text(_label(network, key, kind)), Sup("+"))
    return named


def _memory(network, key, tag: str) -> tuple:
    """An optimizer's memory of a parameter, kind "<memory>:<W or b>" ("velocity:W",
    "m_hat:b"): the memory's registered symbol before the parameter's name, v[w1], m̂[w1]."""
    from .optimizers import memory_kinds
    memory, _, kind = key.kind.partition(":")
    symbol = next(m.symbol for m in memory_kinds() if m.kind == memory)
    hat = symbol.endswith("\u0302")         # a combining circumflex: m̂, v̂
    letter = Symbol(symbol[0], accent="hat") if hat else Text(symbol)
    return (letter, Op("["), Text(_label(network, key, kind)), Op("]"))


NAMES = {
    "x": _neuron("x"), "z": _neuron("z"), "a": _neuron("a"), "delta": _neuron("δ"),
    "a_dropout": _neuron("ã"),
    "y": _target, "dL/da": _output_gradient, "fprime": _derivative,
    "sample_loss": _loss, "loss": _loss,
    "W": _parameter("W"), "b": _parameter("b"), "dL/dW": _gradient("W"),
    "dL/db": _gradient("b"), "W+": _updated("W"), "b+": _updated("b"),
    "dJ/dW": _cost_gradient("W"), "dJ/db": _cost_gradient("b"), "penalty": _penalty,
    "cost": _cost,
    "memory": _memory,
}
"""How each kind of quantity (``worked.Key.kind``) is named; ``memory`` stands for every
"<name>:<W or b>" kind."""


def _named(network, key, tag: str) -> tuple | None:
    """The name of the quantity ``key`` stands for, None for a kind without one here."""
    namer = NAMES.get("memory" if ":" in key.kind else key.kind)
    return namer(network, key, tag) if namer else None


class Equations:
    """The formulas of one worked calculation (``worked.Worked``), each name made once."""

    def __init__(self, worked):
        self.worked = worked
        self._names: dict = {}

    def name(self, q) -> tuple:
        """``q``'s name as tokens; they read as ``q.symbol``, its name as text (a name
        this module cannot make is that text, as it is)."""
        tokens = self._names.get(q.key)
        if tokens is None:
            tokens = self._names[q.key] = self._make_name(q)
        return tokens

    def _make_name(self, q) -> tuple:
        tags = [""] if q.key.sample is None else ["", f"[s{q.key.sample + 1}]"]
        for tag in tags:
            tokens = _named(self.worked.network, q.key, tag)
            if tokens is not None and plain(tokens, repr) == q.symbol:
                return tokens
        return (Text(q.symbol),)

    def formula(self, q) -> tuple:
        """The formula with the operands' names: w1·x₁ + w2·x₂ + b1."""
        index = self.worked.index

        def operand(token, position: int) -> tuple:
            if not isinstance(token, int):
                return read(token.symbol)              # a constant: η, (1 − β₁)
            named = index[q.operands[token]]
            tokens = self.name(named)
            if named.key.kind in ("W+", "b+") and named.key.step != q.key.step:
                # Last step's updated w⁺ is this step's w.
                if tokens[-1:] == (Sup("+"),):
                    return tokens[:-1]
                return (Text(named.symbol.removesuffix("⁺")),)
            return tokens
        return _side(q.tokens, operand, _as_written)

    def substituted(self, q, values: dict | None) -> tuple:
        """The formula with numbers in place of the operands (``values``, or the
        engine's); a negative number in parentheses unless it opens the formula or a
        bracket."""
        tokens, index = q.tokens, self.worked.index

        def operand(token, position: int) -> tuple:
            if isinstance(token, int):
                key = q.operands[token]
                value = values[key] if values else index[key].value
            else:
                value = token.value                    # a constant's value
            before = tokens[position - 1] if position else None
            after = tokens[position + 1] if position + 1 < len(tokens) else None
            opening = position == 0 or (isinstance(before, str)
                                        and before.endswith(("(", "[")))
            squared = isinstance(after, str) and after.startswith("²")   # (−0.3)², not −0.3²
            return (Number(value, bare=opening and not squared),)
        return _side(tokens, operand, _with_minus_signs)

    def equation(self, q, values: dict | None = None, value: float | None = None) -> Formula:
        """``q`` as a line part: name = formula = numbers = value (``values`` and
        ``value``: a student's numbers in place of the engine's)."""
        return Formula(self.name(q), self.formula(q), self.substituted(q, values),
                       q.value if value is None else value, q.note or "")


def _as_written(text: str) -> str:
    return text


def _with_minus_signs(text: str) -> str:
    """Text among numbers, its hyphens written as minus signs as the numbers' are."""
    return text.replace("-", "−")


def _side(tokens: list, operand, text_of) -> tuple:
    """A side from the quantity's tokens (text, operand positions, constants): text read
    as notation (after ``text_of``), operands as ``operand(token, position)`` makes them,
    an operand after a caret raised (``Power``)."""
    out: list = []
    raised = False
    for position, token in enumerate(tokens):
        if isinstance(token, str):
            text = text_of(token)
            raised = text.endswith("^")
            out += read(text[:-1] if raised else text)
            continue
        part = operand(token, position)
        out += [Power(tuple(part))] if raised else part
        raised = False
    return tuple(out)


def equation(worked, q, values: dict | None = None, value: float | None = None) -> Formula:
    """``Equations(worked).equation(q, values, value)``, for a single quantity."""
    return Equations(worked).equation(q, values, value)
