"""How numbers are rounded and written for people.

Rounding is a calculator's: half away from zero, on the value as a calculator
displays it (15 significant digits), so that 0.0125 + 0.03 + 0.35, which float64
holds as 0.39249999999999996, rounds to 0.393 as it does on paper.  The engine's
``round_intermediates`` and the tables' ``--precision`` both use it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

DEFAULT_PRECISION = 9
CALCULATOR_DIGITS = 15
_CONTEXT = Context(prec=400, rounding=ROUND_HALF_UP)   # room for every float's digits


def round_half_up(value: float, decimals: int) -> float:
    """``value`` rounded to ``decimals`` places as a calculator does (non-finite unchanged)."""
    return float(_decimal_half_up(value, decimals)) + 0.0 if math.isfinite(value) else value


def _decimal_half_up(value: float, decimals: int) -> Decimal:
    shown = Decimal(f"{value:.{CALCULATOR_DIGITS}g}")
    return shown.quantize(Decimal(1).scaleb(-decimals), context=_CONTEXT)


def format_number(value: float, precision: int = DEFAULT_PRECISION) -> str:
    """``precision`` decimals, trailing zeros dropped; tiny values keep their digits.

    0.2983711087600027 → '0.298371109'; 1.5 → '1.5'; 1.2e-08 → '1.2e-08' (never '0').
    """
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    # Fixed decimals while they keep two significant digits (and from 0.001 up).
    if max(1e-3, 10.0 ** (1 - precision)) <= abs(value) < 1e9:
        text = f"{_decimal_half_up(value, precision):f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "0") else text
    mantissa, exponent = f"{value:.{max(precision - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def format_exact(value: float) -> str:
    """A setting as the user wrote it: shortest round-trip form, 0.1234567 not 0.123457."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)

