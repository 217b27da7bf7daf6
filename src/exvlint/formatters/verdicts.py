"""Per Exchange VM and rule: pass, fail or unknown. Read by the review report and JUnit.

A rule *fails* for a VM when it reported an error or warning about that VM, gives a *note* when it
reported only notes (advice such as EXV202's recommended ratio), is *unknown* when it could not
decide for it (a value it needs is unknown; recorded with or without --strict), and *passes*
otherwise, when it ran and applies to the VM's platform. Rules that only the core reports (tag
``meta``) are not rules about VMs and have no verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..catalog import load_catalog

PASS, FAIL, UNKNOWN, NOTE = "pass", "fail", "unknown", "note"
GROUPS = {"1": "Memory", "2": "CPU", "3": "Storage", "4": "State and OS", "5": "Mail flow"}  # by hundreds


@dataclass
class Verdict:
    rule_id: str
    status: str
    findings: list = field(default_factory=list)  # for fail
    undecided: list = field(default_factory=list)  # what the rule could not know, for unknown


@dataclass
class VmReview:
    vm: object  # engine.VmSeen
    verdicts: dict = field(default_factory=dict)  # rule id -> Verdict, in id order

    @property
    def status(self) -> str:
        states = {v.status for v in self.verdicts.values()}
        return next(s for s in (FAIL, UNKNOWN, NOTE, PASS) if s in states or s == PASS)


def group_of(rule_id: str) -> str:
    return GROUPS.get(rule_id[3:4], "Other")


def rules_with_verdicts(result) -> list:
    catalog = load_catalog()
    return [rid for rid in sorted(result.rules_run) if rid in catalog and "meta" not in catalog[rid].tags]


def review(result) -> list:
    """A VmReview for every Exchange VM of the run, in the order the run found them."""
    catalog = load_catalog()
    rules = rules_with_verdicts(result)
    # by (unit, rule, VM), in the run's order: looked up once per VM and rule, not searched
    found_by: dict = {}
    for f in result.findings:
        if f.vm and not f.suppressed:
            found_by.setdefault((f.unit, f.rule_id, f.vm), []).append(f)
    unsure_by: dict = {}
    for u in result.undecided:
        unsure_by.setdefault(u[:3], []).append(u)
    out = []
    for vm in result.vms:
        if not vm.reason:
            continue
        item = VmReview(vm)
        for rid in rules:
            platforms = catalog[rid].platforms
            if "all" not in platforms and vm.platform not in platforms:
                continue
            found = found_by.get((vm.unit, rid, vm.address), [])
            unsure = unsure_by.get((vm.unit, rid, vm.address), [])
            status = (FAIL if any(f.level != "note" for f in found) else NOTE if found
                      else UNKNOWN if unsure else PASS)
            item.verdicts[rid] = Verdict(rid, status, found, [u[4] for u in unsure])
        out.append(item)
    return out
