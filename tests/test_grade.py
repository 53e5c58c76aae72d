"""`backcalc grade`: a class's answers files, one row per student, and the summary.

Every expected number is derived here by hand from Mazur's published calculation
(tests/test_handworked.py writes it out): x = (0.05, 0.10), w1 w2 / w3 w4 = 0.15 0.20 /
0.25 0.30, b1 = b2 = 0.35, w5 = 0.40, η = 0.5.

    z1_1 = 0.15·0.05 + 0.20·0.10 + 0.35 = 0.3775      z1_2 = 0.25·0.05 + 0.30·0.10 + 0.35 = 0.3925
    a1_1 = σ(0.3775) = 0.593269992                    loss = 0.298371109
    dL/dw5 = 0.082167041                              w5+ = 0.40 − 0.5·0.082167041 = 0.35891648

and each score is plain arithmetic on the verdicts: right and rounding 1, follows the
credit, wrong and missing 0, the mean over the counted answers.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import statistics
from pathlib import Path

import pytest

from helpers import NETWORKS, error_line, invoke, one_error_line, run_cli

pytestmark = pytest.mark.usefixtures("in_tmp")

# Each answer right to the digits written.
RIGHT = "z1: [0.3775, 0.3925]\nloss: 0.2984\ndL/dw5: 0.0822\nw5+: 0.3589\n"
# a1_1 = 0.593269992 cut (not rounded) to 4 decimals: 0.5932, off by 0.00007 > 0.00005.
ROUNDING = "a1_1: 0.5932\n"
# w3 = 0.25 taken for w2: 0.15·0.05 + 0.25·0.10 + 0.35 = 0.3825 (transposed_weights);
# then σ(0.3825) = 0.594476 written 0.5945: right from the student's own wrong z.
FOLLOWS = "z1_1: 0.3825\na1_1: 0.5945\n"
# The step added: 0.40 + 0.5·0.082167041 = 0.44108352 (update_sign).
UPDATE_SIGN = "dL/dw5: 0.0822\nw5+: 0.4411\n"
# The ½ dropped: 2·0.298371109 = 0.596742218 (missing_half).
MISSING_HALF = "loss: 0.5967\n"
# What was asked, in other spellings than the students': dL/dW2_1_1 is w5's gradient,
# z1_1 and z1_2 come in a list z1; the values are left empty.
ASKED = "z1_1:\nz1_2: ~\na1_1:\nloss:\ndL/dW2_1_1:\nw5+:\n"
ASKED_COUNT = 6


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def test_the_hand_values_behind_the_answers():
    # The oracle itself, recomputed: each written answer is what its comment says.
    assert abs(0.15 * 0.05 + 0.20 * 0.10 + 0.35 - 0.3775) < 1e-12
    assert abs(0.15 * 0.05 + 0.25 * 0.10 + 0.35 - 0.3825) < 1e-12
    assert round(sigmoid(0.3825), 4) == 0.5945
    cut = sigmoid(0.3775) - 0.5932        # beyond half a unit of 0.5932, within one: cut
    assert 0.00005 < cut < 0.0001
    assert round(0.40 + 0.5 * 0.082167041, 4) == 0.4411
    assert round(2 * 0.298371109, 4) == 0.5967


def write(name: str, text: str | bytes) -> Path:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def rows_of(*args: str, code: int = 0) -> dict[str, dict]:
    """``backcalc grade ARGS --format json``'s rows, by student."""
    result = invoke("grade", *args, "--format", "json", code=code)
    return {row["student"]: row for row in json.loads(result.stdout)["students"]}


def row(score, right=0, rounding=0, follows=0, wrong=0, missing=0, first_wrong=None,
        slips=(), student=None) -> dict:
    expected = {"score": score, "right": right, "rounding": rounding, "follows": follows,
                "wrong": wrong, "missing": missing, "first_wrong": first_wrong,
                "slips": list(slips), "error": None}
    if student is not None:
        expected["student"] = student
    return expected


def without_student(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "student"}


# --- every kind of row ---------------------------------------------------------------------

def class_folder() -> None:
    write("class/right.yaml", RIGHT)
    write("class/rounding.yaml", ROUNDING)
    write("class/follows.yaml", FOLLOWS)
    write("class/update.yaml", UPDATE_SIGN)
    write("class/half.yml", MISSING_HALF)


def test_rows_over_the_answers_given():
    class_folder()
    rows = rows_of("mazur", "class")
    assert list(rows) == ["follows", "half", "right", "rounding", "update"]   # sorted by name
    got = {name: without_student(r) for name, r in rows.items()}
    assert got["right"] == row(5 / 5, right=5)
    assert got["rounding"] == row(1 / 1, rounding=1)
    # wrong 0 + follows 1 over 2 answers
    assert got["follows"] == row((0 + 1) / 2, follows=1, wrong=1, first_wrong="z1_1",
                                 slips=["transposed_weights"])
    assert got["update"] == row((1 + 0) / 2, right=1, wrong=1, first_wrong="w5+",
                                slips=["update_sign"])
    assert got["half"] == row(0 / 1, wrong=1, first_wrong="loss", slips=["missing_half"])


@pytest.mark.parametrize("credit", [1.0, 0.5, 0.0])
def test_follows_scores_the_credit(credit):
    write("follows.yaml", FOLLOWS)
    rows = rows_of("mazur", "follows.yaml", "--follows-credit", str(credit))
    # z1_1 wrong (0), a1_1 follows (the credit): the mean of the two.
    assert rows["follows"]["score"] == (0 + credit) / 2


def test_rows_over_the_asked_answers():
    class_folder()
    write("asked.yaml", ASKED)
    rows = rows_of("mazur", "class", "--asked", "asked.yaml", "--follows-credit", "0.5")
    got = {name: without_student(r) for name, r in rows.items()}
    # right: z1_1, z1_2 (from the list z1), loss, dL/dw5 (= dL/dW2_1_1), w5+; a1_1 missing
    assert got["right"] == row(5 / ASKED_COUNT, right=5, missing=1)
    assert got["rounding"] == row(1 / ASKED_COUNT, rounding=1, missing=5)
    # z1_1 wrong 0, a1_1 follows 0.5, the other four missing
    assert got["follows"] == row(0.5 / ASKED_COUNT, follows=1, wrong=1, missing=4,
                                 first_wrong="z1_1", slips=["transposed_weights"])
    assert got["update"] == row(1 / ASKED_COUNT, right=1, wrong=1, missing=4,
                                first_wrong="w5+", slips=["update_sign"])
    assert got["half"] == row(0 / ASKED_COUNT, wrong=1, missing=5, first_wrong="loss",
                              slips=["missing_half"])


def test_an_answer_not_asked_is_checked_but_not_counted():
    write("asked.yaml", "w5+:\n")
    # z1_1 is wrong but not asked; w5+ right: 1 of 1.
    write("ben.yaml", "z1_1: 0.3825\nw5+: 0.3589\n")
    assert without_student(rows_of("mazur", "ben.yaml", "--asked", "asked.yaml")["ben"]) \
        == row(1 / 1, right=1)


def test_asked_as_blocks_and_given_as_the_same_values_in_other_keys():
    # Blocks with iteration and sample, as exercise may write them; W2+ and w5+ ask one value.
    write("asked.yaml", "- iteration: 1\n  sample: 1\n  W2+:\n  w5+:\n  dL/dw5: ~\n")
    write("ana.yaml", "w5+: 0.3589\ndL/dW2_1_1: 0.0822\n")
    # W2+ is 4 values (w5+ among them): 4 + dL/dw5 = 5 asked, 2 given and right.
    assert without_student(rows_of("mazur", "ana.yaml", "--asked", "asked.yaml")["ana"]) \
        == row(2 / 5, right=2, missing=3)


def test_asked_keys_are_checked_with_the_usual_line():
    write("ana.yaml", RIGHT)
    write("asked.yaml", "z1_1:\nz9:\n")
    line = one_error_line(run_cli("grade", "mazur", "ana.yaml", "--asked", "asked.yaml"))
    assert line.startswith("Error: asked.yaml:2:")
    assert ": z9: z9 names layer 9" in line


# --- submissions that cannot be read -----------------------------------------------------

ALIAS_BOMB = "".join(f"{name}: &{name} [{', '.join([f'*{before}'] * 10)}]\n"
                     for before, name in zip("abcdef", "bcdefg"))
ALIAS_BOMB = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + ALIAS_BOMB

UNREADABLE = {
    "bad_yaml.yaml": "z1: [0.3775\n",
    "unknown_key.yaml": "zz9: 0.1\n",
    "alias_bomb.yaml": ALIAS_BOMB,
    "tag.yaml": "z1: !!python/object/apply:os.system ['touch pwned']\n",
    "binary.yaml": bytes(range(256)),
    "latin1.yaml": "a1_1: 0.5933 # \xe9\n".encode("latin-1"),
    "empty.yaml": "# nothing\n",
    "wrong_shape.yaml": "z1: [0.3775]\n",
    "twice_disagreeing.yaml": "w5+: 0.3590\nW2+: [[0.3589, 0.4087], [0.5113, 0.5614]]\n",
}


def test_each_unreadable_submission_gets_its_row_and_the_others_are_graded():
    for name, text in UNREADABLE.items():
        write(f"class/{name}", text)
    write("class/huge.yaml", b"#" * (20 * 1024 * 1024 + 1))
    Path("class/folder.yaml").mkdir()
    write("class/zz_right.yaml", RIGHT)
    result = invoke("grade", "mazur", "class", "class/missing.yaml", "--format", "json",
                    code=1)
    rows = {r["student"]: r for r in json.loads(result.stdout)["students"]}
    broken = [Path(n).stem for n in UNREADABLE] + ["huge", "folder", "missing"]
    assert sorted(rows) == sorted(broken + ["zz_right"])
    for student in broken:
        r = rows[student]
        assert r["score"] == 0.0 and r["error"], r
        assert r["error"].startswith(f"class/{student}.yaml"), r
        assert "\n" not in r["error"]
        assert all(r[k] is None for k in ("right", "rounding", "follows", "wrong",
                                          "missing")), r
    assert without_student(rows["zz_right"]) == row(1.0, right=5)
    assert not Path("pwned").exists()                    # the tag was never run
    summary = json.loads(result.stdout)["summary"]
    assert (summary["students"], summary["graded"], summary["unreadable"]) == \
        (len(broken) + 1, 1, len(broken))


def test_an_unreadable_submission_does_not_change_the_others():
    write("a/ana.yaml", RIGHT)
    write("a/ben.yaml", UPDATE_SIGN)
    alone = rows_of("mazur", "a")
    write("a/bad.yaml", ALIAS_BOMB)
    write("a/carl.yaml", b"\xff\xfe\x00junk")
    together = rows_of("mazur", "a", code=1)
    assert together["ana"] == alone["ana"] and together["ben"] == alone["ben"]


# --- per-student networks ----------------------------------------------------------------

def mazur_variant(w1: str) -> str:
    text = (NETWORKS / "mazur.yaml").read_text(encoding="utf-8")
    assert "[[0.15, 0.20]," in text
    return text.replace("[[0.15, 0.20],", f"[[{w1}, 0.20],")


def test_per_student_networks_matched_by_name():
    write("variants/ana.yaml", mazur_variant("0.15"))
    # Ben's w1 = 0.25: z1_1 = 0.25·0.05 + 0.20·0.10 + 0.35 = 0.3825.
    write("variants/ben.yml", mazur_variant("0.25"))
    write("variants/cleo.yaml", mazur_variant("0.35"))       # nobody handed in
    write("variants/dan.yaml", "layers: [\n")                 # a broken network
    write("subs/ana.yaml", "z1_1: 0.3775\n")
    write("subs/ben.yaml", "z1_1: 0.3825\n")
    write("subs/dan.yaml", "z1_1: 0.3775\n")
    write("subs/eve.yaml", "z1_1: 0.3775\n")                 # no network of her own
    result = invoke("grade", "variants", "subs", "--format", "json", code=1)
    document = json.loads(result.stdout)
    rows = {r["student"]: r for r in document["students"]}
    assert without_student(rows["ana"]) == row(1.0, right=1)
    assert without_student(rows["ben"]) == row(1.0, right=1)   # right for his own numbers
    assert rows["dan"]["score"] == 0.0
    assert rows["dan"]["error"].startswith(os.path.join("variants", "dan.yaml") + ":")
    assert rows["eve"]["score"] == 0.0
    assert rows["eve"]["error"] == ("subs/eve.yaml: no network for the student 'eve' in "
                                    "variants (expected variants/eve.yaml)")
    assert document["summary"]["no_submission"] == ["cleo"]
    # The same answer against the one network: Ben's 0.3825 is wrong there.
    assert rows_of("mazur", "subs/ben.yaml")["ben"]["wrong"] == 1


def test_two_networks_for_one_student_are_refused():
    write("variants/ana.yaml", mazur_variant("0.15"))
    write("variants/ana.yml", mazur_variant("0.25"))
    write("subs/ana.yaml", "z1_1: 0.3775\n")
    line = one_error_line(run_cli("grade", "variants", "subs"))
    assert line.startswith("Error: variants/ana.yml: two networks for the student 'ana'")


# --- exact CSV and JSON ------------------------------------------------------------------

def small_class() -> None:
    write("subs/ana.yaml", RIGHT)
    write("subs/ben.yaml", UPDATE_SIGN)
    Path("subs/eve.yaml").mkdir()


def test_csv_exactly():
    small_class()
    out = invoke("grade", "mazur", "subs", "--format", "csv", code=1).stdout
    assert out == (
        "student,score,right,rounding,follows,wrong,missing,first_wrong,slips,error\n"
        f"ana,{5 / 5!r},5,0,0,0,0,,,\n"
        f"ben,{1 / 2!r},1,0,0,1,0,w5+,update_sign,\n"
        "eve,0.0,,,,,,,,\"subs/eve.yaml: is a folder, expected a YAML file\"\n")
    assert list(csv.reader(io.StringIO(out)))[3][-1] == \
        "subs/eve.yaml: is a folder, expected a YAML file"


def test_json_exactly():
    small_class()
    document = json.loads(invoke("grade", "mazur", "subs", "--format", "json",
                                 code=1).stdout)
    assert document == {
        "students": [
            row(5 / 5, right=5, student="ana"),
            row(1 / 2, right=1, wrong=1, first_wrong="w5+", slips=["update_sign"],
                student="ben"),
            {"student": "eve", "score": 0.0, "right": None, "rounding": None,
             "follows": None, "wrong": None, "missing": None, "first_wrong": None,
             "slips": [], "error": "subs/eve.yaml: is a folder, expected a YAML file"},
        ],
        "summary": {"students": 3, "graded": 2, "unreadable": 1,
                    "mean": (1.0 + 0.5) / 2, "median": (1.0 + 0.5) / 2,
                    "slips": [{"slip": "update_sign", "students": 1}]},
    }


@pytest.mark.parametrize("fmt", ["markdown", "html", "latex"])
def test_the_write_up_formats_show_the_rows_and_summary(fmt):
    small_class()
    out = invoke("grade", "mazur", "subs", "--format", fmt, code=1).stdout
    for text in ("ana", "ben", "eve", "update", "not graded", "3 submissions"):
        assert text in out, text


# --- the summary -------------------------------------------------------------------------

def test_summary_numbers():
    write("c/ana.yaml", RIGHT)            # 1
    write("c/ben.yaml", FOLLOWS)          # (0 + 1) / 2
    write("c/fay.yaml", FOLLOWS)          # (0 + 1) / 2
    write("c/gus.yaml", UPDATE_SIGN)      # (1 + 0) / 2
    write("c/hal.yaml", MISSING_HALF)     # 0
    write("c/ida.yaml", ROUNDING)         # 1
    write("c/bad.yaml", "z1: [\n")        # not graded: counted apart
    scores = [1.0, 0.5, 0.5, 0.5, 0.0, 1.0]
    result = invoke("grade", "mazur", "c", "--format", "json", code=1)
    summary = json.loads(result.stdout)["summary"]
    assert summary == {
        "students": 7, "graded": 6, "unreadable": 1,
        "mean": sum(scores) / 6,                       # 3.5 / 6
        "median": (0.5 + 0.5) / 2,                     # sorted: 0, .5, .5, .5, 1, 1
        # most students first; ties in the catalogue's order (missing_half before update_sign)
        "slips": [{"slip": "transposed_weights", "students": 2},
                  {"slip": "missing_half", "students": 1},
                  {"slip": "update_sign", "students": 1}]}
    assert statistics.median(scores) == summary["median"]
    table = invoke("grade", "mazur", "c", code=1, columns=200).stdout
    assert "7 submissions: 6 graded, 1 not graded (score 0)." in table
    assert f"Mean score {round(3.5 / 6, 3)}, median 0.5 (of the 6 graded submissions)." in table
    assert ("Slips most students made: transposed_weights (2 students), missing_half "
            "(1 student), update_sign (1 student).") in table
    assert "Not graded, bad: c/bad.yaml:" in table


# --- exit status and refusals ------------------------------------------------------------

def test_exit_status_0_when_every_submission_is_graded():
    write("ana.yaml", RIGHT)
    write("ben.yaml", MISSING_HALF)            # wrong answers still grade: status 0
    result = invoke("grade", "mazur", "ana.yaml", "ben.yaml", code=0)
    assert result.stderr == ""


@pytest.mark.parametrize("network, expected", [
    ("nothere.yaml", "Error: nothere.yaml: no such file"),
    ("broken.yaml", "Error: broken.yaml:2:1: "),
])
def test_a_bad_network_is_exit_2_with_no_rows(network, expected):
    write("broken.yaml", "layers: [\n")
    write("ana.yaml", RIGHT)
    assert one_error_line(run_cli("grade", network, "ana.yaml")).startswith(expected)


def test_usage_errors_are_exit_2():
    write("a/ana.yaml", RIGHT)
    write("b/ana.yml", RIGHT)
    Path("empty").mkdir()
    line = one_error_line(run_cli("grade", "mazur", "a", "b"))
    assert line.startswith("Error: b/ana.yml: a second submission for the student 'ana' "
                           "(the first is a/ana.yaml)")
    line = one_error_line(run_cli("grade", "mazur", "empty"))
    assert line == "Error: empty: the folder holds no answers files (*.yaml or *.yml)"
    line = one_error_line(run_cli("grade", "empty", "a"))
    assert line == ("Error: empty: the folder holds no network files (*.yaml or *.yml), "
                    "expected one per student")
    for credit in ("1.5", "-0.1", "nan", "inf"):
        line = one_error_line(run_cli("grade", "mazur", "a", "--follows-credit", credit))
        assert "--follows-credit" in line
    one_error_line(run_cli("grade", "mazur"))                       # no submission
    line = one_error_line(run_cli("grade", "mazur", "a", "--asked", "nothere.yaml"))
    assert line == "Error: nothere.yaml: no such file"


def test_the_same_file_named_twice_is_graded_once():
    write("a/ana.yaml", RIGHT)
    assert list(rows_of("mazur", "a", "a/ana.yaml", "a")) == ["ana"]


def test_grade_has_help():
    out = invoke("grade", "--help").stdout
    for option in ("--asked", "--follows-credit", "--tolerance", "--format", "-o"):
        assert option in out


# --- nothing is written into the submissions ---------------------------------------------

def listing(folder: str) -> dict:
    return {str(path): (path.read_bytes() if path.is_file() else None, path.stat().st_mtime_ns)
            for path in sorted(Path(folder).rglob("*"))}


def test_nothing_is_written_in_the_submission_and_network_folders():
    class_folder()
    write("class/bad.yaml", "z1: [\n")
    write("variants/right.yaml", mazur_variant("0.15"))
    write("asked.yaml", ASKED)
    before = listing("class"), listing("variants"), listing(".")
    for fmt in ("table", "csv", "json", "markdown"):
        run_cli("grade", "mazur", "class", "--asked", "asked.yaml", "--format", fmt)
        run_cli("grade", "variants", "class", "--format", fmt)
    assert (listing("class"), listing("variants"), listing(".")) == before


def test_the_output_file_and_its_refusals():
    write("subs/ana.yaml", RIGHT)
    result = invoke("grade", "mazur", "subs", "--format", "csv", "-o", "grades.csv")
    assert result.stdout == ""
    assert Path("grades.csv").read_text().splitlines()[1] == f"ana,{1.0!r},5,0,0,0,0,,,"
    line = error_line(run_cli("grade", "mazur", "subs", "-o", "subs/ana.yaml", "--force"))
    assert "would overwrite an input file" in line
    assert Path("subs/ana.yaml").read_text() == RIGHT


# --- the library -------------------------------------------------------------------------

def test_the_python_api():
    import backcalc
    write("subs/ana.yaml", RIGHT)
    write("subs/ben.yaml", FOLLOWS)
    result = backcalc.grade("mazur", ["subs"], follows_credit=0.5)
    assert [(r.student, r.score) for r in result.rows] == [("ana", 1.0), ("ben", 0.5 / 2)]
    assert result.status == 0 and result.summary.graded == 2


def test_a_submissions_warning_is_written_and_it_is_graded():
    # z1: [0,3] fits two neurons as 0 and 3 (a comma, no space): checked as read, warned.
    write("a/ana.yaml", "z1: [0,3]\n")
    write("a/ben.yaml", RIGHT)
    result = invoke("grade", "mazur", "a", "--format", "csv", code=0)
    assert result.stderr.startswith("Warning: a/ana.yaml:1:6: z1: 0,3 is read as two numbers")
    assert len(result.stderr.splitlines()) == 1
    # 0 and 3 for 0.3775 and 0.3925: both wrong, 0 of 2.
    assert result.stdout.splitlines()[1].startswith("ana,0.0,0,0,0,2,0,z1_1,")


def test_tolerance_accepts_every_answer_within_it():
    write("ben.yaml", "z1_1: 0.3825\n")          # 0.3825 − 0.3775 = 0.005
    assert rows_of("mazur", "ben.yaml")["ben"]["score"] == 0.0
    assert rows_of("mazur", "ben.yaml", "--tolerance", "0.005")["ben"]["score"] == 1.0
    assert rows_of("mazur", "ben.yaml", "--tolerance", "0.004")["ben"]["score"] == 0.0


def test_each_row_is_the_row_the_file_gets_alone():
    class_folder()
    write("class/bad.yaml", ALIAS_BOMB)
    write("asked.yaml", ASKED)
    together = rows_of("mazur", "class", "--asked", "asked.yaml", code=1)
    for path in sorted(Path("class").iterdir()):
        code = 1 if path.stem == "bad" else 0
        alone = rows_of("mazur", str(path), "--asked", "asked.yaml", code=code)
        assert alone == {path.stem: together[path.stem]}


def test_progress_is_one_unit_a_submission():
    import backcalc
    write("a/ana.yaml", RIGHT)
    write("a/ben.yaml", FOLLOWS)
    write("a/cleo.yaml", "z1: [\n")
    heard = []
    backcalc.grade("mazur", "a", progress=lambda done, total: heard.append((done, total)))
    assert heard == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_the_asked_file_in_the_class_folder_is_not_a_student():
    # asked.yaml kept beside the answers is the teacher's: never a row.
    write("class/ana.yaml", RIGHT)
    write("class/asked.yaml", ASKED)
    rows = rows_of("mazur", "class", "--asked", "class/asked.yaml")
    assert list(rows) == ["ana"]
    # ana gave 5 of the 6 asked answers, all right (a1_1 not given): 5/6
    assert rows["ana"]["score"] == pytest.approx(5 / 6)


def test_an_upper_case_extension_is_a_submission_too():
    write("class/ana.YAML", RIGHT)
    write("class/ben.Yml", MISSING_HALF)
    write("class/notes.txt", "not an answers file")
    rows = rows_of("mazur", "class")
    assert list(rows) == ["ana", "ben"]
    assert rows["ana"]["score"] == 1.0 and rows["ben"]["score"] == 0.0


@pytest.mark.parametrize(("score", "shown"), [
    (0.8125, 0.813),          # 13/16: half up, as a teacher rounds (round() gives 0.812)
    (0.0625, 0.063),          # 1/16
    (5 / 6, 0.833),
    (1.0, 1.0),
])
def test_the_table_rounds_scores_half_up(score, shown):
    from backcalc.app.class_grading import _shown_score
    assert _shown_score(score) == shown
