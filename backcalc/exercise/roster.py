"""The students of a roster CSV: the first column of each row is a student's id.

A first row whose first cell is a column heading (``HEADINGS``: id, student, username,
email, …) is a header and skipped; blank rows are skipped.  Each id is made a safe file
stem (``variants/<id>.yaml``): every character but letters, digits, '_', '.' and '-'
becomes '_', and leading dots and dashes are dropped (no hidden files, nothing that
reads as an option).  An empty id, or two ids naming the same file (also when they
differ only in case, as on macOS and Windows), is refused with one line naming the
roster's line.
"""

from __future__ import annotations

import csv
import io
import re

from ..errors import InputError
from .request import MAX_ID, MAX_VARIANTS

HEADINGS = {"id", "student", "student id", "student_id", "studentid", "student number",
            "username", "user", "user name", "login", "name", "email", "e-mail", "mail",
            "identifier", "matriculation number", "matrikelnummer"}
"""First cells that make the first row a header (compared in lower case)."""
_UNSAFE = re.compile(r"[^\w.-]")


def read_roster(path: str) -> list[str]:
    """The ids of the roster at ``path``, in its order, each a safe file stem."""
    from ..yamlsource import read_text
    text = read_text(path, path)
    return roster_ids(text, path)


def roster_ids(text: str, display: str) -> list[str]:
    ids: list[str] = []
    seen: dict[str, tuple[str, int]] = {}          # the stem in lower case → (cell, line)
    header = False
    reader = csv.reader(io.StringIO(text), _dialect(text))
    line = 1
    while True:
        line = reader.line_num + 1                 # where the next row starts
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise InputError(f"expected CSV, found {error}", file=display, line=line) from None
        if not any(cell.strip() for cell in row):
            continue
        cell = row[0].strip()
        if not ids and not header and cell.lower() in HEADINGS:
            header = True                          # a heading: the students follow
            continue
        header = True                              # only the first row may be a header
        if not cell:
            raise InputError("expected a student id in the first column, found an empty "
                             "cell", file=display, line=line)
        stem = safe_stem(cell)
        if not stem:
            raise InputError(f"expected a student id with a letter or digit, found {cell!r}",
                             file=display, line=line)
        if stem.lower() in seen:
            other, where = seen[stem.lower()]
            if other == cell:
                same = f"the id {cell!r} is on line {where} already"
            elif safe_stem(other) == stem:
                same = f"{cell!r} makes the file name {stem!r}, as {other!r} on line {where} does"
            else:
                same = (f"{cell!r} and {other!r} (line {where}) differ only in case, and make "
                        "the same file where names ignore case (macOS, Windows)")
            raise InputError(f"{same}; every student needs an id of their own", file=display,
                             line=line)
        seen[stem.lower()] = (cell, line)
        ids.append(stem)
        if len(ids) > MAX_VARIANTS:
            raise InputError(f"a roster has at most {MAX_VARIANTS:,} students, found more",
                             file=display, line=line)
    if not ids:
        raise InputError("expected student ids in the first column, found none",
                         file=display)
    return ids


def safe_stem(text: str) -> str:
    """``text`` as a file stem: unsafe characters '_', no leading '.' or '-', at most
    ``MAX_ID`` characters."""
    return _UNSAFE.sub("_", text).lstrip(".-")[:MAX_ID]


def _dialect(text: str):
    """Commas, or the semicolons or tabs of a spreadsheet saved in another locale."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    for delimiter in (",", ";", "\t"):
        if delimiter in first:
            return _Dialect(delimiter)
    return _Dialect(",")


def _Dialect(delimiter: str) -> type[csv.Dialect]:
    return type("Dialect", (csv.excel,), {"delimiter": delimiter})
