"""`check`: a student's answers against the network's calculation.

The answers are an answers file (a path, or a bundled seed's name) or, from Python,
the same keys in a dict (``{"a2": [0.75, 0.77], "w5+": 0.35}``; a list of dicts for
several blocks).  A dict is written out as an answers file's text and read as one,
so its keys and numbers are checked exactly as a file's are; each number counts as
written by ``repr`` (0.35 has two decimals), and a number given as a string keeps
the digits written (``"0.3500"`` has four).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ..answers import Answer, load_answers, parse_answers
from ..check import check as check_answers
from ..check_report import check_document, check_records, check_report
from ..csvout import record_rows
from ..errors import OptionError
from ..examples import resolve_answers
from ..formats import GRADESCOPE, Choice, Output, check_target
from ..graph import Graph
from ..limits import MAX_PARAMETERS
from ..network import Network
from ..work_progress import Callback, counting
from .inputs import NetworkInput, load_input, source_of, with_rounding
from .results import CheckOutcome

AnswersInput = str | Path | dict | list
"""An answers file's path, a bundled seed's name, or the answers as a dict (or a list
of dicts, one per block)."""

GIVEN = "the answers given"     # how answers given as a dict are named in messages
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def check(network: NetworkInput, answers: AnswersInput, *, tolerance: float | None = None,
          round_decimals: int | None = None, learning_rate: float | None = None,
          choice: Choice | None = None, max_parameters: int = MAX_PARAMETERS,
          progress: Callback | None = None, asked: str | Path | None = None,
          follows_credit: float = 1.0) -> CheckOutcome:
    """Each answer right or wrong, the first wrong step, and why (``status`` 1 when an
    answer is wrong).  ``progress`` hears when the check starts (its length unknown).
    ``asked`` and ``follows_credit`` go with ``choice.format`` gradescope
    (``gradescope_results``)."""
    choice = choice if choice is not None else Choice()
    if choice.format == GRADESCOPE:
        from .gradescope_results import gradescope_results
        return gradescope_results(network, answers, asked=asked, follows_credit=follows_credit,
                                  tolerance=tolerance, round_decimals=round_decimals,
                                  learning_rate=learning_rate, choice=choice,
                                  max_parameters=max_parameters, progress=progress)
    if asked is not None or follows_credit != 1.0:
        raise OptionError(f"--asked and --follows-credit go with --format {GRADESCOPE} "
                          "(to grade a class: backcalc grade)",
                          option="asked" if asked is not None else "follows_credit")
    loaded = load_input(network, max_parameters)
    if isinstance(loaded, Graph):
        from .graph_check import check_graph
        return check_graph(loaded, answers, tolerance=tolerance, round_decimals=round_decimals,
                           learning_rate=learning_rate, choice=choice, progress=progress)
    net = with_rounding(loaded, round_decimals)
    warnings = list(net.warnings)
    path, display, given = read_given(answers, net, choice, warnings)
    with counting(progress, None):
        result = check_answers(net, given, tolerance=tolerance, learning_rate=learning_rate)
    rate = net.learning_rate if learning_rate is None else learning_rate
    output = Output(f"Checking {display} against {net.title}",
                    lambda: check_report(result, display, rate, tolerance),
                    lambda: check_document(result),
                    lambda: record_rows(check_records(result)))
    return CheckOutcome(output, choice, status=0 if result.passed else 1, check=result,
                        warnings=warnings)


def read_given(answers: AnswersInput, net: Network, choice: Choice,
               warnings: list[str]) -> tuple[Path | None, str, list[Answer]]:
    """The answers given (a file, a bundled seed's, or a dict) read against ``net``, once
    the output file is known not to overwrite an input: (path, name shown, answers)."""
    if isinstance(answers, (dict, list)):
        check_target(choice.path, choice.force, [source_of(net)])
        return None, GIVEN, parse_answers(answers_text(answers), net, GIVEN, warnings)
    path, display = resolve_answers(str(answers))
    check_target(choice.path, choice.force, [source_of(net), path])
    return path, display, load_answers(path, net, display, warnings)


def answers_text(answers: dict | list) -> str:
    """Answers given as a dict (or a list of them) as an answers file's text, one key a line."""
    if isinstance(answers, dict):
        return "".join(f"{_key(key)}: {_value(value)}\n" for key, value in answers.items())
    return "".join(f"- {_value(block)}\n" for block in answers) or "[]\n"


def _key(key) -> str:
    return json.dumps(str(key), ensure_ascii=False)


def _value(value) -> str:
    """A value in YAML's flow style; numbers as written (``repr``, or a string's digits)."""
    if hasattr(value, "tolist"):                  # a NumPy array or number
        value = value.tolist()
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else json.dumps(repr(value))
    if isinstance(value, str):
        number = value.strip()
        return number if _NUMBER.fullmatch(number) else json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)}: {_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)

