"""Rule checks: one small function per rule over the neutral model (never over parser output).

A check receives the deployment and a :class:`RuleContext`, and reports through the context,
which adds the Exchange-scope reason, related locations and ``--strict`` notes uniformly. What a
rule is (its platforms, its default level) is written once, in its document under ``rules/``: the
context gives a check the Exchange VMs and disks of the rule's platforms, and the catalog its level.
Every module in this package is a check module: adding one is adding a file.
"""
from __future__ import annotations

from typing import Callable, Optional

from ..config import Config
from ..findings import Finding, Location, brief
from ..model import Inventory, Resource, Val, VirtualMachine
from ..exchange_scope import disk_reason, exchange_reason, vm_label

CHECKS: dict = {}  # rule id -> function(deployment, ctx)


def check(rule_id: str) -> Callable:
    def register(fn: Callable) -> Callable:
        CHECKS[rule_id] = fn
        return fn

    return register


def rule_platforms(rule_id: str) -> Optional[frozenset]:
    """The platforms a rule covers, from its document; None when it covers all."""
    from ..catalog import load_catalog

    doc = load_catalog().get(rule_id)
    platforms = frozenset(doc.platforms) if doc is not None else frozenset()
    return None if not platforms or "all" in platforms else platforms


class RuleContext:
    def __init__(self, inventory: Inventory, config: Config, levels: dict):
        self.inventory = inventory
        self.config = config
        self.levels = levels  # rule id -> default level from the catalog
        self.findings: list = []
        # (rule id, VM address or "", subject address, what) for every decision a rule could not make,
        # recorded with or without --strict: the review report marks those cells "unknown"
        self.undecided: list = []
        self.rule_id = ""
        self._reasons = {id(vm): exchange_reason(vm, config) for vm in inventory.vms}

    # -- scope
    def exchange_vms(self) -> list:
        """The Exchange VMs on the platforms the current rule covers."""
        wanted = rule_platforms(self.rule_id)
        return [vm for vm in self.inventory.vms
                if self._reasons[id(vm)] and (wanted is None or vm.platform in wanted)]

    def reason(self, vm: VirtualMachine) -> Optional[str]:
        return self._reasons.get(id(vm))

    def exchange_disks(self) -> list:
        """(disk, vm, reason) for every disk holding Exchange data, attached or tagged as Exchange, on
        the platforms the current rule covers."""
        wanted = rule_platforms(self.rule_id)
        out = []
        seen = set()
        for vm in self.exchange_vms():
            disks = list(vm.data_disks)
            if vm.os_disk is not None and self.config.transport_queue_on_os_disk:
                disks.insert(0, vm.os_disk)
            for disk in disks:
                if id(disk) not in seen:
                    seen.add(id(disk))
                    out.append((disk, vm, self.reason(vm)))
        for disk in self.inventory.disks:
            if disk.vm is None and id(disk) not in seen and (wanted is None or disk.platform in wanted):
                reason = disk_reason(disk, self.config)
                if reason:
                    seen.add(id(disk))
                    out.append((disk, None, reason))
        return out

    # -- reporting
    def report(self, subject: Resource, message: str, at, *, vm: Optional[VirtualMachine] = None,
               related: tuple = (), key: str = "", level: Optional[str] = None,
               reason: Optional[str] = None) -> None:
        """A finding about ``subject`` located at ``at`` (a Val or a Location)."""
        vm = vm if vm is not None else (subject if isinstance(subject, VirtualMachine) else None)
        why = reason or (self.reason(vm) if vm is not None else "") or ""
        label = vm_label(vm) if vm is not None else _resource_label(subject)
        location, origins = _where(at, subject)
        rel = tuple(origins) + tuple(related)
        if location == subject.location:  # the finding is about the resource existing: say why it does
            rel += tuple(subject.origins)
        rel = _distinct(rel, location)
        self.findings.append(Finding(
            rule_id=self.rule_id, level=self.config.levels.get(self.rule_id) or level or self.levels[self.rule_id],
            message=f"{label} ({why}): {message}" if why else f"{label}: {message}",
            location=location, address=subject.address, related=rel, scope_reason=why, key=key,
            vm=vm.address if vm is not None and self.reason(vm) else "", anchors=_anchors(subject)))

    def known(self, subject: Resource, *needed: tuple, vm: Optional[VirtualMachine] = None) -> bool:
        """Whether every ``(Val, what)`` the rule needs is known; at the first that is not, the rule
        cannot decide for ``subject`` (see :meth:`unresolved`)."""
        for val, what in needed:
            if not val.known:
                self.unresolved(subject, val, what, vm)
                return False
        return True

    def unresolved(self, subject: Resource, val: Val, what: str, vm: Optional[VirtualMachine] = None) -> None:
        """A rule could not decide: an EXV001 note, shown only with --strict."""
        vm = vm if vm is not None else (subject if isinstance(subject, VirtualMachine) else None)
        self.undecided.append((self.rule_id, vm.address if vm is not None else "", subject.address, what))
        if not self.config.strict:
            return
        label = vm_label(vm) if vm is not None else _resource_label(subject)
        location, origins = _where(val, subject)
        detail = f": {val.reason}" if val.reason else ""
        self.findings.append(Finding(
            rule_id="EXV001", level=self.config.levels.get("EXV001", "note"),
            message=f"{self.rule_id} cannot decide for {label} without {what}{detail}",
            location=location, address=subject.address, related=tuple(origins),
            scope_reason=self.reason(vm) if vm is not None else "", key=f"{self.rule_id}:{what}",
            vm=vm.address if vm is not None and self.reason(vm) else "", anchors=_anchors(subject)))


def _anchors(subject: Resource) -> tuple:
    """Where a suppression may be written for a finding about ``subject``, besides the finding's own
    line: the subject's block and the module calls that create it."""
    out = [subject.location] + list(subject.call_sites)
    return tuple(dict.fromkeys(loc for loc in out if loc is not None))


def _distinct(related: tuple, location: Location) -> tuple:
    """Related locations without duplicates by line, and not the finding's own line."""
    seen = {(location.path, location.line)}
    out = []
    for r in related:
        key = (r.location.path, r.location.line)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return tuple(out)


def _where(at, subject: Resource) -> tuple:
    if isinstance(at, Val):
        return (at.location or subject.location), at.origins
    if isinstance(at, Location):
        return at, ()
    return subject.location, ()


def _resource_label(subject: Resource) -> str:
    name = getattr(subject, "name", None)
    if isinstance(name, Val) and name.known and isinstance(name.value, str) and name.value:
        return brief(name.value)
    return brief(subject.address, 200)


def gb(n_bytes: float) -> str:
    """Bytes as GB (GiB) for messages: 68719476736 -> '64 GB', 1.5 GiB -> '1.5 GB'."""
    value = n_bytes / 1024 ** 3
    return f"{value:.0f} GB" if abs(value - round(value)) < 0.05 else f"{value:.1f} GB"


def host_entry(config: Config, host) -> Optional[dict]:
    """The ``hosts:`` inventory entry for ``host`` (matched by name, case-insensitively), or None."""
    if host is None or not host.name.known or not isinstance(host.name.value, str):
        return None
    wanted = host.name.value.strip().lower()
    for entry in config.hosts:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip().lower() == wanted:
            return entry
    return None


def disk_label(disk) -> str:
    if disk.name.known and isinstance(disk.name.value, str) and disk.name.value:
        return f"{disk.role} disk {brief(disk.name.value)}"
    return f"{disk.role} disk {brief(disk.address, 200)}"


def _load_check_modules() -> None:
    import importlib
    import pkgutil

    for module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
        importlib.import_module(f"{__name__}.{module}")


_load_check_modules()
