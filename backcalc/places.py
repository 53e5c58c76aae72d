"""Where backcalc keeps its state, and whether two names are one file.

Kept light (no NumPy, no YAML): the check of an output's name (``formats.check_target``)
needs both before any work, for every command.
"""

from __future__ import annotations

import os
from pathlib import Path

STATE_DIR = ".backcalc"
STATE_FILE = "state.yaml"
STATE_SHOWN = f"{STATE_DIR}/{STATE_FILE}"      # as messages name it


def state_file() -> Path:
    """The state file of the current folder, as a relative name (no need of the folder's
    own name, which may be gone)."""
    return Path(STATE_DIR) / STATE_FILE


def same_file(one, other) -> bool:
    """Whether ``one`` and ``other`` name the same file: the same file on disk when both
    exist (another hard link to it too), else the same place once links are followed as
    far as they lead.  Never raises: a name the system cannot follow (a loop of links, a
    name too long, a working folder deleted) is compared as written, and refused by the
    check of that name itself (``reading.check_usable_name``)."""
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):
        pass
    try:
        return os.path.realpath(one) == os.path.realpath(other)
    except (OSError, ValueError, RuntimeError):
        return os.path.normpath(one) == os.path.normpath(other)
