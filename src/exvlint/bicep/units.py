"""Which Bicep files are deployments of their own: callers first.

A ``.bicep`` file that another scanned ``.bicep`` file deploys as a local module is evaluated
through that caller (with the caller's parameters), not again on its own; one that no scanned
file calls is a root, deployed with its defaults. A ``.bicepparam`` file names its template on its
``using`` line; each parameters file is a deployment of its own.
"""
from __future__ import annotations

import json
import os
from typing import Optional

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


def compiled_from_bicep(json_path: str, text: Optional[str] = None) -> bool:
    """True for JSON that the Bicep compiler produced (``metadata._generator.name == "bicep"``)."""
    try:
        if text is None:
            with open(json_path, encoding="utf-8-sig") as fh:
                text = fh.read(1_000_000)
        doc = json.loads(text)
    except (OSError, ValueError):
        return False
    gen = ((doc.get("metadata") or {}).get("_generator") or {}) if isinstance(doc, dict) else {}
    return isinstance(gen, dict) and gen.get("name") == "bicep"


def compiled_twins(bicep_path: str) -> list:
    """JSON files beside ``bicep_path`` that the Bicep compiler made from it: ``x.json`` for ``x.bicep``
    (and ``azuredeploy.json`` for ``main.bicep``, as the quickstart templates name them)."""
    folder, name = os.path.split(bicep_path)
    stem = name[: -len(".bicep")]
    candidates = [stem + ".json"] + (["azuredeploy.json"] if stem == "main" else [])
    return [os.path.join(folder, c) for c in candidates
            if os.path.isfile(os.path.join(folder, c)) and compiled_from_bicep(os.path.join(folder, c))]
