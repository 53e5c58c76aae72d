"""The two pieces of rich's private API that ``render_rich`` needs, and nothing else.

``render_rich`` lays a table out itself, to the character as rich would, because
rich's general table layout costs milliseconds a table and a run has hundreds.  Two
of rich's rules have no public form: how it narrows the wrapping columns of a table
too wide for the terminal (``Table._collapse_widths``) and how it spreads extra width
over the columns in proportion to their widths (``rich._ratio.ratio_distribute``,
used for a title wider than its table).  They are called here, and only here, so a
rich release that renames or changes them breaks one small module; and
``tests/test_rich_adapter.py`` compares what they give with the column widths rich's
public ``Table`` draws, so a change shows as a failing test rather than as output
that silently differs from rich's.
"""

from __future__ import annotations

from rich._ratio import ratio_distribute


def collapse_widths(widths: list[int], wrapping: list[bool], room: int) -> list[int]:
    """Column widths narrowed towards ``room`` cells as rich narrows a table too wide for
    its console: the widest wrapping columns first, never a column that may not wrap.
    The result may still exceed ``room`` (rich then squeezes every column)."""
    from rich.table import Table  # (imported when a table is too wide: it is slow)
    return Table._collapse_widths(widths, wrapping, room)


def distribute(total: int, widths: list[int]) -> list[int]:
    """``total`` extra cells spread over columns in proportion to their ``widths``, as
    rich widens a table to its ``min_width``."""
    return ratio_distribute(total, widths)
