#!/usr/bin/env bash
# Gradescope runs this once, to build the autograder's image: Python and backcalc.
set -eu
apt-get update
apt-get install -y python3 python3-pip python3-venv
python3 -m venv /opt/backcalc
# The version you tested with (or a wheel you put in the zip: /autograder/source/backcalc-….whl).
/opt/backcalc/bin/pip install "${BACKCALC_PACKAGE:-backcalc}"
ln -sf /opt/backcalc/bin/backcalc /usr/local/bin/backcalc
