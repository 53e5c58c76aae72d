"""Helpers shared by the review regression tests: run the CLI at a given width, write a file."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from backcalc.cli import cli


def invoke(*args: str, columns: int = 80):
    return CliRunner(env={"COLUMNS": str(columns)}).invoke(cli, list(args))


def net(text: str, name: str = "net.yaml") -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name
