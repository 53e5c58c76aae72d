"""`check --format gradescope` and the documented autograder (docs/grade.md).

The answers and their verdicts are derived by hand in tests/test_grade.py (Mazur's
numbers); each test here is worth one point, so the expected scores are counts.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import NETWORKS, error_line, invoke, one_error_line, run_cli

pytestmark = pytest.mark.usefixtures("in_tmp")

DOCS = Path(__file__).resolve().parent.parent / "docs"
SCRIPTS = DOCS / "gradescope"

RIGHT = "z1: [0.3775, 0.3925]\nloss: 0.2984\ndL/dw5: 0.0822\nw5+: 0.3589\n"
FOLLOWS = "z1_1: 0.3825\na1_1: 0.5945\n"        # transposed_weights, then follows
ASKED = "z1_1:\nz1_2: ~\na1_1:\nloss:\ndL/dW2_1_1:\nw5+:\n"


def validate(document: dict) -> None:
    """The structure docs/grade.md documents (Gradescope's results.json)."""
    assert set(document) <= {"score", "max_score", "output", "tests"}, document
    assert isinstance(document["score"], (int, float))
    assert isinstance(document.get("max_score", 0), (int, float))
    assert isinstance(document.get("output", ""), str)
    assert isinstance(document["tests"], list)
    for test in document["tests"]:
        assert set(test) == {"name", "score", "max_score", "status", "output"}, test
        assert isinstance(test["name"], str) and test["name"]
        assert isinstance(test["output"], str) and test["output"]
        assert 0 <= test["score"] <= test["max_score"] == 1.0
        assert test["status"] == ("passed" if test["score"] >= test["max_score"] else "failed")
    if document["tests"]:
        assert document["score"] == sum(t["score"] for t in document["tests"])
        assert document["max_score"] == len(document["tests"])


def gradescope(*args: str, code: int) -> dict:
    document = json.loads(invoke("check", *args, "--format", "gradescope", code=code).stdout)
    validate(document)
    return document


def test_one_test_per_asked_answer_with_the_verdict_and_slip_in_words():
    Path("asked.yaml").write_text(ASKED)
    Path("ben.yaml").write_text(FOLLOWS)
    document = gradescope("mazur", "ben.yaml", "--asked", "asked.yaml",
                          "--follows-credit", "0.5", code=1)
    tests = {t["name"]: t for t in document["tests"]}
    assert list(tests) == ["z1_1", "z1_2", "a1_1", "loss", "dL/dW2_1_1", "w5+"]
    assert (document["score"], document["max_score"]) == (0 + 0.5, 6)   # follows: 0.5
    assert tests["z1_1"]["score"] == 0.0
    assert tests["z1_1"]["output"].startswith("wrong: transposed_weights. z1_1: you wrote "
                                              "0.3825, which is what you get with ")
    assert tests["z1_1"]["output"].endswith("done right it is 0.3775.")
    assert (tests["a1_1"]["score"], tests["a1_1"]["status"]) == (0.5, "failed")
    assert tests["a1_1"]["output"] == "follows from your earlier error"
    for missing in ("z1_2", "loss", "dL/dW2_1_1", "w5+"):
        assert tests[missing] == {"name": missing, "score": 0.0, "max_score": 1.0,
                                  "status": "failed", "output": "missing: not answered"}
    output = document["output"].splitlines()
    assert output[0] == "Score: 0.5 of 6."
    assert output[1] == "2 answers: 0 right, 1 following from an earlier error, 1 wrong."
    assert output[-1] == "Not answered: z1_2, loss, dL/dW2_1_1, w5+."


def test_without_asked_every_answer_given_is_a_test():
    Path("ana.yaml").write_text(RIGHT)
    document = gradescope("mazur", "ana.yaml", code=0)
    assert [t["name"] for t in document["tests"]] == ["z1_1", "z1_2", "loss", "dL/dw5", "w5+"]
    assert (document["score"], document["max_score"]) == (5, 5)
    assert all(t["output"] == "right" for t in document["tests"])


def test_several_iterations_are_named_in_the_tests():
    Path("ana.yaml").write_text("- iteration: 1\n  z1_1: 0.3775\n- iteration: 2\n  w5+: 0.3\n")
    # (w5 after two updates is about 0.32: 0.3 is right to its one decimal)
    names = [t["name"] for t in gradescope("mazur", "ana.yaml", code=0)["tests"]]
    assert names == ["z1_1 (iteration 1, sample 1)", "w5+ (iteration 2)"]


@pytest.mark.parametrize("answers", [b"z1: [0.3775\n", b"\xff\xfe junk", b"zz9: 1\n", None])
def test_an_unreadable_file_still_gets_its_results(answers):
    Path("asked.yaml").write_text(ASKED)
    if answers is not None:
        Path("answers.yaml").write_bytes(answers)
    result = run_cli("check", "mazur", "answers.yaml", "--asked", "asked.yaml",
                     "--format", "gradescope", "-o", "results.json")
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "Wrote results.json (gradescope)."
    assert lines[1].startswith("Error: answers.yaml") and len(lines) == 2
    document = json.loads(Path("results.json").read_text())
    validate(document)
    assert document == {"score": 0.0, "max_score": 6, "output": lines[1], "tests": []}


def test_an_unreadable_file_without_asked_has_no_max_score():
    Path("answers.yaml").write_text("z1: [\n")
    line = error_line(run_cli("check", "mazur", "answers.yaml", "--format", "gradescope"))
    document = json.loads(run_cli("check", "mazur", "answers.yaml", "--format",
                                  "gradescope").stdout)
    assert document == {"score": 0.0, "output": line, "tests": []}


def test_a_refused_output_file_writes_nothing():
    Path("answers.yaml").write_text(RIGHT)
    line = one_error_line(run_cli("check", "mazur", "answers.yaml", "--format", "gradescope",
                                  "-o", "answers.yaml", "--force"))
    assert "would overwrite an input file" in line
    assert Path("answers.yaml").read_text() == RIGHT


def test_asked_and_credit_go_with_gradescope_only():
    Path("ana.yaml").write_text(RIGHT)
    Path("asked.yaml").write_text(ASKED)
    for extra in (["--asked", "asked.yaml"], ["--follows-credit", "0.5"]):
        line = one_error_line(run_cli("check", "mazur", "ana.yaml", *extra))
        assert "go with --format gradescope" in line


# --- the documented autograder -----------------------------------------------------------

def fenced_after(heading: str, text: str) -> str:
    """The first fenced code block after the line ``heading``."""
    rest = text.split(f"\n{heading}\n", 1)[1]
    return re.search(r"```\w*\n(.*?)```", rest, re.S).group(1)


def test_the_docs_show_the_shipped_scripts():
    docs = (DOCS / "grade.md").read_text(encoding="utf-8")
    for name in ("setup.sh", "run_autograder"):
        assert fenced_after(f"`{name}`:", docs) == (SCRIPTS / name).read_text(), name
        assert os.access(SCRIPTS / name, os.X_OK), name


def autograder_root(answers: bytes | None) -> Path:
    root = Path("autograder")
    (root / "source").mkdir(parents=True)
    (root / "submission").mkdir()
    shutil.copy(NETWORKS / "mazur.yaml", root / "source" / "network.yaml")
    (root / "source" / "asked.yaml").write_text(ASKED)
    if answers is not None:
        (root / "submission" / "answers.yaml").write_bytes(answers)
    return root


def backcalc_on_path(folder: Path) -> str:
    """A PATH whose `backcalc` is this Python's backcalc (as setup.sh installs it)."""
    folder.mkdir()
    shim = folder / "backcalc"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m backcalc "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return f"{folder.resolve()}{os.pathsep}{os.environ.get('PATH', '')}"


def run_autograder(root: Path, path: str) -> dict:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PATH": path}
    done = subprocess.run([BASH, str(SCRIPTS / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    document = json.loads((root / "results" / "results.json").read_text())
    validate(document)
    return document


BASH = shutil.which("bash") or "bash"
needs_bash = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@needs_bash
@pytest.mark.parametrize("answers, score, output", [
    (RIGHT.encode(), 5, "Score: 5 of 6."),        # a1_1 not answered
    (FOLLOWS.encode(), 1, "Score: 1 of 6."),      # z1_1 wrong, a1_1 follows (credit 1)
    (b"z1_1: 0,3775\n", 0.0, "Error: answers.yaml:1:7: z1_1: expected a number"),
    (None, 0.0, "Error: answers.yaml: no such file"),
])
def test_the_autograder_always_leaves_results(answers, score, output):
    root = autograder_root(answers)
    document = run_autograder(root, backcalc_on_path(Path("bin")))
    assert document["score"] == score and document["max_score"] == 6
    assert document["output"].startswith(output), document["output"]


@needs_bash
def test_the_autograder_leaves_results_when_backcalc_cannot_run():
    root = autograder_root(RIGHT.encode())
    (root / "results").mkdir()
    (root / "results" / "results.json").write_text('{"score": 6}')     # a stale one
    tools = Path("tools")            # what the script needs besides bash, and no backcalc
    tools.mkdir()
    for tool in ("mkdir", "rm"):
        (tools / tool).symlink_to(shutil.which(tool))
    document = run_autograder(root, str(tools.resolve()))
    assert document["score"] == 0 and document["tests"] == []
    assert document["output"] == ("The autograder could not check this submission "
                                  "(backcalc exit status 127); please tell your teacher.")


@needs_bash
def test_the_autograder_takes_a_file_named_like_an_option():
    # A student's `--help.yaml` is a file to check, not an option of backcalc's.
    root = autograder_root(None)
    (root / "submission" / "--help.yaml").write_text(RIGHT)
    document = run_autograder(root, backcalc_on_path(Path("bin")))
    assert document["score"] == 5 and document["max_score"] == 6     # a1_1 not answered
