"""Which Terraform root modules contain a changed file (for pre-commit, which passes changed files).

A file in a child module is linted through the root modules of the repository that call it, with
their arguments, not on its own with the module's defaults; a root module's ``.tfvars`` or
``variables.tf`` re-checks that root. The call graph comes from the local ``source = "./..."``
arguments of every module directory in the repository: files are searched for such a source
first, and only those are parsed, which keeps a hook run on a large repository short.
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Optional

from .. import files
from ..discover import SKIP_DIRS
from ..paths import Boundary, find_repository
from .frontend import SOURCE_SUFFIXES, _literal_string

_LOCAL_SOURCE = re.compile(r'"?source"?\s*[=:]\s*"(\.\.?[/\\][^"]*|\.\.?)"')


def containing_units(path: str) -> Optional[list]:
    """Paths to lint so that ``path`` is checked in context, or None when it is not a Terraform file.

    Each returned path is a ``.tf`` file of a root module (a file, so that only that module directory
    is read, not everything below it); the file's own directory when nothing in the repository calls it.
    """
    if not path.endswith(SOURCE_SUFFIXES) or not os.path.isfile(path):
        return None
    directory = os.path.dirname(os.path.abspath(path))
    repo = find_repository(directory)
    if repo is None:  # outside git there is no repository to search: the module directory alone
        return [path]
    callers = _callers(repo)
    roots, seen, todo = [], {directory}, [directory]
    while todo:
        d = todo.pop()
        up = callers.get(d, set())
        if not up and d != directory:
            roots.append(d)
        for caller in sorted(up - seen):
            seen.add(caller)
            todo.append(caller)
    if not roots:
        return [path]
    out = []
    for root in sorted(roots):
        first = _first_tf(root)
        if first:
            out.append(os.path.relpath(first) if not os.path.isabs(path) else first)
    return out or [path]


def _first_tf(directory: str) -> Optional[str]:
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith((".tf", ".tf.json")))
    except OSError:
        return None
    return os.path.join(directory, names[0]) if names else None


@lru_cache(maxsize=8)
def _callers(repo: str) -> dict:
    """Module directory -> directories whose module blocks call it with a local source."""
    from .loader import parse_file

    cache = files.FileCache(Boundary([repo]))  # the index reads nothing outside the repository
    out: dict = {}
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in filenames:
            if not name.endswith((".tf", ".tf.json")):
                continue
            path = os.path.join(dirpath, name)
            try:
                head = files.read_bytes(path, cache.boundary).decode("utf-8", "replace")
            except files.InputError:
                continue  # the run that lints the file reports it
            if not _LOCAL_SOURCE.search(head):
                continue
            parsed, _ = parse_file(path, cache)  # the text search may have matched a comment
            if parsed is None:
                continue
            for block in parsed.body.blocks:
                source = block.body.attributes.get("source") if block.type == "module" else None
                text = _literal_string(source.expr) if source is not None else None
                if text and text.startswith((".", "./", "../", ".\\", "..\\")):
                    target = os.path.normpath(os.path.join(dirpath, text.replace("\\", "/")))
                    if target != os.path.normpath(dirpath):
                        out.setdefault(target, set()).add(os.path.normpath(dirpath))
    return out
