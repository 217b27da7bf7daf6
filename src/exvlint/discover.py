"""discover: paths -> units of evaluation (Terraform root modules, with their children).

A directory that another scanned directory calls as a local module is evaluated through that
caller (with its arguments), not again on its own. A module library that no scanned file calls
is evaluated on its own with its defaults.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from .findings import Location
from .scope import glob_match

# the Terraform reader is imported where a directory holds Terraform files (start-up time)

SKIP_DIRS = {".git", ".terraform", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox"}
TERRAFORM_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


@dataclass
class Units:
    terraform_roots: list = field(default_factory=list)  # directories, evaluated as root modules
    json_files: list = field(default_factory=list)  # other .json files: plans (and templates) by content
    diagnostics: list = field(default_factory=list)  # EXV000 for paths that do not exist, etc.
    files: set = field(default_factory=set)  # every input file found


def discover(paths: list, parse_cache: dict, exclude: Optional[list] = None) -> Units:
    units = Units()
    tf_dirs: list = []
    for path in paths:
        if not os.path.exists(path):
            from .terraform.evaluate import Diagnostic

            units.diagnostics.append(Diagnostic("EXV000", Location(path), "no such file or directory"))
            continue
        if os.path.isdir(path):
            for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
                dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
                if _excluded(dirpath, exclude):
                    dirnames[:] = []
                    continue
                if any(f.endswith((".tf", ".tf.json")) for f in filenames):
                    tf_dirs.append(dirpath)
                units.files.update(os.path.join(dirpath, f) for f in filenames if f.endswith(TERRAFORM_SUFFIXES))
                units.json_files.extend(os.path.join(dirpath, f) for f in sorted(filenames) if _other_json(f))
        elif _other_json(os.path.basename(path)):
            units.json_files.append(path)
        elif path.endswith(TERRAFORM_SUFFIXES):
            directory = os.path.dirname(path) or "."
            tf_dirs.append(directory)  # Terraform references cross files: read the whole module
            units.files.add(path)
        else:
            from .terraform.evaluate import Diagnostic

            units.diagnostics.append(Diagnostic("EXV000", Location(path), "not a Terraform file or directory exvlint can read"))
    seen = set()
    ordered = []
    for d in tf_dirs:
        key = os.path.normpath(d)
        if key not in seen:
            seen.add(key)
            ordered.append(key)
    called = _called_dirs(ordered, parse_cache)
    roots = [d for d in ordered if d not in called]
    # a directory reachable from no root (module cycle) is evaluated on its own; the evaluator
    # then reports the cycle
    reachable = set(roots)
    changed = True
    while changed:
        changed = False
        for target, callers in called.items():
            if target not in reachable and callers & reachable:
                reachable.add(target)
                changed = True
    units.terraform_roots = roots + [d for d in ordered if d not in reachable]
    return units


def _other_json(name: str) -> bool:
    return name.endswith(".json") and not name.endswith((".tf.json", ".tfvars.json"))


def _excluded(dirpath: str, exclude: Optional[list]) -> bool:
    if not exclude:
        return False
    norm = os.path.normpath(dirpath).replace("\\", "/")
    return any(glob_match(p.rstrip("/"), norm) or glob_match(p.rstrip("/") + "/*", norm) for p in exclude)


def _called_dirs(dirs: list, parse_cache: dict) -> dict:
    """Scanned directories that another scanned directory calls as a local module -> callers."""
    if not dirs:
        return {}
    from .terraform.evaluate import parse_file, tf_files

    scanned = set(dirs)
    called: dict = {}
    for d in dirs:
        for path in tf_files(d):
            parsed, _ = parse_file(path, parse_cache)
            if parsed is None:
                continue
            for block in parsed.body.blocks:
                if block.type != "module":
                    continue
                source = block.body.attributes.get("source")
                text = _literal_string(source.expr) if source is not None else None
                if text and text.startswith(("./", "../")):
                    target = os.path.normpath(os.path.join(d, text))
                    if target in scanned and target != d:
                        called.setdefault(target, set()).add(d)
    return called


def _literal_string(expr) -> Optional[str]:
    from .terraform.hcl import Template

    if isinstance(expr, Template) and len(expr.parts) == 1 and isinstance(expr.parts[0], str):
        return expr.parts[0]
    return None
