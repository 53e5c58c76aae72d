"""Writing networks back to YAML: ``--save PATH`` and the state (``app/state.py``).

A saved file is a valid network file in the user's own conventions (weight
orientation, names, options) with the parameters after the last update, plus
a ``state`` block (iteration reached, optimizer memory) so that a later
``step`` continues exactly where this one stopped.  Files are written
atomically: a temporary file in the same folder, then a rename, so an
interrupted write never leaves a half-written file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import yaml

from . import killpoints
from .errors import InputError
from .network import Layer, Network
from .reading import check_usable_name

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

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
    for key in ("reduction", "update", "update_biases", "momentum", "relu_derivative_at_zero",
                "round_intermediates", "weight_rows", "index_base"):
        value = getattr(net, key)
        if value != getattr(defaults, key):
            doc[key] = value
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


def network_yaml(network: Network) -> str:
    header = (f"{SAVED_MARK} after iteration {network.progress.iteration}"
              + (f" of {network.origin or network.source}"
                 if network.origin or network.source else "") + ".\n"
              "# A valid network file; its state block lets `backcalc step` continue exactly.\n")
    body = yaml.dump(network_document(network), Dumper=_Dumper, sort_keys=False,
                     default_flow_style=None, allow_unicode=True, width=100)
    return header + body


SAVED_MARK = "# Saved by backcalc"


def check_save_target(path: Path, source: Path | None) -> None:
    """Refuse a --save target that would overwrite something the user wrote.

    Only a file backcalc saved earlier (it starts with ``SAVED_MARK``) may be replaced;
    the network file being run, a file of the user's, a folder or a device may not.
    """
    path = Path(path)
    shown = str(path)
    check_usable_name(path, shown)
    if source is not None and path.exists() and Path(source).exists() and \
            path.resolve() == Path(source).resolve():
        raise InputError("--save would overwrite the network file being run; save to a new "
                         "name", file=shown)
    if path.is_dir():
        raise InputError("--save needs a file name, found a folder", file=shown)
    if path.exists() or path.is_symlink():
        if not path.is_file():
            raise InputError("--save needs a regular file, found something else (a device or "
                             "a broken link)", file=shown)
        try:
            with open(path, "rb") as handle:     # only the mark: the file may be huge
                first = handle.read(len(SAVED_MARK.encode()))
        except OSError as exc:
            raise InputError(f"cannot read it to check it ({exc.strerror})", file=shown) from None
        if first != SAVED_MARK.encode():
            raise InputError("--save would overwrite a file backcalc did not write; choose "
                             "a new name, or delete the file first", file=shown)
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"cannot save there: {parent} is not a folder", file=shown)


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename.

    A reader sees the old file or the new one, never half of one.  A link is
    followed (the file it points to is replaced, the link kept), and the file
    keeps its permissions.  Every failure is one ``InputError`` line.
    """
    path = Path(path)
    shown = str(path)
    target = path.resolve() if path.is_symlink() else path
    if target.is_dir():
        raise InputError("cannot write the file: a folder has that name", file=shown)
    temporary = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = target.stat().st_mode & 0o7777 if target.exists() else _default_mode()
        killpoints.reached("before-temporary")
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent,
                                         prefix=f".{target.name}.", suffix=".tmp",
                                         delete=False) as handle:
            temporary = handle.name
            # in two parts only for the test hook's "half-written" (else the second is empty)
            half = len(text) // 2 if killpoints.POINT == "half-written" else len(text)
            handle.write(text[:half])
            handle.flush()
            killpoints.reached("half-written")
            handle.write(text[half:])
            handle.flush()
            os.fsync(handle.fileno())
            killpoints.reached("synced")
        os.chmod(temporary, mode)
        os.replace(temporary, target)
        temporary = None
        killpoints.reached("replaced")
    except OSError as exc:
        raise InputError(f"cannot write the file ({exc.strerror or exc})", file=shown) from None
    finally:
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _default_mode() -> int:
    """0o666 less the process's umask, as a plain open() would create the file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def save_network(network: Network, path: Path) -> None:
    write_atomically(path, network_yaml(network))

