"""Commas that may be decimal commas: ``[0,5]``, which YAML reads as two numbers.

Students who write decimal commas on paper (0,15 · 0,05) write them in files too.  Inside
``[ ]`` (and ``{ }``) YAML takes every comma for a separator: ``biases: [0,5]`` is the two
numbers 0 and 5, ``input: [0,05, 0,10]`` is four; outside them ``loss: 0,2984`` is the
text "0,2984".  The rule (docs/network-file.md, "Decimal commas"):

A *bare comma* is a comma between two plain values of a ``[ ]`` list with nothing else
between them, no space.  It *may be a decimal comma* when the value before it is a whole
number (``0``, ``-1``, ``12``) and the value after it is digits alone (``5``, ``05``,
``3775``): read as a decimal, ``0,5`` is 0.5.  Such a comma

- is refused when the digits after it have a leading zero (``0,05``): as two numbers 05
  would be octal, which only makes sense as the decimal 0.05;
- adds a hint to the refusal of a list whose count or shape does not fit (four biases
  for two neurons), and of a list where one number belongs;
- otherwise fits by accident, and is a warning: one line, after which the run goes on.

A comma followed by a space (``[0, 5]``) is a separator and never questioned; nor is a
comma next to a decimal point (``[0.5,1]``), which cannot be a decimal comma.  Outside
``[ ]``, text made of numbers with decimal commas is refused with what to write instead
(``text_hint``).  This module finds and words; ``netfile`` and ``answers`` raise and keep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .yamlsource import Mark

_WHOLE = re.compile(r"[-+]?[0-9]+")
_FRACTION = re.compile(r"[0-9]+")
_COMMA_NUMBER = re.compile(r"[-+]?[0-9]+,[0-9]+")
_NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_SEPARATOR = re.compile(r",\s+|;\s*|\s+")
_MORE_LINES = 5
"""How many other lines a warning lists before "…"."""


@dataclass(frozen=True)
class Pair:
    """Two values YAML read from ``whole,fraction``: 0,5 read as 0 and 5."""

    whole: str
    fraction: str
    mark: Mark                # where ``whole`` starts

    @property
    def written(self) -> str:
        return f"{self.whole},{self.fraction}"

    @property
    def decimal(self) -> str:
        return f"{self.whole}.{self.fraction}"

    @property
    def octal(self) -> bool:
        """The digits after the comma have a leading zero: 05 is no number of its own."""
        return len(self.fraction) > 1 and self.fraction.startswith("0")

    def reading(self) -> str:
        return f"YAML reads {self.written} as two numbers, {self.whole} and {self.fraction}"


def pairs(value, nested: bool = True) -> list[Pair]:
    """The bare commas of a list that may be decimal commas, in order; ``nested``: in
    its lists too (the rows of a matrix).  A value that is no list has none."""
    found: list[Pair] = []
    if not isinstance(value, list):
        return found
    texts = getattr(value, "item_texts", None)       # a YamlList's; a plain list has none
    bare = getattr(value, "bare_commas", None)
    marks = getattr(value, "item_marks", None)
    if texts and marks and bare and any(bare):     # (any: most lists have no bare comma)
        taken = 0              # items before this one are in a pair already: [0,1,0,2]
        for index in range(1, len(value)):     # is 0,1 and 0,2, never also 1,0
            if index > taken and bare[index] and _WHOLE.fullmatch(texts[index - 1] or "") \
                    and _FRACTION.fullmatch(texts[index] or ""):
                found.append(Pair(texts[index - 1], texts[index], marks[index - 1]))
                taken = index + 1
    if nested:
        for item in value:
            if isinstance(item, list):
                found += pairs(item)
    return found


def hint(value, where: str = "") -> str:
    """What a refusal of ``value`` (a list) adds when it holds bare commas that may be
    decimal commas: `` (a decimal comma? YAML reads 0,5 as two numbers, 0 and 5; write
    0.5)``; "" when it holds none.  ``where`` names another field: `` in input``."""
    found = pairs(value)
    if not found:
        return ""
    question = "a decimal comma" if len(found) == 1 else "decimal commas"
    decimals = ", ".join(pair.decimal for pair in found[:3]) + (", …" if len(found) > 3 else "")
    return f" ({question}{where}? {found[0].reading()}; write {decimals})"


def octal_problem(pair: Pair) -> str:
    """The refusal of ``0,05``: the digits after the comma only make sense as decimals."""
    return (f"expected a decimal point, found a decimal comma in {pair.written} (YAML reads "
            f"it as two numbers, {pair.whole} and {pair.fraction}); write {pair.decimal}")


def key_hint(mapping, key) -> str:
    """The hint for an unknown key of ``{ }`` that follows a bare comma: in
    ``{input: 0,5, target: 1}`` YAML reads 0 for input and a key 5."""
    before = getattr(mapping, "comma_keys", {}).get(key)
    if before is None or not _WHOLE.fullmatch(before) or not _FRACTION.fullmatch(str(key)):
        return ""
    pair = Pair(before, str(key), Mark(0, 0))
    return (f" (a decimal comma? in {{ }} YAML reads {pair.written} as {pair.whole} and a key "
            f"{pair.fraction}; write {pair.decimal})")


def text_hint(text: str) -> str:
    """The hint for text where a number belongs, when it is numbers written with decimal
    commas: ``0,2984`` → `` (write a decimal point: 0.2984)``; ``0,5, 0,1`` → `` (write
    decimal points, in a list: [0.5, 0.1])``; "" for any other text."""
    words = [word for word in _SEPARATOR.split(text.strip()) if word]
    if not words or not any(_COMMA_NUMBER.fullmatch(word) for word in words) or \
            not all(_COMMA_NUMBER.fullmatch(word) or _NUMBER.fullmatch(word) for word in words):
        return ""
    numbers = [word.replace(",", ".") for word in words]
    if len(numbers) == 1:
        return f" (write a decimal point: {numbers[0]})"
    return f" (write decimal points, in a list: [{', '.join(numbers)}])"


def note(notes: dict, label: str, value) -> Pair | None:
    """Keep the bare commas of list ``value`` (field ``label``) that may be decimal commas,
    for ``warning``; the first whose digits cannot stand alone (05), to be refused."""
    for pair in pairs(value, nested=False):
        if pair.octal:
            return pair
        notes.setdefault(pair.mark, (label, pair))
    return None


def warning(file: str, notes: dict) -> str | None:
    """The one line warning of the bare commas kept in ``notes`` (None: there are none):
    ``net.yaml:5:14: layer 1.biases: 0,5 is read as two numbers, 0 and 5 (a comma with no
    space after it); write 0.5 if it is a decimal comma, or 0, 5 if it is two numbers``,
    then how many more there are, and on which lines."""
    if not notes:
        return None
    places = sorted(notes, key=lambda mark: (mark.line, mark.column))
    label, pair = notes[places[0]]
    line = (f"{file}:{pair.mark.line}:{pair.mark.column}: {label}: {pair.written} is read as "
            f"two numbers, {pair.whole} and {pair.fraction} (a comma with no space after it); "
            f"write {pair.decimal} if it is a decimal comma, or {pair.whole}, {pair.fraction} "
            "if it is two numbers")
    others = sorted({mark.line for mark in places[1:]})
    if len(places) > 1:
        shown = ", ".join(map(str, others[:_MORE_LINES])) + (", …" if len(others) > _MORE_LINES
                                                            else "")
        count = len(places) - 1
        line += (f" (and {count} more such comma{'s' if count > 1 else ''}, "
                 f"line{'s' if len(others) > 1 else ''} {shown})")
    return line
