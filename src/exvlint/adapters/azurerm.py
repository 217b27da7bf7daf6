"""azurerm (hashicorp/azurerm) resources -> the neutral model.

Attribute names and defaults: shared/reference/providers.md (AZ-WVM, AZ-VM, AZ-MD, AZ-DDA,
AZ-SNAP, AZ-SA). Sizes: GB in the provider is GiB; memory comes from the shipped size table.
"""
from __future__ import annotations

import json
import re
from typing import Optional

from ..model import (DEFAULT, EXPLICIT, GIB, Datastore, Deployment, Disk, Evidence, Snapshot, Val, register_words,
                     VirtualMachine, unknown)
from ..terraform.results import EvalBlock, ResourceInstance
from ..terraform.values import Unknown
from . import azure_catalog as catalog
from . import azurerm_files, azurerm_network, guest_scripts
from .terraform_values import (InstanceIndex, as_bool, as_int, as_str, attr_val, first_block, raw,
                               refs_of, resource_label, string_map)

PLATFORM = "azure"
VM_TYPES = ("azurerm_windows_virtual_machine", "azurerm_virtual_machine")
DISK_TYPES = ("azurerm_managed_disk",)
EXTENSION_TYPES = ("azurerm_virtual_machine_extension", "azurerm_virtual_machine_run_command")
HANDLED = set(VM_TYPES) | set(DISK_TYPES) | set(EXTENSION_TYPES) | {
    "azurerm_virtual_machine_data_disk_attachment", "azurerm_snapshot", "azurerm_storage_account",
    "azurerm_virtual_machine_restore_point_collection"}
_BLOB_HOST = re.compile(r"^https?://([a-z0-9]+)\.blob\.", re.I)


register_words(PLATFORM, {
    "premium-disk-fix": "use Premium_LRS or Premium_ZRS",
    "premium-size-fix": "choose a size with 's' in its feature letters (for example Standard_E8s_v5)",
    "hibernation-fix": "set hibernation_enabled = false",
    "relay-fix": "record the relay where exvlint sees it: an Azure Communication Services email resource "
                 "(azurerm_email_communication_service), an outbound NSG or firewall rule for TCP 587 to the "
                 "relay's address, the tag smtp-relay on the Exchange VMs, or azure.smtp_relay in .exvlint.yaml",
    "smtp-egress-fix": "allow only the relay's address and port (usually 587), or remove the rule",
    "guest-share-fix": "keep Exchange databases, logs and queues on Premium managed disks (see EXV301), not on "
                       "Azure Files or Azure NetApp Files",
    "memory-fix": "choose a size with more memory",
    "guest-os-fix": "choose the image SKU of a supported release (a new VM: Windows is not upgraded in place under Exchange)",
})


def reads_type(rtype: str) -> bool:
    """Whether this adapter reads resources of ``rtype`` (unresolved ones deserve a --strict note)."""
    return rtype in HANDLED or rtype in azurerm_network.HANDLED or rtype in azurerm_files.HANDLED


def handles(instance: ResourceInstance) -> bool:
    return instance.type.startswith("azurerm_")


def adapt(evaluated, deployment: Deployment) -> None:
    """Add the azurerm resources that ``evaluated`` (a Terraform Evaluator) holds to ``deployment``."""
    instances = evaluated.instances
    mine = [i for i in instances if i.type in HANDLED and i.mode == "managed"]
    if not mine:
        azurerm_network.adapt(evaluated, deployment, {})  # a network without VMs (a hub, a landing zone)
        return
    deployment.platforms.add(PLATFORM)
    index = InstanceIndex(instances)
    accounts = {i.address: _storage_account(i) for i in mine if i.type == "azurerm_storage_account"}
    deployment.datastores.extend(accounts.values())
    disks = {i.address: _managed_disk(i) for i in mine if i.type in DISK_TYPES}
    deployment.disks.extend(disks.values())
    vms = {}
    for inst in mine:
        if inst.type == "azurerm_windows_virtual_machine":
            vms[inst.address] = _windows_vm(inst, index, disks)
        elif inst.type == "azurerm_virtual_machine":
            vms[inst.address] = _legacy_vm(inst, index, disks, accounts, deployment)
    deployment.vms.extend(vms.values())
    listed = {id(d) for d in deployment.disks}
    deployment.disks.extend(vm.os_disk for vm in vms.values() if vm.os_disk is not None and id(vm.os_disk) not in listed)
    for inst in mine:
        if inst.type == "azurerm_virtual_machine_data_disk_attachment":
            _attach(inst, index, vms, disks)
    _attachment_blocks(evaluated.resource_blocks, vms)
    attached = [d for vm in vms.values() for d in vm.data_disks]
    for disk in deployment.disks + attached:  # every Azure disk is storage of its own (rules.md EXV307)
        if disk.platform == PLATFORM and not disk.placement.known:
            disk.placement = Val(f"its own Azure disk {disk.address}", DEFAULT, disk.location)
    guest_code: dict = {}  # VM address -> [(texts, location, what)]: what runs inside the guest
    for address, vm in vms.items():
        _custom_data(index.by_address[address], guest_code)
    for inst in mine:
        if inst.type in EXTENSION_TYPES:
            _extension(inst, index, vms, guest_code)
        elif inst.type == "azurerm_snapshot":
            deployment.snapshots.append(_snapshot(inst, index, disks))
        elif inst.type == "azurerm_virtual_machine_restore_point_collection":
            deployment.snapshots.append(_restore_points(inst, index, vms))
    azurerm_network.adapt(evaluated, deployment, vms)
    azurerm_files.adapt(evaluated, deployment, vms, accounts, guest_code)


def _resource_kw(inst: ResourceInstance) -> dict:
    return dict(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                call_sites=inst.call_sites, origins=inst.origins)


def _storage_type(block: Optional[EvalBlock], name: str, owner: EvalBlock) -> tuple:
    """(storage_type Val, premium Val); omitted -> Azure's server default Standard_LRS."""
    st = attr_val(block, name, catalog.SERVER_DEFAULT_DISK_TYPE, as_str, owner=owner)
    if not st.known:
        return st, st
    return st, Val(st.value.lower() in catalog.PREMIUM_DISK_TYPES, st.state, st.location, st.origins)


def _gib_val(block: Optional[EvalBlock], name: str, owner: EvalBlock) -> Val:
    v = attr_val(block, name, convert=as_int, owner=owner)
    if not v.known:
        return v
    return Val(v.value * GIB, v.state, v.location, v.origins)


# --------------------------------------------------------------------------- storage


def _storage_account(inst: ResourceInstance) -> Datastore:
    body = inst.body
    tier = attr_val(body, "account_tier", convert=as_str)
    premium = Val(tier.value.lower() == "premium", tier.state, tier.location, tier.origins) if tier.known else tier
    return Datastore(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str),
                     storage_kind=Val("block", EXPLICIT, inst.location), premium=premium,
                     description=f"storage account {resource_label(inst)}")


def _managed_disk(inst: ResourceInstance) -> Disk:
    body = inst.body
    st, premium = _storage_type(body, "storage_account_type", body)
    return Disk(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str), role="data",
                size_bytes=_gib_val(body, "disk_size_gb", body), storage_type=st, premium=premium,
                provisioning=Val("fixed", DEFAULT, inst.location), file_format=Val("managed", DEFAULT, inst.location),
                labels=string_map(body, "tags"))


def _unmanaged_disk(inst: ResourceInstance, block: EvalBlock, role: str, index: InstanceIndex,
                    accounts: dict, deployment: Deployment) -> Disk:
    """Legacy inline disk with ``vhd_uri``: its tier is the storage account's."""
    account = None
    targets = index.targets(block, "vhd_uri", ("azurerm_storage_account",))
    if targets:
        account = accounts.get(targets[0].address)
    else:
        uri = raw(block, "vhd_uri")
        m = _BLOB_HOST.match(uri) if isinstance(uri, str) else None
        if m:
            found = [d for d in accounts.values() if d.name.known and d.name.value.lower() == m.group(1).lower()]
            account = found[0] if found else None
    uri_val = attr_val(block, "vhd_uri", convert=as_str)
    if account is not None and account.premium.known:
        tier = "Premium" if account.premium.value else "Standard"
        storage_type = Val(f"unmanaged VHD in {tier} storage account {account.name.value or account.address}",
                           account.premium.state, uri_val.location, account.premium.origins)
        premium = Val(account.premium.value, account.premium.state, uri_val.location,
                      (_related(account.premium.location, "storage account tier"),) + account.premium.origins)
    else:
        storage_type = premium = unknown(uri_val.location, "the storage account of vhd_uri is not in this configuration")
    return Disk(address=_inline_address(inst, block, role), kind=f"{inst.type}.{block.type}", platform=PLATFORM,
                location=block.location, call_sites=inst.call_sites, name=attr_val(block, "name", convert=as_str),
                role=role, size_bytes=_gib_val(block, "disk_size_gb", block), storage_type=storage_type,
                premium=premium, provisioning=Val("fixed", DEFAULT, block.location),
                file_format=Val("vhd", EXPLICIT, uri_val.location), datastore=account, attach_location=block.location)


def _inline_address(inst: ResourceInstance, block: EvalBlock, role: str) -> str:
    """An inline disk's address: data disks are told apart by their LUN."""
    return f"{inst.address}.{block.type}" + (f"[{raw(block, 'lun')}]" if role == "data" else "")


def _related(location, message):
    from ..findings import Related

    return Related(location, message)


# --------------------------------------------------------------------------- VMs


def _vm_common(inst: ResourceInstance, size_attr: str) -> VirtualMachine:
    body = inst.body
    vm = VirtualMachine(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str),
                        module_path=inst.module_path, labels=string_map(body, "tags"))
    size = attr_val(body, size_attr, convert=as_str)
    vm.size = size
    if size.known:
        facts = catalog.lookup_size(size.value)
        if facts is None:
            reason = f"size {size.value} is not in exvlint's Azure size table"
            vm.vcpus = vm.memory_mib = vm.premium_storage_capable = unknown(size.location, reason, size.origins)
        else:
            vm.vcpus = Val(facts.vcpus, size.state, size.location, size.origins)
            vm.memory_mib = Val(int(facts.memory_gib * 1024), size.state, size.location, size.origins)
            vm.premium_storage_capable = Val(facts.premium_storage, size.state, size.location, size.origins)
    else:
        vm.vcpus = vm.memory_mib = vm.premium_storage_capable = size
    vm.dynamic_memory = Val(False, DEFAULT, inst.location)  # fixed by the size
    return vm


def _image(vm: VirtualMachine, block: Optional[EvalBlock], sku_attr: str, inst: ResourceInstance) -> Optional[int]:
    """Guest OS from a marketplace image reference; returns the image's default OS disk GiB."""
    if block is None:
        image_id = attr_val(inst.body, "source_image_id", convert=as_str)
        where = image_id.location if raw(inst.body, "source_image_id") is not None else inst.location
        reason = "the VM uses a custom or gallery image; set guest_os in the configuration"
        vm.guest_os = vm.image = unknown(where, reason, image_id.origins)
        return None
    pub, offer, sku = (attr_val(block, n, convert=as_str) for n in ("publisher", "offer", sku_attr))
    if raw(block, "id") is not None and not sku.known:
        vm.guest_os = vm.image = unknown(block.location, "custom image id")
        return None
    if not (pub.known and offer.known and sku.known):
        missing = next(v for v in (pub, offer, sku) if not v.known)
        vm.guest_os = vm.image = missing
        return None
    facts = catalog.windows_image(pub.value, offer.value, sku.value)
    desc = f"{pub.value}/{offer.value}/{sku.value}"
    vm.image = Val(desc, sku.state, sku.location, sku.origins)
    if facts.guest_os is None:
        vm.guest_os = unknown(sku.location, f"image {desc} does not say which Windows Server it is")
        return None
    named = {"sku": sku, "offer": offer, "publisher": pub}[facts.named_by]  # the attribute to change
    vm.guest_os = Val(facts.guest_os, named.state, named.location, named.origins)
    return facts.os_disk_gib


def _os_disk_size(disk_block: Optional[EvalBlock], inst: ResourceInstance, image_gib: Optional[int]) -> Val:
    where = disk_block if disk_block is not None else inst.body
    if raw(where, "disk_size_gb") is None:
        if image_gib is None:
            return unknown(where.location, "disk_size_gb is omitted and the image's OS disk size is not known")
        return Val(image_gib * GIB, DEFAULT, where.location)
    return _gib_val(where, "disk_size_gb", where)


def _windows_vm(inst: ResourceInstance, index: InstanceIndex, disks: dict) -> VirtualMachine:
    body = inst.body
    vm = _vm_common(inst, "size")
    vm.computer_name = attr_val(body, "computer_name", convert=as_str)
    if not vm.computer_name.known and raw(body, "computer_name") is None:
        vm.computer_name = vm.name
    image_gib = _image(vm, first_block(body, "source_image_reference"), "sku", inst)
    caps = first_block(body, "additional_capabilities")
    vm.hibernation = attr_val(caps, "hibernation_enabled", False, as_bool, owner=body)
    os_block = first_block(body, "os_disk")
    managed = index.targets(body, "os_managed_disk_id", DISK_TYPES)
    if managed and managed[0].address in disks:
        os_disk = disks[managed[0].address]
        os_disk.role = "os"
        os_disk.attach_location = body.attrs["os_managed_disk_id"].location
    else:
        st, premium = _storage_type(os_block, "storage_account_type", body)
        loc = os_block.location if os_block is not None else inst.location
        os_disk = Disk(address=f"{inst.address}.os_disk", kind=f"{inst.type}.os_disk", platform=PLATFORM,
                       location=loc, call_sites=inst.call_sites,
                       name=attr_val(os_block, "name", convert=as_str, owner=body), role="os",
                       size_bytes=_os_disk_size(os_block, inst, image_gib), storage_type=st, premium=premium,
                       provisioning=Val("fixed", DEFAULT, loc), file_format=Val("managed", DEFAULT, loc),
                       attach_location=loc)
    os_disk.vm = vm
    vm.os_disk = os_disk
    vm.stop_action = Val("deallocate", DEFAULT, inst.location)
    return vm


def _legacy_vm(inst: ResourceInstance, index: InstanceIndex, disks: dict, accounts: dict,
               deployment: Deployment) -> VirtualMachine:
    body = inst.body
    vm = _vm_common(inst, "vm_size")
    profile = first_block(body, "os_profile")
    vm.computer_name = attr_val(profile, "computer_name", convert=as_str, owner=body)
    image_gib = _image(vm, first_block(body, "storage_image_reference"), "sku", inst)
    vm.hibernation = Val(False, DEFAULT, inst.location)  # the legacy resource cannot hibernate
    vm.stop_action = Val("deallocate", DEFAULT, inst.location)
    os_block = first_block(body, "storage_os_disk")
    if os_block is not None:
        vm.os_disk = _legacy_disk(inst, os_block, "os", index, disks, accounts, deployment, image_gib)
        vm.os_disk.vm = vm
    for block in body.blocks_of("storage_data_disk"):
        disk = _legacy_disk(inst, block, "data", index, disks, accounts, deployment, None)
        disk.vm = vm
        vm.data_disks.append(disk)
    if "storage_data_disk" in body.unknown_blocks:
        vm.data_disks_complete = unknown(inst.location, "the dynamic storage_data_disk blocks are not known")
    return vm


def _legacy_disk(inst: ResourceInstance, block: EvalBlock, role: str, index: InstanceIndex, disks: dict,
                 accounts: dict, deployment: Deployment, image_gib: Optional[int]) -> Disk:
    managed = index.targets(block, "managed_disk_id", DISK_TYPES)
    if managed and managed[0].address in disks:
        disk = disks[managed[0].address]
        disk.role = role
        disk.attach_location = block.location
        return disk
    if raw(block, "vhd_uri") is not None:
        disk = _unmanaged_disk(inst, block, role, index, accounts, deployment)
        if role == "os" and raw(block, "disk_size_gb") is None:
            disk.size_bytes = _os_disk_size(block, inst, image_gib)
        deployment.disks.append(disk)
        return disk
    if raw(block, "managed_disk_id") is not None:
        reason = "managed_disk_id refers to a disk outside this configuration"
        return Disk(address=f"{inst.address}.{block.type}", kind=f"{inst.type}.{block.type}", platform=PLATFORM,
                    location=block.location, call_sites=inst.call_sites, role=role,
                    storage_type=unknown(block.attrs["managed_disk_id"].location, reason),
                    premium=unknown(block.attrs["managed_disk_id"].location, reason), attach_location=block.location)
    st, premium = _storage_type(block, "managed_disk_type", block)
    size = _os_disk_size(block, inst, image_gib) if role == "os" else _gib_val(block, "disk_size_gb", block)
    disk = Disk(address=_inline_address(inst, block, role),
                kind=f"{inst.type}.{block.type}", platform=PLATFORM, location=block.location,
                call_sites=inst.call_sites, name=attr_val(block, "name", convert=as_str), role=role,
                size_bytes=size, storage_type=st, premium=premium, provisioning=Val("fixed", DEFAULT, block.location),
                file_format=Val("managed", DEFAULT, block.location), attach_location=block.location)
    deployment.disks.append(disk)
    return disk


# --------------------------------------------------------------------------- edges


def _attach(inst: ResourceInstance, index: InstanceIndex, vms: dict, disks: dict) -> None:
    body = inst.body
    vm_targets = index.targets(body, "virtual_machine_id", VM_TYPES)
    disk_targets = index.targets(body, "managed_disk_id", DISK_TYPES)
    if not vm_targets:
        if any(r.address in index.by_address for r in refs_of(body, "virtual_machine_id")):
            return  # attached to a VM of another kind (a Linux VM, a scale set): not ours to count
        # an attachment to a VM we cannot identify: no VM's disk list is complete any more
        vm_id = attr_val(body, "virtual_machine_id", convert=as_str)
        reason = vm_id.reason or f"{inst.address} attaches a disk to a VM outside this configuration"
        for vm in vms.values():
            vm.data_disks_complete = unknown(vm_id.location or inst.location, reason)
        return
    vm = vms.get(vm_targets[0].address)
    if vm is None:
        return
    if not disk_targets or disk_targets[0].address not in disks:
        # a disk this configuration does not describe (data source, variable): attached, type unknown
        disk_id = attr_val(body, "managed_disk_id", convert=as_str)
        reason = disk_id.reason if not disk_id.known else "the disk is not managed by this configuration"
        refs = sorted(r.address for r in refs_of(body, "managed_disk_id"))
        if refs:
            reason = f"managed_disk_id refers to {refs[0]}, whose storage type is not in the configuration"
        where = disk_id.location or inst.location
        disk = Disk(address=inst.address + ".managed_disk", kind="azurerm_managed_disk", platform=PLATFORM,
                    location=where, call_sites=inst.call_sites, role="data",
                    storage_type=unknown(where, reason), premium=unknown(where, reason), vm=vm,
                    attach_location=inst.location)
        vm.data_disks.append(disk)
        return
    disk = disks[disk_targets[0].address]
    disk.role = "data"
    disk.vm = vm
    disk.attach_location = inst.location
    if disk not in vm.data_disks:
        vm.data_disks.append(disk)


def _attachment_blocks(blocks: list, vms: dict) -> None:
    """Attachment blocks whose instances are unknown or zero decide how many data disks VMs have."""
    for block in blocks:
        if block.type != "azurerm_virtual_machine_data_disk_attachment":
            continue
        same_module = [vm for vm in vms.values() if vm.module_path == block.module_path]
        if block.instances is None:
            for vm in same_module or vms.values():
                vm.data_disks_complete = unknown(block.origins[0].location if block.origins else block.location,
                                                 f"the instances of {block.address} are not known ({block.reason})",
                                                 block.origins[1:])
        elif block.instances == 0:
            for vm in same_module:
                vm.data_disk_origins += block.origins


def _settings_text(value) -> str:
    if isinstance(value, Unknown):
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return ""


def _custom_data(inst: ResourceInstance, guest_code: dict) -> None:
    """Custom data and user data run in the guest (Windows: a script the VM's setup reads)."""
    profile = first_block(inst.body, "os_profile")  # the legacy VM keeps it in os_profile, as plain text
    for block in (inst.body, profile):
        for name in ("custom_data", "user_data"):
            attr = block.attrs.get(name) if block is not None else None
            if attr is not None and attr.value is not None:
                guest_code.setdefault(inst.address, []).append(
                    (guest_scripts.decode_custom_data(attr.value), attr.location, f"the VM's {name}"))


def _extension(inst: ResourceInstance, index: InstanceIndex, vms: dict, guest_code: dict) -> None:
    body = inst.body
    targets = index.targets(body, "virtual_machine_id", VM_TYPES)
    if not targets or targets[0].address not in vms:
        return
    vm = vms[targets[0].address]
    kind = "VM extension" if inst.type == "azurerm_virtual_machine_extension" else "run command"
    for name in ("settings", "protected_settings"):
        attr = body.attrs.get(name)
        if attr is not None and attr.value is not None:
            guest_code.setdefault(vm.address, []).append(
                (guest_scripts.texts_of(attr.value), attr.location, f"{kind} {resource_label(inst)}"))
    source = first_block(body, "source")
    if source is not None and "script" in source.attrs:
        attr = source.attrs["script"]
        guest_code.setdefault(vm.address, []).append(
            (guest_scripts.texts_of(attr.value), attr.location, f"{kind} {resource_label(inst)}"))
    # every attribute that mentions Exchange is evidence: one may name the version, another only the module
    for name in ("settings", "protected_settings", "name"):
        attr = body.attrs.get(name)
        if attr is None:
            continue
        text = _settings_text(attr.value)
        if "exchange" in text.lower():
            vm.exchange_evidence.append(Evidence(text, attr.location, f"VM extension {resource_label(inst)}",
                                                 attr.origins))
    source = first_block(body, "source")
    if source is not None:
        for name in ("script", "script_uri"):
            text = _settings_text(raw(source, name))
            if "exchange" in text.lower():
                attr = source.attrs[name]
                vm.exchange_evidence.append(Evidence(text, attr.location, f"run command {resource_label(inst)}",
                                                     attr.origins))


def _snapshot(inst: ResourceInstance, index: InstanceIndex, disks: dict) -> Snapshot:
    body = inst.body
    snap = Snapshot(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str), snapshot_kind="disk",
                    includes_memory=Val(False, DEFAULT, inst.location))
    for attr in ("source_uri", "source_resource_id"):
        if raw(body, attr) is None:
            continue
        snap.target = attr_val(body, attr, convert=as_str)
        targets = index.targets(body, attr, DISK_TYPES)
        if targets and targets[0].address in disks:
            snap.target_disk = disks[targets[0].address]
            break
    return snap


def _restore_points(inst: ResourceInstance, index: InstanceIndex, vms: dict) -> Snapshot:
    body = inst.body
    snap = Snapshot(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str), snapshot_kind="restore-point",
                    includes_memory=Val(False, DEFAULT, inst.location))
    snap.target = attr_val(body, "source_virtual_machine_id", convert=as_str)
    targets = index.targets(body, "source_virtual_machine_id", VM_TYPES)
    if targets and targets[0].address in vms:
        snap.target_vm = vms[targets[0].address]
    return snap
