"""Memory rules: memory that can change at run time, vSphere memory that is not reserved, and memory
below Microsoft's minimum for the Exchange version and role."""
from __future__ import annotations

from functools import lru_cache

from ..findings import Related
from ..lookup import read_table
from ..model import DEFAULT, words
from ..exchange_scope import exchange_role
from ..versions import version_related
from . import RuleContext, check

@check("EXV101")
def dynamic_memory(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        dyn = vm.dynamic_memory
        if not dyn.known:
            ctx.unresolved(vm, dyn, "whether memory is dynamic")
        elif dyn.value is True:
            ctx.report(vm, words(vm.platform, "dynamic-memory", "its memory can change while it runs; give it "
                                 "fixed memory"), dyn, key="dynamic-memory")


@check("EXV102")
def memory_not_reserved(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        memory, reserved, limit = vm.memory_mib, vm.memory_reservation_mib, vm.memory_limit_mib
        if not ctx.known(vm, (memory, "the VM's memory")):
            continue
        reservation = words(vm.platform, "memory-reservation", "the memory reservation")
        limit_name = words(vm.platform, "memory-limit", "the memory limit")
        shown = f"memory {memory.value} MB" + (" (the provider default)" if memory.state == DEFAULT else "")
        related = () if memory.state == DEFAULT else _memory_related(memory)
        if not reserved.known:
            ctx.unresolved(vm, reserved, reservation)
        elif reserved.value < memory.value:
            if reserved.state == DEFAULT:
                what = f"{reservation} is not set, so none of {shown} is reserved"
            else:
                what = f"{reservation} {reserved.value} MB < {shown}"
            ctx.report(vm, f"{what}: the host can balloon or swap the guest's memory; set {reservation} = "
                       f"{memory.value} (all of memory)", reserved, related=related, key="memory-reservation")
        if not limit.known:
            ctx.unresolved(vm, limit, limit_name)
        elif 0 <= limit.value < memory.value:
            fix = words(vm.platform, "memory-limit-fix", f"remove {limit_name}")
            ctx.report(vm, f"{limit_name} {limit.value} MB < {shown}: the host can balloon or swap the memory above "
                       f"the limit; {fix}", limit, related=related,
                       key="memory-limit")


def _memory_related(memory) -> tuple:
    if memory.location is None:
        return ()
    return (Related(memory.location, "memory set here"),) + tuple(memory.origins)


@lru_cache(maxsize=1)
def memory_minimums() -> dict:
    """(Exchange version, role) -> row of data/exchange_memory.csv."""
    return {(row["version"], row["role"]): row for row in read_table("exchange_memory")}


@check("EXV103")
def memory_below_minimum(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        memory, version = vm.memory_mib, vm.exchange_version
        if not ctx.known(vm, (memory, "the VM's memory"), (version, "the Exchange version")):
            continue
        role, why = exchange_role(vm)
        row = memory_minimums().get((version.value.version, role))
        if row is None:
            continue
        minimum_mib = int(row["minimum_gib"]) * 1024
        if memory.value >= minimum_mib:
            continue
        dynamic = vm.dynamic_memory.known and vm.dynamic_memory.value is True
        kind = words(vm.platform, "dynamic-memory-size", "memory") if dynamic else "memory"
        # whole GB as GB, anything else in MB, so that 8191 MB never reads "8 GB is below 8 GB"
        amount = f"{memory.value // 1024} GB" if memory.value % 1024 == 0 else f"{memory.value} MB"
        shown = f"{kind} {amount}" + (" (the provider default)" if memory.state == DEFAULT else "")
        source = f"size {vm.size.value}" if vm.size.known else ""
        fix = words(vm.platform, "memory-fix", "give the VM more memory")
        ctx.report(vm, f"{shown}{' of ' + source if source else ''} is below {row['minimum_gib']} GB, Microsoft's "
                       f"{row['wording']} for the {role.capitalize()} role ({why}) of {version.value.described()}; "
                       f"{fix}", memory, related=version_related(version), key="memory-minimum",
                   level=row["level"])
