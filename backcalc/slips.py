"""The catalogue of slips ``check`` can name: SPEC's names, what each means, their order.

A slip is a common mistake of a hand calculation.  Which quantity a slip changes and how
is worked out by what the slip belongs to:

* the network's structure (``worked``): transposed_weights, missing_bias,
  updated_weights_in_delta (with the optimizer's ``stateless_update``);
* the activation (``activations``): derivative_of_z, wrong_activation;
* the loss (``losses``): missing_half, extra_half, delta_sign;
* the optimizer (``optimizers``): update_sign, nesterov_as_momentum, adamw_decay_as_l2;
* the L2 penalty (``penalties``, by ``l2_form``): l2_missing_m, l2_doubled, l2_halved,
  l2_bias_penalised, l2_bias_not_penalised;
* dropout (``dropout``): dropout_not_rescaled, dropout_rescaled_twice,
  dropped_delta_not_zeroed;
* a computational graph's gates and paths (``graph_worked``): unswapped_multiply,
  max_routed_wrong, one_path_only, missing_upstream, subtraction_sign (and the
  optimizer's update_sign for its parameters).

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
L2_DOUBLED = "l2_doubled"
L2_HALVED = "l2_halved"
L2_MISSING_M = "l2_missing_m"
L2_BIAS_PENALISED = "l2_bias_penalised"
L2_BIAS_NOT_PENALISED = "l2_bias_not_penalised"
NESTEROV_AS_MOMENTUM = "nesterov_as_momentum"
ADAMW_DECAY_AS_L2 = "adamw_decay_as_l2"
DROPOUT_NOT_RESCALED = "dropout_not_rescaled"
DROPOUT_RESCALED_TWICE = "dropout_rescaled_twice"
DROPPED_DELTA_NOT_ZEROED = "dropped_delta_not_zeroed"
UNSWAPPED_MULTIPLY = "unswapped_multiply"
MAX_ROUTED_WRONG = "max_routed_wrong"
ONE_PATH_ONLY = "one_path_only"
MISSING_UPSTREAM = "missing_upstream"
SUBTRACTION_SIGN = "subtraction_sign"

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
    # (with m = 2, 2λ/m·w is λ·w: the 1/m forgotten is named first, the 2 beside it)
    L2_MISSING_M: "the 1/m of the penalty (λ/2m)·Σw² forgotten (m the samples in the update)",
    L2_DOUBLED: "the penalty's gradient written with a 2 that is not there (2λ·w where the ½ "
                "of (λ/2)·Σw² cancels the 2 of w²'s derivative)",
    L2_HALVED: "the 2 of w²'s derivative dropped from the penalty's gradient (λ·w where "
               "λ·Σw² gives 2λ·w)",
    L2_BIAS_PENALISED: "the bias penalised, though only the weights are (l2_biases: false)",
    L2_BIAS_NOT_PENALISED: "the bias left out of the penalty, though l2_biases is true",
    NESTEROV_AS_MOMENTUM: "Nesterov's look-ahead written as plain momentum (θ + v⁺ where "
                          "nesterov: true gives θ + μ·v⁺ − η·∂L/∂θ)",
    ADAMW_DECAY_AS_L2: "AdamW's decay folded into the gradient as plain L2 (wd·θ added to "
                       "∂L/∂θ before m and v, where AdamW takes η·wd·θ from θ itself)",
    DROPOUT_NOT_RESCALED: "the dropout mask applied without rescaling by the keep "
                          "probability (a·m where inverted dropout gives a·m/p)",
    DROPOUT_RESCALED_TWICE: "the dropout mask's 1/p applied twice (a·m/p² where inverted "
                            "dropout gives a·m/p)",
    DROPPED_DELTA_NOT_ZEROED: "the dropped neuron's ∂L/∂a and δ not zeroed (the gradient "
                              "passed back through a neuron the mask dropped)",
    # A computational graph's (issue 17): a gate's local derivative, or a path, mistaken.
    UNSWAPPED_MULTIPLY: "a multiply gate's local derivatives not swapped (∂(a·b)/∂a taken as "
                        "a where it is b)",
    MAX_ROUTED_WRONG: "a max (or min) gate's gradient routed to the wrong input (the operand "
                      "that lost gets it, the one that won gets 0)",
    ONE_PATH_ONLY: "one path only for a name used in several places (its paths' shares not "
                   "summed)",
    MISSING_UPSTREAM: "the local derivative used without the upstream gradient (∂out/∂node "
                      "left out of the chain rule's product)",
    SUBTRACTION_SIGN: "the minus sign of a subtraction, a negation or a division dropped "
                      "(∂(a − b)/∂b or ∂(−a)/∂a taken as +1, ∂(a/b)/∂b as a/b² where it is "
                      "−a/b²)",
}
"""Slip name → what the student did, in the order the slips are tried (SPEC's names)."""
