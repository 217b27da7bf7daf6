"""report: one formatter per output format, all reading the same Finding records."""
from __future__ import annotations

from typing import Callable

FORMATS = ("text", "json", "sarif")


def get_formatter(name: str) -> Callable:
    """A function (LintResult) -> str for the format ``name``."""
    if name == "text":
        from .text import render
    elif name == "json":
        from .json import render
    elif name == "sarif":
        from .sarif import render
    else:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    return render


from ..paths import repo_relative, repository_root  # noqa: E402,F401  (re-exported for formatters)
