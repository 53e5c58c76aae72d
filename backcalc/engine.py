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

One entry per use, each silencing floating-point warnings once (an overflow
becomes inf and is reported as such, SPEC):

* ``train``          — iterations with every step's trace (the ``keep`` ones kept);
* ``train_untraced`` — iterations for their outcome only (``step --quiet``): it skips
  the work whose only use is to be shown — each step's loss, the gradients of fixed
  biases, ∂L/∂a and f'(z) of an output layer whose δ has a closed form (``FUSED``).
  Every value that feeds the update, and every check that stops a run, is computed
  on the same code path as with the trace, so the parameters are the same to the
  last bit;
* ``Engine.run_pass`` and ``Engine.gradients`` — one traced pass and its gradients
  (gradcheck's analytic side);
* ``Engine.evaluate`` — a forward pass and its loss (gradcheck's θ ± h, show --values).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np

from . import killpoints, work_progress
from .cancellation import cancel_noise
from .errors import ComputationError
from .losses import fused_pair
from .network import Network, Params, Progress
from .numbers import round_half_up
from .optimizers import OPTIMIZERS
from .penalties import penalty_of


@dataclass
class Forward:
    """One layer's forward values in one pass, a row per sample."""

    z: np.ndarray
    a: np.ndarray


@dataclass
class LayerTrace(Forward):
    """One layer's values in one pass, forward and backward, a row per sample.

    A layer with dropout (``dropout``) also has its masks and ã = f(z)·m/p, which the
    next layer takes; its ``dL_da`` is ∂L/∂f(z)."""

    dL_da: np.ndarray
    fprime: np.ndarray | None            # None for softmax (no element-wise derivative)
    delta: np.ndarray
    mask: np.ndarray | None = None       # the samples' masks (dropout), else None
    a_dropout: np.ndarray | None = None  # ã (dropout), else None

    @property
    def passed(self) -> np.ndarray:
        """What the layer passes on to the next: ã with dropout, else a."""
        return self.a if self.a_dropout is None else self.a_dropout


@dataclass
class Pass:
    """One forward and backward pass over a batch of samples."""

    sample_indices: list[int]            # 0-based positions of these samples in the file
    inputs: np.ndarray                   # (samples, inputs)
    targets: np.ndarray                  # (samples, outputs)
    layers: list[LayerTrace]
    terms: np.ndarray                    # loss term per output neuron, (samples, outputs)
    losses: np.ndarray                   # each sample's loss, (samples,)
    loss: float                          # reduced over the samples
    penalty: float = 0.0                 # the L2 penalty at the pass's parameters (``l2``)

    @property
    def outputs(self) -> np.ndarray:
        return self.layers[-1].a


@dataclass
class Update:
    """One update: the parameters after it and where the run stands.

    ``train_untraced`` records its last update so; ``train``'s are ``Step``s."""

    iteration: int
    parameters: list[Params]             # after the update
    progress: Progress                   # optimizer memory after the update
    ends_iteration: bool                 # online mode: the iteration's last sample
    diverged: bool                       # its update made a parameter non-finite


@dataclass
class Step(Update):
    """One update with everything behind it: its pass, the reduced gradients, the
    parameters and optimizer memory before it.

    With an L2 penalty (``l2``), ``gradients`` are the cost's ∂J/∂θ the update used and
    ``loss_gradients`` the data loss's ∂L/∂θ; without, both are the same lists."""

    pass_: Pass
    gradients: list[Params]              # reduced, as used by the update
    before: list[Params]
    slots_before: dict                   # optimizer memory before the update
    loss_gradients: list[Params] | None = None   # ∂L/∂θ; None: ``gradients``

    @property
    def loss(self) -> float:
        return self.pass_.loss

    @property
    def penalty(self) -> float:
        """The L2 penalty at ``before`` (0 without ``l2``)."""
        return self.pass_.penalty

    @property
    def cost(self) -> float:
        """J = L + penalty."""
        return self.pass_.loss + self.pass_.penalty

    @property
    def data_gradients(self) -> list[Params]:
        return self.gradients if self.loss_gradients is None else self.loss_gradients


@dataclass
class Final:
    """What the network gives after the last update: outputs and loss."""

    outputs: np.ndarray
    losses: np.ndarray
    loss: float
    penalty: float = 0.0                 # the L2 penalty at the final parameters


@dataclass
class LossValues:
    """A pass's loss: the term per output neuron, each sample's loss, their reduction."""

    terms: np.ndarray                    # (samples, outputs)
    per_sample: np.ndarray               # (samples,)
    total: float


@dataclass
class Evaluation:
    """A forward pass and its loss, with no backward pass."""

    layers: list[Forward]
    loss: LossValues | None              # None: the loss is undefined for these outputs
    problem: str | None = None           # why it is undefined
    penalty: float = 0.0                 # the L2 penalty at these parameters (``l2``)


ProgressCallback = work_progress.Callback

TINY = float(np.finfo(float).tiny)
"""The smallest normal float64: below it a value has lost precision (subnormal) or is 0."""
SMALL_ARRAY = 64    # entries up to which Python floats are quicker than a NumPy call
NOT_TRACED = np.empty(0)
"""Stands for a value ``train_untraced`` does not compute (nothing reads it)."""


def _all_finite(values: np.ndarray) -> bool:
    """No inf or nan in ``values``: their sum is finite (a sum with an inf or a nan in it
    is not), or else every entry is looked at (finite values whose sum overflows).
    Called with warnings silenced, as an overflowing NumPy sum would warn."""
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


def quiet_arithmetic() -> Any:
    """Warnings are never wanted from the arithmetic: an overflow becomes inf and is
    reported as such (SPEC).  Entered once per entry point, not once per part, as
    entering it costs as much as a small array operation."""
    return np.errstate(over="ignore", invalid="ignore", divide="ignore")


def _silenced(entry):
    """An entry point: its arithmetic runs under ``quiet_arithmetic``."""
    @functools.wraps(entry)
    def silenced(*args, **kwargs):
        with quiet_arithmetic():
            return entry(*args, **kwargs)
    return silenced


def _term_sizes(delta: np.ndarray, a: np.ndarray, y: np.ndarray, output: bool) -> np.ndarray:
    """How large each δ's terms are, for ``cancellation``: |δ|, and for the output layer
    |δ| + |a| + |y|, as δ there comes from a and y and carries their last digit's error
    (δ = a − y is a difference of values near 1)."""
    size = np.abs(delta)
    return size + np.abs(a) + np.abs(y) if output else size


def _weight_sums(delta: np.ndarray, previous: np.ndarray, size: np.ndarray) -> np.ndarray:
    """δᵀ·a over the samples (a row each), a sum cancelled below its precision 0."""
    inputs = previous.shape[1]
    largest = max(float(previous.max()), -float(previous.min()))

    def magnitude_at(flat: np.ndarray) -> np.ndarray:          # Σ_s size·|a| of those sums
        neurons, columns = np.divmod(flat, inputs)
        return np.einsum("sk,sk->k", size[:, neurons], np.abs(previous[:, columns]))
    ceiling = delta.shape[0] * float(size.max()) * largest
    return cancel_noise(delta.T @ previous, delta.shape[0], magnitude_at, ceiling)


def _bias_sums(delta: np.ndarray, size: np.ndarray | None, shared: bool) -> np.ndarray:
    """Σ δ over the samples, per neuron; a shared bias's Σ over its neurons too (one value
    repeated per neuron).  A sum cancelled below its precision is 0 (``size``: None when
    no sum has two terms)."""
    if size is None:
        return delta.sum(axis=0)
    count = delta.shape[0]
    if shared:
        whole = float(size.sum())
        total = cancel_noise(np.atleast_1d(delta.sum()), count * delta.shape[1],
                             lambda flat: np.full(flat.shape, whole), whole)
        return np.full(delta.shape[1], total[0])
    return cancel_noise(delta.sum(axis=0), count, lambda flat: size[:, flat].sum(axis=0),
                        count * float(size.max()))


class Engine:
    """Runs a network's passes and updates; holds no parameter state itself.

    The public methods are entry points (``run_pass``, ``gradients``, ``evaluate``);
    the private ones are their parts, run under the entry's silenced warnings."""

    def __init__(self, network: Network, learning_rate: float | None = None):
        self.network = network
        self.learning_rate = network.learning_rate if learning_rate is None else learning_rate
        self.round = make_rounder(network.round_intermediates)
        self.rounding = network.round_intermediates is not None
        self.activations = [layer.activation for layer in network.layers]
        derivative = "hand_derivative" if self.rounding else "derivative"
        self.derivatives = [getattr(activation, derivative) for activation in self.activations]
        fused: Any = fused_pair(network.loss, self.activations[-1])
        self.fused = fused
        # A fused output's δ: from the rounded a when rounding, as a hand calculation has it.
        self.fused_delta = fused and (fused.hand_delta if self.rounding else fused.delta)
        self.from_z = self.fused is not None and not self.rounding   # loss and ∂L/∂a from z
        # An output that underflows (softplus at z < −708) with a loss taking ln a: where
        # a underflowed, ln a and δ are taken from z (``_underflowed``); not when rounding,
        # as a hand calculation works from its rounded a.
        self.log_from_z = (not self.fused and not self.rounding
                           and self.activations[-1].underflows
                           and network.loss.takes_log_of_output)
        self.optimizer: Any = OPTIMIZERS[network.optimizer.name](network)
        self.penalty = penalty_of(network)
        self.inputs = np.array([s.input for s in network.samples])
        self.targets = np.array([s.target for s in network.samples])
        # Each layer's masks, a row per sample, and keep p (``dropout``); None: no dropout.
        self.masks = [None if layer.dropout is None else np.array(layer.dropout.masks)
                      for layer in network.layers]
        self.keeps = [None if layer.dropout is None else layer.dropout.keep
                      for layer in network.layers]
        self.dropout = any(mask is not None for mask in self.masks)

    # --- entry points ----------------------------------------------------------
    @_silenced
    def run_pass(self, params: list[Params], indices: list[int]) -> Pass:
        """Forward pass, loss and backward pass of these samples (0-based)."""
        return self._pass(params, indices, self.inputs[indices], self.targets[indices])

    @_silenced
    def gradients(self, params: list[Params], pass_: Pass) -> list[Params]:
        """The pass's reduced ∂L/∂W and ∂L/∂b (a shared bias gets the sum of its layer's
        δ); with an L2 penalty, the cost's ∂J/∂θ = ∂L/∂θ + the penalty's gradient."""
        grads = self._gradients(pass_.inputs, pass_.targets, [t.passed for t in pass_.layers],
                                [t.delta for t in pass_.layers], len(pass_.sample_indices),
                                with_fixed_biases=True)
        return self._regularised(params, grads, len(pass_.sample_indices))


    @_silenced
    def evaluate(self, params: list[Params], indices: list[int],
                 training: bool = False) -> Evaluation:
        """z and a of every layer for these samples, and their loss (or why it is undefined),
        and the L2 penalty for an update over them (gradcheck's cost J = L + penalty).
        ``training``: with the samples' dropout masks, as a training pass (gradcheck's
        loss); else without, as the final pass.

        Each call is one unit of work for ``work_progress`` (gradcheck's count)."""
        x, y = self.inputs[indices], self.targets[indices]
        zs, outs, _ = self._forward(params, x, indices if training else None)
        layers = [Forward(z, a) for z, a in zip(zs, outs)]
        work_progress.tick()
        penalty = self._penalty(params, len(indices))
        try:
            return Evaluation(layers, self._losses(zs[-1], outs[-1], y, indices), None, penalty)
        except ComputationError as error:
            return Evaluation(layers, None, str(error), penalty)

    def reduce(self, values: np.ndarray) -> np.ndarray:
        """Combine per-sample values (axis 0) by the file's reduction."""
        total = values.sum(axis=0)
        return total / values.shape[0] if self.network.reduction == "mean" else total

    # --- the L2 penalty (``penalties``) ------------------------------------------
    def _penalty(self, params: list[Params], samples: int) -> float:
        """scale · Σθ² over the weights (and the biases with ``l2_biases``, a shared bias
        once); 0.0 without ``l2``."""
        net = self.network
        if self.penalty is None:
            return 0.0
        assert net.l2 is not None
        total = 0.0
        for p, layer in zip(params, net.layers):
            total += float(np.sum(p.weights * p.weights))
            if net.l2_biases:
                biases = p.biases[:1] if layer.shared_bias else p.biases
                total += float(np.sum(biases * biases))
        return float(self.round(np.asarray(self.penalty.scale(net.l2, samples) * total)))

    def _regularised(self, params: list[Params], grads: list[Params],
                     samples: int) -> list[Params]:
        """∂J/∂θ = ∂L/∂θ + factor·θ (one rounding, as written by hand: the sum's); the very
        ``grads`` without ``l2``.  Unpenalised and untraced biases keep ∂L/∂b."""
        net = self.network
        if self.penalty is None:
            return grads
        assert net.l2 is not None
        factor = self.penalty.factor(net.l2, samples)
        r = self.round
        out = []
        for p, g in zip(params, grads):
            biases = g.biases
            if net.l2_biases and biases is not NOT_TRACED:
                biases = r(biases + factor * p.biases)   # a shared bias: its total, repeated
            out.append(Params(r(g.weights + factor * p.weights), biases))
        return out

    # --- one pass ------------------------------------------------------------
    def _forward(self, params: list[Params], x: np.ndarray,
                 indices: list[int] | None = None) -> tuple[list, list, list]:
        """z, a and what each layer passes on: ã = a·m/p with dropout in a training pass
        (``indices``: the samples, whose masks are used), else a itself."""
        r = self.round
        zs, outs, passed = [], [], []
        a = x
        for p, activation, masks, keep in zip(params, self.activations, self.masks,
                                              self.keeps):
            z = r(a @ p.weights.T + p.biases)
            a = r(activation.forward(z))
            zs.append(z)
            outs.append(a)
            if masks is not None and indices is not None:
                a = r(self._dropped(a, masks[indices], keep))
            passed.append(a)
        return zs, outs, passed

    @staticmethod
    def _dropped(values: np.ndarray, mask: np.ndarray, keep: float | None) -> np.ndarray:
        """values·m/p (``Dropout.scaled``'s order of operations; + 0.0: never −0)."""
        out = values * mask + 0.0
        return out if keep is None else out / keep

    def _underflowed(self, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        """Mask of the outputs whose a underflowed to a subnormal or 0 from a finite z, when
        the loss's ln a and δ are then taken from z (``log_from_z``); None when there is none.

        Everywhere else the loss and δ are computed from a as ever, to the last bit."""
        if not self.log_from_z:
            return None
        under = (np.abs(a) < TINY) & np.isfinite(z)
        return under if under.any() else None

    def _underflowed_delta(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
                           fprime: np.ndarray, delta: np.ndarray) -> np.ndarray:
        """The output layer's δ, taken from z where a underflowed (∂L/∂a·f′(z) would be
        −inf·0 or ±inf there); ``delta`` as computed everywhere else."""
        under = self._underflowed(z, a)
        if under is None:
            return delta
        ratio = self.activations[-1].derivative_over_output(z)
        return np.where(under, self.network.loss.delta_from_ratio(ratio, a, fprime, y), delta)

    def _check_finite(self, zs: list[np.ndarray]) -> None:
        for index, z in enumerate(zs):
            if not _all_finite(z):
                raise ComputationError(f"z of layer {index + 1} overflows float64 (the run "
                                       "diverges; try a smaller learning rate)")

    def _check_domain(self, a: np.ndarray, where: list[int]) -> None:
        """Refuse outputs the loss is undefined for (computed from a; none from z)."""
        if self.from_z:
            return
        loss = self.network.loss
        bad = loss.domain_error(a)
        if bad is not None:
            sample, neuron = np.argwhere(bad)[0]
            base = self.network.index_base
            raise ComputationError(
                f"{loss.name} is undefined for output a = {float(a[sample, neuron])!r} "
                f"(sample {where[sample] + 1}, output neuron {neuron + base}): it needs outputs "
                f"in [0, 1]; use a sigmoid or softmax output layer")

    def _losses(self, z: np.ndarray, a: np.ndarray, y: np.ndarray,
                indices: list[int]) -> LossValues:
        """Loss terms per output, each sample's loss, and their reduction."""
        if self.from_z:
            terms = self.fused.terms(z, a, y)
        else:
            self._check_domain(a, indices)
            terms = self.network.loss.terms(a, y)
            under = self._underflowed(z, a)
            if under is not None:
                log_a = self.activations[-1].log_output(z)
                terms = np.where(under, self.network.loss.terms_from_log(log_a, a, y), terms)
        terms = self.round(terms)
        losses = self.round(terms.sum(axis=1))
        return LossValues(terms, losses, float(self.round(self.reduce(losses))))

    def _backward(self, params: list[Params], y: np.ndarray, zs: list, outs: list,
                  traced: bool, indices: list[int]) -> tuple[list, list, list]:
        """∂L/∂a, f'(z) and δ of every layer, computed output first.  With dropout, ∂L/∂a
        is ∂L/∂f(z) = ∂L/∂ã·m/p (one rounding, as ∂L/∂a = (Σ w·δ)·m/p is written).

        Untraced, an output layer whose δ has a closed form (``FUSED``) gets only its δ:
        nothing uses its ∂L/∂a and f'(z) but the tables (``NOT_TRACED`` stands for them).
        """
        r = self.round
        fused = self.fused
        count = len(zs)
        last = count - 1
        dL_das: list = [NOT_TRACED] * count
        fprimes: list = [None] * count
        deltas: list = [NOT_TRACED] * count
        for index in range(last, -1, -1):
            z, a = zs[index], outs[index]
            if index < last:
                dL_da = deltas[index + 1] @ params[index + 1].weights
                masks = self.masks[index]
                if masks is not None:
                    dL_da = self._dropped(dL_da, masks[indices], self.keeps[index])
                dL_da = r(dL_da)
            elif fused and not traced:
                deltas[index] = r(self.fused_delta(z, a, y))
                continue
            elif self.from_z:                 # (rounding: from the rounded a, as written)
                dL_da = r(fused.gradient(z, a, y))
            else:
                dL_da = r(self.network.loss.gradient(a, y))
            fprime = self.derivatives[index](z, a)
            fprime = None if fprime is None else r(fprime)
            if index == last and fused:
                delta = r(self.fused_delta(z, a, y))
            else:
                delta = r(self.activations[index].backward(z, a, dL_da, fprime))
                if index == last and fprime is not None:
                    delta = self._underflowed_delta(z, a, y, fprime, delta)
            dL_das[index], fprimes[index], deltas[index] = dL_da, fprime, delta
        return dL_das, fprimes, deltas

    def _pass(self, params: list[Params], indices: list[int], x: np.ndarray,
              y: np.ndarray) -> Pass:
        """Forward, loss, backward, with every value."""
        zs, outs, passed = self._forward(params, x, indices)
        self._check_finite(zs)
        loss = self._losses(zs[-1], outs[-1], y, indices)
        dL_das, fprimes, deltas = self._backward(params, y, zs, outs, True, indices)
        layers = [LayerTrace(*values) for values in zip(zs, outs, dL_das, fprimes, deltas)]
        for layer, masks, a_dropout in zip(layers, self.masks, passed):
            if masks is not None:
                layer.mask, layer.a_dropout = masks[indices], a_dropout
        return Pass(indices, x, y, layers, loss.terms, loss.per_sample, loss.total,
                    self._penalty(params, len(indices)))

    def _gradients(self, x: np.ndarray, y: np.ndarray, outs: list, deltas: list,
                   samples: int, with_fixed_biases: bool) -> list[Params]:
        """Reduced ∂L/∂W and ∂L/∂b (``outs``: what each layer passes on, ã with dropout).
        Without ``with_fixed_biases``, fixed biases
        (``update_biases: false``) get no gradient (``NOT_TRACED``).  A sum over samples
        (or a shared bias's over neurons) that cancels below its own precision is 0
        (``cancellation``)."""
        r = self.round
        scale = 1.0 / samples if self.network.reduction == "mean" else 1.0
        biases = with_fixed_biases or self.network.update_biases
        last = len(deltas) - 1
        grads = []
        previous = x
        for index, (layer, a, delta) in enumerate(zip(self.network.layers, outs, deltas)):
            shared = biases and layer.shared_bias and delta.shape[1] > 1
            several = delta.shape[0] > 1                  # samples summed
            size = _term_sizes(delta, a, y, index == last) if several or shared else None
            dW = _weight_sums(delta, previous, size) if size is not None and several else \
                delta.T @ previous
            if scale != 1.0:                       # (× 1.0 changes no float)
                dW = np.multiply(dW, scale, out=dW)
            db = NOT_TRACED
            if biases:
                db = _bias_sums(delta, size, layer.shared_bias) * scale
                db = r(db)
            grads.append(Params(r(dW), db))
            previous = a
        return grads

    def _untraced_gradients(self, params: list[Params], indices: list[int], x: np.ndarray,
                            y: np.ndarray) -> list[Params]:
        """``_pass`` then ``_gradients``, keeping only what the update needs: the loss is
        not computed (its domain is still checked, so a run stops where it would)."""
        zs, outs, passed = self._forward(params, x, indices)
        self._check_finite(zs)
        self._check_domain(outs[-1], indices)
        deltas = self._backward(params, y, zs, outs, False, indices)[2]
        grads = self._gradients(x, y, passed, deltas, len(indices), with_fixed_biases=False)
        return self._regularised(params, grads, len(indices))

    # --- iterations ----------------------------------------------------------
    @overload
    def _updates(self, iterations: int, traced: Literal[True], reached: Reached,
                 progress: ProgressCallback | None) -> Iterator[Step]: ...

    @overload
    def _updates(self, iterations: int, traced: Literal[False], reached: Reached,
                 progress: ProgressCallback | None) -> Iterator[Update]: ...

    def _updates(self, iterations: int, traced: bool, reached: Reached,
                 progress: ProgressCallback | None) -> Iterator[Update]:
        """One ``Update`` per update (a ``Step`` when ``traced``): per iteration in batch
        mode, per sample online.  A run that cannot go on raises ``ComputationError``
        after yielding the step that stopped it; ``reached`` holds the parameters after
        the last whole iteration, ``progress(done, iterations)`` hears of each."""
        params, start = self.network.params, self.network.progress
        updates, slots = start.updates, start.slots
        count = len(self.network.samples)
        batches = ([list(range(count))] if self.network.update == "batch"
                   else [[i] for i in range(count)])
        data = [(indices, self.inputs[indices], self.targets[indices]) for indices in batches]
        last = data[-1]
        checked = None                 # parameters already found finite
        if progress is not None:
            progress(0, iterations)
        for iteration in range(start.iteration + 1, start.iteration + iterations + 1):
            for batch in data:
                indices, x, y = batch
                try:
                    if traced:
                        pass_ = self._pass(params, indices, x, y)
                        loss_grads = self._gradients(x, y, [t.passed for t in pass_.layers],
                                                     [t.delta for t in pass_.layers],
                                                     len(indices), with_fixed_biases=True)
                        grads = self._regularised(params, loss_grads, len(indices))
                    else:
                        grads = self._untraced_gradients(params, indices, x, y)
                except ComputationError as error:
                    where = f"sample {indices[0] + 1} of " if len(data) > 1 else ""
                    raise ComputationError(f"{where}iteration {iteration}: {error}") from None
                updates += 1
                slots_before = slots
                new_params, slots = self.optimizer.step(
                    params, grads, slots, updates, self.learning_rate, self.round)
                problem = (self._non_finite(new_params, checked)
                           or self._non_finite_memory(slots, slots_before))
                now = Progress(iteration, updates, slots)
                # A diverging step is still shown (its values are what they are); the run
                # ends with it, and its update is not kept.
                if traced:
                    yield Step(iteration, new_params, now, batch is last, problem is not None,
                               pass_, grads, params, slots_before,
                               None if grads is loss_grads else loss_grads)
                else:
                    yield Update(iteration, new_params, now, batch is last, problem is not None)
                if problem:
                    where = f"sample {indices[0] + 1} of " if len(data) > 1 else ""
                    raise ComputationError(f"{where}iteration {iteration}: {problem}")
                params = checked = new_params
                if batch is last:
                    reached.params, reached.progress = new_params, now
                    if progress is not None:
                        progress(iteration - start.iteration, iterations)

    def _non_finite(self, new_params: list[Params],
                    checked: list[Params] | None = None) -> str | None:
        """What makes an update unusable (a parameter no longer finite), or None.

        An array that is the very array in ``checked`` (parameters already found
        finite), such as a fixed bias, is not looked at again."""
        found = self._first_non_finite(new_params, checked)
        if found is None:
            return None
        label, value = found
        return (f"the update makes {label} = {value!r} "
                "(the run diverges; try a smaller learning rate)")

    def _non_finite_memory(self, slots: dict, before: dict) -> str | None:
        """What makes an update's optimizer memory unusable, or None: a velocity or a
        moment that overflowed (Adam's v = g² of a finite but huge gradient) while the
        parameters stayed finite.  A state holding it could not be read back, so the run
        stops there as it does for a parameter.  ``before``: the memory already checked."""
        for memory in self.optimizer.kept():
            found = self._first_non_finite(slots.get(memory.kind) or [],
                                           before.get(memory.kind))
            if found is not None:
                label, value = found
                return (f"the update makes {memory.named(label)} = {value!r} (the "
                        "optimizer's memory overflows: the gradient is too large)")
        return None

    def _first_non_finite(self, arrays: list[Params],
                          checked: list[Params] | None) -> tuple[str, float] | None:
        """The label and value of the first non-finite entry of ``arrays`` (arrays that
        are the very ones in ``checked`` are skipped), or None."""
        for index, p in enumerate(arrays):
            old = checked[index] if checked else (None, None)
            for kind, values, before in (("weights", p.weights, old[0]),
                                         ("biases", p.biases, old[1])):
                if values is before or _all_finite(values):
                    continue
                cell = tuple(int(i) for i in np.argwhere(~np.isfinite(values))[0])
                label = (self.network.weight_label(index, *cell) if kind == "weights"
                         else self.network.bias_label(index, cell[0]))
                return label, float(values[cell])
        return None

    def _final(self, params: list[Params]) -> Final:
        """Forward pass of every sample with the given parameters (no dropout mask), and the
        reduced loss."""
        zs, outs, _ = self._forward(params, self.inputs)
        loss = self._losses(zs[-1], outs[-1], self.targets,
                            list(range(len(self.network.samples))))
        count = len(self.network.samples)           # half_mean's m: every sample
        return Final(outs[-1], loss.per_sample, loss.total, self._penalty(params, count))


@dataclass
class Outcome:
    """What a run ends with: the new network, its outputs and loss, why it stopped.

    A run that could not go on (an overflow, a divergence, a loss undefined for the
    outputs) says why in ``stopped``; its ``trained`` network holds the parameters
    after the last whole iteration whose values were all finite, and ``final`` is
    None when the loss is undefined for them.  ``last`` is the last update made (a
    diverging one too), None when there was none.
    """

    network: Network
    final: Final | None
    trained: Network
    stopped: str | None
    last: Update | None


@dataclass
class Run(Outcome):
    """The result of ``train``: the outcome, and every step (or those kept)."""

    steps: list[Step]


@_silenced
def train(network: Network, iterations: int = 1, *, learning_rate: float | None = None,
          keep: Callable[[Step], bool] | None = None,
          progress: ProgressCallback | None = None) -> Run:
    """Run ``iterations`` iterations; keep the steps ``keep`` accepts (all by default),
    and the last.  ``progress(done, iterations)`` hears of each iteration done."""
    engine = Engine(network, learning_rate)
    reached = Reached(network)
    kept: list[Step] = []
    last: Step | None = None
    try:
        for last in killpoints.each_step(engine._updates(iterations, True, reached, progress)):
            if keep is None or keep(last):
                kept.append(last)
    except ComputationError as error:
        reached.stopped = str(error)
    if last is not None and (not kept or kept[-1] is not last):
        kept.append(last)                  # the last step is always shown
    final, trained, stopped = reached.outcome(engine, learning_rate)
    return Run(network, final, trained, stopped, last, kept)


@_silenced
def train_untraced(network: Network, iterations: int = 1, *,
                   learning_rate: float | None = None,
                   progress: ProgressCallback | None = None) -> Outcome:
    """``train`` for runs whose steps nobody looks at (``step --quiet``): the same
    parameters, optimizer memory, ``final`` and stop, without the steps' values."""
    engine = Engine(network, learning_rate)
    reached = Reached(network)
    last: Update | None = None
    try:
        for update in killpoints.each_step(engine._updates(iterations, False, reached,
                                                           progress)):
            last = update
    except ComputationError as error:
        reached.stopped = str(error)
    final, trained, stopped = reached.outcome(engine, learning_rate)
    return Outcome(network, final, trained, stopped, last)


class Reached:
    """How far a run got: the parameters after its last whole iteration whose update
    was finite, and why it stopped (None: it did not)."""

    def __init__(self, network: Network):
        self.network = network
        self.params, self.progress = network.params, network.progress
        self.stopped: str | None = None

    def outcome(self, engine: Engine,
                learning_rate: float | None) -> tuple[Final | None, Network, str | None]:
        """The final values, the trained network and why the run stopped."""
        trained = self.network.with_params(self.params, self.progress)
        if learning_rate is not None:
            trained.learning_rate = learning_rate
        try:
            return engine._final(self.params), trained, self.stopped
        except ComputationError as error:      # the last update left the loss's domain
            return None, trained, (self.stopped or
                                   f"after iteration {self.progress.iteration}: {error}")
