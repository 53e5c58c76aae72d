"""The example networks bundled with backcalc, found by bare name (``backcalc run mazur``)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

EXAMPLES_DIR = Path(__file__).parent / "networks"


@dataclass
class Example:
    name: str
    path: Path
    description: str


def example_paths() -> dict[str, Path]:
    return {path.stem: path for path in sorted(EXAMPLES_DIR.glob("*.yaml"))}


def list_examples() -> list[Example]:
    from .netfile import load_network
    return [Example(name, path, load_network(path, name).description or "")
            for name, path in example_paths().items()]


def resolve(network: str) -> tuple[Path, str]:
    """A path the user gave, or a bundled example's path; and the name to show for it."""
    path = Path(network)
    if path.exists():
        return path, network
    examples = example_paths()
    if network in examples:
        return examples[network], f"{network} (bundled example)"
    close = [name for name in examples if name.lower() == path.stem.lower()]
    close = close or difflib.get_close_matches(path.stem, list(examples), n=1)
    hint = f" (did you mean the bundled example {close[0]!r}?)" if close else ""
    if any(sep in network for sep in "/\\") or path.suffix in (".yaml", ".yml"):
        raise InputError(f"no such file{hint}", file=network)
    raise InputError(f"no such file, and no bundled example of that name{hint}; bundled: "
                     f"{', '.join(examples)} (see `backcalc examples`)", file=network)
