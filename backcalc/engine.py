"""The arithmetic: forward pass, loss, backward pass, gradients, update.

Everything is float64 and vectorised over the samples of a batch: arrays have
shape (samples, neurons).  No value is changed once computed; every intermediate
value is kept in the trace returned to the caller:

* ``Pass``  — one forward and backward pass over a batch: per layer z, a,
  ∂L/∂a, f'(z) and δ = ∂L/∂z (each row one sample's own loss), the loss terms.
* ``Step``  — one update: its pass, the reduced gradients, the parameters before
  and after.
* ``Final`` — what the network gives after the last update.

Hidden δ always uses the weights from before the update (the update happens
only once the whole backward pass is done).

What a run records is the caller's choice, on the one code path: ``train``'s
``keep`` chooses the steps kept, and ``trace=False`` (``step --quiet``) skips the
work whose only use is to be shown — each step's loss, the gradients of fixed
biases, ∂L/∂a and f'(z) of an output layer whose δ has a closed form (``FUSED``).
Every value that feeds the update, and every check that stops a run, is computed
exactly as with the full trace, so the parameters are the same to the last bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from . import killpoints
from .errors import ComputationError
from .losses import FUSED
from .network import Network, Params, Progress
from .numbers import round_half_up
from .optimizers import OPTIMIZERS


@dataclass
class LayerTrace:
    """One layer's values in one pass, a row per sample."""

    z: np.ndarray
    a: np.ndarray
    dL_da: np.ndarray | None = None      # (untraced: None for a FUSED output layer)
    fprime: np.ndarray | None = None     # None for softmax (no element-wise derivative)
    delta: np.ndarray | None = None


@dataclass
class Pass:
    """One forward and backward pass over a batch of samples."""

    sample_indices: list[int]            # 0-based positions of these samples in the file
    inputs: np.ndarray                   # (samples, inputs)
    targets: np.ndarray                  # (samples, outputs)
    layers: list[LayerTrace]
    terms: np.ndarray | None             # loss term per output neuron, (samples, outputs)
    losses: np.ndarray | None            # each sample's loss, (samples,)
    loss: float | None                   # reduced over the samples (None: not traced)

    @property
    def outputs(self) -> np.ndarray:
        return self.layers[-1].a


@dataclass
class Step:
    """One update: its pass, the reduced gradients, the parameters before and after."""

    iteration: int
    pass_: Pass
    gradients: list[Params]              # reduced, as used by the update (untraced: a fixed
                                         # bias's gradient is None)
    before: list[Params]
    parameters: list[Params]             # after the update
    progress: Progress                   # optimizer memory after the update
    ends_iteration: bool = True          # online mode: the iteration's last sample
    diverged: bool = False               # its update made a parameter non-finite
    slots_before: dict = field(default_factory=dict)   # optimizer memory before the update

    @property
    def loss(self) -> float | None:
        return self.pass_.loss


@dataclass
class Final:
    """What the network gives after the last update: outputs and loss."""

    outputs: np.ndarray
    losses: np.ndarray
    loss: float


SMALL_ARRAY = 64    # entries up to which Python floats are quicker than a NumPy call


def _all_finite(values: np.ndarray) -> bool:
    """No inf or nan in ``values``: their sum is finite (a sum with an inf or a nan in it
    is not), or else every entry is looked at (finite values whose sum overflows).
    Called under ``QUIET_ARITHMETIC``, as an overflowing NumPy sum would warn."""
    total = sum(values.ravel().tolist()) if values.size <= SMALL_ARRAY else values.sum()
    return math.isfinite(total) or bool(np.isfinite(values).all())


def make_rounder(decimals: int | None) -> Callable[[np.ndarray], np.ndarray]:
    """Round every entry like a calculator (``numbers.round_half_up``); None: no rounding.

    ``np.round`` rounds half to even on the binary value (2.675 → 2.67); a student
    who sees 2.675 writes 2.68, and so do we.
    """
    if decimals is None:
        return lambda x: x
    vectorised = np.frompyfunc(lambda x: round_half_up(float(x), decimals), 1, 1)

    def round_array(x):
        return np.asarray(vectorised(x), dtype=float)

    return round_array


# Warnings are never wanted from the arithmetic: an overflow becomes inf and is reported
# as such (SPEC).  One errstate per step, not one per part, as entering one costs as much as
# a small array operation.
QUIET_ARITHMETIC = dict(over="ignore", invalid="ignore", divide="ignore")


class Engine:
    """Runs a network's passes and updates; holds no parameter state itself."""

    def __init__(self, network: Network, learning_rate: float | None = None):
        self.network = network
        self.learning_rate = network.learning_rate if learning_rate is None else learning_rate
        self.round = make_rounder(network.round_intermediates)
        self.rounding = network.round_intermediates is not None
        self.activations = [layer.activation for layer in network.layers]
        output = self.activations[-1].name
        fused = FUSED.get((network.loss.name, output))
        self.fused = fused() if fused else None
        self.from_z = self.fused is not None and not self.rounding   # loss and ∂L/∂a from z
        self.optimizer = OPTIMIZERS[network.optimizer.name](network)
        self.inputs = np.array([s.input for s in network.samples])
        self.targets = np.array([s.target for s in network.samples])

    # --- one pass ------------------------------------------------------------
    def forward(self, params: list[Params], x: np.ndarray) -> list[LayerTrace]:
        with np.errstate(**QUIET_ARITHMETIC):
            return self._forward(params, x)

    def _forward(self, params: list[Params], x: np.ndarray) -> list[LayerTrace]:
        r = self.round
        traces = []
        a = x
        for p, activation in zip(params, self.activations):
            z = r(a @ p.weights.T + p.biases)
            a = r(activation.forward(z))
            traces.append(LayerTrace(z, a))
        return traces

    def loss_terms(self, out: LayerTrace, y: np.ndarray, where: list[int]) -> np.ndarray:
        if self.from_z:
            return self.fused.terms(out.z, out.a, y)
        self.check_domain(out, where)
        return self.network.loss.terms(out.a, y)

    def check_domain(self, out: LayerTrace, where: list[int]) -> None:
        """Refuse outputs the loss is undefined for (computed from a; none from z)."""
        if self.from_z:
            return
        loss = self.network.loss
        bad = loss.domain_error(out.a)
        if bad is not None:
            sample, neuron = np.argwhere(bad)[0]
            base = self.network.index_base
            raise ComputationError(
                f"{loss.name} is undefined for output a = {float(out.a[sample, neuron])!r} "
                f"(sample {where[sample] + 1}, output neuron {neuron + base}): it needs outputs "
                f"in [0, 1]; use a sigmoid or softmax output layer")

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """Combine per-sample values (axis 0) by the file's reduction."""
        total = values.sum(axis=0)
        return total / values.shape[0] if self.network.reduction == "mean" else total

    def backward(self, params: list[Params], x: np.ndarray, y: np.ndarray,
                 traces: list[LayerTrace]) -> None:
        """Fill in ∂L/∂a, f'(z) and δ of every layer, output first."""
        with np.errstate(**QUIET_ARITHMETIC):
            self._backward(params, y, traces)

    def _backward(self, params: list[Params], y: np.ndarray, traces: list[LayerTrace],
                  trace: bool = True) -> None:
        """Without ``trace``, an output layer whose δ has a closed form (``FUSED``) gets no
        ∂L/∂a and f'(z): nothing uses them but the tables."""
        r = self.round
        derivative_of = "hand_derivative" if self.rounding else "derivative"
        fused = self.fused
        fused_delta = fused and (fused.hand_delta if self.rounding else fused.delta)
        last = len(traces) - 1
        for index in range(last, -1, -1):
            t = traces[index]
            activation = self.activations[index]
            if index < last:
                t.dL_da = r(traces[index + 1].delta @ params[index + 1].weights)
            elif fused and not trace:
                t.delta = r(fused_delta(t.z, t.a, y))
                continue
            elif self.from_z:                 # (rounding: from the rounded a, as written)
                t.dL_da = r(fused.gradient(t.z, t.a, y))
            else:
                t.dL_da = r(self.network.loss.gradient(t.a, y))
            fprime = getattr(activation, derivative_of)(t.z, t.a)
            t.fprime = None if fprime is None else r(fprime)
            if index == last and fused:
                t.delta = r(fused_delta(t.z, t.a, y))
            else:
                t.delta = r(activation.backward(t.z, t.a, t.dL_da, t.fprime))

    def run_pass(self, params: list[Params], indices: list[int]) -> Pass:
        with np.errstate(**QUIET_ARITHMETIC):
            return self._pass(params, indices, self.inputs[indices], self.targets[indices])

    def _pass(self, params: list[Params], indices: list[int], x: np.ndarray, y: np.ndarray,
              trace: bool = True) -> Pass:
        """Forward, loss, backward; without ``trace`` the loss is not computed (its domain
        is still checked, so a run stops where it would)."""
        traces = self._forward(params, x)
        for index, layer in enumerate(traces):
            if not _all_finite(layer.z):
                raise ComputationError(f"z of layer {index + 1} overflows float64 (the run "
                                       "diverges; try a smaller learning rate)")
        if trace:
            terms, losses, loss = self._losses(traces[-1], y, indices)
        else:
            self.check_domain(traces[-1], indices)
            terms = losses = loss = None
        self._backward(params, y, traces, trace)
        return Pass(indices, x, y, traces, terms, losses, loss)

    def losses(self, out: LayerTrace, y: np.ndarray, indices: list[int]) -> tuple:
        """Loss terms per output, each sample's loss, and their reduction."""
        with np.errstate(**QUIET_ARITHMETIC):
            return self._losses(out, y, indices)

    def _losses(self, out: LayerTrace, y: np.ndarray, indices: list[int]) -> tuple:
        terms = self.round(self.loss_terms(out, y, indices))
        losses = self.round(terms.sum(axis=1))
        return terms, losses, float(self.round(self.reduce(losses)))

    def gradients(self, params: list[Params], pass_: Pass) -> list[Params]:
        """Reduced ∂L/∂W and ∂L/∂b; a shared bias gets the sum of its layer's δ."""
        with np.errstate(**QUIET_ARITHMETIC):
            return self._gradients(pass_)

    def _gradients(self, pass_: Pass, trace: bool = True) -> list[Params]:
        """Without ``trace``, fixed biases (``update_biases: false``) get no gradient."""
        r = self.round
        scale = 1.0 / len(pass_.sample_indices) if self.network.reduction == "mean" else 1.0
        biases = trace or self.network.update_biases
        grads = []
        previous = pass_.inputs
        for layer, t in zip(self.network.layers, pass_.layers):
            dW = t.delta.T @ previous
            if scale != 1.0:                       # (× 1.0 changes no float)
                dW = np.multiply(dW, scale, out=dW)
            db = None
            if biases:
                db = t.delta.sum(axis=0) * scale
                if layer.shared_bias:
                    db = np.full_like(db, db.sum())
                db = r(db)
            grads.append(Params(r(dW), db))
            previous = t.a
        return grads

    # --- iterations ----------------------------------------------------------
    def steps(self, iterations: int, trace: bool = True) -> Iterator[Step]:
        """Yield one ``Step`` per update: per iteration in batch mode, per sample online.

        ``trace=False``: each step's pass has no loss, and a fixed bias no gradient."""
        steps = self.quiet_steps(iterations, trace)
        while True:
            with np.errstate(**QUIET_ARITHMETIC):
                step = next(steps, None)
            if step is None:
                return
            yield step

    def quiet_steps(self, iterations: int, trace: bool = True) -> Iterator[Step]:
        """``steps``, for a caller that runs it under ``np.errstate(**QUIET_ARITHMETIC)``
        (``train``: one errstate for the run, not one per step)."""
        params, progress = self.network.params, self.network.progress
        updates, slots = progress.updates, progress.slots
        count = len(self.network.samples)
        batches = ([list(range(count))] if self.network.update == "batch"
                   else [[i] for i in range(count)])
        data = [(indices, self.inputs[indices], self.targets[indices]) for indices in batches]
        last = data[-1]
        checked = None                 # parameters already found finite
        for iteration in range(progress.iteration + 1, progress.iteration + iterations + 1):
            for batch in data:
                indices = batch[0]
                try:
                    pass_ = self._pass(params, indices, batch[1], batch[2], trace)
                except ComputationError as error:
                    where = f"sample {indices[0] + 1} of " if len(data) > 1 else ""
                    raise ComputationError(f"{where}iteration {iteration}: {error}") from None
                grads = self._gradients(pass_, trace)
                updates += 1
                slots_before = slots
                new_params, slots = self.optimizer.step(
                    params, grads, slots, updates, self.learning_rate, self.round)
                problem = self.non_finite(new_params, checked)
                # A diverging step is still shown (its values are what they are); the run
                # ends with it, and its update is not kept.
                yield Step(iteration, pass_, grads, params, new_params,
                           Progress(iteration, updates, slots), ends_iteration=batch is last,
                           diverged=problem is not None, slots_before=slots_before)
                if problem:
                    where = f"sample {indices[0] + 1} of " if len(data) > 1 else ""
                    raise ComputationError(f"{where}iteration {iteration}: {problem}")
                params = checked = new_params

    def non_finite(self, new_params: list[Params],
                   checked: list[Params] | None = None) -> str | None:
        """What makes an update unusable (a parameter no longer finite), or None.

        An array that is the very array in ``checked`` (parameters already found
        finite), such as a fixed bias, is not looked at again."""
        for index, p in enumerate(new_params):
            old = checked[index] if checked is not None else (None, None)
            for kind, values, before in (("weights", p.weights, old[0]),
                                         ("biases", p.biases, old[1])):
                if values is before or _all_finite(values):
                    continue
                cell = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
                label = (self.network.weight_label(index, *cell) if kind == "weights"
                         else self.network.bias_label(index, cell[0]))
                return (f"the update makes {label} = {float(values[cell])!r} "
                        "(the run diverges; try a smaller learning rate)")
        return None

    def final(self, params: list[Params]) -> Final:
        """Forward pass of every sample with the given parameters, and the reduced loss."""
        traces = self.forward(params, self.inputs)
        _, losses, loss = self.losses(traces[-1], self.targets,
                                      list(range(len(self.network.samples))))
        return Final(traces[-1].a, losses, loss)


@dataclass
class Run:
    """The result of ``train``: every step (or those kept), the final values, the new network.

    A run that could not go on (an overflow, a divergence, a loss undefined for the
    outputs) says why in ``stopped``; its ``trained`` network holds the parameters
    after the last whole iteration whose values were all finite, and ``final`` is
    None when the loss is undefined for them.
    """

    network: Network
    steps: list[Step]
    final: Final | None
    trained: Network
    stopped: str | None = None


def train(network: Network, iterations: int = 1, *, learning_rate: float | None = None,
          keep: Callable[[Step], bool] | None = None, trace: bool = True) -> Run:
    """Run ``iterations`` iterations; keep the steps ``keep`` accepts (all by default),
    and the last.

    ``trace=False`` is for runs whose steps nobody looks at (``step --quiet``): a
    step's loss is then None and a fixed bias has no gradient; the parameters, the
    optimizer's memory, ``final`` and where a run stops are exactly as with the trace.
    """
    engine = Engine(network, learning_rate)
    kept: list[Step] = []
    params, progress = network.params, network.progress   # after the last whole iteration
    stopped, last = None, None
    try:
        with np.errstate(**QUIET_ARITHMETIC):      # (``keep`` too runs under it)
            for last in killpoints.each_step(engine.quiet_steps(iterations, trace)):
                if keep is None or keep(last):
                    kept.append(last)
                if last.ends_iteration and not last.diverged:
                    params, progress = last.parameters, last.progress
    except ComputationError as error:
        stopped = str(error)
    if last is not None and (not kept or kept[-1] is not last):
        kept.append(last)                  # the last step is always shown
    trained = network.with_params(params, progress)
    if learning_rate is not None:
        trained.learning_rate = learning_rate
    try:
        final = engine.final(params)
    except ComputationError as error:      # the last update left the loss's domain
        final = None
        stopped = stopped or f"after iteration {progress.iteration}: {error}"
    return Run(network, kept, final, trained, stopped)
