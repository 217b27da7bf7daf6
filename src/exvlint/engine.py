"""The pipeline: discover -> parse -> evaluate -> normalize -> check -> suppress -> report."""
from __future__ import annotations

import gc
import os
import re
import traceback
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import suppress
from .catalog import load_catalog
from .config import Config
from .discover import discover
from .findings import LEVEL_RANK, Finding, Location
from .paths import git_root, is_within, repo_relative, repository_root

# the evaluator, adapters, model and checks are imported when there is something to lint
# (start-up time matters for a pre-commit hook)
if TYPE_CHECKING:
    from .model import Deployment

INPUT_ERRORS = {"EXV000", "EXV003"}


@dataclass
class LintResult:
    findings: list = field(default_factory=list)  # sorted, deterministic
    files: list = field(default_factory=list)  # input files read
    deployments: list = field(default_factory=list)
    root: str = "."  # the repository root: SARIF URIs and fingerprints are relative to it

    def exit_code(self, fail_level: str = "warning") -> int:
        if any(f.rule_id in INPUT_ERRORS for f in self.findings if not f.suppressed):
            return 2
        threshold = LEVEL_RANK.get(fail_level, 2)
        if threshold and any(LEVEL_RANK[f.level] >= threshold for f in self.findings if not f.suppressed):
            return 1
        return 0


def lint(paths: list, config: Config | None = None) -> LintResult:
    """Lint ``paths`` (files or directories) and return every finding."""
    # a run builds millions of small acyclic objects: the cyclic collector only rescans them
    # (about 40% of a 60,000-resource run) and finds nothing to free
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint(paths, config)
    finally:
        if gc_was_enabled:
            gc.enable()


def _lint(paths: list, config: Config | None) -> LintResult:
    config = config or Config()
    levels = {rid: doc.level for rid, doc in load_catalog().items()}
    findings: list = list(config.errors)
    parse_cache: dict = {}
    units = discover(list(paths) or ["."], parse_cache, config.exclude_paths)
    diagnostics = list(units.diagnostics)
    deployments = []
    plans = []
    for path in units.json_files:
        plan, diag = _read_plan(path, parse_cache)
        if diag is not None:
            diagnostics.append(diag)
        elif plan is not None:
            plans.append(plan)
    planned_dirs = {os.path.normpath(p.config_dir) for p in plans}
    if plans or units.terraform_roots:
        from .adapters import TERRAFORM_ADAPTERS
        from .model import Deployment
        from .terraform.evaluate import Evaluator, load_modules_json
    for plan in plans:  # a plan is the resolved form of the module beside it: each resource once
        deployment = Deployment(name=plan.path)
        try:
            for adapter in TERRAFORM_ADAPTERS:
                adapter.adapt(plan, deployment)
        except Exception as exc:  # never a traceback: an internal error is a finding
            findings.append(_internal_error("reading the plan", exc, Location(plan.path)))
        diagnostics.extend(plan.diagnostics)
        deployments.append(deployment)
    for root in units.terraform_roots:
        if os.path.normpath(root) in planned_dirs:
            continue
        evaluator = Evaluator(root, parse_cache, load_modules_json(root), tuple(config.cli_inputs),
                              boundary=_boundary(root, paths))
        deployment = Deployment(name=root)
        try:
            evaluator.run()
            for adapter in TERRAFORM_ADAPTERS:
                adapter.adapt(evaluator, deployment)
        except Exception as exc:  # never a traceback: an internal error is a finding
            findings.append(_internal_error("evaluating the module", exc, Location(root)))
        diagnostics.extend(evaluator.diagnostics)
        deployments.append(deployment)
    rule_findings = [f for d in deployments for f in run_checks(d, config, levels)]
    # an evaluator note is dropped where a rule already says what it could not decide there
    explained = {(f.location.path, f.location.line) for f in rule_findings if f.rule_id == "EXV001"}
    findings.extend(f for f in _from_diagnostics(diagnostics, config)
                    if not (f.rule_id == "EXV001" and (f.location.path, f.location.line) in explained))
    findings.extend(rule_findings)
    findings = suppress.apply(_dedupe(findings), config)
    findings.sort(key=Finding.sort_key)
    root = repository_root(list(paths)[0] if paths else ".")
    for f in findings:
        f.fingerprint = f.make_fingerprint(repo_relative(f.location.path, root),
                                           repo_relative(f.unit, root) if f.unit else "")
    files = sorted({os.path.realpath(f) for f in list(parse_cache) + list(units.files)})
    return LintResult(findings, files, deployments, root)


def _read_plan(path: str, parse_cache: dict) -> tuple:
    """(PlanResult, None) for a Terraform plan JSON, (None, None) for other JSON, or an input error."""
    from .terraform.evaluate import read_text
    from .terraform.plan import is_plan, load_plan

    text, diag = read_text(path)
    if diag is not None:
        return None, diag
    if '"format_version"' not in text[:4096] and '"planned_values"' not in text:
        return None, None  # not a plan (package.json, ARM templates are read elsewhere)
    plan, diag = load_plan(path, text, parse_cache)
    if diag is not None or not is_plan(plan.doc):
        return None, diag
    parse_cache[path] = (None, None)  # listed among the files read
    return plan, None


def _boundary(root: str, paths: list):
    """Local module sources may not leave the git repository; outside git they are followed
    wherever they lead, as Terraform does (a cycle is still an input error)."""
    return git_root(root)


def run_checks(deployment: Deployment, config: Config, levels: dict) -> list:
    from .checks import CHECKS, RuleContext

    ctx = RuleContext(deployment, config, levels)
    for rule_id, fn in sorted(CHECKS.items()):
        if not suppress.selected(rule_id, config):
            continue
        ctx.rule_id = rule_id
        try:
            fn(deployment, ctx)
        except Exception as exc:  # a crashing rule is a finding, not a dead run
            ctx.findings.append(_internal_error(f"rule {rule_id}", exc, Location(deployment.name)))
    for f in ctx.findings:
        f.unit = deployment.name
    return ctx.findings


def _internal_error(what: str, exc: Exception, location: Location) -> Finding:
    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    message = f"internal error in {what}: {type(exc).__name__}: {exc}{where}; please report this"
    return Finding("EXV002", "error", message, location, key=what)


def _relevant(address: str) -> bool:
    """An evaluator note matters when it hides a module or a resource that an adapter reads."""
    rest = _MODULE_PREFIX.sub("", address or "")
    if not rest:  # the address of a module call: its resources may be anything
        return True
    rtype = rest[len("data."):] if rest.startswith("data.") else rest
    from .adapters import TERRAFORM_ADAPTERS

    return any(adapter.reads_type(rtype.split(".")[0]) for adapter in TERRAFORM_ADAPTERS)


_MODULE_PREFIX = re.compile(r'^(?:module\.[A-Za-z0-9_-]+(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?(?:\.|$))+')


def _from_diagnostics(diagnostics: list, config: Config) -> list:
    out = []
    for d in diagnostics:
        if d.rule_id == "EXV001":
            if not config.strict or not _relevant(d.address):
                continue
            out.append(Finding("EXV001", config.levels.get("EXV001", "note"), f"unresolved: {d.message}",
                               d.location, address=d.address, key=d.message))
        else:
            out.append(Finding(d.rule_id, "error", d.message, d.location, address=d.address, key=d.message))
    return out


def _dedupe(findings: list) -> list:
    seen = set()
    out = []
    for f in findings:
        key = (f.rule_id, f.location, f.address, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
