"""azurerm (hashicorp/azurerm) resources -> the neutral model.

Attribute names and defaults: the hashicorp/terraform-provider-azurerm documentation and schemas
(windows_virtual_machine, the legacy virtual_machine, managed_disk, virtual_machine_data_disk_attachment,
snapshot, storage_account). Sizes: GB in the provider is GiB; memory comes from the shipped size table.
"""
from __future__ import annotations

from typing import Optional

from ..model import DEFAULT, EXPLICIT, Datastore, Inventory, Disk, Snapshot, Val, VirtualMachine, unknown
from ..terraform.results import EvalBlock, ResourceInstance
from . import azure
from . import azure_catalog
from .azure import PLATFORM
from . import azurerm_files, azurerm_network, guest_scripts
from .terraform_values import (InstanceIndex, as_bool, as_int, as_str, attr_val, first_block, raw,
                               refs_of, resource_label, string_map)

VM_TYPES = ("azurerm_windows_virtual_machine", "azurerm_virtual_machine")
DISK_TYPES = ("azurerm_managed_disk",)
EXTENSION_TYPES = ("azurerm_virtual_machine_extension", "azurerm_virtual_machine_run_command")
HANDLED = set(VM_TYPES) | set(DISK_TYPES) | set(EXTENSION_TYPES) | {
    "azurerm_virtual_machine_data_disk_attachment", "azurerm_snapshot", "azurerm_storage_account",
    "azurerm_virtual_machine_restore_point_collection"}

def reads_type(rtype: str) -> bool:
    """Whether this adapter reads resources of ``rtype`` (unresolved ones deserve a --strict note)."""
    return rtype in HANDLED or rtype in azurerm_network.HANDLED or rtype in azurerm_files.HANDLED


def adapt(evaluated, inventory: Inventory) -> None:
    """Add the azurerm resources that ``evaluated`` (a Terraform Evaluator) holds to ``deployment``."""
    instances = evaluated.instances
    mine = [i for i in instances if i.type in HANDLED and i.mode == "managed"]
    if not mine:
        azurerm_network.adapt(evaluated, inventory, {})  # a network without VMs (a hub, a landing zone)
        return
    inventory.platforms.add(PLATFORM)
    index = InstanceIndex(instances)
    accounts = {i.address: _storage_account(i) for i in mine if i.type == "azurerm_storage_account"}
    inventory.datastores.extend(accounts.values())
    disks = {i.address: _managed_disk(i) for i in mine if i.type in DISK_TYPES}
    inventory.disks.extend(disks.values())
    vms = {}
    for inst in mine:
        if inst.type == "azurerm_windows_virtual_machine":
            vms[inst.address] = _windows_vm(inst, index, disks)
        elif inst.type == "azurerm_virtual_machine" and not _legacy_linux(inst):
            vms[inst.address] = _legacy_vm(inst, index, disks, accounts, inventory)
    inventory.vms.extend(vms.values())
    listed = {id(d) for d in inventory.disks}
    inventory.disks.extend(vm.os_disk for vm in vms.values() if vm.os_disk is not None and id(vm.os_disk) not in listed)
    for inst in mine:
        if inst.type == "azurerm_virtual_machine_data_disk_attachment":
            _attach(inst, index, vms, disks)
    _attachment_blocks(evaluated.resource_blocks, vms)
    azure.own_storage(inventory.disks + [d for vm in vms.values() for d in vm.data_disks])
    guest_code: dict = {}  # VM address -> [(texts, location, what)]: what runs inside the guest
    for address, vm in vms.items():
        _custom_data(index.by_address[address], guest_code)
    for inst in mine:
        if inst.type in EXTENSION_TYPES:
            _extension(inst, index, vms, guest_code)
        elif inst.type == "azurerm_snapshot":
            inventory.snapshots.append(_snapshot(inst, index, disks))
        elif inst.type == "azurerm_virtual_machine_restore_point_collection":
            inventory.snapshots.append(_restore_points(inst, index, vms))
    azurerm_network.adapt(evaluated, inventory, vms)
    azurerm_files.adapt(evaluated, inventory, vms, accounts, guest_code)


def _resource_kw(inst: ResourceInstance) -> dict:
    return dict(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                call_sites=inst.call_sites, origins=inst.origins)


def _storage_type(block: Optional[EvalBlock], name: str, owner: EvalBlock) -> tuple:
    """(type_label Val, premium Val); omitted -> Azure's server default Standard_LRS."""
    return azure.disk_type(attr_val(block, name, azure_catalog.SERVER_DEFAULT_DISK_TYPE, as_str, owner=owner))


def _gib_val(block: Optional[EvalBlock], name: str, owner: EvalBlock) -> Val:
    return azure.gib_to_bytes(attr_val(block, name, convert=as_int, owner=owner))


# --------------------------------------------------------------------------- storage


def _storage_account(inst: ResourceInstance) -> Datastore:
    body = inst.body
    premium = azure.tier_premium(attr_val(body, "account_tier", convert=as_str))
    return azure.storage_account(Datastore(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str),
                                           premium=premium, description=f"storage account {resource_label(inst)}"))


def _managed_disk(inst: ResourceInstance) -> Disk:
    body = inst.body
    st, premium = _storage_type(body, "storage_account_type", body)
    return Disk(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str), role="data",
                size_bytes=_gib_val(body, "disk_size_gb", body), type_label=st, premium=premium,
                provisioning=Val("fixed", DEFAULT, inst.location), file_format=Val("managed", DEFAULT, inst.location),
                labels=string_map(body, "tags"))


def _unmanaged_disk(inst: ResourceInstance, block: EvalBlock, role: str, index: InstanceIndex,
                    accounts: dict, inventory: Inventory) -> Disk:
    """Legacy inline disk with ``vhd_uri``: its tier is the storage account's."""
    account = None
    targets = index.targets(block, "vhd_uri", ("azurerm_storage_account",))
    if targets:
        account = accounts.get(targets[0].address)
    else:
        uri = raw(block, "vhd_uri")
        name = azure.blob_account(uri) if isinstance(uri, str) else None
        account = azure.account_named(accounts.values(), name) if name else None
    uri_val = attr_val(block, "vhd_uri", convert=as_str)
    type_label, premium = azure.vhd_storage(account, uri_val, "vhd_uri")
    return Disk(address=_inline_address(inst, block, role), kind=f"{inst.type}.{block.type}", platform=PLATFORM,
                location=block.location, call_sites=inst.call_sites, name=attr_val(block, "name", convert=as_str),
                role=role, size_bytes=_gib_val(block, "disk_size_gb", block), type_label=type_label,
                premium=premium, provisioning=Val("fixed", DEFAULT, block.location),
                file_format=Val("vhd", EXPLICIT, uri_val.location), datastore=account, attach_location=block.location)


def _inline_address(inst: ResourceInstance, block: EvalBlock, role: str) -> str:
    """An inline disk's address: data disks are told apart by their LUN."""
    return f"{inst.address}.{block.type}" + (f"[{raw(block, 'lun')}]" if role == "data" else "")


# --------------------------------------------------------------------------- VMs


def _vm_common(inst: ResourceInstance, size_attr: str) -> VirtualMachine:
    body = inst.body
    vm = VirtualMachine(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str),
                        module_path=inst.module_path, labels=string_map(body, "tags"))
    azure.apply_size(vm, attr_val(body, size_attr, convert=as_str))
    return vm


def _image(vm: VirtualMachine, block: Optional[EvalBlock], sku_attr: str, inst: ResourceInstance) -> Optional[int]:
    """Guest OS from a marketplace image reference; returns the image's default OS disk GiB."""
    if block is None:
        image_id = attr_val(inst.body, "source_image_id", convert=as_str)
        where = image_id.location if raw(inst.body, "source_image_id") is not None else inst.location
        reason = "the VM uses a custom or gallery image; set guest_os in the configuration"
        azure.unknown_image(vm, where, reason, image_id.origins)
        return None
    pub, offer, sku = (attr_val(block, n, convert=as_str) for n in ("publisher", "offer", sku_attr))
    if raw(block, "id") is not None and not sku.known:
        azure.unknown_image(vm, block.location, "custom image id")
        return None
    return azure.apply_image(vm, pub, offer, sku)


def _os_disk_size(disk_block: Optional[EvalBlock], inst: ResourceInstance, image_gib: Optional[int]) -> Val:
    where = disk_block if disk_block is not None else inst.body
    size = attr_val(where, "disk_size_gb", convert=as_int, owner=where) if raw(where, "disk_size_gb") is not None else None
    return azure.os_disk_size(size, where.location, image_gib, "disk_size_gb")


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
                       size_bytes=_os_disk_size(os_block, inst, image_gib), type_label=st, premium=premium,
                       provisioning=Val("fixed", DEFAULT, loc), file_format=Val("managed", DEFAULT, loc),
                       attach_location=loc)
    os_disk.vm = vm
    vm.os_disk = os_disk
    vm.stop_action = Val("deallocate", DEFAULT, inst.location)
    return vm


def _legacy_linux(inst: ResourceInstance) -> bool:
    """The legacy resource deploys Linux too (``os_profile_linux_config``, ``os_type``, a Linux image):
    such a VM cannot be an Exchange server, so it is left out of the model, as ARM's Linux VMs are."""
    body = inst.body
    image = first_block(body, "storage_image_reference")
    return azure.runs_linux(raw(first_block(body, "storage_os_disk"), "os_type"),
                            first_block(body, "os_profile_linux_config") is not None,
                            raw(image, "publisher"), raw(image, "offer"))


def _legacy_vm(inst: ResourceInstance, index: InstanceIndex, disks: dict, accounts: dict,
               inventory: Inventory) -> VirtualMachine:
    body = inst.body
    vm = _vm_common(inst, "vm_size")
    profile = first_block(body, "os_profile")
    vm.computer_name = attr_val(profile, "computer_name", convert=as_str, owner=body)
    os_block = first_block(body, "storage_os_disk")
    image = first_block(body, "storage_image_reference")
    create = raw(os_block, "create_option")
    image_gib = None
    if image is None and isinstance(create, str) and create.lower() == "attach":
        azure.unknown_image(vm, os_block.location, "the VM boots from an attached OS disk, not an image; "
                            "set guest_os in the configuration")
    else:
        image_gib = _image(vm, image, "sku", inst)
    vm.hibernation = Val(False, DEFAULT, inst.location)  # the legacy resource cannot hibernate
    vm.stop_action = Val("deallocate", DEFAULT, inst.location)
    if os_block is not None:
        vm.os_disk = _legacy_disk(inst, os_block, "os", index, disks, accounts, inventory, image_gib)
        vm.os_disk.vm = vm
    for block in body.blocks_of("storage_data_disk"):
        disk = _legacy_disk(inst, block, "data", index, disks, accounts, inventory, None)
        disk.vm = vm
        vm.data_disks.append(disk)
    if "storage_data_disk" in body.unknown_blocks:
        vm.data_disks_complete = unknown(inst.location, "the dynamic storage_data_disk blocks are not known")
    return vm


def _legacy_disk(inst: ResourceInstance, block: EvalBlock, role: str, index: InstanceIndex, disks: dict,
                 accounts: dict, inventory: Inventory, image_gib: Optional[int]) -> Disk:
    managed = index.targets(block, "managed_disk_id", DISK_TYPES)
    if managed and managed[0].address in disks:
        disk = disks[managed[0].address]
        disk.role = role
        disk.attach_location = block.location
        return disk
    if raw(block, "vhd_uri") is not None:
        disk = _unmanaged_disk(inst, block, role, index, accounts, inventory)
        if role == "os" and raw(block, "disk_size_gb") is None:
            disk.size_bytes = _os_disk_size(block, inst, image_gib)
        inventory.disks.append(disk)
        return disk
    if raw(block, "managed_disk_id") is not None:
        outside = unknown(block.attrs["managed_disk_id"].location,
                          "managed_disk_id refers to a disk outside this configuration")
        return Disk(address=f"{inst.address}.{block.type}", kind=f"{inst.type}.{block.type}", platform=PLATFORM,
                    location=block.location, call_sites=inst.call_sites, role=role, size_bytes=outside,
                    type_label=outside, premium=outside, attach_location=block.location,
                    file_format=Val("managed", DEFAULT, block.location))  # block storage, never a share
    st, premium = _storage_type(block, "managed_disk_type", block)
    size = _os_disk_size(block, inst, image_gib) if role == "os" else _gib_val(block, "disk_size_gb", block)
    disk = Disk(address=_inline_address(inst, block, role),
                kind=f"{inst.type}.{block.type}", platform=PLATFORM, location=block.location,
                call_sites=inst.call_sites, name=attr_val(block, "name", convert=as_str), role=role,
                size_bytes=size, type_label=st, premium=premium, provisioning=Val("fixed", DEFAULT, block.location),
                file_format=Val("managed", DEFAULT, block.location), attach_location=block.location)
    inventory.disks.append(disk)
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
                    type_label=unknown(where, reason), premium=unknown(where, reason), vm=vm,
                    provisioning=Val("fixed", DEFAULT, where), file_format=Val("managed", DEFAULT, where),
                    attach_location=inst.location)  # an attachment only ever attaches a managed disk
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
    by_module: dict = {}  # module path -> its VMs (one pass: a scan per block was quadratic)
    for vm in vms.values():
        by_module.setdefault(vm.module_path, []).append(vm)
    for block in blocks:
        if block.type != "azurerm_virtual_machine_data_disk_attachment":
            continue
        same_module = by_module.get(block.module_path, [])
        if block.instances is None:
            for vm in same_module or vms.values():
                vm.data_disks_complete = unknown(block.origins[0].location if block.origins else block.location,
                                                 f"the instances of {block.address} are not known ({block.reason})",
                                                 block.origins[1:])
        elif block.instances == 0:
            for vm in same_module:
                vm.data_disk_origins += block.origins


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
    settings = [(attr.value, attr.location, attr.origins) for attr in
                (body.attrs.get(n) for n in ("settings", "protected_settings")) if attr is not None]
    name = body.attrs.get("name")
    named = (name.value, name.location, name.origins) if name is not None else None
    vm.exchange_evidence.extend(azure.extension_evidence(settings, named, f"VM extension {resource_label(inst)}"))
    if source is not None:
        parts = [({n: attr.value}, attr.location, attr.origins) for n, attr in
                 ((n, source.attrs.get(n)) for n in ("script", "script_uri")) if attr is not None]
        vm.exchange_evidence.extend(azure.extension_evidence(parts, None, f"run command {resource_label(inst)}"))


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
