"""VM state rules: snapshots, checkpoints, saved state."""
from __future__ import annotations

from ..findings import Related, brief
from ..model import DEFAULT, words
from . import RuleContext, check, disk_label

# Disk snapshots and restore points (Azure) hold no memory state: a warning, not an error (the rule document says why).
_STATELESS_KINDS = {"disk", "restore-point"}


@check("EXV401")
def vm_snapshot(inventory, ctx: RuleContext) -> None:
    exchange = {id(vm) for vm in ctx.exchange_vms()}
    # disks that hold Exchange data, those no VM here attaches included (tagged or named as Exchange's)
    exchange_disks = {id(disk): reason for disk, _, reason in ctx.exchange_disks()}
    for snap in inventory.snapshots:
        vm = snap.target_vm
        disk = snap.target_disk
        if vm is None and disk is not None:
            vm = disk.vm
        if vm is None and disk is None and not snap.target.known and (exchange or exchange_disks):
            ctx.unresolved(snap, snap.target, "what the snapshot is of")
            continue
        reason = None
        if vm is None or id(vm) not in exchange:
            if disk is None or id(disk) not in exchange_disks:
                continue
            vm, reason = None, exchange_disks[id(disk)]  # an Exchange disk no VM of this configuration attaches
        level = "warning" if snap.snapshot_kind in _STATELESS_KINDS else None
        if disk is not None:
            what = f"a snapshot of {disk_label(disk)}; restoring an Exchange database disk from it brings back a stale copy"
            related = (Related(disk.location, "the snapshotted disk"),)
        elif snap.snapshot_kind == "vm":
            memory = snap.includes_memory
            state = (" including its memory" + (f" ({words(vm.platform, 'snapshot-memory')})"
                                                if words(vm.platform, 'snapshot-memory') else "")
                     if memory.known and memory.value is True else "")
            what = (f"a snapshot of the VM{state}; Exchange does not support VM snapshots: reverting one brings back "
                    "stale databases and breaks replication; remove the snapshot resource and use "
                    "Exchange-aware backups")
            related = (Related(vm.location, "the Exchange VM"),)
        else:
            what = f"a {snap.snapshot_kind.replace('-', ' ')} of the VM; Exchange does not support VM snapshots"
            related = (Related(vm.location, "the Exchange VM"),)
        ctx.report(snap, what, snap.location, vm=vm, related=related, level=level, key=snap.address, reason=reason)
    # a Hyper-V VM whose disk is a checkpoint's differencing disk runs on a checkpoint
    for disk, vm, reason in ctx.exchange_disks():
        fmt = disk.file_format
        if fmt.known and fmt.value in ("avhd", "avhdx"):
            related = (Related(disk.attach_location, "attached to the Exchange VM here"),) \
                if disk.attach_location is not None and disk.attach_location != disk.location else ()
            ctx.report(disk, f"{disk_label(disk)} is a checkpoint's differencing disk (.{brief(fmt.value)}), so the VM runs "
                       "on a checkpoint, which Exchange does not support; merge the checkpoint and attach the "
                       ".vhdx it belongs to", fmt, vm=vm, related=related, key=disk.address, reason=reason)


@check("EXV402")
def checkpoints_enabled(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        cp = vm.checkpoints
        if not cp.known:
            ctx.unresolved(vm, cp, words(vm.platform, "checkpoints", "the checkpoint setting"))
        elif str(cp.value).strip().lower() != "disabled":
            attr = words(vm.platform, "checkpoints", "the checkpoint setting")
            how = f"{attr} is {brief(cp.value)}" + (" (not set: the provider's default)" if cp.state == DEFAULT else "")
            ctx.report(vm, f"{how}, so checkpoints of this Exchange VM can be taken, and Exchange does not support "
                       f"them; {words(vm.platform, 'checkpoints-fix', 'disable checkpoints')}", cp,
                       key="checkpoint-type")


@check("EXV403")
def saved_state(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        hib = vm.hibernation
        if hib.known and hib.value is True:
            ctx.report(vm, "hibernation is enabled, so the VM can resume from saved memory state instead of a cold "
                       f"boot; {words(vm.platform, 'hibernation-fix', 'disable hibernation')}", hib, key="hibernation")
        elif not hib.known:
            ctx.unresolved(vm, hib, words(vm.platform, "hibernation", "whether hibernation is enabled"))
        stop = vm.stop_action
        if stop.known and str(stop.value).lower() in ("save", "suspend"):
            attr = words(vm.platform, "stop-action", "the stop action")
            when = words(vm.platform, "stop-action-when", "when it stops,")
            fix = words(vm.platform, "stop-action-fix", "make it shut down instead")
            how = f"{attr} is {brief(stop.value)}" + (" (not set: the provider's default)" if stop.state == DEFAULT else "")
            ctx.report(vm, f"{how}: {when} the VM's memory is saved to disk and it later resumes from saved state "
                       f"instead of a cold boot; {fix}", stop, key="stop-action")
        elif not stop.known:
            ctx.unresolved(vm, stop, "the automatic stop action")
