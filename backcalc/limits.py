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

CHECK_MAX_NUMBERS = 50_000
"""check works out every number from the first iteration an answers file answers to its
last (and tries its slips on them): a calculation larger than this is refused before it
starts, as its time and memory grow with it (about 3 KB and a fifth of a millisecond a
number: the limit is ten seconds or so)."""
