"""The numbers of a variant, drawn for a hand calculation.

Every number is a multiple of 10^-d (d = --decimals), drawn uniformly from a small grid
(as exercise generators do it: small one-decimal numbers, drawn again until they fit):

* weights and biases in [-2, 2], never 0 (a 0 makes its gradient's term vanish and a
  slip such as a missing bias invisible);
* inputs in [-1, 1], never 0 (a 0 input makes its weights' gradients 0);
* targets as the loss needs them: 0 or 1 for binary cross-entropy, one class (one-hot)
  for cross-entropy, else in [0, 1].

Draws come from one ``numpy.random.Generator`` per variant, seeded from --seed and the
variant's id alone (``generator``; a --variants variant's number, ``request.seed_key``):
a variant's numbers do not depend on the others, so
``--id`` writes one again, and a student keeps theirs when the roster changes.  Each
draw takes, in this order, the weights (layer by layer, row by row), the biases, then
each sample's input and target.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PARAMETER_RANGE = 2.0
INPUT_RANGE = 1.0


@dataclass
class Draw:
    """One draw: each layer's weights (neurons × inputs) and biases, each sample's input
    and target (rows)."""

    weights: list[np.ndarray]
    biases: list[np.ndarray]
    inputs: np.ndarray
    targets: np.ndarray


def generator(seed: int, variant_id: str) -> np.random.Generator:
    """The variant's generator: from --seed and the id's bytes (their count first, so no
    two ids share a sequence)."""
    data = variant_id.encode("utf-8")
    return np.random.default_rng(np.random.SeedSequence([seed, len(data), *data]))


def draw(rng: np.random.Generator, sizes: list[int], samples: int, decimals: int,
         target_kind: str) -> Draw:
    pairs = list(zip(sizes, sizes[1:]))
    weights = [_nonzero(rng, PARAMETER_RANGE, decimals, (n_out, n_in)) for n_in, n_out in pairs]
    biases = [_nonzero(rng, PARAMETER_RANGE, decimals, (n_out,)) for _, n_out in pairs]
    inputs, targets = [], []
    for _ in range(samples):
        inputs.append(_nonzero(rng, INPUT_RANGE, decimals, (sizes[0],)))
        targets.append(TARGETS[target_kind](rng, sizes[-1], decimals))
    return Draw(weights, biases, np.array(inputs), np.array(targets))


def _nonzero(rng: np.random.Generator, limit: float, decimals: int,
             shape: tuple) -> np.ndarray:
    """Multiples of 10^-decimals in [-limit, limit], never 0, uniformly."""
    steps = round(limit * 10**decimals)
    k = rng.integers(0, 2 * steps, size=shape) - steps       # -steps … steps - 1
    k = np.where(k >= 0, k + 1, k)                           # -steps … -1, 1 … steps
    return k / 10**decimals


def _uniform_target(rng: np.random.Generator, size: int, decimals: int) -> np.ndarray:
    return rng.integers(0, 10**decimals + 1, size=size) / 10**decimals


def _binary_target(rng: np.random.Generator, size: int, decimals: int) -> np.ndarray:
    return rng.integers(0, 2, size=size).astype(float)


def _one_hot_target(rng: np.random.Generator, size: int, decimals: int) -> np.ndarray:
    target = np.zeros(size)
    target[rng.integers(size)] = 1.0
    return target


TARGETS = {"uniform": _uniform_target, "binary": _binary_target, "one-hot": _one_hot_target}
"""A loss's ``target_kind`` → how its targets are drawn."""

RANGES = {"uniform": "in [0, 1]", "binary": "0 or 1", "one-hot": "one-hot (a random class)"}
"""A loss's ``target_kind`` → how the header and the docs say its targets are drawn."""
