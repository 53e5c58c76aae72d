"""Control characters in what the user wrote (a network's name, description, a weight's
or bias's name) are shown as visible escapes (``\\x1b``), never sent raw to the terminal
or into a file: an ESC sequence in a name once recoloured the terminal, moved its cursor
or retitled its window in every format but the error lines."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from backcalc.cli import _one_line
from backcalc.document import visible

from helpers import invoke, run_cli, write_network

HOSTILE = r"""
name: "Evil \e[31mred\e[0m\rname"
description: "desc \e]0;title\a\x9b2J end\u2028more"
input: [0.05, 0.10]
target: [0.01]
loss: half_squared_error
learning_rate: 0.5
layers:
  - activation: sigmoid
    weights: [[0.15, 0.20]]
    biases: [0.35]
    names:
      weights: [["w\e[1m1", "w2"]]
      biases: ["b\e[5m1"]
"""

# Any C0 control but the newline and the tab, DEL, any C1 control, a Unicode line break.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")

COMMANDS = [["run"], ["run", "--explain"], ["step", "-n", "2", "--full"],
            ["step", "-n", "2", "--explain"], ["gradcheck"]]
FORMATS = ["table", "markdown", "html", "latex"]


def shown(text: str, fmt: str) -> str:
    """The text as the format's reader sees it (its own escapes undone)."""
    if fmt == "markdown":
        return re.sub(r"\\(.)", r"\1", text)
    if fmt == "latex":
        return text.replace("\\textbackslash{}", "\\").replace("{[}", "[").replace("{]}", "]")
    if fmt == "html":
        return html.unescape(text)
    return text


def assert_visible(text: str, fmt: str = "table") -> None:
    assert not RAW.search(text), RAW.findall(text)
    assert r"\x1b[31mred" in shown(text, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_control_characters_in_names_are_shown_escaped(in_tmp, command, fmt):
    net = write_network(HOSTILE)
    result = invoke(command[0], net, *command[1:], "--format", fmt)
    assert_visible(result.stdout, fmt)
    if "--explain" in command or command[0] == "gradcheck":   # (where the weights are named)
        assert r"w\x1b[1m1" in shown(result.stdout, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_and_in_the_output_file(in_tmp, fmt):
    net = write_network(HOSTILE)
    invoke("run", net, "--explain", "--format", fmt, "-o", "out.txt")
    assert_visible(Path("out.txt").read_text(encoding="utf-8"), fmt)


@pytest.mark.parametrize("values", [[], ["--values"]])
def test_show_draws_them_escaped_and_aligned(in_tmp, values):
    result = invoke("show", write_network(HOSTILE), *values)
    assert_visible(result.stdout)
    box = [line for line in result.stdout.splitlines() if "│" in line or "▶" in line]
    assert any(r"w\x1b[1m1 = 0.15" in line for line in box)
    assert any(r"b\x1b[5m1 = 0.35" in line for line in box)
    # The boxes' right edges line up: the escapes were measured as they are drawn.
    assert len({line.rstrip().rfind("│") for line in box if "from x" in line}) == 1


def test_visible():
    assert visible("plain σ₁ text\twith a tab") == "plain σ₁ text\twith a tab"
    assert visible("a\x1b[2Jb\r\n\x07\x7f\x9b\u2028") == r"a\x1b[2Jb\r\n\x07\x7f\x9b\u2028"
    assert visible(visible("\x1b")) == r"\x1b"          # already visible: unchanged
    assert _one_line("key\x1b[0m\nname") == visible("key\x1b[0m\nname")


@pytest.mark.parametrize("command", [["gradcheck"], ["check", "answers.yaml"]], ids=" ".join)
def test_csv_shows_them_escaped_and_stays_csv(in_tmp, command):
    import csv
    import io
    net = write_network(HOSTILE.replace('"w2"', '"wσ2"'))
    Path("answers.yaml").write_text('"dL/dw\\e[1m1": 0.007\n', encoding="utf-8")
    for out in ([], ["-o", "out.csv"]):
        result = run_cli(command[0], net, *command[1:], "--format", "csv", *out)
        assert "Traceback" not in result.stderr, result.stderr
        text = Path("out.csv").read_text(encoding="utf-8") if out else result.stdout
        assert not RAW.search(text), RAW.findall(text)
        rows = list(csv.reader(io.StringIO(text)))
        assert len({len(row) for row in rows}) == 1          # every row as wide as the head
        names = [row[0] for row in rows[1:]]
        assert names == ([r"w\x1b[1m1", "wσ2", r"b\x1b[5m1"] if command[0] == "gradcheck"
                         else [r"dL/dw\x1b[1m1"])                   # σ stays as it is


def test_the_csv_writer_escapes_every_text_cell():
    import io

    from backcalc.csvout import write
    stream = io.StringIO()
    write(stream, ["na\x1bme", "value"], [["σ\x07\u2028", 0.5], [None, "a,b"]])
    assert stream.getvalue() == 'na\\x1bme,value\nσ\\x07\\u2028,0.5\n,"a,b"\n'


# U+202E RIGHT-TO-LEFT OVERRIDE shows the text after it backwards ("evil\u202etxt.exe"
# reads as "evilexe.txt"); the other format characters (Unicode's Cf) hide text or
# reorder it the same way.  They are escaped as the controls are; text is kept.
FORMAT_CHARACTERS = "\u202e\u202d\u2066\u2067\u2068\u2069\u200b\u200e\u200f\u2060\ufeff\u00ad"
BIDI_NETWORK = """
name: "tricky \\u202Eevil\\u200b name"
description: "a \\u2067hidden\\u2069 one"
input: [0.05, 0.10]
target: [0.01]
loss: half_squared_error
learning_rate: 0.5
layers:
  - activation: sigmoid
    weights: [[0.15, 0.20]]
    biases: [0.35]
    names:
      weights: [["w\\u202E1", "σ2"]]
      biases: ["b\\ufeff1"]
"""


def test_format_characters_are_escaped_and_other_text_kept():
    for ch in FORMAT_CHARACTERS:
        assert visible(f"a{ch}b") == "a" + ch.encode("unicode_escape").decode() + "b"
    kept = "σ₁ é 中文 ‘quote’ a\u200db a\u200cb"      # letters, and the joiners of scripts
    assert visible(kept) == kept


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("command", [["run"], ["step", "-n", "2", "--full"]], ids=" ".join)
def test_format_characters_in_names_are_shown_escaped(in_tmp, command, fmt):
    write_network(BIDI_NETWORK)
    text = shown(invoke(*command, "net.yaml", "--format", fmt).stdout, fmt)
    assert not any(ch in text for ch in FORMAT_CHARACTERS)
    assert r"tricky \u202eevil\u200b name" in text
    assert "σ2" in text or fmt == "latex"              # (LaTeX writes σ as \\sigma)


def test_show_and_error_lines_escape_them(in_tmp):
    write_network(BIDI_NETWORK)
    assert "\u202e" not in invoke("show", "net.yaml").stdout
    Path("net.yaml").write_text(BIDI_NETWORK.replace("0.35]", "0.35, nope\\u202e]"))
    line = invoke("run", "net.yaml", code=2).stderr
    assert "\u202e" not in line
