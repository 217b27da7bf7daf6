"""The parse cache: what parsing a file's text yields, kept in the user's cache directory.

A parse is a pure function of the file's text, of the code that parses it and of the limits of the
run, so an entry is keyed by exactly those: the text's BLAKE2 digest, the limits, and the identity
of the code (exvlint's version, a digest of every file of the installed package, the Python and the
parser libraries). An entry holds no path and nothing from outside the scanned files; the file it
is read for gives it its path. The cache never changes findings: a miss, or an entry that is
corrupt, truncated, written by other code or in another format, is parsed afresh (and rewritten).

Where: ``$XDG_CACHE_HOME/exvlint`` when that variable holds an absolute path, else the platform's
cache folder (``~/.cache/exvlint``, ``~/Library/Caches/exvlint`` on macOS,
``%LOCALAPPDATA%\\exvlint\\Cache`` on Windows). ``--no-cache`` or ``EXVLINT_NO_CACHE=1`` bypass it.

Safety: entries are ``marshal`` data of plain values (numbers, strings, tuples, lists, dicts; never
``pickle``), loaded only after a checksum, and turned into objects only of the classes a codec
names (:class:`Codec`), so an entry cannot run code. The cache folder is used only when it is a
real directory (not a symbolic link), owned by the user and writable by no one else; otherwise the
run goes on without it, as it does when the folder cannot be created or written. Writes go to a
temporary file renamed into place, so concurrent runs see whole entries or none. The folder is
kept under :data:`MAX_BYTES` by removing the entries used longest ago.
"""
from __future__ import annotations

import hashlib
import marshal
import os
import stat
import sys
import tempfile
import time
from dataclasses import fields
from typing import Any, Optional

FORMAT = 1  # the layout of entries and of this folder; a change starts a new folder
MAGIC = b"exvlint-cache\n"
MAX_BYTES = 256 * 1024 * 1024  # the whole cache; the oldest entries go beyond it
MAX_ENTRY = 64 * 1024 * 1024  # an entry larger than this is not read
TRIM_EVERY = 3600  # seconds between two looks at the folder's size
TOUCH_AFTER = 86400  # a hit refreshes an entry's time once a day (what eviction goes by)
_DIGEST = 20


def directory() -> Optional[str]:
    """The cache folder this user's runs share (it may not exist yet), or None when the environment
    turns the cache off (EXVLINT_NO_CACHE) or names no home."""
    if os.environ.get("EXVLINT_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no"):
        return None
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG specification: a relative value is ignored
        return os.path.join(xdg, "exvlint")
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA", "")
        return os.path.join(local, "exvlint", "Cache") if os.path.isabs(local) else None
    home = os.path.expanduser("~")
    if not os.path.isabs(home):
        return None
    if sys.platform == "darwin":
        return os.path.join(home, "Library", "Caches", "exvlint")
    return os.path.join(home, ".cache", "exvlint")


class Store:
    """The cache folder, as one run uses it. Every method fails quietly: a cache that cannot be read
    or written is a cache that misses."""

    def __init__(self, root: str):
        self.root = root  # the folder of this format: <cache folder>/v<FORMAT>
        self.written = 0  # bytes this process wrote
        self._salt: Optional[bytes] = None

    @classmethod
    def open(cls, folder: Optional[str] = None) -> Optional["Store"]:
        """The store in ``folder`` (default: :func:`directory`), created if missing; None when it is
        not safe to use or cannot be made."""
        folder = directory() if folder is None else folder
        if not folder:
            return None
        try:
            parent = os.path.dirname(folder)
            if not os.path.isdir(parent):
                os.makedirs(parent, mode=0o700, exist_ok=True)
            if not os.path.lexists(folder):
                try:
                    os.mkdir(folder, 0o700)
                except FileExistsError:  # another run made it meanwhile
                    pass
            if not _private(folder):
                return None
            root = os.path.join(folder, f"v{FORMAT}")
            os.makedirs(root, mode=0o700, exist_ok=True)
            if not _private(root):
                return None
        except (OSError, ValueError):
            return None
        return cls(root)

    # -- entries
    def salt(self) -> bytes:
        if self._salt is None:
            self._salt = code_identity()
        return self._salt

    def _path(self, namespace: str, key: bytes) -> tuple:
        name = hashlib.blake2b(self.salt() + namespace.encode() + b"\0" + key, digest_size=_DIGEST).hexdigest()
        return os.path.join(self.root, namespace, name[:2]), name

    def get(self, namespace: str, key: bytes) -> Optional[bytes]:
        """The payload stored under ``key``, or None (missing, unreadable, corrupt or foreign)."""
        folder, name = self._path(namespace, key)
        path = os.path.join(folder, name)
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ENTRY or not _owned(info):
                return None
            data = _read_all(fd, info.st_size)
        except OSError:
            return None
        finally:
            os.close(fd)
        header = len(MAGIC) + 2 * _DIGEST
        if len(data) < header or not data.startswith(MAGIC):
            return None
        check, payload = data[len(MAGIC) + _DIGEST:header], data[header:]
        if data[len(MAGIC):len(MAGIC) + _DIGEST] != bytes.fromhex(name) or \
                hashlib.blake2b(payload, digest_size=_DIGEST).digest() != check:
            return None
        if time.time() - info.st_mtime > TOUCH_AFTER:
            try:
                os.utime(path)
            except OSError:
                pass
        return payload

    def put(self, namespace: str, key: bytes, payload: bytes) -> None:
        folder, name = self._path(namespace, key)
        data = MAGIC + bytes.fromhex(name) + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload
        if len(data) > MAX_ENTRY:
            return
        tmp = None
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=folder)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, os.path.join(folder, name))  # atomic: readers see the whole entry or none
            tmp = None
            self.written += len(data)
        except OSError:
            pass  # a read-only or full disk: the run goes on without this entry
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    # -- size
    def close(self) -> None:
        """Keep the folder under :data:`MAX_BYTES` (looked at once an hour at most, by a run that wrote)."""
        if not self.written:
            return
        stamp = os.path.join(self.root, "trimmed")
        try:
            if time.time() - os.stat(stamp).st_mtime < TRIM_EVERY and self.written < MAX_BYTES // 8:
                return
        except OSError:
            pass
        try:
            with open(stamp, "wb"):
                pass
            trim(self.root, MAX_BYTES)
        except OSError:
            pass


def trim(root: str, limit: int) -> None:
    """Remove the entries used longest ago until the folder holds at most 80% of ``limit`` (and
    temporary files an interrupted run left)."""
    entries, total, now = [], 0, time.time()
    for namespace in _scandir(root):
        if not namespace.is_dir(follow_symlinks=False):
            continue
        for shard in _scandir(namespace.path):
            if not shard.is_dir(follow_symlinks=False):
                continue
            for entry in _scandir(shard.path):
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.name.startswith(".tmp-"):
                    if now - info.st_mtime > TRIM_EVERY:
                        _unlink(entry.path)
                    continue
                entries.append((info.st_mtime, info.st_size, entry.path))
                total += info.st_size
    if total <= limit:
        return
    entries.sort()
    for _, size, path in entries:
        if total <= limit * 0.8:
            break
        if _unlink(path):
            total -= size


def _scandir(path: str) -> list:
    try:
        with os.scandir(path) as it:
            return list(it)
    except OSError:
        return []


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:  # another run took it, or (Windows) has it open
        return False


def _read_all(fd: int, size: int) -> bytes:
    chunks, total = [], 0
    while total <= size:
        chunk = os.read(fd, size + 1 - total)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _owned(info: os.stat_result) -> bool:
    return not hasattr(os, "geteuid") or info.st_uid == os.geteuid()


def _private(folder: str) -> bool:
    """A real directory (no symbolic link to elsewhere), owned by this user, writable by no one else."""
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or os.path.islink(folder):
        return False
    if getattr(os.path, "isjunction", None) and os.path.isjunction(folder):  # Windows, Python 3.12
        return False
    if hasattr(os, "geteuid"):
        return info.st_uid == os.geteuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    return True


_IDENTITY: Optional[bytes] = None


def code_identity() -> bytes:
    """What the cached values depend on besides their input: this exvlint (its version and the bytes
    of every file of the package, data included, so an edited checkout never reads stale entries),
    the Python that runs it and the parser libraries."""
    global _IDENTITY
    if _IDENTITY is None:
        from . import __version__

        h = hashlib.blake2b(digest_size=_DIGEST)
        h.update(f"{FORMAT}\0{__version__}\0{sys.implementation.name}\0{sys.version}\0{marshal.version}\0".encode())
        package = os.path.dirname(os.path.abspath(__file__))
        for folder, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                path = os.path.join(folder, name)
                h.update(os.path.relpath(path, package).encode("utf-8", "surrogateescape") + b"\0")
                try:
                    with open(path, "rb") as fh:
                        h.update(fh.read())
                except OSError:
                    h.update(b"\1unreadable")
        for module in ("tree_sitter", "tree_sitter_hcl"):
            h.update(_module_identity(module))
        _IDENTITY = h.digest()
    return _IDENTITY


def _module_identity(name: str) -> bytes:
    """A library's version and the size and time of its files (a reinstall changes them)."""
    try:
        module = __import__(name)
    except ImportError:
        return f"{name}: missing\0".encode()
    out = [name, str(getattr(module, "__version__", ""))]
    folder = os.path.dirname(getattr(module, "__file__", "") or "")
    for entry in sorted(_scandir(folder), key=lambda e: e.name) if folder else []:
        try:
            info = entry.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            out.append(f"{entry.name}:{info.st_size}:{info.st_mtime_ns}")
    return ("\0".join(out) + "\0").encode("utf-8", "surrogateescape")


def text_key(text: str, *context: Any) -> bytes:
    """The key of a value derived from ``text`` (and the ``context`` it depended on, e.g. limits)."""
    h = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=_DIGEST)
    h.update(repr(context).encode("utf-8", "surrogatepass"))
    return h.digest()


class Codec:
    """Objects of the named dataclasses (with ``__slots__``) to and from plain values for ``marshal``.

    An instance becomes a tuple ``(index of its class, *its fields)``; a tuple of data is
    ``(-1, *items)``; lists, dicts, strings, numbers, booleans and None stay as they are. Decoding
    builds only the named classes, from exactly as many fields as they have, and raises
    :class:`ValueError` on anything else."""

    def __init__(self, classes: list):
        self.classes = list(classes)
        self.index = {cls: i for i, cls in enumerate(self.classes)}
        self.fields = [tuple(f.name for f in fields(cls)) for cls in self.classes]
        self.setters = [tuple(_slot(cls, n).__set__ for n in names) for cls, names in zip(self.classes, self.fields)]
        self.types = [tuple(_allowed(cls, n) for n in names) for cls, names in zip(self.classes, self.fields)]
        self._decoder = self._make_decoder()

    def dumps(self, value: Any) -> bytes:
        return marshal.dumps(self.encode(value), 4)

    def loads(self, data: bytes) -> Any:
        try:
            # code objects are never data of ours: refused where Python can (3.13+), else never run
            raw = marshal.loads(data, allow_code=False) if sys.version_info >= (3, 13) else marshal.loads(data)
        except (EOFError, ValueError, TypeError) as exc:
            raise ValueError(f"not a cache payload: {exc}") from None
        return self.decode(raw)

    def encode(self, value: Any) -> Any:
        kind = type(value)
        i = self.index.get(kind)
        if i is not None:
            return (i,) + tuple(self.encode(getattr(value, name)) for name in self.fields[i])
        if kind is list:
            return [self.encode(v) for v in value]
        if kind is tuple:
            return (-1,) + tuple(self.encode(v) for v in value)
        if kind is dict:
            return {k: self.encode(v) for k, v in value.items()}
        if kind in (str, int, float, bool) or value is None:
            return value
        raise ValueError(f"cannot cache a {kind.__name__}")

    def decode(self, raw: Any) -> Any:
        return self._decoder(raw)

    def _make_decoder(self):
        """The decoder as one closure: plain values are taken as they are without a call (most of a
        file's values), which makes it three times faster than a method per value."""
        classes, setters, types = self.classes, self.setters, self.types
        sizes = [len(f) + 1 for f in self.fields]
        count = len(classes)
        plain = frozenset((str, int, float, bool, type(None)))
        new = object.__new__

        def decode(raw):
            kind = type(raw)
            if kind is tuple:
                i = raw[0] if raw else None
                if i == -1:
                    return tuple([v if type(v) in plain else decode(v) for v in raw[1:]])
                if type(i) is not int or not 0 <= i < count or len(raw) != sizes[i]:
                    raise ValueError("malformed cache payload")
                obj = new(classes[i])
                j = 1
                for setter, allowed in zip(setters[i], types[i]):
                    v = raw[j]
                    if type(v) not in plain:
                        v = decode(v)
                    if allowed is not None and not isinstance(v, allowed):  # each field holds what it declares
                        raise ValueError("malformed cache payload")
                    setter(obj, v)
                    j += 1
                return obj
            if kind is list:
                return [v if type(v) in plain else decode(v) for v in raw]
            if kind is dict:
                out = {}
                for k, v in raw.items():
                    if type(k) is not str:
                        raise ValueError("malformed cache payload")
                    out[k] = v if type(v) in plain else decode(v)
                return out
            if kind in plain:
                return raw
            raise ValueError("malformed cache payload")

        return decode


def _allowed(cls: type, name: str) -> Optional[tuple]:
    """The types a field of ``cls`` may hold, from its annotation (None: any, for ``Any``)."""
    import typing

    hint = typing.get_type_hints(cls)[name]
    options = typing.get_args(hint) if typing.get_origin(hint) is typing.Union else (hint,)
    out = []
    for option in options:
        if option is Any:
            return None
        origin = typing.get_origin(option) or option
        if not isinstance(origin, type):
            return None
        out.append(origin)
    return tuple(out)


def _slot(cls: type, name: str):
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None and hasattr(descriptor, "__set__"):
            return descriptor
    raise TypeError(f"{cls.__name__}.{name} is not a slot: the codec needs slotted dataclasses")
