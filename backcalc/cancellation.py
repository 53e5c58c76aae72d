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


def cancel_noise(total: np.ndarray, count: int,
                 magnitude_at: Callable[[np.ndarray], np.ndarray], ceiling: float) -> np.ndarray:
    """``total`` (sums of ``count`` terms each) with every sum at or below
    count·ε·Σ|its terms| set to 0.

    ``magnitude_at(indices)`` gives Σ|terms| of the sums at those flat indices of
    ``total``; it is asked only about nonzero sums at or below count·ε·``ceiling``,
    ``ceiling`` being at least every Σ|terms| (a training loop pays a comparison, not a
    second product).
    """
    if count < 2:                                   # one term: nothing cancels
        return total
    bound = count * EPSILON
    size = np.abs(total)
    near = size <= bound * ceiling
    if not near.any():
        return total
    candidates = np.flatnonzero(near)
    candidates = candidates[size.flat[candidates] != 0]        # an exact 0 stays as it is
    if not candidates.size:
        return total
    noise = candidates[size.flat[candidates] <= bound * magnitude_at(candidates)]
    if not noise.size:
        return total
    cleaned = total.copy()
    cleaned.flat[noise] = 0.0
    return cleaned
