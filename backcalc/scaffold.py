"""``backcalc new``: a network file ready to edit, from an architecture such as 2-3-1.

The file looks like the bundled ones: parameters named w1, w2, … and b1, b2, …
across the whole network (as Mazur's example names them), every matrix one
neuron's row per line, a schema line for editors, and a header saying how it was
made and what to edit.  Numbers not given are drawn with
``numpy.random.default_rng(seed)`` — weights, biases, input, target, always in
that order and all of them, so that giving one never changes the others — and
rounded to 2 decimals, so they are easy to work by hand.

Every bad option is one ``InputError`` naming the option; nothing here prints.
"""

from __future__ import annotations

import math
import re
import shlex
import textwrap
from dataclasses import dataclass

import numpy as np

from .activations import ACTIVATIONS
from .document import visible
from .errors import InputError
from .losses import LOSSES
from .netfile import ACTIVATION_KEYS, _did_you_mean
from .numbers import format_exact
from .schema import modeline
from .yamlsource import load_yaml

DEFAULT_ACTIVATION = "sigmoid"
DEFAULT_LOSS = "half_squared_error"
DEFAULT_LEARNING_RATE = 0.5
DEFAULT_SEED = 0
DECIMALS = 2
MAX_PARAMETERS = 100_000
PROBE = np.linspace(-5.0, 5.0, 21)
"""z values at which an output activation's a must give a finite loss (see ``_trouble``)."""


@dataclass
class Request:
    """What ``backcalc new`` was asked for: None is an option not given (its default)."""

    arch: str
    activation: str | None = None
    loss: str | None = None
    learning_rate: float | None = None
    seed: int | str | None = None
    weights: str | None = None
    biases: str | None = None
    input: str | None = None
    target: str | None = None
    name: str | None = None
    l2: float | None = None
    l2_form: str | None = None
    optimizer: str | None = None
    momentum: float | None = None
    nesterov: bool = False
    dropout: float | None = None                  # keep p of every hidden layer's dropout

    def command(self) -> str:
        """The command line that makes this file (the options given, in a fixed order)."""
        words = ["backcalc", "new", self.arch]
        for option in ("activation", "loss", "learning_rate", "l2", "l2_form", "optimizer",
                       "momentum", "nesterov", "dropout", "seed", "weights", "biases", "input",
                       "target", "name"):
            value = getattr(self, option)
            if value is True:                   # a flag
                words.append(f"--{option}")
            elif value is not None and value is not False:
                shown = (format_exact(value) if option in ("learning_rate", "l2", "momentum",
                                                            "dropout")
                         else str(value))
                words += [f"--{option.replace('_', '-')}", shown]
        return " ".join(shlex.quote(word) for word in words)


# --- reading the options -------------------------------------------------------------

def parse_arch(text: str, *, graph: bool = True) -> list[int]:
    """``2-3-1`` → [2, 3, 1]: the input size, then each layer's.  ``graph``: whether the
    command also takes ``graph`` (``new`` does, ``exercise`` not), for the error to say."""
    parts = text.split("-")
    if not all(re.fullmatch(r"[0-9]+", part) for part in parts):
        raise InputError(f"expected layer sizes joined by '-', the input size first (such as "
                         f"2-3-1){', or graph' if graph else ''}, found {text!r}",
                         field="ARCH")
    if len(parts) < 2:
        raise InputError(f"expected the input size and at least one layer's size (such as "
                         f"2-1), found {text!r}", field="ARCH")
    sizes = [int(part) for part in parts]
    if 0 in sizes:
        raise InputError(f"expected sizes of 1 or more, found 0 in {text!r}", field="ARCH")
    count = sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        raise InputError(f"{text} has {count:,} weights and biases; backcalc new makes "
                         f"networks of at most {MAX_PARAMETERS:,} (small enough to work by "
                         f"hand)", field="ARCH")
    return sizes


def _choice(option: str, word: str, registry: dict) -> str:
    if word not in registry:
        names = sorted(registry)
        raise InputError(f"expected one of {', '.join(names)}, found {word!r}"
                         f"{_did_you_mean(word, names)}", field=option)
    return word


def _activations(text: str, layers: int, arch: str) -> list[str]:
    words = [word.strip() for word in text.split(",")]
    if len(words) not in (1, layers):
        expected = (f"one activation ({arch} has one layer)" if layers == 1 else
                    f"one activation for every layer or {layers} (one per layer of {arch}), "
                    f"separated by commas")
        raise InputError(f"expected {expected}, found {len(words)}", field="--activation")
    names = [_choice("--activation", word, ACTIVATIONS) for word in words]
    names = names * layers if len(names) == 1 else names
    for index, name in enumerate(names[:-1]):
        if ACTIVATIONS[name].output_only:
            hint = ""
            if len(words) == 1:
                example = ",".join([DEFAULT_ACTIVATION] * (layers - 1) + [name])
                hint = f"; give one per layer, such as --activation {example}"
            raise InputError(f"{name} is for the output layer only, found it on layer "
                             f"{index + 1} (a hidden layer){hint}", field="--activation")
    return names


def _numbers(option: str, text: str) -> list[float]:
    values = []
    for index, word in enumerate(text.split(",")):
        word = word.strip()
        try:
            value = float(word)
        except ValueError:
            found = f"{word!r}" if word else "nothing"
            raise InputError(f"expected numbers separated by commas, found {found} (item "
                             f"{index + 1})", field=option) from None
        if not math.isfinite(value):
            raise InputError(f"expected a finite number, found {word!r} (item {index + 1})",
                             field=option)
        values.append(value + 0.0)
    return values


def _every(option: str, text: str, count: int, what: str, where: str) -> list[float]:
    """Every value in file order, or one number for all of them."""
    values = _numbers(option, text)
    if len(values) == 1:
        return values * count
    if len(values) != count:
        raise InputError(f"expected {count} {what} ({where}, in file order) or one number "
                         f"for all, found {len(values)}", field=option)
    return values


def _exactly(option: str, text: str, count: int, what: str, where: str) -> list[float]:
    values = _numbers(option, text)
    if len(values) != count:
        raise InputError(f"expected {count} {what} ({where}), found {len(values)}",
                         field=option)
    return values


def _keep(request: Request, layers: int) -> float | None:
    """--dropout's keep probability p in (0, 1], for the hidden layers (None without)."""
    keep = request.dropout
    if keep is None:
        return None
    if not (math.isfinite(keep) and 0 < keep <= 1):
        raise InputError(f"expected a keep probability in (0, 1], found {keep}",
                         field="--dropout")
    if layers < 2:
        raise InputError(f"dropout is for hidden layers, and {request.arch} has none",
                         field="--dropout")
    return keep


def _penalty(request: Request) -> list[str]:
    """The l2 lines of the file (none without --l2): λ, and the form when not the default."""
    from .penalties import PENALTIES
    if request.l2 is None:
        if request.l2_form is not None:
            raise InputError("applies only with an L2 penalty: give --l2 λ as well",
                             field="--l2-form")
        return []
    lam = request.l2
    if not (math.isfinite(lam) and lam >= 0):
        raise InputError(f"expected a finite number of 0 or more, found {lam}", field="--l2")
    lines = [f"l2: {format_exact(lam)}"]
    if request.l2_form is not None:
        lines.append(f"l2_form: {_choice('--l2-form', request.l2_form, PENALTIES)}")
    return lines


def _optimizer(request: Request) -> list[str]:
    """The optimizer lines of the file: momentum (and nesterov) for sgd, or the optimizer
    with every setting at its default, to edit (none for plain SGD)."""
    from .network import OptimizerConfig
    from .optimizers import OPTIMIZERS
    name = (OptimizerConfig().name if request.optimizer is None
            else _choice("--optimizer", request.optimizer, OPTIMIZERS))
    cls = OPTIMIZERS[name]
    lines = []
    if cls.settings:
        lines += ["optimizer:", f"  name: {name}"]
        lines += [f"  {key}: {str(s.default).lower() if s.boolean else format_exact(s.default)}"
                  for key, s in cls.settings.items()]
    elif request.optimizer is not None:
        lines.append(f"optimizer: {name}")
    mu = request.momentum
    if mu is not None:
        if not cls.takes_momentum:
            hint = f" ({cls.momentum_hint})" if cls.momentum_hint else ""
            raise InputError(f"momentum applies to SGD, not {name}{hint}", field="--momentum")
        if not (math.isfinite(mu) and 0 <= mu < 1):
            raise InputError(f"expected a momentum in [0, 1), found {format_exact(mu)}",
                             field="--momentum")
        lines.insert(0, f"momentum: {format_exact(mu)}")
    if request.nesterov:
        if not mu:
            raise InputError("Nesterov's look-ahead applies only with momentum: give "
                             "--momentum μ above 0 as well", field="--nesterov")
        lines.insert(1, "nesterov: true")
    return lines


def _seed(value) -> int:
    """A seed for numpy: a whole number of 0 or more (as text from the command line)."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]+", value.strip()):
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"expected a whole number of 0 or more, found {value!r}",
                         field="--seed")
    return value


def _trouble(activation: str, loss: str, size: int):
    """An output a of ``activation`` (for z in ``PROBE``) at which ``loss`` is undefined or
    infinite for a target of zeros, ones or one-hot, as (a, why); None when there is none."""
    z = np.concatenate([PROBE[:, None] * np.ones(size),
                        PROBE[:, None] * (-1.0) ** np.arange(size)])
    with np.errstate(all="ignore"):
        a = ACTIVATIONS[activation]().forward(z)
        cls = LOSSES[loss]()
        bad = cls.domain_error(a)
        if bad is not None:
            return a[bad][0], "undefined"
        for y in [np.zeros(size), np.ones(size), *np.eye(size)]:
            terms = cls.terms(a, np.broadcast_to(y, a.shape))
            rows = ~np.isfinite(terms).all(axis=1)
            if rows.any():
                column = int(np.argmin(np.isfinite(terms[rows][0])))
                return a[rows][0][column], "infinite"
    return None


def _check_pair(activation: str, loss: str, size: int) -> None:
    trouble = _trouble(activation, loss, size)
    if trouble is None:
        return
    value, why = trouble
    usable = [cls.name for cls in dict.fromkeys(ACTIVATIONS.values())     # each once
              if _trouble(cls.name, loss, size) is None]
    raise InputError(f"{LOSSES[loss].name} is {why} for some outputs of a {activation} output "
                     f"layer (a = {format_exact(round(float(value), 6))}); give the output "
                     f"layer {_either(usable)}", field="--loss")


def _either(words: list[str]) -> str:
    """sigmoid; sigmoid or softmax; sigmoid, softplus or softmax."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _targets(text: str | None, rng_values: np.ndarray, loss: str, size: int,
             arch: str) -> list[float]:
    if text is None:
        return rng_values.tolist()
    values = _exactly("--target", text, size, "targets" if size > 1 else "target",
                      f"the output layer of {arch} has {size} neuron{'s' if size > 1 else ''}")
    cls = LOSSES[loss]
    if cls.targets_are_probabilities:
        for index, value in enumerate(values):
            if not 0 <= value <= 1:
                raise InputError(f"{cls.name} needs targets in [0, 1] (probabilities), found "
                                 f"{value:g} (target {index + 1})", field="--target")
    return values


def _text(option: str, value: str) -> str:
    """One line of text as a YAML scalar the loader reads back as that same text."""
    if not value:
        raise InputError("expected some text, found nothing", field=option)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise InputError("expected one line of text, found a control character (a line "
                         "break or tab?)", field=option)
    if not value.isprintable() and any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise InputError(f"expected text in UTF-8, found a byte that is not UTF-8 "
                         f"({visible(value)})", field=option)
    try:
        document = load_yaml(f"key: {value}\n", "<text>").value
        read = document["key"] if isinstance(document, dict) else None
        if type(read) is str and read == value:
            return value
    except InputError:
        pass
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# --- drawing and writing ---------------------------------------------------------------

def _draw(sizes: list[int], loss: str, seed: int):
    """Weights and biases uniform in [-1, 1], input in [0, 1], target for the loss."""
    rng = np.random.default_rng(seed)
    pairs = list(zip(sizes, sizes[1:]))
    weights = [_rounded(rng.uniform(-1.0, 1.0, (n_out, n_in))) for n_in, n_out in pairs]
    biases = [_rounded(rng.uniform(-1.0, 1.0, n_out)) for _, n_out in pairs]
    inputs = _rounded(rng.uniform(0.0, 1.0, sizes[0]))
    outputs = sizes[-1]
    kind = _target_kind(loss)
    if kind == "one-hot":
        target = np.zeros(outputs)
        target[rng.integers(outputs)] = 1.0
    elif kind == "binary":
        target = rng.integers(0, 2, outputs).astype(float)
    else:
        target = _rounded(rng.uniform(0.0, 1.0, outputs))
    return weights, biases, inputs, target


def _target_kind(loss: str) -> str:
    """How a target is drawn: a class (one-hot) for cross-entropy, 0 or 1 for binary
    cross-entropy, else a value in [0, 1]."""
    return LOSSES[loss].target_kind


def _rounded(values: np.ndarray) -> np.ndarray:
    return np.round(values, DECIMALS) + 0.0


def _number(value: float, fixed: bool) -> str:
    value = float(value) + 0.0
    return f"{value:.{DECIMALS}f}" if fixed else format_exact(value)


def _row(cells: list[str], widths: list[int]) -> str:
    return "[" + ", ".join(cell.rjust(width) for cell, width in zip(cells, widths)) + "]"


def layer_lines(activation: str, weights: list[list[str]], biases: list[str],
                first_weight: int, first_bias: int) -> list[str]:
    """One layer of a network file as `new` and `exercise` write it: the activation (with
    its options spelled out), the weights and biases as written, and their names w1…, b1…
    counted on from ``first_weight`` and ``first_bias``."""
    cls = ACTIVATIONS[activation]
    options = [key for key in cls.parameters if key in ACTIVATION_KEYS]
    if options:
        extras = ", ".join(f"{key}: {format_exact(cls.parameters[key])}" for key in options)
        lines = [f"  - activation: {{name: {activation}, {extras}}}"]
    else:
        lines = [f"  - activation: {activation}"]
    n_out, n_in = len(weights), len(weights[0])
    lines += _matrix("weights", weights, "    ")
    lines.append(_vector("biases", biases, "    "))
    lines.append("    names:")
    lines += _matrix("weights", [[f"w{first_weight + i * n_in + j}" for j in range(n_in)]
                                 for i in range(n_out)], "      ")
    lines.append(_vector("biases", [f"b{first_bias + i}" for i in range(n_out)], "      "))
    return lines


def _matrix(key: str, cells: list[list[str]], indent: str) -> list[str]:
    """``key: [[…],`` then one row per line, aligned under the first."""
    widths = [max(len(row[j]) for row in cells) for j in range(len(cells[0]))]
    head = f"{indent}{key}: ["
    lines = [_row(row, widths) for row in cells]
    out = [head + lines[0]]
    out += [" " * len(head) + line for line in lines[1:]]
    out[-1] += "]"
    out[:-1] = [line + "," for line in out[:-1]]
    return out


def _vector(key: str, cells: list[str], indent: str) -> str:
    return f"{indent}{key}: [{', '.join(cells)}]"


def _span(prefix: str, count: int) -> str:
    """w1, or w1 and w2, or w1…w8."""
    if count <= 2:
        return " and ".join(f"{prefix}{i + 1}" for i in range(count))
    return f"{prefix}1…{prefix}{count}"


def _header(request: Request, loss: str, seed: int, output: str | None,
            parameters: tuple[int, int]) -> list[str]:
    ranges = {"weights": "uniform in [-1, 1]", "biases": "uniform in [-1, 1]",
              "input": "uniform in [0, 1]",
              "target": {"uniform": "uniform in [0, 1]", "binary": "0 or 1 each",
                         "one-hot": "one-hot: a random class"}[_target_kind(loss)]}
    groups: dict[str, list[str]] = {}       # what was drawn, grouped by how
    for key, how in ranges.items():
        if getattr(request, key) is None:
            groups.setdefault(how, []).append(key)
    if groups:
        listed = ", ".join(f"the {' and '.join(keys)} ({how})" for how, keys in groups.items())
        one = list(groups.values()) in ([["input"]], [["target"]])
        verb = "is a placeholder" if one else "are placeholders"
        numbers = (f"{listed[0].upper()}{listed[1:]} {verb} drawn with seed {seed}, rounded "
                   f"to {DECIMALS} decimals: put in your exercise's numbers.")
    else:
        numbers = "Every number was given on the command line."
    weights, biases = parameters
    return [modeline(),
            f"# A {request.arch} network made by: {request.command()}",
            *("# " + line for line in textwrap.wrap(numbers, 86, break_on_hyphens=False)),
            "# Weights: one row per neuron, one number per input to it (z = W a + b).",
            f"# The names {_span('w', weights)} and {_span('b', biases)} label the parameters "
            f"in every table; rename them freely.",
            f"# Then: backcalc run {shlex.quote(output) if output else 'FILE'}"]


def scaffold(request: Request, output: str | None = None) -> str:
    """The network file's text.  ``output`` is the file it will be written to (for the
    header's `backcalc run` line), or None for standard output."""
    sizes = parse_arch(request.arch)
    arch = request.arch
    layers = len(sizes) - 1
    activations = _activations(DEFAULT_ACTIVATION if request.activation is None
                               else request.activation, layers, arch)
    loss = _choice("--loss", request.loss if request.loss is not None else DEFAULT_LOSS,
                   LOSSES)
    _check_pair(activations[-1], loss, sizes[-1])
    rate = DEFAULT_LEARNING_RATE if request.learning_rate is None else request.learning_rate
    if not (math.isfinite(rate) and rate >= 0):
        raise InputError(f"expected a finite number of 0 or more, found {rate}",
                         field="--learning-rate")
    penalty = _penalty(request)
    optimizer = _optimizer(request)
    keep = _keep(request, layers)
    seed = DEFAULT_SEED if request.seed is None else _seed(request.seed)
    name = _text("--name", request.name if request.name is not None else
                 f"{arch} network ({', '.join(dict.fromkeys(activations))}; {loss})")

    pairs = list(zip(sizes, sizes[1:]))
    weight_count = sum(n_in * n_out for n_in, n_out in pairs)
    bias_count = sum(sizes[1:])
    weights, biases, inputs, target = _draw(sizes, loss, seed)
    # drawn numbers keep their 2 decimals (0.30); given ones are written as typed, and so
    # are drawn targets of 0 and 1 (binary, one-hot)
    fixed = {key: getattr(request, key) is None for key in ("weights", "biases", "input",
                                                             "target")}
    fixed["target"] &= _target_kind(loss) == "uniform"
    if request.weights is not None:
        flat = iter(_every("--weights", request.weights, weight_count, "weights",
                           f"every weight of {arch}"))
        weights = [np.array([[next(flat) for _ in range(n_in)] for _ in range(n_out)])
                   for n_in, n_out in pairs]
    if request.biases is not None:
        flat = iter(_every("--biases", request.biases, bias_count, "biases",
                           f"one per neuron of {arch}"))
        biases = [np.array([next(flat) for _ in range(n_out)]) for _, n_out in pairs]
    if request.input is not None:
        inputs = np.array(_exactly("--input", request.input, sizes[0],
                                   "inputs" if sizes[0] > 1 else "input",
                                   f"the input size of {arch}"))
    target = np.array(_targets(request.target, target, loss, sizes[-1], arch))

    def cells(values, key):
        return [_number(v, fixed[key]) for v in np.ravel(values)]

    lines = _header(request, loss, seed, output, (weight_count, bias_count))
    lines += [f"name: {name}",
              _vector("input", cells(inputs, "input"), ""),
              _vector("target", cells(target, "target"), ""),
              f"loss: {loss}",
              f"learning_rate: {format_exact(rate)}",
              *optimizer,
              *penalty,
              "layers:"]
    w, b = 1, 1
    for index, ((n_in, n_out), activation) in enumerate(zip(pairs, activations)):
        lines += layer_lines(activation, [cells(row, "weights") for row in weights[index]],
                             cells(biases[index], "biases"), w, b)
        w, b = w + n_in * n_out, b + n_out
        if keep is not None and index < layers - 1:     # a hidden layer: mask all 1s to edit
            lines.append(f"    dropout: {{mask: [{', '.join(['1'] * n_out)}], "
                         f"keep: {format_exact(keep)}}}")
    return "\n".join(lines) + "\n"
