"""VM state rules: snapshots, checkpoints, saved state."""
from __future__ import annotations

from ..findings import Related
from . import RuleContext, check, disk_label

# Azure disk snapshots and restore points hold no memory state: a warning, not an error (rules.md).
_AZURE_LEVEL = "warning"


@check("EXV401", platforms=("azure",))
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
        else:
            what = f"a {snap.snapshot_kind.replace('-', ' ')} of the VM; Exchange does not support VM snapshots"
            related = (Related(vm.location, "the Exchange VM"),)
        ctx.report(snap, what, snap.location, vm=vm, related=related, level=level, key=snap.address)


@check("EXV403", platforms=("azure",))
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
            ctx.report(vm, f"the stop action is {stop.value}: the VM resumes from saved state instead of a "
                       "cold boot", stop, key="stop-action")
        elif not stop.known:
            ctx.unresolved(vm, stop, "the automatic stop action")
