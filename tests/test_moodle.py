"""Moodle XML (backcalc.moodle): the file parses, and Moodle would read back exactly what
was put in.

The oracle is an independent reader written here from Moodle's own Cloze importer
(``qtype_multianswer_extract_question``): its regular expressions for a blank and for one
alternative (the right answer ``=``, a scored one ``%0%``; the answer ends at an ``~``,
``#`` or ``}`` not after a backslash, the feedback at an ``~`` or ``}`` not after a
backslash), its number pattern, and what it does to feedback: HTML entities decoded, then
``\\}`` → ``}`` and ``\\#`` → ``#``, the result stored as HTML.  Every number, tolerance and
sentence is checked through that reader against the values given, never against the
module's own output.
"""

from __future__ import annotations

import html
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from backcalc.moodle import Blank, Question, WrongAnswer, dropped, quiz, table_html

# --- Moodle's Cloze reader, ported -----------------------------------------------------
# Python's look-behind needs a fixed width: Moodle's (?<!\\|&|&amp;) is three look-behinds.
FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
NUMBER = r"-?(([0-9]+[.,]?[0-9]*|[.,][0-9]+)([eE][-+]?[0-9]+)?)"
NUMERICAL = re.compile(f"^({NUMBER})(:{NUMBER})?$", re.S)
BLANK = re.compile(r"\{([0-9]*):(NUMERICAL|NM|MULTICHOICE|MC|SHORTANSWER|SA):"
                   f"({ALTERNATIVE}(~{ALTERNATIVE})*)" r"\}", re.S)
JOIN = "<br>or: "          # how the module lists merged slips' sentences in one feedback


def read_blanks(text: str) -> list[dict]:
    """Each blank as Moodle's importer reads it: weight and alternatives (fraction, value,
    tolerance, the sentences its stored HTML feedback shows)."""
    found = []
    while (blank := BLANK.search(text)):
        assert blank.group(2) == "NUMERICAL"
        alternatives, rest = [], blank.group(3)
        while (alt := re.match("~?" + ALTERNATIVE, rest, re.S)):
            number = NUMERICAL.match(alt.group(3))
            assert number, f"not a Moodle number: {alt.group(3)!r}"
            stored = html.unescape(alt.group(5) or "").replace("\\}", "}").replace("\\#", "#")
            pieces = stored.split(JOIN) if stored else []
            assert all("<" not in piece for piece in pieces), f"markup in feedback: {stored!r}"
            alternatives.append(dict(
                fraction=1.0 if alt.group(1) == "=" else float(alt.group(2)) / 100,
                value=float(number.group(1).replace(",", ".")),
                text=number.group(1),
                tolerance=float(number.group(6)) if number.group(5) else 0.0,
                sentences=[html.unescape(piece) for piece in pieces]))
            rest = rest.split(alt.group(0), 1)[1]
        assert rest == ""
        found.append(dict(weight=int(blank.group(1) or 1), alternatives=alternatives))
        text = text.replace(blank.group(0), f"{{#{len(found)}}}", 1)
    return found


def parse(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text.encode("utf-8"))     # expat refuses anything before <?xml


def clozes(text: str) -> list[ET.Element]:
    return parse(text).findall("question[@type='cloze']")


def question_text(question: ET.Element) -> str:
    element = question.find("questiontext")
    assert element is not None and element.get("format") == "html"
    return element.findtext("text") or ""


# --- data --------------------------------------------------------------------------------

HOSTILE = 'a } b # c ~ d / e " f \\ g ]]> h <b>i</b> & j &amp; \\} \\# \\~ {1:NM:=1} end\\'
TOL = 0.00005              # half a unit of 4 decimals


def variant(name: str = "v01", **changes) -> Question:
    blanks = (
        Blank("z1_1", 0.29837110876000267, TOL, (
            WrongAnswer(0.5967422175200053, "the ½ of ½Σ(y − a)² dropped"),
            WrongAnswer(-0.29837110876000267, "the sign of δ flipped"))),
        Blank("∂L/∂w5", -0.00012, TOL, (WrongAnswer(0.00012, "the update's sign (θ + η·g)"),),
              weight=2),
        Blank("W2+", -1.2e-05, 5e-07, (WrongAnswer(3.5e-06, "1/m forgotten (λ/2m)"),)),
        Blank("loss", 1e16, 0.5, (WrongAnswer(-2.5e16, "big"),)),
    )
    return replace(Question(name, "<p>The network.</p>", blanks), **changes)


# --- the file ------------------------------------------------------------------------------

def test_declaration_first_category_then_one_cloze_per_variant():
    text = quiz([variant(f"v{i:02}") for i in range(1, 4)], category="2-2-1 sigmoid")
    root = parse(text)
    assert root.tag == "quiz"
    questions = list(root)
    assert [q.get("type") for q in questions] == ["category", "cloze", "cloze", "cloze"]
    assert questions[0].findtext("category/text") == "$course$/backcalc/2-2-1 sigmoid"
    for number, question in enumerate(questions[1:], 1):
        assert question.findtext("name/text") == f"v{number:02}"
        assert question.findtext("hidden") == "0"
        assert float(question.findtext("penalty") or "") == pytest.approx(1 / 3, abs=1e-6)
        assert question.find("generalfeedback") is not None
        assert len(read_blanks(question_text(question))) == 4


def test_values_tolerances_and_weights_read_back_exactly():
    (question,) = clozes(quiz([variant()], category="c"))
    blanks = read_blanks(question_text(question))
    given = variant().blanks
    for blank, read in zip(given, blanks):
        right, *slips, dummy = read["alternatives"]
        assert read["weight"] == blank.weight
        assert (right["fraction"], right["value"], right["tolerance"]) == \
            (1.0, blank.value, blank.tolerance)
        assert [(s["fraction"], s["value"], s["tolerance"], s["sentences"]) for s in slips] == \
            [(0.0, w.value, blank.tolerance, [w.feedback]) for w in blank.wrong]
        assert dummy["fraction"] == 0.0 and dummy["sentences"] == []
    # the written text itself: no digit lost, exponent where repr uses one
    texts = [[a["text"] for a in b["alternatives"][:-1]] for b in blanks]
    assert texts[0] == ["0.29837110876000267", "0.5967422175200053", "-0.29837110876000267"]
    assert texts[1] == ["-0.00012", "0.00012"]
    assert texts[2] == ["-1.2e-05", "3.5e-06"]
    assert texts[3] == ["1e+16", "-2.5e+16"]


def test_dummy_answer_far_outside_every_interval_and_one_width_for_all_boxes():
    text = quiz([variant("a"), variant("b", blanks=(Blank("x", 0.5, TOL),))], category="c")
    widths = set()
    for question in clozes(text):
        for blank in read_blanks(question_text(question)):
            *real, dummy = blank["alternatives"]
            assert dummy["tolerance"] == 0.0 and set(dummy["text"].lstrip("-")) == {"9"}
            for alt in real:    # outside, and without an exponent 100 times the value
                assert abs(dummy["value"] - alt["value"]) > 2 * alt["tolerance"]
                assert "e" in alt["text"] or dummy["value"] >= 100 * abs(alt["value"])
            # Moodle sizes a box from its longest answer: the dummy is the longest everywhere
            widths.add(max(len(a["text"]) for a in blank["alternatives"]))
            assert len(dummy["text"]) == max(len(a["text"]) for a in blank["alternatives"])
    assert widths == {len("-0.29837110876000267")}     # the longest number written


def test_a_tolerance_reaching_the_dummy_is_refused():
    # "0.5" is 3 characters, so the dummy is 999999; ±600000 around 0.5 reaches it
    with pytest.raises(ValueError, match="dummy"):
        quiz([variant(blanks=(Blank("x", 0.5, 600000.0),))], category="c")


# --- which slips get an alternative ----------------------------------------------------

def first_match(alternatives: list[dict], response: float) -> dict | None:
    """The alternative Moodle scores ``response`` by: the first whose interval (widened by
    Moodle's 1e-14) holds it."""
    return next((a for a in alternatives
                 if abs(response - a["value"]) <= a["tolerance"] + 1e-14), None)


def half_up(value: float, decimals: int, rounding: str = "ROUND_HALF_UP") -> float:
    """``value`` rounded as a calculator does, worked out here with decimal arithmetic
    (a tie the other way with ``rounding="ROUND_HALF_DOWN"``)."""
    from decimal import Decimal
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding))


def clear_of(alternative: dict, right: dict) -> bool:
    """Whether two closed intervals are apart (not even touching)."""
    return abs(alternative["value"] - right["value"]) > (alternative["tolerance"]
                                                          + right["tolerance"])


def test_a_slip_near_the_right_interval_gets_one_clear_of_it():
    # right 0.1234 ± 0.00005 = [0.12335, 0.12345]; 0.12344 lies in it and 0.12345 on its
    # edge: a response there is scored right, so those two get no alternative.  0.1235 and
    # 0.1233 are outside but a ± 0.00005 box around them would touch it: theirs is cut back
    # to stay clear.  0.12351 ± 0.00005 = [0.12346, 0.12356] is clear as it stands.
    slips = (WrongAnswer(0.12344, "inside"), WrongAnswer(0.12345, "on the edge"),
             WrongAnswer(0.1235, "0.00005 above the edge"), WrongAnswer(0.12351, "apart"),
             WrongAnswer(0.1233, "0.00005 below the edge"))
    question = variant(blanks=(Blank("z", 0.1234, TOL, slips),))
    (blank,) = read_blanks(question_text(clozes(quiz([question], category="c"))[0]))
    right, *kept, _ = blank["alternatives"]
    assert (right["value"], right["tolerance"]) == (0.1234, TOL)
    assert [(d.value, d.feedback) for d in dropped(question)] == [(0.12344, "inside"),
                                                                 (0.12345, "on the edge")]
    assert all("right answer" in d.reason for d in dropped(question))
    assert all(clear_of(alt, right) for alt in kept)
    assert (kept[1]["value"], kept[1]["tolerance"]) == (0.12351, TOL)
    for slip in slips[2:]:
        assert slip.feedback in first_match(blank["alternatives"], slip.value)["sentences"]


def test_only_equal_slips_share_an_alternative_and_the_earlier_of_two_touching_names_both():
    # 0.5 and 0.5 are one value: one alternative naming both.  0.50009 is another value with
    # its own alternative [0.50004, 0.50014], which touches 0.5's [0.49995, 0.50005]: a
    # response of 0.50004 is scored by 0.5's (the first), so that one names "third" too.
    slips = (WrongAnswer(0.5, "first"), WrongAnswer(0.7, "other"),
             WrongAnswer(0.5, "second"), WrongAnswer(0.50009, "third"))
    question = variant(blanks=(Blank("a", 0.1, TOL, slips),))
    (blank,) = read_blanks(question_text(clozes(quiz([question], category="c"))[0]))
    kept = [(a["value"], a["sentences"]) for a in blank["alternatives"][1:-1]]
    assert kept == [(0.5, ["first", "second", "third"]), (0.7, ["other"]),
                    (0.50009, ["third"])]
    assert [(d.value, d.feedback) for d in dropped(question)] == [(0.5, "second")]
    assert "first" in dropped(question)[0].reason


def test_a_slip_a_float_s_hair_from_a_tie_is_matched_rounded_either_way():
    # 0.16154999999999986 is 0.16155 carried in floats: a student writes 0.1615 or 0.1616
    slip = WrongAnswer(0.16154999999999986, "tie")
    question = variant(blanks=(Blank("a", 0.5, TOL, (slip,), decimals=4),))
    (blank,) = read_blanks(question_text(clozes(quiz([question], category="c"))[0]))
    for response in (0.1615, 0.1616, slip.value):
        assert first_match(blank["alternatives"], response)["sentences"] == ["tie"]


def test_every_slip_written_to_the_blank_s_decimals_is_matched_by_its_own_feedback():
    # slips every 0.00001 from 0.9990 to 1.0010 around a right answer of 1.0, written to 4
    # decimals: 0.99996 … 1.00004 (9 values) are written 1.0000, the right answer, and get
    # no alternative; each of the other 192 is matched by one naming it as written (a tie
    # such as 0.99995 rounded either way, 0.9999 or 1.0000, but for the right answer's) and,
    # unless it is on the right interval's edge (0.99995, 1.00005), as it is; no
    # alternative touches the right answer's interval
    slips = tuple(WrongAnswer(round(0.999 + k * 0.00001, 5), f"s{k}") for k in range(201))
    question = variant(blanks=(Blank("a", 1.0, TOL, slips, decimals=4),))
    (blank,) = read_blanks(question_text(clozes(quiz([question], category="c"))[0]))
    right, *kept, _ = blank["alternatives"]
    assert all(clear_of(alt, right) for alt in kept)
    assert len(kept) == 192
    gone = {d.feedback for d in dropped(question)}
    assert gone == {f"s{k}" for k in range(96, 105)}
    for slip in slips:
        ways = {half_up(slip.value, 4), half_up(slip.value, 4, "ROUND_HALF_DOWN")}
        if slip.feedback in gone:
            assert ways == {1.0}
            continue
        exact = [slip.value] if abs(slip.value - 1.0) > TOL + 1e-14 else []
        for response in [*(ways - {1.0}), *exact]:
            match = first_match(blank["alternatives"], response)
            assert match is not right and slip.feedback in match["sentences"], (slip, response)


# --- escaping ------------------------------------------------------------------------------

def test_hostile_text_reads_back_exactly_everywhere():
    question = variant(
        name=HOSTILE, intro_html="<p>intro ]]> more</p>",
        general_feedback_html="<p>done ]]> here</p>",
        blanks=(Blank(HOSTILE, 0.25, TOL, (WrongAnswer(0.75, HOSTILE),
                                          WrongAnswer(-0.75, "plain"))),))
    text = quiz([question], category="week/1 " + HOSTILE)
    root = parse(text)
    (cloze,) = clozes(text)
    assert cloze.findtext("name/text") == HOSTILE
    assert cloze.findtext("generalfeedback/text") == "<p>done ]]> here</p>"
    body = question_text(cloze)
    assert body.startswith("<p>intro ]]> more</p>")
    (blank,) = read_blanks(body)
    assert [(a["value"], a["sentences"]) for a in blank["alternatives"][1:-1]] == \
        [(0.75, [HOSTILE]), (-0.75, ["plain"])]
    # the label: plain text in the HTML, read by Moodle as no blank (one blank found above)
    row = re.search(r"<tr><td>(.*?)</td><td>\{#1\}</td></tr>",
                    body.replace(BLANK.search(body).group(0), "{#1}"), re.S)
    assert row and "<" not in row.group(1) and html.unescape(row.group(1)) == HOSTILE
    # the category: Moodle splits the path at single slashes and turns // back into /
    path = root.findtext("question[@type='category']/category/text") or ""
    names = [n.replace("//", "/").strip() for n in re.split(r"(?<!/)/(?!/)", path)]
    assert names == ["$course$", "backcalc", "week/1 " + HOSTILE.strip()]


def test_intro_text_that_looks_like_a_blank_stays_text():
    intro = "<p>Write {1:NUMERICAL:=5:1} or {#1} here, TeX \\frac{1}{2}.</p>"
    question = variant(intro_html=intro, blanks=(Blank("a", 0.25, TOL),))
    body = question_text(clozes(quiz([question], category="c"))[0])
    assert len(read_blanks(body)) == 1
    shown = body.split("\n<table", 1)[0]
    assert "{#" not in shown and html.unescape(shown) == intro


def test_negative_zero_is_written_as_zero():
    question = variant(blanks=(Blank("a", -0.0, TOL, (WrongAnswer(1.0, "x"),)),))
    (blank,) = read_blanks(question_text(clozes(quiz([question], category="c"))[0]))
    assert blank["alternatives"][0]["text"] == "0.0"


@pytest.mark.parametrize("blank", [
    Blank("a", math.nan, TOL), Blank("a", 1.0, math.inf), Blank("a", 1.0, 0.0),
    Blank("a", 1.0, TOL, (WrongAnswer(math.inf, "x"),)), Blank("a", 1.0, TOL, weight=0)])
def test_what_moodle_cannot_hold_is_refused(blank):
    with pytest.raises(ValueError, match="blank 'a'"):
        quiz([variant(blanks=(blank,))], category="c")


def test_control_characters_and_an_empty_category_are_refused():
    with pytest.raises(ValueError, match="control character"):
        quiz([variant(name="a\x01b")], category="c")
    with pytest.raises(ValueError, match="category"):
        quiz([variant()], category=" ")


def test_table_cells_show_as_written_and_hold_no_blank():
    cells = [["w1", "{1:NM:=1}"], [HOSTILE, "-0.3"]]
    intro = table_html(cells, header=["name", "{#1}"], caption="<weights> & biases")
    question = variant(intro_html=intro, blanks=(Blank("a", 0.25, TOL),))
    body = question_text(clozes(quiz([question], category="c"))[0])
    assert len(read_blanks(body)) == 1
    table = body.split("\n<table class=", 1)[0]
    found = re.findall(r"<(caption|th|td)>(.*?)</\1>", table, re.S)
    assert all("<" not in text and "{" not in text for _, text in found)
    assert [html.unescape(text) for _, text in found] == [
        "<weights> & biases", "name", "{#1}", "w1", "{1:NM:=1}", HOSTILE, "-0.3"]
