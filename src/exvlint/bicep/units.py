"""Which Bicep files are deployments of their own: callers first.

A ``.bicep`` file that another scanned ``.bicep`` file deploys as a local module is evaluated
through that caller (with the caller's parameters), not again on its own; one that no scanned
file calls is a root, deployed with its defaults. A ``.bicepparam`` file names its template on its
``using`` line; each parameters file is a deployment of its own.
"""
from __future__ import annotations

import json
import os
from typing import Callable, Optional

from .. import files
from ..paths import Boundary
from .parse import BicepSyntaxError, parse
from .syntax import Lit

REGISTRY_PREFIXES = ("br:", "br/", "ts:", "ts/")


def module_targets(path: str, text: str) -> list:
    """Local module files a Bicep source deploys (normalised paths); [] when it does not parse."""
    try:
        program = parse(text, path)
    except (BicepSyntaxError, RecursionError):
        return []
    out = []
    for decl in program.decls:
        if decl.kind == "module" and isinstance(decl.path, Lit) and not decl.path.value.startswith(REGISTRY_PREFIXES):
            out.append(os.path.normpath(os.path.join(os.path.dirname(path), decl.path.value)))
    return out


def bicep_roots(files: list, read) -> list:
    """The scanned ``.bicep`` files that no other scanned file deploys as a module, in input order.

    ``read(path) -> (text, diagnostic)`` is the reader in use. A file reachable from no root (a
    module cycle) is kept as a root, so that lowering reports the cycle.
    """
    scanned = [os.path.normpath(f) for f in files]
    called: dict = {}
    for f in scanned:
        text, diag = read(f)
        if diag is not None or text is None:
            continue
        for target in module_targets(f, text):
            if target in scanned and target != f:
                called.setdefault(target, set()).add(f)
    from ..discover import callers_first

    return callers_first(scanned, called)


def using_target(path: str, text: Optional[str]) -> Optional[str]:
    """The template a ``.bicepparam`` file names on its ``using`` line (normalised path), or None when
    it does not parse, names none, or names a registry template."""
    if text is None:
        return None
    try:
        program = parse(text, path, params_file=True)
    except (BicepSyntaxError, RecursionError):
        return None
    for decl in program.decls:
        if decl.kind == "using" and isinstance(decl.path, Lit) and not decl.path.value.startswith(REGISTRY_PREFIXES):
            return os.path.normpath(os.path.join(os.path.dirname(path), decl.path.value))
    return None


def compiled_from_bicep(text: Optional[str]) -> bool:
    """True for JSON text that the Bicep compiler produced (``metadata._generator.name == "bicep"``)."""
    if not text or '"_generator"' not in text:
        return False
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except ValueError:
        return False
    gen = ((doc.get("metadata") or {}).get("_generator") or {}) if isinstance(doc, dict) else {}
    return isinstance(gen, dict) and isinstance(gen.get("name"), str) and gen["name"].lower() == "bicep"


def twin_names(bicep_path: str) -> list:
    """The names the compiled JSON of ``bicep_path`` has beside it: ``x.json`` for ``x.bicep`` (and
    ``azuredeploy.json`` for ``main.bicep``, as the quickstart templates name them)."""
    stem = os.path.basename(bicep_path)[: -len(".bicep")]
    return [stem + ".json"] + (["azuredeploy.json"] if stem.lower() == "main" else [])


def compiled_twins(bicep_path: str, read: Optional[Callable[[str], Optional[str]]] = None) -> list:
    """JSON files beside ``bicep_path`` that the Bicep compiler made from it. ``read(path)`` gives a
    file's text or None (default: read inside the file's own folder)."""
    folder = os.path.dirname(bicep_path)
    if read is None:
        boundary = Boundary([folder or "."])

        def read(p: str) -> Optional[str]:
            try:
                return files.read_text(p, boundary, limit=10_000_000)
            except files.InputError:
                return None
    out = []
    for name in twin_names(bicep_path):
        candidate = os.path.join(folder, name)
        if os.path.isfile(candidate) and compiled_from_bicep(read(candidate)):
            out.append(candidate)
    return out
