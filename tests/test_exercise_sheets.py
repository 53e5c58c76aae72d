"""An exercise's question sheet and answer key (backcalc.exercise_sheets, issue 15 item 3).

The sheet must give every number the student needs (every weight, bias, input and
target, in the figure and in the tables) and none they are asked for; the key's values
must be the calculation's.  The oracles: the bundled files' own numbers, ``backcalc run
--format json`` (the JSON document, an independent path from the worked calculation the
key is built from), hand arithmetic in the networks' comments, pdflatex, and parsers
(xml.etree for the SVG, html.parser for the page).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from itertools import combinations
from pathlib import Path

import pytest

from backcalc.errors import InputError
from backcalc.exercise_figure import layout
from backcalc.exercise_sheets import EXTENSIONS, FORMATS, key, sheet
from backcalc.netfile import parse_network
from backcalc.render_latex import text as latex_text
from backcalc.yamlsource import load_yaml

from helpers import NETWORKS, bundled_network, run_cli

pytestmark = pytest.mark.usefixtures("in_tmp")

MAZUR_NAMES = {   # the file's names → (layer, row, column) of its weights (one row per neuron)
    "w1": (0, 0, 0), "w2": (0, 0, 1), "w3": (0, 1, 0), "w4": (0, 1, 1),
    "w5": (1, 0, 0), "w6": (1, 0, 1), "w7": (1, 1, 0), "w8": (1, 1, 1)}
MAZUR_BIASES = {"b1": (0, 0), "b2": (0, 1), "b3": (1, 0)}   # b3: layer 2's shared bias


def _every_value(layers: list[int]) -> list[str]:
    """Every per-neuron key of one sample: z, a, ∂L/∂a, δ of each layer's neurons."""
    return [f"{stem}{l + 1}_{j + 1}" for stem in ("z", "a", "dL/da", "delta")
            for l, size in enumerate(layers) for j in range(size)]


ASKED = {
    # Everything one iteration of Mazur's network has (the biases are fixed: b1+ is b1).
    "mazur": [dict.fromkeys(_every_value([2, 2]) + ["loss"]
                            + [f"dL/d{n}" for n in [*MAZUR_NAMES, *MAZUR_BIASES]]
                            + [f"{n}+" for n in [*MAZUR_NAMES, *MAZUR_BIASES]])],
    # Four samples, one batch update: per-sample values in a block per sample.
    "xor-batch": [{"sample": s, **dict.fromkeys(_every_value([2, 1]) + ["sample_loss"])}
                  for s in (1, 2, 3, 4)]
    + [dict.fromkeys(["loss"] + [f"{p}W{l}_{r}_{c}{q}" for p, q in (("dL/d", ""), ("", "+"))
                                 for l, rows, cols in ((1, 2, 2), (2, 1, 2))
                                 for r in range(1, rows + 1) for c in range(1, cols + 1)]
                     + ["dL/db1_1", "dL/db1_2", "dL/db2", "b1_1+", "b1_2+", "b2+"])],
    # tanh then softmax with cross-entropy; f′ of the tanh layer too.
    "softmax-classifier": [dict.fromkeys(
        _every_value([3, 3]) + ["loss", "fprime1_1", "fprime1_2", "fprime1_3"]
        + [f"dL/dW2_{r}_{c}" for r in (1, 2, 3) for c in (1, 2, 3)]
        + ["W1_2_1+", "W2_3_3+", "dL/db1_3", "dL/db2_2", "b1_1+", "b2_3+"])],
}


def _given(net) -> set[float]:
    """Every number the sheet is meant to give: weights, biases, inputs, targets, η."""
    numbers = {float(net.learning_rate)}
    for layer in net.layers:
        numbers |= {float(w) for w in layer.weights.ravel()} | {float(b) for b in layer.biases}
    for sample in net.samples:
        numbers |= {float(v) for v in sample.input} | {float(v) for v in sample.target}
    return {abs(n) for n in numbers}


def _rounded(value: float, decimals: int) -> float:
    """As a calculator rounds: half away from zero, on 15 significant digits."""
    return float(Decimal(f"{value:.15g}").quantize(Decimal(1).scaleb(-decimals),
                                                   rounding=ROUND_HALF_UP))


class _Page(HTMLParser):
    """The text a page shows and every attribute, without its style sheet."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.tags: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value) for name, value in attrs]
        self._in_style = tag == "style"

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self._in_style = False

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        (self.styles if self._in_style else self.text).append(data)


def _shown(document: str, fmt: str) -> str:
    """What a reader sees of a document (an HTML page's text and attributes, no CSS)."""
    if fmt != "html":
        return document
    page = _Page()
    page.feed(document)
    return "\n".join(page.text + [value or "" for _, _, value in page.attributes])


_NUMBER = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?![\w.])")


def _leaks(document: str, fmt: str, net, values: list[float]) -> set[str]:
    """The numbers of ``document`` with two decimals or more that are an asked value
    rounded to that many decimals (the sign aside) and no number the sheet gives."""
    given = _given(net)
    found = set()
    for match in _NUMBER.finditer(_shown(document, fmt)):
        written = float(match.group(0))
        decimals = len(match.group(2))
        if decimals < 2 or any(abs(written - g) < 1e-12 for g in given):
            continue
        if any(abs(abs(_rounded(v, decimals)) - written) < 1e-12 for v in values):
            found.add(match.group(0))
    return found


def _values(name: str) -> list[float]:
    """The asked values, from the key's own table (what it says the answers are)."""
    text = key(bundled_network(name), ASKED[name], fmt="markdown", title="t", answer_decimals=9)
    return [float(v) for v in _answer_column(text)]


def _answer_column(markdown: str) -> list[str]:
    """The last column of the key's Answers table, row by row."""
    table = markdown[markdown.index("**Answers**"):]
    rows = [line for line in table.splitlines()[4:] if line.startswith("|")]
    return [row.strip("| ").split(" | ")[-1] for row in rows]


# --- no answer in the sheet ------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(ASKED))
def test_no_asked_value_is_in_the_sheet(name, fmt):
    net = bundled_network(name)
    values = _values(name)
    count = sum(len([k for k in block if k not in ("sample", "iteration")])
                for block in ASKED[name])
    assert len(values) == count                     # every asked key has its value
    assert _leaks(sheet(net, ASKED[name], fmt=fmt, title="Exercise"), fmt, net, values) == set()
    # The detector finds them where they are: in the key, rounded to 4 decimals, every
    # value that is not a number the sheet gives anyway (Mazur's fixed b1+ is b1).
    answers = key(net, ASKED[name], fmt=fmt, title="Exercise", answer_decimals=4)
    given = _given(net)
    shown = {f"{abs(_rounded(v, 4)):.4f}" for v in values
             if not any(abs(abs(_rounded(v, 4)) - g) < 1e-12 for g in given)}
    assert shown and shown <= _leaks(answers, fmt, net, values)


def test_a_leak_would_be_found():
    """The detector at work on a sheet with one answer slipped in, at 3 decimals."""
    net = bundled_network("mazur")
    text = sheet(net, ASKED["mazur"], fmt="markdown", title="Exercise")
    # a₁⁽¹⁾ = σ(0.3775) = 1/(1 + e^−0.3775) = 0.593269992…
    assert _leaks(text + "\nby the way: 0.593\n", "markdown", net, _values("mazur")) == {"0.593"}


# --- the figure ------------------------------------------------------------------------

def _svg(page: str) -> ET.Element:
    start, end = page.index("<svg"), page.index("</svg>") + len("</svg>")
    return ET.fromstring(page[start:end])


def _figure_texts(page: str) -> list[str]:
    return ["".join(t.itertext()).replace("−", "-") for t in _svg(page).iter("text")]


def _weight_labels(net) -> list[str]:
    """'w5 = 0.4' for every weight (Python's shortest form of each number: the file's)."""
    return [f"{net.weight_label(l, j, i)} = {float(layer.weights[j, i]):g}"
            for l, layer in enumerate(net.layers)
            for j in range(layer.size) for i in range(layer.inputs)]


def _bias_labels(net) -> list[str]:
    return [f"{net.bias_label(l, j)} = {float(layer.biases[j]):g}"
            for l, layer in enumerate(net.layers)
            for j in range(1 if layer.shared_bias else layer.size)]


def test_the_svg_has_every_weight_bias_input_and_target():
    net = bundled_network("mazur")
    texts = _figure_texts(sheet(net, ASKED["mazur"], fmt="html", title="Exercise"))
    # Mazur's file: w1…w8 = 0.15 0.2 0.25 0.3 0.4 0.45 0.5 0.55, b1 = b2 = 0.35, b3 = 0.6
    # shared by layer 2, x = (0.05, 0.1), y = (0.01, 0.99).
    for label in ["w1 = 0.15", "w2 = 0.2", "w3 = 0.25", "w4 = 0.3", "w5 = 0.4", "w6 = 0.45",
                  "w7 = 0.5", "w8 = 0.55", "b1 = 0.35", "b2 = 0.35"]:
        assert label in texts
    assert "shared bias b3 = 0.6" in texts
    assert {"0.05", "0.1", "y₁ = 0.01", "y₂ = 0.99"} <= set(texts)
    assert [t for t in texts if t.startswith(("x", "a"))] == [
        "x₁", "x₂", "a₁⁽¹⁾", "a₂⁽¹⁾", "a₁⁽²⁾", "a₂⁽²⁾"]          # six circles' names
    svg = _svg(sheet(net, ASKED["mazur"], fmt="html", title="Exercise"))
    assert len(list(svg.iter("circle"))) == 6
    assert len(list(svg.iter("line"))) >= 8 + 2 + 2          # the edges, inputs, outputs


@pytest.mark.parametrize("name", ["xor-batch", "softmax-classifier"])
def test_the_svg_of_unnamed_parameters_and_of_several_samples(name):
    net = bundled_network(name)
    texts = _figure_texts(sheet(net, ASKED[name], fmt="html", title="Exercise"))
    for label in _weight_labels(net) + _bias_labels(net):
        assert label in texts, label
    if len(net.samples) == 1:
        assert [f"{v:g}" for v in net.samples[0].input] == [
            t for t in texts if re.fullmatch(r"-?[\d.]+", t)]
        assert [f"y{'₁₂₃'[j]} = {v:g}" for j, v in enumerate(net.samples[0].target)] == [
            t for t in texts if t.startswith("y")]
        return
    # Several samples: a table under the network, a row per sample: x₁ x₂ y₁ of XOR.
    start = texts.index("sample")
    assert texts[start:start + 4] == ["sample", "x₁", "x₂", "y₁"]
    rows = [texts[start + 4 * r:start + 4 * r + 4] for r in range(1, 5)]
    assert rows == [["1", "0", "0", "0"], ["2", "0", "1", "1"], ["3", "1", "0", "1"],
                    ["4", "1", "1", "0"]]


def test_the_latex_picture_has_every_weight_bias_input_and_target():
    net = bundled_network("softmax-classifier")
    document = sheet(net, ASKED["softmax-classifier"], fmt="latex", title="Exercise")
    picture = document[document.index("\\begin{picture}"):document.index("\\end{picture}")]
    assert picture.count("\\circle{") == 2 + 3 + 3
    # the edges, a line into each input and out of each output
    assert picture.count("\\qbezier") == 2 * 3 + 3 * 3 + 2 + 3
    sample = net.samples[0]
    labels = (_weight_labels(net) + _bias_labels(net) + [f"{v:g}" for v in sample.input]
              + [f"y{'₁₂₃'[j]} = {v:g}" for j, v in enumerate(sample.target)])
    for label in labels:
        assert latex_text(label.replace("-", "−")) in picture, label


def _network(architecture: str) -> object:
    """A sigmoid network of that shape, one-decimal numbers, named w1… and b1… as `new`
    names them."""
    sizes = [int(s) for s in architecture.split("-")]
    lines = [f"input: {[round(0.1 * (i % 7) - 0.3, 1) for i in range(sizes[0])]}",
             f"target: {[round(0.1 * (j + 2), 1) for j in range(sizes[-1])]}",
             "loss: half_squared_error", "learning_rate: 0.5", "layers:"]
    w = b = 0
    for n_in, n_out in zip(sizes, sizes[1:]):
        weights = [[round(((w + j * n_in + i) % 19 - 9) / 10, 1) for i in range(n_in)]
                   for j in range(n_out)]
        names = [[f"w{w + j * n_in + i + 1}" for i in range(n_in)] for j in range(n_out)]
        biases = [round((b + j) % 5 / 10 - 0.2, 1) for j in range(n_out)]
        bias_names = [f"b{b + j + 1}" for j in range(n_out)]
        w, b = w + n_in * n_out, b + n_out
        lines.append(f"  - {{activation: sigmoid, weights: {weights}, biases: {biases}, "
                     f"names: {{weights: {names}, biases: {bias_names}}}}}".replace("'", ""))
    return parse_network(load_yaml("\n".join(lines) + "\n", "net.yaml"))


@pytest.mark.parametrize("architecture", ["2-2-1", "2-3-1", "3-3-2", "4-4-3", "3-4-4-2"])
def test_labels_never_overlap_in_the_figures_exercises_use(architecture):
    net = _network(architecture)
    figure = layout(net)
    assert figure is not None
    labels = list(figure.labels)
    assert len([lb for lb in labels if lb.role == "weight"]) == sum(
        layer.weights.size for layer in net.layers)
    boxes = [label.box for label in labels] + [circle.box for circle in figure.circles]
    for one, other in combinations(boxes, 2):
        assert not one.overlaps(other), (one, other)
    for box in boxes:
        assert 0 <= box.left and box.right <= figure.width
        assert 0 <= box.top and box.bottom <= figure.height
    # Each weight's label sits on its own edge: its centre on the segment's line.
    edges = [line for line in figure.lines if line.x1 != line.x2]
    for label in (lb for lb in labels if lb.role == "weight"):
        assert any(abs((e.x2 - e.x1) * (label.y - e.y1) - (e.y2 - e.y1) * (label.x - e.x1))
                   / ((e.x2 - e.x1) ** 2 + (e.y2 - e.y1) ** 2) ** 0.5 < 1e-6
                   and min(e.x1, e.x2) <= label.x <= max(e.x1, e.x2) for e in edges)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_network_too_large_to_draw_gets_its_tables_and_says_so(fmt):
    net = _network("9-2-1")         # nine inputs: more than a figure (or show) draws
    text = sheet(net, [{"z1_1": None}], fmt=fmt, title="Exercise")
    assert "too large for a readable figure" in text
    assert "<svg" not in text and "\\begin{picture}" not in text and "```text" not in text
    assert "w18" in text and "x₉" in text or "x\\_9" in text or "x$_{9}$" in text


# --- the page, the document ---------------------------------------------------------------

def test_the_html_page_has_no_external_resource():
    for name in ASKED:
        for document in (sheet(bundled_network(name), ASKED[name], fmt="html", title="E"),
                         key(bundled_network(name), ASKED[name], fmt="html", title="E",
                             answer_decimals=4)):
            page = _Page()
            page.feed(document)
            assert not {"script", "link", "img", "iframe", "object", "embed", "image",
                        "use"} & set(page.tags)
            for tag, attribute, value in page.attributes:
                assert attribute not in ("src", "href", "xlink:href", "srcset", "xmlns"), tag
                assert "url(" not in (value or "") and "://" not in (value or "")
            assert all("url(" not in style and "@import" not in style for style in page.styles)
            assert "http" not in document


PDFLATEX = shutil.which("pdflatex")
HOSTILE = "<script>alert(1)</script> & 100% my_title } \\ {"


def _compiles(document: str, folder: Path) -> str:
    (folder / "doc.tex").write_text(document, encoding="utf-8")
    done = subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (folder / "doc.pdf").stat().st_size > 1000
    return done.stdout


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("name, which", [("mazur", "sheet"), ("xor-batch", "sheet"),
                                         ("softmax-classifier", "key")])
def test_the_latex_compiles(name, which, tmp_path):
    net = bundled_network(name)
    document = (sheet(net, ASKED[name], fmt="latex", title=HOSTILE) if which == "sheet" else
                key(net, ASKED[name], fmt="latex", title=HOSTILE, answer_decimals=4))
    log = _compiles(document, tmp_path)
    if which == "sheet":
        assert "Overfull" not in log and "\\begin{picture}" in document


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_hostile_title_is_escaped(fmt):
    net = bundled_network("mazur")
    for document in (sheet(net, [{"z1_1": None}], fmt=fmt, title=HOSTILE),
                     key(net, [{"z1_1": None}], fmt=fmt, title=HOSTILE, answer_decimals=4)):
        assert "<script>" not in document
        if fmt == "html":
            page = _Page()
            page.feed(document)
            assert "script" not in page.tags
            assert HOSTILE in page.text               # shown as written
            assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; &amp; 100% my_title } \\ {" \
                   "</title>" in document
        elif fmt == "markdown":
            assert "## \\<script\\>alert(1)\\</script\\> & 100% my\\_title \\} \\\\ \\{\n" \
                   in document
        else:
            assert ("\\section*{\\textless{}script\\textgreater{}alert(1)\\textless{}/script"
                    "\\textgreater{} \\& 100\\% my\\_title \\} \\textbackslash{} \\{}"
                    in document)


# --- what to compute, and how ------------------------------------------------------------

def test_the_answers_file_template_holds_the_keys_and_no_number():
    text = sheet(bundled_network("xor-batch"),
                 [{"sample": 1, "z1_1": None, "a2_1": None}, {"sample": 2, "delta2_1": None},
                  {"loss": None, "dL/dW2_1_2": None, "b2+": None}],
                 fmt="markdown", title="Exercise")
    block = text[text.index("```yaml\n") + 8:]
    assert block[:block.index("```")] == (
        "- sample: 1\n  z1_1:\n  a2_1:\n- sample: 2\n  delta2_1:\n"
        "- loss:\n  dL/dW2_1_2:\n  b2+:\n")
    # What to compute, in words and by --explain's symbol, with its sample.
    assert "| delta2\\_1 | δ₁⁽²⁾\\[s2\\], δ = ∂L/∂z of neuron 1 in layer 2; sample 2 |" in text
    assert "| b2+ | b2\\[1\\]⁺, the bias b2\\[1\\] after the update; all samples |" in text


@pytest.mark.parametrize("fmt", ["markdown", "latex", "html"])
def test_the_sheet_says_how_many_decimals_to_give_when_told(fmt):
    net, asked = bundled_network("mazur"), [{"z1_1": None}]
    told = sheet(net, asked, fmt=fmt, title="Exercise", answer_decimals=5)
    assert "Give each value to 5 decimals" in told
    assert "Give each value to 1 decimal " in sheet(net, asked, fmt=fmt, title="Exercise",
                                                    answer_decimals=1)
    assert "Give each value" not in sheet(net, asked, fmt=fmt, title="Exercise")


def test_a_filled_in_template_is_an_answers_file_check_reads():
    net = bundled_network("mazur")
    text = sheet(net, [{"a1_1": None, "dL/dw5": None}], fmt="markdown", title="E")
    block = text[text.index("```yaml\n") + 8:]
    template = block[:block.index("```")]
    # a₁⁽¹⁾ = σ(0.3775) = 0.59327; ∂L/∂w5 = δ₁⁽²⁾·a₁⁽¹⁾ = 0.138499·0.593270 = 0.082167
    Path("a.yaml").write_text(template.replace("a1_1:", "a1_1: 0.59327")
                              .replace("dL/dw5:", "dL/dw5: 0.082167"))
    result = run_cli("check", "mazur", "a.yaml")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("asked, message", [
    ([{"z9_1": None}], "z9_1 names layer 9"),
    ([{"z1": None}], "expected a list of 2 numbers"),
    ([{"z1_1": 0.3}], "an asked key has no value (None), found 0.3"),
    ([], "expected a list of blocks"),
])
def test_a_key_check_does_not_know_is_refused(asked, message):
    with pytest.raises(InputError, match=re.escape(message)):
        sheet(bundled_network("mazur"), asked, fmt="html", title="E")


def test_an_unknown_format_is_refused():
    with pytest.raises(InputError, match="expected a format of markdown, latex, html"):
        key(bundled_network("mazur"), [{"z1_1": None}], fmt="json", title="E", answer_decimals=4)
    assert EXTENSIONS == {"markdown": "md", "latex": "tex", "html": "html"}


# --- the key -------------------------------------------------------------------------------

_PER_NEURON = re.compile(r"(z|a|dL/da|delta|fprime)(\d)_(\d)")
_WEIGHT = re.compile(r"(dL/d)?W(\d)_(\d)_(\d)(\+?)")
_BIAS = re.compile(r"(dL/d)?b(\d)(?:_(\d))?(\+?)")
_FIELDS = {"z": "z", "a": "a", "dL/da": "dL_da", "delta": "delta"}


def _from_json(doc: dict, network: str, name: str, block: dict) -> float:
    """The asked value in ``run --format json``'s document, found by hand for each form of
    key these tests ask (one iteration: steps[0])."""
    step = doc["steps"][0]
    sample = step["samples"][block.get("sample", 1) - 1]
    if name in ("loss", "sample_loss"):
        return (step if name == "loss" else sample)["loss"]
    match = _PER_NEURON.fullmatch(name)
    if match:
        stem, layer, neuron = match.groups()
        values = sample["layers"][int(layer) - 1]
        if stem == "fprime":          # tanh′ = 1 − a², from the JSON's a
            return 1 - values["a"][int(neuron) - 1] ** 2
        return values[_FIELDS[stem]][int(neuron) - 1]
    plain = name.removeprefix("dL/d").removesuffix("+")
    if network == "mazur":                                  # Mazur's own names
        where = step["gradients" if name.startswith("dL/d") else "parameters"]
        if plain in MAZUR_NAMES:
            layer, row, column = MAZUR_NAMES[plain]
            return where[layer]["weights"][row][column]
        layer, neuron = MAZUR_BIASES[plain]
        return where[layer]["biases"][neuron]
    match = _WEIGHT.fullmatch(name) or _BIAS.fullmatch(name)
    assert match, name
    where = step["gradients" if match.group(1) else "parameters"]
    if name.lstrip("dL/").startswith("W"):
        _, layer, row, column, _ = match.groups()
        return where[int(layer) - 1]["weights"][int(row) - 1][int(column) - 1]
    _, layer, neuron, _ = match.groups()
    return where[int(layer) - 1]["biases"][int(neuron or 1) - 1]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(ASKED))
def test_the_keys_values_are_runs(name, fmt):
    doc = json.loads(run_cli("run", name, "--format", "json").stdout)
    expected = [f"{_rounded(_from_json(doc, name, k, block), 4):.4f}" for block in ASKED[name]
                for k in block if k not in ("sample", "iteration")]
    text = key(bundled_network(name), ASKED[name], fmt=fmt, title="Exercise",
               answer_decimals=4)
    if fmt == "markdown":
        assert _answer_column(text) == expected
    else:                 # each value in the Answers table's cells, in the order asked
        table = text[text.rindex("Answers"):]
        cells = re.findall(r"-?\d+\.\d{4}(?!\d)", re.sub(r"\$- ?(\d)", r"-\1", table))
        assert cells == expected


def test_the_key_is_the_worked_solution():
    text = key(bundled_network("mazur"), [{"w5+": None}], fmt="markdown", title="Ex",
               answer_decimals=3)
    # --explain's lines, as docs/explain.md shows them (at the default precision) …
    assert "z₁⁽¹⁾ = w1·x₁ + w2·x₂ + b1 = 0.15·0.05 + 0.2·0.1 + 0.35 = 0.3775" in text
    assert "w5⁺ = w5 − η·∂L/∂w5 = 0.4 − 0.5·0.082167041 = 0.35891648" in text
    # … then the answer, rounded: w5⁺ = 0.4 − 0.5·0.0821670 = 0.3589 → 0.359 to 3 decimals.
    assert text.rstrip().endswith("| w5+ | w5⁺ | 0.359 |")


def test_a_key_for_a_later_iteration_works_that_far():
    # xor-batch's second iteration starts from b2 = −0.310180 (its comment's hand numbers).
    asked = [{"iteration": 2, "loss": None}, {"iteration": 1, "b2+": None}]
    text = key(bundled_network("xor-batch"), asked, fmt="markdown", title="E",
               answer_decimals=4)
    assert "Iteration 2, worked" in text
    assert _answer_column(text)[1] == "-0.3102"
    doc = json.loads(run_cli("step", "xor-batch", "-n", "2", "--format", "json").stdout)
    assert _answer_column(text)[0] == f"{_rounded(doc['steps'][1]['loss'], 4):.4f}"


HOSTILE_NAMES = """\
name: "</title><script>x</script> & 50% \\\\end{document}"
input: [0.5, -0.2]
target: [0.3]
loss: half_squared_error
learning_rate: 0.5
layers:
  - activation: sigmoid
    weights: [[0.1, -0.4], [0.3, 0.2]]
    biases: [0.1, -0.1]
    names: {weights: [["w_1#", "<b>&amp;"], ["}{%", "\\\\end{picture}"]], biases: ["b^~", "b$2"]}
  - activation: sigmoid
    weights: [[0.5, -0.6]]
    biases: [0.2]
    names: {weights: [["w\\"5", "w`6`"]], biases: ["b:3"]}
"""


def _hostile_asked() -> list[dict]:
    names = ["w_1#", "<b>&amp;", "}{%", "\\end{picture}", "w\"5", "w`6`", "b^~", "b$2", "b:3"]
    return [dict.fromkeys([f"dL/d{n}" for n in names] + [f"{n}+" for n in names])]


@pytest.mark.parametrize("fmt", FORMATS)
def test_hostile_parameter_names_are_escaped_everywhere(fmt, tmp_path):
    net = parse_network(load_yaml(HOSTILE_NAMES, "net.yaml"))
    document = sheet(net, _hostile_asked(), fmt=fmt, title="Exercise")
    if fmt == "html":
        texts = _figure_texts(document)         # the SVG parses as XML …
        assert "<b>&amp; = -0.4" in texts and "\\end{picture} = 0.2" in texts  # … as written
        page = _Page()
        page.feed(document)
        assert "script" not in page.tags and "b" not in page.tags
    elif fmt == "latex" and PDFLATEX is not None:
        _compiles(document, tmp_path)
    else:
        # The template is an answers file check reads: every key, each as written.
        block = document[document.index("```yaml\n") + 8:]
        template = block[:block.index("```")]
        assert template.count("\n") == 18
        Path("net.yaml").write_text(HOSTILE_NAMES)
        Path("a.yaml").write_text(template.replace(":\n", ": 1\n"))
        result = run_cli("check", "net.yaml", "a.yaml")
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "unknown answer" not in result.output


def test_online_updates_a_samples_block_picks_its_update():
    # xor-online: one update per sample; sample 2's block asks its a and the update after it.
    asked = [{"sample": 2, "a2_1": None, "W2_1_1+": None}]
    text = key(bundled_network("xor-online"), asked, fmt="markdown", title="E",
               answer_decimals=6)
    doc = json.loads(run_cli("run", "xor-online", "--format", "json").stdout)
    second = doc["steps"][1]                  # the step of sample 2
    assert second["samples"][0]["input"] == [0, 1]
    assert _answer_column(text) == [
        f"{_rounded(second['samples'][0]['layers'][1]['a'][0], 6):.6f}",
        f"{_rounded(second['parameters'][1]['weights'][0][0], 6):.6f}"]
    assert "| W2\\_1\\_1+ | 2 |" in text


@pytest.mark.parametrize("name", sorted(p.stem for p in NETWORKS.glob("*.yaml")))
def test_every_bundled_network_gets_a_sheet_and_a_key(name):
    net = bundled_network(name)
    asked = [{"z1_1": None, "loss": None, "dL/dW1_1_1": None, "W1_1_1+": None}]
    for fmt in FORMATS:
        text = sheet(net, asked, fmt=fmt, title="E")
        assert "dL/dW1_1_1" in text.replace("\\_", "_")
        key(net, asked, fmt=fmt, title="E", answer_decimals=4)
    if any(layer.dropout is not None for layer in net.layers):   # the masks are given data
        assert "Dropout masks m" in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_title_spelling_the_figures_place_holder_stays_a_title(fmt):
    # The figure and the answers file take the place of marker paragraphs of their own;
    # a title with the same letters is a heading, never replaced.
    net = bundled_network("mazur")
    text = sheet(net, [{"z1_1": None}], fmt=fmt, title="BACKCALCPART0X BACKCALCPART1X")
    # (the heading; in HTML the page's <title> too, in LaTeX the comment naming it)
    assert text.count("BACKCALCPART0X BACKCALCPART1X") == (1 if fmt == "markdown" else 2)
    assert "z1_1:" in text.replace("\\_", "_")
    assert ("<svg" in text) if fmt == "html" else ("\\begin{picture}" in text) \
        if fmt == "latex" else ("```text" in text)
