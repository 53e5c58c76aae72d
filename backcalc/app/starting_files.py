"""`new` and `schema`: files to start from, returned as text or written to a file."""

from __future__ import annotations

from pathlib import Path

from ..document import visible
from ..formats import check_target
from ..savefile import write_file
from .results import FileText


def new(arch: str, *, activation: str | None = None, loss: str | None = None,
        learning_rate: float | None = None, seed: int | str | None = None,
        weights: str | None = None, biases: str | None = None, input: str | None = None,
        target: str | None = None, name: str | None = None,
        l2: float | None = None, l2_form: str | None = None,
        optimizer: str | None = None, momentum: float | None = None, nesterov: bool = False,
        dropout: float | None = None,
        output: str | Path | None = None, force: bool = False) -> FileText:
    """A network file to edit, from layer sizes such as ``"2-3-1"`` (options as for
    `backcalc new`); written to ``output`` when given (never over a file unless ``force``).
    ``arch="graph"``: a computational graph file instead (only ``name`` applies)."""
    from ..graph_scaffold import KEYWORD
    if arch == KEYWORD:
        given = dict(activation=activation, loss=loss, learning_rate=learning_rate, seed=seed,
                     weights=weights, biases=biases, input=input, target=target, l2=l2,
                     l2_form=l2_form, optimizer=optimizer, momentum=momentum,
                     nesterov=nesterov or None, dropout=dropout)
        return _new_graph(name, output, force, given)
    from ..scaffold import Request, scaffold
    request = Request(arch, activation=activation, loss=loss, learning_rate=learning_rate,
                      seed=seed, weights=weights, biases=biases, input=input, target=target,
                      name=name, l2=l2, l2_form=l2_form, optimizer=optimizer,
                      momentum=momentum, nesterov=nesterov, dropout=dropout)
    text = scaffold(request, visible(str(output)) if output is not None else None)
    return _written(text, output, force,
                    f"Network written to {output}; edit its numbers, then `backcalc run "
                    f"{output}`.")


def _new_graph(name: str | None, output: str | Path | None, force: bool,
               given: dict) -> FileText:
    """``backcalc new graph``: the network options are refused, one line naming the first."""
    from ..errors import InputError
    from ..graph_scaffold import graph_scaffold
    for option, value in given.items():
        if value is not None:
            raise InputError("a network's option; `backcalc new graph` takes only --name, "
                             "-o and --force", field="--" + option.replace("_", "-"))
    text = graph_scaffold(name, visible(str(output)) if output is not None else None)
    return _written(text, output, force,
                    f"Graph written to {output}; edit its inputs and nodes, then `backcalc "
                    f"run {output}`.")


def schema(output: str | Path | None = None, force: bool = False) -> FileText:
    """The JSON Schema of a network or graph file; written to ``output`` when given."""
    from ..graph_schema import schema_text
    target = Path(output) if output is not None else None
    return _written(schema_text(), output, force,
                    f"Schema written to {output}; point a network or graph file at it with its "
                    f"first line: # yaml-language-server: $schema={target.name if target else ''}",
                    language="json")


def _written(text: str, output: str | Path | None, force: bool, done: str,
             language: str = "yaml") -> FileText:
    """The text, written to ``output`` if given (never an existing file without ``force``)."""
    if output is None:
        return FileText(text, language=language)
    path = Path(output)
    check_target(path, force, [])
    write_file(path, text, replace=force)
    return FileText(text, path, done, language)
