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


def _list(array: np.ndarray) -> list:
    # + 0.0 turns −0.0 (from −y/a with y = 0, or ∂L/∂a·0) into 0.0.
    return (np.asarray(array, dtype=float) + 0.0).tolist()


def step_document(network: Network, step: Step) -> dict:
    p = step.pass_
    samples = []
    for row in range(len(p.sample_indices)):
        layers = [{"z": _list(t.z[row]), "a": _list(t.a[row]), "dL_da": _list(t.dL_da[row]),
                   "delta": _list(t.delta[row])} for t in p.layers]
        samples.append({"input": _list(p.inputs[row]), "target": _list(p.targets[row]),
                        "loss": float(p.losses[row]), "layers": layers})
    return {
        "iteration": step.iteration,
        "samples": samples,
        "loss": float(step.loss),
        "gradients": network.params_document(step.gradients),
        "parameters": network.params_document(step.parameters),
    }


def run_document(run: Run) -> dict:
    network = run.network
    return {
        "network": network.title,
        "steps": [step_document(network, step) for step in run.steps],
        "final": None if run.final is None else {
            "loss": float(run.final.loss),
            "samples": [{"a": _list(row)} for row in run.final.outputs]},
    }


def dumps(document: dict) -> str:
    return json.dumps(document, indent=2)
