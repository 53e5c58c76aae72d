"""Nothing the user wrote is lost: every file backcalc writes (the state, -o, --save,
--plot) goes through one writer (``savefile.write_file``) that never follows a link,
never replaces a device, a pipe or a socket, creates its file exclusively when it must
not replace one (a file that appeared while backcalc worked too), writes atomically,
and writes only what backcalc reads back; and the state advances only once the output
is written."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

import backcalc.app.training
import backcalc.yamlsource
from backcalc.errors import InputError
from backcalc.savefile import write_file

from helpers import NETWORKS, copy_bundled, error_line, invoke, one_error_line

pytestmark = pytest.mark.usefixtures("in_tmp")

STATE = Path(".backcalc/state.yaml")


def state_iteration() -> int:
    from backcalc.netfile import load_network
    return load_network(STATE, max_parameters=10**9).progress.iteration


def files_here() -> dict:
    """Every file and link under the current folder, with what it holds or points to."""
    found = {}
    for folder, folders, files in os.walk("."):
        for name in folders + files:
            path = Path(folder, name)
            if path.is_symlink():
                found[str(path)] = ("link", os.readlink(path))
            elif path.is_file():
                found[str(path)] = ("file", path.read_bytes())
    return found


# --- 1. a link is never followed ---------------------------------------------------------

def test_a_state_file_linked_to_the_network_is_refused_and_the_network_kept():
    copy_bundled("mazur")
    Path(".backcalc").mkdir()
    STATE.symlink_to("../net.yaml")
    before = files_here()
    line = one_error_line(invoke("run", "net.yaml", code=2))
    assert line == ("Error: .backcalc/state.yaml is a link (to '../net.yaml'); backcalc never "
                    "reads or writes its state through a link: remove the link and start "
                    "again with `backcalc run NETWORK`")
    assert files_here() == before
    assert one_error_line(invoke("step", code=2)) == line          # nor read through it
    assert files_here() == before


def test_a_state_folder_linked_elsewhere_is_refused():
    Path("elsewhere").mkdir()
    Path("elsewhere/state.yaml").write_text("my own notes\n")
    Path(".backcalc").symlink_to("elsewhere")
    before = files_here()
    line = one_error_line(invoke("run", "mazur", code=2))
    assert line.startswith("Error: .backcalc/ is a link (to 'elsewhere'); ")
    assert line.endswith("start again with `backcalc run NETWORK`")
    assert files_here() == before
    assert one_error_line(invoke("step", "mazur", "-n", "2", code=2)) == line
    assert files_here() == before


@pytest.mark.parametrize("link, points_to", [
    (".backcalc/state.yaml", "../missing/folders/state.yaml"),
    (".backcalc", "missing/folders"),
])
def test_a_dangling_state_link_creates_nothing(link, points_to):
    Path(".backcalc").mkdir(exist_ok=link != ".backcalc")
    if link == ".backcalc":
        Path(".backcalc").rmdir()
    Path(link).symlink_to(points_to)
    before = files_here()
    line = one_error_line(invoke("run", "mazur", code=2))
    assert " is a link (to " in line
    assert files_here() == before
    assert not Path("missing").exists()


@pytest.mark.parametrize("option", ["-o", "--save", "--plot"])
def test_an_output_that_is_a_link_is_never_written_through_even_with_force(option):
    if option == "--plot":
        pytest.importorskip("matplotlib")
    name = "out.png" if option == "--plot" else "out.yaml"
    Path("mine.txt").write_text("# Saved by backcalc, or so it says\nmy work\n")
    Path(name).symlink_to("mine.txt")
    before = files_here()
    extra = ["--force"] if option != "--save" else []
    line = one_error_line(invoke("step", "mazur", option, name, *extra, code=2))
    assert line == (f"Error: {name}: {option} names a link (to 'mine.txt'); backcalc never "
                    "writes through a link: remove the link or choose another name")
    assert files_here() == before
    assert not STATE.exists()


def test_a_dangling_link_as_output_creates_no_folder():
    Path("out.txt").symlink_to("sub/folder/out.txt")
    line = one_error_line(invoke("run", "mazur", "-o", "out.txt", "--force", code=2))
    assert "-o names a link (to 'sub/folder/out.txt')" in line
    assert not Path("sub").exists()


def test_a_dangling_link_as_an_outputs_folder_creates_nothing():
    Path("sub").symlink_to("missing/folder")
    result = invoke("run", "mazur", "-o", "sub/out.txt", code=2)
    assert error_line(result) == "Error: sub/out.txt: cannot write the file: sub is not a folder"
    assert not Path("missing").exists() and not STATE.exists()


def test_the_writer_refuses_a_link_put_there_after_the_checks():
    Path("mine.txt").write_text("mine\n")
    Path("out.txt").symlink_to("mine.txt")
    for replace in (True, False):
        with pytest.raises(InputError, match="names a link"):
            write_file(Path("out.txt"), "theirs\n", replace=replace)
    assert Path("mine.txt").read_text() == "mine\n"
    assert os.readlink("out.txt") == "mine.txt"


# --- 2. a file that appeared while backcalc worked is not replaced -------------------------

@pytest.fixture
def appearing(monkeypatch):
    """Files to create the moment training ends (after every check, before any writing)."""
    files: dict[str, str] = {}

    def after_training(original):
        def trained(*args, **kwargs):
            outcome = original(*args, **kwargs)
            for name, text in files.items():
                Path(name).write_text(text)
            return outcome
        return trained

    for name in ("train", "train_untraced"):
        monkeypatch.setattr(backcalc.app.training, name,
                            after_training(getattr(backcalc.app.training, name)))
    return files


def test_an_output_created_during_the_run_is_not_replaced(appearing):
    invoke("run", "mazur")
    state = STATE.read_bytes()
    appearing["report.txt"] = "written meanwhile\n"
    result = invoke("step", "-n", "200", "--quiet", "-o", "report.txt", code=2)
    assert error_line(result) == ("Error: report.txt: -o would overwrite an existing file; "
                                  "choose a new name, or add --force to replace it")
    assert Path("report.txt").read_text() == "written meanwhile\n"
    assert STATE.read_bytes() == state       # (6) the output failed: the state did not advance
    assert [p.name for p in Path(".").iterdir() if p.name.startswith(".report")] == []


def test_two_runs_with_the_same_output_the_second_refuses():
    invoke("run", "mazur", "-o", "report.txt")
    first = Path("report.txt").read_bytes()
    result = invoke("run", "mazur", "-o", "report.txt", code=2)
    assert "-o would overwrite an existing file" in one_error_line(result)
    assert Path("report.txt").read_bytes() == first


def test_a_save_file_created_during_the_run_is_not_replaced(appearing):
    appearing["copy.yaml"] = "my network\n"
    result = invoke("step", "mazur", "-n", "3", "--save", "copy.yaml", code=2)
    assert error_line(result).startswith("Error: copy.yaml: --save would overwrite a file "
                                         "backcalc did not write")
    assert Path("copy.yaml").read_text() == "my network\n"


def test_a_plot_created_during_the_run_is_not_replaced(appearing):
    pytest.importorskip("matplotlib")
    appearing["loss.png"] = "my picture\n"
    result = invoke("step", "mazur", "-n", "3", "-q", "--plot", "loss.png", code=2)
    assert error_line(result) == ("Error: loss.png: --plot would overwrite an existing file; "
                                  "choose a new name, or add --force to replace it; the state "
                                  "after iteration 3 is saved")
    assert Path("loss.png").read_text() == "my picture\n"


def test_with_force_the_file_created_meanwhile_is_replaced(appearing):
    appearing["report.txt"] = "written meanwhile\n"
    invoke("run", "mazur", "--format", "json", "-o", "report.txt", "--force")
    assert json.loads(Path("report.txt").read_text())


def test_exclusive_creation_without_hard_links(monkeypatch):
    # A file system without hard links: an empty file created exclusively, then replaced.
    def no_links(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_links)
    write_file(Path("new.txt"), "text\n", replace=False)
    assert Path("new.txt").read_text() == "text\n"
    with pytest.raises(InputError, match="would overwrite an existing file"):
        write_file(Path("new.txt"), "other\n", replace=False)
    assert Path("new.txt").read_text() == "text\n"
    assert sorted(os.listdir(".")) == ["new.txt"]


# --- 3. --plot is written atomically ---------------------------------------------------------

def test_a_plot_that_cannot_be_written_leaves_the_old_one(monkeypatch):
    pytest.importorskip("matplotlib")
    import matplotlib.figure
    Path("loss.png").write_bytes(b"\x89PNG old picture")

    def disk_full(self, target, **kwargs):
        target.write(b"\x89PNG half of ")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", disk_full)
    result = invoke("step", "mazur", "-n", "3", "-q", "--plot", "loss.png", "--force", code=2)
    assert error_line(result) == ("Error: loss.png: cannot write the file (No space left on "
                                  "device); the state after iteration 3 is saved")
    assert Path("loss.png").read_bytes() == b"\x89PNG old picture"
    assert sorted(p.name for p in Path(".").iterdir()) == [".backcalc", "loss.png"]


def test_a_plot_replaced_with_force_is_a_whole_png():
    pytest.importorskip("matplotlib")
    Path("loss.png").write_bytes(b"old")
    invoke("step", "mazur", "-n", "3", "-q", "--plot", "loss.png", "--force")
    assert Path("loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- 4. only a regular file is ever replaced ---------------------------------------------------

@pytest.mark.parametrize("option", ["-o", "--plot", "--save"])
def test_force_never_replaces_a_fifo(option):
    if option == "--plot":
        pytest.importorskip("matplotlib")
    name = "pipe.png" if option == "--plot" else "pipe"
    os.mkfifo(name)
    extra = ["--force"] if option != "--save" else []
    line = one_error_line(invoke("step", "mazur", option, name, *extra, code=2))
    assert line == (f"Error: {name}: {option} needs a regular file, found something else (a "
                    "device, a pipe or a socket)")
    assert stat.S_ISFIFO(os.lstat(name).st_mode)


def test_force_never_replaces_a_device():
    # A device node of the test's own (as root, a broken backcalc would replace the
    # system's /dev/null itself: never name it here).
    try:
        os.mknod("null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here (not root)")
    line = one_error_line(invoke("run", "mazur", "-o", "null", "--force", code=2))
    assert line == ("Error: null: -o needs a regular file, found something else (a "
                    "device, a pipe or a socket)")
    assert stat.S_ISCHR(os.lstat("null").st_mode)


def test_the_writer_refuses_a_special_file_put_there_after_the_checks():
    os.mkfifo("pipe")
    with pytest.raises(InputError, match="needs a regular file"):
        write_file(Path("pipe"), "text\n", replace=True)
    assert stat.S_ISFIFO(os.lstat("pipe").st_mode)


def test_a_state_that_is_not_a_regular_file_is_refused():
    Path(".backcalc/state.yaml").mkdir(parents=True)
    line = one_error_line(invoke("run", "mazur", code=2))
    assert line.startswith("Error: .backcalc/state.yaml is not a regular file")
    Path(".backcalc/state.yaml").rmdir()
    Path(".backcalc").rmdir()
    Path(".backcalc").write_text("mine\n")
    line = one_error_line(invoke("run", "mazur", code=2))
    assert line.startswith("Error: .backcalc/ is not a folder")
    assert Path(".backcalc").read_text() == "mine\n"


# --- 5. what backcalc saves, it reads back -----------------------------------------------------

def adam_network(inputs: int, hidden: int) -> str:
    doc = {"input": [0.5] * inputs, "target": 0.5, "loss": "mse", "learning_rate": 0.01,
           "optimizer": {"name": "adam"},
           "layers": [{"activation": "tanh",
                       "weights": [[0.01 * ((i + j) % 7 - 3) for i in range(inputs)]
                                   for j in range(hidden)], "biases": 0.0},
                      {"activation": "sigmoid", "weights": [0.01] * hidden, "biases": 0.0}]}
    Path("big.yaml").write_text(json.dumps(doc))
    return "big.yaml"


def test_a_state_over_the_input_limit_is_read_back(monkeypatch):
    # As a 320k-parameter Adam network's state crosses 20 MiB: the network file fits the
    # limit, the state backcalc writes (parameters and two moments each) does not.
    name = adam_network(inputs=20, hidden=10)
    limit = Path(name).stat().st_size + 100
    monkeypatch.setattr(backcalc.yamlsource, "MAX_FILE_BYTES", limit)
    invoke("step", name, "-n", "2", "-q", "--save", "saved.yaml")
    assert STATE.stat().st_size > limit and Path("saved.yaml").stat().st_size > limit
    assert "loss after iteration 3 = " in invoke("step", "-q").stdout
    assert "loss after iteration 3 = " in invoke("step", "saved.yaml", "-q").stdout
    assert state_iteration() == 3


def test_a_file_of_the_users_over_the_limit_is_still_refused(monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "MAX_FILE_BYTES", 100)
    Path("net.yaml").write_text("# Saved by someone else\n" + "#\n" * 100)
    line = one_error_line(invoke("run", "net.yaml", code=2))
    assert line == ("Error: net.yaml: the file is larger than the limit of 100 bytes (is it "
                    "a network file?)")


def test_a_saved_file_over_its_own_limit_is_refused_when_read(monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(backcalc.yamlsource, "MAX_SAVED_FILE_BYTES", 200)
    Path("net.yaml").write_text("# Saved by backcalc after iteration 1.\n" + "#\n" * 200)
    line = one_error_line(invoke("run", "net.yaml", code=2))
    assert line == ("Error: net.yaml: the file is larger than the limit of 200 bytes (is it "
                    "a network file?)")


def test_a_state_backcalc_could_not_read_back_is_not_written(monkeypatch):
    invoke("run", "mazur")
    state = STATE.read_bytes()
    name = adam_network(inputs=20, hidden=10)
    monkeypatch.setattr(backcalc.yamlsource, "MAX_SAVED_FILE_BYTES",
                        Path(name).stat().st_size + 100)
    result = invoke("step", name, "-n", "2", "-q", code=2)
    assert error_line(result).startswith("Error: .backcalc/state.yaml: the saved network would "
                                         "be larger than the ")
    assert STATE.read_bytes() == state


def test_a_state_over_the_input_value_limit_is_read_back(monkeypatch):
    # As a 784-1000-10 Adam network's state holds 2.4 M values (each parameter and its two
    # moments), over the 2,000,000 a network file may hold: the network file fits the
    # value limit, the state does not, and `step` read it back as "damaged".
    name = adam_network(inputs=20, hidden=10)
    parameters = 20 * 10 + 10 + 10 + 1
    limit = parameters + 50          # the file: each parameter, its lists and its keys
    monkeypatch.setattr(backcalc.yamlsource, "MAX_VALUES", limit)
    invoke("step", name, "-n", "2", "-q", "--save", "saved.yaml")
    assert values_in(STATE) > 3 * parameters > limit       # each parameter and its 2 moments
    assert "loss after iteration 3 = " in invoke("step", "-q").stdout
    assert "loss after iteration 3 = " in invoke("step", "saved.yaml", "-q").stdout
    assert state_iteration() == 3


def values_in(path: Path) -> int:
    """Every scalar, list, mapping and key of a YAML file, counted independently."""
    import yaml

    def count(value) -> int:
        if isinstance(value, dict):
            return 1 + sum(1 + count(item) for item in value.values())
        if isinstance(value, list):
            return 1 + sum(count(item) for item in value)
        return 1
    return count(yaml.safe_load(path.read_text()))


def test_a_users_file_over_the_value_limit_is_still_refused(monkeypatch):
    monkeypatch.setattr(backcalc.yamlsource, "MAX_VALUES", 100)
    adam_network(inputs=20, hidden=10)
    text = Path("big.yaml").read_text()
    Path("big.yaml").write_text("# Saved by someone else\n" + text)
    line = one_error_line(invoke("run", "big.yaml", code=2))
    assert "document too large: " in line and "the limit of 100 " in line


def test_a_state_with_more_values_than_backcalc_reads_back_is_not_written(monkeypatch):
    invoke("run", "mazur")
    state = STATE.read_bytes()
    name = adam_network(inputs=20, hidden=10)
    monkeypatch.setattr(backcalc.yamlsource, "MAX_SAVED_VALUES", 300)
    result = invoke("step", name, "-n", "2", "-q", code=2)
    assert error_line(result) == ("Error: .backcalc/state.yaml: the saved network would hold "
                                  "more than the 300 values backcalc reads back; it was not "
                                  "written")
    assert STATE.read_bytes() == state


def test_the_saved_value_limit_covers_the_largest_network_by_default():
    # per parameter: its value, its name, two Adam moments, a list each at most; and the
    # samples a network file may hold
    from backcalc.limits import MAX_PARAMETERS
    assert backcalc.yamlsource.MAX_SAVED_VALUES >= 8 * MAX_PARAMETERS + \
        backcalc.yamlsource.MAX_VALUES


# --- 6. the state advances only once the output is written ----------------------------------

def test_an_output_that_cannot_be_written_leaves_the_state(monkeypatch):
    import backcalc.terminal
    invoke("run", "mazur")
    state = STATE.read_bytes()

    def cannot_write(output, choice):
        raise InputError("cannot write the output (No space left on device)")
    monkeypatch.setattr(backcalc.terminal, "write", cannot_write)
    for args in (["run", "mazur"], ["step", "-n", "3"], ["step", "-n", "3", "-q"]):
        result = invoke(*args, "--save", "copy.yaml", code=2)
        assert error_line(result) == "Error: cannot write the output (No space left on device)"
        assert STATE.read_bytes() == state
        assert not Path("copy.yaml").exists()


def test_the_state_is_saved_after_the_output_is_written(monkeypatch):
    import backcalc.terminal
    seen = []
    original = backcalc.terminal.write

    def write(output, choice):
        seen.append(STATE.exists())
        original(output, choice)
    monkeypatch.setattr(backcalc.terminal, "write", write)
    invoke("run", "mazur")
    assert seen == [False] and state_iteration() == 1


def test_bundled_network_file_untouched():
    before = (NETWORKS / "mazur.yaml").read_bytes()
    invoke("run", "mazur")
    assert (NETWORKS / "mazur.yaml").read_bytes() == before


# --- matplotlib keeps its log lines to itself ------------------------------------------------

def unwritable_home() -> dict:
    """An environment where matplotlib can write no configuration folder: HOME and
    MPLCONFIGDIR a file (not a folder: root may write anywhere)."""
    Path("home").write_text("not a folder\n")
    env = {key: value for key, value in os.environ.items()
           if key not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    return {**env, "HOME": str(Path("home").absolute()),
            "MPLCONFIGDIR": str(Path("home").absolute())}


@pytest.mark.parametrize("plot, status, lines", [("p.png", 0, ["Loss curve drawn in p.png."]),
                                                 ("p.txt", 2, None)])
def test_plot_prints_no_matplotlib_warning_on_stderr(plot, status, lines):
    # matplotlib logs two warnings when it cannot make its configuration folder; with no
    # logging set up Python printed them before backcalc's own line.  A new process: the
    # folder is chosen when matplotlib is first imported.
    pytest.importorskip("matplotlib")
    import subprocess
    import sys

    import backcalc
    package_folder = str(Path(backcalc.__file__).parent.parent)
    env = {**unwritable_home(), "PYTHONPATH": package_folder}
    done = subprocess.run([sys.executable, "-m", "backcalc", "step", "mazur", "-n", "3",
                           "--plot", plot], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == status, done.stderr
    if lines is None:
        assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: p.txt: --plot")
    else:                                   # (no line but backcalc's own notes)
        assert "matplotlib" not in done.stderr.lower() and "mkdir" not in done.stderr
        assert len(done.stderr.splitlines()) <= len(lines)
