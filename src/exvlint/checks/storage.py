"""Storage rules: premium storage, VM size, OS disk size, separation of data from the OS disk."""
from __future__ import annotations

import re

from ..findings import Location, Related, brief
from ..model import DEFAULT, GIB, MIB, unknown, words
from ..paths import glob_match
from ..versions import of_vm, version_related
from . import RuleContext, check, disk_label, gb, host_entry


@check("EXV301")
def non_premium_storage(inventory, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks():
        subject_vm = vm
        if not ctx.known(disk, (disk.premium, f"the storage type of {disk_label(disk)}"), vm=subject_vm):
            continue
        if disk.premium.value:
            continue
        related = ()
        if disk.attach_location is not None and disk.attach_location != disk.location:
            related = (Related(disk.attach_location, "attached to the Exchange VM here"),)
        what = "holds the transport queue (system drive)" if disk.role == "os" else "holds Exchange data"
        fix = words(disk.platform, "premium-disk-fix", "use a Premium Storage disk type")
        ctx.report(disk, f"{disk_label(disk)} is {brief(disk.type_label.value)}, not Premium Storage; it {what}"
                   f" ({fix})", disk.type_label, vm=subject_vm, related=related,
                   key=disk.address, reason=reason)


@check("EXV302")
def vm_size_without_premium_storage(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        capable = vm.premium_storage_capable
        if not capable.known:
            ctx.unresolved(vm, capable, "whether the VM size supports Premium Storage")
        elif capable.value is False:
            fix = words(vm.platform, "premium-size-fix", "choose a size that supports Premium Storage")
            ctx.report(vm, f"size {brief(vm.size.value)} cannot attach Premium Storage; {fix}", vm.size, key="size")


@check("EXV304")
def os_disk_too_small(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        disk = vm.os_disk
        if disk is None:
            continue
        version = vm.exchange_version
        if not ctx.known(vm, (version, "the Exchange version")):
            continue
        if version.value.version != "2013":  # the statement for 2016 and later has no OS disk formula
            continue
        size, memory = disk.size_bytes, vm.memory_mib
        if not ctx.known(vm, (size, "the OS disk size"), (memory, "the VM's memory")):
            continue
        needed = 15 * GIB + memory.value * MIB
        if size.value < needed:
            related = ()
            if memory.location is not None:
                related = (Related(memory.location, _memory_source(vm, memory)),) + tuple(memory.origins)
            if disk.attach_location is not None and disk.attach_location != disk.location:
                related += (Related(disk.attach_location, "the VM boots from this disk"),)
            dynamic = vm.dynamic_memory.known and vm.dynamic_memory.value is True
            kind = words(vm.platform, "dynamic-memory-size", "memory") if dynamic else "memory"
            ctx.report(vm, f"OS disk {gb(size.value)} < 15 GB + {gb(memory.value * MIB)} {kind} = {gb(needed)}, "
                           f"the minimum for {version.value.described()}", size,
                       related=related + version_related(version), key="os-disk")


def _memory_source(vm, memory) -> str:
    if vm.size.known:  # memory that comes from a VM size
        return f"memory of size {brief(vm.size.value)}"
    if memory.state == DEFAULT:
        return "memory: the provider default applies, as it is not set"
    return "memory set here"


@check("EXV307")
def data_on_os_storage(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        if not ctx.known(vm, (vm.data_disks_complete, "the VM's data disks")):
            continue
        if not vm.data_disks:
            ctx.report(vm, "has no data disk, so its databases and logs would sit on the OS disk; "
                       f"{words(vm.platform, 'add-data-disk', 'attach separate data disks for Exchange data')}",
                       vm.location,
                       related=vm.data_disk_origins, key="no-data-disk")
            continue
        os_disk = vm.os_disk
        if os_disk is None:
            continue
        if not ctx.known(vm, (os_disk.placement, "where the OS disk is stored")):
            continue
        for disk in vm.data_disks:
            if not disk.placement.known:
                ctx.unresolved(disk, disk.placement, f"where {disk_label(disk)} is stored", vm=vm)
            elif str(disk.placement.value).lower() == str(os_disk.placement.value).lower():
                related = (Related(os_disk.placement.location or os_disk.location, "the OS disk's storage"),)
                ctx.report(disk, f"{disk_label(disk)} is on {brief(disk.placement.value)}, the same storage as the OS disk; "
                           f"{words(vm.platform, 'separate-storage', 'put Exchange data on separate storage')}",
                           disk.placement, vm=vm, related=related, key=disk.address)


# --------------------------------------------------------------------------- on-premises storage

@check("EXV303")
def nas_storage(inventory, ctx: RuleContext) -> None:
    """NAS holding Exchange data fails; virtual disks on SMB need an SMB 3.0 host (2012 or later); a share
    the guest maps must not hold Exchange data at all."""
    _guest_mounted_shares(ctx)
    for disk, vm, reason in ctx.exchange_disks():
        ds = disk.datastore
        if ds is None:
            if disk.placement.known:
                where = unknown(disk.placement.location, f"{brief(disk.placement.value)} is not storage of this configuration")
                ctx.unresolved(disk, where, f"the storage type of {disk_label(disk)}", vm=vm)
            else:
                ctx.unresolved(disk, disk.placement, f"where {disk_label(disk)} is stored", vm=vm)
            continue
        kind = ds.storage_kind
        if kind.known and kind.value == "smb":
            _smb_share(ctx, disk, vm, reason, ds)
        elif kind.known and kind.value == "nas":
            _nas(ctx, disk, vm, reason, ds, ds.description)
        elif not kind.known:
            name = ds.name.value if ds.name.known and isinstance(ds.name.value, str) else None
            pattern = next((p for p in ctx.config.nas_datastores if name is not None and glob_match(p, name)), None)
            if pattern is not None:
                listed = words(disk.platform, "nas-config", "the configuration")
                _nas(ctx, disk, vm, reason, ds, f"datastore {name}, which {listed} ({pattern}) lists as network-"
                                                "attached storage")
            else:
                at, _ = _disk_place(disk, ds)
                where = at if isinstance(at, Location) else (at.location or disk.location)
                ctx.unresolved(disk, unknown(where, kind.reason, kind.origins), f"whether {ds.description} is NAS", vm=vm)


def _disk_place(disk, ds) -> tuple:
    """Where to point a storage finding, and the related locations that explain it."""
    related = (Related(ds.location, ds.description),) + tuple(ds.storage_kind.origins)
    at = disk.placement
    if at.state == DEFAULT and at.origins:  # the disk names no storage: its VM's setting holds the value
        related = tuple(at.origins[1:]) + (Related(disk.location, f"{disk_label(disk)} names no storage of its own"),) \
            + related
        at = at.origins[0].location
    return at, related


def _nas(ctx: RuleContext, disk, vm, reason, ds, what: str) -> None:
    at, related = _disk_place(disk, ds)
    fix = words(disk.platform, "nas-fix", "use block storage (FC, iSCSI, local disks)")
    ctx.report(disk, f"{disk_label(disk)} is on {what}: network-attached storage presented to the VM as block "
               f"storage through the hypervisor is not supported for Exchange data; {fix}", at, vm=vm,
               related=related, key=disk.address, reason=reason)


def _smb_share(ctx: RuleContext, disk, vm, reason, ds) -> None:
    version = of_vm(vm, ctx.config)
    if not version.known:
        ctx.unresolved(disk, version, "the Exchange version", vm=vm)
        return
    if version.value.version != "2013":  # from 2016 only fixed virtual disks may sit on an SMB 3.0 share
        prov = disk.provisioning
        if not prov.known:
            ctx.unresolved(disk, prov, f"the type of {disk_label(disk)}", vm=vm)
            return
        if prov.value != "fixed":
            fix = words(disk.platform, "smb-fixed-fix", "use a fixed-size virtual disk")
            related = (Related(disk.placement.location, f"on {ds.description}"),) \
                if disk.placement.location and disk.placement.location != prov.location else ()
            ctx.report(disk, f"{disk_label(disk)} is a {disk.type_label.value} on {ds.description}: "
                             f"{version.value.described()} supports only fixed virtual disks on SMB 3.0 shares; "
                             f"{fix}", prov, vm=vm, related=related + version_related(version), key=disk.address,
                       reason=reason)
            return
    host = disk.host if disk.host is not None else (vm.host if vm is not None else None)
    entry = host_entry(ctx.config, host)
    host_name = host.name.value if host is not None and host.name.known else None
    os_name = entry.get("os") if entry is not None else None
    if not isinstance(os_name, str) or not os_name.strip():
        why = (f"host {host_name} has no os in the hosts: inventory" if host_name else "the host is not known")
        ctx.unresolved(disk, unknown(disk.placement.location, why + "; virtual disks on SMB need SMB 3.0 "
                                     "(Windows Server 2012 or later)"), f"the OS of the host of {disk_label(disk)}",
                       vm=vm)
        return
    smb3 = _smb3_capable(os_name)
    if smb3 is None:
        ctx.unresolved(disk, unknown(disk.placement.location, f"cannot tell the Windows Server version of {os_name!r}"),
                       f"whether host {host_name} has SMB 3.0", vm=vm)
    elif smb3 is False:
        fix = words(disk.platform, "smb-fix", "use block storage")
        ctx.report(disk, f"{disk_label(disk)} is on {ds.description}, but host {host_name} runs {os_name} (hosts: "
                   f"inventory), which has no SMB 3.0: virtual disks on a file share are supported only with Windows "
                   f"Server 2012 Hyper-V or later; {fix}", disk.placement, vm=vm, key=disk.address, reason=reason)


def _smb3_capable(os_name: str):
    """Whether a host OS name is Windows Server 2012 or later; None when it cannot be told."""
    m = re.search(r"(20\d\d)", os_name)
    if not m:
        return None
    return int(m.group(1)) >= 2012


@check("EXV305")
def unsupported_virtual_disk(inventory, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks():
        prov, redo, diff, fmt = disk.provisioning, disk.redo_log, disk.differencing, disk.file_format
        if redo.known and redo.value:
            fix = words(disk.platform, "redo-log-fix", "make its writes persistent")
            ctx.report(disk, f"{disk_label(disk)} has {brief(redo.value)}: its changes go to a redo log (a differencing "
                       f"disk), which is not supported for Exchange data; {fix}", redo, vm=vm,
                       key=disk.address, reason=reason)
        elif diff.known and diff.value:
            fix = words(disk.platform, "differencing-fix", "use a fixed disk")
            ctx.report(disk, f"{disk_label(disk)} is a {brief(disk.type_label.value)}: differencing disks are not "
                       f"supported for Exchange data; {fix}", diff, vm=vm, key=disk.address, reason=reason)
        elif not diff.known:
            ctx.unresolved(disk, diff, f"the type of {disk_label(disk)}", vm=vm)
        elif fmt.known and fmt.value != "vhd":
            pass  # only a dynamically expanding disk in the old VHD format is unsupported
        elif not prov.known or not fmt.known:
            ctx.unresolved(disk, prov if not prov.known else fmt, f"the type of {disk_label(disk)}", vm=vm)
        elif prov.value == "dynamic":
            related = (Related(fmt.location, "the .vhd path"),) if fmt.location and fmt.location != prov.location else ()
            fix = words(disk.platform, "dynamic-vhd-fix", "use a fixed disk or the VHDX format")
            ctx.report(disk, f"{disk_label(disk)} is a {brief(disk.type_label.value)}: a dynamically expanding disk in "
                       f"the old VHD format is not supported for Exchange data; {fix}", prov, vm=vm,
                       related=related, key=disk.address, reason=reason)
        if not redo.known:
            ctx.unresolved(disk, redo, f"whether {disk_label(disk)} writes to a redo log", vm=vm)
    for vm in ctx.exchange_vms():
        clone = vm.linked_clone
        if not clone.known:
            ctx.unresolved(vm, clone, words(vm.platform, "linked-clone", "whether the VM is a linked clone"))
        elif clone.value is True:
            what = words(vm.platform, "linked-clone", "the VM is a linked clone")
            fix = words(vm.platform, "linked-clone-fix", "make a full clone")
            ctx.report(vm, f"{what}: the VM's disks are deltas of the template's snapshot (differencing disks), "
                       f"which is not supported for Exchange; {fix}", clone, key="linked-clone")


@check("EXV306")
def thin_provisioned_disk(inventory, ctx: RuleContext) -> None:
    for disk, vm, reason in ctx.exchange_disks():
        prov = disk.provisioning
        if not prov.known:
            ctx.unresolved(disk, prov, f"whether {disk_label(disk)} is thin provisioned", vm=vm)
        elif prov.value == "thin":
            how = words(disk.platform, "thin", "thin provisioning is on") if prov.state != DEFAULT else \
                words(disk.platform, "thin-default", "thin provisioning is the default")
            what = "the transport queue (system drive)" if disk.role == "os" else "Exchange data"
            fix = words(disk.platform, "thin-fix", "allocate the disk fully (thick)")
            ctx.report(disk, f"{disk_label(disk)} is thin provisioned ({how}) and holds {what}; {fix}", prov, vm=vm,
                       key=disk.address, reason=reason)


def _guest_mounted_shares(ctx: RuleContext) -> None:
    """A file share or NAS export that the VM's own code maps and gives Exchange data: the SMB 3.0
    exception covers only virtual disk files on a share, never Exchange data stored on it directly."""
    for vm in ctx.exchange_vms():
        for mount in vm.file_mounts:
            ds = mount.datastore
            what = ds.description if ds is not None else f"the share {mount.target.value}"
            drive = f" as {mount.drive.value}" if mount.drive.known and mount.drive.value else ""
            how = f"mapped{drive} by {mount.what}" if mount.drive.value or not mount.drive.known else \
                f"used by its UNC path in {mount.what}"
            placed = [p for p in mount.exchange_paths if p.path.known]
            if placed:
                first = placed[0]
                settings = ", ".join(f"{p.setting} {p.path.value}" for p in placed)
                related = (Related(mount.location, f"{mount.what} maps {mount.target.value}{drive}"),)
                if ds is not None and ds.location is not None:
                    related += (Related(ds.location, ds.description),)
                fix = words(vm.platform, "guest-share-fix", "keep Exchange data on block storage (virtual disks)")
                ctx.report(vm, f"{settings} put{'s' if len(placed) == 1 else ''} Exchange data on {what}, {how}; "
                           f"network-attached storage is not supported for Exchange data "
                           f"(a file share may hold only virtual disk files); {fix}", first.path, related=related,
                           key=f"share:{mount.target.value}")
            elif mount.exchange_paths:
                ctx.unresolved(vm, mount.exchange_paths[0].path, f"whether Exchange data is on {what}")
            elif not mount.paths_elsewhere:  # the code sets no Exchange path at all: it may use the share
                ctx.unresolved(vm, unknown(mount.location, f"{mount.what} maps {mount.target.value}{drive}, but the code "
                                                           "does not show what the guest keeps there"),
                               f"whether Exchange data is on {what}")
