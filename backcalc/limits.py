"""The sizes backcalc accepts and shows by default, in one place.

A light module (no NumPy), so that the command line can show them as its options'
defaults without loading the library.
"""

from __future__ import annotations

MAX_PARAMETERS = 1_000_000
"""Networks with more weights and biases are refused (``--max-parameters`` raises it)."""

GRADCHECK_MAX_PARAMETERS = 20_000
"""gradcheck evaluates the loss four times per parameter (θ ± h, θ ± 2h): a larger
network takes minutes."""

DEFAULT_MAX_ROWS = 50
"""Tables longer than this show their first and last rows (``--max-rows``; wider than
12 columns, their first and last columns)."""
