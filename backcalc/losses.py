"""Loss functions of one sample, each with its gradient ∂L/∂a right beside it.

``LOSSES`` maps every SPEC name and alias to a class.  Arrays have shape
(samples, outputs); ``terms`` gives one term per output neuron (their sum is the
sample's loss), so the loss table can show each term.

``FUSED`` holds the (loss, output activation) pairs whose loss and δ have a
closed form in z that stays exact where a saturates: sigmoid with binary
cross-entropy and softmax with cross-entropy both give δ = a − y, and sigmoid
with cross-entropy gives δ = −y(1 − a).

Each class also says how a hand calculation writes and works one output
(``--explain`` and ``check``, see ``worked``): templates of the loss and of ∂L/∂a,
∂L/∂a of one output as a number, and the slips a student makes with it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import sigmoid, softplus
from .slips import DELTA_SIGN, EXTRA_HALF, MISSING_HALF


def _y_log(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """y·ln(a), taken as 0 where y = 0 (so 0·ln 0 = 0); −inf where a = 0 < y."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y * np.log(np.where(y == 0, 1.0, a)))


def _y_over(y: np.ndarray, a: np.ndarray) -> np.ndarray:
    """y / a, taken as 0 where y = 0; ±inf where a = 0 < y."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y / np.where(y == 0, 1.0, a))


class Loss:
    name: str = ""
    alias: str = ""
    formula: str = ""
    gradient_formula: str = ""
    targets_are_probabilities = False
    # One sample's loss and ∂L/∂a of one output as --explain writes them: {y} and {a}
    # stand for one output's values, {terms} for the terms of every output, {n} their count.
    term_template = "({y} − {a})²"
    sum_template = "{terms}"
    gradient_template = ""
    # How targets are drawn for a new network (``scaffold``): uniform in [0, 1], 0 or 1
    # ("binary"), or one class ("one-hot").
    target_kind = "uniform"
    # Slips that scale this loss and its ∂L/∂a (a ½ dropped or added): slip → factor.
    scale_slips: dict = {}
    # Whether the loss takes ln a (a −y·ln a term, ∂L/∂a = −y/a + …): for outputs whose a
    # underflowed, the engine gives it ln a and f′(z)/a from z (``terms_from_log``,
    # ``delta_from_ratio``), as a = 0 would make them inf and −inf·0.
    takes_log_of_output = False

    def terms(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradient(self, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def domain_error(self, a: np.ndarray) -> np.ndarray | None:
        """Mask of outputs for which the loss is undefined, or None when all are fine."""
        return None

    def terms_from_log(self, log_a: np.ndarray, a: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``terms`` with ln a given (only for a loss that ``takes_log_of_output``)."""
        raise NotImplementedError

    def delta_from_ratio(self, ratio: np.ndarray, a: np.ndarray, fprime: np.ndarray,
                         y: np.ndarray) -> np.ndarray:
        """δ = ∂L/∂a·f′(z) with f′(z)/a given as ``ratio`` (only for a loss that
        ``takes_log_of_output``)."""
        raise NotImplementedError

    # --- one output, as a hand calculation works it (``worked``) ------------------------
    def gradient_one(self, values: Sequence[float], outputs: int) -> float:
        """∂L/∂a of one output from [a, y], the network having ``outputs`` outputs."""
        return float(self.gradient(np.array([[values[0]]]), np.array([[values[1]]]))[0, 0])

    def loss_slips(self) -> dict:
        """Slips of a sample's loss: slip → what it makes of the right value."""
        return {name: (lambda x, f=factor: f * x) for name, factor in self.scale_slips.items()}

    def gradient_slips(self) -> dict:
        """Slips of an output's ∂L/∂a, as ``loss_slips``: its sign flipped, and the loss's."""
        return {DELTA_SIGN: lambda x: -x, **self.loss_slips()}


class HalfSquaredError(Loss):
    name, alias = "half_squared_error", "half_sse"
    formula = "L = ½ Σ (y − a)²"
    gradient_formula = "∂L/∂a = a − y"
    sum_template, gradient_template = "½[{terms}]", "{a} − {y}"
    scale_slips = {MISSING_HALF: 2}

    def terms(self, a, y):
        return 0.5 * (y - a) ** 2

    def gradient(self, a, y):
        return a - y


class SquaredError(Loss):
    name, alias = "squared_error", "sse"
    formula = "L = Σ (y − a)²"
    gradient_formula = "∂L/∂a = 2(a − y)"
    gradient_template = "2({a} − {y})"
    scale_slips = {EXTRA_HALF: 0.5}

    def terms(self, a, y):
        return (y - a) ** 2

    def gradient(self, a, y):
        return 2.0 * (a - y)


class MeanSquaredError(Loss):
    name, alias = "mean_squared_error", "mse"
    formula = "L = (1/n) Σ (y − a)²"
    gradient_formula = "∂L/∂a = (2/n)(a − y)"
    sum_template, gradient_template = "(1/{n})[{terms}]", "(2/{n})({a} − {y})"

    def terms(self, a, y):
        return (y - a) ** 2 / a.shape[-1]

    def gradient(self, a, y):
        return 2.0 * (a - y) / a.shape[-1]

    def gradient_one(self, values, outputs):
        # ``gradient`` of one output divides by 1: the network's n is applied here.
        return float(self.gradient(np.array([[values[0]]]), np.array([[values[1]]]))[0, 0]
                     * (1.0 / outputs))


class BinaryCrossEntropy(Loss):
    name, alias = "binary_cross_entropy", "bce"
    formula = "L = −Σ [y ln a + (1 − y) ln(1 − a)]"
    gradient_formula = "∂L/∂a = (a − y) / (a(1 − a))"
    targets_are_probabilities = True
    takes_log_of_output = True
    target_kind = "binary"
    term_template = "{y}·ln {a} + (1 − {y})·ln(1 − {a})"
    sum_template, gradient_template = "−[{terms}]", "({a} − {y}) / ({a}(1 − {a}))"

    def terms(self, a, y):
        return -(_y_log(y, a) + _y_log(1.0 - y, 1.0 - a))

    def gradient(self, a, y):
        return _bce_gradient(a, 1.0 - a, y)

    def domain_error(self, a):
        bad = (a < 0) | (a > 1)
        return bad if bad.any() else None

    def terms_from_log(self, log_a, a, y):
        return -(np.where(y == 0, 0.0, y * log_a) + _y_log(1.0 - y, 1.0 - a))

    def delta_from_ratio(self, ratio, a, fprime, y):
        # (−y/a + (1 − y)/(1 − a))·f′ = −y·(f′/a) + f′·(1 − y)/(1 − a)
        return np.where(y == 0, 0.0, -y * ratio) + _y_over(1.0 - y, 1.0 - a) * fprime


class CrossEntropy(Loss):
    name, alias = "cross_entropy", "ce"
    formula = "L = −Σ y ln a"
    gradient_formula = "∂L/∂a = −y / a"
    targets_are_probabilities = True
    takes_log_of_output = True
    target_kind = "one-hot"
    term_template, sum_template, gradient_template = "{y}·ln {a}", "−[{terms}]", "−{y} / {a}"

    def terms(self, a, y):
        return -_y_log(y, a)

    def gradient(self, a, y):
        return -_y_over(y, a)

    def domain_error(self, a):
        bad = a < 0
        return bad if bad.any() else None

    def terms_from_log(self, log_a, a, y):
        return -np.where(y == 0, 0.0, y * log_a)

    def delta_from_ratio(self, ratio, a, fprime, y):
        return np.where(y == 0, 0.0, -y * ratio)          # (−y/a)·f′


def _bce_gradient(a, one_minus_a, y):
    return -_y_over(y, a) + _y_over(1.0 - y, one_minus_a)


class FusedPair:
    """A loss with the output activation it is computed together with, from z."""

    delta_formula = "δ = a − y"
    # One output's δ, as --explain writes it (None: no element-wise closed form).
    delta_template: str | None = "{a} − {y}"

    def delta(self, z, a, y):
        """δ = ∂L/∂z of the pair, computed from z (each pair has its own)."""
        raise NotImplementedError

    def hand_delta(self, z, a, y):
        """δ as a hand calculation gets it from the (rounded) a; ``delta`` by default."""
        return self.delta(z, a, y)

    def delta_template_for(self, target: np.ndarray) -> str | None:
        """One output's δ as --explain writes it, for a sample with this target (None: no
        element-wise closed form)."""
        return self.delta_template

    def delta_slips(self) -> dict:
        """Slips of the closed-form δ: slip → what it makes of the right value."""
        return {DELTA_SIGN: lambda x: -x}

    def delta_one(self, j: int, values: Sequence[float]) -> float:
        """δ_j from [a_j, y…] (every target of the sample), as ``hand_delta`` gets it."""
        n = len(values) - 1
        y = np.array([values[1:]])
        a = np.zeros((1, n))
        a[0, j] = values[0]
        return float(self.hand_delta(None, a, y)[0, j])


class SigmoidBinaryCrossEntropy(FusedPair):
    """Sigmoid output with binary cross-entropy, computed from z."""

    delta_formula = "δ = a − y"

    def terms(self, z, a, y):
        # −[y ln σ(z) + (1 − y) ln σ(−z)] = y·softplus(−z) + (1 − y)·softplus(z)
        return (np.where(y == 0, 0.0, y * softplus(-z))
                + np.where(y == 1, 0.0, (1.0 - y) * softplus(z)))

    def gradient(self, z, a, y):
        return _bce_gradient(a, sigmoid(-z), y)

    def delta(self, z, a, y):
        return a - y


class SigmoidCrossEntropy(FusedPair):
    """Sigmoid outputs with cross-entropy −Σ y ln a, computed from z."""

    delta_formula = "δ = −y(1 − a)"
    delta_template = "−{y}(1 − {a})"

    def terms(self, z, a, y):
        return np.where(y == 0, 0.0, y * softplus(-z))   # −y ln σ(z) = y·softplus(−z)

    def gradient(self, z, a, y):
        return -_y_over(y, a)

    def delta(self, z, a, y):
        return -y * sigmoid(-z)                           # (−y/a)·a(1 − a), with 1 − a = σ(−z)

    def hand_delta(self, z, a, y):
        return -y * (1.0 - a)                             # from the rounded a, as on paper


class SoftmaxCrossEntropy(FusedPair):
    """Softmax output with cross-entropy, computed from z by log-sum-exp."""

    delta_formula = "δ = a − y"

    def terms(self, z, a, y):
        shifted = z - z.max(axis=-1, keepdims=True)
        log_a = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        return -np.where(y == 0, 0.0, y * log_a)

    def gradient(self, z, a, y):
        return -_y_over(y, a)

    def delta(self, z, a, y):
        # Exactly a − y when the targets sum to 1; a·Σy − y in general.
        return a * y.sum(axis=-1, keepdims=True) - y

    def delta_template_for(self, target):
        return self.delta_template if sum(target) == 1 else "{a}·Σy − {y}"


def _logsumexp(z: np.ndarray) -> np.ndarray:
    """ln Σ e^z over the last axis, without overflow (−inf where every z is −inf)."""
    top = z.max(axis=-1, keepdims=True)
    safe = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return (safe + np.log(np.exp(z - safe).sum(axis=-1, keepdims=True)))[..., 0]


class SoftmaxBinaryCrossEntropy(FusedPair):
    """Softmax outputs with binary cross-entropy, computed from z.

    ln a and ln(1 − a) come from log-sum-exp (1 − aᵢ = Σ_{k≠i} aₖ), so an output that
    saturates to 1 in float64 keeps its finite loss; δ = Jᵀ·∂L/∂a is summed in a form
    where every product is bounded (aⱼ/(1 − aᵢ) ≤ 1 for i ≠ j).
    """

    delta_formula = "δ = Jᵀ·∂L/∂a (the softmax Jacobian)"
    delta_template = None      # no element-wise closed form: --explain writes Jᵀ·∂L/∂a

    @staticmethod
    def _logs(z):
        """(ln a, ln(1 − a)) for every output, from z."""
        total = _logsumexp(z)[..., None]
        n = z.shape[-1]
        others = np.where(np.eye(n, dtype=bool), -np.inf, z[..., None, :])  # row i: z without zᵢ
        return z - total, _logsumexp(others) - total

    def terms(self, z, a, y):
        log_a, log_rest = self._logs(z)
        return -(np.where(y == 0, 0.0, y * log_a) + np.where(y == 1, 0.0, (1.0 - y) * log_rest))

    def gradient(self, z, a, y):
        return _bce_gradient(a, np.exp(self._logs(z)[1]), y)

    def delta(self, z, a, y):
        n = z.shape[-1]
        if n == 1:                         # a single softmax output is always 1: no gradient
            return np.zeros_like(z)
        # δⱼ = aⱼ(gⱼ − Σᵢ aᵢgᵢ) with aᵢgᵢ = (aᵢ − yᵢ)/(1 − aᵢ) becomes
        # δⱼ = (aⱼ − yⱼ) − Σ_{i≠j} (aᵢ − yᵢ)·aⱼ/(1 − aᵢ).
        log_a, log_rest = self._logs(z)
        ratio = np.exp(log_a[..., :, None] - log_rest[..., None, :])     # [j, i] = aⱼ/(1 − aᵢ)
        ratio = np.where(np.eye(n, dtype=bool), 0.0, ratio)
        error = a - y
        return error - np.einsum("...ji,...i->...j", ratio, error)


LOSSES: dict[str, type[Loss]] = {}
for _cls in (HalfSquaredError, SquaredError, MeanSquaredError, BinaryCrossEntropy, CrossEntropy):
    LOSSES[_cls.name] = _cls
    LOSSES[_cls.alias] = _cls

FUSED = {
    ("binary_cross_entropy", "sigmoid"): SigmoidBinaryCrossEntropy,
    ("cross_entropy", "sigmoid"): SigmoidCrossEntropy,
    ("cross_entropy", "softmax"): SoftmaxCrossEntropy,
    ("binary_cross_entropy", "softmax"): SoftmaxBinaryCrossEntropy,
}


def fused_pair(loss: Loss, activation) -> FusedPair | None:
    """The closed form of ``loss`` with an output layer of ``activation``, if there is one."""
    cls = FUSED.get((loss.name, activation.name))
    return cls() if cls else None
