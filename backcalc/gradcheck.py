"""``backcalc gradcheck``: every analytic gradient against a central finite difference.

For every parameter θ in file order (``report.parameter_columns``) the gradient the
engine computes (``Engine.run_pass`` then ``Engine.gradients``, at the network's own
parameters) is compared with

    numeric = (L(θ + h) − L(θ − h)) / 2h,     h = STEP · max(1, |θ|),

where L is the loss the update uses, computed by the same engine
(``Engine.evaluate``): in batch mode the loss of all samples
reduced as the file says (mean or sum), in online mode each sample's own loss,
checked sample by sample.  With an L2 penalty (``l2``) it is the cost J = L + penalty
(``Evaluation.penalty``, m the samples of the update), and the analytic side ∂J/∂θ.
With dropout (``dropout``) it is the training loss, each sample's mask held fixed.
A shared bias is one parameter: every neuron's bias of its layer moves together.
Fixed biases (``update_biases: false``) are checked too.
``round_intermediates`` is switched off for the check (a loss rounded to N decimals
is a staircase, whose finite differences are 0 or huge); the result says so.

Step.  STEP = 1e-4.  For values of order 1 the central difference's truncation error
(h²/6 · L‴, ~1e-9 relative here) and its rounding error (ε·|L|/h, ~1e-12) are both far
below RTOL; the textbook optimum (3ε)^(1/3) ≈ 1e-5 is smaller, but backcalc's exercises
include saturated outputs whose loss is large and whose gradients are tiny (seed002:
L = 289, gradients ~1e-7), where rounding error dominates and a larger h resolves 10×
more digits.  h grows with |θ| so that θ ± h still moves a large θ in its 4th
significant digit; the step divided by is (θ + h) − (θ − h) as float64 holds it, so no
representation error of h enters.

Verdict.  relative error = |a − n| / max(|a|, |n|, FLOOR), a the analytic and n the
numeric value.  A row is a *mismatch* when its relative error exceeds RTOL = 1e-5 and
|a − n| also exceeds the numeric value's own error estimate, the sum of

* rounding: float64's rounding error in L, bounded to first order from the pass's own
  values (each z's dot product, each a, the loss terms; see ``_rounding_error``),
  divided by h — what limits seed002, whose gradients' last digits float64 cannot
  resolve at L = 289;
* truncation: |D(2h) − D(h)|, for networks with large inputs or weights where the
  curvature over ±h is not negligible.  Richardson's estimate of D(h)'s h² term is a
  third of it; all of it also covers an error linear in h, as where a z sits at the 0
  of an elu with α = 1 (no kink, but its second derivative jumps there);
doubled (SAFETY = 2: the bound is first order and leaves out the last-bit errors of
exp and log).  A row above RTOL but within that error is ok, with a note saying so.
Gradients both below FLOOR = 1e-8 are in effect compared absolutely, so a numeric
3e-14 beside an analytic 0 is ok.  A formula slip (a missing ½, a wrong f′, a
transposed weight) is off by far more than 1e-5: the bundled examples catch a gradient
scaled by 1.0001 everywhere but in seed002 (there: 1.1).

Kinks.  relu, leaky_relu (α ≠ 1) and elu (α ≠ 1) have no derivative at z = 0 (each
activation says so itself, ``Activation.kink``).  A
parameter for which any pre-activation z of such a layer is exactly 0, or reaches or
crosses 0 between θ − 2h and θ + 2h (and moves with θ), gets status *kink* rather
than a verdict: the finite difference then averages the two one-sided slopes while
the analytic value uses f′(0) as the file sets it.

Undefined.  Where the loss at θ ± h or θ ± 2h is infinite or outside the loss's
domain (a cross-entropy of an output outside [0, 1]), or infinite at θ itself, the row
is *undefined*.  The analytic gradient itself must exist: a pass that cannot be
computed at the network's own parameters (a loss undefined for its outputs, a z that
overflows) is a ``ComputationError``, as it is for ``backcalc run``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from .dropout import dropout_layers
from .engine import Engine, Pass
from .errors import ComputationError, InputError
from .network import Network, Params
from .numbers import format_exact
from .penalties import penalty_of
from .report import Line, Section, Table, about, parameter_columns

OFFSETS = (-2, -1, 1, 2)
"""Where the loss is evaluated around θ, in steps of h: θ ± h and θ ± 2h."""

STEP = 1e-4          # h = STEP · max(1, |θ|); see the module docstring
RTOL = 1e-5          # a relative error above this (and above the numeric error) is a mismatch
FLOOR = 1e-8         # gradients smaller than this are compared absolutely
SAFETY = 2.0         # the numeric error estimate is first order: doubled for headroom
EPSILON = float(np.finfo(float).eps)

STATUSES = ("ok", "mismatch", "kink", "undefined")


@dataclass
class ParameterCheck:
    """One parameter's analytic and numeric gradient, and the verdict."""

    name: str
    analytic: float
    numeric: float | None            # None when the loss is undefined at a perturbed point
    relative_error: float | None
    status: str                      # one of STATUSES
    note: str = ""
    sample: int | None = None        # online mode: the sample (1-based) whose loss is checked
    step: float = 0.0                # h
    numeric_error: float = 0.0       # the numeric value's own error estimate (rounding + h²)


@dataclass
class GradcheckResult:
    network: Network                 # as given (round_intermediates as in the file)
    checks: list[ParameterCheck]
    online: bool                     # one loss per sample (update: online), else the batch's
    losses: list[float]              # the loss(es) checked (J with l2), at the file's parameters
    step: float = STEP
    rounding_switched_off: int | None = None   # the file's round_intermediates, if it had one

    @property
    def counts(self) -> Counter:
        return Counter(check.status for check in self.checks)

    @property
    def mismatches(self) -> list[ParameterCheck]:
        return [check for check in self.checks if check.status == "mismatch"]


# --- the check ----------------------------------------------------------------------

def gradcheck(network: Network, *, step: float | None = None) -> GradcheckResult:
    """Compare every analytic gradient with a central finite difference (see the module)."""
    step = STEP if step is None else step
    if not (isinstance(step, (int, float)) and math.isfinite(step) and 0 < step < 1):
        raise InputError(f"expected a number between 0 and 1 (exclusive), found {step!r}",
                         field="step")
    rounding = network.round_intermediates
    exact = replace(network, round_intermediates=None) if rounding is not None else network
    engine = Engine(exact)
    count = len(exact.samples)
    online = exact.update == "online"
    batches = [[i] for i in range(count)] if online else [list(range(count))]
    checks: list[ParameterCheck] = []
    losses: list[float] = []
    for indices in batches:
        sample = indices[0] + 1 if online else None
        try:
            pass_ = engine.run_pass(exact.params, indices)
        except ComputationError as error:
            where = f"{network.source}: " if network.source else ""
            where += f"sample {sample}: " if online and count > 1 else ""
            raise ComputationError(f"{where}no gradient to check at the file's parameters: "
                                   f"{error}") from None
        losses.append(pass_.loss + pass_.penalty)
        checks += _check_pass(engine, exact, pass_, step, sample)
    return GradcheckResult(network, checks, online, losses, step, rounding)


def _check_pass(engine: Engine, net: Network, pass_: Pass, step: float,
                sample: int | None) -> list[ParameterCheck]:
    params = net.params
    grads = engine.gradients(params, pass_)
    noise = _rounding_error(engine, params, pass_)
    kinked = _kinked_layers(net)
    checks = []
    for label, layer, kind, j, i in parameter_columns(net):
        shared = kind == "b" and net.layers[layer].shared_bias
        theta = float(params[layer].weights[j, i] if kind == "w" else params[layer].biases[j])
        analytic = float(grads[layer].weights[j, i] if kind == "w" else grads[layer].biases[j])
        h = step * max(1.0, abs(theta))
        points = {}                     # offset in units of h → (θ', loss or error, traces)
        for k in OFFSETS:
            value = theta + k * h
            moved = _with_value(params, layer, kind, j, i, value, shared)
            points[k] = (value, *_loss_at(engine, moved, pass_))
        check = ParameterCheck(label, analytic, None, None, "undefined", sample=sample, step=h)
        checks.append(check)

        problem = _undefined(pass_.loss, points)
        if problem:
            check.note = problem
            continue
        d1 = (points[1][1] - points[-1][1]) / (points[1][0] - points[-1][0])
        d2 = (points[2][1] - points[-2][1]) / (points[2][0] - points[-2][0])
        half_step = (points[1][0] - points[-1][0]) / 2
        check.numeric = d1 + 0.0
        check.numeric_error = SAFETY * (noise / half_step + abs(d2 - d1))
        if math.isfinite(analytic):
            difference = abs(analytic - d1)
            check.relative_error = difference / max(abs(analytic), abs(d1), FLOOR)
            wrong = check.relative_error > RTOL and difference > check.numeric_error
        else:                           # a finite loss whose analytic gradient is not
            check.relative_error, wrong = math.inf, True
        kink = _kink(net, kinked, pass_, points)
        if kink:
            check.status, check.note = "kink", kink
        else:
            check.status = "mismatch" if wrong else "ok"
            if not wrong and check.relative_error > RTOL:
                check.note = ("ok: the difference is within the numeric value's own "
                              "error (float64's rounding and the h² term, estimated)")
    return checks


def _with_value(params: list[Params], layer: int, kind: str, j: int, i: int, value: float,
                shared: bool) -> list[Params]:
    """The parameters with one of them set to ``value`` (a shared bias: the whole layer's)."""
    out = []
    for index, p in enumerate(params):
        weights, biases = p.weights, p.biases
        if index == layer:
            weights, biases = weights.copy(), biases.copy()
            if kind == "w":
                weights[j, i] = value
            elif shared:
                biases[:] = value
            else:
                biases[j] = value
        out.append(Params(weights, biases))
    return out


def _loss_at(engine: Engine, params: list[Params], pass_: Pass) -> tuple:
    """(reduced loss, traces) with these parameters; the loss is an error message if undefined."""
    evaluation = engine.evaluate(params, pass_.sample_indices, training=True)
    if evaluation.loss is None:
        return evaluation.problem, evaluation.layers
    return evaluation.loss.total + evaluation.penalty, evaluation.layers


def _undefined(loss: float, points: dict) -> str:
    """Why the finite difference cannot be taken here, or ''."""
    if not math.isfinite(loss):
        return f"the loss is {loss} at θ itself"
    for k in (-1, 1, -2, 2):
        value = points[k][1]
        where = f"θ {'+' if k > 0 else '−'} {'2h' if abs(k) == 2 else 'h'}"
        if isinstance(value, str):
            return f"at {where}: {value}"
        if not math.isfinite(value):
            return f"the loss is {value} at {where}"
    return ""


def _rounding_error(engine: Engine, params: list[Params], pass_: Pass) -> float:
    """A first-order bound of float64's rounding error in the pass's reduced loss.

    Each z = W·a + b is a dot product of n + 1 terms, off by up to (n + 1)·ε·(|W|·|a| + |b|),
    which moves L by |δ| times that; each a is off by ε·|a|, moving L by |∂L/∂a|·ε·|a|;
    summing the loss terms adds ε·Σ|term|.  Summed over the network, reduced over the
    samples like the loss.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.abs(pass_.terms).sum(axis=1)
        previous = pass_.inputs
        for p, trace in zip(params, pass_.layers):
            size = np.abs(previous) @ np.abs(p.weights).T + np.abs(p.biases)
            total = total + (np.abs(trace.delta) * size).sum(axis=1) * (p.weights.shape[1] + 1)
            total = total + np.abs(trace.dL_da * trace.a).sum(axis=1)
            previous = trace.passed
        total = np.nan_to_num(total, nan=np.inf)
        loss = EPSILON * float(np.abs(engine.reduce(total)))
    # The penalty (λ/2)·Σθ² sums one square per parameter, and J = L + penalty rounds
    # once more: with a large λ this dwarfs L's own rounding (a bias's J(θ ± h) differ
    # only in L, lost below the penalty's last digit).
    penalized = sum(p.weights.size + p.biases.size for p in params) + 2
    return loss + EPSILON * penalized * abs(pass_.penalty) + EPSILON * abs(pass_.loss)


# --- kinks ----------------------------------------------------------------------------

def _kinked_layers(net: Network) -> list[int]:
    """Layers whose activation has no derivative at z = 0."""
    return [index for index, layer in enumerate(net.layers)
            if layer.activation.kink() is not None]


def _kink(net: Network, kinked: list[int], pass_: Pass, points: dict) -> str:
    """A note when a kinked z is 0, or reaches 0, anywhere in θ ± 2h and moves with θ."""
    for index in kinked:
        zs = np.stack([pass_.layers[index].z] + [points[k][2][index].z for k in points])
        low, high = zs.min(axis=0), zs.max(axis=0)
        at_kink = (low <= 0) & (high >= 0) & (high > low)
        if not at_kink.any():
            continue
        row, neuron = (int(v) for v in np.argwhere(at_kink)[0])
        z = float(pass_.layers[index].z[row, neuron])
        where = f"z of layer {index + 1}, neuron {neuron + net.index_base}"
        if len(pass_.sample_indices) > 1:
            where += f" (sample {pass_.sample_indices[row] + 1})"
        activation = net.layers[index].activation
        used = activation.kink()
        if z == 0:
            return f"{where} is 0: {activation.name} has no derivative there (backcalc uses {used})"
        return (f"{where} = {z:.3g} crosses 0 within θ ± 2h: the finite difference spans "
                f"{activation.name}'s kink (backcalc uses {used} at 0)")
    return ""


# --- the report, for the terminal -----------------------------------------------------

def gradcheck_report(result: GradcheckResult) -> list[Section]:
    """The check as sections and tables of ``report`` (drawn by ``render_rich``)."""
    net = result.network
    sections = [Section(net.title, about(net))]

    how: list[Line] = []
    count = len(net.samples)
    if result.online:
        how.append([f"loss: {net.loss.name}: {net.loss.formula}, each sample's own loss "
                    "(update: online), all at the file's parameters"])
    elif count == 1:
        how.append([f"loss: {net.loss.name}: {net.loss.formula} (one sample)"])
    else:
        how.append([f"loss: {net.loss.name}: {net.loss.formula}, {net.reduction} over the "
                    f"{count} samples (update: batch)"])
    penalty = penalty_of(net)
    letter = "J" if penalty else "L"
    if penalty:
        assert net.l2 is not None
        how.append([f"cost: J = L + {penalty.formula}, λ = {format_exact(net.l2)}"
                    + ("" if net.l2_biases else ", biases not penalised")
                    + "; the analytic gradient is ∂J/∂θ"])
    dropped = dropout_layers(net)
    if dropped:
        which = ", ".join(str(index + 1) for index in dropped)
        how.append([f"dropout on layer{'s' if len(dropped) > 1 else ''} {which}: the training "
                    "loss, each sample's mask held fixed"])
    how.append([f"numeric = ({letter}(θ + h) − {letter}(θ − h)) / 2h, "
                f"h = {result.step:g}·max(1, |θ|)"])
    how.append([f"relative error = |a − n| / max(|a|, |n|, {FLOOR:g}); mismatch: above "
                f"{RTOL:g} and beyond the numeric value's own error (rounding, h²)"])
    shared = [net.bias_label(i, 0) for i, layer in enumerate(net.layers) if layer.shared_bias]
    if shared:
        how.append([f"shared bias {', '.join(shared)}: one parameter, the whole layer's bias "
                    "moved together"])
    if result.rounding_switched_off is not None:
        how.append([f"round_intermediates: {result.rounding_switched_off} is switched off for "
                    "the check (rounded losses have no useful finite differences); both "
                    "gradients are full float64"])

    if result.online:
        sections.append(Section("Gradient check", how))
        for number, loss in enumerate(result.losses, start=1):
            rows = [c for c in result.checks if c.sample == number]
            sections.append(Section(f"Sample {number} (its own loss)", [[(letter, loss)]],
                                    [_table(rows)]))
    else:
        how.append([(letter, result.losses[0])])
        sections.append(Section("Gradient check", how, [_table(result.checks)]))
    notes = _notes(result)
    if notes:
        sections.append(Section("Notes", notes))
    sections.append(Section("Result", [[summary(result)]]))
    return sections


def _table(checks: list[ParameterCheck]) -> Table:
    rows = [[c.name, c.analytic, c.numeric, _two_digits(c.relative_error), c.status]
            for c in checks]
    return Table("Gradients", ["parameter", "analytic", "numeric", "relative error", "status"],
                 rows)


def _two_digits(value: float | None) -> float | None:
    """A relative error is an order of magnitude: shown with two significant digits."""
    return None if value is None or not math.isfinite(value) else float(f"{value:.2g}")


def _notes(result: GradcheckResult) -> list[Line]:
    """Each note once, with the parameters (and samples) it is about."""
    grouped: dict[str, list[str]] = {}
    for c in result.checks:
        if c.note:
            who = c.name + (f" (sample {c.sample})" if result.online and c.sample else "")
            grouped.setdefault(c.note, []).append(who)
    return [[f"{', '.join(names)}: {note}"] for note, names in grouped.items()]


def summary(result: GradcheckResult) -> str:
    """'11 parameters: 11 ok', or '… 10 ok, 1 mismatch (w5)'; online mode counts checks."""
    parameters = result.network.parameter_count
    total = len(result.checks)
    if result.online and len(result.network.samples) > 1:
        head = (f"{total} checks ({parameters} parameters × {len(result.network.samples)} "
                "samples)")
    else:
        head = f"{total} parameter{'s' if total != 1 else ''}"
    tally = result.counts
    parts = []
    for status in STATUSES:
        if not tally[status]:
            continue
        part = f"{tally[status]} {status}"
        if status == "mismatch":
            names = [c.name + (f" of sample {c.sample}" if result.online and c.sample else "")
                     for c in result.mismatches]
            more = f" and {len(names) - 10} more" if len(names) > 10 else ""
            part += f" ({', '.join(names[:10])}{more})"
        parts.append(part)
    return f"{head}: {', '.join(parts)}" if parts else head


# --- the JSON document ----------------------------------------------------------------

def gradcheck_document(result: GradcheckResult) -> dict:
    """{"network", "parameters": [{name, analytic, numeric, relative_error, status, note}],
    "mismatches"}; online rows also carry "sample".  Write it with ``jsonout.dumps``."""
    rows = []
    for c in result.checks:
        row: dict = {"name": c.name}
        if result.online:
            row["sample"] = c.sample
        row.update({"analytic": _number(c.analytic), "numeric": _number(c.numeric),
                    "relative_error": _number(c.relative_error), "status": c.status,
                    "note": c.note or None})
        rows.append(row)
    return {"network": result.network.title, "parameters": rows,
            "mismatches": len(result.mismatches),
            "round_intermediates_switched_off": result.rounding_switched_off}


def _number(value: float | None) -> float | None:
    return None if value is None else float(value) + 0.0
