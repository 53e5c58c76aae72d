"""Reading the user's files: every file the system will not give (a FIFO, a loop of links, a
name too long or not UTF-8, a working folder deleted, no permission) and every value the
parser cannot hold ends in one line naming the file, exit status 2, never a traceback
and never a hang; and deciding whether backcalc wrote a file reads only its first bytes.
"""

from __future__ import annotations

import builtins
import os
import re
from pathlib import Path

import pytest

from backcalc import reading
from backcalc.savefile import SAVED_MARK

from helpers import copy_bundled, error_line, invoke, one_error_line, run_cli

pytestmark = pytest.mark.usefixtures("in_tmp")

LONG_NAME = "n" * 300 + ".yaml"          # over the 255 bytes a name most file systems allow


def _loop(name: str = "loop.yaml") -> str:
    os.symlink(name + ".other", name)
    os.symlink(name, name + ".other")
    return name


# --- values the parser could not hold ----------------------------------------------------

def test_a_bool_tag_on_a_word_that_is_no_bool_is_one_line():
    net = copy_bundled("mazur")
    text = re.sub(r"(?m)^update_biases:.*$", "update_biases: !!bool maybe",
                  net.read_text(encoding="utf-8"))
    net.write_text(text, encoding="utf-8")
    line = one_error_line(run_cli("run", "net.yaml"))    # was: KeyError
    assert line.startswith("Error: net.yaml:")
    assert "update_biases: cannot read 'maybe' as a bool" in line


@pytest.mark.parametrize("value", ["!!int _", "!!int 0o", "!!float ''", "!!int -0o",
                                   "0x" + "f" * 5000, "!!int " + "1:" * 3000 + "1"])
def test_a_number_pyyaml_cannot_construct_is_one_line(value):
    """PyYAML's constructor fails on these (IndexError, ValueError; str() of an int of
    more than 4,300 digits): backcalc names the field instead."""
    net = copy_bundled("mazur")
    net.write_text(re.sub(r"(?m)^learning_rate:.*$", f"learning_rate: {value}",
                          net.read_text(encoding="utf-8")), encoding="utf-8")
    line = one_error_line(run_cli("run", "net.yaml"))
    assert line.startswith("Error: net.yaml:11:16: learning_rate: expected a decimal number, "
                           "found ")


@pytest.mark.parametrize("written", ["0.0e400", "1.5e-" + "1" * 5000, "0.0e" + "9" * 5000])
def test_an_answer_with_an_exponent_beyond_float_range_is_checked(written):
    """0.0e400 is 0.0 but its unit 1e399 overflowed (OverflowError); an exponent of
    5,000 digits overflowed int() (ValueError)."""
    Path("answers.yaml").write_text(f"z1_1: {written}\n", encoding="utf-8")
    result = run_cli("check", "mazur", "answers.yaml")
    assert result.exit_code in (0, 1), (result.output, result.exception)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("key", ["z1" + "1" * 5000 + "_1", "z1_" + "1" * 5000,
                                 "w1_" + "1" * 5000 + "_1", "b" + "1" * 5000])
def test_an_answer_key_with_thousands_of_digits_is_one_line(key):
    """int() of more than 4,300 digits raised ValueError."""
    Path("answers.yaml").write_text(f"? {key}\n: 0.5\n", encoding="utf-8")
    line = one_error_line(run_cli("check", "mazur", "answers.yaml"))
    assert line.startswith("Error: answers.yaml:2:3: ")
    assert "digits)" in line or "unknown answer" in line


# --- files the system will not give ------------------------------------------------------

def test_a_fifo_as_the_network_or_answers_is_refused_without_waiting():
    os.mkfifo("pipe.yaml")
    line = one_error_line(run_cli("run", "pipe.yaml"))
    assert line == "Error: pipe.yaml: expected a regular file, found a named pipe (FIFO)"
    line = one_error_line(run_cli("check", "mazur", "pipe.yaml"))
    assert line == "Error: pipe.yaml: expected a regular file, found a named pipe (FIFO)"


def test_a_fifo_as_the_state_is_refused_without_waiting():
    Path(".backcalc").mkdir()
    os.mkfifo(".backcalc/state.yaml")
    line = one_error_line(run_cli("step", "-n", "1"))
    # The state's place is checked before it is opened (app/state.py check_state_place).
    assert line.startswith("Error: .backcalc/state.yaml is not a regular file")


def test_a_loop_of_links_as_the_state_is_named():
    Path(".backcalc").mkdir()
    os.symlink("other.yaml", ".backcalc/state.yaml")
    os.symlink("state.yaml", ".backcalc/other.yaml")
    line = one_error_line(run_cli("step", "-n", "1"))
    # A state that is a link is refused before it is followed (check_state_place).
    assert line.startswith("Error: .backcalc/state.yaml is a link (to 'other.yaml')")


@pytest.mark.parametrize("command", [["run", "{}"], ["check", "mazur", "{}"]])
def test_a_loop_of_links_as_an_input_is_named(command):
    name = _loop()
    line = one_error_line(run_cli(*[part.format(name) for part in command]))
    assert line == f"Error: {name}: cannot read the file: its path is a loop of symbolic links"


@pytest.mark.parametrize("option", ["-o", "--save"])
def test_a_loop_of_links_as_an_output_is_named(option):
    copy_bundled("mazur")
    name = _loop("out")
    line = one_error_line(run_cli("run", "net.yaml", option, name))
    assert line == f"Error: {name}: cannot write the file: its path is a loop of symbolic links"


@pytest.mark.parametrize("command", [["run", "{}"], ["check", "mazur", "{}"],
                                     ["run", "net.yaml", "-o", "{}"],
                                     ["run", "net.yaml", "--save", "{}"]])
def test_a_file_name_too_long_is_one_line(command):
    copy_bundled("mazur")
    before = Path("net.yaml").read_bytes()
    line = one_error_line(run_cli(*[part.format(LONG_NAME) for part in command]))
    assert line.startswith(f"Error: {LONG_NAME}: cannot ")
    assert line.endswith("its name is too long for the file system (most allow 255 bytes "
                         "a name)")
    assert Path("net.yaml").read_bytes() == before


def test_a_file_name_not_utf8_is_read_and_the_state_saved():
    """Python keeps the byte 0xFF as a lone surrogate, which the state's YAML could not hold
    (UnicodeEncodeError): the name is shown as \\xff."""
    name = os.fsdecode(b"net\xff.yaml")
    Path(name).write_bytes((Path(copy_bundled("mazur"))).read_bytes())
    invoke("run", name)
    state = Path(".backcalc/state.yaml").read_text(encoding="utf-8")
    assert state.startswith(f"{SAVED_MARK} after iteration 1 of net\\xff.yaml.")
    invoke("step", "-n", "1")


def test_a_missing_file_not_utf8_is_named_as_text():
    name = os.fsdecode(b"gone\xfe.yaml")
    assert one_error_line(run_cli("run", name)) == "Error: gone\\xfe.yaml: no such file"


@pytest.mark.parametrize("command", [["run", "mazur"], ["step", "-n", "1"],
                                     ["step", "mazur", "-n", "1"]])
def test_a_deleted_working_folder_is_one_line(command, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    os.chdir(gone)                     # in_tmp's monkeypatch.chdir restores the folder after
    gone.rmdir()
    line = error_line(run_cli(*command))
    assert line.startswith("Error: .backcalc/state.yaml: cannot find the current folder")


def test_a_state_unreadable_for_permissions_says_so(monkeypatch):
    invoke("run", "mazur")
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if str(path).endswith("state.yaml"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(reading.os, "open", refuse)
    line = one_error_line(run_cli("step", "-n", "1"))
    assert line.startswith("Error: the saved state cannot be read (.backcalc/state.yaml: "
                           "cannot read the file (Permission denied))")
    assert "not a state backcalc wrote" not in line


# --- sizes checked before reading --------------------------------------------------------

def test_save_onto_a_large_file_reads_only_its_first_bytes(monkeypatch):
    copy_bundled("mazur")
    Path("big.yaml").write_bytes(b"x" * 100_000)
    sizes = []
    real_open = builtins.open

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

        def read(self, size=-1):
            sizes.append(size)
            return self.handle.read(size)

        def readline(self, size=-1):
            sizes.append(-1)
            return self.handle.readline(size)

    def counting_open(path, *args, **kwargs):
        handle = real_open(path, *args, **kwargs)
        return Counting(handle) if str(path).endswith("big.yaml") else handle

    monkeypatch.setattr(builtins, "open", counting_open)
    line = one_error_line(run_cli("run", "net.yaml", "--save", "big.yaml"))
    assert "--save would overwrite a file backcalc did not write" in line
    assert sizes and all(0 <= size <= len(SAVED_MARK.encode()) for size in sizes), sizes


def test_an_input_larger_than_the_limit_is_refused_before_reading(monkeypatch):
    monkeypatch.setattr("backcalc.yamlsource.MAX_FILE_BYTES", 1000)
    Path("big.yaml").write_bytes(b"#" * 5000)
    real_fdopen = os.fdopen

    class Unread:
        """The opened file; reading it would be a failure of the size check."""

        def __init__(self, handle):
            self.handle = handle

        def fileno(self):
            return self.handle.fileno()

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

        def read(self, size=-1):
            # Of a file over the limit only the saved mark's bytes may be read (to tell a
            # large state backcalc wrote from anything else); never the whole file.
            if size == -1 or size > len(SAVED_MARK):
                raise AssertionError("read before its size was checked")
            return self.handle.read(size)

        def seek(self, offset):
            return self.handle.seek(offset)

    monkeypatch.setattr(reading.os, "fdopen", lambda *a, **k: Unread(real_fdopen(*a, **k)))
    line = one_error_line(run_cli("run", "big.yaml"))
    assert "the file is larger than the limit" in line
