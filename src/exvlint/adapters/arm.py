"""ARM template resources (evaluated by :mod:`exvlint.arm`) -> the neutral model.

Property paths and defaults: shared/reference/providers.md (BT-VM, BT-DISK, BT-ST). What a value
means for the model (size table, image facts, Premium disk SKUs, storage tiers, the placement
rule) is decided by :mod:`exvlint.adapters.azure`, which the azurerm adapter uses as well.
Types and property names compare case-insensitively, as ARM compares them.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from ..arm.result import ArmResource, ArmResult, View
from ..model import DEFAULT, EXPLICIT, Datastore, Deployment, Disk, Evidence, Snapshot, Val, VirtualMachine, unknown
from ..evaluation import CONVERSION_ERRORS, Unknown, collect_refs, contains_unknown
from ..findings import brief
from . import azure
from . import azure_catalog as catalog
from .azure import PLATFORM
from .terraform_values import as_bool, as_int, as_str

VM = "microsoft.compute/virtualmachines"
DISK = "microsoft.compute/disks"
SNAPSHOT = "microsoft.compute/snapshots"
RESTORE_POINTS = "microsoft.compute/restorepointcollections"
ACCOUNT = "microsoft.storage/storageaccounts"
EXTENSION = "microsoft.compute/virtualmachines/extensions"
RUN_COMMAND = "microsoft.compute/virtualmachines/runcommands"
DEPLOYMENT = "microsoft.resources/deployments"
HANDLED = {VM, DISK, SNAPSHOT, RESTORE_POINTS, ACCOUNT, EXTENSION, RUN_COMMAND}
# Azure Communication Services email resources: an SMTP relay for EXV501 (providers.md, R5)
RELAY_TYPES = {
    "microsoft.communication/emailservices": "Azure Communication Services email service",
    "microsoft.communication/emailservices/domains": "Azure Communication Services email domain",
    "microsoft.communication/communicationservices/smtpusernames": "Azure Communication Services SMTP user name",
}
# Network rules that could allow the relay; not mapped yet (see the end of adapt)
NETWORK_RULE_TYPES = {"microsoft.network/networksecuritygroups", "microsoft.network/networksecuritygroups/securityrules",
                      "microsoft.network/azurefirewalls", "microsoft.network/firewallpolicies",
                      "microsoft.network/firewallpolicies/rulecollectiongroups"}

_NO_DEFAULT = object()


def reads_type(rtype: str) -> bool:
    """Whether this adapter reads resources of ``rtype`` (unresolved ones deserve a --strict note)."""
    return rtype.lower() in HANDLED or rtype.lower() in RELAY_TYPES or rtype.lower() == DEPLOYMENT


def val(view: View, name: str, default: Any = _NO_DEFAULT, convert: Optional[Callable[[Any], Any]] = None) -> Val:
    """The model value of a property: omitted or null -> the default (or unknown), located where
    a user would write it; unknown after evaluation -> unknown with the reason."""
    if not view.present or view.value is None:
        if default is _NO_DEFAULT:
            return unknown(view.location, f"{name} is not set", view.origins)
        return Val(default, DEFAULT, view.location, view.origins if view.present else ())
    value = view.value
    if contains_unknown(value):
        reason = value.reason if isinstance(value, Unknown) else f"{name} is partly unknown"
        return unknown(view.location, f"{name}: {reason}", view.all_origins())
    if convert is not None:
        try:
            value = convert(value)
        except CONVERSION_ERRORS:
            return unknown(view.location, f"{name} has an unexpected value {brief(repr(view.value))}", view.all_origins())
    return Val(value, EXPLICIT, view.location, view.all_origins())


def string_map(view: View, name: str) -> dict:
    """An object such as ``tags`` as key -> Val (unknown entries are unknown Vals)."""
    if not isinstance(view.value, dict):
        return {}
    out = {}
    for key in view.value:
        entry = view.get(key)
        if isinstance(entry.value, (str, int, float, bool, Unknown)):
            out[key] = val(entry, f"{name}.{key}", convert=as_str)
    return out


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

    def parent(self, child: ArmResource, rtype: str) -> Optional[ArmResource]:
        """The resource a child resource (``vm1/ext1``) belongs to."""
        if isinstance(child.resource_id, str):
            parent_id = child.resource_id.rsplit("/", 2)[0]
            found = self.by_id.get(parent_id.lower())
            if found is not None and found.type_lower == rtype:
                return found
        return None


def adapt(result: ArmResult, deployment: Deployment) -> None:
    """Add the Azure resources of an evaluated template (``result``) to ``deployment``."""
    mine = [r for r in result.resources if r.type_lower in HANDLED]
    if not mine:
        return
    deployment.platforms.add(PLATFORM)
    index = _Index(result.resources)
    accounts = {r.address: _storage_account(r) for r in mine if r.type_lower == ACCOUNT}
    deployment.datastores.extend(accounts.values())
    disks = {r.address: _managed_disk(r) for r in mine if r.type_lower == DISK}
    deployment.disks.extend(disks.values())
    vms = {r.address: _vm(r, index, disks, accounts, deployment) for r in mine if r.type_lower == VM and _windows(r)}
    deployment.vms.extend(vms.values())
    listed = {id(d) for d in deployment.disks}
    for vm in vms.values():
        for disk in [vm.os_disk] + vm.data_disks:
            if disk is not None and id(disk) not in listed:
                listed.add(id(disk))
                deployment.disks.append(disk)
    azure.own_storage(deployment.disks)
    for r in mine:
        if r.type_lower in (EXTENSION, RUN_COMMAND):
            _evidence(r, index, vms)
        elif r.type_lower == SNAPSHOT:
            deployment.snapshots.append(_snapshot(r, index, disks))
        elif r.type_lower == RESTORE_POINTS:
            deployment.snapshots.append(_restore_points(r, index, vms))
    _relay(result, deployment)


def _relay(result: ArmResult, deployment: Deployment) -> None:
    """SMTP relay evidence (EXV501).

    Network interfaces, NSGs, firewalls and subnets are to be mapped into the model's network here
    (for EXV502, and the relay rules of EXV501), as the azurerm adapter does. Until then an NSG or
    firewall of the template may hold the relay's allow rule, so it makes the relay unknown rather
    than missing: never a false EXV501.
    """
    for r in result.resources:
        what = RELAY_TYPES.get(r.type_lower)
        if what is not None:
            deployment.relay_evidence.append(Evidence(what, r.location, f"{what} {_label(r)}", r.origins))
    rules = [r for r in result.resources if r.type_lower in NETWORK_RULE_TYPES]
    if rules:
        deployment.relay_evidence.append(Evidence(
            "network rules", rules[0].location, f"{_label(rules[0])} (network rules of ARM templates are not read "
            "yet; it may allow the relay)", rules[0].origins, certain=False))


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
    st, premium = azure.disk_type(val(r.get("sku.name"), "sku.name", catalog.SERVER_DEFAULT_DISK_TYPE, as_str))
    return Disk(**_resource_kw(r), name=val(r.get("name"), "name", convert=as_str), role="data",
                size_bytes=azure.gib_to_bytes(val(r.get("properties.diskSizeGB"), "diskSizeGB", convert=as_int)),
                storage_type=st, premium=premium, provisioning=Val("fixed", DEFAULT, r.location),
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


def _vm(r: ArmResource, index: _Index, disks: dict, accounts: dict, deployment: Deployment) -> VirtualMachine:
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
        return Disk(address=address, kind=DISK, platform=PLATFORM, location=where, call_sites=r.call_sites,
                    name=val(entry.get("name"), "name", convert=as_str), role=role,
                    storage_type=unknown(disk_id.location, reason, disk_id.all_origins()),
                    premium=unknown(disk_id.location, reason, disk_id.all_origins()), attach_location=where)
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
        storage_type, premium = azure.vhd_storage(account, uri, "vhd.uri")
        return Disk(kind=f"{r.type}.vhd", storage_type=storage_type, premium=premium,
                    file_format=Val("vhd", EXPLICIT, vhd.location), datastore=account, **common)
    # an inline managed disk; omitted type -> Azure's server default (Standard_LRS)
    st, premium = azure.disk_type(val(managed.get("storageAccountType"), "managedDisk.storageAccountType",
                                      catalog.SERVER_DEFAULT_DISK_TYPE, as_str))
    return Disk(kind=f"{r.type}.{'osDisk' if role == 'os' else 'dataDisks'}", storage_type=st, premium=premium,
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


def _evidence(r: ArmResource, index: _Index, vms: dict) -> None:
    """An extension or run command whose settings name Exchange makes its VM an Exchange server."""
    parent = index.parent(r, VM)
    if parent is None or parent.address not in vms:
        return
    what = f"{'run command' if r.type_lower == RUN_COMMAND else 'VM extension'} {r.short_name or r.address}"
    settings = [(v.value, v.location, v.all_origins()) for v in
                (r.get(p) for p in ("properties.settings", "properties.protectedSettings", "properties.source"))
                if v.present]
    name = r.get("name")
    vms[parent.address].exchange_evidence.extend(
        azure.extension_evidence(settings, (r.short_name, name.location, name.all_origins()), what))


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
