"""The L2 penalty of a network file's ``l2`` keys: one class per ``l2_form``.

With ``l2: λ`` the update follows the cost J = L + penalty, L the data loss.  The
forms differ only in two factors — the penalty is ``scale · Σθ²`` and its gradient
``factor · θ`` — and in the slips a student makes with them:

* ``half``      (λ/2)·Σw², gradient λ·w (PyTorch's ``weight_decay``);
* ``full``      λ·Σw², gradient 2λ·w;
* ``half_mean`` (λ/2m)·Σw², gradient (λ/m)·w, m the samples in the update (Coursera).

Σ runs over the weights, and over the biases too with ``l2_biases: true`` (a shared
bias is one parameter, counted once).  Each class declares its formulas (conventions,
``--explain``) and, per slip, the factor a student making it would use (``check``,
through ``worked``); the bias slips are every form's (``Penalty.bias_slips``).

Nothing here imports NumPy: the engine does the arrays.
"""

from __future__ import annotations

from .numbers import format_exact
from .slips import L2_BIAS_NOT_PENALISED, L2_BIAS_PENALISED, L2_DOUBLED, L2_HALVED, L2_MISSING_M


class Penalty:
    """What every form has; a form sets the class attributes and ``scale``/``factor``."""

    name = ""
    formula = ""                 # the penalty, in the conventions header: (λ/2)·Σw²
    gradient_formula = ""        # its gradient: λ·w
    source = ""                  # whose convention it is
    value_template = ""          # --explain: {lam}, {m} (constants) and {terms} (Σθ²)
    term_template = ""           # --explain: the gradient's term, {lam}, {m}, {theta}

    def scale(self, lam: float, m: int) -> float:
        """The penalty is scale · Σθ² (m: the samples in the update)."""
        raise NotImplementedError

    def factor(self, lam: float, m: int) -> float:
        """The penalty's gradient is factor · θ."""
        raise NotImplementedError

    def gradient_slips(self, lam: float, m: int) -> dict[str, float]:
        """Slip → the factor a student making it writes in the gradient's term."""
        return {}

    def value_slips(self, lam: float, m: int) -> dict[str, float]:
        """Slip → the scale a student making it writes in the penalty itself."""
        return {}

    @staticmethod
    def bias_slips(penalised: bool) -> str:
        """The slip of a bias treated the other way round from ``l2_biases``."""
        return L2_BIAS_NOT_PENALISED if penalised else L2_BIAS_PENALISED

    def describe(self, lam: float, biases: bool) -> str:
        """The conventions header's row."""
        whose = "biases penalised too (l2_biases: true)" if biases else "biases not penalised"
        return (f"L2 penalty {self.formula} with λ = {format_exact(lam)}, {whose}; gradient "
                f"{self.gradient_formula} ({self.source}); the update follows J = L + penalty")


class Half(Penalty):
    name = "half"
    formula = "(λ/2)·Σw²"
    gradient_formula = "λ·w"
    source = "PyTorch's weight_decay"
    value_template = "({lam}/2)·({terms})"
    term_template = "{lam}·{theta}"

    def scale(self, lam, m):
        return lam / 2

    def factor(self, lam, m):
        return lam

    def gradient_slips(self, lam, m):
        return {L2_DOUBLED: 2 * lam}


class Full(Penalty):
    name = "full"
    formula = "λ·Σw²"
    gradient_formula = "2λ·w"
    source = "Keras's regularizers.L2, ridge regression's λ‖w‖²"
    value_template = "{lam}·({terms})"
    term_template = "2·{lam}·{theta}"

    def scale(self, lam, m):
        return lam

    def factor(self, lam, m):
        return 2 * lam

    def gradient_slips(self, lam, m):
        return {L2_HALVED: lam}


class HalfMean(Penalty):
    name = "half_mean"
    formula = "(λ/2m)·Σw²"
    gradient_formula = "(λ/m)·w"
    source = "Andrew Ng's Coursera course; m the samples in the update"
    value_template = "({lam}/(2·{m}))·({terms})"
    term_template = "({lam}/{m})·{theta}"

    def scale(self, lam, m):
        return lam / (2 * m)

    def factor(self, lam, m):
        return lam / m

    def gradient_slips(self, lam, m):
        return {L2_MISSING_M: lam, L2_DOUBLED: 2 * lam / m}

    def value_slips(self, lam, m):
        return {L2_MISSING_M: lam / 2}


PENALTIES: dict[str, type[Penalty]] = {"half": Half, "full": Full, "half_mean": HalfMean}
"""``l2_form`` → its class."""


def penalty_of(network) -> Penalty | None:
    """The network's penalty form, None without ``l2``."""
    return None if network.l2 is None else PENALTIES[network.l2_form]()
