"""The name of a file to write (-o, --save, --plot, the state), checked before any work,
for every command alike (held-out red-team run 12):

* a name through a loop of links is one line, whichever option gives it and whichever
  is checked first (``Path.resolve`` raised RuntimeError beside --plot);
* every name the system allows can be written (the temporary file's name is cut to fit:
  a name of 242 to 255 bytes failed after all the work);
* the saved state is never an -o file, whatever the command (check, gradcheck, new and
  schema replaced it with --force);
* a name ending in a slash is a folder's, refused (it made a file of that name).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backcalc.errors import InputError
from backcalc.formats import Choice
from backcalc.places import same_file
from backcalc.savefile import write_file

from helpers import copy_bundled, error_line, invoke, one_error_line

pytestmark = pytest.mark.usefixtures("in_tmp")

STATE = Path(".backcalc/state.yaml")
LOOP_LINE = "Error: {}: cannot write the file: its path is a loop of symbolic links"


# --- a loop of links -------------------------------------------------------------------

@pytest.mark.parametrize("option, name", [("-o", "loop"), ("--save", "loop"),
                                          ("-o", "loop/x.txt"), ("--save", "loop/x.yaml")])
def test_a_loop_beside_plot_is_one_line(option, name):
    pytest.importorskip("matplotlib")
    Path("loop").symlink_to("loop")
    result = invoke("step", "mazur", "-n", "2", "--plot", "p.png", option, name, code=2)
    assert one_error_line(result) == LOOP_LINE.format(name)
    assert not STATE.exists() and not Path("p.png").exists()


def test_a_state_folder_that_loops_beside_plot_is_one_line():
    pytest.importorskip("matplotlib")
    Path(".backcalc").symlink_to(".backcalc")
    line = one_error_line(invoke("step", "mazur", "-n", "2", "--plot", "p.png", code=2))
    assert line.startswith("Error: .backcalc/ is a link (to '.backcalc'); ")


@pytest.mark.parametrize("first, second", [("-o", "--save"), ("--save", "-o")])
def test_a_loop_as_one_output_beside_another(first, second):
    Path("loop").symlink_to("loop")
    names = {first: "loop", second: "fine.yaml"}
    result = invoke("run", "mazur", *[x for pair in names.items() for x in pair], code=2)
    assert one_error_line(result) == LOOP_LINE.format("loop")


def test_same_file_never_raises():
    Path("loop").symlink_to("loop")
    Path("a.txt").write_text("a\n")
    os.link("a.txt", "b.txt")
    assert not same_file("loop", "a.txt") and not same_file("a.txt", "loop")
    assert same_file("loop", "loop")                      # compared as written
    assert same_file("a.txt", "b.txt")                    # two names of one file
    assert same_file("x" * 300, "y") is False             # a name too long
    assert same_file("new.txt", "./new.txt")              # neither exists yet


def test_a_hard_link_of_the_network_is_an_input():
    copy_bundled("mazur", "net.yaml")
    os.link("net.yaml", "other.yaml")
    before = Path("net.yaml").read_bytes()
    line = one_error_line(invoke("run", "net.yaml", "-o", "other.yaml", "--force", code=2))
    assert line == "Error: other.yaml: -o would overwrite an input file; choose another name"
    assert Path("net.yaml").read_bytes() == before


# --- every name the system allows ------------------------------------------------------

LONGEST = 255          # bytes a name may have on the usual file systems (ext4, tmpfs, xfs)


def longest(suffix: str, letter: str = "b") -> str:
    return letter * (LONGEST - len(suffix)) + suffix


@pytest.mark.parametrize("option, name", [("-o", longest(".txt")),
                                          ("--save", longest(".yaml")),
                                          ("--plot", longest(".png"))])
def test_a_name_of_255_bytes_is_written(option, name):
    if option == "--plot":
        pytest.importorskip("matplotlib")
    invoke("step", "mazur", "-n", "2", "-q", option, name)
    assert Path(name).stat().st_size > 0
    assert sorted(os.listdir(".")) == sorted([".backcalc", name])     # no temporary file
    if option == "--save":
        assert "loss after iteration 3 = " in invoke("step", name, "-n", "1", "-q").stdout


def test_a_name_of_255_bytes_of_two_byte_letters_is_written():
    name = "σ" * 125 + ".txt"                # 2 bytes a letter: 254 bytes
    invoke("new", "2-1", "-o", name)
    invoke("schema", "-o", "é" * 125 + ".json")
    assert len(os.listdir(".")) == 2


def test_the_state_of_a_network_named_in_255_bytes_in_a_folder_so_named(monkeypatch):
    folder = Path(longest(""))
    folder.mkdir()
    monkeypatch.chdir(folder)
    network = longest(".yaml", "n")
    copy_bundled("mazur", network)
    invoke("run", network)
    assert "loss after iteration 2 = " in invoke("step", "-q").stdout


def test_the_writer_cuts_only_the_temporary_name(monkeypatch):
    seen = []
    real = os.replace

    def replace(source, target):
        seen.append(os.path.basename(source))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    write_file(Path(longest(".txt")), "text\n", replace=True)
    assert len(seen) == 1 and len(seen[0].encode()) <= LONGEST
    assert seen[0].startswith(".bbb") and seen[0].endswith(".tmp")
    assert Path(longest(".txt")).read_text() == "text\n"


# --- the saved state is never an -o file -------------------------------------------------

STATE_REFUSED = ("Error: {0}: -o would overwrite backcalc's saved state (.backcalc/state.yaml); "
                 "choose another name")


@pytest.mark.parametrize("command", [["check", "mazur", "seed001"], ["gradcheck", "mazur"],
                                     ["new", "2-1"], ["schema"]], ids=lambda c: c[0])
@pytest.mark.parametrize("spelled", [".backcalc/state.yaml", ".backcalc/../.backcalc/state.yaml"])
def test_no_command_writes_its_output_over_the_state(command, spelled):
    invoke("run", "mazur")
    before = STATE.read_bytes()
    result = invoke(*command, "-o", spelled, "--force", code=2)
    assert one_error_line(result) == STATE_REFUSED.format(spelled)
    assert STATE.read_bytes() == before
    assert "loss after iteration 2 = " in invoke("step", "-q").stdout


@pytest.mark.parametrize("command", [["run", "mazur"], ["step", "mazur"]], ids=lambda c: c[0])
def test_run_and_step_still_name_the_state_as_their_own_output(command):
    line = one_error_line(invoke(*command, "-o", ".backcalc/state.yaml", "--force", code=2))
    assert line == ("Error: .backcalc/state.yaml: -o and the state file name the same file; "
                    "give each its own")


def test_new_refuses_the_state_even_before_one_exists():
    line = one_error_line(invoke("new", "2-1", "-o", ".backcalc/state.yaml", code=2))
    assert line == STATE_REFUSED.format(".backcalc/state.yaml")
    assert not Path(".backcalc").exists()


# --- a name ending in a slash --------------------------------------------------------------

@pytest.mark.parametrize("command, option", [
    (["run", "mazur"], "-o"), (["run", "mazur"], "--save"), (["step", "mazur"], "--plot"),
    (["new", "2-1"], "-o"), (["schema"], "-o"), (["gradcheck", "mazur"], "-o")])
@pytest.mark.parametrize("folder_exists", [False, True])
def test_a_name_ending_in_a_slash_is_refused(command, option, folder_exists):
    if folder_exists:
        Path("newdir").mkdir()
    extra = ["--force"] if option != "--save" else []
    result = invoke(*command, option, "newdir/", *extra, code=2)
    assert one_error_line(result) == (f"Error: newdir/: {option} needs a file name, found a "
                                      "folder's name (it ends in /); name the file in it, "
                                      "such as newdir/out")
    assert os.listdir(".") == (["newdir"] if folder_exists else [])
    if folder_exists:
        assert os.listdir("newdir") == []


def test_a_file_named_with_a_slash_is_not_replaced():
    Path("file.txt").write_text("mine\n")
    error_line(invoke("run", "mazur", "-o", "file.txt/", "--force", code=2))
    assert Path("file.txt").read_text() == "mine\n"


def test_the_python_api_refuses_it_too():
    with pytest.raises(InputError, match="ends in /"):
        Choice(path="newdir/")
