"""How numbers are written for people: fixed decimals, scientific for tiny or huge values."""

from __future__ import annotations

import math

DEFAULT_PRECISION = 9


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
    if 1e-3 <= abs(value) < 1e9:
        text = f"{value:.{precision}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return "0" if text in ("-0", "0") else text
    mantissa, exponent = f"{value:.{max(precision - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{exponent}"


def format_vector(values, precision: int = DEFAULT_PRECISION) -> str:
    return "(" + ", ".join(format_number(v, precision) for v in values) + ")"
