"""The pipeline: discover -> parse -> evaluate -> normalize -> check -> suppress -> report."""
from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Optional

from . import baseline, limits, suppress
from .catalog import load_catalog
from .config import Config
from .discover import discover
from .files import FileCache
from .findings import LEVEL_RANK, Finding, Location, encodable, internal_error_message
from .paths import Boundary, is_within, real_path, repo_relative, repository_root

# the evaluators, adapters, model and checks are imported when there is something to lint: start-up
# time matters for a pre-commit hook
if TYPE_CHECKING:
    from .model import Inventory

# input and configuration errors, and internal errors: exit 2, never 1 (which means "findings")
INPUT_ERRORS = {"EXV000", "EXV002", "EXV003"}


@dataclass
class VmSeen:
    """A VM the run found, and why it is treated as an Exchange server (None: it is not)."""

    unit: str
    address: str
    name: str
    platform: str
    location: Location
    reason: Optional[str]

    def __post_init__(self) -> None:  # as a Finding's text: a name from a "\ud800" escape must not stop a report
        self.unit, self.address, self.name = encodable(self.unit), encodable(self.address), encodable(self.name)
        self.reason = encodable(self.reason) if self.reason is not None else None


@dataclass
class LintResult:
    findings: list = field(default_factory=list)  # sorted, deterministic
    files: list = field(default_factory=list)  # input files read
    deployments: list = field(default_factory=list)
    root: str = "."  # the repository root: SARIF URIs and fingerprints are relative to it
    vms: list = field(default_factory=list)  # list[VmSeen]
    # decisions the checks could not make (with or without --strict): (unit, rule id, VM address, subject, what)
    undecided: list = field(default_factory=list)
    rules_run: set = field(default_factory=set)  # rules whose check ran (and EXV001 under --strict)
    checked_rules: frozenset = frozenset()  # rules this version checks; the others are only documented
    suppressed: int = 0  # findings left out by suppressions and the baseline
    baseline_stale: int = 0  # baseline entries that matched no finding
    elapsed: float = 0.0  # seconds
    notices: list = field(default_factory=list)  # what the run saw that a user should know (not findings)
    fail_level: str = "warning"  # from the configuration and the command line

    def exit_code(self, fail_level: Optional[str] = None) -> int:
        fail_level = fail_level or self.fail_level
        if any(f.rule_id in INPUT_ERRORS for f in self.findings if not f.suppressed):
            return 2
        threshold = LEVEL_RANK.get(fail_level, 2)
        if threshold and any(LEVEL_RANK[f.level] >= threshold for f in self.findings if not f.suppressed):
            return 1
        return 0


def lint(paths: list, config: Config | None = None, progress: Optional[Callable] = None,
         jobs: Optional[int] = None, cache: bool = True) -> LintResult:
    """Lint ``paths`` (files or directories) and return every finding.

    ``progress(done, total, unit)`` is called as units are loaded (for a progress bar). ``jobs``:
    worker processes for a large input (None: one per core when it pays; 1: none; see runner.py).
    ``cache``: use the parse cache in the user's cache folder (see cache.py); findings are the same.
    """
    started = time.monotonic()
    config = config or Config()
    # a run builds millions of small acyclic objects: the cyclic collector would only rescan them (about
    # 40% of a 60,000-resource run) and find nothing to free
    collecting = gc.isenabled()
    gc.disable()
    try:
        with limits.use(config.limits):
            result = _lint([os.path.normpath(p) for p in (list(paths) or ["."])], config, progress, jobs, cache)
    finally:
        if collecting:
            gc.enable()
    result.elapsed = time.monotonic() - started
    return result


def _lint(paths: list, config: Config, progress: Optional[Callable], jobs: Optional[int] = None,
          use_cache: bool = True) -> LintResult:
    from .runner import Inventories, run_units

    levels = {rid: doc.level for rid, doc in load_catalog().items()}
    findings: list = list(config.errors)
    store = None
    if use_cache:
        from .cache import Store

        store = Store.open()
    # nothing outside the scanned tree is read (but the parse cache, which holds only what was parsed in it)
    cache = FileCache(Boundary.for_paths(paths), store)
    units, diagnostics, scan = discover(paths, cache, config.exclude_paths, tuple(config.parameter_files))
    outcomes = run_units(units, scan, config, levels, jobs, progress)
    if store is not None:
        store.close()
    directives: list = []  # exvlint:ignore directives of front ends that report them per unit
    for outcome in outcomes:
        diagnostics.extend(outcome.diagnostics)
        findings.extend(outcome.errors)
        directives.extend(outcome.directives)
    deployments = [o.inventory for o in outcomes]
    result = LintResult(deployments=Inventories(deployments) if any(isinstance(d, bytes) for d in deployments)
                        else deployments)
    rule_findings = []
    for unit, outcome in zip(units, outcomes):
        found = outcome.findings
        if unit.variant:  # one of several deployments of the same files: say which
            for f in found:
                f.message += f" ({unit.variant})"
        rule_findings.extend(found)
        result.vms.extend(outcome.vms)
        result.undecided.extend(outcome.undecided)
    # an evaluator note is dropped where a rule already says what it could not decide there
    explained = {(f.location.path, f.location.line) for f in rule_findings if f.rule_id == "EXV001"}
    findings.extend(f for f in _from_diagnostics(diagnostics, config)
                    if not (f.rule_id == "EXV001" and (f.location.path, f.location.line) in explained))
    findings.extend(rule_findings)
    if units:  # the checks are imported only when there is something to check (start-up time)
        from .checks import CHECKS

        result.rules_run = {rid for rid in CHECKS if suppress.runs(rid, config)} | ({"EXV001"} if config.strict else set())
        result.checked_rules = checked_rules()
    # the directives written in the files this run parsed (every one belongs to a unit it linted), from
    # the front ends that read them per file; a reader two front ends share (plans and Terraform source
    # both read HCL comments) reads once. Files parsed in worker processes come with their directives
    # (this process's cache lacks them); all in path order, wherever they were parsed
    readers = list(dict.fromkeys(u.frontend.file_directives for u in units if hasattr(u.frontend, "file_directives")))
    parsed = {p: None for p in cache}
    for outcome in outcomes:
        parsed.update({p: d for p, d in outcome.files.items() if p not in cache})
    for path in sorted(parsed):
        if parsed[path] is not None:
            directives += parsed[path]
        else:
            for read_directives in readers:
                directives += read_directives([path], cache)
    findings = suppress.apply([_tidy(f) for f in _dedupe(findings)], config, directives, result.rules_run)
    findings.sort(key=Finding.sort_key)
    root = repository_root(paths[0])
    for f in findings:
        f.fingerprint = f.make_fingerprint(repo_relative(f.location.path, root),
                                           repo_relative(f.unit, root) if f.unit else "")
    if config.baseline:
        prints, error = baseline.read(config.baseline)
        if error is not None:
            findings.append(error)
        else:
            result.baseline_stale = baseline.apply(findings, prints, config.baseline)
    result.suppressed = sum(1 for f in findings if f.suppressed)
    if not config.show_suppressed:
        findings = [f for f in findings if not f.suppressed]
    result.findings = findings
    result.files = sorted({real_path(f) for f in list(parsed) + sorted(scan.claimed) if not os.path.isdir(f)})
    result.root = root
    result.fail_level = config.fail_level
    result.notices = _notices(paths, result)
    return result


def checked_rules() -> frozenset:
    from .checks import CHECKS

    """Rules this version reports: a registered check, or a rule the core itself reports (tag meta)."""
    return frozenset(rid for rid, doc in load_catalog().items() if rid in CHECKS or "meta" in doc.tags)


def _tidy(f: Finding) -> Finding:
    """Paths in one style (``main.tf``, not ``./main.tf`` beside ``modules/x/main.tf``)."""
    f.location = _norm_location(f.location)
    f.related = tuple(replace(r, location=_norm_location(r.location)) for r in f.related)
    f.anchors = tuple(_norm_location(a) for a in f.anchors)
    return f


def _norm_location(loc: Location) -> Location:
    if loc.path.startswith("<"):
        return loc
    path = _normpath(loc.path)
    return loc if path == loc.path else replace(loc, path=path)


_normpath = lru_cache(maxsize=65536)(os.path.normpath)  # a few files' paths, in every finding's locations


def _notices(paths: list, result: LintResult) -> list:
    out = []
    read = [os.path.realpath(f) for f in result.files]
    for path in paths:
        if os.path.exists(path) and not any(is_within(f, path) for f in read):
            what = "this file" if os.path.isfile(path) else "this directory"
            out.append(f"{encodable(path)}: nothing exvlint reads in {what} (Terraform .tf, .tf.json, .tfvars, plan JSON, "
                       "ARM templates or Bicep)")  # a name that is not UTF-8 is shown with U+FFFD, as in findings
    if result.vms and not any(vm.reason for vm in result.vms):
        n = len(result.vms)
        out.append(f"found {n} VM{'s' if n != 1 else ''} but none recognised as an Exchange server, so no rule "
                   "applied; mark them with exchange.vms in .exvlint.yaml (globs over names or addresses), a tag "
                   "such as role = \"exchange-mailbox\", or run with --all-vms")
    if result.baseline_stale:
        n = result.baseline_stale
        out.append(f"{n} baseline entr{'ies' if n != 1 else 'y'} matched no finding (fixed or changed); "
                   "refresh the baseline with --write-baseline")
    return out


def run_checks(inventory: Inventory, config: Config, levels: dict, result: Optional[LintResult] = None) -> list:
    from . import vmfacts
    from .checks import CHECKS, RuleContext
    from .exchange_scope import vm_label

    ctx = RuleContext(inventory, config, levels)
    try:
        vmfacts.complete(inventory, config)  # the Exchange version and configured guest OS of every VM
    except Exception as exc:  # the rules still run: what could not be completed stays unknown
        ctx.findings.append(_internal_error("completing the model", exc, Location(inventory.name)))
    for rule_id, fn in sorted(CHECKS.items()):
        if not suppress.runs(rule_id, config):
            continue
        ctx.rule_id = rule_id
        try:
            fn(inventory, ctx)
        except Exception as exc:  # a crashing rule is a finding, not a dead run
            ctx.findings.append(_internal_error(f"rule {rule_id}", exc, Location(inventory.name)))
    for f in ctx.findings:
        f.unit = inventory.name
    if result is not None:
        result.vms.extend(VmSeen(inventory.name, vm.address, vm_label(vm), vm.platform, vm.location, ctx.reason(vm))
                          for vm in inventory.vms)
        result.undecided.extend(tuple(encodable(x) if isinstance(x, str) else x for x in (inventory.name,) + u)
                                for u in ctx.undecided)
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
