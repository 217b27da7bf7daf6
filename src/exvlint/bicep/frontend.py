"""The Bicep front end: ``.bicep`` sources (callers first) with their parameters, evaluated as ARM.

A unit is a root ``.bicep`` file (one that no scanned ``.bicep`` file deploys as a module) with one
set of parameters: a ``.bicepparam`` file whose ``using`` line names it, or a JSON parameters file
beside it (``main.parameters.json``, or ``azuredeploy.parameters.json`` beside the
``azuredeploy.json`` compiled from ``main.bicep``); without any, its defaults. Each parameters file
is a deployment of its own and its findings say which. ``load`` lowers the file into the positioned
ARM template the Bicep compiler would emit (:func:`exvlint.bicep.lower.lower`, modules inlined as
nested deployments whose positions point into the module files) and evaluates it with the ARM
evaluator; the ARM adapter maps the result, so every location is in a ``.bicep`` file.

The JSON that the Bicep compiler made from a scanned ``.bicep`` file (its compiled twin, see
:func:`~exvlint.bicep.units.compiled_twins`) is claimed and not linted: it is the same deployment,
and the source is what users edit. A twin is linted as an ARM template only when its ``.bicep`` is
not part of the run (a pre-commit run that passes the changed JSON alone).
"""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Optional

from .. import files
from ..adapters import arm as arm_adapter
from ..arm.documents import is_parameters_file, is_template, parse_json, read_json
from ..arm.frontend import parameters_base, relevant, template_directives
from ..arm.result import ArmResult
from ..arm.template import evaluate
from ..discover import SKIP_DIRS, Scan, Unit
from ..findings import Diagnostic, Location
from ..paths import Boundary, find_repository
from . import suppressions
from .bicepparam import parse_bicepparam
from .lower import lower
from .units import bicep_roots, compiled_from_bicep, compiled_twins, module_targets, twin_names, using_target

SUFFIXES = (".bicep", ".bicepparam")


class BicepFrontEnd:
    name = "bicep"
    suffixes = SUFFIXES
    adapters = (arm_adapter,)

    def units(self, scan: Scan) -> list:
        sources = scan.unclaimed(lambda p: p.endswith(".bicep"))
        params = scan.unclaimed(lambda p: p.endswith(".bicepparam"))
        explicit = [p for p in scan.parameter_files if p.endswith(".bicepparam")]
        for path in [p for p in sources if p in scan.named]:  # a named file brings its .bicepparam files
            params.extend(p for p in _beside(path, ".bicepparam", scan) if p not in params and p not in scan.claimed
                          and using_target(p, scan.text(p)) == path)
        params.extend(p for p in explicit if p not in params)
        scan.claimed.update(sources + params)
        roots = bicep_roots(sources, lambda p: (scan.text(p), None))
        twins = {root: self._twins(root, scan) for root in sources}
        for found in twins.values():  # the compiled JSON of a linted source is the same deployment
            scan.claimed.update(found)
        sets: dict = {root: [] for root in roots}  # template -> [[parameters file]]
        others: list = []  # (template or None, [parameters file]): .bicepparam files of other templates
        for p in params:
            target = using_target(p, scan.text(p))
            if target in sets:
                sets[target].append([p])
            else:  # a template not scanned (or unreadable: loading reports it)
                others.append((target, [p]))
                if target is not None and target.lower().endswith(".json"):
                    scan.claimed.add(target)  # a JSON template deployed with this file, not also with its defaults
        for p in explicit:  # --parameters x.bicepparam replaces the other parameters of its template
            target = using_target(p, scan.text(p))
            if target in sets:
                sets[target] = [[p]]
        for root in self._explicit_json_targets(roots, twins, scan):
            sets[root] = [[p for p in scan.parameter_files if p.lower().endswith(".json")]]
        for root in roots:
            if not sets[root]:
                # a source named alone (pre-commit) still has its compiled twin beside it, whose parameters it takes
                beside = compiled_twins(root, scan.text) if root in scan.named else []
                found = self._json_parameters(root, list(dict.fromkeys(twins[root] + beside)), scan)
                sets[root] = [[p] for p in found] or [[]]
        units = []
        for template, choices in list(sets.items()) + [(t, [ps]) for t, ps in others]:
            for chosen in choices:
                several = len(choices) > 1
                variant = f"with parameters {os.path.basename(chosen[-1])}" if several else ""
                name = (template or "") + "".join(f" + {p}" for p in chosen) if template else chosen[0]
                units.append(Unit(self, name, (template, tuple(chosen)), {template, *chosen} - {None}, variant))
        return units

    def _explicit_json_targets(self, roots: list, twins: dict, scan: Scan) -> list:
        """The roots that ``--parameters x.json`` applies to, as for ARM templates: the ``.bicep`` files
        named on the command line, else those whose name (or compiled twin's) the file name matches,
        else the only one, when no other template is scanned. The files are claimed for them."""
        explicit = [p for p in scan.parameter_files if p.lower().endswith(".json") and p not in scan.claimed]
        if not explicit or not roots:
            return []
        targets = [r for r in roots if r in scan.named]
        if not targets:
            bases = {(parameters_base(p) or "").lower() for p in explicit}
            targets = [r for r in roots if _stem(r) in bases or any(_stem(t) in bases for t in twins[r])]
        if not targets and len(roots) == 1 and not any(
                _is_template_text(p, scan.text(p)) for p in scan.unclaimed(lambda p: p.lower().endswith(".json"))):
            targets = list(roots)
        if targets:
            for p in explicit:
                text = scan.text(p)
                doc, diag = parse_json(p, text) if text is not None else (None, None)
                if not isinstance(doc, dict) or is_template(doc):
                    scan.diagnostics.append(diag or Diagnostic("EXV003", Location(p), "--parameters: not an ARM "
                                                               "parameters file"))
            scan.claimed.update(explicit)
        return targets

    def _twins(self, root: str, scan: Scan) -> list:
        """The compiled twins of a source among the scanned files (see units.compiled_twins)."""
        folder = os.path.dirname(root)
        scanned = set(scan.files)
        out = []
        for name in twin_names(root):
            candidate = os.path.normpath(os.path.join(folder, name))
            if candidate in scanned and candidate not in scan.claimed and compiled_from_bicep(scan.text(candidate)):
                out.append(candidate)
        return out

    def _json_parameters(self, root: str, twins: list, scan: Scan) -> list:
        """JSON parameters files beside a ``.bicep`` file that go with it: ``x.parameters*.json`` for
        ``x.bicep`` or for its compiled twin ``y.json`` (when ``x.json`` is a hand-written template of
        its own, they are that template's)."""
        folder = os.path.dirname(root)
        stem = os.path.basename(root)[: -len(".bicep")].lower()
        stems = {os.path.basename(t)[: -len(".json")].lower() for t in twins}
        if not self._template_of_its_own(os.path.join(folder, stem + ".json"), scan):
            stems.add(stem)
        candidates = [p for p in scan.files if os.path.dirname(p) == folder and p.lower().endswith(".json")]
        if root in scan.named:
            candidates += [p for p in _beside(root, ".json", scan) if p not in candidates]
        out = []
        for p in sorted(candidates):
            base = parameters_base(p)
            if p in scan.claimed or not base or base.lower() not in stems:
                continue
            text = scan.text(p)
            doc, _ = parse_json(p, text) if text is not None else (None, None)
            if doc is not None and is_parameters_file(doc):
                scan.claimed.add(p)
                out.append(p)
        return out

    @staticmethod
    def _template_of_its_own(path: str, scan: Scan) -> bool:
        """A JSON template beside the source that Bicep did not compile (its parameters are its own)."""
        path = os.path.normpath(path)
        if not os.path.isfile(path):
            return False
        text = scan.text(path)
        doc, _ = parse_json(path, text) if text is not None else (None, None)
        return doc is not None and is_template(doc) and not compiled_from_bicep(text)

    def load(self, unit: Unit, scan: Scan, config) -> tuple:
        template_path, parameter_paths = unit.data
        boundary = scan.cache.boundary
        diagnostics: list = []
        parameters, expressions = [], {}
        for p in parameter_paths:
            if p.endswith(".bicepparam"):
                params, found = parse_bicepparam(p, boundary)
                diagnostics.extend(found)
                if params is None:
                    continue
                # its using line decides (None when the file it names is missing or outside: reported)
                template_path = params.template
                parameters.append((p, params.parameters))
                expressions.update(params.expressions)
            else:
                doc, diag = read_json(p, boundary)
                if diag is not None:
                    diagnostics.append(diag)
                else:
                    parameters.append((p, doc))
        if template_path is None:  # a .bicepparam whose template cannot be read: reported above
            return ArmResult(unit.name), _unique(diagnostics)
        if template_path.endswith(".bicep"):
            doc, found = lower(template_path, boundary)
            diagnostics.extend(found)
        else:  # a .bicepparam may name a JSON template
            doc, diag = read_json(template_path, boundary)
            if diag is not None:
                diagnostics.append(diag)
            elif not is_template(doc):
                diagnostics.append(Diagnostic("EXV000", Location(template_path, 1),
                                              "the file a .bicepparam names is not a deployment template"))
                doc = None
        if doc is None:  # a syntax error, reported above: nothing deployed
            return ArmResult(template_path, files=[template_path]), _unique(diagnostics)
        result = evaluate(template_path, doc, parameters, boundary=boundary, parameter_expressions=expressions)
        result.files.extend(f for f in _files_of(doc) if f not in result.files)
        diagnostics.extend(d for d in result.diagnostics if relevant(d))
        return result, _unique(diagnostics)

    def directives(self, loaded, scan: Scan) -> list:
        """``exvlint:ignore`` comments of the Bicep files this deployment read (and resource metadata of a
        JSON template a .bicepparam names)."""
        paths = list(getattr(loaded, "files", ()))
        out = template_directives(paths, scan)
        for path in dict.fromkeys(paths):
            if path.endswith(SUFFIXES):
                text = scan.text(path)
                if text is not None and "exvlint:ignore" in text:
                    out.extend(suppressions.file_directives(path, text))
        return out

    def containing_units(self, path: str) -> Optional[list]:
        """Paths to lint so that a changed ``.bicep`` file is checked through the files that deploy it
        as a module (transitively) and with their ``.bicepparam`` files; None for other files."""
        if not path.endswith(".bicep") or not os.path.isfile(path):
            return None
        repo = find_repository(path)
        if repo is None:
            return [path]
        sources, params = _module_index(repo)
        target = os.path.realpath(path)
        seen, todo, roots = {target}, [target], []
        while todo:  # up the chain of files whose module declarations may name the file
            current = todo.pop()
            name = os.path.basename(current)
            callers = [f for f, text in sources if f != current and name in text and current in _deploys(f, text)]
            if not callers:
                roots.append(current)
            for f in callers:
                if f not in seen:
                    seen.add(f)
                    todo.append(f)
        # the file itself only when nothing deploys it: a module named alone would be linted with its defaults
        own = [path] if roots == [target] else []
        wanted = set(roots)
        params = sorted(p for p, t in params if t in wanted)
        others = sorted(r for r in roots if r != target) + params
        return own + [os.path.relpath(p) if not os.path.isabs(path) else p for p in others]


@lru_cache(maxsize=8)
def _module_index(repo: str) -> tuple:
    """((real path, text) of the repository's ``.bicep`` files that declare modules, (real path of a
    ``.bicepparam``, real path of its template)), read inside the repository only and lexically: a file
    is parsed only when it may name the changed one."""
    boundary = Boundary([repo])
    sources, params = [], []
    for dirpath, dirnames, filenames in os.walk(repo):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for name in sorted(filenames):
            if not name.endswith(SUFFIXES):
                continue
            path = os.path.join(dirpath, name)
            try:
                text = files.read_text(path, boundary)
            except files.InputError:
                continue
            if name.endswith(".bicepparam"):
                target = using_target(path, text)
                if target is not None:
                    params.append((os.path.realpath(path), os.path.realpath(target)))
            elif "module" in text:
                sources.append((os.path.realpath(path), text))
    return tuple(sources), tuple(params)


@lru_cache(maxsize=4096)
def _deploys(path: str, text: str) -> frozenset:
    """Real paths of the local modules a ``.bicep`` file deploys."""
    return frozenset(os.path.realpath(t) for t in module_targets(path, text))


def _stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0].lower()


def _is_template_text(path: str, text: Optional[str]) -> bool:
    if text is None or "deploymenttemplate.json" not in text[:8192].lower():
        return False
    doc, _ = parse_json(path, text)
    return doc is not None and is_template(doc)


def _beside(path: str, suffix: str, scan: Scan) -> list:
    directory = os.path.dirname(path)
    try:
        names = files.list_dir(directory or ".", scan.cache.boundary)
    except files.InputError:
        return []
    return [os.path.normpath(os.path.join(directory, n)) for n in names if n.lower().endswith(suffix)
            and os.path.isfile(os.path.join(directory, n))]


def _files_of(doc) -> list:
    """The module files a lowered template holds (positions of nested templates name their file)."""
    out, stack = [], [doc]
    while stack:
        node = stack.pop()
        path = getattr(node, "path", "")
        if path and path not in out:
            out.append(path)
        if isinstance(node, dict):
            stack.extend(v for v in node.values() if isinstance(v, (dict, list)))
        elif isinstance(node, list):
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return out


def _unique(diagnostics: list) -> list:
    out = []
    for d in diagnostics:
        if d not in out:
            out.append(d)
    return out
