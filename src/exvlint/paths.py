"""Where the repository is: SARIF URIs are relative to it, and module sources may not leave it."""
from __future__ import annotations

import os
import subprocess
from functools import lru_cache


@lru_cache(maxsize=64)
def git_root(start: str = ".") -> str | None:
    """The git top level at or above ``start``, or None outside a git work tree."""
    directory = start if os.path.isdir(start) else os.path.dirname(start) or "."
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=directory, capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return os.path.realpath(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def repository_root(start: str = ".") -> str:
    """The git top level at or above ``start``, else the current directory (SARIF's %SRCROOT%)."""
    return git_root(start) or os.path.realpath(os.getcwd())


@lru_cache(maxsize=8192)  # every finding asks, mostly for the same few files
def repo_relative(path: str, root: str) -> str:
    """A path relative to the repository root with forward slashes (as SARIF and CI want)."""
    if path.startswith("<"):
        return path
    absolute = os.path.realpath(path)
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return absolute.replace("\\", "/")
    return rel.replace("\\", "/")


def is_within(path: str, root: str) -> bool:
    path, root = os.path.realpath(path), os.path.realpath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)
