"""The example networks bundled with backcalc, found by bare name (``backcalc run mazur``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .reading import file_error

EXAMPLES_DIR = Path(__file__).parent / "networks"


@dataclass
class Example:
    name: str
    path: Path
    description: str


GRAPHS_DIR = EXAMPLES_DIR / "graphs"


def example_paths() -> dict[str, Path]:
    """The bundled networks, by name."""
    return {path.stem: path for path in sorted(EXAMPLES_DIR.glob("*.yaml"), key=lambda p: p.stem)}


def graph_paths() -> dict[str, Path]:
    """The bundled computational graphs (files with ``nodes``), by name."""
    return {path.stem: path for path in sorted(GRAPHS_DIR.glob("*.yaml"), key=lambda p: p.stem)}


def list_examples() -> list[Example]:
    """The bundled networks, then the bundled computational graphs."""
    return [Example(name, path, _description(path, name))
            for name, path in (*example_paths().items(), *graph_paths().items())]


def _description(path: Path, name: str) -> str:
    """A bundled network's or computational graph's description."""
    from .graphfile import kind_of
    from .netfile import parse_network
    from .yamlsource import load_yaml, read_text
    doc = load_yaml(read_text(path, name), name)
    if kind_of(doc) == "graph":
        return str(doc.value.get("description") or "")     # type: ignore[attr-defined]
    return parse_network(doc).description or ""


ANSWERS_DIR = EXAMPLES_DIR / "answers"


def answers_paths() -> dict[str, Path]:
    """The bundled answers files: a seed exercise's student answers, by seed name."""
    return {path.stem: path for path in sorted(ANSWERS_DIR.glob("*.yaml"))}


def resolve(network: str) -> tuple[Path, str]:
    """A path the user gave, or a bundled example's path; and the name to show for it."""
    return _resolve(network, {**example_paths(), **graph_paths()}, "bundled example",
                    "`backcalc examples`")


def resolve_answers(answers: str) -> tuple[Path, str]:
    """An answers file's path, or a bundled seed's answers (``backcalc check mazur seed001``)."""
    return _resolve(answers, answers_paths(), "bundled answers file", "README")


def _resolve(given: str, bundled: dict[str, Path], what: str, listing: str) -> tuple[Path, str]:
    path = Path(given)
    if _present(path, given):
        return path, _shown(given)
    if given in bundled:
        return bundled[given], f"{given} ({what})"
    close = [name for name in bundled if name.lower() == path.stem.lower()]
    import difflib  # only for a name not found

    close = close or difflib.get_close_matches(path.stem, list(bundled), n=1)
    hint = f" (did you mean the {what} {close[0]!r}?)" if close else ""
    if any(sep in given for sep in "/\\") or path.suffix in (".yaml", ".yml"):
        raise InputError(f"no such file{hint}", file=_shown(given))
    raise InputError(f"no such file, and no {what} of that name{hint}; bundled: "
                     f"{', '.join(bundled)} (see {listing})", file=_shown(given))


def _present(path: Path, given: str) -> bool:
    """Whether something is at ``path`` (a link too, even a broken one or a loop, which
    reading then names); a name the system refuses (too long) is refused here."""
    try:
        os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise file_error(exc, _shown(given)) from None
    except ValueError:                     # a NUL in the name
        return False
    return True


def _shown(given: str) -> str:
    """A file name as messages and saved files show it: a byte that is not UTF-8 (kept by
    Python as a lone surrogate, which no text file can hold) is written as \\xff."""
    try:
        given.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(given).decode("utf-8", "backslashreplace")
    return given
