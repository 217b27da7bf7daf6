"""The one place exvlint opens the files it lints.

Every input (Terraform files, variables files, plans, templates, files that ``file()`` or
``templatefile()`` name) is read here, so one set of rules holds for all of them: only regular
files, only inside the :class:`~exvlint.paths.Boundary` (symbolic links resolved first), never
more than a byte cap, and never blocking (a FIFO or a device is refused, not opened for reading).
"""
from __future__ import annotations

import os
import stat
from typing import Optional

from . import limits
from .findings import Diagnostic, Location
from .paths import Boundary, real_path, representable

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


class InputError(Exception):
    """A file that exvlint will not or cannot read; the message says why, for an EXV000."""


def check_inside(path: str, boundary: Optional[Boundary]) -> str:
    """The real path of ``path``; raises InputError when it lies outside the boundary."""
    if not representable(path):
        raise InputError("not a file name a filesystem can hold (it contains NUL or a lone surrogate); not read")
    real = real_path(path)
    if boundary is not None and not boundary.contains(real):
        what = "a symbolic link to a place" if os.path.islink(path) else "a path"
        raise InputError(f"{what} outside the scanned tree; not read")
    return real


def read_bytes(path: str, boundary: Optional[Boundary], limit: Optional[int] = None) -> bytes:
    """The bytes of a regular file inside ``boundary`` (None: a file the user named), at most
    ``limit`` of them (limits.file_bytes). Raises InputError otherwise; never anything else, never
    blocks."""
    limit = limits.current().file_bytes if limit is None else limit
    real = check_inside(path, boundary)
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError("is a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise InputError("not a regular file (a device, FIFO or socket); not read")
        if info.st_size > limit:
            raise InputError(f"file is larger than {_size(limit)} ({info.st_size} bytes, limits.file_bytes); not read")
        chunks, total = [], 0
        while True:  # the cap holds for files that grow while they are read, too
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise InputError(f"file is larger than {_size(limit)} (limits.file_bytes); not read")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def decode_text(data: bytes, utf16: bool = False) -> str:
    """UTF-8 text (a BOM is dropped); raises InputError with the line of the first bad byte.
    ``utf16``: a UTF-16 file with a byte order mark is read too (Windows tools write ARM templates
    and parameters files so, and Azure reads them)."""
    if utf16 and data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError("file is not valid UTF-16; not read") from None
    if b"\x00" in data[:8192]:
        raise InputError("binary file (contains NUL bytes); not read")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _DecodeError(f"file is not valid UTF-8 (byte {exc.start}); not read", line) from None


class _DecodeError(InputError):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def read_text(path: str, boundary: Optional[Boundary], limit: Optional[int] = None) -> str:
    lower = path.lower()
    arm_json = lower.endswith(".json") and not lower.endswith((".tf.json", ".tfvars.json"))  # Terraform wants UTF-8
    return decode_text(read_bytes(path, boundary, limit), utf16=arm_json)


def error_line(exc: InputError) -> int:
    """The line an InputError points at (1 when the whole file is meant)."""
    return getattr(exc, "line", 0) or 1


def read_source(path: str, boundary: Optional[Boundary]) -> tuple:
    """(text, None), or (None, the EXV000 diagnostic) for a file that is unreadable, binary, oversized,
    undecodable or outside the boundary: how every front end reads an input file."""
    try:
        return read_text(path, boundary), None
    except InputError as exc:
        return None, Diagnostic("EXV000", Location(path, error_line(exc)), str(exc))


def list_dir(directory: str, boundary: Optional[Boundary]) -> list:
    """Sorted entry names of a directory inside the boundary; raises InputError."""
    real = check_inside(directory, boundary)
    try:
        return sorted(os.listdir(real))
    except OSError as exc:
        raise InputError(f"cannot read directory: {exc.strerror or exc}") from None


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MB" if n >= 1024 * 1024 and n % (1024 * 1024) == 0 else f"{n} bytes"


class FileCache(dict):
    """Parsed input files by path for one run, with the boundary they are read inside: every
    front end that reads a file goes through the cache it was given, so the boundary travels
    with it, and so does the parse cache of the user's cache folder (``store``, None: no such cache)."""

    def __init__(self, boundary: Optional[Boundary] = None, store=None):
        super().__init__()
        self.boundary = boundary
        self.store = store
        self.touched: Optional[set] = None  # while a unit is loaded: the paths it read (terraform/loader.py)
