"""Storage rules: premium storage, VM size, OS disk size, separation of data from the OS disk."""
from __future__ import annotations

from ..findings import Related
from ..model import GIB, MIB
from . import RuleContext, check, disk_label, gb


@check("EXV301", platforms=("azure",))
def non_premium_storage(deployment, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks(["azure"]):
        subject_vm = vm
        if not disk.premium.known:
            ctx.unresolved(disk, disk.premium, f"the storage type of {disk_label(disk)}", vm=subject_vm)
            continue
        if disk.premium.value:
            continue
        related = ()
        if disk.attach_location is not None and disk.attach_location != disk.location:
            related = (Related(disk.attach_location, "attached to the Exchange VM here"),)
        what = "holds the transport queue (system drive)" if disk.role == "os" else "holds Exchange data"
        ctx.report(disk, f"{disk_label(disk)} is {disk.storage_type.value}, not Premium Storage; it {what}"
                   " (use Premium_LRS or Premium_ZRS)", disk.storage_type, vm=subject_vm, related=related,
                   key=disk.address, reason=reason)


@check("EXV302", platforms=("azure",))
def vm_size_without_premium_storage(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms(["azure"]):
        capable = vm.premium_storage_capable
        if not capable.known:
            ctx.unresolved(vm, capable, "whether the VM size supports Premium Storage")
        elif capable.value is False:
            ctx.report(vm, f"size {vm.size.value} cannot attach Premium Storage; choose a size with "
                       "'s' in its feature letters (for example Standard_E8s_v5)", vm.size, key="size")


@check("EXV304", platforms=("azure",))
def os_disk_too_small(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        disk = vm.os_disk
        if disk is None:
            continue
        size, memory = disk.size_bytes, vm.memory_mib
        if not size.known:
            ctx.unresolved(vm, size, "the OS disk size")
            continue
        if not memory.known:
            ctx.unresolved(vm, memory, "the VM's memory")
            continue
        needed = 15 * GIB + memory.value * MIB
        if size.value < needed:
            related = ()
            if memory.location is not None:
                source = f"memory of size {vm.size.value}" if vm.size.known else "memory set here"
                related = (Related(memory.location, source),) + tuple(memory.origins)
            ctx.report(vm, f"OS disk {gb(size.value)} < 15 GB + {gb(memory.value * MIB)} memory = {gb(needed)}",
                       size, related=related, key="os-disk")


@check("EXV307", platforms=("azure",))
def data_on_os_storage(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        if not vm.data_disks_complete.known:
            ctx.unresolved(vm, vm.data_disks_complete, "the VM's data disks")
            continue
        if not vm.data_disks:
            ctx.report(vm, "has no data disk, so its databases and logs would sit on the OS disk; "
                       "attach separate data disks for Exchange data", vm.location,
                       related=vm.data_disk_origins, key="no-data-disk")
            continue
        os_disk = vm.os_disk
        if os_disk is None or not os_disk.placement.known:
            continue
        for disk in vm.data_disks:
            if disk.placement.known and disk.placement.value == os_disk.placement.value:
                ctx.report(disk, f"{disk_label(disk)} is on {disk.placement.value}, the same storage as the OS disk",
                           disk.placement, vm=vm, key=disk.address)
