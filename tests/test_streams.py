"""Standard output and error that cannot take what backcalc writes: a full disk, a closed
stream, an encoding without σ and δ.  Each command ends with its output (spelled in
ASCII where it must) or one line on standard error and exit status 2, never a traceback.

Run as real processes: the streams are the operating system's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from backcalc.streams import spell

COMMANDS = [["--help"], ["run", "mazur"], ["run", "mazur", "--explain"], ["step", "mazur",
            "-n", "2"], ["show", "mazur", "--values"], ["examples"], ["gradcheck", "mazur"],
            ["check", "seed000", "seed000"], ["new", "2-1"], ["schema"], ["run", "--help"]]


def backcalc(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=None, **options):
    environment = {name: value for name, value in os.environ.items()
                   if name not in ("PYTHONIOENCODING", "FORCE_COLOR")}
    environment.update({"COLUMNS": "80", **(env or {})})
    return subprocess.run([sys.executable, "-m", "backcalc", *args], stdout=stdout,
                          stderr=stderr, env=environment, **options)


def only_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text and "Exception" not in text, text
    lines = text.splitlines()
    assert len(lines) == 1, text
    return lines[0]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_full_disk_on_standard_output_is_one_line(in_tmp, args):
    with open("/dev/full", "w") as full:
        done = backcalc(args, stdout=full)
    assert done.returncode == 2
    assert only_line(done.stderr) == ("Error: cannot write to standard output: "
                                      "No space left on device")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_standard_output_is_one_line(in_tmp, args):
    # The child starts with file descriptor 1 closed, as after `>&-`.
    done = backcalc(args, stdout=None, preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    assert only_line(done.stderr) == "Error: cannot write to standard output: it is closed"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["run", "mazur"], ["run", "no-such-network"]], ids=" ".join)
def test_broken_standard_error_too_ends_quietly(in_tmp, args):
    with open("/dev/full", "w") as full:
        done = backcalc(args, stdout=full, stderr=full)
    assert done.returncode == 2
    closed = backcalc(args, stdout=None, stderr=None,
                      preexec_fn=lambda: (os.close(1), os.close(2)))
    assert closed.returncode == 2


STATE_NOTE = ("State after iteration 1 saved to .backcalc/state.yaml; continue with "
              "`backcalc step --iterations N`.")


@pytest.mark.parametrize("closing", ["closed", "full", "broken"])
def test_a_run_written_to_a_file_succeeds_whatever_standard_output_is(in_tmp, closing):
    # The output went to the file and the state was saved: the line saying so, which
    # standard output cannot take, goes to standard error instead, and the run succeeded.
    if closing == "full" and not os.path.exists("/dev/full"):
        pytest.skip("needs /dev/full")
    if closing == "closed":                              # as after `>&-`
        done = backcalc(["run", "mazur", "-o", "out.txt"], stdout=None,
                        preexec_fn=lambda: os.close(1))
    elif closing == "full":
        with open("/dev/full", "w") as full:
            done = backcalc(["run", "mazur", "-o", "out.txt"], stdout=full)
    else:                                                # a reader that went away
        read, write = os.pipe()
        os.close(read)
        done = backcalc(["run", "mazur", "-o", "out.txt"], stdout=write)
        os.close(write)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().splitlines() == ["Wrote out.txt (table).", STATE_NOTE]
    assert "Mazur" in open("out.txt", encoding="utf-8").read()
    assert os.path.exists(".backcalc/state.yaml")


@pytest.mark.parametrize("args, said", [
    (["new", "2-1", "-o", "net.yaml"], "Network written to net.yaml;"),
    (["schema", "-o", "net.schema.json"], "Schema written to net.schema.json;"),
    (["step", "mazur", "-n", "2", "--format", "json", "-o", "out.json"], "Wrote out.json")])
def test_every_line_after_a_file_written_finds_its_way(in_tmp, args, said):
    done = backcalc(args, stdout=None, preexec_fn=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode().startswith(said)
    assert os.path.exists(args[args.index("-o") + 1])


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_output_on_standard_output_that_fails_is_still_a_failure(in_tmp):
    # Not hidden: the tables themselves could not be written, so nothing is saved.
    with open("/dev/full", "w") as full:
        done = backcalc(["run", "mazur"], stdout=full)
    assert done.returncode == 2
    assert only_line(done.stderr) == ("Error: cannot write to standard output: "
                                      "No space left on device")
    assert not os.path.exists(".backcalc")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_an_ascii_standard_output_gets_ascii_spellings(in_tmp, args):
    done = backcalc(args, env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode in (0, 1), done.stderr.decode()   # (check: a wrong answer is 1)
    assert "Traceback" not in done.stderr.decode()
    assert done.stdout.isascii() and done.stderr.isascii()
    assert done.stdout


def test_the_ascii_spellings_are_readable(in_tmp):
    done = backcalc(["run", "mazur", "--explain"], env={"PYTHONIOENCODING": "ascii"})
    text = done.stdout.decode("ascii")
    assert "dL/da" in text and "delta" in text and "sigma'(z)" in text and "x_1" in text


def test_a_pipe_that_closes_early_still_ends_quietly(in_tmp):
    done = subprocess.run(f"{sys.executable} -m backcalc step mazur -n 2000 | head -c 10",
                          shell=True, capture_output=True)
    assert done.stdout and "Traceback" not in done.stderr.decode()


@pytest.mark.parametrize("text, spelled", [
    ("θ ← θ − η∇L", "theta <- theta - eta nabla L"),
    ("z₁⁽¹⁾ = w1·x₁", "z_1^(1) = w1*x_1"),
    ("∂L/∂a₁₂ = Wᵀ·δ …", "dL/da_12 = W^T*delta ..."),
    ("σ′(z) ± Σ λ", "sigma'(z) +/- Sigma lambda"),
    ("é ß", "\\xe9 \\xdf"),
    ("r\udce9port", "r\\xe9port"),        # the byte 0xe9 of a file name that is not UTF-8
])
def test_spellings(text, spelled):
    assert text.encode("ascii", "backcalc-ascii-spelling").decode() == spelled
    assert spell(text).replace("nablaL", "nabla L") == spelled
    if "\udce9" in text:                     # a UTF-8 stream writes it so too, not failing
        assert text.encode("utf-8", "backcalc-ascii-spelling") == spelled.encode()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_error_alone_ends_quietly(in_tmp):
    # "Wrote out.txt" cannot be shown; the run did all it was asked: exit status 0.
    with open("/dev/full", "w") as full:
        done = backcalc(["run", "mazur", "-o", "out.txt"], stderr=full)
        failed = backcalc(["run", "no-such-network"], stderr=full)
    assert done.returncode == 0
    assert done.stdout.decode() == STATE_NOTE + "\n"
    assert os.path.exists("out.txt")
    assert failed.returncode == 2                 # a failure stays one, told or not


def test_a_file_size_limit_on_standard_output_is_one_line(in_tmp):
    resource = pytest.importorskip("resource")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))      # `ulimit -f 1`
    with open("out.txt", "w") as out:
        done = backcalc(["step", "mazur", "-n", "300"], stdout=out, preexec_fn=limit)
    assert done.returncode == 2
    assert only_line(done.stderr) == "Error: cannot write to standard output: File too large"


def test_an_error_line_on_an_ascii_standard_error_keeps_the_file_name_exact(in_tmp):
    done = backcalc(["run", "réseau.yaml"], env={"PYTHONIOENCODING": "ascii"})
    assert done.returncode == 2
    assert only_line(done.stderr).startswith("Error: r\\xe9seau.yaml: ")


# --- a file name that is not UTF-8 -----------------------------------------------------------
# Linux file names are bytes: r\xe9port.txt (Latin-1 é) reaches Python as 'r\udce9port.txt'.
# Every line naming it shows its bytes escaped, as error lines show such names, and no
# stream, strict UTF-8 or ASCII, fails on it.

REPORT = os.fsdecode(b"r\xe9port.txt")
SHOWN = "r\\xe9port.txt"
STRICT = [{"PYTHONIOENCODING": "utf-8"}, {"PYTHONIOENCODING": "ascii"}, {}]


@pytest.mark.parametrize("env", STRICT, ids=["utf-8", "ascii", "locale"])
def test_a_file_name_not_utf8_is_shown_with_its_bytes_escaped(in_tmp, env):
    done = backcalc(["run", "mazur", "-o", REPORT], env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.decode() == f"Wrote {SHOWN} (table).\n"
    assert os.path.exists(os.fsencode(REPORT))
    again = backcalc(["run", "mazur", "-o", REPORT], env=env)
    assert again.returncode == 2
    assert only_line(again.stderr).startswith(f"Error: {SHOWN}: -o would overwrite")


@pytest.mark.parametrize("env", STRICT, ids=["utf-8", "ascii", "locale"])
def test_every_line_naming_it_shows_its_bytes(in_tmp, env):
    saved = backcalc(["run", "mazur", "--save", os.fsdecode(b"n\xe9t.yaml")], env=env)
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.decode().rstrip().endswith("Network saved to n\\xe9t.yaml.")
    made = backcalc(["new", "2-1", "-o", os.fsdecode(b"m\xe9.yaml")], env=env)
    assert made.returncode == 0, made.stderr
    assert made.stdout.decode().startswith("Network written to m\\xe9.yaml;")
    assert "# Then: backcalc run 'm\\xe9.yaml'" in open(b"m\xe9.yaml", encoding="utf-8").read()
    schema = backcalc(["schema", "-o", os.fsdecode(b"s\xe9.json")], env=env)
    assert schema.returncode == 0, schema.stderr
    assert schema.stdout.decode().startswith("Schema written to s\\xe9.json;")
    assert schema.stdout.decode().rstrip().endswith("$schema=s\\xe9.json")


# --- --help of every command ------------------------------------------------------------

def _helps() -> list[list[str]]:
    from backcalc.cli import cli
    return [["--help"]] + [[name, "--help"] for name in sorted(cli.commands)]


@pytest.mark.parametrize("args", _helps(), ids=" ".join)
def test_every_help_survives_any_standard_output(in_tmp, args):
    ascii_ = backcalc(args, env={"PYTHONIOENCODING": "ascii"})
    assert ascii_.returncode == 0, ascii_.stderr
    assert ascii_.stdout.isascii() and b"Usage:" in ascii_.stdout and ascii_.stderr == b""
    closed = backcalc(args, stdout=None, preexec_fn=lambda: os.close(1))
    assert closed.returncode == 2
    assert only_line(closed.stderr) == "Error: cannot write to standard output: it is closed"
    if os.path.exists("/dev/full"):
        with open("/dev/full", "w") as full:
            filled = backcalc(args, stdout=full)
        assert filled.returncode == 2
        assert only_line(filled.stderr) == ("Error: cannot write to standard output: No space "
                                            "left on device")
