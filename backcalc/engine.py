"""The arithmetic: forward pass, loss, backward pass, gradients, update.

Everything is float64 and vectorised over the samples of a batch: arrays have
shape (samples, neurons).  Nothing is computed in place; every intermediate
value is kept in the trace returned to the caller:

* ``Pass``  — one forward and backward pass over a batch: per layer z, a,
  ∂L/∂a, f'(z) and δ = ∂L/∂z (each row one sample's own loss), the loss terms.
* ``Step``  — one update: its pass, the reduced gradients, the parameters before
  and after.
* ``Final`` — what the network gives after the last update.

Hidden δ always uses the weights from before the update (the update happens
only once the whole backward pass is done).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from .errors import ComputationError
from .losses import FUSED
from .network import Network, Params, Progress
from .numbers import round_half_up
from .optimizers import OPTIMIZERS


@dataclass
class LayerTrace:
    z: np.ndarray
    a: np.ndarray
    dL_da: np.ndarray | None = None
    fprime: np.ndarray | None = None     # None for softmax (no element-wise derivative)
    delta: np.ndarray | None = None


@dataclass
class Pass:
    sample_indices: list[int]            # 0-based positions of these samples in the file
    inputs: np.ndarray                   # (samples, inputs)
    targets: np.ndarray                  # (samples, outputs)
    layers: list[LayerTrace]
    terms: np.ndarray                    # loss term per output neuron, (samples, outputs)
    losses: np.ndarray                   # each sample's loss, (samples,)
    loss: float                          # reduced over the samples

    @property
    def outputs(self) -> np.ndarray:
        return self.layers[-1].a


@dataclass
class Step:
    iteration: int
    pass_: Pass
    gradients: list[Params]              # reduced, as used by the update
    before: list[Params]
    parameters: list[Params]             # after the update
    progress: Progress                   # optimizer memory after the update
    ends_iteration: bool = True          # online mode: the iteration's last sample
    diverged: bool = False               # its update made a parameter non-finite
    slots_before: dict = field(default_factory=dict)   # optimizer memory before the update

    @property
    def loss(self) -> float:
        return self.pass_.loss


@dataclass
class Final:
    outputs: np.ndarray
    losses: np.ndarray
    loss: float


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
        self.optimizer = OPTIMIZERS[network.optimizer.name](network)
        self.inputs = np.array([s.input for s in network.samples])
        self.targets = np.array([s.target for s in network.samples])

    # --- one pass ------------------------------------------------------------
    def forward(self, params: list[Params], x: np.ndarray) -> list[LayerTrace]:
        r = self.round
        traces = []
        a = x
        with np.errstate(over="ignore", invalid="ignore"):
            for p, activation in zip(params, self.activations):
                z = r(a @ p.weights.T + p.biases)
                a = r(activation.forward(z))
                traces.append(LayerTrace(z, a))
        return traces

    def loss_terms(self, out: LayerTrace, y: np.ndarray, where: list[int]) -> np.ndarray:
        loss = self.network.loss
        if self.fused and not self.rounding:
            return self.fused.terms(out.z, out.a, y)
        bad = loss.domain_error(out.a)
        if bad is not None:
            sample, neuron = np.argwhere(bad)[0]
            base = self.network.index_base
            raise ComputationError(
                f"{loss.name} is undefined for output a = {float(out.a[sample, neuron])!r} "
                f"(sample {where[sample] + 1}, output neuron {neuron + base}): it needs outputs "
                f"in [0, 1]; use a sigmoid or softmax output layer")
        return loss.terms(out.a, y)

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """Combine per-sample values (axis 0) by the file's reduction."""
        total = values.sum(axis=0)
        return total / values.shape[0] if self.network.reduction == "mean" else total

    def backward(self, params: list[Params], x: np.ndarray, y: np.ndarray,
                 traces: list[LayerTrace]) -> None:
        """Fill in ∂L/∂a, f'(z) and δ of every layer, output first."""
        r = self.round
        loss = self.network.loss
        out = traces[-1]
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.fused and not self.rounding:      # rounded: from the rounded a, as written
                out.dL_da = r(self.fused.gradient(out.z, out.a, y))
            else:
                out.dL_da = r(loss.gradient(out.a, y))
            for index in range(len(traces) - 1, -1, -1):
                t = traces[index]
                activation = self.activations[index]
                if index < len(traces) - 1:
                    t.dL_da = r(traces[index + 1].delta @ params[index + 1].weights)
                derivative = activation.hand_derivative if self.rounding else activation.derivative
                fprime = derivative(t.z, t.a)
                t.fprime = None if fprime is None else r(fprime)
                if index == len(traces) - 1 and self.fused:
                    delta = self.fused.hand_delta if self.rounding else self.fused.delta
                    t.delta = r(delta(t.z, t.a, y))
                else:
                    t.delta = r(activation.backward(t.z, t.a, t.dL_da, t.fprime))

    def run_pass(self, params: list[Params], indices: list[int]) -> Pass:
        x, y = self.inputs[indices], self.targets[indices]
        traces = self.forward(params, x)
        for index, trace in enumerate(traces):
            if not np.isfinite(trace.z).all():
                raise ComputationError(f"z of layer {index + 1} overflows float64 (the run "
                                       "diverges; try a smaller learning rate)")
        terms, losses, loss = self.losses(traces[-1], y, indices)
        self.backward(params, x, y, traces)
        return Pass(indices, x, y, traces, terms, losses, loss)

    def losses(self, out: LayerTrace, y: np.ndarray, indices: list[int]) -> tuple:
        """Loss terms per output, each sample's loss, and their reduction."""
        with np.errstate(over="ignore", invalid="ignore"):
            terms = self.round(self.loss_terms(out, y, indices))
            losses = self.round(terms.sum(axis=1))
            return terms, losses, float(self.round(self.reduce(losses)))

    def gradients(self, params: list[Params], pass_: Pass) -> list[Params]:
        """Reduced ∂L/∂W and ∂L/∂b; a shared bias gets the sum of its layer's δ."""
        r = self.round
        scale = 1.0 / len(pass_.sample_indices) if self.network.reduction == "mean" else 1.0
        grads = []
        previous = pass_.inputs
        with np.errstate(over="ignore", invalid="ignore"):
            for layer, trace in zip(self.network.layers, pass_.layers):
                dW = r(trace.delta.T @ previous * scale)
                db = trace.delta.sum(axis=0) * scale
                if layer.shared_bias:
                    db = np.full_like(db, db.sum())
                grads.append(Params(dW, r(db)))
                previous = trace.a
        return grads

    # --- iterations ----------------------------------------------------------
    def steps(self, iterations: int) -> Iterator[Step]:
        """Yield one ``Step`` per update: per iteration in batch mode, per sample online."""
        params, progress = self.network.params, self.network.progress
        count = len(self.network.samples)
        batches = ([list(range(count))] if self.network.update == "batch"
                   else [[i] for i in range(count)])
        for _ in range(iterations):
            iteration = progress.iteration + 1
            for indices in batches:
                where = f"sample {indices[0] + 1} of " if len(batches) > 1 else ""
                try:
                    pass_ = self.run_pass(params, indices)
                except ComputationError as error:
                    raise ComputationError(f"{where}iteration {iteration}: {error}") from None
                grads = self.gradients(params, pass_)
                t = progress.updates + 1
                slots_before = progress.slots
                with np.errstate(over="ignore", invalid="ignore"):
                    new_params, slots = self.optimizer.step(
                        params, grads, progress.slots, t, self.learning_rate, self.round)
                progress = Progress(iteration - 1, t, slots)
                problem = self.non_finite(new_params)
                # A diverging step is still shown (its values are what they are); the run
                # ends with it, and its update is not kept.
                yield Step(iteration, pass_, grads, params, new_params,
                           Progress(iteration, t, slots), ends_iteration=indices is batches[-1],
                           diverged=problem is not None, slots_before=slots_before)
                if problem:
                    raise ComputationError(f"{where}iteration {iteration}: {problem}")
                params = new_params
            progress = Progress(iteration, progress.updates, progress.slots)

    def non_finite(self, new_params: list[Params]) -> str | None:
        """What makes an update unusable (a parameter no longer finite), or None."""
        for index, p in enumerate(new_params):
            for kind, values in (("weights", p.weights), ("biases", p.biases)):
                bad = np.argwhere(~np.isfinite(values))
                if len(bad):
                    cell = tuple(int(i) for i in bad[0])
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
          keep: Callable[[Step], bool] | None = None) -> Run:
    """Run ``iterations`` iterations; keep the steps ``keep`` accepts (all by default)."""
    engine = Engine(network, learning_rate)
    kept: list[Step] = []
    params, progress = network.params, network.progress   # after the last whole iteration
    stopped, last = None, None
    try:
        for last in engine.steps(iterations):
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
