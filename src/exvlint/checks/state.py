"""VM state rules: snapshots, checkpoints, saved state."""
from __future__ import annotations

from ..findings import Related
from ..model import DEFAULT
from . import RuleContext, check, disk_label

# Azure disk snapshots and restore points hold no memory state: a warning, not an error (rules.md).
_AZURE_LEVEL = "warning"


@check("EXV401", platforms=("azure", "vsphere", "hyperv"))
def vm_snapshot(deployment, ctx: RuleContext) -> None:
    exchange = {id(vm) for vm in ctx.exchange_vms()}
    for snap in deployment.snapshots:
        vm = snap.target_vm
        disk = snap.target_disk
        if vm is None and disk is not None:
            vm = disk.vm
        if vm is None and disk is None and not snap.target.known and exchange:
            ctx.unresolved(snap, snap.target, "what the snapshot is of")
            continue
        if vm is None or id(vm) not in exchange:
            continue
        level = _AZURE_LEVEL if snap.platform == "azure" else None
        if disk is not None:
            what = f"a snapshot of {disk_label(disk)}; restoring an Exchange database disk from it brings back a stale copy"
            related = (Related(disk.location, "the snapshotted disk"),)
        elif snap.snapshot_kind == "vm":
            memory = snap.includes_memory
            state = " including its memory (memory = true)" if memory.known and memory.value is True else ""
            what = (f"a snapshot of the VM{state}; Exchange does not support VM snapshots: reverting one brings back "
                    "stale databases and breaks replication; remove the snapshot resource and use "
                    "Exchange-aware backups")
            related = (Related(vm.location, "the Exchange VM"),)
        else:
            what = f"a {snap.snapshot_kind.replace('-', ' ')} of the VM; Exchange does not support VM snapshots"
            related = (Related(vm.location, "the Exchange VM"),)
        ctx.report(snap, what, snap.location, vm=vm, related=related, level=level, key=snap.address)
    # a Hyper-V VM whose disk is a checkpoint's differencing disk runs on a checkpoint
    for disk, vm, reason in ctx.exchange_disks(["hyperv"]):
        fmt = disk.file_format
        if fmt.known and fmt.value in ("avhd", "avhdx"):
            related = (Related(disk.attach_location, "attached to the Exchange VM here"),) \
                if disk.attach_location is not None and disk.attach_location != disk.location else ()
            ctx.report(disk, f"{disk_label(disk)} is a checkpoint's differencing disk (.{fmt.value}), so the VM runs "
                       "on a checkpoint, which Exchange does not support; merge the checkpoint and attach the "
                       ".vhdx it belongs to", fmt, vm=vm, related=related, key=disk.address, reason=reason)


@check("EXV402", platforms=("hyperv",))
def checkpoints_enabled(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms(["hyperv"]):
        cp = vm.checkpoints
        if not cp.known:
            ctx.unresolved(vm, cp, "checkpoint_type")
        elif str(cp.value).strip().lower() != "disabled":
            how = f"checkpoint_type is {cp.value}" + (" (not set: the provider's default)" if cp.state == DEFAULT else "")
            ctx.report(vm, f"{how}, so checkpoints of this Exchange VM can be taken, and Exchange does not support "
                       "them; set checkpoint_type = \"Disabled\"", cp, key="checkpoint-type")


_STOP_WORDS = {
    "hyperv": ("automatic_stop_action", "when the host shuts down,"),
    "vsphere": ("the vApp entity's stop_action", "when the vApp stops,"),
}
_STOP_FIX = {
    "hyperv": "set automatic_stop_action = \"ShutDown\"",
    "vsphere": "set stop_action = \"guestShutdown\" on the vsphere_vapp_entity",
}


@check("EXV403", platforms=("azure", "vsphere", "hyperv"))
def saved_state(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        hib = vm.hibernation
        if hib.known and hib.value is True:
            ctx.report(vm, "hibernation is enabled, so the VM can resume from saved memory state "
                       "instead of a cold boot; set hibernation_enabled = false", hib, key="hibernation")
        elif not hib.known:
            ctx.unresolved(vm, hib, "hibernation_enabled")
        stop = vm.stop_action
        if stop.known and str(stop.value).lower() in ("save", "suspend"):
            if vm.platform == "azure":
                ctx.report(vm, f"the stop action is {stop.value}: the VM resumes from saved state instead of a "
                           "cold boot", stop, key="stop-action")
                continue
            attr, when = _STOP_WORDS[vm.platform]
            how = f"{attr} is {stop.value}" + (" (not set: the provider's default)" if stop.state == DEFAULT else "")
            ctx.report(vm, f"{how}: {when} the VM's memory is saved to disk and it later resumes from saved state "
                       f"instead of a cold boot; {_STOP_FIX[vm.platform]}", stop, key="stop-action")
        elif not stop.known:
            ctx.unresolved(vm, stop, "the automatic stop action")
