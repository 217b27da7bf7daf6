"""The ARM template front end: which JSON files are templates, which parameters go with them, and
the deployments they make (evaluated here, then mapped to the model by the ARM adapter).

- A JSON file is a template when its ``$schema`` names a deployment template (any casing, any
  schema version, resource group, subscription, management group or tenant scope); a
  parameters file when it names ``deploymentParameters``. Other JSON is not ours and is skipped.
  A file that cannot be parsed is reported (EXV000) only when its text names one of those schemas.
- Parameters files go with the template beside them: ``x.parameters.json`` and
  ``x.parameters.<env>.json`` with ``x.json``; ``parameters.json`` / ``parameters.<env>.json``
  with the only template of their folder. Each parameters file of a template is a deployment of
  its own (its findings say which); a template without one is linted with its defaults. A template
  named on the command line brings its parameters files; a parameters file named on the command
  line is linted with its template, alone. ``--parameters FILE`` replaces the files found beside the
  templates it applies to (see :func:`plan_units`).
- Callers first: a template that another scanned template links to (``templateLink``) is
  evaluated through that caller only, unless only a cycle reaches it. Knowing that takes
  evaluation, so templates are evaluated when their units are made.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .. import files
from ..adapters import arm as arm_adapter
from ..discover import SKIP_DIRS, Scan, Unit, callers_first
from ..findings import Diagnostic, Location
from ..paths import Boundary, find_repository
from . import suppressions
from .documents import is_parameters_file, is_template, parse_json
from .template import evaluate

_SCHEMA_MARKERS = ("deploymenttemplate.json", "deploymentparameters.json")
_NOT_OURS = (".tf.json", ".tfvars.json")


@dataclass
class Deployment:
    """A template with the parameters files it is deployed with (later ones win)."""

    template: str
    parameters: list = field(default_factory=list)

    @property
    def name(self) -> str:
        """The deployment's name: the template, and its parameters files when there are some."""
        return self.template + "".join(f" + {p}" for p in self.parameters)


class ArmFrontEnd:
    """ARM JSON templates (also what Bicep compiles to) with their parameters and linked templates."""

    name = "arm"
    suffixes = (".json",)
    adapters = (arm_adapter,)

    def units(self, scan: Scan) -> list:
        docs: dict = {}
        taken = set(scan.claimed)  # --parameters files the Bicep front end applied to .bicep files
        candidates = scan.unclaimed(lambda p: p.endswith(".json") and not p.endswith(_NOT_OURS))
        for path in list(candidates):  # a file named on the command line brings the files that go with it
            if path in scan.named:
                candidates.extend(p for p in _beside(path, scan) if p not in candidates and p not in scan.claimed)
        templates, parameters = [], []
        for path in candidates:
            doc = _read(path, scan, docs)
            if doc is None:
                continue
            scan.claimed.add(path)
            (templates if is_template(doc) else parameters).append(path)
        explicit = []
        for path in scan.parameter_files:
            if path.endswith(".bicepparam") or path in taken:
                continue  # read with the .bicep front end (a .bicepparam, or JSON for a named .bicep file)
            text = scan.text(path)
            doc, diag = parse_json(path, text) if text is not None else (None, None)
            if isinstance(doc, dict) and not is_template(doc):  # the schema line is optional here, as for az
                docs[path] = doc
                explicit.append(path)
            elif text is not None:
                scan.diagnostics.append(diag or Diagnostic("EXV003", Location(path),
                                                           "--parameters: not an ARM parameters file"))
        named_parameters = tuple(p for p in parameters if p in scan.named)
        planned, diagnostics = plan_units(templates, parameters, explicit, scan.named, named_parameters)
        scan.diagnostics.extend(diagnostics)
        return self._evaluate(planned, docs, scan)

    def _evaluate(self, planned: list, docs: dict, scan: Scan) -> list:
        evaluated = []
        for deployment in planned:
            params = [(p, docs[p]) for p in deployment.parameters]
            try:
                data = evaluate(deployment.template, docs[deployment.template], params, boundary=scan.cache.boundary)
            except RecursionError:
                scan.diagnostics.append(Diagnostic("EXV000", Location(deployment.template, 1),
                                                   "template nested too deeply to evaluate"))
                continue
            except Exception as exc:  # one template's internal error must not stop the others: load() reports it
                data = exc
            evaluated.append((deployment, data))
        links: dict = {os.path.realpath(d.template): set() for d, _ in evaluated}
        for deployment, data in evaluated:
            if not isinstance(data, Exception):
                links[os.path.realpath(deployment.template)].update(data.linked)
        keep = _roots(links)
        kept = [(d, data) for d, data in evaluated if os.path.realpath(d.template) in keep]
        per_template: dict = {}
        for deployment, _ in kept:
            per_template.setdefault(deployment.template, []).append(deployment)
        units = []
        for deployment, data in kept:
            read = set() if isinstance(data, Exception) else set(data.files)
            scan.claimed.update(read)
            several = len(per_template[deployment.template]) > 1 and deployment.parameters
            variant = f"with parameters {os.path.basename(deployment.parameters[-1])}" if several else ""
            units.append(Unit(self, deployment.name, data, read | {deployment.template}, variant))
        return units

    def load(self, unit: Unit, scan: Scan, config) -> tuple:
        if isinstance(unit.data, Exception):  # evaluation failed while the units were made
            raise unit.data
        return unit.data, [d for d in unit.data.diagnostics if relevant(d)]

    def directives(self, loaded, scan: Scan) -> list:
        """``exvlint:ignore`` in the resource metadata of the templates this deployment read."""
        return template_directives(getattr(loaded, "files", ()), scan)

    def containing_units(self, path: str) -> Optional[list]:
        """Paths to lint so that a changed template is checked through the templates that link to it
        (pre-commit passes changed files); None for a file that is not a template. A parameters file
        needs nothing more: named, it brings its template."""
        if not path.endswith(".json") or path.endswith(_NOT_OURS) or not os.path.isfile(path):
            return None
        repo = find_repository(path)
        try:
            head = files.read_bytes(path, Boundary([repo or os.path.dirname(os.path.abspath(path))]))[:8192]
        except files.InputError:
            return None  # the run that lints the file reports it
        if _SCHEMA_MARKERS[0] not in head.decode("utf-8", "replace").lower():
            return None
        if repo is None:
            return [path]
        linkers = _linkers(repo)
        target, seen, todo, roots = os.path.realpath(path), set(), [os.path.realpath(path)], []
        while todo:  # up the chain of templates whose templateLink may name the file
            current = todo.pop()
            up = [t for t, text in linkers if os.path.basename(current).lower() in text and t != current]
            if not up and current != target:
                roots.append(current)
            for t in up:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        shown = [os.path.relpath(r) if not os.path.isabs(path) else r for r in sorted(roots)]
        return shown + [path]  # the file itself too: evaluated on its own only when no caller links it


@lru_cache(maxsize=8)
def _linkers(repo: str) -> tuple:
    """(real path, lower-case text) of the templates in the repository that have a templateLink,
    read lexically (a lint run evaluates what they really link)."""
    boundary = Boundary([repo])  # the index reads nothing outside the repository
    out = []
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(".json") or name.endswith(_NOT_OURS):
                continue
            path = os.path.join(dirpath, name)
            try:
                text = files.read_bytes(path, boundary).decode("utf-8", "replace").lower()
            except files.InputError:
                continue
            if "templatelink" in text and _SCHEMA_MARKERS[0] in text[:8192]:
                out.append((os.path.realpath(path), text))
    return tuple(out)


def template_directives(paths, scan: Scan) -> list:
    """The suppression directives of the JSON templates among ``paths`` (only files that hold one are parsed)."""
    out: list = []
    for path in dict.fromkeys(paths):
        if not path.lower().endswith(".json"):
            continue
        text = scan.text(path)
        if text is None or suppressions.KEY not in text:
            continue
        doc, _ = parse_json(path, text)
        if doc is not None and is_template(doc):
            out.extend(suppressions.file_directives(path, doc))
    return out


def relevant(diagnostic) -> bool:
    """An evaluator note (EXV001) matters when it hides a resource the adapter reads, or a nested
    deployment (which may deploy anything)."""
    if diagnostic.rule_id != "EXV001":
        return True
    rtype = getattr(diagnostic, "rtype", "")
    return not rtype or arm_adapter.reads_type(rtype)


def _read(path: str, scan: Scan, docs: dict) -> Optional[object]:
    """The positioned document of a template or parameters file, else None (other JSON is not ours)."""
    if path in docs:
        return docs[path]
    doc = None
    text = scan.text(path)  # an unreadable file is reported by the scan
    if text is not None:
        doc, diag = parse_json(path, text)
        if diag is not None:
            # a broken file is ours to report only when it says it is a template or parameters file
            if any(m in text[:8192].lower() for m in _SCHEMA_MARKERS):
                scan.diagnostics.append(diag)
                scan.claimed.add(path)
            doc = None
        elif not (is_template(doc) or is_parameters_file(doc)):
            doc = None
    docs[path] = doc
    return doc


def parameters_base(parameters_path: str) -> Optional[str]:
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


def _stem(path: str) -> str:
    return os.path.basename(path)[: -len(".json")].lower()


def plan_units(templates: list, parameters: list, explicit: list, named: set,
               named_parameters: tuple = ()) -> tuple:
    """(deployments, diagnostics): each template with the parameters files that go with it.

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
        base = parameters_base(p)
        in_dir = by_dir.get(os.path.dirname(p), [])
        if base is None:
            continue
        target = (in_dir[0] if len(in_dir) == 1 else None) if base == "" else \
            next((t for t in in_dir if _stem(t) == base.lower()), None)
        if target is not None:
            beside[target].append(p)
    chosen: dict = {}
    if explicit:
        targets = [t for t in templates if t in named]
        if not targets:
            bases = {(parameters_base(p) or "").lower() for p in explicit}
            targets = [t for t in templates if _stem(t) in bases]
        if not targets and len(templates) == 1:
            targets = list(templates)
        if not targets:
            diagnostics.append(Diagnostic("EXV003", Location("<command line>"),
                                          "--parameters: no scanned template to apply it to; name the template "
                                          "file too (exvlint check x.json --parameters x.parameters.json)"))
        for t in targets:
            chosen[t] = [list(explicit)]
    out = []
    for t in templates:
        named_here = [[p] for p in sorted(beside[t]) if p in named_parameters]
        sets = chosen.get(t) or named_here or [[p] for p in sorted(beside[t])] or [[]]
        out.extend(Deployment(t, s) for s in sets)
    return out, diagnostics


def _beside(path: str, scan: Scan) -> list:
    """For a template, the parameters files beside it; for a parameters file, its template."""
    directory = os.path.dirname(path)
    try:
        names = files.list_dir(directory or ".", scan.cache.boundary)
    except files.InputError:
        return []
    base = parameters_base(path)
    out = []
    for name in names:
        other = os.path.normpath(os.path.join(directory, name))
        if other == path or not name.lower().endswith(".json") or name.endswith(_NOT_OURS):
            continue
        if base is None:  # a template: x.parameters*.json and parameters*.json
            if parameters_base(other) in (_stem(path), ""):
                out.append(other)
        elif _stem(other) == base.lower() or (base == "" and parameters_base(other) is None):
            out.append(other)
    return out


def _roots(links: dict) -> set:
    """Templates evaluated on their own: those no other template links to, and those only a cycle
    reaches (``links``: template -> the templates it links to)."""
    called: dict = {}  # template -> the templates that link to it
    for src, targets in links.items():
        for t in targets:
            if t != src:
                called.setdefault(t, set()).add(src)
    return set(callers_first(list(links), called))


__all__ = ["ArmFrontEnd", "plan_units", "Deployment", "relevant", "parameters_base", "template_directives"]
