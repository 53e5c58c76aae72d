"""The JSON document of SPEC: every step's per-sample values, gradients and parameters.

Floats are written at full float64 precision (Python's shortest round-trip
repr).  A non-finite value is written as JSON's common extension ``Infinity`` /
``NaN`` (what Python's json module reads back), so an infinite loss stays visible.
"""

from __future__ import annotations

import json

import numpy as np

from .engine import Run, Step
from .network import Network
from .quantities import (
    DL_DW,
    INPUT,
    LOSS,
    PENALTY,
    PER_NEURON,
    SAMPLE_LOSS,
    TARGET,
    W_UPDATED,
    A,
)

LAYER_FIELDS = [(q.json, q.trace_attribute) for q in PER_NEURON if q.json]
"""(field, ``LayerTrace`` attribute) of each neuron's values SPEC's JSON carries."""


def _list(array: np.ndarray) -> list:
    # + 0.0 turns −0.0 (from −y/a with y = 0, or ∂L/∂a·0) into 0.0.
    return (np.asarray(array, dtype=float) + 0.0).tolist()


def step_document(network: Network, step: Step) -> dict:
    p = step.pass_
    samples = []
    for row in range(len(p.sample_indices)):
        layers = [{name: _list(getattr(t, attribute)[row]) for name, attribute in LAYER_FIELDS
                   if getattr(t, attribute) is not None}       # a_dropout: with dropout only
                  for t in p.layers]
        samples.append({INPUT.json: _list(p.inputs[row]), TARGET.json: _list(p.targets[row]),
                        SAMPLE_LOSS.json: float(p.losses[row]), "layers": layers})
    return {
        "iteration": step.iteration,
        "samples": samples,
        LOSS.json: float(step.loss),
        PENALTY.json: float(step.penalty),     # SPEC: every step has it (0 without l2)
        DL_DW.json: network.params_document(step.gradients),
        W_UPDATED.json: network.params_document(step.parameters),
    }


def run_document(run: Run) -> dict:
    network = run.network
    return {
        "network": network.title,
        "steps": [step_document(network, step) for step in run.steps],
        "final": None if run.final is None else {
            LOSS.json: float(run.final.loss),
            PENALTY.json: float(run.final.penalty),
            "samples": [{A.json: _list(row)} for row in run.final.outputs]},
    }


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2)
