"""CPU rules: vCPUs per physical core on the hosts that run Exchange.

Core counts are not in any provider's schema; they come from the ``hosts:`` inventory. The ratio is
(every guest's vCPUs + ``other_vcpus`` + 2 per host for the host OS) / ``physical_cores``.
"""
from __future__ import annotations

from typing import Optional

from ..config import whole_number
from ..findings import Related
from ..model import unknown, words
from ..exchange_scope import vm_label
from . import RuleContext, check, host_entry

HOST_OS_VCPUS = 2  # the support statement's baseline for the host operating system


@check("EXV201")
def cpu_oversubscribed(inventory, ctx: RuleContext) -> None:
    _ratio_rule(inventory, ctx, ratio_limit=2, upto=None)


@check("EXV202")
def cpu_above_recommended_ratio(inventory, ctx: RuleContext) -> None:
    _ratio_rule(inventory, ctx, ratio_limit=1, upto=2)


def _ratio_rule(inventory, ctx: RuleContext, ratio_limit: int, upto: Optional[int]) -> None:
    exchange = ctx.exchange_vms()
    if not exchange:
        return
    in_scope = {id(vm) for vm in exchange}
    groups: dict = {}
    for vm in inventory.vms:
        if vm.host is not None:
            groups.setdefault(id(vm.host), (vm.host, []))[1].append(vm)
    for vm in exchange:
        if vm.host is None:
            ctx.unresolved(vm, unknown(vm.location, words(vm.platform, "host-missing", "the code does not say which host runs "
                                                                           "the VM")), "the host the VM runs on")
    for host, guests in groups.values():
        mine = [vm for vm in guests if id(vm) in in_scope]
        if mine:
            _check_host(ctx, host, guests, mine, ratio_limit, upto)


def _check_host(ctx: RuleContext, host, guests: list, exchange: list, ratio_limit: int, upto: Optional[int]) -> None:
    first = exchange[0]
    if not host.name.known:
        ctx.unresolved(first, host.name, "the host the VM runs on")
        return
    name = host.name.value
    entry = host_entry(ctx.config, host)
    if entry is None:
        why = (f"host {name} has no entry in the hosts: inventory of {ctx.config.source}" if ctx.config.hosts
               else "no hosts: inventory gives physical core counts (add one to .exvlint.yaml)")
        ctx.unresolved(first, unknown(first.vcpus.location or first.location, why),
                       f"the core count of host {name}")
        return
    cores = entry.get("physical_cores")
    if not whole_number(cores, 1):
        return  # EXV003 already says the inventory entry is invalid
    for vm in guests:
        if not vm.vcpus.known:
            ctx.unresolved(first, vm.vcpus, f"the vCPUs of {vm_label(vm)} on host {name}")
            return
    other = entry.get("other_vcpus", 0) if whole_number(entry.get("other_vcpus", 0), 0) else 0
    count = host.host_count.value if host.host_count.known and isinstance(host.host_count.value, int) else 1
    host_vcpus = HOST_OS_VCPUS * count
    guest_vcpus = sum(vm.vcpus.value for vm in guests)
    total = guest_vcpus + other + host_vcpus
    if not (total > ratio_limit * cores and (upto is None or total <= upto * cores)):
        return
    crossing = _crossing(guests, exchange, other + host_vcpus, ratio_limit * cores)
    parts = f"{guest_vcpus} guest" + (f" + {other} other" if other else "") + f" + {host_vcpus} host"
    ratio = f"{total / cores:.2f}".rstrip("0").rstrip(".")
    if float(ratio) <= ratio_limit:  # 2.001 must not print as 2:1 > 2:1
        ratio = f"{total / cores:.4f}".rstrip("0")
    verdict = "above the supported 2:1" if upto is None else "above the recommended 1:1 (2:1 is the supported maximum)"
    attr = words(crossing.platform, "vcpus", "the vCPUs")
    related = [Related(vm.vcpus.location or vm.location, f"{vm_label(vm)}: {vm.vcpus.value} vCPUs on host {name}")
               for vm in _ordered(guests, exchange) if vm is not crossing]
    related.append(Related(host.location, f"host {name}"))
    ctx.report(crossing, f"host {name}: {total} vCPUs ({parts}) on {cores} cores = {ratio}:1 > {ratio_limit}:1, {verdict}; "
               f"lower {attr} of the guests on this host or move some of them to another host",
               crossing.vcpus, vm=crossing, related=tuple(related), key=f"host:{name.lower()}")


def _ordered(guests: list, exchange: list) -> list:
    """Other guests first, then the Exchange VMs, each in source order."""
    ids = {id(vm) for vm in exchange}
    key = _source_order
    return sorted((vm for vm in guests if id(vm) not in ids), key=key) + sorted(exchange, key=key)


def _source_order(vm) -> tuple:
    loc = vm.location
    return (loc.path, loc.line, vm.address)


def _crossing(guests: list, exchange: list, start: int, limit: int):
    """The Exchange VM whose vCPUs take the running total over ``limit``.

    Other guests count first, so the finding lands on an Exchange VM; when they alone are over
    the line, the first Exchange VM is the one reported.
    """
    running = start
    ids = {id(vm) for vm in exchange}
    ordered = _ordered(guests, exchange)
    for vm in ordered:
        running += vm.vcpus.value
        if running > limit:
            return vm if id(vm) in ids else sorted(exchange, key=_source_order)[0]
    return sorted(exchange, key=_source_order)[-1]
