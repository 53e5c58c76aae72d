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
        raise InputError(f"file is larger than the limit of {MAX_FILE_BYTES // (1024 * 1024)} MiB",
                         file=display)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("expected UTF-8 text, found bytes that are not (a binary file?)",
                         file=display, line=line) from None


def load_yaml(text: str, file: str) -> Document:
    """Parse one YAML document into plain values with marks; refuse anything unsafe."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "cannot be parsed"
        raise InputError(f"invalid YAML: {problem}", file=file,
                         line=mark.line + 1 if mark else None,
                         column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", file=file) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    if node is None:
        raise InputError("the file is empty, expected a YAML mapping", file=file, line=1)
    builder = _Builder(file)
    try:
        value = builder.build(node)
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    return Document(value, file, _mark(node))


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.count = 0
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, message: str) -> InputError:
        mark = _mark(node)
        return InputError(message, file=self.file, line=mark.line, column=mark.column)

    def build(self, node: yaml.Node):
        self.count += 1
        if self.count > MAX_VALUES:
            raise self.fail(node, f"document too large: it expands to more than {MAX_VALUES:,} "
                                  "values (aliases included)")
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if id(node) in self.active:
            raise self.fail(node, "invalid YAML: an alias refers to itself")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node)
            return self.mapping(node)
        finally:
            self.active.discard(id(node))

    def check_tag(self, node: yaml.Node, allowed: set[str]) -> None:
        if node.tag not in allowed:
            tag = node.tag.replace(_TAG, "!!")
            raise self.fail(node, f"YAML tag {tag} is not allowed (backcalc files hold only "
                                  "numbers, text, lists and mappings)")

    def scalar(self, node: yaml.ScalarNode):
        self.check_tag(node, _SCALAR_TAGS)
        tag = node.tag[len(_TAG):]
        if tag == "str" or tag == "timestamp":
            if node.style is None and _NUMBER_RE.fullmatch(node.value):
                return float(node.value)
            return node.value
        try:
            return getattr(_constructor, f"construct_yaml_{tag}")(node)
        except (ValueError, yaml.YAMLError):
            raise self.fail(node, f"cannot read {node.value!r} as a {tag}") from None

    def sequence(self, node: yaml.SequenceNode) -> YamlList:
        self.check_tag(node, {_TAG + "seq"})
        result = YamlList(self.build(item) for item in node.value)
        result.mark = _mark(node)
        result.item_marks = [_mark(item) for item in node.value]
        return result

    def mapping(self, node: yaml.MappingNode) -> YamlMap:
        self.check_tag(node, {_TAG + "map"})
        result = YamlMap()
        result.mark = _mark(node)
        result.key_marks, result.value_marks = {}, {}
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                raise self.fail(key_node, "YAML merge keys (<<) are not supported; "
                                          "write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, "expected a plain key, found a list or mapping as a key")
            key = self.scalar(key_node)
            if isinstance(key, float) and key.is_integer() and not math.isinf(key):
                key = int(key)
            if key in result:
                first = result.key_marks[key]
                raise self.fail(key_node, f"key {key!r} is given twice "
                                          f"(first on line {first.line})")
            result.key_marks[key] = _mark(key_node)
            result.value_marks[key] = _mark(value_node)
            result[key] = self.build(value_node)
        return result
