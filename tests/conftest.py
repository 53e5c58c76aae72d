"""Shared pytest configuration: the ``in_tmp`` fixture and the hypothesis profiles of the
fuzz tests (tests/test_fuzz.py).

``in_tmp`` runs a test in its own empty folder (pytest's ``tmp_path``), so the
``.backcalc/`` state and the files a test writes never leak between tests.  A file whose
tests all need it says ``pytestmark = pytest.mark.usefixtures("in_tmp")``.  It is not
autouse: hypothesis refuses function-scoped fixtures on its tests (test_fuzz.py makes a
fresh folder per example instead).  The functions many files share (running the CLI,
writing a network file, ...) are in tests/helpers.py.

Hypothesis profiles:

* ``ci`` (the default): 15 examples per test (the broken-file tests take at least 40),
  so the whole fuzz file runs in about 12 seconds.  Derandomized: every run tries the
  same examples, so a red CI run is never a fluke of the draw and is reproduced by simply
  running it again (and no example database is written); new ground is explored by the
  thorough profile.
* ``thorough``: 2,000 examples per test, freshly random on each run (a failure found is
  replayed from the local ``.hypothesis/`` database until it is fixed).  Choose it with
  the environment variable ``BACKCALC_FUZZ``::

      BACKCALC_FUZZ=thorough python -m pytest tests/test_fuzz.py --hypothesis-show-statistics

Both profiles have no deadline: a CLI run's time varies with the machine and with what
else is running, and a slow example is not a wrong one.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import settings

# tests/ on sys.path for `from helpers import ...` under any --import-mode; the default
# (prepend) puts it there itself, --import-mode=importlib does not.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile("ci", max_examples=15, deadline=None, derandomize=True,
                          database=None, print_blob=True)
settings.register_profile("thorough", max_examples=2000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("BACKCALC_FUZZ", "ci"))


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run the test in its own empty folder; the folder's path."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Fail a test that leaves `.backcalc/` in the folder pytest runs from (the checkout):
    a command run there saves its state beside the project's own files.  (A hook, not an
    autouse fixture, so that hypothesis's tests take it too.)"""
    state = Path(item.config.invocation_params.dir) / ".backcalc"
    existed = state.exists()
    yield
    if not existed and state.exists():
        shutil.rmtree(state, ignore_errors=True)
        pytest.fail(f"{item.nodeid} wrote {state}: run its commands in a folder of its own "
                    "(the in_tmp fixture)", pytrace=False)
