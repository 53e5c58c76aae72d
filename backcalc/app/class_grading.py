"""`grade`: a class's answers files checked and scored, one row per student.

SUBMISSIONs are answers files and folders of them (a folder's ``*.yaml`` and ``*.yml``,
sorted by name); a student is named by the file's stem.  NETWORK is one network for
everybody, or a folder of per-student networks matched by stem.  A submission that
cannot be graded (unreadable, refused, no network of its own) gets its row with the
one-line error and score 0, and the status is 1; a bad NETWORK, ``--asked`` file or
command line is refused as every command refuses bad input.  Nothing is written but
the output (``-o``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..csvout import record_rows
from ..document import Cell, Section, Table
from ..errors import BackcalcError, InputError
from ..examples import resolve_answers
from ..formats import Choice, Output, check_target
from ..grading import (
    ClassSummary,
    StudentRow,
    failed_row,
    grade_submission,
    read_asked,
    summarise,
)
from ..limits import MAX_PARAMETERS
from ..netfile import _count
from ..network import Network
from ..numbers import round_half_up
from ..places import same_file
from ..work_progress import Callback
from .inputs import NetworkInput, load, source_of
from .results import Shown

ANSWERS_SUFFIXES = (".yaml", ".yml")
"""The files of a folder that are submissions (or, in a NETWORK folder, networks)."""


@dataclass
class Submission:
    student: str
    path: Path
    display: str            # as the user wrote it (a folder's file: the folder, then its name)


@dataclass(repr=False)
class GradeOutcome(Shown):
    """``grade``: ``rows`` (``grading.StudentRow``, one per student, in the order of the
    submissions) and their ``summary`` (``grading.ClassSummary``)."""

    rows: list[StudentRow] = field(default_factory=list)
    summary: ClassSummary | None = None
    no_submission: list[str] = field(default_factory=list)   # variants nobody handed in


def grade(network: NetworkInput, submissions, *, asked: str | Path | None = None,
          follows_credit: float = 1.0, tolerance: float | None = None,
          choice: Choice | None = None, max_parameters: int = MAX_PARAMETERS,
          progress: Callback | None = None) -> GradeOutcome:
    """Every submission checked against its network and scored (see the module's
    docstring); ``status`` 1 when some could not be graded."""
    choice = choice if choice is not None else Choice()
    if not 0 <= follows_credit <= 1:
        raise InputError(f"expected a follows credit from 0 to 1, found {follows_credit}",
                         field="follows_credit")
    # The --asked file may sit in the folder of submissions (the class's folder): it is
    # the teacher's, never a student's.  (An -o report there is still refused as an input:
    # left out, `-o subs/ana.yaml --force` would write over a student's file.)
    teachers = [Path(asked)] if asked is not None else []
    handed_in = list_submissions([submissions] if isinstance(submissions, (str, Path))
                                 else list(submissions), leaving_out=teachers)
    networks = Networks(network, max_parameters)
    asked_file = read_asked(asked) if asked is not None else None
    check_target(choice.path, choice.force, [*networks.sources(), *(s.path for s in handed_in),
                                             *teachers])
    # One network for all: what was asked is checked against it once, as bad input.
    asked_for_all = asked_file.answers(networks.one) \
        if asked_file is not None and networks.one is not None else None
    rows = []
    # Told directly, one unit a submission (not through ``counting``, which would also
    # hear the ticks of the work inside each check).
    tell = progress or (lambda done, total: None)
    tell(0, len(handed_in))
    for done, submission in enumerate(handed_in, 1):
        rows.append(_row(submission, networks, asked_for_all or asked_file, follows_credit,
                         tolerance))
        tell(done, len(handed_in))
    summary = summarise(rows)
    missing = networks.without(row.student for row in rows)
    described = Described(networks.shown, asked is not None, follows_credit, tolerance)
    output = Output(f"Grading against {networks.shown}",
                    lambda: grade_sections(rows, summary, missing, described),
                    lambda: grade_document(rows, summary, missing),
                    lambda: record_rows([_csv_record(row) for row in rows]))
    return GradeOutcome(output, choice, status=0 if summary.unreadable == 0 else 1,
                        warnings=networks.warnings() + [w for row in rows
                                                        for w in row.warnings], rows=rows,
                        summary=summary, no_submission=missing)


def _row(submission: Submission, networks: Networks, asked, follows_credit: float,
         tolerance: float | None) -> StudentRow:
    try:
        network = networks.of(submission)
    except BackcalcError as error:
        return failed_row(submission.student, str(error))
    row = grade_submission(submission.student, submission.path, submission.display,
                           network, asked, follows_credit=follows_credit,
                           tolerance=tolerance).row
    if networks.one is None:           # how the student's own network was read
        row.warnings[:0] = network.warnings
    return row


# --- what was handed in --------------------------------------------------------------------

def list_submissions(given: list, leaving_out: Sequence[Path] = ()) -> list[Submission]:
    """The answers files: each file given, and each folder's, sorted by name, except a
    folder's files that are one of ``leaving_out``.  A name that is no file (or a bundled
    seed's answers) is kept: reading it fails in its row."""
    found: list[Submission] = []
    for item in given:
        text = os.fsdecode(item)
        path = Path(text)
        if path.is_dir():
            names = [name for name in _files_in(path, text)
                     if not any(same_file(path / name, other) for other in leaving_out)]
            if not names:
                raise InputError("the folder holds no answers files (*.yaml or *.yml)",
                                 file=text)
            found += [Submission(Path(name).stem, path / name, os.path.join(text, name))
                      for name in names]
            continue
        try:
            path, shown = resolve_answers(text)
        except InputError:
            shown = text
        found.append(Submission(Path(text).stem, path, shown))
    return _one_each(found)


def _files_in(folder: Path, shown: str) -> list[str]:
    """The names of a folder's answers files, sorted (hidden ones, an editor's, left out)."""
    try:
        names = os.listdir(folder)
    except OSError as error:
        raise InputError(f"cannot list the folder ({error.strerror or error})",
                         file=shown) from None
    return sorted(name for name in names
                  if name.lower().endswith(ANSWERS_SUFFIXES) and not name.startswith("."))


def _one_each(found: list[Submission]) -> list[Submission]:
    """One submission per student: the same file named twice counts once; two files for
    one student (``a/ana.yaml`` and ``b/ana.yaml``, or ``ana.yaml`` and ``ana.yml``) are
    refused, as nobody can tell which one to grade."""
    kept: dict[str, Submission] = {}
    for submission in found:
        first = kept.get(submission.student)
        if first is None:
            kept[submission.student] = submission
        elif not same_file(first.path, submission.path):
            raise InputError(f"a second submission for the student {submission.student!r} "
                             f"(the first is {first.display}): a student is named by the "
                             "file's name without its extension, so give each file a name "
                             "of its own or grade them apart", file=submission.display)
    return list(kept.values())


# --- the networks ------------------------------------------------------------------------

class Networks:
    """One network for every student, or a folder of networks, one per student by stem
    (each read when its student's turn comes: a bad one is that student's row)."""

    def __init__(self, network: NetworkInput, max_parameters: int):
        self.max_parameters = max_parameters
        self.one: Network | None = None
        self.folder: dict[str, tuple[Path, str]] = {}
        self.folder_shown = ""
        if isinstance(network, (str, Path)) and Path(network).is_dir():
            self.folder_shown = str(network)
            names = _files_in(Path(network), self.folder_shown)
            if not names:
                raise InputError("the folder holds no network files (*.yaml or *.yml), "
                                 "expected one per student", file=self.folder_shown)
            for name in names:
                stem = Path(name).stem
                shown = os.path.join(self.folder_shown, name)
                if stem in self.folder:
                    raise InputError(f"two networks for the student {stem!r} "
                                     f"({self.folder[stem][1]} and this one): keep one",
                                     file=shown)
                self.folder[stem] = (Path(network) / name, shown)
        else:
            self.one = load(network, max_parameters, "grade")

    @property
    def shown(self) -> str:
        if self.one is not None:
            return self.one.title
        return f"each student's network in {self.folder_shown}"

    def warnings(self) -> list[str]:
        """How the one network was read (each student's own: in their row)."""
        return list(self.one.warnings) if self.one is not None else []

    def sources(self) -> list[Path | None]:
        if self.one is not None:
            return [source_of(self.one)]
        return [path for path, _ in self.folder.values()]

    def of(self, submission: Submission) -> Network:
        """The student's network (an ``InputError`` when it is missing or bad)."""
        if self.one is not None:
            return self.one
        if submission.student not in self.folder:
            folder = self.folder_shown.rstrip("/\\")
            raise InputError(f"no network for the student {submission.student!r} in "
                             f"{self.folder_shown} (expected {folder}/{submission.student}"
                             ".yaml)", file=submission.display)
        path, _ = self.folder[submission.student]
        return load(path, self.max_parameters, "grade")

    def without(self, students) -> list[str]:
        """The per-student networks no submission was graded against."""
        handed_in = set(students)
        return [stem for stem in self.folder if stem not in handed_in]


# --- what is shown -----------------------------------------------------------------------

COLUMNS = ["student", "score", "right", "rounding", "follows", "wrong", "missing",
           "first_wrong", "slips"]
NOT_GRADED = "not graded"
SCORE_DECIMALS = 3
"""The table shows scores to this many decimals (JSON and CSV in full)."""


def _shown_score(score: float) -> float:
    """The score to SCORE_DECIMALS, half up as a teacher rounds (0.8125 → 0.813; Python's
    round goes to even, 0.812)."""
    return round_half_up(score, SCORE_DECIMALS)


@dataclass
class Described:
    """How the grades were given, for the heading."""

    against: str
    asked: bool
    follows_credit: float
    tolerance: float | None


def grade_sections(rows: list[StudentRow], summary: ClassSummary, no_submission: list[str],
                   described: Described) -> list[Section]:
    credit = described.follows_credit
    over = "the asked answers (--asked)" if described.asked else "the answers given"
    header = Section(f"Grading against {described.against}", [
        ["Each answer scores 1 when right or rounding, ", credit,
         " when it follows from the student's own earlier error (--follows-credit), "
         "0 when wrong" + (" or missing" if described.asked else "") +
         f"; a score is the mean over {over}."]])
    if described.tolerance is not None:
        header.lines.append([f"tolerance: {described.tolerance} for every answer"])
    table_rows: list[list[Cell]] = []
    for row in rows:
        if row.graded:
            table_rows.append([row.student, _shown_score(row.score), row.right, row.rounding,
                               row.follows, row.wrong, row.missing, row.first_wrong or "",
                               ", ".join(row.slips)])
        else:
            table_rows.append([row.student, row.score, None, None, None, None, None,
                               NOT_GRADED, None])
    table = Table("One row per student", COLUMNS, table_rows)
    return [header, Section("Grades", [], [table]),
            Section("Summary", summary_lines(rows, summary, no_submission))]


def summary_lines(rows: list[StudentRow], summary: ClassSummary,
                  no_submission: list[str]) -> list[list]:
    count = summary.students
    lines: list[list] = [[f"{_count(count, 'submission')}: {summary.graded} graded"
                          + (f", {summary.unreadable} not graded (score 0)"
                             if summary.unreadable else "") + "."]]
    if summary.mean is not None:
        lines.append(["Mean score ", _shown_score(summary.mean), ", median ",
                      _shown_score(summary.median or 0.0),
                      f" (of the {_count(summary.graded, 'graded submission')})."])
    if summary.slips:
        made = ", ".join(f"{name} ({_count(students, 'student')})"
                         for name, students in summary.slips)
        lines.append([f"Slips most students made: {made}."])
    elif summary.graded:
        lines.append(["No slip was named in any wrong answer."])
    for row in rows:
        if not row.graded:
            lines.append([f"Not graded, {row.student}: {row.error}"])
    if no_submission:
        lines.append([f"No submission from: {', '.join(no_submission)}."])
    return lines


def grade_document(rows: list[StudentRow], summary: ClassSummary,
                   no_submission: list[str]) -> dict:
    """``--format json``: SPEC's ``{"students": [...]}``, and the summary."""
    document = summary.document()
    if no_submission:
        document["no_submission"] = no_submission
    return {"students": [row.record() for row in rows], "summary": document}


def _csv_record(row: StudentRow) -> dict:
    """A CSV row: the JSON's, the slips joined by spaces."""
    record = row.record()
    record["slips"] = " ".join(row.slips)
    return record
