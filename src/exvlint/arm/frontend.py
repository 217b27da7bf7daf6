"""The ARM template front end: which JSON files are templates, which parameters go with them, and
the deployments they make (evaluated, then mapped to the model by the ARM adapter).

- A JSON file is a template when its ``$schema`` names a deployment template (any casing, any
  schema version, resource group, subscription, management group or tenant scope); a
  parameters file when it names ``deploymentParameters``. Other JSON is not ours and is skipped.
  A file that cannot be parsed is reported (EXV000) only when its text names one of those schemas.
- Parameters files go with the template beside them: ``x.parameters.json`` and
  ``x.parameters.<env>.json`` with ``x.json``; ``parameters.json`` / ``parameters.<env>.json``
  with the only template of their folder. Each parameters file of a template is a deployment of
  its own; a template without one is linted with its defaults. ``--parameters FILE`` replaces the
  files found beside the templates it applies to (see :func:`plan_units`).
- Callers first: a template that another scanned template links to (``templateLink``) is
  evaluated through that caller only, unless only a cycle reaches it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional

from ..findings import Location
from ..terraform.evaluate import Diagnostic, read_text
from .result import ArmResult
from .template import evaluate, is_parameters_file, is_template, read_json

_SCHEMA_MARKERS = ("deploymenttemplate.json", "deploymentparameters.json")


@dataclass
class Unit:
    template: str
    parameters: list = field(default_factory=list)  # parameters files, applied in order

    @property
    def name(self) -> str:
        """The deployment's name: the template, and its parameters file when there is one."""
        return self.template + "".join(f" + {p}" for p in self.parameters)


@dataclass
class Scan:
    results: list = field(default_factory=list)  # list[(Unit, ArmResult)], callers only
    diagnostics: list = field(default_factory=list)
    files: list = field(default_factory=list)  # every template and parameters file read
    variants: dict = field(default_factory=dict)  # unit name -> parameters file, for templates with several
    crashes: list = field(default_factory=list)  # (template, exception): internal errors, reported as EXV002


def _read(path: str, docs: dict, diagnostics: list) -> Optional[object]:
    """The positioned document of a JSON file that is a template or parameters file, else None."""
    if path in docs:
        return docs[path]
    doc, diag = read_json(path)
    if diag is not None:
        text, _ = read_text(path)
        # a broken file is ours to report only when it says it is a template or parameters file
        if text is None or any(m in text[:8192].lower() for m in _SCHEMA_MARKERS):
            diagnostics.append(diag)
        doc = None
    elif not (is_template(doc) or is_parameters_file(doc)):
        doc = None
    docs[path] = doc
    return doc


def _base_of(parameters_path: str) -> Optional[str]:
    """``x.parameters.json`` / ``x.parameters.dev.json`` -> ``x``; ``parameters*.json`` -> ''."""
    stem = os.path.basename(parameters_path)[: -len(".json")]
    lower = stem.lower()
    if lower == "parameters" or lower.startswith("parameters."):
        return ""
    if lower.endswith(".parameters"):
        return stem[: -len(".parameters")]
    if ".parameters." in lower:
        return stem[: lower.index(".parameters.")]
    return None


def plan_units(templates: list, parameters: list, explicit: list, named_templates: set,
               named_parameters: tuple = ()) -> tuple:
    """(units, diagnostics): each template with the parameters files that go with it.

    ``explicit`` are ``--parameters`` files: they go with the templates named on the command line,
    else with the templates their file name matches, else with the only template scanned.
    ``named_parameters``: parameters files named on the command line; their template is linted
    with them only.
    """
    diagnostics: list = []
    beside: dict = {t: [] for t in templates}
    by_dir: dict = {}
    for t in templates:
        by_dir.setdefault(os.path.dirname(t), []).append(t)
    for p in parameters:
        base = _base_of(p)
        directory = os.path.dirname(p)
        if base is None:
            continue
        if base == "":
            candidates = by_dir.get(directory, [])
            target = candidates[0] if len(candidates) == 1 else None
        else:
            target = next((t for t in by_dir.get(directory, [])
                           if os.path.basename(t)[: -len(".json")].lower() == base.lower()), None)
        if target is not None:
            beside[target].append(p)
    chosen: dict = {}
    if explicit:
        targets = [t for t in templates if t in named_templates]
        if not targets:
            bases = {(_base_of(p) or "").lower() for p in explicit}
            targets = [t for t in templates if os.path.basename(t)[: -len(".json")].lower() in bases]
        if not targets and len(templates) == 1:
            targets = list(templates)
        if not targets:
            diagnostics.append(Diagnostic("EXV003", Location("<command line>"),
                                          "--parameters: no scanned template to apply it to; name the template "
                                          "file too (exvlint check x.json --parameters x.parameters.json)"))
        for t in targets:
            chosen[t] = [list(explicit)]
    units = []
    for t in templates:
        named_here = [[p] for p in sorted(beside[t]) if p in named_parameters]
        sets = chosen.get(t) or named_here or [[p] for p in sorted(beside[t])] or [[]]
        units.extend(Unit(t, s) for s in sets)
    return units, diagnostics


def scan(json_files: list, explicit_parameters: list, named: set, boundary_of) -> Scan:
    """Find, evaluate and order the ARM deployments among ``json_files``.

    ``named``: files given on the command line; ``boundary_of(template)``: the folder linked
    templates must stay in.
    """
    out = Scan()
    docs: dict = {}
    templates, parameters = [], []
    files = list(json_files)
    for path in json_files:  # a file named on the command line brings the files beside it that go with it
        if os.path.normpath(path) in named:
            files.extend(p for p in _beside(path) if p not in files)
    for path in files:
        doc = _read(path, docs, out.diagnostics)
        if doc is None:
            continue
        (templates if is_template(doc) else parameters).append(path)
    for path in explicit_parameters:
        doc = _read(path, docs, out.diagnostics)
        if doc is None and path not in [d.location.path for d in out.diagnostics]:
            out.diagnostics.append(Diagnostic("EXV003", Location(path), "--parameters: not an ARM parameters file"))
    explicit = [p for p in explicit_parameters if docs.get(p) is not None]
    chosen = [p for p in parameters if os.path.normpath(p) in named]  # a parameters file named on the command line
    units, diags = plan_units(templates, parameters, explicit, named, chosen)
    out.diagnostics.extend(diags)
    evaluated = []
    for unit in units:
        params = [(p, docs[p]) for p in unit.parameters]
        try:
            result = evaluate(unit.template, docs[unit.template], params, boundary=boundary_of(unit.template))
        except RecursionError:
            out.diagnostics.append(Diagnostic("EXV000", Location(unit.template, 1),
                                              "template nested too deeply to evaluate"))
            continue
        except Exception as exc:  # one template's internal error must not stop the others
            out.crashes.append((unit.template, exc))
            continue
        evaluated.append((unit, result))
    links = {os.path.realpath(u.template): set() for u, _ in evaluated}
    for unit, result in evaluated:
        links[os.path.realpath(unit.template)].update(result.linked)
    keep = _roots(links)
    per_template: dict = {}
    for unit, result in evaluated:
        if os.path.realpath(unit.template) in keep:
            out.results.append((unit, result))
            out.diagnostics.extend(result.diagnostics)
            per_template.setdefault(unit.template, []).append(unit)
        out.files.extend(result.files)
    for units_of in per_template.values():
        if len(units_of) > 1:
            for unit in units_of:
                out.variants[unit.name] = unit.parameters[-1] if unit.parameters else None
    out.files.extend(json_files_read(docs))
    return out


def _beside(path: str) -> list:
    """For a template, the parameters files beside it; for a parameters file, its template."""
    directory = os.path.dirname(path)
    try:
        names = sorted(os.listdir(directory or "."))
    except OSError:
        return []
    stem = os.path.basename(path)[: -len(".json")].lower()
    base = _base_of(path)
    out = []
    for name in names:
        other = os.path.join(directory, name)
        if other == path or not name.lower().endswith(".json") or name.endswith((".tf.json", ".tfvars.json")):
            continue
        if base is None:  # a template: x.parameters*.json and parameters*.json
            if _base_of(other) in (stem, ""):
                out.append(other)
        elif name[: -len(".json")].lower() == base.lower() or (base == "" and _base_of(other) is None):
            out.append(other)
    return out


def json_files_read(docs: dict) -> list:
    return [p for p, d in docs.items() if d is not None]


def _roots(links: dict) -> set:
    """Templates evaluated on their own: those no other template links to, and those only a cycle
    reaches."""
    linked = {t for src, targets in links.items() for t in targets if t != src}
    roots = {t for t in links if t not in linked}
    reachable = set(roots)
    changed = True
    while changed:
        changed = False
        for src in list(reachable):
            for t in links.get(src, ()):
                if t not in reachable:
                    reachable.add(t)
                    changed = True
    return roots | {t for t in links if t not in reachable}


__all__ = ["scan", "plan_units", "Unit", "Scan", "ArmResult"]
