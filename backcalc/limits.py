"""The sizes backcalc accepts and shows by default, in one place.

A light module (no NumPy), so that the command line can show them as its options'
defaults without loading the library.
"""

from __future__ import annotations

MAX_PARAMETERS = 100_000
"""Networks with more weights and biases are refused (``--max-parameters`` raises it, up
to what a file of ``yamlsource.MAX_VALUES`` values holds)."""

GRADCHECK_MAX_PARAMETERS = 20_000
"""gradcheck evaluates the loss four times per parameter (θ ± h, θ ± 2h): a larger
network takes minutes."""

GRADCHECK_LAYER_PASSES = 5
"""Each of those evaluations passes through every layer for every sample: gradcheck
takes at most this many layer-sample passes per weight and bias of its parameter limit
(parameters × layers × samples ≤ 5 × --max-parameters, 100,000 by default), or a deep
chain or a long list of samples would run for hours."""

DEFAULT_MAX_ROWS = 50
"""Tables longer than this show their first and last rows (``--max-rows``; wider than
12 columns, their first and last columns)."""

CHECK_MAX_NUMBERS = 20_000
"""check works out every number from the first iteration an answers file answers to its
last (and tries its slips on them): a calculation larger than this is refused before it
starts, as its time and memory grow with it (about 3 KB and a fifth of a millisecond a
number, and the slip search at most ``SLIP_WORK`` recomputations a number)."""

SLIP_WORK = 20
"""check's slip search recomputes at most this many quantities per number of the worked
calculation (and at least ``SLIP_WORK_FLOOR``): past it, the slips not yet tried are left
untried and the summary says so.  Every slip in every layer of a deep network would cost
the square of its depth."""

SLIP_WORK_FLOOR = 100_000
