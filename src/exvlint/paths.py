"""Where the repository is, what exvlint may read, and path arithmetic for reports.

exvlint lints code written by strangers: it reads only inside the *boundary*, the repository that
holds each scanned path (or, outside any repository, the scanned path itself). The repository is
found by looking for ``.git`` in the path's ancestors; no program is run to ask git.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache


@lru_cache(maxsize=256)
def find_repository(start: str = ".") -> str | None:
    """The nearest directory at or above ``start`` that holds ``.git`` (a directory, or the file
    that worktrees and submodules use), as a real path; None outside any repository."""
    directory = os.path.realpath(start)
    if not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    while True:
        if os.path.lexists(os.path.join(directory, ".git")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


# NUL and lone surrogates, except the ones Python uses for undecodable bytes in file names
_UNREPRESENTABLE = re.compile(r"[\x00\ud800-\udc7f\udd00-\udfff]")


def representable(path: str) -> bool:
    """Whether a filesystem can hold ``path`` (a string from the code may hold a NUL or a lone
    surrogate, written as "\\u0000" or "\\ud800")."""
    return not _UNREPRESENTABLE.search(path)


def real_path(path: str) -> str:
    """``os.path.realpath``, also for a path no filesystem can hold: judged by its printable form,
    which does not exist, so opening it fails as any missing file does."""
    return os.path.realpath(path if representable(path) else _UNREPRESENTABLE.sub("\ufffd", path))


def repository_root(start: str = ".") -> str:
    """The repository at or above ``start``, else the current directory (SARIF's %SRCROOT%)."""
    return find_repository(start) or os.path.realpath(os.getcwd())


@lru_cache(maxsize=8192)  # every finding asks, mostly for the same few files
def repo_relative(path: str, root: str) -> str:
    """A path relative to the repository root with forward slashes (as SARIF and CI want)."""
    if path.startswith("<"):
        return path
    # the directory's real path (the root is one), but never the target of a link that is the file
    # itself: a link to a place outside must be reported where it is, not where it points
    absolute = os.path.abspath(path)
    absolute = os.path.join(real_path(os.path.dirname(absolute)), os.path.basename(absolute))
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return absolute.replace("\\", "/")
    return rel.replace("\\", "/")


def is_within(path: str, root: str) -> bool:
    path, root = real_path(path), real_path(root)
    return _real_within(path, root)


def _real_within(real: str, root: str) -> bool:
    return real == root or real.startswith(root.rstrip(os.sep) + os.sep)


class Boundary:
    """The directories exvlint may open files in. A path is inside when its real path (symbolic
    links resolved) lies under one of the roots."""

    def __init__(self, roots) -> None:
        self.roots = tuple(sorted({os.path.realpath(r) for r in roots}))

    @classmethod
    def for_paths(cls, paths) -> "Boundary":
        """The repository around each scanned path; a path in no repository is its own boundary
        (a file's boundary is its directory)."""
        roots = []
        for p in paths or ["."]:
            repo = find_repository(p)
            if repo is not None:
                roots.append(repo)
            else:
                real = os.path.realpath(p)
                roots.append(real if os.path.isdir(real) or not os.path.exists(real) else os.path.dirname(real))
        return cls(roots)

    def contains(self, path: str) -> bool:
        real = real_path(path)
        return any(_real_within(real, root) for root in self.roots)

    def __repr__(self) -> str:
        return f"Boundary({list(self.roots)!r})"


@lru_cache(maxsize=256)
def _glob_re(pattern: str) -> re.Pattern:
    """``*`` and ``?`` are wildcards; everything else, brackets included, is literal.

    Resource addresses contain ``[...]``, so fnmatch's character classes would be wrong here.
    """
    out = []
    for ch in pattern:
        out.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
    return re.compile("^" + "".join(out) + "$", re.I | re.S)


def glob_match(pattern: str, text: str) -> bool:
    return bool(_glob_re(pattern).match(text))
