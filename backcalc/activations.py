"""Activation functions, each with its derivative right beside it.

``ACTIVATIONS`` maps every name SPEC allows (aliases included) to a class; its
keys drive validation, the CLI's help, the schema and the tests' parametrisation.
Each class lists its own ``aliases``: other names for the same function, such as
Hagan's and MATLAB's (``logsig`` for sigmoid), shown under the class's ``name``.  An
instance is configured for one layer (``alpha``, ReLU'(0)) and works on arrays
of shape (samples, neurons).

``derivative(z, a)`` is f'(z) element by element.  Softmax has no element-wise
derivative, so it overrides ``backward`` (the vector-Jacobian product) instead
and its ``derivative`` returns None.

Each class also says how a hand calculation writes and works one neuron
(``--explain`` and ``check``, see ``worked``): a = f(z) and f'(z) as templates and
as one-number functions, δ from ∂L/∂a, the slips a student makes with it, and
where it has a kink (``gradcheck``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .numbers import format_exact
from .slips import DERIVATIVE_OF_Z, WRONG_ACTIVATION


class Activation:
    name: str = ""
    aliases: tuple[str, ...] = ()  # other names a file may use for it: identity, logsig
    written = ""                  # the alias a file used for this layer ("": its name)
    formula: str = ""             # a = f(z), as shown in the header
    parameters: dict = {}         # extra options and their defaults, e.g. {"alpha": 0.01}
    output_only = False
    # Element-wise: a = f(z) neuron by neuron, with a derivative f'(z) of its own.  Else
    # (softmax) each a takes every z of its layer, and δ takes its Jacobian.
    elementwise = True
    # How --explain and check write a = f(z) and f'(z) for one neuron: templates with
    # {z} and {a} standing for that neuron's values (see ``worked``).  A layer-wise
    # activation writes {terms} for the sum of ``forward_term`` over its layer.
    symbol = "f"
    forward_term = ""
    prime_symbol = "f′"
    # δ of one neuron: {g} its ∂L/∂a, {f} its f'(z); a layer-wise activation also has {a}
    # and {terms}, the sum of ``delta_term`` over its layer, and a note saying the rule.
    delta_template = "{g}·{f}"
    delta_term = ""
    delta_note = ""
    # Whether f(z) underflows to a subnormal or 0 while z is still moderate (softplus below
    # z ≈ −708): a loss's ln a and ∂L/∂a·f′(z) are then taken from z, by ``log_output``
    # and ``derivative_over_output`` (see engine.Engine._underflowed).
    underflows = False

    # The next two are properties so that an activation with options can write them in
    # (ReLU's f'(0), LeakyReLU's α); the others override them with plain class attributes.
    @property
    def derivative_formula(self) -> str:
        """f'(z), written the way a hand calculation does."""
        return ""

    @property
    def forward_template(self) -> str:
        return "f({z})"

    def prime_template(self, z: float) -> tuple[str, str]:
        """f'(z) for one neuron as a template, and a note on the case used ("" if none)."""
        return "f′({z})", ""

    def __init__(self, **options):
        self.options = {**self.parameters, **options}

    def forward(self, z: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        raise NotImplementedError

    def hand_derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray | None:
        """f'(z) computed the way ``derivative_formula`` writes it, from the (rounded) a.

        Used with ``round_intermediates``; otherwise ``derivative`` keeps full precision.
        """
        return self.derivative(z, a)

    def backward(self, z: np.ndarray, a: np.ndarray, dL_da: np.ndarray,
                 fprime: np.ndarray | None) -> np.ndarray:
        """δ = ∂L/∂z from ∂L/∂a; element-wise activations multiply by f'(z).

        Where f'(z) is exactly 0 the neuron passes nothing back, even when ∂L/∂a is
        infinite (an infinite loss must not turn into nan).
        """
        with np.errstate(invalid="ignore"):
            return np.where(fprime == 0, 0.0, dL_da * fprime)

    def log_output(self, z: np.ndarray) -> np.ndarray:
        """ln f(z), computed from z (only for an activation that ``underflows``)."""
        raise NotImplementedError

    def derivative_over_output(self, z: np.ndarray) -> np.ndarray:
        """f′(z) / f(z), computed from z (only for an activation that ``underflows``)."""
        raise NotImplementedError

    def named(self) -> str:
        """``describe``, and the alias the file used: sigmoid (written logsig)."""
        return f"{self.describe()} (written {self.written})" if self.written else self.describe()

    def describe(self) -> str:
        extras = ", ".join(f"{k} = {format_exact(v)}" for k, v in self.options.items())
        return f"{self.name} ({extras})" if extras else self.name

    # --- one neuron, as a hand calculation works it (``worked``) -----------------------
    def forward_one(self, j: int, zs: Sequence[float]) -> float:
        """a_j from its own z (element-wise: ``zs`` is [z_j]) or from its layer's z."""
        return float(self.forward(np.array([zs], dtype=float))[0, 0 if self.elementwise else j])

    def derivative_one(self, values: Sequence[float]) -> float:
        """f'(z) of one neuron from [z, a], the way ``derivative_formula`` writes it."""
        z, a = np.array([[values[0]]], dtype=float), np.array([[values[1]]], dtype=float)
        fprime = self.hand_derivative(z, a)
        if fprime is None:      # a layer-wise activation (softmax) has no f'(z) of its own
            raise TypeError(f"{self.name} has no derivative of one neuron")
        return float(fprime[0, 0])

    def delta_one(self, j: int, values: Sequence[float]) -> float:
        """δ_j from [∂L/∂a_j, f'(z_j)] (a layer-wise activation: from [∂L/∂a…, a…]).

        Where f'(z) is 0 the neuron passes nothing back, as in ``backward``."""
        return 0.0 if values[1] == 0 else values[0] * values[1]

    def forward_slips(self, mistaken: list[Activation]) -> dict:
        """Slips of a = f(z): slip → variant → (operand names, compute); the operand is
        "z".  ``mistaken``: the activations a student might use instead."""
        return {WRONG_ACTIVATION: {g.name: (("z",), lambda v, g=g: g.forward_one(0, v))
                                   for g in mistaken}}

    def derivative_slips(self, mistaken: list[Activation]) -> dict:
        """Slips of f'(z), from operands "z" and "a": the derivative written in terms of z
        where it takes a (or the other way round), or another activation's."""
        return {DERIVATIVE_OF_Z: {"": (("a", "z"), self.derivative_one)},
                WRONG_ACTIVATION: {g.name: (("z", "a"), g.derivative_one) for g in mistaken}}

    def neuron_text(self, neuron: str) -> str:
        """a = f(z) of one neuron as `show` writes it beside the neuron: σ(z), ReLU(z);
        a layer-wise activation names the neuron's own output, softmax(z)₂."""
        return f"{self.symbol}(z)" if self.elementwise else f"{self.symbol}(z){neuron}"

    def kink(self) -> str | None:
        """Where f has no derivative at z = 0: the f'(0) backcalc uses, as words
        (``gradcheck``); None for a smooth activation."""
        return None


class Linear(Activation):
    name = "linear"
    aliases = ("identity", "purelin")
    formula = "a = z"
    derivative_formula = "f′(z) = 1"
    forward_template = "{z}"

    def prime_template(self, z):
        return "1", ""

    def neuron_text(self, neuron):
        return "z"

    def forward(self, z):
        return z.copy()

    def derivative(self, z, a):
        return np.ones_like(z)


class Sigmoid(Activation):
    name = "sigmoid"
    aliases = ("logsig",)
    formula = "a = σ(z) = 1 / (1 + e^(−z))"
    derivative_formula = "σ′(z) = a(1 − a)"
    symbol, forward_template, prime_symbol = "σ", "σ({z})", "σ′"

    def prime_template(self, z):
        return "{a}(1 − {a})", ""

    def forward(self, z):
        return sigmoid(z)

    def derivative(self, z, a):
        # a·σ(−z) keeps its precision where 1 − a would cancel to 0 (unrounded, a = σ(z)).
        return a * sigmoid(-z)

    def hand_derivative(self, z, a):
        return a * (1.0 - a)


class Tanh(Activation):
    name = "tanh"
    aliases = ("tansig",)
    formula = "a = tanh(z)"
    derivative_formula = "tanh′(z) = 1 − a²"
    symbol, forward_template, prime_symbol = "tanh", "tanh({z})", "tanh′"

    def prime_template(self, z):
        return "1 − {a}²", ""

    def forward(self, z):
        return np.tanh(z)

    def derivative(self, z, a):
        # sech²(z) = 4e^(−2|z|) / (1 + e^(−2|z|))²: no cancellation where a ≈ ±1.
        e = np.exp(-2.0 * np.abs(z))
        return 4.0 * e / (1.0 + e) ** 2

    def hand_derivative(self, z, a):
        return 1.0 - a * a


class ReLU(Activation):
    name = "relu"
    aliases = ("poslin",)
    formula = "a = max(0, z)"
    parameters = {"derivative_at_zero": 0.0}
    symbol, forward_template, prime_symbol = "ReLU", "max(0, {z})", "ReLU′"

    def prime_template(self, z):
        if z > 0:
            return "1", "z > 0"
        if z < 0:
            return "0", "z < 0"
        return format_exact(self.options["derivative_at_zero"]), "z = 0: relu_derivative_at_zero"

    @property
    def derivative_formula(self):
        at_zero = format_exact(self.options["derivative_at_zero"])
        return f"ReLU′(z) = 1 if z > 0, 0 if z < 0, {at_zero} at z = 0"

    def forward(self, z):
        return np.maximum(z, 0.0)

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, np.where(z < 0, 0.0, self.options["derivative_at_zero"]))

    def describe(self):
        return "relu"

    def kink(self):
        return f"ReLU′(0) = {format_exact(self.options['derivative_at_zero'])}"


class _KinkedUnlessAlphaIsOne(Activation):
    """Slope 1 for z > 0 and α just below 0: a kink at 0 unless α = 1."""

    def kink(self):
        alpha = self.options["alpha"]      # always there: ``parameters`` gives its default
        return None if alpha == 1 else f"f′(0) = α = {format_exact(alpha)}"


class LeakyReLU(_KinkedUnlessAlphaIsOne):
    name = "leaky_relu"
    formula = "a = z if z > 0, else α·z"
    derivative_formula = "f′(z) = 1 if z > 0, else α (α at z = 0)"
    parameters = {"alpha": 0.01}
    symbol, prime_symbol = "LReLU", "LReLU′"

    @property
    def forward_template(self):
        return f"{{z}} if z > 0, else {format_exact(self.options['alpha'])}·{{z}}"

    def prime_template(self, z):
        return ("1", "z > 0") if z > 0 else (format_exact(self.options["alpha"]), "z ≤ 0: α")

    def forward(self, z):
        return np.where(z > 0, z, self.options["alpha"] * z)

    def derivative(self, z, a):
        return np.where(z > 0, 1.0, self.options["alpha"])


class ELU(_KinkedUnlessAlphaIsOne):
    name = "elu"
    formula = "a = z if z > 0, else α(e^z − 1)"
    derivative_formula = "f′(z) = 1 if z > 0, else α·e^z (α at z = 0)"
    parameters = {"alpha": 1.0}
    symbol, prime_symbol = "ELU", "ELU′"

    @property
    def forward_template(self):
        return f"{{z}} if z > 0, else {format_exact(self.options['alpha'])}(e^{{z}} − 1)"

    def prime_template(self, z):
        return ("1", "z > 0") if z > 0 else (f"{format_exact(self.options['alpha'])}·e^{{z}}",
                                             "z ≤ 0: α·e^z")

    def forward(self, z):
        alpha = self.options["alpha"]
        return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0)))

    def derivative(self, z, a):
        alpha = self.options["alpha"]
        return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


class Softplus(Activation):
    name = "softplus"
    formula = "a = ln(1 + e^z)"
    derivative_formula = "f′(z) = σ(z)"
    symbol, forward_template, prime_symbol = "softplus", "ln(1 + e^{z})", "softplus′"

    def prime_template(self, z):
        return "σ({z})", ""

    underflows = True       # e^z below the smallest float64 (z < −708): a subnormal or 0

    def forward(self, z):
        return softplus(z)

    def derivative(self, z, a):
        return sigmoid(z)

    def log_output(self, z):
        return log_softplus(z)

    def derivative_over_output(self, z):
        # σ(z) / softplus(z) = e^(ln σ(z) − ln softplus(z)), with ln σ(z) = −softplus(−z)
        return np.exp(-softplus(-z) - log_softplus(z))


class Softmax(Activation):
    name = "softmax"
    formula = "a_i = e^(z_i) / Σ_j e^(z_j)"
    derivative_formula = "∂a_i/∂z_j = a_i(1[i = j] − a_j)"
    output_only = True
    elementwise = False
    symbol, prime_symbol = "softmax", ""
    forward_template, forward_term = "e^{z} / ({terms})", "e^{z}"
    delta_template, delta_term = "{a}({g} − ({terms}))", "{g}·{a}"
    delta_note = "softmax: δᵢ = aᵢ(∂L/∂aᵢ − Σₖ ∂L/∂aₖ·aₖ)"

    def delta_one(self, j, values):
        # δ_j = a_j(∂L/∂a_j − Σ_k ∂L/∂a_k·a_k), from [∂L/∂a…, a…] of the layer.
        n = len(values) // 2
        return float(values[n + j] * (values[j] - sum(values[k] * values[n + k]
                                                      for k in range(n))))

    def forward_slips(self, mistaken):
        return {}

    def derivative_slips(self, mistaken):
        return {}

    def forward(self, z):
        shifted = z - z.max(axis=-1, keepdims=True)
        exp = np.exp(shifted)
        return exp / exp.sum(axis=-1, keepdims=True)

    def derivative(self, z, a):
        return None

    def backward(self, z, a, dL_da, fprime):
        # Full Jacobian product: δ_i = a_i (g_i − Σ_j g_j a_j), g = ∂L/∂a.
        # Entries of g that are infinite multiply a zero a_j; treat them as zero then.
        with np.errstate(invalid="ignore"):
            weighted = np.where(a == 0, 0.0, dL_da * a)
            inner = dL_da - weighted.sum(axis=-1, keepdims=True)
            return np.where(a == 0, 0.0, a * inner)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) without overflow: e^(−|z|) never exceeds 1."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softplus(z: np.ndarray) -> np.ndarray:
    """ln(1 + e^z) = max(z, 0) + ln(1 + e^(−|z|)), finite for every finite z."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


SERIES_BELOW = -30.0
"""Below this z, ln softplus(z) is taken from its series in u = e^z (u < 1e-13)."""


def log_softplus(z: np.ndarray) -> np.ndarray:
    """ln ln(1 + e^z), finite for every finite z, also where softplus(z) underflows.

    For z < −30, ln(1 + u) = u(1 − u/2 + u²/3 − …) with u = e^z, so its log is
    z + ln(1 − u/2 + u²/3) (the next term is below u³ < 1e-39 relative)."""
    u = np.exp(np.minimum(z, SERIES_BELOW))
    with np.errstate(divide="ignore"):
        return np.where(z < SERIES_BELOW, z + np.log1p(u * (u / 3.0 - 0.5)),
                        np.log(softplus(z)))


ACTIVATIONS: dict[str, type[Activation]] = {}
for _cls in (Linear, Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softplus, Softmax):
    ACTIVATIONS[_cls.name] = _cls
    ACTIVATIONS.update(dict.fromkeys(_cls.aliases, _cls))


def activation(name: str, **options) -> Activation:
    """The activation a file names (an alias included), remembering the alias written."""
    cls = ACTIVATIONS[name]
    made = cls(**options)
    if name != cls.name:
        made.written = name
    return made


def mistaken_for(activation: Activation, relu_derivative_at_zero: float) -> list[Activation]:
    """Every element-wise activation but ``activation``, each once, as a student might use
    by mistake (check's wrong_activation slip); ReLU'(0) as the file sets it."""
    others = []
    for cls in dict.fromkeys(ACTIVATIONS.values()):
        if cls.elementwise and cls.name != activation.name:
            options = ({"derivative_at_zero": relu_derivative_at_zero}
                       if "derivative_at_zero" in cls.parameters else {})
            others.append(cls(**options))
    return others
