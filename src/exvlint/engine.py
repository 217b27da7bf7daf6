"""The pipeline: discover -> parse -> evaluate -> normalize -> check -> suppress -> report."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import limits, suppress, vmfacts
from .catalog import load_catalog
from .checks import CHECKS, RuleContext
from .config import Config
from .discover import discover
from .findings import LEVEL_RANK, Finding, Location, internal_error_message
from .model import Deployment
from .files import FileCache
from .paths import Boundary, real_path, repo_relative, repository_root

# input and configuration errors, and internal errors: exit 2, never 1 (which means "findings")
INPUT_ERRORS = {"EXV000", "EXV002", "EXV003"}


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
    config = config or Config()
    with limits.use(config.limits):
        return _lint(list(paths) or ["."], config)


def _lint(paths: list, config: Config) -> LintResult:
    levels = {rid: doc.level for rid, doc in load_catalog().items()}
    findings: list = list(config.errors)
    cache = FileCache(Boundary.for_paths(paths))  # nothing outside the scanned tree is read
    units, diagnostics, scan = discover(paths, cache, config.exclude_paths)
    deployments = []
    for unit in units:
        deployment = Deployment(name=unit.name)
        try:
            result, unit_diagnostics = unit.frontend.load(unit, scan, config)
            diagnostics.extend(unit_diagnostics)
            for adapter in unit.frontend.adapters:
                adapter.adapt(result, deployment)
        except Exception as exc:  # never a traceback: an internal error is a finding
            findings.append(_internal_error(f"reading {unit.name}", exc, Location(unit.name)))
        deployments.append(deployment)
    rule_findings = [f for d in deployments for f in run_checks(d, config, levels)]
    # an evaluator note is dropped where a rule already says what it could not decide there
    explained = {(f.location.path, f.location.line) for f in rule_findings if f.rule_id == "EXV001"}
    findings.extend(f for f in _from_diagnostics(diagnostics, config)
                    if not (f.rule_id == "EXV001" and (f.location.path, f.location.line) in explained))
    findings.extend(rule_findings)
    findings = suppress.apply(_dedupe(findings), config)
    findings.sort(key=Finding.sort_key)
    root = repository_root(paths[0])
    for f in findings:
        f.fingerprint = f.make_fingerprint(repo_relative(f.location.path, root),
                                           repo_relative(f.unit, root) if f.unit else "")
    files = sorted({real_path(f) for f in list(cache) + sorted(scan.claimed) if not os.path.isdir(f)})
    return LintResult(findings, files, deployments, root)


def run_checks(deployment: Deployment, config: Config, levels: dict) -> list:
    ctx = RuleContext(deployment, config, levels)
    try:
        vmfacts.complete(deployment, config)  # the Exchange version and configured guest OS of every VM
    except Exception as exc:  # the rules still run: what could not be completed stays unknown
        ctx.findings.append(_internal_error("completing the model", exc, Location(deployment.name)))
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
    return Finding("EXV002", "error", internal_error_message(what, exc), location, key=what)


def _from_diagnostics(diagnostics: list, config: Config) -> list:
    out = []
    for d in diagnostics:
        if d.rule_id == "EXV001":
            if not config.strict:
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
