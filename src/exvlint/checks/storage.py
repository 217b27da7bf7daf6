"""Storage rules: premium storage, VM size, OS disk size, separation of data from the OS disk."""
from __future__ import annotations

import re

from ..findings import Location, Related
from ..model import DEFAULT, GIB, MIB, unknown
from ..scope import glob_match
from . import RuleContext, check, disk_label, gb, host_entry


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


@check("EXV304", platforms=("azure", "vsphere", "hyperv"))
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
                related = (Related(memory.location, _memory_source(vm, memory)),) + tuple(memory.origins)
            if vm.platform == "hyperv" and disk.attach_location is not None and disk.attach_location != disk.location:
                related += (Related(disk.attach_location, "the VM boots from this disk"),)
            kind = "maximum memory (dynamic)" if vm.platform == "hyperv" and vm.dynamic_memory.known \
                and vm.dynamic_memory.value is True else "memory"
            ctx.report(vm, f"OS disk {gb(size.value)} < 15 GB + {gb(memory.value * MIB)} {kind} = {gb(needed)}",
                       size, related=related, key="os-disk")


def _memory_source(vm, memory) -> str:
    if vm.platform == "azure":
        return f"memory of size {vm.size.value}" if vm.size.known else "memory set here"
    if memory.state == DEFAULT:
        return "memory: the provider default applies, as it is not set"
    return "memory set here"


@check("EXV307", platforms=("azure", "vsphere", "hyperv"))
def data_on_os_storage(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        if not vm.data_disks_complete.known:
            ctx.unresolved(vm, vm.data_disks_complete, "the VM's data disks")
            continue
        if not vm.data_disks:
            ctx.report(vm, "has no data disk, so its databases and logs would sit on the OS disk; "
                       f"{_ADD_DISK.get(vm.platform, 'attach separate data disks for Exchange data')}", vm.location,
                       related=vm.data_disk_origins, key="no-data-disk")
            continue
        os_disk = vm.os_disk
        if os_disk is None:
            continue
        on_premises = vm.platform in ("vsphere", "hyperv")  # Azure managed disks are separate storage
        if not os_disk.placement.known:
            if on_premises:
                ctx.unresolved(vm, os_disk.placement, "where the OS disk is stored")
            continue
        for disk in vm.data_disks:
            if not disk.placement.known:
                if on_premises:
                    ctx.unresolved(disk, disk.placement, f"where {disk_label(disk)} is stored", vm=vm)
            elif str(disk.placement.value).lower() == str(os_disk.placement.value).lower():
                related = (Related(os_disk.placement.location or os_disk.location, "the OS disk's storage"),)
                ctx.report(disk, f"{disk_label(disk)} is on {disk.placement.value}, the same storage as the OS disk; "
                           f"{_SEPARATE.get(vm.platform, 'put Exchange data on separate storage')}",
                           disk.placement, vm=vm, related=related, key=disk.address)


_ADD_DISK = {
    "vsphere": "add a disk block with unit_number 1 or higher on a datastore of its own",
    "hyperv": "attach a data VHDX (or a pass-through disk) in another hard_disk_drives block",
}
_SEPARATE = {
    "vsphere": "set the disk's datastore_id to a datastore that does not hold the OS disk",
    "hyperv": "store the data VHDX on another volume or share than the boot VHD",
}


# --------------------------------------------------------------------------- on-premises storage

_BAD_DISK_MODES = {"nonpersistent", "independent_nonpersistent", "undoable", "append"}


@check("EXV303", platforms=("vsphere", "hyperv"))
def nas_storage(deployment, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks(["vsphere", "hyperv"]):
        if disk.platform == "vsphere":
            _vsphere_nas(ctx, disk, vm, reason)
        elif disk.platform == "hyperv":
            _hyperv_smb(ctx, disk, vm, reason)


def _vsphere_nas(ctx: RuleContext, disk, vm, reason) -> None:
    ds = disk.datastore
    if ds is None:
        if disk.placement.known:
            where = unknown(disk.placement.location, f"{disk.placement.value} is not a datastore of this configuration")
            ctx.unresolved(disk, where, f"the datastore type of {disk_label(disk)}", vm=vm)
        else:
            ctx.unresolved(disk, disk.placement, f"the datastore of {disk_label(disk)}", vm=vm)
        return
    related = (Related(ds.location, ds.description),) + tuple(ds.storage_kind.origins)
    at = disk.placement
    if at.state == DEFAULT and at.origins:  # no datastore_id on the disk: the VM's datastore_id holds the value
        related = tuple(at.origins[1:]) + (Related(disk.location, f"{disk_label(disk)} sets no datastore_id"),) + related
        at = at.origins[0].location
    if ds.storage_kind.known:
        if ds.storage_kind.value == "nas":
            ctx.report(disk, f"{disk_label(disk)} is on {ds.description}: NFS presented to the VM as block storage "
                       "through the hypervisor is not supported for Exchange data; use a VMFS datastore on block "
                       "storage (FC, iSCSI, local)", at, vm=vm, related=related, key=disk.address,
                       reason=reason)
        return
    name = ds.name.value if ds.name.known and isinstance(ds.name.value, str) else None
    pattern = next((p for p in ctx.config.nas_datastores if name is not None and glob_match(p, name)), None)
    if pattern is not None:
        ctx.report(disk, f"{disk_label(disk)} is on datastore {name}, which vsphere.nas_datastores ({pattern}) lists "
                   "as network-attached storage: NAS is not supported for Exchange data; use a VMFS datastore on "
                   "block storage", at, vm=vm, related=related, key=disk.address, reason=reason)
    else:
        where = at if isinstance(at, Location) else (at.location or disk.location)
        ctx.unresolved(disk, unknown(where, ds.storage_kind.reason, ds.storage_kind.origins),
                       f"whether {ds.description} is NAS", vm=vm)


def _hyperv_smb(ctx: RuleContext, disk, vm, reason) -> None:
    ds = disk.datastore
    if ds is None:
        if not disk.placement.known:
            ctx.unresolved(disk, disk.placement, f"where {disk_label(disk)} is stored", vm=vm)
        return
    if not (ds.storage_kind.known and ds.storage_kind.value == "smb"):
        return
    host = disk.host if disk.host is not None else (vm.host if vm is not None else None)
    entry = host_entry(ctx.config, host)
    host_name = host.name.value if host is not None and host.name.known else None
    os_name = entry.get("os") if entry is not None else None
    if not isinstance(os_name, str) or not os_name.strip():
        why = (f"host {host_name} has no os in the hosts: inventory" if host_name else "the Hyper-V host is not known")
        ctx.unresolved(disk, unknown(disk.placement.location, why + "; virtual disks on SMB need SMB 3.0 "
                                     "(Windows Server 2012 or later)"), f"the OS of the Hyper-V host of {disk_label(disk)}",
                       vm=vm)
        return
    smb3 = _smb3_capable(os_name)
    if smb3 is None:
        ctx.unresolved(disk, unknown(disk.placement.location, f"cannot tell the Windows Server version of {os_name!r}"),
                       f"whether host {host_name} has SMB 3.0", vm=vm)
    elif smb3 is False:
        ctx.report(disk, f"{disk_label(disk)} is on {ds.description}, but host {host_name} runs {os_name} (hosts: "
                   f"inventory), which has no SMB 3.0: virtual disks on a file share are supported only with Windows "
                   "Server 2012 Hyper-V or later; use a local, SAN or Cluster Shared Volume path",
                   disk.placement, vm=vm, key=disk.address, reason=reason)


def _smb3_capable(os_name: str):
    """Whether a host OS name is Windows Server 2012 or later; None when it cannot be told."""
    m = re.search(r"(20\d\d)", os_name)
    if not m:
        return None
    return int(m.group(1)) >= 2012


@check("EXV305", platforms=("vsphere", "hyperv"))
def unsupported_virtual_disk(deployment, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks(["vsphere", "hyperv"]):
        if disk.platform == "hyperv":
            prov = disk.provisioning
            if not prov.known:
                ctx.unresolved(disk, prov, f"the type of {disk_label(disk)}", vm=vm)
            elif prov.value == "differencing":
                ctx.report(disk, f"{disk_label(disk)} is a {disk.storage_type.value}: differencing disks are not "
                           "supported for Exchange data; use a fixed or dynamic VHDX", prov, vm=vm,
                           key=disk.address, reason=reason)
            elif prov.value == "dynamic" and disk.file_format.known and disk.file_format.value == "vhd":
                related = (Related(disk.file_format.location, "the .vhd path"),) \
                    if disk.file_format.location and disk.file_format.location != prov.location else ()
                ctx.report(disk, f"{disk_label(disk)} is a {disk.storage_type.value}: a dynamically expanding disk in "
                           "the old VHD format is not supported for Exchange data; use a .vhdx path or "
                           "vhd_type = \"Fixed\"", prov, vm=vm, related=related, key=disk.address, reason=reason)
        elif disk.platform == "vsphere":
            mode = disk.disk_mode
            if not mode.known:
                ctx.unresolved(disk, mode, f"the disk_mode of {disk_label(disk)}", vm=vm)
            elif str(mode.value).lower() in _BAD_DISK_MODES:
                ctx.report(disk, f"{disk_label(disk)} has disk_mode {mode.value}: its changes go to a redo log "
                           "(a differencing disk), which is not supported for Exchange data; use persistent or "
                           "independent_persistent", mode, vm=vm, key=disk.address, reason=reason)
    for vm in ctx.exchange_vms(["vsphere"]):
        clone = vm.linked_clone
        if not clone.known:
            ctx.unresolved(vm, clone, "clone.linked_clone")
        elif clone.value is True:
            ctx.report(vm, "clone.linked_clone = true: the VM's disks are deltas of the template's snapshot "
                       "(differencing disks), which is not supported for Exchange; make a full clone "
                       "(linked_clone = false)", clone, key="linked-clone")


@check("EXV306", platforms=("vsphere",))
def thin_provisioned_disk(deployment, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks(["vsphere"]):
        prov = disk.provisioning
        if not prov.known:
            ctx.unresolved(disk, prov, f"whether {disk_label(disk)} is thin provisioned", vm=vm)
        elif prov.value == "thin":
            how = "thin_provisioned = true" if prov.state != DEFAULT else \
                "thin_provisioned is not set, and the provider's default is thin"
            what = "the transport queue (system drive)" if disk.role == "os" else "Exchange data"
            ctx.report(disk, f"{disk_label(disk)} is thin provisioned ({how}) and holds {what}; set "
                       "thin_provisioned = false, preferably with eagerly_scrub = true", prov, vm=vm,
                       key=disk.address, reason=reason)
