"""One catalogue of a step's quantities: every surface names them as the catalogue says.

The tables' headings, the JSON's fields, the CSV's quantities, the answers file's keys,
``--explain``'s symbols and phases, and the optimizer's memory in the update table and
the state file all come from ``backcalc.quantities``; these tests pin each surface to it
(and the catalogue to SPEC, so that it cannot drift either).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from backcalc import netfile, optimizers, quantities
from backcalc.answers import load_answers
from backcalc.check import check
from backcalc.engine import train
from backcalc.examples import resolve
from backcalc.explain import PHASES
from backcalc.netfile import load_network
from backcalc.quantities import (
    B_UPDATED,
    BY_KIND,
    DELTA,
    DL_DA,
    DL_DB,
    DL_DW,
    FPRIME,
    GRADIENT_KEY,
    LOSS,
    PENALTY,
    PER_NEURON,
    SAMPLE_LOSS,
    W_UPDATED,
    A,
    Z,
)
from backcalc.report import backward_tables, forward_tables, update_table
from backcalc.worked import build

from helpers import run_cli as invoke


def mazur():
    return load_network(*resolve("mazur"))


@pytest.mark.usefixtures("in_tmp")
def test_the_json_carries_what_spec_shows_and_no_f_prime():
    # SPEC "JSON output": {"z", "a", "dL_da", "delta"} per layer; f′ is not in it; SPEC
    # "Regularisation …, dropout": a layer with dropout gets "a_dropout" beside "a".
    assert [q.json for q in PER_NEURON if q.json] == ["z", "a", "a_dropout", "dL_da", "delta"]
    assert FPRIME.json is None
    out = invoke("run", "mazur", "--format", "json")
    document = json.loads(out.stdout)
    step = document["steps"][0]
    # SPEC "Regularisation …": a step gets "penalty" beside "loss" (0 without l2).
    assert list(step) == ["iteration", "samples", LOSS.json, PENALTY.json, DL_DW.json,
                          "parameters"]
    sample = step["samples"][0]
    assert list(sample) == ["input", "target", SAMPLE_LOSS.json, "layers"]
    assert list(sample["layers"][0]) == ["z", "a", "dL_da", "delta"]    # (no dropout)


@pytest.mark.usefixtures("in_tmp")
def test_the_csv_names_every_quantity_as_the_catalogue_does():
    out = invoke("run", "mazur", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    found = list(dict.fromkeys(row["quantity"] for row in rows))
    # (mazur has no dropout: no mask or a_dropout rows)
    expected = ["input", "target"] + [q.csv for q in PER_NEURON
                                      if q.kind not in ("mask", "a_dropout")] + [
        SAMPLE_LOSS.csv, LOSS.csv, "dL_dW", "dL_db", "W", "b", "final_loss", "final_a"]
    assert found == expected
    assert FPRIME.csv == "fprime"        # the CSV does carry f′


def test_the_tables_headings_come_from_the_catalogue():
    net = mazur()
    step = train(net, 1).steps[0]
    assert forward_tables(net, step, 0)[0].columns == ["neuron", Z.heading, A.heading]
    assert backward_tables(net, step, 0, None)[0].columns == [
        "neuron", DL_DA.heading, FPRIME.heading, DELTA.heading]
    assert update_table(net, step, 0.5).columns == ["parameter", "old", "gradient", "new"]


def test_every_answers_key_of_the_catalogue_is_read_as_its_kind(tmp_path):
    net = mazur()
    dropped = load_network(*resolve("dropout"))       # a_dropout: its layer 1 has dropout
    keys = {}
    for q in PER_NEURON:
        for key in q.answers:
            layer = 1 if q.kind == "a_dropout" else 2
            keys[f"{key}{layer}_1"] = (q.kind, f"{q.answers[0]}{layer}_1")
    for q in (LOSS, SAMPLE_LOSS):
        keys[q.answers[0]] = (q.kind, q.answers[0])
    for text, (kind, reported) in keys.items():
        path = tmp_path / "answers.yaml"
        path.write_text(json.dumps({text: 0.5}), encoding="utf-8")
        (answer,) = load_answers(path, dropped if kind == "a_dropout" else net)
        assert (answer.kind, answer.key) == (kind, reported), text
        assert answer.per_sample == BY_KIND[kind].per_sample


def test_a_layers_gradient_keys_are_its_parameters_keys_after_dL_d():
    # dL/dW2 is read as dL/d + W2, the stem of W2+ (answers._parameter)
    assert DL_DW.answers[0] == GRADIENT_KEY + W_UPDATED.answers[0]
    assert DL_DB.answers[0] == GRADIENT_KEY + B_UPDATED.answers[0]


def test_checked_answers_land_on_the_worked_quantity_of_their_kind(tmp_path):
    net = mazur()
    path = tmp_path / "answers.yaml"
    path.write_text(json.dumps({"z2": [1.1059, 1.2249], "fprime1_1": 0.2413, "δ2_2": -0.0381,
                                "dL/dw5": 0.0822, "w5+": 0.3589, "loss": 0.2984}),
                    encoding="utf-8")
    result = check(net, load_answers(path, net))
    for r in result.results:
        # (one sample: the step's loss is that sample's loss, the same quantity)
        expected = SAMPLE_LOSS.kind if r.answer.kind == LOSS.kind else r.answer.kind
        assert r.quantity.key.kind == expected
        assert r.verdict in ("right", "rounding"), (r.key, r.verdict)


def test_explain_groups_by_the_catalogues_phases_and_writes_its_symbols():
    assert PHASES is quantities.PHASES
    assert {PHASES[q.kind] for q in PER_NEURON} == {"forward pass", "backward pass"}
    net = mazur()
    worked = build(net, train(net, 1).steps)
    for q in worked.quantities:
        entry = BY_KIND.get(q.key.kind)
        if entry is not None and entry in PER_NEURON and entry is not FPRIME:
            assert q.symbol.startswith(entry.symbol), (q.symbol, entry)
        if q.key.kind in ("dL/dW", "dL/db"):
            assert q.symbol == DL_DW.named(q.symbol[len("∂L/∂"):])


def test_the_optimizers_memory_is_in_the_catalogue_the_update_table_and_the_state_file():
    kinds = [m.kind for m in optimizers.memory_kinds()]
    assert kinds == ["velocity", "m", "v", "m_hat", "v_hat", "decayed"]
    assert netfile.state_slots() == ("velocity", "m", "v")
    assert netfile.state_keys() == {"iteration", "updates", "source", "velocity", "m", "v"}
    base = Path(resolve("xor-batch")[0]).read_text(encoding="utf-8")
    for extra, headings in [("momentum: 0.9\n", ["velocity v"]),
                            ("optimizer: adam\n", ["m (1st moment)", "v (2nd moment)"])]:
        net = netfile.parse_network_text(base + extra)
        table = update_table(net, train(net, 1).steps[0], net.learning_rate)
        assert table.columns[3:-1] == headings


@pytest.mark.parametrize("extra, symbols", [
    ("momentum: 0.9\n", ["v["]),
    ("optimizer: adam\n", ["m[", "v[", "m̂[", "v̂["]),
])
def test_explain_writes_the_memory_with_its_catalogue_symbol(extra, symbols):
    base = Path(resolve("xor-batch")[0]).read_text(encoding="utf-8")
    net = netfile.parse_network_text(base + extra)
    worked = build(net, train(net, 1).steps)
    memory = [q.symbol for q in worked.quantities if ":" in q.key.kind and not q.is_leaf]
    assert {symbol.split("[")[0] + "[" for symbol in memory} == set(symbols)
