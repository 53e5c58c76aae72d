"""Writing networks back to YAML: ``--save PATH`` and the state (``app/state.py``).

A saved file is a valid network file in the user's own conventions (weight
orientation, names, options) with the parameters after the last update, plus
a ``state`` block (iteration reached, optimizer memory) so that a later
``step`` continues exactly where this one stopped.  Files are written
atomically: a temporary file in the same folder, then a rename, so an
interrupted write never leaves a half-written file behind.  ``write_file`` is the one
writer of every file backcalc writes: it never follows a link and never replaces a
file it was not allowed to.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from . import killpoints, yamlsource
from .errors import InputError
from .network import Layer, Network
from .places import same_file
from .reading import check_usable_name
from .yamlsource import SAVED_MARK


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):   # type: ignore[misc]
    """PyYAML's dumper, which quotes text YAML 1.1 would read as something else (true,
    null, 12), quoting also the text backcalc's reader takes for a number or refuses as
    one (1e5, +.5, 08, 0o17): every name and title is read back as the text it was."""


_Dumper.add_implicit_resolver("tag:backcalc:number", yamlsource.NUMBER_LIKE_RE,
                              list("-+.0123456789"))


def _plain(array: np.ndarray) -> list:
    return np.asarray(array, dtype=float).tolist()


def _vector(values: np.ndarray):
    """A list, or a bare number when there is one value (as SPEC lets files write it)."""
    plain = _plain(values)
    return plain[0] if len(plain) == 1 else plain


def _layer(network: Network, layer: Layer) -> dict:
    entry: dict = {"activation": layer.activation_spec}
    entry["weights"] = _plain(network.to_file_orientation(layer.weights))
    entry["biases"] = float(layer.biases[0]) if layer.shared_bias else _plain(layer.biases)
    if layer.shared_bias:
        entry["shared_bias"] = True
    names: dict = {}
    if layer.weight_names:
        grid = np.array(layer.weight_names, dtype=object)
        names["weights"] = (grid if network.weight_rows == "neurons" else grid.T).tolist()
    if layer.bias_names:
        names["biases"] = layer.bias_names[0] if layer.shared_bias else list(layer.bias_names)
    if names:
        entry["names"] = names
    if layer.dropout is not None:          # as netfile reads it: a list of lists for several
        masks = [[int(m) for m in mask] for mask in layer.dropout.masks]
        dropout: dict = {"mask": masks if len(network.samples) > 1 else masks[0]}
        if layer.dropout.keep is not None:
            dropout["keep"] = layer.dropout.keep
        entry["dropout"] = dropout
    return entry


def network_document(network: Network) -> dict:
    """The network as the mapping a network file holds (defaults left out)."""
    net = network
    doc: dict = {}
    if net.name:
        doc["name"] = net.name
    if net.description:
        doc["description"] = net.description
    if net.samples_key:
        doc["samples"] = [{"input": _vector(s.input), "target": _vector(s.target)}
                          for s in net.samples]
    else:
        doc["input"] = _vector(net.samples[0].input)
        doc["target"] = _vector(net.samples[0].target)
    doc["loss"] = net.loss.name
    doc["learning_rate"] = net.learning_rate
    defaults = Network(layers=[], samples=[], loss=net.loss, learning_rate=0.0)
    for key in ("reduction", "update", "update_biases", "momentum", "nesterov",
                "relu_derivative_at_zero",
                "round_intermediates", "weight_rows", "index_base"):
        value = getattr(net, key)
        if value != getattr(defaults, key):
            doc[key] = value
    if net.l2 is not None:             # l2_form and l2_biases only beside it (netfile)
        doc["l2"] = net.l2
        for key in ("l2_form", "l2_biases"):
            if getattr(net, key) != getattr(defaults, key):
                doc[key] = getattr(net, key)
    if net.optimizer != defaults.optimizer:
        doc["optimizer"] = net.optimizer.file_value()
    doc["layers"] = [_layer(net, layer) for layer in net.layers]
    progress = net.progress
    if progress.iteration or progress.updates:
        state: dict = {"iteration": progress.iteration, "updates": progress.updates}
        if net.origin or net.source:
            state["source"] = net.origin or net.source
        for name, slot in progress.slots.items():
            state[name] = net.params_document(slot)
        doc["state"] = state
    return doc


def network_yaml(network: Network, document: dict | None = None) -> str:
    """The saved file's text: its mark, then ``document`` (the network's, by default)."""
    if document is None:
        document = network_document(network)
    header = (f"{SAVED_MARK} after iteration {network.progress.iteration}"
              + (f" of {network.origin or network.source}"
                 if network.origin or network.source else "") + ".\n"
              "# A valid network file; its state block lets `backcalc step` continue exactly.\n")
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False,
                     default_flow_style=None, allow_unicode=True, width=100)
    return header + body



def check_save_target(path: Path, source: Path | None) -> None:
    """Refuse a --save target that would overwrite something the user wrote.

    Only a file backcalc saved earlier (it starts with ``SAVED_MARK``) may be replaced;
    the network file being run, a file of the user's, a folder, a link or a device may not.
    """
    path = Path(path)
    shown = str(path)
    check_usable_name(path, shown)
    if source is not None and same_file(path, source):
        raise InputError("--save would overwrite the network file being run; save to a new "
                         "name", file=shown)
    if _existing(path, "--save") and not _carries_mark(path, shown):
        raise InputError(_NOT_SAVED, file=shown)
    parent = path.parent
    while not os.path.lexists(parent) and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"cannot save there: {parent} is not a folder", file=shown)


_NOT_SAVED = ("--save would overwrite a file backcalc did not write; choose a new name, or "
              "delete the file first")


def _carries_mark(path: Path, shown: str) -> bool:
    """Whether the file starts with ``SAVED_MARK`` (only its first bytes are read)."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SAVED_MARK)) == SAVED_MARK.encode()
    except OSError as exc:
        raise InputError(f"cannot read it to check it ({exc.strerror})", file=shown) from None


def refuse_unsafe_target(path: Path, option: str) -> None:
    """Refuse, in one line, to write over a link (never followed, even dangling), a
    folder, or anything but a regular file (a device, a pipe, a socket)."""
    _existing(Path(path), option)


def _existing(path: Path, option: str) -> bool:
    """Whether ``path`` is an existing regular file; an error if it is anything else."""
    shown = str(path)
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise InputError(f"cannot check it before writing ({exc.strerror or exc})",
                         file=shown) from None
    if stat.S_ISLNK(status.st_mode):
        raise InputError(f"{option} names a link ({_link_text(path)}); backcalc never writes "
                         "through a link: remove the link or choose another name", file=shown)
    if stat.S_ISDIR(status.st_mode):
        raise InputError(f"{option} needs a file name, found a folder", file=shown)
    if not stat.S_ISREG(status.st_mode):
        raise InputError(f"{option} needs a regular file, found something else (a device, a "
                         "pipe or a socket)", file=shown)
    return True


def _link_text(path: Path) -> str:
    try:
        return f"to {os.readlink(path)!r}"
    except OSError:
        return "unreadable"


def write_file(path: Path, content: str | bytes | Callable[[Any], None], *, replace: bool,
               option: str = "-o", exists: str | None = None) -> None:
    """The one writer of every file backcalc writes (-o, --save, --plot, the state, `new`).

    Through a temporary file in the same folder, fsynced, so that a reader sees the old
    file or the new one, never part of one (a full disk leaves the old file as it was).
    A link, a folder or a special file at ``path`` is refused, never written through.
    ``content``: text (written as UTF-8), bytes, or a function writing them to the
    binary file it is given.  ``replace``: a regular file there may be replaced
    (keeping its permissions); else the file is created exclusively when it is put in
    place, so one that appeared while backcalc worked is refused (``exists``: the line
    saying so), never replaced.
    Every failure is one ``InputError`` line.
    """
    path = Path(path)
    shown = str(path)
    refusal = exists or (f"{option} would overwrite an existing file; choose a new name, or "
                         "add --force to replace it")
    there = _existing(path, option)
    if there and not replace:
        raise InputError(refusal, file=shown)
    temporary = None
    try:
        mode = os.stat(path).st_mode & 0o7777 if there else _default_mode()
        _make_folder(path.parent, shown)
        killpoints.reached("before-temporary")
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, prefix=_temporary_prefix(path),
                                         suffix=_TEMPORARY_SUFFIX, delete=False) as handle:
            temporary = handle.name
            _fill(handle, content)
            handle.flush()
            os.fsync(handle.fileno())
            killpoints.reached("synced")
        os.chmod(temporary, mode)
        if replace:
            _existing(path, option)             # looked at again: it may have changed
            os.replace(temporary, path)
        else:
            if _create_exclusively(temporary, path):
                os.unlink(temporary)            # (a second name of the file now in place)
        temporary = None
        killpoints.reached("replaced")
    except FileExistsError:
        raise InputError(refusal, file=shown) from None
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror or exc})", file=shown) from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


_TEMPORARY_SUFFIX = ".tmp"
_RANDOM_CHARACTERS = 8        # what tempfile puts between the prefix and the suffix


def _temporary_prefix(path: Path) -> str:
    """``.NAME.``, the start of the temporary file's name, NAME cut short so that the
    whole name fits the folder's limit: every name the system allows can be written."""
    room = _name_max(path.parent) - _RANDOM_CHARACTERS - len(_TEMPORARY_SUFFIX) - 2
    name = os.fsencode(path.name)
    if len(name) > room:
        name = name[:max(room, 0)]
    return "." + os.fsdecode(name) + "."


def _name_max(folder: Path) -> int:
    """The most bytes a name may have in ``folder`` (255 where the system does not say)."""
    try:
        return int(os.pathconf(folder, "PC_NAME_MAX"))
    except (OSError, ValueError, AttributeError):
        return 255


def _make_folder(folder: Path, shown: str) -> None:
    """The folders up to ``folder``; none through a link that leads nowhere."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:      # a file, or a dangling link, where a folder should be
        raise InputError(f"cannot write the file: {folder} is not a folder", file=shown) \
            from None


def _fill(handle: Any, content: str | bytes | Callable[[Any], None]) -> None:
    if callable(content):
        content(handle)
        return
    data = content.encode("utf-8") if isinstance(content, str) else content
    # in two parts only for the test hook's "half-written" (half the text, so half its
    # characters; else the second part is empty)
    half = len(data)
    if killpoints.POINT == "half-written":
        half = len(content[: len(content) // 2].encode("utf-8")) \
            if isinstance(content, str) else len(data) // 2
    handle.write(data[:half])
    handle.flush()
    killpoints.reached("half-written")
    handle.write(data[half:])


def _create_exclusively(temporary: str, path: Path) -> bool:
    """Put the written file at ``path`` only if nothing is there (FileExistsError if
    something is): a hard link is atomic (True: the temporary name is left to remove);
    where the file system has none, an empty file created exclusively, then replaced."""
    try:
        os.link(temporary, path, follow_symlinks=False)
        return True
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_HARD_LINKS:
            raise
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    os.close(descriptor)
    os.replace(temporary, path)
    return False


_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV, errno.EMLINK,
                  errno.EACCES}
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _default_mode() -> int:
    """0o666 less the process's umask, as a plain open() would create the file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save_network(network: Network, path: Path, *, state: bool = False) -> None:
    """The network to ``path``: the state (``state``; replaced, as long as it is a
    regular file) or a --save file (a file backcalc saved earlier is replaced; any
    other file there, even one that appeared while the run worked, is refused)."""
    document = network_document(network)
    check_saved_values(document, path)
    check_saved_finite(document, path)
    text = network_yaml(network, document)
    check_saved_size(text, path)
    if state:
        write_file(path, text, replace=True, option="the state file")
        return
    replace = _existing(Path(path), "--save") and _carries_mark(Path(path), str(path))
    write_file(path, text, replace=replace, option="--save", exists=_NOT_SAVED)


def check_saved_size(text: str, path: Path, what: str = "network") -> None:
    """Refuse to write a saved network (or graph: ``what``) that backcalc could not read back."""
    limit = yamlsource.MAX_SAVED_FILE_BYTES
    if len(text.encode("utf-8")) > limit:
        raise InputError(f"the saved {what} would be larger than the "
                         f"{yamlsource._size(limit)} backcalc reads back; it was not "
                         "written", file=str(path))



def check_saved_values(document: dict, path: Path) -> None:
    """Refuse to write a saved network of more values than backcalc reads back."""
    limit = yamlsource.MAX_SAVED_VALUES
    if _values(document) > limit:
        raise InputError(f"the saved network would hold more than the {limit:,} values "
                         "backcalc reads back; it was not written", file=str(path))


def check_saved_finite(document: dict, path: Path, what: str = "network") -> None:
    """Refuse to write a saved network holding inf or nan, which the reader refuses (the
    engine stops a run before its parameters or optimizer memory get there; this keeps
    any other way from writing a file backcalc would call damaged)."""
    found = _non_finite(document, "")
    if found is not None:
        where, value = found
        raise InputError(f"the saved {what} would hold {where} = {value!r}, which backcalc "
                         "does not read back; it was not written", file=str(path))


def _non_finite(value, where: str) -> tuple[str, float] | None:
    """The place (as the reader names it: state.v[1].weights[1][1]) and value of the
    first inf or nan in ``value``, or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, value)
    items = (value.items() if isinstance(value, dict)
             else enumerate(value, 1) if isinstance(value, list) else ())
    for key, item in items:
        if isinstance(item, (int, str, bool)) or item is None:
            continue
        place = f"{where}[{key}]" if isinstance(key, int) else (
            f"{where}.{key}" if where else str(key))
        found = _non_finite(item, place)
        if found is not None:
            return found
    return None


def _values(value) -> int:
    """The values a document holds, as the reader counts them (``yamlsource``): each
    scalar, list and mapping, and each key."""
    if isinstance(value, dict):
        return 1 + sum(1 + _values(item) for item in value.values())
    if isinstance(value, list):
        return 1 + sum(_values(item) if isinstance(item, (list, dict)) else 1
                       for item in value)
    return 1
