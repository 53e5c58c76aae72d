"""Safe YAML loading that keeps where every value stood in the file.

PyYAML only *composes* the document here (no object is ever constructed from a
tag); we then build plain Python values ourselves, so that we can refuse
duplicate keys, unknown tags and alias bombs, and so that every mapping and list
remembers the line and column of each of its items.  Validation code uses those
marks to point at the exact place of a mistake.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import yaml

from .errors import InputError

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Files larger than this are refused before parsing."""

MAX_VALUES = 2_000_000
"""Most scalars, lists and mappings a document may expand to (aliases counted each time)."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_constructor = yaml.constructor.SafeConstructor()

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
# Plain scalars YAML 1.1 leaves as strings but every student means as numbers: 1e-8, 5E3.
_NUMBER_RE = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    column: int


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class YamlMap(dict):
    """A mapping that remembers its own mark and the marks of its keys and values."""

    mark: Mark
    key_marks: dict
    value_marks: dict


class YamlList(list):
    """A list that remembers its own mark and the mark of each item."""

    mark: Mark
    item_marks: list


@dataclass
class Document:
    """A loaded YAML document and the file it came from (for error messages)."""

    value: object
    file: str
    mark: Mark = Mark(1, 1)

    def error(self, message: str, mark: Mark | None = None, field: str | None = None) -> InputError:
        mark = mark or self.mark
        return InputError(message, file=self.file, line=mark.line, column=mark.column, field=field)


def read_text(path, display: str | None = None) -> str:
    """Read a UTF-8 text file, refusing oversized or undecodable files in one line."""
    display = display or str(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise InputError("no such file", file=display) from None
    except IsADirectoryError:
        raise InputError("is a folder, expected a YAML file", file=display) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=display) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"the file is larger than the limit of {_size(MAX_FILE_BYTES)} "
                         "(is it a network file?)", file=display)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data[: exc.start].count(b"\n") + 1
        column = len(data[start: exc.start].decode("utf-8")) + 1
        raise InputError(f"expected UTF-8 text, found the byte 0x{data[exc.start]:02X}, which is "
                         "not valid UTF-8 (a binary file, or text saved in another encoding?)",
                         file=display, line=line, column=column) from None


def _size(count: int) -> str:
    """A byte count as people write it: 20 MiB, 1.5 KiB, 100 bytes."""
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= scale:
            return f"{count / scale:g} {unit}"
    return f"{count} bytes"


_CONTEXTS = {
    "flow sequence": "the [ ] list", "flow mapping": "the { } mapping",
    "block mapping": "the mapping", "block collection": "the list",
    "quoted scalar": "the quoted text", "simple key": "the key",
}


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, file: str) -> InputError:
    """PyYAML's problem in one line, with where the unfinished construct began."""
    mark = exc.problem_mark or exc.context_mark
    problem = exc.problem or exc.context or "cannot be parsed"
    if problem == "but found another document":
        problem = "found a second document (after ---); a network file holds one"
    message = f"invalid YAML: {problem}"
    tab = mark is not None and ("tab" in problem or _char_at(text, mark.line, mark.column) == "\t")
    start = exc.context_mark
    if (exc.context or "").startswith("while ") and exc.problem and not tab and start and (
            start.line, start.column) != (mark.line, mark.column):
        thing = re.sub(r"^while (parsing|scanning) (an? )?", "", exc.context)
        message += (f" (in {_CONTEXTS.get(thing, 'the ' + thing)} that starts at line "
                    f"{start.line + 1}, column {start.column + 1})")
    if tab:
        message += "; indent with spaces, YAML does not allow tabs there"
    return InputError(message, file=file, line=mark.line + 1 if mark else None,
                      column=mark.column + 1 if mark else None)


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column:column + 1] if line < len(lines) else ""


def _reader_error(exc: yaml.reader.ReaderError, text: str, file: str) -> InputError:
    """A character YAML text may not hold (NUL, other control characters)."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    return InputError(f"expected text, found the control character U+{exc.character:04X}, "
                      "which YAML does not allow (a binary file?)",
                      file=file, line=line, column=column)


def _empty(text: str, file: str) -> InputError:
    what = "holds only comments" if text.strip() else "is empty"
    return InputError(f"the file {what}, expected a YAML mapping of keys (input, target, loss, "
                      "learning_rate, layers, …)", file=file, line=1)


def load_yaml(text: str, file: str) -> Document:
    """Parse one YAML document into plain values with marks; refuse anything unsafe."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, file) from None
    except yaml.reader.ReaderError as exc:
        raise _reader_error(exc, text, file) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {' '.join(str(exc).split())}", file=file) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    if node is None:
        raise _empty(text, file)
    builder = _Builder(file)
    try:
        builder.measure(node, "")
        value = builder.build(node, "")
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    return Document(value, file, _mark(node))


class _Builder:
    """Plain values from composed nodes.

    ``path`` names the field in messages, e.g. ``layers[2].biases`` (1-based).
    """

    def __init__(self, file: str):
        self.file = file
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, path: str, message: str) -> InputError:
        mark = _mark(node)
        return InputError(message, file=self.file, line=mark.line, column=mark.column,
                          field=path or None)

    def measure(self, node: yaml.Node, path: str) -> int:
        """How many values ``node`` expands to, aliases counted at every use.

        Each node is counted once and remembered, so an alias bomb is refused in
        a time proportional to the file, before anything is expanded.
        """
        if id(node) in self.sizes:
            return self.sizes[id(node)]
        if id(node) in self.active:
            raise self.fail(node, path, "invalid YAML: an alias inside the value anchored here "
                                        "refers to that same value (it would never end)")
        self.active.add(id(node))
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self.measure(item, f"{path}[{i + 1}]") for i, item in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                size += self.measure(key, path) + self.measure(value, _join(path, key))
        self.active.discard(id(node))
        if size > MAX_VALUES:
            kind = "document" if not path else "list" if isinstance(node, yaml.SequenceNode) \
                else "mapping"
            raise self.fail(node, path, f"document too large: this {kind} expands to {size:,} "
                                        f"values, more than the limit of {MAX_VALUES:,} "
                                        "(aliases count each time they are used)")
        self.sizes[id(node)] = size
        return size

    def build(self, node: yaml.Node, path: str):
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, path)
        return self.mapping(node, path)

    def check_tag(self, node: yaml.Node, path: str, allowed: set[str]) -> None:
        if node.tag not in allowed:
            tag = node.tag.replace(_TAG, "!!")
            raise self.fail(node, path, f"YAML tag {tag} is not allowed (backcalc files hold "
                                        "only numbers, text, lists and mappings)")

    def scalar(self, node: yaml.ScalarNode, path: str):
        self.check_tag(node, path, _SCALAR_TAGS)
        tag = node.tag[len(_TAG):]
        if tag == "str" or tag == "timestamp":
            if not node.style and _NUMBER_RE.fullmatch(node.value):  # plain (libyaml: "")
                return float(node.value)
            return node.value
        try:
            return getattr(_constructor, f"construct_yaml_{tag}")(node)
        except (ValueError, yaml.YAMLError):
            raise self.fail(node, path, f"cannot read {node.value!r} as a {tag}") from None

    def sequence(self, node: yaml.SequenceNode, path: str) -> YamlList:
        self.check_tag(node, path, {_TAG + "seq"})
        result = YamlList(self.build(item, f"{path}[{i + 1}]") for i, item in enumerate(node.value))
        result.mark = _mark(node)
        result.item_marks = [_mark(item) for item in node.value]
        return result

    def mapping(self, node: yaml.MappingNode, path: str) -> YamlMap:
        self.check_tag(node, path, {_TAG + "map"})
        result = YamlMap()
        result.mark = _mark(node)
        result.key_marks, result.value_marks = {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise self.fail(key_node, path, "YAML merge keys (<<) are not supported; "
                                                "write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, path, "expected a plain key, found a list or mapping "
                                                "as a key")
            key = self.scalar(key_node, path)
            if isinstance(key, float) and key.is_integer() and not math.isinf(key):
                key = int(key)
            if key in result:
                first = result.key_marks[key]
                raise self.fail(key_node, _join(path, key_node),
                                f"this key is given twice (first on line {first.line}); "
                                "each key may appear once")
            result.key_marks[key] = _mark(key_node)
            result.value_marks[key] = _mark(value_node)
            result[key] = self.build(value_node, _join(path, key_node))
        return result


def _join(path: str, key_node: yaml.Node) -> str:
    """The path of a mapping's value: ``layers[1]`` + ``weights`` → ``layers[1].weights``."""
    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
    return f"{path}.{key}" if path else str(key)
