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
from dataclasses import dataclass, field

import yaml

from .errors import InputError
from .limits import MAX_PARAMETERS
from .reading import read_bytes

MAX_FILE_BYTES = 20 * 1024 * 1024
"""Files larger than this are refused before parsing."""

MAX_SAVED_FILE_BYTES = 256 * 1024 * 1024
"""The limit for a file carrying backcalc's saved mark (the state, --save): a large
network's state is larger than MAX_FILE_BYTES, and backcalc must read back what it
wrote (savefile refuses to write a larger one)."""

SAVED_MARK = "# Saved by backcalc"
"""How a file backcalc saved begins (``savefile`` writes it; the limit above is for it)."""

MAX_VALUES = 500_000
"""Most scalars, lists and mappings a document may expand to (aliases counted each time).
Reading costs about 20 µs and 1 KB a value: at the limit, some 10 s and 500 MB."""

MAX_SAVED_VALUES = MAX_VALUES + 8 * MAX_PARAMETERS
"""The limit for a document carrying backcalc's saved mark (the state, --save): the
state of the largest network backcalc accepts by default holds, for each of its
``MAX_PARAMETERS`` weights and biases, its value, its name, up to two optimizer moments
(Adam's) and at most one list each of those sit in, on top of the samples a network file
may hold; savefile refuses to write a larger one."""

MAX_DEPTH = 100
"""Most lists and mappings a document may nest inside one another (a network file needs 7).

libyaml's C composer recurses once per level and overflows the C stack (the process
dies with SIGSEGV) somewhere above 20 000 levels, so deep documents are refused
before they are composed.  Newer libyaml (0.2.6) refuses more than 1,000 levels itself,
reading up to a thousand characters ahead of the events it has given: whatever
libyaml refuses is checked again (``_too_deep_before``), so a document too deep is
always refused with backcalc's own message, whatever libyaml's limits."""

_UNCHECKED_OPENERS = 2_000
"""Up to this many characters that could open a list or mapping, a document is composed
without first counting its depth: it cannot nest deeper than that (far below the
depth at which libyaml crashes), and its exact depth is checked afterwards."""

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_LimitlessLoader = yaml.SafeLoader
"""PyYAML's own parser: far slower than libyaml, but with no nesting limit of its own
and no recursion (it keeps its states on a list), so it can follow any depth."""
_constructor = yaml.constructor.SafeConstructor()

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null", "timestamp")}
# A number written as a plain decimal: -12, 0.5, .5, 5., 1e-8, 1.0e+3, +3.  YAML 1.1 leaves
# some of these (1e-8, 5E3, +.5) as strings; every student means them as numbers.
_NUMBER_RE = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
_INTEGER_RE = re.compile(r"[-+]?[0-9]+")
_LEADING_ZERO_RE = re.compile(r"[-+]?0[0-9_]+")       # 010, 08, 0_10: no point, no exponent
_OCTAL_12_RE = re.compile(r"[-+]?0o[0-7]+")           # YAML 1.2 octal, text in YAML 1.1
NUMBER_LIKE_RE = re.compile(rf"(?:{_NUMBER_RE.pattern}|{_LEADING_ZERO_RE.pattern}|"
                            rf"{_OCTAL_12_RE.pattern})\Z")
"""Plain text ``read_number`` takes for a number or refuses, which YAML 1.1 leaves as text
(1e5, +.5, 08, 0o17): the writer quotes such text (``savefile``)."""
_NON_FINITE_RE = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
# Characters that may open a list or mapping: [ { ? : and a "-" before a blank or the end.
# Every level of nesting needs one of its own, so their count bounds the depth.
_OPENER_RE = re.compile(r"[\[{?:]|-(?=\s|\Z)")


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
    value_texts: dict      # a scalar value as written (None for lists and mappings)
    comma_keys: dict       # a key right after "value," in { }: key → that value as written


class YamlList(list):
    """A list that remembers its own mark and the mark of each item."""

    mark: Mark
    item_marks: list
    item_texts: list       # each scalar item as written (None for lists and mappings)
    bare_commas: list      # item i follows item i - 1 after a comma alone: [0,5] (see
                           # ``_Builder.bare_comma``); False for the first item


class RefusedNumber(str):
    """A plain scalar YAML would read as a number that backcalc does not take as one.

    ``010`` (octal 8 in YAML 1.1), ``1:30`` (base 60, 90), ``0x10``, ``0b101``, ``1_000``,
    ``0o17``, or a decimal beyond float64's range.  It stays the text as written, so a
    field that takes text (a name, a description) gets what the user typed; a field
    that needs a number refuses it with ``problem``, the whole message.
    """

    problem: str
    shown: str

    def __new__(cls, text: str, problem: str):
        self = super().__new__(cls, text)
        self.problem = problem
        self.shown = _shorten(text)
        return self


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def out_of_range(text: str) -> str:
    """The message for a decimal too large for a float64 (``text`` as written)."""
    digits = text.lstrip("+-")
    if len(digits) > 24:
        kind = "an integer" if digits.isdigit() else "a number"
        found = f"{kind} of {len(digits):,} digits"
    else:
        found = text
    return f"expected a number within float64 range (about ±1.8e308), found {found}"


def read_number(text: str, tag: str):
    """The number a plain scalar holds, a ``RefusedNumber``, or None for plain text.

    ``tag`` is the one YAML 1.1 resolved (``int``, ``float``, ``str``, ``timestamp``).
    Only plain decimals are numbers; every other form YAML 1.1 reads as a number is
    refused, naming what YAML would have made of it.  ``.inf`` and ``.nan`` are read
    (fields that need a finite number say so themselves).
    """
    if _NUMBER_RE.fullmatch(text) and not _LEADING_ZERO_RE.fullmatch(text):
        if _INTEGER_RE.fullmatch(text) and len(text) <= 300:
            return int(text)                      # int() of a short text: no digit limit
        value = float(text)                       # a float never fails on length
        if math.isinf(value):
            return RefusedNumber(text, out_of_range(text))
        return int(text) if _INTEGER_RE.fullmatch(text) else value
    if tag == "float" and _NON_FINITE_RE.fullmatch(text):
        return float(text.lower().replace(".", ""))
    if tag in ("int", "float") or _LEADING_ZERO_RE.fullmatch(text) or _OCTAL_12_RE.fullmatch(text):
        found = _shorten(text) or "nothing"
        return RefusedNumber(text, f"expected a decimal number, found {found} "
                                   f"{_yaml_reading(text, tag)}".rstrip())
    return None


def _yaml_reading(text: str, tag: str) -> str:
    """What YAML 1.1 makes of a number not written as a plain decimal, and what to write."""
    sign, body = ("-" if text.startswith("-") else ""), text.lstrip("+-")
    value = None
    if tag in ("int", "float"):
        try:
            value = getattr(_constructor, f"construct_yaml_{tag}")(yaml.ScalarNode(tag, text))
        # PyYAML's constructor fails on "!!int _" (IndexError), "!!int 0o" (ValueError), …
        except (ValueError, OverflowError, ArithmeticError, IndexError, KeyError,
                yaml.YAMLError):
            value = None
    # str() of an int of more than 4,300 digits fails: a large one is not shown
    too_long = value is None or (isinstance(value, int) and value.bit_length() > 80)
    shown = None if too_long or len(str(value)) > 24 else str(value)
    reads = f", {shown}" if shown is not None else ""
    write = f"; write {shown}" if shown is not None else "; write it as a decimal number"
    if ":" in body:
        meant = body.replace("_", "")
        decimal_point = (f", or {sign}{meant.replace(':', '.')} if the colon stands for a "
                         "decimal point" if meant.count(":") == 1 and "." not in meant else "")
        return f"(YAML reads numbers with colons as base 60{reads}){write}{decimal_point}"
    if body.startswith("0x"):
        return f"(YAML reads 0x as hexadecimal{reads}){write}"
    if body.startswith("0b"):
        return f"(YAML reads 0b as binary{reads}){write}"
    if body.startswith("0o"):
        octal = f"{sign}{int(body[2:], 8)}" if 2 < len(body) <= 24 and \
            _OCTAL_12_RE.fullmatch(body) else None
        return (f"(octal in YAML 1.2{', ' + octal if octal else ''}; text in YAML 1.1)"
                f"{'; write ' + octal if octal else write}")
    if _LEADING_ZERO_RE.fullmatch(text):
        digits = body.replace("_", "").lstrip("0") or "0"
        intended = f"; write {sign}{digits}" if len(digits) <= 24 else write
        if tag == "int":
            return f"(YAML reads a leading 0 as octal{reads}){intended}"
        return f"(a leading 0 makes YAML read a number as octal){intended}"
    if "_" in body:
        return f"(YAML ignores _ in numbers and reads it as {shown or 'a number'}){write}"
    return f"(YAML reads it as {shown}){write}" if shown is not None else ""


@dataclass
class Document:
    """A loaded YAML document and the file it came from (for error messages)."""

    value: object
    file: str
    mark: Mark = Mark(1, 1)
    notes: dict = field(default_factory=dict)
    """What reading the values found worth a warning, by place (``decimal_commas``)."""

    def error(self, message: str, mark: Mark | None = None, field: str | None = None) -> InputError:
        mark = mark or self.mark
        return InputError(message, file=self.file, line=mark.line, column=mark.column, field=field)


def read_text(path, display: str | None = None) -> str:
    """Read a UTF-8 text file, refusing oversized or undecodable files in one line."""
    display = display or str(path)
    # A file backcalc saved (its mark first) may be larger: backcalc reads back what it wrote.
    data = read_bytes(path, display, MAX_FILE_BYTES,
                      lambda limit: f"the file is larger than the limit of {_size(limit)} "
                                    "(is it a network file?)",
                      marked=(SAVED_MARK.encode(), MAX_SAVED_FILE_BYTES))
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
        problem = "found a second document (after ---); a file holds one"
    message = f"invalid YAML: {problem}"
    tab = mark is not None and ("tab" in problem or _char_at(text, mark.line, mark.column) == "\t")
    start = exc.context_mark
    if (exc.context and exc.context.startswith("while ") and exc.problem and not tab
            and start and mark and (start.line, start.column) != (mark.line, mark.column)):
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
    position = _refused_at(exc, text)
    before = text[:position]
    line = before.count("\n") + 1
    column = position - (before.rfind("\n") + 1) + 1
    return InputError(f"expected text, found the control character U+{exc.character:04X}, "
                      "which YAML does not allow (a binary file?)",
                      file=file, line=line, column=column)


def _refused_at(exc: yaml.reader.ReaderError, text: str) -> int:
    """Where in ``text`` the refused character is: PyYAML's reader counts characters,
    libyaml the bytes of the text in UTF-8."""
    if issubclass(_Loader, yaml.reader.Reader):
        return exc.position
    return len(text.encode("utf-8")[:exc.position].decode("utf-8", "ignore"))


def _empty(text: str, file: str) -> InputError:
    what = "holds only comments" if text.strip() else "is empty"
    return InputError(f"the file {what}, expected a YAML mapping of keys (input, target, loss, "
                      "learning_rate, layers, …)", file=file, line=1)


def _check_count(text: str, file: str, limit: int) -> None:
    """Refuse a document of more than ``limit`` values written out (not through aliases)
    from its parser's events, before composing it: composing keeps an object per value,
    some 400 bytes and 8 µs each, only to refuse it after.  A text shorter than the limit
    cannot hold more values (each takes a character), so only long texts are counted."""
    counted = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, counted):
            count += 1
            if count > limit:
                mark = event.start_mark
                raise InputError(f"document too large: more values than the limit of "
                                 f"{limit:,} (every number, text, list and mapping counts)",
                                 file=file,
                                 line=mark.line + 1 if mark else None,
                                 column=mark.column + 1 if mark else None)


def load_yaml(text: str, file: str) -> Document:
    """Parse one YAML document into plain values with marks; refuse anything unsafe."""
    limit = MAX_SAVED_VALUES if text.startswith(SAVED_MARK) else MAX_VALUES
    try:
        if _openers(text) > _UNCHECKED_OPENERS:
            _check_depth(text, file)
        if len(text) > limit:
            _check_count(text, file, limit)
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise _too_deep_before(exc, text, file) or _yaml_error(exc, text, file) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    if node is None:
        raise _empty(text, file)
    # a file backcalc saved may hold more values: backcalc reads back what it wrote
    builder = _Builder(file, limit, text)
    try:
        builder.measure(node, "", 1)
        value = builder.build(node, "")
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", file=file) from None
    return Document(value, file, _mark(node))


def _yaml_error(exc: yaml.YAMLError, text: str, file: str) -> InputError:
    """What PyYAML refused, in one line."""
    if isinstance(exc, yaml.MarkedYAMLError):
        return _syntax_error(exc, text, file)
    if isinstance(exc, yaml.reader.ReaderError):
        return _reader_error(exc, text, file)
    return InputError(f"invalid YAML: {' '.join(str(exc).split())}", file=file)


_TOO_DEEP = (f"nested too deeply: expected lists and mappings at most {MAX_DEPTH} levels "
             f"inside one another, found a level {MAX_DEPTH + 1} here")


class _Levels:
    """Follows parse events, counting the lists and mappings open, up to one level too many."""

    def __init__(self, file: str):
        self.file = file
        self.open = 0
        self.position = 0          # where the last event followed starts (a character index)

    def follow(self, events) -> None:
        """Raise the ``InputError`` of the first level deeper than ``MAX_DEPTH``."""
        for event in events:
            mark = event.start_mark
            assert mark is not None          # every parsed event has its place
            self.position = mark.index
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                self.open += 1
                if self.open > MAX_DEPTH:
                    raise InputError(_TOO_DEEP, file=self.file, line=mark.line + 1,
                                     column=mark.column + 1)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                self.open -= 1


def _check_depth(text: str, file: str) -> None:
    """Refuse a document nested deeper than ``MAX_DEPTH``, before libyaml composes it.

    libyaml's parser keeps its own stack (no recursion), so its events can be
    counted safely at any depth; this stops at the first level too many.
    """
    _Levels(file).follow(yaml.parse(text, Loader=_Loader))


def _openers(text: str) -> int:
    return len(_OPENER_RE.findall(text))


def _too_deep_before(exc: yaml.YAMLError, text: str, file: str) -> InputError | None:
    """The refusal of a level deeper than ``MAX_DEPTH`` before the place libyaml failed.

    libyaml has limits of its own (a nesting depth, in 0.2.6: 1,000 levels) and reads
    ahead of the events it gives, so it may refuse a document too deep, with its own
    message, before its events reach level ``MAX_DEPTH + 1``.  The text up to where it
    failed is then followed with PyYAML's own parser, which has no such limit.  That
    parser is slow, so it runs only when the levels libyaml's events opened, plus every
    character after the last of them that could open another, exceed ``MAX_DEPTH``: an
    ordinary syntax error, even at the end of a large file, costs one more libyaml parse.
    It follows ever longer beginnings of that text (a beginning's levels are levels of the
    whole), so a level too deep near the start is found at once: on a long line of
    brackets the parser's work grows with the square of the brackets it has open.
    """
    head = _text_before(exc, text)
    if _openers(head) <= MAX_DEPTH:
        return None
    levels = _Levels(file)
    too_deep = _follow(levels, head, _Loader)
    # past the last event libyaml gave, each further level needs a character to open it
    if too_deep or _Loader is _LimitlessLoader or \
            levels.open + _openers(head[levels.position:]) <= MAX_DEPTH:
        return too_deep
    size = 256
    while True:
        too_deep = _follow(_Levels(file), _beginning(head, size), _LimitlessLoader)
        if too_deep or size >= len(head):
            return too_deep
        size *= 8


def _follow(levels: _Levels, text: str, loader) -> InputError | None:
    """The refusal of a level too deep among ``text``'s events, up to any failure."""
    try:
        levels.follow(yaml.parse(text, Loader=loader))
    except InputError as too_deep:
        return too_deep
    except yaml.YAMLError:
        pass                               # the text ends where the document failed
    return None


def _beginning(text: str, size: int) -> str:
    """The first ``size`` characters of ``text``, less any - ? : at their end: what those
    mean depends on the character after them ("- 1" opens a list, "-1" is a number), so
    without them the levels of the beginning are levels of the whole text."""
    return text[:size].rstrip("-?:")


def _text_before(exc: yaml.YAMLError, text: str) -> str:
    """The text up to and including the place ``exc`` names, less any character PyYAML's
    reader refuses (it checks the whole text before giving a single event)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if isinstance(exc, yaml.reader.ReaderError):
        end = _refused_at(exc, text)
    elif mark is not None:
        end = mark.index + 1
    else:
        end = len(text)
    head = text[:max(end, 0)]
    refused = yaml.reader.Reader.NON_PRINTABLE.search(head)
    return _beginning(head, refused.start() if refused else len(head))


class _Builder:
    """Plain values from composed nodes.

    ``path`` names the field in messages as netfile does: ``layer 2.biases``,
    ``sample 1.target``, ``layer 1.weights[2][1]`` (1-based).
    """

    def __init__(self, file: str, max_values: int, text: str = ""):
        self.file = file
        self.max_values = max_values
        self.text = text
        self.sizes: dict[int, tuple[int, int]] = {}     # id → (values, levels) of a node
        self.active: set[int] = set()

    def fail(self, node: yaml.Node, path: str, message: str) -> InputError:
        mark = _mark(node)
        return InputError(message, file=self.file, line=mark.line, column=mark.column,
                          field=path or None)

    def measure(self, node: yaml.Node, path: str, depth: int) -> tuple[int, int]:
        """How many values ``node`` expands to, aliases counted at every use, and how
        many levels of lists and mappings it holds; ``depth`` is its own level.

        Each node is counted once and remembered, so an alias bomb is refused in
        a time proportional to the file, before anything is expanded; a document
        nested deeper than ``MAX_DEPTH`` (aliases included) is refused too.
        """
        if isinstance(node, yaml.ScalarNode):
            return 1, 0
        if id(node) in self.sizes:
            size, levels = self.sizes[id(node)]
            if depth + levels - 1 > MAX_DEPTH:     # an alias brings its levels along
                raise self.fail(node, "", _TOO_DEEP.replace(
                    f"a level {MAX_DEPTH + 1} here", "more through an alias to the value "
                                                     "anchored here"))
            return size, levels
        if id(node) in self.active:
            raise self.fail(node, path, "invalid YAML: an alias inside the value anchored here "
                                        "refers to that same value (it would never end)")
        if depth > MAX_DEPTH:
            raise self.fail(node, "", _TOO_DEEP)
        self.active.add(id(node))
        size, levels = 1, 0
        if isinstance(node, yaml.SequenceNode):
            children = ((item, path, i) for i, item in enumerate(node.value))
        else:
            children = ((item, path, key) for key, value in node.value for item in (key, value))
        for child, child_path, where in children:
            if isinstance(child, yaml.ScalarNode):       # most values: one each, no levels
                size += 1
                continue
            # the child's path, as netfile names it (made only for lists and mappings)
            if isinstance(where, int):
                child_path = _item(path, where)
            elif child is not where:                    # a mapping's value, not its key
                child_path = _join(path, where)
            child_size, child_levels = self.measure(child, child_path, depth + 1)
            size += child_size
            levels = max(levels, child_levels)
        levels += 1
        self.active.discard(id(node))
        if size > self.max_values:
            kind = "document" if not path else "list" if isinstance(node, yaml.SequenceNode) \
                else "mapping"
            raise self.fail(node, path, f"document too large: this {kind} expands to {size:,} "
                                        f"values, more than the limit of {self.max_values:,} "
                                        "(aliases count each time they are used)")
        self.sizes[id(node)] = (size, levels)
        return size, levels

    def build(self, node: yaml.Node, path: str):
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            return self.sequence(node, path)
        assert isinstance(node, yaml.MappingNode)     # the composer makes no other kind
        return self.mapping(node, path)

    def check_tag(self, node: yaml.Node, path: str, allowed: set[str]) -> None:
        if node.tag not in allowed:
            tag = node.tag.replace(_TAG, "!!")
            raise self.fail(node, path, f"YAML tag {tag} is not allowed (backcalc files hold "
                                        "only numbers, text, lists and mappings)")

    def scalar(self, node: yaml.ScalarNode, path: str):
        self.check_tag(node, path, _SCALAR_TAGS)
        tag = node.tag[len(_TAG):]
        if tag in ("int", "float") or (tag in ("str", "timestamp") and not node.style):
            number = read_number(node.value, tag)     # plain style is "" in libyaml
            if number is not None:
                return number
        if tag in ("str", "timestamp"):
            return node.value
        if tag == "bool" and node.value.lower() not in _constructor.bool_values:
            # !!bool maybe: PyYAML's constructor would fail with a KeyError
            raise self.fail(node, path, f"cannot read {node.value!r} as a bool (write true "
                                        "or false)")
        try:
            return getattr(_constructor, f"construct_yaml_{tag}")(node)
        except (ValueError, yaml.YAMLError):
            raise self.fail(node, path, f"cannot read {node.value!r} as a {tag}") from None

    def sequence(self, node: yaml.SequenceNode, path: str) -> YamlList:
        self.check_tag(node, path, {_TAG + "seq"})
        result = YamlList(self.build(item, _item(path, i)) for i, item in enumerate(node.value))
        result.mark = _mark(node)
        result.item_marks = [_mark(item) for item in node.value]
        result.item_texts = [_written(item) for item in node.value]
        result.bare_commas = [False] + [self.bare_comma(before, item)
                                        for before, item in zip(node.value, node.value[1:])]
        return result

    def bare_comma(self, before: yaml.Node, after: yaml.Node) -> bool:
        """Whether two plain scalars stand either side of a comma with nothing else between
        them, as in [0,5]: in [ ] and { } YAML reads that comma as a separator, where a
        student writing decimal commas means 0.5 (``decimal_commas``)."""
        end = before.end_mark.index            # marks count characters with either loader
        # (the cheapest test first: nearly every comma has a space after it)
        return (after.start_mark.index == end + 1 and self.text[end:end + 1] == ","
                and isinstance(before, yaml.ScalarNode) and isinstance(after, yaml.ScalarNode)
                and not before.style and not after.style)      # plain: "" (libyaml), None

    def mapping(self, node: yaml.MappingNode, path: str) -> YamlMap:
        self.check_tag(node, path, {_TAG + "map"})
        result = YamlMap()
        result.mark = _mark(node)
        result.key_marks, result.value_marks, result.value_texts = {}, {}, {}
        result.comma_keys = {}
        previous = None
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
            elif isinstance(key, RefusedNumber):
                key = str(key)                      # a key is looked up as the text written
            if key in result:
                first = result.key_marks[key]
                raise self.fail(key_node, _join(path, key_node),
                                f"this key is given twice (first on line {first.line}); "
                                "each key may appear once")
            result.key_marks[key] = _mark(key_node)
            result.value_marks[key] = _mark(value_node)
            result.value_texts[key] = _written(value_node)
            if previous is not None and self.bare_comma(previous, key_node):
                result.comma_keys[key] = previous.value          # {input: 0,5}: key 5
            previous = value_node
            result[key] = self.build(value_node, _join(path, key_node))
        return result


def _written(node: yaml.Node) -> str | None:
    """A scalar as the user typed it (an answer's decimals set its tolerance)."""
    return node.value if isinstance(node, yaml.ScalarNode) else None


_ITEM_NAMES = {"layers": "layer", "samples": "sample"}
"""Items of these top-level lists are named as netfile names them: ``layer 2``."""


def _item(path: str, index: int) -> str:
    """The path of a list's item: ``layers`` → ``layer 1``; ``weights`` → ``weights[1]``."""
    name = _ITEM_NAMES.get(path)
    return f"{name} {index + 1}" if name else f"{path}[{index + 1}]"


def _join(path: str, key_node: yaml.Node) -> str:
    """The path of a mapping's value: ``layer 1`` + ``weights`` → ``layer 1.weights``."""
    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
    return f"{path}.{key}" if path else str(key)
