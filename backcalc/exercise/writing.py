"""The files of an exercise's folder DIR, one kind after another (``OUTPUTS``):

* ``variants/<id>.yaml`` — each variant's network file (``variant_file``);
* ``asked.yaml``         — what was asked, an answers file with every value left empty
  (``grade --asked`` reads it; the same keys for every variant);
* ``sheets/<id>.<ext>``  — each variant's question sheet (``exercise_sheets.sheet``):
  the network as a figure and as tables, what to compute, the answers file to fill in;
* ``keys/<id>.<ext>``    — each variant's answer key (``exercise_sheets.key``): the
  worked solution, then every asked value to --answer-decimals;
* ``moodle.xml``         — the Moodle quiz (``moodle_questions``, ``moodle``).

With --id (one variant written again) only that variant's own files are written: the
whole exercise's (asked.yaml, moodle.xml) are left as they are.

Every file is checked before any work is done (none exists without --force, none is
the roster or backcalc's state), and written through ``savefile.write_file``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .asking import answers_text, blocks_of
from .request import Exercise

ASKED = "asked.yaml"
VARIANTS = "variants"
SHEETS = "sheets"
KEYS = "keys"
MOODLE = "moodle.xml"


def variant_path(folder: Path, variant_id: str) -> Path:
    return folder / VARIANTS / f"{variant_id}.yaml"


def asked_text(exercise: Exercise, template) -> str:
    header = ["What the exercise asks of every variant: an answers file whose values are "
              "left out,",
              "for `backcalc grade --asked asked.yaml`. A student's answers file has the "
              "same keys.",
              f"Written by: {exercise.request.command()}"]
    return answers_text(blocks_of(template.asked), template.network, header=header)


def asked_blocks(template) -> list[dict]:
    """What is asked as ``exercise_sheets`` takes it: blocks of keys (values None), a
    ``sample`` on each sample's own block when there are several."""
    several = len(template.network.samples) > 1
    blocks: list[dict] = []
    for sample, keys in blocks_of(template.asked):
        if several or not blocks:
            blocks.append({"sample": sample + 1} if several and sample is not None else {})
        blocks[-1].update(dict.fromkeys(keys))
    return blocks


def _per_variant(folder_name: str) -> Callable[[Exercise, Path], list[Path]]:
    return lambda exercise, folder: [folder / folder_name / f"{variant_id}.{exercise.extension}"
                                     for variant_id in exercise.ids]


@dataclass(frozen=True)
class Output:
    """A kind of file the exercise writes: its paths, and its texts (path → text, in
    order; ``report`` gets what the summary tells of them)."""

    name: str
    paths: Callable[[Exercise, Path], list[Path]]
    texts: Callable[[Exercise, object, list, Path, dict], dict[Path, str]]
    whole: bool = False          # the whole exercise's: not written for one --id

    def wanted(self, exercise: Exercise) -> bool:
        return not (self.whole and exercise.request.id is not None)


def _variant_texts(exercise, template, variants, folder, report) -> dict[Path, str]:
    return {variant_path(folder, variant.id): variant.text for variant in variants}


def _asked_texts(exercise, template, variants, folder, report) -> dict[Path, str]:
    return {folder / ASKED: asked_text(exercise, template)}


def _sheet_texts(exercise, template, variants, folder, report) -> dict[Path, str]:
    from ..exercise_sheets import sheet
    asked = asked_blocks(template)
    return {folder / SHEETS / f"{variant.id}.{exercise.extension}":
            sheet(variant.network, asked, fmt=exercise.format, title=variant.network.title,
                  answer_decimals=exercise.answer_decimals)
            for variant in variants}


def _key_texts(exercise, template, variants, folder, report) -> dict[Path, str]:
    from ..exercise_sheets import key
    asked = asked_blocks(template)
    return {folder / KEYS / f"{variant.id}.{exercise.extension}":
            with_command(key(variant.network, asked, fmt=exercise.format,
                             title=f"{variant.network.title}: answer key",
                             answer_decimals=exercise.answer_decimals),
                         exercise.format, exercise.request.command(variant.id))
            for variant in variants}


COMMENTS = {"markdown": ("<!-- ", " -->"), "latex": ("% ", ""), "html": ("<!-- ", " -->")}
"""How each format writes a line its reader does not show."""


def with_command(text: str, fmt: str, command: str) -> str:
    """A key with the command that writes it again in a comment at its top (after an HTML
    page's doctype, which must come first).  Only keys carry it: on a sheet, the command
    would let a student write the key."""
    start, end = COMMENTS[fmt]
    line = f"{start}Written by: {command} (writes this key again, to the last byte){end}\n"
    doctype, rest = text.split("\n", 1) if text.startswith("<!DOCTYPE") else ("", text)
    return (doctype + "\n" if doctype else "") + line + rest


def _moodle_texts(exercise, template, variants, folder, report) -> dict[Path, str]:
    from .moodle_questions import moodle_text
    text, report["merged"] = moodle_text(exercise, template, variants)
    return {folder / MOODLE: text}


OUTPUTS = (
    Output("variants", lambda exercise, folder: [variant_path(folder, variant_id)
                                                 for variant_id in exercise.ids],
           _variant_texts),
    Output("asked", lambda exercise, folder: [folder / ASKED], _asked_texts, whole=True),
    Output("sheets", _per_variant(SHEETS), _sheet_texts),
    Output("keys", _per_variant(KEYS), _key_texts),
    Output("moodle", lambda exercise, folder: [folder / MOODLE], _moodle_texts, whole=True),
)


def planned_files(exercise: Exercise, folder: Path) -> list[Path]:
    """Every file the exercise writes, in the order written."""
    return [path for output in OUTPUTS if output.wanted(exercise)
            for path in output.paths(exercise, folder)]


def check_targets(exercise: Exercise, folder: Path) -> list[Path]:
    """``planned_files``, each refused before any work when it may not be written."""
    from ..formats import check_target
    roster = Path(exercise.request.students) if exercise.request.students else None
    paths = planned_files(exercise, folder)
    for path in paths:
        check_target(path, exercise.request.force, [roster], option="-o")
    return paths


def write_output(output: Output, exercise: Exercise, template, variants: list, folder: Path,
                 report: dict) -> list[Path]:
    """Write one kind of file; the paths written."""
    from ..savefile import write_file
    texts = output.texts(exercise, template, variants, folder, report)
    for path, text in texts.items():
        write_file(path, text, replace=exercise.request.force)
    return list(texts)


def write_exercise(exercise: Exercise, template, variants: list, folder: Path,
                   report: dict | None = None) -> list[Path]:
    """Write every file of the exercise; the paths written, in order.  ``report`` gets
    what the summary tells of them (``merged``: slips sharing a Moodle answer)."""
    report = {} if report is None else report
    return [path for output in OUTPUTS if output.wanted(exercise)
            for path in write_output(output, exercise, template, variants, folder, report)]
