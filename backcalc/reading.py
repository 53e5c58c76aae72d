"""Reading the user's files without ever blocking, and every failure as one line.

One reader for network, answers and state files: it opens without blocking (a FIFO
given as a file would otherwise wait forever for a writer), refuses anything but a
regular file before reading a byte, and checks the size before reading.  An
``OSError`` from the system (a loop of links, a name too long, no permission, a
working folder deleted under us) becomes an ``InputError`` naming the file.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable

from .errors import InputError

_PROBLEMS = {
    errno.ENOENT: "no such file",
    errno.ELOOP: "cannot {verb} the file: its path is a loop of symbolic links",
    errno.ENAMETOOLONG: "cannot {verb} the file: its name is too long for the file system "
                        "(most allow 255 bytes a name)",
}


def file_problem(exc: OSError, verb: str = "read") -> str:
    """What an ``OSError`` on a file means, as the rest of an error line."""
    if exc.errno in _PROBLEMS:
        return _PROBLEMS[exc.errno].format(verb=verb)
    return f"cannot {verb} the file ({exc.strerror or exc})"


class UnreadableFile(InputError):
    """A file that cannot be read at all (permissions, not a regular file, a loop of
    links), as opposed to one read whose contents are wrong."""


def file_error(exc: OSError, display: str, verb: str = "read") -> InputError:
    return UnreadableFile(file_problem(exc, verb), file=display)


def check_usable_name(path, display: str) -> None:
    """Refuse, before any work, a file name to write that the system cannot use: a name
    too long, a path through a loop of links.  A missing file is fine (it is to be made)."""
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return
    except OSError as exc:
        raise file_error(exc, display, "write") from None


def read_bytes(path, display: str, limit: int, too_large: Callable[[int], str],
               marked: tuple[bytes, int] | None = None) -> bytes:
    """The whole of the regular file ``path``, refused if larger than ``limit`` bytes
    (``too_large(limit)`` is the message), or a FIFO, device, socket or folder.

    ``marked = (mark, larger)``: a file starting with ``mark`` may hold up to ``larger``
    bytes (backcalc reads back the large files it saved); of a file over ``limit`` only
    the mark's bytes are read to tell."""
    with _open_regular(path, display) as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > limit and marked is not None:
            mark, larger = marked
            try:
                if handle.read(len(mark)) == mark:
                    limit = larger
                handle.seek(0)
            except OSError as exc:
                raise file_error(exc, display) from None
        if size > limit:
            raise InputError(too_large(limit), file=display)
        try:
            data = _read_up_to(handle, size, limit)
        except OSError as exc:
            raise file_error(exc, display) from None
    if len(data) > limit:
        raise InputError(too_large(limit), file=display)
    return data


_MORE = 1024 * 1024
"""How much more is read at a time of a file that grew after its size was taken."""


def _read_up_to(handle, size: int, limit: int) -> bytes:
    """The file's bytes, up to ``limit + 1`` of them: what its size says and one byte more
    (a read allocates what it is asked for, so never the whole limit for a small file),
    then more while it grows."""
    first = handle.read(size + 1)
    if len(first) <= size:
        return first
    parts, total = [first], len(first)
    while total <= limit:
        part = handle.read(min(_MORE, limit + 1 - total))
        if not part:
            break
        parts.append(part)
        total += len(part)
    return b"".join(parts)


def read_head(path, count: int) -> bytes | None:
    """The first ``count`` bytes of the regular file ``path`` (None: not a regular file
    or not readable): enough to recognise a mark without reading a large file."""
    try:
        with _open_regular(path, str(path)) as handle:
            return handle.read(count)
    except (InputError, OSError):
        return None


def _open_regular(path, display: str):
    """``path`` opened for reading in binary, never blocking; only a regular file."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise InputError("is a folder, expected a YAML file", file=display) from None
    except OSError as exc:
        raise file_error(exc, display) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise InputError("is a folder, expected a YAML file", file=display)
        if not stat.S_ISREG(mode):
            raise UnreadableFile(f"expected a regular file, found {_kind(mode)}", file=display)
        # a regular file reads the same with or without O_NONBLOCK; clear it all the same
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "something that is not a file"
