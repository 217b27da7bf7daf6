"""Memory rules: memory that can change at run time, and vSphere memory that is not reserved."""
from __future__ import annotations

from ..findings import Related
from ..model import DEFAULT, words
from . import RuleContext, check

@check("EXV101", platforms=("vsphere", "hyperv"))
def dynamic_memory(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms(["vsphere", "hyperv"]):
        dyn = vm.dynamic_memory
        if not dyn.known:
            ctx.unresolved(vm, dyn, "whether memory is dynamic")
        elif dyn.value is True:
            ctx.report(vm, words(vm.platform, "dynamic-memory", "its memory can change while it runs; give it "
                                 "fixed memory"), dyn, key="dynamic-memory")


@check("EXV102", platforms=("vsphere",))
def memory_not_reserved(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms(["vsphere"]):
        memory, reserved, limit = vm.memory_mib, vm.memory_reservation_mib, vm.memory_limit_mib
        if not memory.known:
            ctx.unresolved(vm, memory, "the VM's memory")
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
            ctx.report(vm, f"{limit_name} {limit.value} MB < {shown}: the host can balloon or swap the memory above "
                       f"the limit; remove {limit_name} or set it to -1 (unlimited)", limit, related=related,
                       key="memory-limit")


def _memory_related(memory) -> tuple:
    if memory.location is None:
        return ()
    return (Related(memory.location, "memory set here"),) + tuple(memory.origins)
