"""Where each character of a YAML string value is written in the file.

An expression's error names a column inside the expression; the file's line and column
follow from where the value starts only when it is written as it reads, on one line.
A value folded over lines (``f: >-`` or a plain or quoted scalar continued on the next
line) or written with escapes (``"x +\\t y"``) is mapped here character by character:
YAML's folding and unescaping only ever change whitespace, and each escape is one
character, so the value's non-space characters are, in order, the source's non-space
characters from where the value starts (an escape counted where its backslash is).
A value that does not map so (none is known) gives None, and the caller points at the
value's start instead.
"""

from __future__ import annotations

_SIMPLE_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
    "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
    "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}

Place = tuple[int, int]         # 1-based line and column


def places(lines: list[str], line: int, column: int, text: str) -> list[Place] | None:
    """For each character of ``text`` (the value starting at ``line``, ``column``) and
    for its end, the place in the file; whitespace and the end the place just after
    the non-space character before them.  None when the source does not match."""
    wanted = [char for char in text if not char.isspace()]
    found = _scan(lines, line - 1, column - 1, len(wanted))
    if found is None or [char for char, _, _, _ in found] != wanted:
        return None
    result: list[Place] = []
    after: Place = (found[0][1], found[0][2]) if found else (line, column)
    index = 0
    for char in text:
        if char.isspace():
            result.append(after)
            continue
        _, at_line, at_column, width = found[index]
        index += 1
        result.append((at_line, at_column))
        after = (at_line, at_column + width)
    result.append(after)
    return result


def _scan(lines: list[str], row: int, col: int, count: int):
    """The first ``count`` non-space characters of the value starting at (row, col),
    0-based, as (character, line, column, width in the source); None if it ends first
    or holds an escape this does not know."""
    if row >= len(lines) or col >= len(lines[row]):
        return None
    style = lines[row][col]
    if style in "|>":                       # a block scalar: its lines after the header
        row, col, style = row + 1, 0, ""
    elif style in "'\"":
        col += 1
    else:
        style = ""
    found: list[tuple[str, int, int, int]] = []
    while len(found) < count and row < len(lines):
        line = lines[row]
        if col >= len(line):
            row, col = row + 1, 0
            continue
        char = line[col]
        width = 1
        if style == '"' and char == "\\":
            if col + 1 >= len(line):            # an escaped line break: nothing
                row, col = row + 1, 0
                continue
            escape = line[col + 1]
            if escape in _SIMPLE_ESCAPES:
                char, width = _SIMPLE_ESCAPES[escape], 2
            elif escape in _HEX_ESCAPES:
                digits = line[col + 2:col + 2 + _HEX_ESCAPES[escape]]
                try:
                    char = chr(int(digits, 16))
                except ValueError:
                    return None
                width = 2 + len(digits)
            else:
                return None
        elif style == '"' and char == '"':
            return None                         # the value ended first
        elif style == "'" and char == "'":
            if line[col + 1:col + 2] != "'":
                return None
            width = 2                           # '' is one quote
        if not char.isspace():
            found.append((char, row + 1, col + 1, width))
        col += width
    return found if len(found) == count else None
