"""Results that display themselves: in Jupyter (``_repr_html_``, ``_repr_markdown_``)
and as text in any format of the registry (``render``).

The HTML is the html format's page (``render_html`` through ``formats.FORMATS``),
cut down to its body for a notebook cell: its style sheet is kept, every rule scoped
to the result's own ``div``, so that it styles the result and not the notebook.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace

from ..formats import Choice, Output, format_named

SCOPE = "backcalc-output"
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_PART = re.compile(r"<style>(.*?)</style>.*?<body>\n?(.*?)</body>", re.S)


class Displayed:
    """Mixed into a result holding ``output`` (a ``formats.Output``) and ``choice``."""

    output: Output
    choice: Choice

    def render(self, format: str | None = None) -> str:
        """The result as text in ``format`` (a key of ``formats.FORMATS``; by default the
        one chosen), with the chosen precision and rows."""
        chosen = replace(self.choice, format=format or self.choice.format, path=None)
        buffer = io.StringIO()
        format_named(chosen.format).write(self.output, chosen, buffer)
        return buffer.getvalue()

    def _repr_html_(self) -> str:
        return notebook_html(self.render("html"))

    def _repr_markdown_(self) -> str:
        return self.render("markdown")


def notebook_html(page: str) -> str:
    """A page of the html format as a fragment for a notebook cell: its body in a
    ``div``, with its style sheet scoped to that ``div``."""
    found = _PART.search(page)
    if found is None:
        return page
    style, body = found.groups()
    return (f'<div class="{SCOPE}">\n<style>{scoped(style)}</style>\n{body}</div>\n')


def scoped(style: str) -> str:
    """Every rule of ``style`` applying only inside the result's ``div`` (``body``: the div)."""
    def rule(match: re.Match) -> str:
        selectors = [selector.strip() for selector in match.group(1).split(",")]
        inside = [f".{SCOPE}" if selector == "body" else f".{SCOPE} {selector}"
                  for selector in selectors]
        return f"{', '.join(inside)} {{{match.group(2)}}}"
    return _RULE.sub(rule, style)
