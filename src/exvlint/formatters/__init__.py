"""report: one formatter per output format, all reading the same Finding records."""
from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from typing import Callable

FORMATS = ("text", "json", "sarif")


def get_formatter(name: str) -> Callable:
    """A function (result, context) -> str for the format ``name``."""
    if name == "text":
        from .text import render
    elif name == "json":
        from .json import render
    elif name == "sarif":
        from .sarif import render
    else:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    return render


@lru_cache(maxsize=8)
def repository_root(start: str = ".") -> str:
    """The git top level above ``start``, else the current directory."""
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True,
                             text=True, timeout=10)
        if out.returncode == 0 and out.stdout.strip():
            return os.path.realpath(out.stdout.strip())
    except (OSError, subprocess.SubprocessError):
        pass
    return os.path.realpath(os.getcwd())


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
