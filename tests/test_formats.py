"""--format markdown/latex/csv/html, -o, --max-rows and the loss curve.

The numbers are Mazur's published ones ("A Step by Step Backpropagation
Example", 2015), looked for in every format; the CSV is read back with the csv
module and compared, value by value, with the JSON document.  The LaTeX is
compiled with pdflatex where it is installed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from backcalc.cli import cli
from backcalc.formats import FORMATS
from backcalc.layout import DEFAULT_MAX_ROWS
from backcalc.render_latex import math, text

from helpers import NETWORKS, copy_bundled, invoke, one_error_line, run_cli, run_json

pytestmark = pytest.mark.usefixtures("in_tmp")

# Mazur's published values, as --precision 9 prints them.
MAZUR_SHOWN = ["0.3775", "0.593269992", "1.105905967", "0.75136507", "0.298371109",
               "0.138498562", "0.082167041", "0.35891648", "0.149780716", "0.511301270".rstrip("0")]


def test_the_cli_lists_every_registered_format_and_the_layout_default():
    # --help offers the registry's formats and shows the default the renderers use;
    # check offers its own format too (gradescope), and only check.
    own = {"check": {"gradescope"}}
    for command in ("run", "step", "check", "gradcheck", "grade"):
        options = {param.name: param for param in cli.commands[command].params}
        assert set(options["fmt"].type.choices) == set(FORMATS) | own.get(command, set())
        assert options["max_rows"].default == DEFAULT_MAX_ROWS
    after = invoke("run", "--help").stdout.split("--max-rows", 1)[1]
    assert after.split("[default: ", 1)[1].startswith(f"{DEFAULT_MAX_ROWS};")


# --- the same numbers in every format ------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "markdown", "latex", "html"])
def test_every_table_format_shows_mazurs_numbers(fmt):
    out = invoke("run", "mazur", "--format", fmt).stdout
    for number in MAZUR_SHOWN:
        assert re.search(rf"(?<![\d.]){re.escape(number)}(?!\d)", out), (fmt, number)


def test_csv_holds_every_value_of_the_json_document():
    rows = list(csv.DictReader(io.StringIO(invoke("run", "mazur", "--format", "csv").stdout)))
    doc = run_json("run", "mazur")
    step = doc["steps"][0]
    sample = step["samples"][0]

    def value(quantity, layer="", index="", sample_="1"):
        found = [float(r["value"]) for r in rows if r["quantity"] == quantity and
                 r["layer"] == str(layer) and r["index"] == str(index) and
                 r["sample"] == (sample_ if quantity not in ("loss", "dL_dW", "dL_db", "W", "b",
                                                            "final_loss") else "")]
        assert len(found) == 1, (quantity, layer, index)
        return found[0]

    for l, layer in enumerate(sample["layers"], start=1):
        for name in ("z", "a", "dL_da", "delta"):
            for j, expected in enumerate(layer[name], start=1):
                assert value(name, l, j) == expected
    assert value("sample_loss") == sample["loss"] == step["loss"] == value("loss")
    for l, (grad, param) in enumerate(zip(step["gradients"], step["parameters"]), start=1):
        for r, row in enumerate(grad["weights"], start=1):
            for c, expected in enumerate(row, start=1):
                assert value("dL_dW", l, f"{r},{c}") == expected
                assert value("W", l, f"{r},{c}") == param["weights"][r - 1][c - 1]
        for j, expected in enumerate(grad["biases"], start=1):
            assert value("dL_db", l, j) == expected
    assert value("final_loss") == doc["final"]["loss"]
    # Mazur's published values, to the digits he prints.
    assert round(value("W", 2, "1,1"), 8) == 0.35891648
    assert round(value("loss"), 9) == 0.298371109


def test_csv_header_and_row_count_for_a_run():
    out = invoke("run", "mazur", "--format", "csv").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["iteration", "sample", "layer", "quantity", "index", "value"]
    # per sample: 2 inputs + 2 targets + 2 layers × 5 quantities × 2 neurons + its loss;
    # the step's loss; gradients and parameters: 2 × (8 weights + 4 bias entries);
    # the final loss and 2 outputs.
    assert len(rows) - 1 == (2 + 2 + 20 + 1) + 1 + 2 * 12 + 3


MAZUR_INPUT_ROWS = """\
input: [0.05, 0.10]
target: [0.01, 0.99]
loss: half_squared_error
learning_rate: 0.5
update_biases: false
weight_rows: inputs
index_base: 0
layers:
  - activation: sigmoid
    weights: [[0.15, 0.25], [0.20, 0.30]]
    biases: 0.35
    shared_bias: true
    names: {weights: [[W1, W3], [W2, W4]], biases: B1}
  - activation: sigmoid
    weights: [[0.40, 0.50], [0.45, 0.55]]
    biases: 0.60
    shared_bias: true
    names: {weights: [[W5, W7], [W6, W8]], biases: B2}
"""


def test_csv_indices_follow_the_files_orientation_and_numbering():
    Path("t.yaml").write_text(MAZUR_INPUT_ROWS)
    rows = list(csv.DictReader(io.StringIO(invoke("run", "t.yaml", "--format", "csv").stdout)))
    w = {r["index"]: float(r["value"]) for r in rows if r["quantity"] == "W" and r["layer"] == "1"}
    # Row 0 of the file is input 0: w1 (0→0) and w3 (0→1) after Mazur's update.
    assert round(w["0,0"], 9) == 0.149780716 and round(w["0,1"], 8) == 0.24975114
    assert [r["index"] for r in rows if r["quantity"] == "z" and r["layer"] == "1"] == ["0", "1"]


def test_check_and_gradcheck_csv_are_one_record_per_row():
    out = invoke("check", "mazur", "seed001", "--format", "csv", code=1).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["key", "given", "expected", "verdict", "slip", "slips"]
    assert rows[0]["key"] == "z1_1" and rows[0]["slip"] == "transposed_weights"
    out = invoke("gradcheck", "mazur", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["name"] for r in rows][:2] == ["w1", "w2"]
    assert all(r["status"] == "ok" for r in rows)


# --- Markdown ------------------------------------------------------------------

def test_markdown_tables_are_well_formed_and_right_align_numbers():
    out = invoke("run", "mazur", "--format", "markdown").stdout
    assert out.startswith("## Mazur's 2-2-2 sigmoid example\n")
    lines = out.splitlines()
    start = lines.index("**Layer 1 (hidden layer, sigmoid, 2 neurons)**")
    assert lines[start + 2:start + 6] == [
        "| neuron | z | a |", "|:---|---:|---:|",
        "| 1 | 0.3775 | 0.593269992 |", "| 2 | 0.3925 | 0.596884378 |"]
    # every table row has as many cells as its header
    table = None
    for line in lines:
        if line.startswith("|"):
            cells = len(re.split(r"(?<!\\)\|", line)) - 2
            table = cells if table is None else table
            assert cells == table, line
        else:
            table = None


def test_markdown_escapes_what_it_would_read_as_formatting():
    Path("t.yaml").write_text((NETWORKS / "mazur.yaml").read_text().replace(
        "name: ", "name: '*w_1* | [x](y) ' #", 1))
    out = invoke("run", "t.yaml", "--format", "markdown").stdout
    assert out.splitlines()[0].startswith(r"## \*w\_1\* \| \[x\](y) ")


# --- HTML ----------------------------------------------------------------------

class _Balance(HTMLParser):
    VOID = {"meta", "br", "rect", "polyline", "polygon", "path"}

    def __init__(self):
        super().__init__()
        self.stack, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


@pytest.mark.parametrize("args", [["run", "mazur", "--explain"], ["step", "xor-online", "-n", "50"],
                                  ["check", "mazur", "seed001"]])
def test_html_is_one_balanced_self_contained_page(args):
    result = run_cli(*args, "--format", "html")
    assert result.exit_code in (0, 1)
    page = result.stdout
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    parser = _Balance()
    parser.feed(page)
    parser.close()
    assert parser.stack == []
    names = {tag for tag, _ in parser.tags}
    assert not names & {"script", "link", "img", "iframe"}       # nothing fetched or run
    assert "<meta charset=\"utf-8\">" in page


def test_html_tables_are_figures_side_by_side_with_unwrapped_titles():
    # A table's <caption> wraps to the table's width ("…sigmoid, 2 / neurons"): each table
    # is a figure titled by its figcaption instead, a section's figures in one flex row.
    page = invoke("run", "mazur", "--format", "html").stdout
    assert "<caption>" not in page
    figures = re.findall(r"<figure>\n<figcaption>([^<]*)</figcaption>\n<table>", page)
    assert figures[:2] == ["Conventions", "Layer 1 (hidden layer, sigmoid, 2 neurons)"]
    assert len(figures) == page.count("<table>") == page.count("</figure>")
    forward = page.split("Iteration 1: forward pass")[1].split("<h2>")[0]
    assert forward.count('<div class="tables">') == 1 and forward.count("<figure>") == 3
    assert "div.tables { display: flex; flex-wrap: wrap;" in page


def test_html_escapes_the_users_text():
    Path("t.yaml").write_text((NETWORKS / "mazur.yaml").read_text().replace(
        "name: ", "name: '<b>bold</b> & ' #", 1))
    page = invoke("run", "t.yaml", "--format", "html").stdout
    assert "<b>bold" not in page and "&lt;b&gt;bold&lt;/b&gt; &amp;" in page


def test_html_draws_the_loss_curve_as_svg():
    page = invoke("step", "mazur", "-n", "100", "--format", "html").stdout
    assert page.count("<svg") == 1 and "<polyline" in page
    points = re.search(r'<polyline points="([^"]+)"', page).group(1).split()
    assert len(points) == 100                     # one per iteration, up to 240
    ys = [float(p.split(",")[1]) for p in points]
    assert ys == sorted(ys)                       # the loss falls: y grows downwards


# --- LaTeX ---------------------------------------------------------------------

def test_latex_text_and_math_translation():
    assert text("∂L/∂w5 = Σ δ") == r"$\partial$L/$\partial$w5 = $\Sigma$ $\delta$"
    assert text("w_1 {x} 50% & $ # ~ ^ \\") == (
        r"w\_1 \{x\} 50\% \& \$ \# \textasciitilde{} \textasciicircum{} \textbackslash{}")
    assert math("z₁⁽¹⁾ = w1·x₁") == r"z_{1}^{( 1 )} = w1\cdot x_{1}"
    assert math("1 − a₁⁽¹⁾²") == r"1 -  a_{1}^{( 1 )}{}^{2}"
    assert math("tanh′(z)") == r"\tanh^{\prime}(z)"
    assert math("e^z₁⁽²⁾") == r"e^{z_{1}^{( 2 )}}"
    assert math("m̂ + v̂") == r"\hat{m} + \hat{v}"
    assert math("softplus") == r"\mathrm{softplus}"


@pytest.mark.parametrize("written, expected", [
    # a negative number: a minus sign in math, not a text hyphen
    ("-0.5", r"$- 0.5$"),
    # 6.66345653e-04 = 6.66345653·10⁻⁴ (the exponent's leading zero dropped)
    ("6.66345653e-04", r"$6.66345653{\times}10^{-4}$"),
    ("-1.2e+09", r"$- 1.2{\times}10^{9}$"),
    ("∂L/∂w7 = -0.02", r"$\partial$L/$\partial$w7 = $- 0.02$"),
    ("a = (0.74, -0.77)", r"a = (0.74, $- 0.77$)"),
    ("-inf", r"$- \mathrm{inf}$"),
    # hyphens that are no minus signs, and digits of names, stay text
    ("0.5", "0.5"),
    ("2-2-2 (1 sample)", "2-2-2 (1 sample)"),
    ("w-1 b2-3 W1[1,2] x1e-5", r"w-1 b2-3 W1{[}1,2{]} x1e-5"),
    ("--max-rows 0", "-{}-max-rows 0"),
])
def test_latex_text_sets_negative_and_scientific_numbers_as_math(written, expected):
    assert text(written) == expected


def test_latex_document_and_fragment():
    doc = invoke("run", "mazur", "--explain", "--format", "latex").stdout
    assert doc.startswith("\\documentclass") and doc.rstrip().endswith("\\end{document}")
    assert "\\begin{align*}\nz_{1}^{( 1 )} &= w1\\cdot x_{1} + w2\\cdot x_{2} + b1 \\\\\n" \
           "&= 0.15\\cdot 0.05 + 0.2\\cdot 0.1 + 0.35 \\\\\n&= 0.3775" in doc
    fragment = invoke("run", "mazur", "--format", "latex", "--fragment").stdout
    assert "\\documentclass" not in fragment and "\\begin{longtable}" in fragment
    assert fragment.startswith("% backcalc output; needs \\usepackage{amsmath,booktabs,longtable}")


PDFLATEX = shutil.which("pdflatex")


def _compile(tex: str, folder: Path) -> subprocess.CompletedProcess:
    (folder / "doc.tex").write_text(tex, encoding="utf-8")
    return subprocess.run([PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=folder, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("args", [
    ["run", "mazur", "--explain"],
    ["step", "softmax-classifier", "-n", "2", "--explain"],
    ["step", "xor-online", "-n", "300"],
    ["check", "mazur", "seed001"],
    ["gradcheck", "seed004"],
    ["step", "seed002", "-n", "2"],          # negative and scientific numbers in every table
])
def test_latex_compiles_with_pdflatex(args, tmp_path):
    result = run_cli(*args, "--format", "latex")
    assert result.exit_code in (0, 1)
    done = _compile(result.stdout, tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    assert "Overfull" not in done.stdout


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
def test_latex_with_hostile_names_compiles(tmp_path):
    hostile = MAZUR_INPUT_ROWS.replace("W1", "'w_1#'").replace("B2", "'b{3}%'")
    Path("t.yaml").write_text("name: '$\\\\~^& <x>'\n" + hostile)
    result = invoke("run", "t.yaml", "--explain", "--format", "latex", "--fragment")
    doc = ("\\documentclass{article}\\usepackage[T1]{fontenc}"
           "\\usepackage{amsmath,booktabs,longtable}\\begin{document}\n"
           + result.stdout + "\n\\end{document}\n")
    done = _compile(doc, tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]


# --- -o FILE ---------------------------------------------------------------------

def test_dash_o_writes_the_file_and_says_so():
    result = invoke("run", "mazur", "--format", "markdown", "-o", "out.md")
    assert result.stdout.startswith("") and "## Mazur" not in result.stdout
    assert "Wrote out.md (markdown)." in result.stderr
    assert Path("out.md").read_text().startswith("## Mazur's 2-2-2 sigmoid example")
    # the state line still reaches the terminal
    assert "State after iteration 1 saved" in result.stdout


def test_dash_o_never_replaces_a_file_without_force():
    Path("out.md").write_text("my notes\n")
    result = invoke("run", "mazur", "--format", "markdown", "-o", "out.md", code=2)
    assert one_error_line(result) == ("Error: out.md: -o would overwrite an existing file; "
                                      "choose a new name, or add --force to replace it")
    assert Path("out.md").read_text() == "my notes\n"
    assert not Path(".backcalc").exists()          # refused before any work
    invoke("run", "mazur", "--format", "markdown", "-o", "out.md", "--force")
    assert Path("out.md").read_text().startswith("## Mazur")


def test_dash_o_never_replaces_an_input_file_even_with_force():
    copy_bundled("mazur")
    before = Path("net.yaml").read_bytes()
    result = invoke("run", "net.yaml", "-o", "net.yaml", "--force", code=2)
    assert one_error_line(result) == ("Error: net.yaml: -o would overwrite an input file; "
                                      "choose another name")
    assert Path("net.yaml").read_bytes() == before
    Path("answers.yaml").write_text("z1: [0.3775, 0.3925]\n")
    result = invoke("check", "net.yaml", "answers.yaml", "-o", "answers.yaml", "--force", code=2)
    assert "-o would overwrite an input file" in one_error_line(result)
    assert Path("answers.yaml").read_text() == "z1: [0.3775, 0.3925]\n"


def test_fragment_goes_with_latex():
    result = invoke("run", "mazur", "--fragment", code=2)
    assert one_error_line(result) == ("Error: --fragment goes with --format latex "
                                      "(see `cli run --help`)")


def test_table_format_to_a_file_has_no_escape_codes():
    invoke("run", "mazur", "-o", "out.txt", env={"FORCE_COLOR": "1"})
    out = Path("out.txt").read_text()
    assert "\x1b" not in out and "0.298371109" in out


# --- --max-rows ------------------------------------------------------------------

def _wide_network(inputs: int = 784, hidden: int = 16, outputs: int = 10) -> str:
    rng = np.random.default_rng(0)
    w1 = np.round(rng.uniform(-0.1, 0.1, (hidden, inputs)), 3).tolist()
    w2 = np.round(rng.uniform(-0.1, 0.1, (outputs, hidden)), 3).tolist()
    x = np.round(rng.uniform(0, 1, inputs), 2).tolist()
    y = [1.0] + [0.0] * (outputs - 1)
    Path("wide.yaml").write_text(json.dumps({
        "input": x, "target": y, "loss": "cross_entropy", "learning_rate": 0.1,
        "layers": [{"activation": "sigmoid", "weights": w1, "biases": 0.0},
                   {"activation": "softmax", "weights": w2, "biases": 0.0}]}))
    return "wide.yaml"


def test_a_784_input_layer_prints_in_elided_tables():
    out = invoke("run", _wide_network(), columns=120).stdout
    assert len(out.splitlines()) < 400
    # The gradient of layer 1 is a 16 × 784 matrix: its middle columns elided.
    assert "772 of 784 columns not shown" in out and " … " in out
    out = " ".join(out.split())          # notes may wrap at the terminal's width
    # The update table lists 784·16 + 16 + 16·10 + 10 parameters: its middle rows elided.
    total = 784 * 16 + 16 + 160 + 10
    assert f"⋮ {total - 50} more rows" in out
    assert f"{total - 50} of {total} rows not shown (--max-rows N shows more rows, --max-rows " \
           "0 everything; --format json or csv has every value)" in out
    # The 784 inputs are written as their first and last values, not 60 lines of them.
    assert re.search(r"input x = \(0\.\d+, .*, … 772 more …, .*; 784 values\)", out)


def test_max_rows_chooses_how_much_is_shown():
    name = _wide_network(inputs=30, hidden=40, outputs=3)
    short = invoke("run", name, "--max-rows", "12").stdout
    assert "⋮ 28 more rows" in short                # 40 hidden neurons: first 9, last 3
    everything = invoke("run", name, "--max-rows", "0").stdout
    assert "more rows" not in everything and "not shown" not in everything


def test_step_compact_table_follows_max_rows():
    out = invoke("step", "mazur", "-n", "100", "--max-rows", "12").stdout
    out = out.split("Loss over the iterations")[0]
    rows = [line.split()[0] for line in out.splitlines() if re.match(r"\s+(\d+|…)\s", line)]
    # at most a third of the rows at the end, as every elided table
    assert rows == [str(i) for i in range(1, 9)] + ["…"] + ["97", "98", "99", "100"]


# --- the loss curve ----------------------------------------------------------------

MAZUR_3_CHART = """\
 0.2984 ┤████
        │████
        │████
        │████▁▁▁▁
        │████████
        │████████
        │████████
 0.2835 ┤████████▁▁▁▁
        └────────────
         1          3
loss before each iteration, 3 in all; from 0.2984 (iteration 1) to 0.2835 (iteration 3); linear
scale"""


def test_step_ends_with_the_loss_curve():
    out = invoke("step", "mazur", "-n", "3", columns=120).stdout
    chart = out.split("Loss over the iterations")[1].split("\n", 1)[1]
    assert chart.startswith(MAZUR_3_CHART.replace("; linear\nscale", "; linear scale"))


def test_the_curve_at_ten_thousand_iterations_fits_and_uses_a_log_scale():
    out = invoke("step", "mazur", "-n", "10000", columns=80).stdout
    chart = out.split("Loss over the iterations")[1].splitlines()[1:12]
    assert all(len(line) <= 80 for line in chart)
    assert chart[0].startswith("    0.2984 ┤█")           # starts where the run started
    assert chart[7].startswith(" 3.511e-05 ┤")            # Mazur's error after 10,000: 3.51e-05
    assert chart[9].split() == ["1", "10000"]
    assert "log scale" in out


def test_quiet_and_json_runs_draw_no_curve():
    assert "Loss over" not in invoke("step", "mazur", "-n", "5", "-q").stdout
    run_json("step", "mazur", "-n", "5")


def test_online_curve_counts_updates():
    out = invoke("step", "xor-online", "-n", "50").stdout
    assert "loss before each update (4 per iteration), 200 in all" in out


def test_plot_without_matplotlib_says_how_to_get_it(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    result = invoke("step", "mazur", "-n", "3", "--plot", "loss.png", code=2)
    assert one_error_line(result) == (
        "Error: loss.png: --plot needs matplotlib, which is not installed; install it with "
        "pip install 'backcalc[plot]'")
    assert not Path(".backcalc").exists()


def test_plot_refuses_a_name_that_is_not_png():
    pytest.importorskip("matplotlib")
    result = invoke("step", "mazur", "--plot", "loss.pdf", code=2)
    assert "--plot writes a PNG image" in one_error_line(result)


def test_plot_writes_a_png():
    pytest.importorskip("matplotlib")
    result = invoke("step", "mazur", "-n", "20", "-q", "--plot", "loss.png")
    assert Path("loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Loss curve drawn in loss.png." in result.stderr


# --- terminal manners ---------------------------------------------------------------

def test_piped_output_has_no_escape_codes():
    for args in (["run", "mazur"], ["step", "mazur", "-n", "3"], ["show", "mazur"],
                 ["examples"], ["gradcheck", "mazur"]):
        assert "\x1b" not in invoke(*args).stdout, args


def test_colour_on_a_terminal_but_never_with_no_color():
    coloured = invoke("run", "mazur", env={"FORCE_COLOR": "1"}).stdout
    colour = re.compile(r"\x1b\[[0-9;]*(3[0-9]|9[0-7]|38;[0-9;]*)m")
    assert colour.search(coloured)
    plain = invoke("run", "mazur", env={"FORCE_COLOR": "1", "NO_COLOR": "1"}).stdout
    assert not colour.search(plain)


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_tables_fit_the_terminal(columns):
    for args in (["run", "mazur", "--explain"], ["run", "softmax-classifier"],
                 ["step", "seed004", "-n", "4"], ["check", "mazur", "seed001"]):
        result = run_cli(*args, columns=columns)
        table_lines = [line for line in result.stdout.splitlines()
                       if "  " in line and "=" not in line]
        assert all(len(line) <= columns for line in table_lines), (args, columns)


def test_shell_completion_offers_bundled_networks_and_formats():
    import os
    import sys

    def complete(words: str, index: int) -> list[str]:
        env = {**os.environ, "_BACKCALC_COMPLETE": "bash_complete", "COMP_WORDS": words,
               "COMP_CWORD": str(index)}
        done = subprocess.run([sys.executable, "-m", "backcalc"], env=env, capture_output=True,
                              text=True, timeout=60)
        return done.stdout.split()

    assert complete("backcalc run se", 2) == ["plain,seed000", "plain,seed002", "plain,seed004",
                                              "file,se"]
    assert "plain,latex" in complete("backcalc run mazur --format ", 4)
    assert "plain,seed001" in complete("backcalc check mazur seed", 3)


# --- what review found ------------------------------------------------------------

@pytest.mark.parametrize("args, message", [
    (["run", "mazur", "-o", "s.yaml", "--save", "s.yaml"],
     "Error: s.yaml: -o and --save name the same file; give each its own"),
    (["step", "mazur", "-o", "p.png", "--plot", "p.png"],
     "Error: p.png: --plot and -o name the same file; give each its own"),
])
def test_two_outputs_never_share_a_file(args, message):
    if "--plot" in args:
        pytest.importorskip("matplotlib")
    result = invoke(*args, code=2)
    assert one_error_line(result) == message
    assert not Path(args[args.index("-o") + 1]).exists()


def test_online_csv_names_the_sample_of_each_update():
    rows = list(csv.DictReader(io.StringIO(
        invoke("step", "xor-online", "-n", "1", "--format", "csv").stdout)))
    keys = [(r["iteration"], r["sample"], r["layer"], r["quantity"], r["index"]) for r in rows]
    assert len(keys) == len(set(keys))            # every value has its own key
    losses = [r for r in rows if r["quantity"] == "loss"]
    assert [r["sample"] for r in losses] == ["1", "2", "3", "4"]


def test_long_explanations_are_split_into_several_align_blocks():
    from backcalc.render_latex import ALIGN_EQUATIONS
    name = _wide_network(inputs=20, hidden=30, outputs=3)
    tex = invoke("run", name, "--explain", "--format", "latex").stdout
    blocks = tex.split("\\begin{align*}")[1:]
    assert len(blocks) > 10
    assert all(block.count("\\\\[6pt]") < ALIGN_EQUATIONS for block in blocks)
    if PDFLATEX:
        import tempfile
        with tempfile.TemporaryDirectory() as folder:
            done = _compile(tex, Path(folder))
            assert done.returncode == 0, done.stdout[-2000:]


def test_a_diverging_run_marks_its_infinite_losses_where_they_were():
    # The loss overflows to inf while every parameter stays finite: the run goes on.
    out = invoke("step", "seed000", "-n", "50", "--learning-rate", "1e6", columns=100).stdout
    chart = out.split("Loss over the iterations")[1].splitlines()[1:11]
    top = chart[0]
    assert "×" in top and top.rstrip().endswith("×")     # the last iterations: infinite
    assert chart[9].split() == ["1", "50"]
    caption = out.split("Loss over the iterations")[1]
    infinite = int(re.search(r"(\d+) losses infinite or undefined", caption).group(1))
    last_finite = 50 - infinite
    assert f"(iteration {last_finite}); " in " ".join(caption.split())


def test_latex_keeps_accented_letters_and_names_other_characters():
    assert text("Übung: Réseau à deux") == "Übung: Réseau à deux"
    assert text("ω = 0.5") == r"$\omega$ = 0.5"
    assert text("权重") == "{[}U+6743{]}{[}U+91CD{]}"
    assert text("[bold]") == "{[}bold{]}"           # never a \\\\[…] line-break argument
    assert text("--max-rows 0") == "-{}-max-rows 0"        # not an en dash


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed")
def test_latex_with_foreign_names_compiles(tmp_path):
    Path("t.yaml").write_text("name: 'Übung 3: réseau, ω = 0.5, 权重'\n" +
                              MAZUR_INPUT_ROWS.replace("W1", "ω1").replace("W2", "权"),
                              encoding="utf-8")
    result = invoke("run", "t.yaml", "--explain", "--format", "latex")
    done = _compile(result.stdout, tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]


def test_column_elision_note_says_only_zero_shows_every_column():
    name = _wide_network(inputs=20, hidden=4, outputs=2)
    out = invoke("run", name, "--max-rows", "100", "--format", "markdown").stdout
    assert "8 of 20 columns not shown (--max-rows 0 shows every column; --format json or csv " \
           "has every value)" in out


def test_a_tiny_max_rows_keeps_the_loss_total_and_the_conventions():
    out = invoke("run", "softmax-classifier", "--max-rows", "2").stdout
    loss = out.split("Loss:")[1].split("Iteration 1: backward")[0]
    assert re.search(r"total\s+1\.\d+", loss)           # the last row: the loss itself
    conventions = out.split("Conventions")[1].split("Iteration 1")[0]
    assert "not shown" not in conventions and "numbering" in conventions


def test_markdown_escapes_dollar_signs():
    Path("t.yaml").write_text("name: '100% $x$'\n" + MAZUR_INPUT_ROWS)
    out = invoke("run", "t.yaml", "--format", "markdown").stdout
    assert out.startswith(r"## 100% \$x\$")


def test_a_broken_matplotlib_is_one_line(monkeypatch):
    import importlib
    import importlib.util
    from unittest import mock
    real_import, real_find = importlib.import_module, importlib.util.find_spec

    def broken(name, *args):
        if name == "matplotlib":
            raise ImportError("libfreetype.so.6: cannot open shared object file")
        return real_import(name, *args)
    monkeypatch.setattr(importlib, "import_module", broken)
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: mock.sentinel.spec if name == "matplotlib"
                        else real_find(name, *a))
    result = invoke("step", "mazur", "--plot", "x.png", code=2)
    assert one_error_line(result) == (
        "Error: x.png: --plot needs matplotlib, which does not import (libfreetype.so.6: cannot "
        "open shared object file); reinstall it with pip install 'backcalc[plot]'")


@pytest.mark.parametrize("columns", [1, 5, 20])
def test_a_tiny_terminal_width_draws_without_a_traceback(columns):
    for args in (["run", "mazur"], ["show", "mazur"], ["examples"], ["step", "mazur", "-n", "3"]):
        result = run_cli(*args, columns=columns)
        assert result.exit_code == 0, (args, result.exception)


def test_latex_raises_a_whole_substituted_exponent():
    """e^{0.160673139}, not e^{0}.160673139 (the caret once raised only the first
    character); a negative exponent in parentheses inside the braces, never a literal ^."""
    tex = invoke("run", "softmax-classifier", "--explain", "--format", "latex").stdout
    assert "e^{0.160673139}" in tex
    assert "e^{(- 0.090377832)}" in tex
    assert "e^{z_{1}^{( 2 )}}" in tex
    assert r"\text{\^{}}" not in tex
    assert not re.search(r"e\^\{\d\}\.", tex)
