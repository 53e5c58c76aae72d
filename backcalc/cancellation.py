"""Sums that cancel below their own precision are 0.

A float64 sum of n terms is exact only to about n·ε·Σ|terms| (ε = 2⁻⁵², each addition
and each term's own last digit adding an error of up to ε times its size).  When the
terms cancel, what is left below that bound is rounding noise with no correct digit:
a shared softmax bias's gradient Σ δ = Σ a − Σ y, 0 in exact arithmetic, comes out as
−5.55e-17.  Such a sum is set to exactly 0, where it is computed (the engine's gradient
sums), so that the tables, the JSON, the update and ``gradcheck`` all show 0 and the
next iteration starts from it.  A small value that is not a cancellation (a vanishing
gradient, δ·a of 1e-20) is far above its own bound and is kept as it is
(docs/conventions.md, "Numbers").
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

EPSILON = float(np.finfo(float).eps)
"""2⁻⁵², the gap between 1 and the next float64."""


def cancel_noise(total: np.ndarray, count: int, magnitude: Callable[[], np.ndarray],
                 ceiling: float) -> np.ndarray:
    """``total`` (sums of ``count`` terms each) with every sum at or below
    count·ε·Σ|its terms| set to 0.

    ``magnitude()`` gives Σ|terms| for each sum, shaped like ``total``; it is called
    only when some nonzero sum is at or below count·ε·``ceiling``, ``ceiling`` being at
    least every Σ|terms| (a training loop pays a comparison, not a second product).
    """
    if count < 2:                                   # one term: nothing cancels
        return total
    bound = count * EPSILON
    size = np.abs(total)
    near = (size <= bound * ceiling) & (total != 0)
    if not near.any():
        return total
    return np.where(near & (size <= bound * magnitude()), 0.0, total)
