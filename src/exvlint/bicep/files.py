"""How the Bicep front end opens files: sources, modules, imports and the files that
``loadTextContent`` and friends read, all through the central boundary-checked reader
(:mod:`exvlint.files`), so nothing outside the scanned tree is opened."""
from __future__ import annotations

import os
from typing import Optional, Union

from .. import files
from ..paths import Boundary


def as_boundary(boundary: Union[Boundary, str, None], path: str) -> Boundary:
    """A :class:`Boundary` from what a caller gave: a Boundary, a directory, or None (the file's folder)."""
    if isinstance(boundary, Boundary):
        return boundary
    return Boundary([boundary if boundary is not None else (os.path.dirname(os.path.abspath(path)) or ".")])


def read_bytes_in_tree(path: str, boundary: Boundary) -> Optional[bytes]:
    """The bytes of ``path`` (loadFileAsBase64), or None when it cannot or may not be read."""
    try:
        return files.read_bytes(path, boundary)
    except files.InputError:
        return None
