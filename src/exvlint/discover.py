"""discover: paths -> units of evaluation, whatever their format.

The walk is shared: it lists every file under the scanned paths once (skipping version-control and
tool folders and ``paths.exclude``), then each front end in turn claims the files it reads and
turns them into units (a Terraform root module with its children, a plan, a template with its
parameters). A file that a front end claims is not offered to the ones after it; a file named on
the command line that no front end claims is an input error, other unclaimed files are skipped.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import files
from .findings import Diagnostic, Location, internal_error_message
from .paths import glob_match

SKIP_DIRS = {".git", ".terraform", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox"}


@dataclass
class Unit:
    """One unit of evaluation; its findings form one deployment."""

    frontend: Any  # the front end that loads it
    name: str  # the deployment's name: a root module directory, a plan or template path
    data: Any = None  # what the front end needs to load it
    files: set = field(default_factory=set)  # the input files it reads (as far as discovery knows)
    variant: str = ""  # when the same files make several deployments, which one (said in its findings)


@dataclass
class Scan:
    """What the walk found, shared by every front end."""

    paths: list  # as given
    cache: files.FileCache  # parsed files and the boundary they are read inside
    files: list = field(default_factory=list)  # every file found, normalised, in walk order
    named: set = field(default_factory=set)  # files named directly on the command line
    parameter_files: list = field(default_factory=list)  # --parameters FILE (ARM), in command-line order
    claimed: set = field(default_factory=set)  # files and directories a front end has taken
    diagnostics: list = field(default_factory=list)
    _texts: dict = field(default_factory=dict)

    def unclaimed(self, accept: Callable[[str], bool]) -> list:
        return [f for f in self.files if f not in self.claimed and accept(f)]

    def text(self, path: str) -> Optional[str]:
        """A file's text, read once for all front ends; None (and an EXV000) when it cannot be read."""
        if path not in self._texts:
            self._texts[path], diagnostic = files.read_source(path, self.cache.boundary)
            if diagnostic is not None:
                self.diagnostics.append(diagnostic)
        return self._texts[path]


def scan(paths: list, cache: files.FileCache, exclude: Optional[list] = None) -> Scan:
    found = Scan(list(paths), cache)
    seen: set = set()

    def add(path: str) -> None:
        key = os.path.normpath(path)
        if key not in seen:
            seen.add(key)
            found.files.append(key)

    for path in paths:
        if not os.path.lexists(path):
            found.diagnostics.append(Diagnostic("EXV000", Location(path), "no such file or directory"))
        elif os.path.isdir(path):
            def unreadable(err: OSError) -> None:  # never a silently skipped directory
                found.diagnostics.append(Diagnostic("EXV000", Location(err.filename or path),
                                                    f"cannot read directory: {err.strerror or err}"))

            for dirpath, dirnames, filenames in os.walk(path, followlinks=False, onerror=unreadable):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
                if _excluded(dirpath, exclude):
                    dirnames[:] = []
                    continue
                for name in sorted(filenames):
                    add(os.path.join(dirpath, name))
        else:
            add(path)
            found.named.add(os.path.normpath(path))
    return found


def discover(paths: list, cache: files.FileCache, exclude: Optional[list] = None,
             parameter_files: tuple = ()) -> tuple:
    """(units, diagnostics, files found) for the scanned paths."""
    from .frontends import SUFFIXES, frontends_for

    found = scan(paths, cache, exclude)
    found.parameter_files = [os.path.normpath(p) for p in parameter_files]
    units: list = []
    for frontend in frontends_for(found.files + found.parameter_files):
        try:
            units.extend(frontend.units(found))
        except Exception as exc:  # never a traceback: the other front ends still find their units
            found.diagnostics.append(Diagnostic("EXV002", Location(paths[0] if paths else "."),
                                                internal_error_message(f"finding {frontend.name} inputs", exc)))
    suffixes = SUFFIXES
    for path in sorted(found.named - found.claimed):
        # a file of a kind some front end reads but none took (a JSON file that is neither a plan nor a
        # template, as pre-commit hands over every changed one) is skipped; any other kind is an error
        if not path.endswith(suffixes):
            found.diagnostics.append(Diagnostic("EXV000", Location(path), "not a file exvlint reads (Terraform, a "
                                                "Terraform plan, or an ARM or Bicep template)"))
    return units, found.diagnostics, found


def callers_first(ordered: list, called: dict) -> list:
    """The units no other unit calls (``called``: target -> callers), in order, then those reachable
    from none of them (a module cycle), which are evaluated on their own so that the cycle is reported."""
    roots = [d for d in ordered if d not in called]
    reachable = set(roots)
    changed = True
    while changed:
        changed = False
        for target, callers in called.items():
            if target not in reachable and callers & reachable:
                reachable.add(target)
                changed = True
    return roots + [d for d in ordered if d not in reachable]


def _excluded(dirpath: str, exclude: Optional[list]) -> bool:
    if not exclude:
        return False
    norm = os.path.normpath(dirpath).replace("\\", "/")
    return any(glob_match(p.rstrip("/"), norm) or glob_match(p.rstrip("/") + "/*", norm) for p in exclude)
