"""ARM template resources (evaluated by :mod:`exvlint.arm`) -> the neutral model.

Property paths and defaults: the generated resource types of Azure/bicep-types-az
(Microsoft.Compute/virtualMachines@2024-07-01, disks and snapshots@2024-03-02,
Microsoft.Storage/storageAccounts@2023-05-01), which the ARM template reference on learn.microsoft.com
is built from. What a value
means for the model (size table, image facts, Premium disk SKUs, storage tiers, the placement
rule) is decided by :mod:`exvlint.adapters.azure`, which the azurerm adapter uses as well.
Types and property names compare case-insensitively, as ARM compares them.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from ..arm.result import ArmResource, ArmResult, View
from ..evaluation import Unknown, collect_refs
from ..model import DEFAULT, EXPLICIT, Datastore, Inventory, Disk, Snapshot, Val, VirtualMachine, unknown
from . import arm_network, azure
from . import azure_catalog
from . import guest_scripts
from .arm_values import string_map, val
from .azure import PLATFORM
from .azure_files import Files, share_kind, volume_kind
from .terraform_values import as_bool, as_int, as_str

VM = "microsoft.compute/virtualmachines"
DISK = "microsoft.compute/disks"
SNAPSHOT = "microsoft.compute/snapshots"
RESTORE_POINTS = "microsoft.compute/restorepointcollections"
ACCOUNT = "microsoft.storage/storageaccounts"
EXTENSION = "microsoft.compute/virtualmachines/extensions"
RUN_COMMAND = "microsoft.compute/virtualmachines/runcommands"
DEPLOYMENT = "microsoft.resources/deployments"
SHARE = "microsoft.storage/storageaccounts/fileservices/shares"
VOLUME = "microsoft.netapp/netappaccounts/capacitypools/volumes"
HANDLED = {VM, DISK, SNAPSHOT, RESTORE_POINTS, ACCOUNT, EXTENSION, RUN_COMMAND}
FILE_TYPES = {SHARE, VOLUME}


def reads_type(rtype: str) -> bool:
    """Whether this adapter reads resources of ``rtype`` (unresolved ones deserve a --strict note)."""
    low = rtype.lower()
    return low in HANDLED or low == DEPLOYMENT or arm_network.reads_type(low) or low in FILE_TYPES


class _Index:
    """Finds the resources a property refers to: by resource id, or by the graph edge of an unknown."""

    def __init__(self, resources: list):
        self.by_id = {r.resource_id.lower(): r for r in resources if isinstance(r.resource_id, str)}
        self.by_address = {r.address: r for r in resources}

    def target(self, value: Any, rtype: str) -> Optional[ArmResource]:
        found = None
        if isinstance(value, str):
            found = self.by_id.get(value.lower().rstrip("/"))
        elif isinstance(value, Unknown):
            for ref in sorted(collect_refs(value), key=lambda r: r.address):
                found = self.by_address.get(ref.address) or self.by_id.get(ref.address.lower())
                if found is not None and found.type_lower == rtype:
                    break
        return found if found is not None and found.type_lower == rtype else None

    def parent(self, child: ArmResource, rtype: str, levels: int = 1) -> Optional[ArmResource]:
        """The resource a child resource (``vm1/ext1``; ``levels`` up: ``account/default/share``) belongs to."""
        if isinstance(child.resource_id, str):
            parent_id = child.resource_id.rsplit("/", 2 * levels)[0]
            found = self.by_id.get(parent_id.lower())
            if found is not None and found.type_lower == rtype:
                return found
        return None


def adapt(result: ArmResult, inventory: Inventory) -> None:
    """Add the Azure resources of an evaluated template (``result``) to ``deployment``."""
    result = replace(result, resources=latest(result.resources))
    mine = [r for r in result.resources if r.type_lower in HANDLED]
    if not mine:
        arm_network.adapt(result, inventory, {})  # a network without VMs (a hub, a landing zone)
        return
    inventory.platforms.add(PLATFORM)
    index = _Index(result.resources)
    accounts = {r.address: _storage_account(r) for r in mine if r.type_lower == ACCOUNT}
    inventory.datastores.extend(accounts.values())
    disks = {r.address: _managed_disk(r) for r in mine if r.type_lower == DISK}
    inventory.disks.extend(disks.values())
    vms = {r.address: _vm(r, index, disks, accounts, inventory) for r in mine if r.type_lower == VM and _windows(r)}
    inventory.vms.extend(vms.values())
    listed = {id(d) for d in inventory.disks}
    for vm in vms.values():
        for disk in [vm.os_disk] + vm.data_disks:
            if disk is not None and id(disk) not in listed:
                listed.add(id(disk))
                inventory.disks.append(disk)
    azure.own_storage(inventory.disks)
    guest_code: dict = {}  # VM address -> [(texts, location, what)]: what runs inside the guest
    for r in mine:
        if r.type_lower == VM and r.address in vms:
            _custom_data(r, guest_code)
    for r in mine:
        if r.type_lower in (EXTENSION, RUN_COMMAND):
            _evidence(r, index, vms, guest_code)
        elif r.type_lower == SNAPSHOT:
            inventory.snapshots.append(_snapshot(r, index, disks))
        elif r.type_lower == RESTORE_POINTS:
            inventory.snapshots.append(_restore_points(r, index, vms))
    arm_network.adapt(result, inventory, vms)
    _files(result, inventory, vms, accounts, index, guest_code)


def latest(resources: list) -> list:
    """One resource per resource id: a deployment that declares a resource again (a lab template that redeploys
    a VM to add a public IP, a virtual network to add its NSG) updates it, so the last declaration stands.
    Extensions and run commands are kept, each one: every configuration that ran in the guest says what the
    VM is (lab templates run one DSC configuration after another under the same extension name)."""
    def key(r: ArmResource):
        ok = isinstance(r.resource_id, str) and r.type_lower not in (EXTENSION, RUN_COMMAND)
        return r.resource_id.lower() if ok else None

    last = {key(r): i for i, r in enumerate(resources) if key(r) is not None}
    return [r for i, r in enumerate(resources) if key(r) is None or last[key(r)] == i]


def _resource_kw(r: ArmResource) -> dict:
    return dict(address=r.address, kind=r.type, platform=PLATFORM, location=r.location, call_sites=r.call_sites,
                origins=r.origins)


def _label(r: ArmResource) -> str:
    return r.name_text or r.address


# --------------------------------------------------------------------------- storage


def _storage_account(r: ArmResource) -> Datastore:
    sku = r.get("sku.name")
    if sku.present:
        tier = _tier(val(sku, "sku.name", convert=as_str))
    else:  # API versions before 2016 name the type in properties.accountType
        tier = _tier(val(r.get("properties.accountType"), "sku.name", convert=as_str))
    return azure.storage_account(Datastore(**_resource_kw(r), name=val(r.get("name"), "name", convert=as_str),
                                           premium=azure.tier_premium(tier), description=f"storage account {_label(r)}"))


def _tier(sku: Val) -> Val:
    """Premium_LRS -> Premium, Standard_GRS -> Standard."""
    if not sku.known:
        return sku
    return Val(str(sku.value).split("_")[0], sku.state, sku.location, sku.origins)


def _managed_disk(r: ArmResource) -> Disk:
    st, premium = azure.disk_type(val(r.get("sku.name"), "sku.name", azure_catalog.SERVER_DEFAULT_DISK_TYPE, as_str))
    return Disk(**_resource_kw(r), name=val(r.get("name"), "name", convert=as_str), role="data",
                size_bytes=azure.gib_to_bytes(val(r.get("properties.diskSizeGB"), "diskSizeGB", convert=as_int)),
                type_label=st, premium=premium, provisioning=Val("fixed", DEFAULT, r.location),
                file_format=Val("managed", DEFAULT, r.location), labels=string_map(r.get("tags"), "tags"))


# --------------------------------------------------------------------------- VMs


def _windows(r: ArmResource) -> bool:
    """Linux VMs are left out of the model: Exchange runs on Windows only."""
    props = r.get("properties")
    linux_config = props.path("osProfile.linuxConfiguration")
    image = props.path("storageProfile.imageReference")
    publisher, offer = image.get("publisher").value, image.get("offer").value
    return not azure.runs_linux(props.path("storageProfile.osDisk.osType").value,
                                linux_config.present and isinstance(linux_config.value, dict),
                                publisher if isinstance(publisher, str) else None,
                                offer if isinstance(offer, str) else None)


def _vm(r: ArmResource, index: _Index, disks: dict, accounts: dict, inventory: Inventory) -> VirtualMachine:
    name = val(r.get("name"), "name", convert=as_str)
    vm = VirtualMachine(**_resource_kw(r), name=name, module_path=r.deployment, labels=string_map(r.get("tags"), "tags"))
    props = r.get("properties")
    azure.apply_size(vm, val(props.path("hardwareProfile.vmSize"), "hardwareProfile.vmSize", convert=as_str))
    computer = props.path("osProfile.computerName")
    vm.computer_name = val(computer, "osProfile.computerName", convert=as_str) if computer.present else name
    storage = props.get("storageProfile")
    image_gib = _image(vm, storage)
    vm.hibernation = val(props.path("additionalCapabilities.hibernationEnabled"),
                         "additionalCapabilities.hibernationEnabled", False, as_bool)
    vm.stop_action = Val("deallocate", DEFAULT, r.location)
    os_view = storage.get("osDisk")
    vm.os_disk = _disk(r, os_view, "os", index, disks, accounts, image_gib, f"{r.address}/osDisk")
    vm.os_disk.vm = vm
    data = storage.get("dataDisks")
    if isinstance(data.value, Unknown):
        vm.data_disks_complete = unknown(data.location, f"dataDisks: {data.value.reason}", data.all_origins())
    for i, entry in enumerate(data.elements()):
        if isinstance(entry.value, Unknown):
            vm.data_disks_complete = unknown(entry.location, f"a data disk: {entry.value.reason}", entry.all_origins())
            continue
        lun = entry.get("lun").value
        address = f"{r.address}/dataDisks[{lun if isinstance(lun, int) else i}]"
        disk = _disk(r, entry, "data", index, disks, accounts, None, address)
        disk.vm = vm
        if all(d is not disk for d in vm.data_disks):
            vm.data_disks.append(disk)
    vm.data_disk_origins = data.origins
    return vm


def _image(vm: VirtualMachine, storage: View) -> Optional[int]:
    image = storage.get("imageReference")
    if not image.present:
        user_image = storage.path("osDisk.image.uri")
        if user_image.present:
            reason = "the VM uses a custom image (osDisk.image.uri); set guest_os in the configuration"
            azure.unknown_image(vm, user_image.location, reason, user_image.all_origins())
        else:
            reason = "the VM boots from an attached OS disk, not an image; set guest_os in the configuration"
            azure.unknown_image(vm, storage.get("osDisk").location, reason)
        return None
    if isinstance(image.value, Unknown):
        azure.unknown_image(vm, image.location, f"imageReference: {image.value.reason}", image.all_origins())
        return None
    custom = next((image.get(k) for k in ("id", "sharedGalleryImageId", "communityGalleryImageId")
                   if image.get(k).present), None)
    if custom is not None and not image.get("sku").present:
        reason = "the VM uses a custom or gallery image; set guest_os in the configuration"
        azure.unknown_image(vm, custom.location, reason, custom.all_origins())
        return None
    parts = [val(image.get(k), f"imageReference.{k}", convert=as_str) for k in ("publisher", "offer", "sku")]
    return azure.apply_image(vm, *parts)


def _disk(r: ArmResource, entry: View, role: str, index: _Index, disks: dict, accounts: dict,
          image_gib: Optional[int], address: str) -> Disk:
    """An OS disk or a dataDisks entry: a referenced disk resource, an unmanaged VHD or an inline disk."""
    where = entry.location
    managed = entry.get("managedDisk")
    disk_id = managed.get("id")
    if disk_id.present and disk_id.value is not None:
        target = index.target(disk_id.value, DISK)
        if target is not None and target.address in disks:
            disk = disks[target.address]
            disk.role = role
            disk.attach_location = where
            return disk
        reason = (disk_id.value.reason if isinstance(disk_id.value, Unknown)
                  else f"managedDisk.id {disk_id.value} is a disk outside this template")
        outside = unknown(disk_id.location, reason, disk_id.all_origins())
        return Disk(address=address, kind=DISK, platform=PLATFORM, location=where, call_sites=r.call_sites,
                    name=val(entry.get("name"), "name", convert=as_str), role=role, size_bytes=outside,
                    type_label=outside, premium=outside, attach_location=where,
                    file_format=Val("managed", DEFAULT, where))  # a managedDisk: block storage, never a share
    size = entry.get("diskSizeGB")
    size_gib = val(size, "diskSizeGB", convert=as_int) if size.present and size.value is not None else None
    size_bytes = azure.os_disk_size(size_gib, where, image_gib, "diskSizeGB") if role == "os" else \
        azure.gib_to_bytes(val(size, "diskSizeGB", convert=as_int))
    common = dict(address=address, platform=PLATFORM, location=where, call_sites=r.call_sites,
                  name=val(entry.get("name"), "name", convert=as_str), role=role, size_bytes=size_bytes,
                  provisioning=Val("fixed", DEFAULT, where), attach_location=where)
    vhd = entry.path("vhd.uri")
    if vhd.present:
        account = _account_of(vhd.value, index, accounts)
        uri = val(vhd, "vhd.uri", convert=as_str)
        type_label, premium = azure.vhd_storage(account, uri, "vhd.uri")
        return Disk(kind=f"{r.type}.vhd", type_label=type_label, premium=premium,
                    file_format=Val("vhd", EXPLICIT, vhd.location), datastore=account, **common)
    # an inline managed disk; omitted type -> Azure's server default (Standard_LRS)
    st, premium = azure.disk_type(val(managed.get("storageAccountType"), "managedDisk.storageAccountType",
                                      azure_catalog.SERVER_DEFAULT_DISK_TYPE, as_str))
    return Disk(kind=f"{r.type}.{'osDisk' if role == 'os' else 'dataDisks'}", type_label=st, premium=premium,
                file_format=Val("managed", DEFAULT, where), **common)


def _account_of(uri: Any, index: _Index, accounts: dict) -> Optional[Datastore]:
    """The storage account a VHD URI is in: by a reference() edge, or by the URI's host name."""
    target = index.target(uri, ACCOUNT) if isinstance(uri, Unknown) else None
    if target is not None:
        return accounts.get(target.address)
    if isinstance(uri, str):
        name = azure.blob_account(uri)
        return azure.account_named(accounts.values(), name) if name else None
    return None


# --------------------------------------------------------------------------- extensions, snapshots


def _evidence(r: ArmResource, index: _Index, vms: dict, guest_code: dict) -> None:
    """An extension or run command whose settings name Exchange makes its VM an Exchange server; what it
    runs in the guest is read for the shares it maps."""
    parent = index.parent(r, VM)
    if parent is None or parent.address not in vms:
        return
    what = f"{'run command' if r.type_lower == RUN_COMMAND else 'VM extension'} {r.short_name or r.address}"
    views = [r.get(p) for p in ("properties.settings", "properties.protectedSettings", "properties.source")]
    settings = [(v.value, v.location, v.all_origins()) for v in views if v.present]
    name = r.get("name")
    vms[parent.address].exchange_evidence.extend(
        azure.extension_evidence(settings, (r.short_name, name.location, name.all_origins()), what))
    for view in views:
        if view.present:
            guest_code.setdefault(parent.address, []).append((guest_scripts.texts_of(view.value), view.location, what))


def _custom_data(r: ArmResource, guest_code: dict) -> None:
    """Custom data and user data run in the guest (Windows: a script the VM's setup reads)."""
    for path, what in (("properties.osProfile.customData", "the VM's customData"),
                       ("properties.userData", "the VM's userData")):
        view = r.get(path)
        if view.present and view.value is not None:
            guest_code.setdefault(r.address, []).append(
                (guest_scripts.decode_custom_data(view.value), view.location, what))


def _files(result: ArmResult, inventory: Inventory, vms: dict, accounts: dict, index: _Index,
           guest_code: dict) -> None:
    """Azure Files shares and Azure NetApp Files volumes, and the shares each VM's guest code maps (EXV303)."""
    files = Files(accounts)
    for r in result.resources:
        if r.type_lower == SHARE:
            account = index.parent(r, ACCOUNT, levels=2)
            if account is not None and account.address in accounts and accounts[account.address].name.known:
                account_name = str(accounts[account.address].name.value).lower()
            else:  # an account outside the template: the first segment of account/default/share
                account_name = r.name_text.split("/")[0].lower() if r.name_text.count("/") == 2 else None
            name = Val(r.short_name, EXPLICIT, r.get("name").location) if r.short_name else \
                val(r.get("name"), "name", convert=as_str)
            protocol = val(r.get("properties.enabledProtocols"), "enabledProtocols", "SMB", as_str)
            files.share(r, name, share_kind(protocol), account_name)
        elif r.type_lower == VOLUME:
            path = r.get("properties.creationToken").value
            protocols = val(r.get("properties.protocolTypes"), "protocolTypes", ["NFSv3"])
            files.volume(r, val(r.get("name"), "name", convert=as_str), volume_kind(protocols),
                         path if isinstance(path, str) else None, _label(r))
    if files.shares or files.volumes:
        inventory.platforms.add(PLATFORM)
    files.add_to(inventory, vms, guest_code)


def _snapshot(r: ArmResource, index: _Index, disks: dict) -> Snapshot:
    snap = Snapshot(**_resource_kw(r), name=val(r.get("name"), "name", convert=as_str), snapshot_kind="disk",
                    includes_memory=Val(False, DEFAULT, r.location))
    creation = r.get("properties.creationData")
    for key in ("sourceResourceId", "sourceUri"):
        source = creation.get(key)
        if not source.present:
            continue
        snap.target = val(source, f"creationData.{key}", convert=as_str)
        target = index.target(source.value, DISK)
        if target is not None and target.address in disks:
            snap.target_disk = disks[target.address]
            break
    return snap


def _restore_points(r: ArmResource, index: _Index, vms: dict) -> Snapshot:
    snap = Snapshot(**_resource_kw(r), name=val(r.get("name"), "name", convert=as_str), snapshot_kind="restore-point",
                    includes_memory=Val(False, DEFAULT, r.location))
    source = r.get("properties.source.id")
    snap.target = val(source, "source.id", convert=as_str)
    target = index.target(source.value, VM)
    if target is not None and target.address in vms:
        snap.target_vm = vms[target.address]
    return snap


__all__ = ["adapt", "reads_type", "val", "PLATFORM"]
