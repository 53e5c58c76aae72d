"""Where `run` and `step` keep the network between commands: ``.backcalc/state.yaml``.

The policy, in one place: `run` and `step` save the network after their last update
to the state file in the current folder (and first to ``--save PATH``, so that a
refused --save leaves the state where it was); a run that stopped before changing
anything keeps the old state; `step` with no NETWORK continues from the state, which
must be a file backcalc wrote and still readable — a damaged one (backcalc's mark,
unreadable now) is told apart from a foreign one (someone else's file there).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from ..engine import Outcome
from ..errors import BackcalcError, InputError, LimitError, StateError
from ..graph import Graph
from ..limits import MAX_PARAMETERS
from ..network import Network
from ..places import STATE_DIR, STATE_FILE, STATE_SHOWN
from ..reading import UnreadableFile, read_head
from ..savefile import SAVED_MARK, save_network
from .inputs import read_input

SHOWN = STATE_SHOWN      # as messages name it


def state_path(folder: Path | None = None) -> Path:
    return (folder or _working_folder()) / STATE_DIR / STATE_FILE


def _working_folder() -> Path:
    try:
        return Path.cwd()
    except OSError as exc:                 # the folder was deleted (or moved away) under us
        raise StateError(f"{SHOWN}: cannot find the current folder ({exc.strerror}; was it "
                         "deleted?); change to an existing folder and try again") from None


def check_state_place(folder: Path | None = None) -> None:
    """Refuse a state folder or file that is a link (even a dangling one: never
    followed, no folder made through it) or not what it should be, in one line saying
    what is there and how to start afresh."""
    where = (folder or _working_folder()) / STATE_DIR
    for path, shown, folder_wanted in ((where, f"{STATE_DIR}/", True),
                                      (where / STATE_FILE, SHOWN, False)):
        try:
            mode = os.lstat(path).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StateError(f"cannot look at {shown} ({exc.strerror or exc})") from None
        if stat.S_ISLNK(mode):
            raise StateError(f"{shown} is a link ({_link_text(path)}); backcalc never reads "
                             f"or writes its state through a link: remove the link and start "
                             f"again with `backcalc run NETWORK`")
        if folder_wanted and not stat.S_ISDIR(mode):
            raise StateError(f"{shown} is not a folder, where backcalc keeps its state; "
                             f"remove it and start again with `backcalc run NETWORK`")
        if not folder_wanted and not stat.S_ISREG(mode):
            raise StateError(f"{shown} is not a regular file (a folder, a device or a pipe); "
                             f"delete {STATE_DIR}/ and start again with `backcalc run NETWORK`")


def _link_text(path: Path) -> str:
    try:
        return f"to {os.readlink(path)!r}"
    except OSError:
        return "unreadable"


def load_state(max_parameters: int = MAX_PARAMETERS) -> Network | Graph:
    """The network (or computational graph) the last `run` or `step` in this folder saved."""
    check_state_place()
    path = state_path()
    if not path.exists() and not path.is_symlink():   # a link (a loop) is named when read
        raise StateError(f"no saved state in {SHOWN}: start with `backcalc run NETWORK` "
                         "or `backcalc step NETWORK --iterations N`")
    try:
        net = read_input(path, SHOWN, max_parameters)
    except LimitError:
        raise
    except UnreadableFile as error:        # permissions, a FIFO: not a verdict on its contents
        raise StateError(f"the saved state cannot be read ({error}); check {SHOWN}, or delete "
                         f"{STATE_DIR}/ and start again with `backcalc run NETWORK`") from None
    except InputError as error:
        what = "damaged" if written_by_backcalc(path) else "not a state backcalc wrote"
        raise StateError(f"the saved state is {what} ({error}); delete {STATE_DIR}/ and start "
                         "again with `backcalc run NETWORK`") from None
    net.source_path = path
    return net


def written_by_backcalc(path: Path) -> bool:
    mark = SAVED_MARK.encode()
    return read_head(path, len(mark)) == mark     # never blocks on a FIFO


@dataclass
class Saved:
    """What saving a run did: the line saying so, or why it failed (None: nothing saved),
    and what was written all the same (``written``: "the state after iteration 3 is
    saved", for an error line to say)."""

    message: str | None = None
    problem: BackcalcError | None = None
    written: list[str] = field(default_factory=list)

    def told(self) -> str:
        """What was written, as the rest of an error line ("" when nothing was)."""
        return "; ".join(self.written)


def save_run(outcome: Outcome, before: Network, save_path: Path | None,
             state: bool = True) -> Saved:
    """Write --save, then the state (``state``; not advanced if --save fails); a failure
    is kept, not raised, so that the results are still shown, and what was written
    before it is kept too."""
    progressed = outcome.trained.progress.iteration > before.progress.iteration
    if not progressed and outcome.stopped:   # a run that did nothing keeps the old state
        return Saved()
    trained = outcome.trained
    iteration = trained.progress.iteration
    saved = Saved()
    try:
        if save_path is not None:
            save_network(trained, save_path)
            saved.written.append(f"the network after iteration {iteration} is saved to "
                                 f"{save_path}")
        if state:
            check_state_place()
            save_network(trained, Path(SHOWN), state=True)  # (relative: as messages name it)
            saved.written.insert(0, f"the state after iteration {iteration} is saved")
    except BackcalcError as error:
        saved.problem = error
        return saved
    message = []
    if state:
        message.append(f"State after iteration {iteration} saved to {SHOWN}; "
                       "continue with `backcalc step --iterations N`.")
    if save_path is not None:
        message.append(f"Network saved to {save_path}.")
    saved.message = " ".join(message) or None
    return saved
