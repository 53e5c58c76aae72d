"""What ``backcalc exercise`` was asked for, checked, and the command remaking one variant.

``ExerciseRequest`` holds the options as given (None: not given, its default); ``settle``
checks every one and returns the ``Exercise`` the rest works from.  Each variant's file
starts with ``ExerciseRequest.command(id)``: the same options, ``--id`` for the variant
(its numbers depend on --seed and its id alone; ``--variants N --id 001`` for a numbered
variant whose id is not its two-digit number), so that running that line writes the
variant again, to the last byte.
"""

from __future__ import annotations

import math
import re
import shlex
from dataclasses import dataclass

from ..errors import InputError
from ..numbers import format_exact

DEFAULT_DECIMALS = 1
DEFAULT_ANSWER_DECIMALS = 4
DEFAULT_SAMPLES = 1
DEFAULT_VARIANTS = 1
DEFAULT_FORMAT = "markdown"
DEFAULT_MAX_DRAWS = 10_000
MAX_DECIMALS = 3
"""Numbers with more decimals than this are no longer meant for a hand calculation."""
MAX_ANSWER_DECIMALS = 10
MAX_SAMPLES = 8
MAX_VARIANTS = 1_000
MAX_PARAMETERS = 60
"""Weights and biases an exercise may have: enough for any network worked by hand, and
each draw's slip search grows with their square."""
SHEET_FORMATS = {"markdown": "md", "latex": "tex", "html": "html"}
"""--format → the extension of the sheets and keys."""
ID_TEXT = re.compile(r"[^\W][\w.-]*")
"""A variant's id: a file stem (letters, digits, '_', '.', '-'), not starting with '.'
or '-' (a hidden file, an option)."""
MAX_ID = 64


@dataclass
class ExerciseRequest:
    """The options of ``backcalc exercise`` as given; None is an option not given."""

    arch: str
    output: str
    activation: str | None = None
    loss: str | None = None
    learning_rate: float | None = None
    samples: int | None = None
    seed: int | str | None = None
    decimals: int | None = None
    answer_decimals: int | None = None
    ask: str | None = None
    format: str | None = None
    max_draws: int | None = None
    variants: int | None = None
    students: str | None = None
    id: str | None = None
    force: bool = False
    category: str | None = None

    def command(self, variant_id: str | None = None) -> str:
        """The command line that writes the variant ``variant_id`` again, alone; or, with
        None, the whole exercise as asked (--variants or --students as given)."""
        words = ["backcalc", "exercise", self.arch]
        for option in ("activation", "loss", "learning_rate", "samples", "decimals",
                       "answer_decimals", "ask", "format", "max_draws"):
            value = getattr(self, option)
            if value is not None:
                shown = format_exact(value) if option == "learning_rate" else str(value)
                words += [f"--{option.replace('_', '-')}", shown]
        if variant_id is None and self.category is not None:   # moodle.xml's alone
            words += ["--category", self.category]
        if variant_id is not None:
            chosen = ["--id", variant_id]
            if self.students is None and self.variants is not None and \
                    seed_key(variant_id, True) != variant_id:
                # 001 of --variants 100 is seeded as 01 is, which --id 001 alone is not
                chosen = ["--variants", str(self.variants), *chosen]
        else:
            chosen = next(([f"--{option}", str(value)] for option, value in
                           (("variants", self.variants), ("students", self.students),
                            ("id", self.id)) if value is not None), [])
        words += ["--seed", str(seed_of(self.seed)), *chosen, "-o", self.output]
        return " ".join(shlex.quote(word) for word in words)


@dataclass
class Exercise:
    """A checked request: what every module after ``request`` works from."""

    request: ExerciseRequest
    sizes: list[int]                # input size, then each layer's
    activations: list[str]          # one per layer
    loss: str
    learning_rate: float
    samples: int
    seed: int
    decimals: int
    answer_decimals: int
    ask: list[str]                  # kinds of ``asking.ASKABLE``, in --ask's order
    format: str                     # a key of ``SHEET_FORMATS``
    max_draws: int
    ids: list[str]                  # the variants' ids, in order
    numbered: bool = True           # ids of --variants (seeded by number), not given ones
    category: str = ""              # moodle.xml's category (``default_category`` if not given)

    @property
    def extension(self) -> str:
        return SHEET_FORMATS[self.format]

    def seed_key(self, variant_id: str) -> str:
        """The text the variant's numbers are seeded from (``seed_key``)."""
        return seed_key(variant_id, self.numbered)


def seed_key(variant_id: str, numbered: bool) -> str:
    """What seeds a variant's numbers with --seed: a numbered variant's number, written
    with two digits at least (so 01 and 001 draw the same numbers, and variants 01 … 99
    the numbers their id text gives); any other id's text."""
    return f"{int(variant_id):02d}" if numbered and variant_id.isdigit() else variant_id


def settle(request: ExerciseRequest) -> Exercise:
    """Every option checked (one ``InputError`` naming the option otherwise)."""
    from ..activations import ACTIVATIONS
    from ..losses import LOSSES
    from ..scaffold import (
        DEFAULT_ACTIVATION,
        DEFAULT_LEARNING_RATE,
        DEFAULT_LOSS,
        _activations,
        _check_pair,
        _choice,
        parse_arch,
    )
    from .asking import parse_ask
    sizes = parse_arch(request.arch, graph=False)
    parameters = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))
    if parameters > MAX_PARAMETERS:
        raise InputError(f"{request.arch} has {parameters} weights and biases; an exercise "
                         f"has at most {MAX_PARAMETERS} (it is worked by hand)", field="ARCH")
    layers = len(sizes) - 1
    activations = [ACTIVATIONS[name].name for name in
                   _activations(request.activation or DEFAULT_ACTIVATION, layers, request.arch)]
    loss = _choice("--loss", request.loss or DEFAULT_LOSS, LOSSES)
    loss = LOSSES[loss].name
    _check_pair(activations[-1], loss, sizes[-1])
    rate = DEFAULT_LEARNING_RATE if request.learning_rate is None else request.learning_rate
    if not (math.isfinite(rate) and rate > 0):
        raise InputError(f"expected a finite number above 0, found {format_exact(rate)}",
                         field="--learning-rate")
    samples = _whole("--samples", request.samples, DEFAULT_SAMPLES, 1, MAX_SAMPLES)
    decimals = _whole("--decimals", request.decimals, DEFAULT_DECIMALS, 0, MAX_DECIMALS)
    answer_decimals = _whole("--answer-decimals", request.answer_decimals,
                             DEFAULT_ANSWER_DECIMALS, 0, MAX_ANSWER_DECIMALS)
    max_draws = _whole("--max-draws", request.max_draws, DEFAULT_MAX_DRAWS, 1, 10**7)
    fmt = request.format or DEFAULT_FORMAT
    if fmt not in SHEET_FORMATS:
        raise InputError(f"expected one of {', '.join(SHEET_FORMATS)}, found {fmt!r}",
                         field="--format")
    exercise = Exercise(request, sizes, activations, loss, float(rate), samples,
                        seed_of(request.seed), decimals, answer_decimals,
                        parse_ask(request.ask), fmt, max_draws, _ids(request),
                        numbered=request.students is None and (request.id is None
                                                               or request.variants is not None))
    exercise.category = (_category(request.category) if request.category is not None
                         else default_category(exercise))
    return exercise


def default_category(exercise: Exercise) -> str:
    """The Moodle category's name when --category is not given: what tells exercises
    apart (the network, the loss, every option not at its default that changes the
    numbers or what is asked, the seed), so that two exercises do not land in one
    category."""
    from ..scaffold import DEFAULT_LEARNING_RATE
    from .asking import parse_ask
    activations = (exercise.activations[0] if len(set(exercise.activations)) == 1
                   else ",".join(exercise.activations))
    words = [f"{exercise.request.arch} {activations} {exercise.loss}"]
    if exercise.ask != parse_ask(None):
        words.append(f"ask {','.join(exercise.ask)}")
    if exercise.learning_rate != DEFAULT_LEARNING_RATE:
        words.append(f"learning rate {format_exact(exercise.learning_rate)}")
    if exercise.samples != DEFAULT_SAMPLES:
        words.append(f"{exercise.samples} samples")
    if exercise.decimals != DEFAULT_DECIMALS:
        words.append(f"{exercise.decimals} decimal{'s' if exercise.decimals != 1 else ''}")
    if exercise.answer_decimals != DEFAULT_ANSWER_DECIMALS:
        words.append(f"answers to {exercise.answer_decimals} decimals")
    words.append(f"seed {exercise.seed}")
    return ", ".join(words)


def _category(text: str) -> str:
    name = text.strip()
    if not name or any(ord(c) < 32 or c in "\x7f\ufffe\uffff" for c in name):
        raise InputError(f"expected a category name of printable characters, found {text!r}",
                         field="--category")
    return name


def seed_of(value) -> int:
    """--seed as a whole number of 0 or more (0 when not given)."""
    from ..scaffold import _seed
    return 0 if value is None else _seed(value)


def _whole(option: str, value: int | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InputError(f"expected a whole number from {low} to {high:,}, found {value!r}",
                         field=option)
    return value


def _ids(request: ExerciseRequest) -> list[str]:
    """The variants' ids: --id's one, the roster's, or 01…N for --variants N (with --id
    too: that one of them)."""
    given = [option for option, value in (("--variants", request.variants),
                                          ("--students", request.students),
                                          ("--id", request.id)) if value is not None]
    if len(given) > 1 and given != ["--variants", "--id"]:
        raise InputError(f"give one of --variants, --students and --id (or --variants with "
                         f"--id), found {' and '.join(given)}", field=given[1])
    if request.students is not None:
        from .roster import read_roster
        return read_roster(request.students)
    count = _whole("--variants", request.variants, DEFAULT_VARIANTS, 1, MAX_VARIANTS)
    width = max(2, len(str(count)))
    numbered = [f"{number:0{width}d}" for number in range(1, count + 1)]
    if request.id is None:
        return numbered
    one = check_id(request.id)
    if request.variants is not None and one not in numbered:
        raise InputError(f"expected one of the ids of --variants {count} ({numbered[0]} … "
                         f"{numbered[-1]}), found {one!r}", field="--id")
    return [one]


def check_id(text: str, option: str = "--id") -> str:
    """A variant's id as given to --id: it must be a file stem already (``ID_TEXT``)."""
    if not ID_TEXT.fullmatch(text) or len(text) > MAX_ID:
        raise InputError(f"expected an id of at most {MAX_ID} letters, digits, '_', '.' and "
                         f"'-', not starting with '.' or '-', found {text!r}", field=option)
    return text
