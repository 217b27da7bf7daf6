"""The one place the Bicep front end opens files: sources, modules, imports and the files that
``loadTextContent`` and friends read. Nothing outside the scanned tree is opened."""
from __future__ import annotations

import os
from typing import Optional

from ..findings import Location
from ..paths import is_within
from ..terraform.evaluate import Diagnostic, read_text


def read_in_tree(path: str, boundary: Optional[str]) -> tuple:
    """(text, None) or (None, Diagnostic): ``path`` must resolve (symlinks followed) inside ``boundary``."""
    if boundary is not None and not is_within(os.path.realpath(path), boundary):
        return None, Diagnostic("EXV000", Location(path), "file is outside the scanned tree; not read")
    return read_text(path)


def read_bytes_in_tree(path: str, boundary: Optional[str], limit: int = 10 * 1024 * 1024) -> Optional[bytes]:
    """The bytes of ``path`` (loadFileAsBase64), or None when outside ``boundary``, too large or unreadable."""
    if boundary is not None and not is_within(os.path.realpath(path), boundary):
        return None
    try:
        if os.path.getsize(path) > limit:
            return None
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None
