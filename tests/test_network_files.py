"""Reading network files: numbers YAML would misread, and nesting that would crash its reader.

A number too large for a float, an integer in one of YAML 1.1's other forms (010, 1:30,
0x10) and lists nested 100,000 deep are each refused with exit status 2 (one line where
the test reads it), never read as some other number, answered with a traceback, or a
crash of the YAML library.  The catalogue of refusals and their exact lines is
tests/test_refusals.py.

Expected values come from SPEC, the README or plain arithmetic, never from another
run of backcalc.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ONE_NEURON, error_line, run_cli, write_network

pytestmark = pytest.mark.usefixtures("in_tmp")


# --- refused in one line, never misread or crashed on -------------------------------------

def test_integer_too_large_for_a_float_is_refused_in_one_line():
    # netfile.Node.number: math.isfinite(int) raised OverflowError -> traceback, before the fix.
    huge = "1" + "0" * 400
    line = error_line(run_cli("run", write_network(
        ONE_NEURON.replace("[0.1, 0.2]", f"[{huge}, 0.2]"))))
    assert line.startswith("Error: net.yaml:7:")


@pytest.mark.parametrize("written", ["010", "1:30", "0x10"])
def test_yaml11_integer_forms_are_not_silently_reinterpreted(written):
    # YAML 1.1 reads 010 as 8, 1:30 as 90 and 0x10 as 16; a student meant 10, 1.30 or a typo.
    result = run_cli("run", write_network(ONE_NEURON.replace("[0.1, 0.2]", f"[{written}, 0.2]")))
    assert result.exit_code == 2, result.output


def test_deeply_nested_yaml_is_refused_not_a_segfault(tmp_path):
    # libyaml's composer overflows the C stack: before the fix the process died with SIGSEGV.
    depth = 100_000
    Path("deep.yaml").write_text("a: " + "[" * depth + "]" * depth + "\n")
    done = subprocess.run([sys.executable, "-m", "backcalc", "run", "deep.yaml"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
