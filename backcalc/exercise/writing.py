"""The files of an exercise's folder DIR.

* ``variants/<id>.yaml`` — each variant's network file (``variant_file``);
* ``asked.yaml``         — what was asked, an answers file with every value left empty
  (``grade --asked`` reads it; the same keys for every variant);
* ``sheets/<id>.<ext>``, ``keys/<id>.<ext>`` — the question and the answer key of each
  variant (``exercise_sheets``), in --format;
* ``moodle.xml``         — the Moodle quiz (``moodle``).

Every file is checked before any work is done (none exists without --force, none is
the roster or backcalc's state), and written through ``savefile.write_file``.
"""

from __future__ import annotations

from pathlib import Path

from .asking import answers_text, blocks_of
from .request import Exercise

ASKED = "asked.yaml"
VARIANTS = "variants"
MOODLE = "moodle.xml"


def variant_path(folder: Path, variant_id: str) -> Path:
    return folder / VARIANTS / f"{variant_id}.yaml"


def planned_files(exercise: Exercise, folder: Path) -> list[Path]:
    """Every file the exercise writes, in the order written."""
    paths = [variant_path(folder, variant_id) for variant_id in exercise.ids]
    paths += [folder / ASKED, folder / MOODLE]
    return paths


def check_targets(exercise: Exercise, folder: Path) -> list[Path]:
    """``planned_files``, each refused before any work when it may not be written."""
    from ..formats import check_target
    roster = Path(exercise.request.students) if exercise.request.students else None
    paths = planned_files(exercise, folder)
    for path in paths:
        check_target(path, exercise.request.force, [roster], option="-o")
    return paths


def asked_text(exercise: Exercise, template) -> str:
    header = ["What the exercise asks of every variant: an answers file whose values are "
              "left out,",
              "for `backcalc grade --asked asked.yaml`. A student's answers file has the "
              "same keys.",
              f"Written by: {exercise.request.command()}"]
    return answers_text(blocks_of(template.asked), template.network, header=header)


def write_exercise(exercise: Exercise, template, variants: list, folder: Path,
                   report: dict | None = None) -> list[Path]:
    """Write the exercise's files; the paths written, in order.  ``report`` gets what the
    summary tells of them (``merged``: slips sharing a Moodle answer with another)."""
    from ..savefile import write_file
    from .moodle_questions import moodle_text
    replace = exercise.request.force
    written = []
    for variant in variants:
        path = variant_path(folder, variant.id)
        write_file(path, variant.text, replace=replace)
        written.append(path)
    path = folder / ASKED
    write_file(path, asked_text(exercise, template), replace=replace)
    written.append(path)
    text, merged = moodle_text(exercise, template, variants)
    path = folder / MOODLE
    write_file(path, text, replace=replace)
    written.append(path)
    if report is not None:
        report["merged"] = merged
    return written
