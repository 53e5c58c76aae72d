"""The Python API in a notebook: results display themselves (``_repr_html_`` through the
html format, ``_repr_markdown_`` as a fallback), and ``check`` takes its answers as a
dict as well as a file."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

import backcalc
from backcalc import app
from backcalc.app.answer_check import answers_text
from backcalc.app.display import SCOPE, notebook_html
from backcalc.cli import cli
from backcalc.errors import InputError
from backcalc.formats import Choice
from backcalc.render_html import STYLE


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def command(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


# --- the reprs ----------------------------------------------------------------------

@pytest.mark.parametrize("make", [lambda: backcalc.run("mazur"),
                                  lambda: backcalc.step("xor-batch", iterations=30),
                                  lambda: backcalc.check_gradients("mazur"),
                                  lambda: backcalc.check_answers("seed000", "seed000")])
def test_results_show_themselves_as_html_in_a_notebook(make):
    result = make()
    html = result._repr_html_()
    assert html.startswith(f'<div class="{SCOPE}">') and html.rstrip().endswith("</div>")
    parser = Tags()
    parser.feed(html)
    assert "table" in parser.tags and not {"html", "head", "body"} & set(parser.tags)
    # The page's body, as the html format writes it.
    page = result.render("html")
    body = page[page.index("<body>") + len("<body>\n"):page.index("</body>")]
    assert body in html


def test_the_notebook_style_stays_inside_the_result():
    html = backcalc.run("mazur")._repr_html_()
    style = html[html.index("<style>") + 7:html.index("</style>")]
    rules = re.findall(r"([^{}]+)\{", style)
    assert rules and all(selector.strip().startswith(f".{SCOPE}")
                         for rule in rules for selector in rule.split(","))
    assert "body" not in style and "max-width: 110em" in style    # body's rule, on the div
    assert len(rules) == STYLE.count("{")


def test_the_markdown_fallback_is_the_markdown_format():
    result = backcalc.run("mazur")
    assert result._repr_markdown_() == command("run", "mazur", "--format", "markdown")
    assert "0.593269992" in result._repr_markdown_()


def test_the_chosen_precision_and_rows_carry_into_the_notebook():
    result = backcalc.run("mazur", choice=Choice(precision=3))
    assert "0.593" in result._repr_markdown_() and "0.593269992" not in result._repr_markdown_()
    assert result._repr_markdown_() == command("run", "mazur", "--format", "markdown",
                                               "--precision", "3")


def test_notebook_html_of_something_else_is_left_alone():
    assert notebook_html("<p>x</p>") == "<p>x</p>"


def test_the_other_results_show_themselves_too():
    drawing = backcalc.show("mazur")
    assert drawing._repr_html_().startswith("<pre>") and "w5" in drawing._repr_html_()
    assert drawing._repr_markdown_().startswith("```text\n")
    assert "| mazur |" in app.examples()._repr_markdown_()
    assert backcalc.new("2-1")._repr_markdown_().startswith("```yaml\n")
    assert app.schema()._repr_markdown_().startswith("```json\n")


# --- check with a dict of answers ----------------------------------------------------

def test_check_takes_a_dict_as_an_answers_file(tmp_path):
    answers = {"a2": [0.7514, 0.7729], "w5+": 0.34, "loss": 0.2984}
    (tmp_path / "answers.yaml").write_text("a2: [0.7514, 0.7729]\nw5+: 0.34\nloss: 0.2984\n")
    given = backcalc.check_answers("mazur", answers)
    filed = backcalc.check_answers("mazur", "answers.yaml")
    assert given.status == filed.status == 1
    verdicts = [(r.key, r.verdict, r.answer.given, r.answer.unit) for r in given.check.results]
    assert verdicts == [(r.key, r.verdict, r.answer.given, r.answer.unit)
                        for r in filed.check.results]
    assert [v[1] for v in verdicts] == ["right", "right", "right", "wrong"]
    assert given.check.first_wrong.key == "w5+"
    assert "Checking the answers given against" in given.output.title


def test_a_dict_answer_keeps_the_digits_of_a_string():
    loose = backcalc.check_answers("mazur", {"w5+": 0.359}).check.results[0]
    strict = backcalc.check_answers("mazur", {"w5+": "0.35900"}).check.results[0]
    assert loose.answer.unit == 0.001 and loose.verdict == "right"
    assert strict.answer.unit == pytest.approx(1e-5) and strict.verdict != "right"


def test_blocks_as_a_list_of_dicts():
    result = backcalc.check_answers("mazur", [{"loss": 0.2984},
                                              {"iteration": 2, "loss": 0.2910}])
    assert [(r.key, r.quantity.iteration, r.verdict) for r in result.check.results] == [
        ("loss", 1, "right"), ("loss", 2, "right")]


def test_a_wrong_key_in_a_dict_is_one_clear_error():
    with pytest.raises(InputError) as error:
        backcalc.check_answers("mazur", {"zz9": 1.0})
    assert str(error.value).startswith("the answers given:1:8: zz9: unknown answer")


def test_answers_text_writes_numbers_as_given():
    import numpy as np
    assert answers_text({"a2": np.array([0.25, 1e-05]), "w5+": 1, "x": "0.50", "y": "oops",
                         "z": float("inf")}) == (
        '"a2": [0.25, 1e-05]\n"w5+": 1\n"x": 0.50\n"y": "oops"\n"z": "inf"\n')


def test_the_python_api_documents_examples_that_run():
    from pathlib import Path
    text = (Path(__file__).parent.parent / "docs" / "python-api.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(block, namespace)
    assert namespace["later"].run.final.loss == pytest.approx(0.0197881430, abs=1e-10)
    assert namespace["result"].check.first_wrong.key == "w5+"
