"""The catalogue of slips ``check`` can name: SPEC's names, what each means, their order.

A slip is a common mistake of a hand calculation.  Which quantity a slip changes and how
is worked out by what the slip belongs to:

* the network's structure (``worked``): transposed_weights, missing_bias,
  updated_weights_in_delta (with the optimizer's ``stateless_update``);
* the activation (``activations``): derivative_of_z, wrong_activation;
* the loss (``losses``): missing_half, extra_half, delta_sign;
* the optimizer (``optimizers``): update_sign.

They are tried in this order (``check``), so the order is part of the catalogue.
"""

from __future__ import annotations

TRANSPOSED_WEIGHTS = "transposed_weights"
DERIVATIVE_OF_Z = "derivative_of_z"
MISSING_HALF = "missing_half"
EXTRA_HALF = "extra_half"
DELTA_SIGN = "delta_sign"
UPDATE_SIGN = "update_sign"
UPDATED_WEIGHTS_IN_DELTA = "updated_weights_in_delta"
MISSING_BIAS = "missing_bias"
WRONG_ACTIVATION = "wrong_activation"

SLIPS = {
    TRANSPOSED_WEIGHTS: "a weight from the wrong neuron (the weight matrix transposed)",
    DERIVATIVE_OF_Z: "f′ written in terms of z where it takes a, as z(1 − z), or the other "
                     "way round",
    MISSING_HALF: "the ½ of ½Σ(y − a)² dropped",
    EXTRA_HALF: "a ½ added to Σ(y − a)²",
    DELTA_SIGN: "the sign of δ flipped (y − a instead of a − y)",
    UPDATE_SIGN: "the update added instead of subtracted (θ + η·∂L/∂θ)",
    UPDATED_WEIGHTS_IN_DELTA: "the already updated weights used for a hidden layer's ∂L/∂a",
    MISSING_BIAS: "the bias left out of z",
    WRONG_ACTIVATION: "a different activation function",
}
"""Slip name → what the student did, in the order the slips are tried (SPEC's names)."""
