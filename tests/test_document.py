"""The document model: formulas as tokens, their text and LaTeX, and renderers that take
nothing else.

A document can be written by hand (no network, no engine) and every format draws
it; ``equations`` turns each worked quantity into tokens whose text is the line
``--explain`` prints, and whose names are built from the quantity's key; the
conventions table is built in one place for run and for show.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, strategies as st
from test_finite_differences import layer, network_text

from backcalc import equations
from backcalc.conventions import RUN, SHOW, VIEWS, conventions
from backcalc.document import Formula, Number, Op, Power, Section, Sup, Symbol, Table, Text, plain
from backcalc.engine import train
from backcalc.equations import Equations, neuron_name, neuron_symbol, read
from backcalc.examples import resolve
from backcalc.netfile import load_network, parse_network_text
from backcalc.numbers import format_number
from backcalc.render_html import render as html
from backcalc.render_latex import render as latex, tokens_latex
from backcalc.render_markdown import render as markdown
from backcalc.render_rich import console, render as rich
from backcalc.worked import build


def fmt(value: float) -> str:
    return format_number(value, 9)


Z = (Symbol("z", "1", "(1)"),)


# --- tokens -------------------------------------------------------------------------------

def test_tokens_read_as_the_terminal_writes_them():
    tokens = Z + (Op(" = "), Text("w1"), Op("·"), Symbol("x", "1"), Op(" + "), Number(-0.35),
                  Op(" + "), Number(-0.35, bare=True))
    assert plain(tokens, fmt) == "z₁⁽¹⁾ = w1·x₁ + (−0.35) + −0.35"
    assert plain((Symbol("m", accent="hat"), Op("["), Text("w1"), Op("]")), fmt) == "m̂[w1]"
    assert plain((Symbol("σ", sup="′"), Op("("), *Z, Op(")")), fmt) == "σ′(z₁⁽¹⁾)"
    assert plain((Text("1"), Op(" − "), Symbol("a", "2", "(3)"), Sup("2")), fmt) == "1 − a₂⁽³⁾²"
    assert plain((Text("e"), Power(Z)), fmt) == "e^z₁⁽¹⁾"
    assert plain((Number(1.5e-5),), fmt) == "1.5e−05"


def test_a_formula_leaves_out_a_side_that_reads_as_the_one_before_or_as_the_value():
    full = Formula(Z, (Text("w1"), Op("·"), Symbol("x", "1")),
                   (Number(0.5), Op("·"), Number(-2.0)), -1.0)
    assert full.text(fmt) == "z₁⁽¹⁾ = w1·x₁ = 0.5·(−2) = −1"
    same = Formula(Z, (Text("b1"),), (Number(0.25, bare=True),), 0.25, "kept fixed")
    assert same.text(fmt) == "z₁⁽¹⁾ = b1 = 0.25   (kept fixed)"
    assert [plain(side, fmt) for side in same.sides(fmt)] == ["z₁⁽¹⁾", "b1", "0.25"]
    # at 2 decimals 0.254 and 0.25 read alike: only then is the substituted side left out
    rounded = Formula(Z, (Text("b1"),), (Number(0.254, bare=True),), 0.25)
    assert rounded.text(lambda v: format_number(v, 2)) == "z₁⁽¹⁾ = b1 = 0.25"
    assert rounded.text(fmt) == "z₁⁽¹⁾ = b1 = 0.254 = 0.25"


@pytest.mark.parametrize("template", [
    "{a}(1 − {a})", "1 − {a}²", "({y} − {a})²", "ln(1 + e^", "(1 − β₁^3)", "σ′", "tanh′",
    "½[", "(1/2)[", " + … (5 more terms)", "{a}·Σy − {y}", " if z > 0, else -0.01·", "√",
    "softmax: δᵢ = aᵢ(∂L/∂aᵢ − Σₖ ∂L/∂aₖ·aₖ)", "",
])
def test_reading_a_template_keeps_every_character(template):
    assert plain(read(template), repr) == template


@given(st.text(alphabet="ab z01²³^·−+/()[]√…½× σβ₁₂′ηε{}-,.<>", max_size=30))
def test_reading_any_formula_text_keeps_every_character(text):
    assert plain(read(text), repr) == text


def test_reading_finds_the_notation():
    assert read("(1 − β₁^3)") == (Op("("), Text("1"), Op(" − "), Symbol("β", "1"),
                                  Power((Text("3"),)), Op(")"))
    assert read("tanh′") == (Symbol("tanh", sup="′"),)
    assert read("ln(1 + e") == (Text("ln"), Op("("), Text("1"), Op(" + "), Text("e"))
    assert read(")²") == (Op(")"), Sup("2"))


def test_neuron_names():
    assert neuron_name("z", 0, 0, 1) == Z
    assert neuron_symbol("δ", 1, 11, 1, "[s2]") == "δ₁₂⁽²⁾[s2]"
    assert neuron_symbol("x", -1, 0, 0) == "x₀"


# --- LaTeX from tokens ---------------------------------------------------------------------

@pytest.mark.parametrize("tokens, expected", [
    (Z, r"z_{1}^{( 1 )}"),
    ((Text("1"), Op(" − "), Symbol("a", "1", "(1)"), Sup("2")), r"1 -  a_{1}^{( 1 )}{}^{2}"),
    ((Symbol("tanh", sup="′"), Op("("), *Z, Op(")")), r"\tanh^{\prime}(z_{1}^{( 1 )})"),
    ((Symbol("σ", sup="′"),), r"\sigma ^{\prime}"),
    ((Symbol("m", accent="hat"), Op("["), Text("w_1"), Op("]")), r"\hat{m}[w\_1]"),
    ((Symbol("β", "1"), Power((Text("3"),))), r"\beta _{1}^{3}"),
    ((Number(0.15), Op("·"), Number(-0.05)), r"0.15\cdot (- 0.05)"),
    ((Number(float("inf"), bare=True),), r"\mathrm{inf}"),
    # −1.5e-05 = −1.5·10⁻⁵: a minus sign and a power of ten, not an italic e
    ((Number(-1.5e-5, bare=True),), r"- 1.5{\times}10^{-5}"),
    ((Number(6.66345653e-4),), r"6.66345653{\times}10^{-4}"),
    ((Number(float("nan"), bare=True),), r"\mathrm{nan}"),
    ((Symbol("∂"), Text("L"), Op("/"), Symbol("∂"), Text("W1[1,2]")),
     r"\partial L/\partial W1[1,2]"),
    ((Op("½"), Op("["), Text("ReLU")), r"\tfrac{1}{2} [\mathrm{ReLU}"),
])
def test_tokens_in_latex(tokens, expected):
    assert tokens_latex(tokens, fmt) == expected


# --- worked quantities as formulas ---------------------------------------------------------

def networks():
    yield load_network(*resolve("mazur"))
    yield load_network(*resolve("softmax-classifier"))
    yield load_network(*resolve("xor-batch"))
    named = layer("tanh", [[0.1, -0.2], [0.3, 0.4]], [0.1, -0.1],
                  names={"weights": [["w_a", "wβ₂"], ["w-c", "W{d}"]], "biases": ["b%1", "b²"]})
    out = layer("softmax", [[0.5, -0.6], [0.2, 0.1]], 0.2, shared_bias=True)
    samples = [([0.5, -0.3], [0.2, 0.8]), ([1.5, 0.3], [1.0, 0.0])]
    for options in ({"optimizer": {"name": "adam"}}, {"momentum": 0.5, "update": "online"},
                    {"index_base": 0, "weight_rows": "inputs", "update_biases": False}):
        yield parse_network_text(network_text([named, out], samples, "cross_entropy",
                                              **options))


@pytest.mark.parametrize("net", list(networks()))
def test_every_name_is_built_from_its_key_and_reads_as_the_quantitys_symbol(net):
    run = train(net, 2)
    worked = build(net, run.steps, run.trained.learning_rate)
    for q in worked.quantities:
        tags = [""] if q.key.sample is None else ["", f"[s{q.key.sample + 1}]"]
        built = [equations._named(net, q.key, tag) for tag in tags]
        assert any(b is not None and plain(b, repr) == q.symbol for b in built), q.symbol
        assert plain(Equations(worked).name(q), repr) == q.symbol


def test_a_formula_is_the_line_explain_prints():
    net = load_network(*resolve("mazur"))
    run = train(net, 1)
    worked = build(net, run.steps, run.trained.learning_rate)
    (z,) = [q for q in worked.quantities if q.key.kind == "z" and q.key.layer == 0
            and q.key.neuron == 0 and q.key.step == 0]
    formula = Equations(worked).equation(z)
    assert formula.text(fmt) == "z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775"
    assert formula.text(fmt) == worked.line(z, fmt)
    assert formula.symbol == Z
    assert [tokens_latex(side, fmt) for side in formula.sides(fmt)] == [
        r"z_{1}^{( 1 )}", r"w1\cdot x_{1} + w2\cdot x_{2} + b1",
        r"0.15\cdot 0.05 + 0.2\cdot 0.1 + 0.35", "0.3775"]


# --- one conventions table -------------------------------------------------------------------

def test_run_and_show_take_their_conventions_from_one_table():
    from backcalc.drawing import show_header
    from backcalc.report import header
    net = load_network(*resolve("xor-batch"))
    run = train(net, 1)
    ran, shown = header(run, 0.25).tables[0], show_header(net).tables[0]
    assert ran == conventions(net, 0.25, RUN) and shown == conventions(net, view=SHOW)
    # (no ReLU, no l2, no dropout: those rows are left out)
    assert [row[0] for row in ran.rows] == [r for r in VIEWS[RUN]
                                            if r not in ("ReLU′(0)", "regularisation", "dropout")]
    assert [row[0] for row in shown.rows] == [r for r in VIEWS[SHOW]
                                              if r not in ("rounding", "biases", "regularisation",
                                                           "dropout")]
    assert dict(ran.rows)["learning rate"] == "η = 0.25"
    assert dict(shown.rows)["learning rate"] == "η = 0.5"         # the file's


# --- renderers take a document, and only that -----------------------------------------------

def hand_made() -> list[Section]:
    formula = Formula(Z, (Text("w1"), Op("·"), Symbol("x", "1")),
                      (Number(0.5), Op("·"), Number(-2.0)), -1.0, "a note")
    table = Table("Numbers", ["name", "value"], [["w_1", 0.123456789012], ["b", None]],
                  ["a caption"])
    return [Section("By hand", [["a line, ", 1.5], [formula]], [table]),
            Section("Part", [["x = ", [1.0, 2.0]]], level=2)]


def test_every_renderer_draws_a_document_made_by_hand():
    out = io.StringIO()
    rich(hand_made(), console(out, terminal=False), 3)
    assert "z₁⁽¹⁾ = w1·x₁ = 0.5·(−2) = −1   (a note)" in out.getvalue()
    assert "0.123" in out.getvalue() and "a line, 1.5" in out.getvalue()
    assert r"z₁⁽¹⁾ = w1·x₁ = 0.5·(−2) = −1   (a note)" in markdown(hand_made(), 3)
    assert '<p class="formula">z₁⁽¹⁾ = w1·x₁ = 0.5·(−2) = −1   (a note)</p>' in \
        html(hand_made(), 3)
    tex = latex(hand_made(), 3, fragment=True)
    assert "z_{1}^{( 1 )} &= w1\\cdot x_{1} \\\\\n&= 0.5\\cdot (- 2) \\\\\n" \
           "&= - 1 \\quad \\text{(a note)}" in tex
    assert "w\\_1 & 0.123" in tex
