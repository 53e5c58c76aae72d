"""An exercise's question sheet and answer key, in Markdown, LaTeX or HTML.

``sheet`` is the question: the network as a figure (``exercise_figure``: inline SVG
in HTML, LaTeX's core ``picture`` in LaTeX; ``backcalc show``'s drawing in Markdown)
and as tables (the conventions, every weight, bias, input and target), what to compute
(each asked key in words) and the answers file to fill in (the keys, no numbers).  No
value the student is asked for is written in it.

``key`` is the worked solution: the document of ``backcalc run --explain`` (every
table of the iteration, then every value with its formula and numbers), then the asked
keys with their values rounded to the exercise's answer decimals.

Both are built as a ``document`` and drawn by the format's own renderer
(``formats.FORMATS``), so every piece of text is escaped as everywhere else; the
pieces no renderer draws (the figure, the answers file) are drawn here, per format,
and put in the place a marker paragraph holds.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from html import escape as html_escape

from .conventions import conventions
from .document import Cell, Section, Table, visible
from .drawing import MAX_NEURONS as DRAWING_NEURONS, drawing
from .errors import InputError
from .exercise_asked import Asked, describe, resolve, template
from .exercise_figure import input_name, layout, picture, svg, target_name
from .formats import FORMATS as ALL_FORMATS, Choice, Output
from .network import Network
from .numbers import DEFAULT_PRECISION, round_half_up

FORMATS = ("markdown", "latex", "html")
EXTENSIONS = {"markdown": "md", "latex": "tex", "html": "html"}
MARKDOWN_WIDTH = 100     # show's drawing, in a Markdown sheet, at most this many columns

READING = ("Each edge carries its weight (name = value) into the neuron it enters; "
           "a neuron's bias is written under it; z = Σ w·input + b, a = f(z).")

DRAWING_READING = ("Each ▶ is a weight into its neuron (name = value), from the value it "
                   "multiplies; z = Σ w·input + b, a = f(z).")


def sheet(network: Network, asked: list[dict], *, fmt: str, title: str,
          answer_decimals: int | None = None) -> str:
    """The question: the network as a figure and as tables, what to compute, and how
    answers are written (an answers-file template with the asked keys and no numbers).
    No answer value appears.  With ``answer_decimals`` the task says to give each value
    to that many decimals (as the key rounds them)."""
    _check_format(fmt)
    items = resolve(network, asked)
    raw: dict[str, Callable[[str], str]] = {}
    sections = [Section(title, [[f"Network: {network.title}"],
                                [_task(items) + _decimals(answer_decimals)]]),
                Section("The network", [[_marker(raw, lambda f: _figure(network, f))]]),
                Section("The network as tables", [], _tables(network)),
                Section("What to compute", [], [_to_compute(network, items)]),
                Section("Your answers file",
                        [["Copy this into a file, write each number after its key, and "
                          "check it with backcalc check NETWORK ANSWERS. Each number is "
                          "judged to the last digit you write"
                          + (": write the decimals you carry." if answer_decimals is None
                             else ".")]]),
                Section("Answers file", [[_marker(raw, lambda f: _code(template(asked), f))]],
                        level=2)]
    return _render(sections, fmt, title, raw)


def key(network: Network, asked: list[dict], *, fmt: str, title: str,
        answer_decimals: int) -> str:
    """The worked solution (``--explain``: every step with its numbers), then the final
    value of every asked key, rounded to ``answer_decimals``."""
    _check_format(fmt)
    items = resolve(network, asked)
    from .engine import train
    from .explain import Selection, explain_sections
    from .report import run_report, step_report
    first = network.progress.iteration + 1
    iterations = max(item.answer.iteration or first for item in items) - first + 1
    run = train(network, iterations)
    rate = run.trained.learning_rate

    def after(step) -> list[Section]:
        return explain_sections(run, step, Selection())
    worked = (run_report(run, rate, after) if iterations == 1 else
              step_report(run, rate, iterations, full=True, quiet=False, after_step=after))
    sections = [Section(title, [[f"Answer key: network {network.title}"]])] + worked
    sections.append(Section("Answers", [[f"Rounded to {answer_decimals} decimals."]],
                            [_answers(network, items, answer_decimals)]))
    return _render(sections, fmt, title, {})


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise InputError(f"expected a format of {', '.join(FORMATS)}, found {fmt!r}",
                         field="format")


# --- the sheet's parts ---------------------------------------------------------------

def _decimals(answer_decimals: int | None) -> str:
    if answer_decimals is None:
        return ""
    return (f" Give each value to {answer_decimals} decimal"
            f"{'s' if answer_decimals != 1 else ''} (rounded half away from zero, as a "
            "calculator rounds; the answer key gives them so), carrying more in between.")

def _task(items: list[Asked]) -> str:
    count = len(items)
    return (f"Work out by hand the {count} value{'s' if count != 1 else ''} listed under "
            "\"What to compute\" for this network, with the conventions in its table: "
            "forward pass, loss, backward pass, gradients, update.")


def _tables(net: Network) -> list[Table]:
    tables = [conventions(net)]
    by_neuron = net.weight_rows == "neurons"
    base = net.index_base
    for index, layer in enumerate(net.layers):
        # In the file's orientation, as the answers file's W2_1_2 counts rows and columns.
        row_word, col_word = ("neuron", "input") if by_neuron else ("input", "neuron")
        rows_count, cols_count = (layer.size, layer.inputs) if by_neuron else \
            (layer.inputs, layer.size)
        rows: list[list[Cell]] = []
        for r in range(rows_count):
            cells: list[Cell] = [f"{row_word} {r + base}"]
            for c in range(cols_count):
                j, i = (r, c) if by_neuron else (c, r)
                cells.append((net.weight_label(index, j, i), float(layer.weights[j, i])))
            rows.append(cells)
        columns = [f"{row_word} \\ {col_word}"] + [f"{col_word} {c + base}"
                                                    for c in range(cols_count)]
        tables.append(Table(f"Layer {index + 1} weights ({layer.activation.named()})",
                            columns, rows))
        biases: list[list[Cell]] = (
            [["every neuron (shared)", (net.bias_label(index, 0), float(layer.biases[0]))]]
            if layer.shared_bias else
            [[f"neuron {j + base}", (net.bias_label(index, j), float(layer.biases[j]))]
             for j in range(layer.size)])
        tables.append(Table(f"Layer {index + 1} biases", ["neuron", "bias"], biases))
    sample = net.samples[0]
    columns = ["sample"] + [input_name(net, i) for i in range(len(sample.input))] + [
        target_name(net, j) for j in range(len(sample.target))]
    samples: list[list[Cell]] = [
        [str(s + 1), *(float(v) for v in one.input), *(float(v) for v in one.target)]
        for s, one in enumerate(net.samples)]
    tables.append(Table("Inputs x and targets y", columns, samples))
    masks = _masks(net)
    return tables + ([masks] if masks else [])


def _masks(net: Network) -> Table | None:
    """Dropout's masks, given in the file: a row per sample, a column per dropout layer."""
    layers = [(index, layer.dropout) for index, layer in enumerate(net.layers)
              if layer.dropout is not None]
    if not layers:
        return None
    rows: list[list[Cell]] = [
        [str(s + 1), *([float(m) for m in dropout.masks[s]] for _, dropout in layers)]
        for s in range(len(net.samples))]
    return Table("Dropout masks m", ["sample"] + [f"layer {index + 1}" for index, _ in layers],
                 rows, ["; ".join(f"layer {index + 1}: {dropout.formula()}"
                                  for index, dropout in layers)])


def _to_compute(net: Network, items: list[Asked]) -> Table:
    columns, cells = _where(net, items)
    words = {"sample": lambda cell: "all samples" if cell == "all" else f"sample {cell}",
             "iteration": lambda cell: f"iteration {cell}"}
    rows = [[item.key, describe(net, item) + "".join(
        f"; {words[column](cell)}" for column, cell in zip(columns, where))]
        for item, where in zip(items, cells)]
    return Table("What to compute", ["key", "what it is"], rows, prose=True)


def _where(net: Network, items: list[Asked]) -> tuple[list[str], list[list[Cell]]]:
    """The sample and iteration columns, where the exercise has more than one of them."""
    columns: list[str] = []
    cells: list[list[Cell]] = [[] for _ in items]
    if len(net.samples) > 1:
        columns.append("sample")
        online = net.update == "online"       # a sample's step: its update too
        for row, item in zip(cells, items):
            row.append(str(item.answer.sample + 1) if item.answer.per_sample or online
                       else "all")
    first = net.progress.iteration + 1
    if any((item.answer.iteration or first) != first for item in items):
        columns.append("iteration")
        for row, item in zip(cells, items):
            row.append(str(item.answer.iteration or first))
    return columns, cells


def _answers(net: Network, items: list[Asked], decimals: int) -> Table:
    columns, cells = _where(net, items)
    rows = [[item.key, *where, item.quantity.symbol,
             f"{round_half_up(item.value, decimals):.{decimals}f}"]
            for item, where in zip(items, cells)]
    return Table("Answers", ["key", *columns, "quantity", "value"], rows)


# --- the figure, per format ----------------------------------------------------------

def _figure(net: Network, fmt: str) -> str:
    if fmt == "markdown":
        return _markdown_figure(net)
    from .render_latex import text as latex_text
    figure = layout(net)
    if figure is None:
        return _paragraph(_too_large(net), fmt)
    drawn = (svg(figure, f"The network {visible(net.title)}") if fmt == "html"
             else picture(figure, latex_text))
    if fmt == "html":
        return f"<figure>\n{drawn}\n</figure>\n" + _paragraph(READING, fmt)
    return drawn + "\n\n" + _paragraph(READING, fmt)


def _markdown_figure(net: Network) -> str:
    sizes = [len(net.samples[0].input)] + [layer.size for layer in net.layers]
    lines = drawing(net, None, 1, DEFAULT_PRECISION) if max(sizes) <= DRAWING_NEURONS else []
    if not lines or max(len(line) for line in lines) > MARKDOWN_WIDTH:
        return _paragraph(_too_large(net), "markdown")
    note = DRAWING_READING if len(net.samples) == 1 else (
        DRAWING_READING + " The drawing shows sample 1's input and target; the table of inputs "
        "and targets gives every sample's.")
    return _code("\n".join(lines), "markdown", "text") + "\n" + _paragraph(note, "markdown")


def _too_large(net: Network) -> str:
    return (f"The network is too large for a readable figure (its {net.parameter_count} "
            "weights and biases would not fit on its edges): the tables below give every "
            "weight, bias, input and target.")


def _paragraph(text: str, fmt: str) -> str:
    from .render_latex import text as latex_text
    from .render_markdown import escape as markdown_escape
    writers = {"markdown": lambda t: markdown_escape(visible(t)) + "\n",
               "html": lambda t: f"<p>{html_escape(visible(t))}</p>",
               "latex": latex_text}
    return writers[fmt](text)


def _code(text: str, fmt: str, language: str = "yaml") -> str:
    """Text shown as written, in a monospaced block."""
    if fmt == "markdown":
        fence = "`" * max(3, _longest_run(text, "`") + 1)
        return f"{fence}{language}\n{text.rstrip()}\n{fence}\n"
    if fmt == "html":
        lines = [html_escape(visible(line)) for line in text.rstrip().split("\n")]
        return "<pre>" + "\n".join(lines) + "</pre>"
    from .render_latex import text as latex_text
    lines = []
    for line in text.rstrip().split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        lines.append((f"\\hspace*{{{indent / 2:g}em}}" if indent else "")
                     + (latex_text(line.lstrip(" ")) or "~"))
    return "{\\ttfamily\\small\n" + " \\\\\n".join(lines) + "\\par}"


def _longest_run(text: str, ch: str) -> int:
    longest = run = 0
    for c in text:
        run = run + 1 if c == ch else 0
        longest = max(longest, run)
    return longest


# --- drawing the document --------------------------------------------------------------

def _marker(raw: dict, draw: Callable[[str], str]) -> str:
    """A paragraph standing for a part the renderer does not draw (``draw(fmt)``)."""
    marker = f"BACKCALCPART{len(raw)}X"
    raw[marker] = draw
    return marker


_RENDERED = {"markdown": "{}\n", "html": "<p>{}</p>", "latex": "{}"}
"""A marker's paragraph as each renderer writes it."""


def _render(sections: list[Section], fmt: str, title: str,
            raw: dict[str, Callable[[str], str]]) -> str:
    buffer = io.StringIO()
    output = Output(title, lambda: sections, _no_document, _no_document)
    ALL_FORMATS[fmt].write(output, Choice(format=fmt, precision=DEFAULT_PRECISION,
                                          max_rows=None), buffer)
    text = buffer.getvalue()
    if fmt == "latex":        # the figure's white label boxes (the required color package)
        text = text.replace("\\begin{document}", "\\usepackage{color}\n\\begin{document}", 1)
    for marker, draw in raw.items():
        paragraph = _RENDERED[fmt].format(marker)
        # A marker is unique: made of letters no renderer changes, and placed once; a
        # title that holds it is escaped where it stands, never in a paragraph of its own.
        at = _own_paragraph(text, paragraph, fmt)
        text = text[:at] + draw(fmt) + text[at + len(paragraph):]
    return text


def _own_paragraph(text: str, paragraph: str, fmt: str) -> int:
    """Where the marker's paragraph stands alone (the user's text may hold its letters)."""
    before = {"markdown": "\n\n", "html": "\n", "latex": "\n\n"}[fmt]
    after = {"markdown": "", "html": "\n", "latex": "\n"}[fmt]
    at = text.find(before + paragraph + after)
    if at < 0:
        raise AssertionError(f"the {fmt} renderer did not keep the marker {paragraph!r}")
    return at + len(before)


def _no_document():
    raise InputError("an exercise sheet is a document to read: markdown, latex or html")

