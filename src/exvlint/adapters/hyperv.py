"""hyperv (taliesins/hyperv) resources -> the neutral model.

Attribute names, units and defaults: the taliesins/terraform-provider-hyperv documentation and schemas
(machine_instance, vhd, the provider's ``host``).
Memory and VHD sizes are in bytes. Omitted attributes take the provider's default:
``memory_startup_bytes`` 512 MiB, ``memory_maximum_bytes`` 1 TiB, ``processor_count`` 1,
``checkpoint_type`` Production, ``automatic_stop_action`` Save, ``generation`` 2,
``hyperv_vhd.vhd_type`` Dynamic, ``hard_disk_drives.disk_number`` 4294967295 (no pass-through).

A ``hyperv_vhd`` is linked to a VM by its path: the VHD's id is its path, and the provider
compares paths case-insensitively. VMs share a host when they share a provider configuration
(``provider "hyperv" { host = ... }``, aliases and module ``providers`` maps included).
"""
from __future__ import annotations

import re
from typing import Optional

from ..evaluation import EvalError
from ..findings import Location
from ..model import (DEFAULT, EXPLICIT, MIB, Datastore, Inventory, Disk, Evidence, Host, Val, VirtualMachine, register_words,
                     unknown)
from ..terraform.results import EvalBlock, ResourceInstance
from .terraform_values import as_bool, as_int, as_str, first_block, raw
from .terraform_values import attr_val

PLATFORM = "hyperv"
NO_DISK_NUMBER = 4294967295  # the provider's "no pass-through disk"
DEFAULT_HOST = "127.0.0.1"  # provider host when neither `host` nor HYPERV_HOST is set (HV-IDX)


register_words(PLATFORM, {
    "vcpus": "processor_count",
    "dynamic-memory": ("dynamic memory is enabled (dynamic_memory = true), so the host can take memory away from "
                       "the guest; set static_memory = true and dynamic_memory = false"),
    "stop-action": "automatic_stop_action",
    "stop-action-when": "when the host shuts down,",
    "stop-action-fix": "set automatic_stop_action = \"ShutDown\"",
    "checkpoints": "checkpoint_type",
    "checkpoints-fix": "set checkpoint_type = \"Disabled\"",
    "add-data-disk": "attach a data VHDX (or a pass-through disk) in another hard_disk_drives block",
    "separate-storage": "store the data VHDX on another volume or share than the boot VHD",
    "smb-fix": "use a local, SAN or Cluster Shared Volume path",
    "smb-fixed-fix": "set vhd_type = \"Fixed\" (or move the disk to a local, SAN or Cluster Shared Volume path)",
    "memory-fix": "set memory_startup_bytes (or memory_maximum_bytes with dynamic memory)",
    "differencing-fix": "use a fixed or dynamic VHDX",
    "dynamic-vhd-fix": "use a .vhdx path or vhd_type = \"Fixed\"",
    "dynamic-memory-size": "maximum memory (dynamic)",
})


def reads_type(rtype: str) -> bool:
    """Whether this adapter reads resources of ``rtype`` (unresolved ones deserve a --strict note)."""
    return rtype.startswith("hyperv_")


def adapt(evaluated, inventory: Inventory) -> None:
    """Add the hyperv resources that ``evaluated`` (a Terraform Evaluator) holds to ``deployment``."""
    mine = [i for i in evaluated.instances if reads_type(i.type) and i.mode == "managed"]
    if not mine:
        return
    inventory.platforms.add(PLATFORM)
    hosts = _ProviderHosts(evaluated)
    volumes: dict = {}
    vhds: dict = {}  # normalised path -> Disk
    for inst in mine:
        if inst.type == "hyperv_vhd":
            disk = _vhd(inst, hosts, volumes)
            inventory.disks.append(disk)
            if disk.name.known:
                vhds.setdefault(normalise_path(disk.name.value), disk)
    for inst in mine:
        if inst.type == "hyperv_machine_instance":
            inventory.vms.append(_vm(inst, hosts, volumes, vhds, inventory))
    inventory.datastores.extend(volumes.values())
    inventory.hosts.extend(hosts.hosts.values())


def _resource_kw(inst: ResourceInstance) -> dict:
    return dict(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                call_sites=inst.call_sites, origins=inst.origins)


# --------------------------------------------------------------------------- paths and volumes


def normalise_path(path: str) -> str:
    return path.replace("/", "\\").lower()


def volume_of(path: str) -> Optional[tuple]:
    """(shown name, kind) of the volume or share holding ``path``; kind is ``smb`` or ``block``.

    ``\\\\server\\share\\...`` is an SMB share; ``\\\\?\\UNC\\server\\share`` too. ``\\\\?\\C:\\`` and
    ``\\\\.\\`` are local device paths. ``C:\\ClusterStorage\\Volume2\\...`` is its own volume (a CSV).
    """
    p = path.replace("/", "\\")
    low = p.lower()
    if low.startswith("\\\\?\\unc\\"):
        p = "\\\\" + p[8:]
    elif low.startswith(("\\\\?\\", "\\\\.\\")):
        p = p[4:]
    if p.startswith("\\\\"):
        parts = [x for x in p[2:].split("\\") if x]
        if len(parts) < 2:
            return None
        return "\\\\" + parts[0] + "\\" + parts[1], "smb"
    m = re.match(r"^([A-Za-z]:)(\\ClusterStorage\\[^\\]+)?", p, re.I)
    if m:
        return (m.group(1).upper() + (m.group(2) or "")), "block"
    return None


def _extension(path: str) -> str:
    m = re.search(r"\.([A-Za-z0-9]+)$", path.strip())
    return m.group(1).lower() if m else ""


def _volume(path_val: Val, volumes: dict, where: Location) -> tuple:
    """(Datastore or None, placement Val) for a disk file path."""
    if not path_val.known:
        return None, path_val
    found = volume_of(path_val.value)
    if found is None:
        return None, unknown(path_val.location, f"cannot tell the volume of path {path_val.value!r}", path_val.origins)
    shown, kind = found
    key = shown.lower()
    if key not in volumes:
        desc = f"SMB share {shown}" if kind == "smb" else f"volume {shown}"
        volumes[key] = Datastore(address=f"{desc}", kind="smb share" if kind == "smb" else "volume", platform=PLATFORM,
                                 location=where, name=Val(shown, EXPLICIT, where),
                                 storage_kind=Val(kind, EXPLICIT, where), description=desc)
    ds = volumes[key]
    return ds, Val(ds.description, path_val.state, path_val.location, path_val.origins)


# --------------------------------------------------------------------------- hosts


class _ProviderHosts:
    """The Hyper-V host of each resource: the ``host`` of the provider configuration it uses.

    The evaluator has already resolved which configuration that is (aliases, module ``providers``
    maps, inheritance); this only reads its ``host`` and groups the VMs that share it.
    """

    def __init__(self, evaluated):
        self.evaluated = evaluated
        self.configs = {(pc.module_path, pc.name): pc for pc in evaluated.providers
                        if pc.name.split(".")[0] == "hyperv"}
        self.hosts: dict = {}

    def for_instance(self, inst: ResourceInstance) -> Host:
        ref = inst.provider or "hyperv"
        config = self.configs.get((inst.provider_module, ref))
        if config is not None:
            name = attr_val(config.body, "host", self._default_host(), as_str)
            key = ("name", name.value.lower()) if name.known else ("config", config.module_path, config.name)
            prefix = config.module_path + "." if config.module_path else ""
            address, location = f"{prefix}provider.{config.name}", config.body.location
        elif inst.provider_reason or "." in ref:
            name = unknown(inst.location, inst.provider_reason or f"provider {ref} is not configured")
            key = ("unknown", inst.provider_module, ref)
            address, location = f"provider.{ref}", inst.location
        else:  # the default provider configuration, with no provider block at all
            name = Val(self._default_host(), DEFAULT, inst.location)
            key = ("name", name.value.lower())
            address, location = "provider.hyperv", inst.location
        if key not in self.hosts:
            self.hosts[key] = Host(address=address, kind="hyperv provider", platform=PLATFORM,
                                   location=location, name=name)
        return self.hosts[key]

    def _default_host(self) -> str:
        environ = getattr(self.evaluated, "environ", {}) or {}
        return environ.get("HYPERV_HOST") or DEFAULT_HOST


# --------------------------------------------------------------------------- disks


def _vhd(inst: ResourceInstance, hosts: _ProviderHosts, volumes: dict) -> Disk:
    body = inst.body
    path = attr_val(body, "path", convert=as_str)
    ds, placement = _volume(path, volumes, path.location or inst.location)
    ext = _extension(path.value) if path.known else ""
    source_attr = next((a for a in ("source", "source_vm", "source_disk") if raw(body, a) is not None), None)
    size = attr_val(body, "size", convert=as_int)
    if raw(body, "size") is None:
        if source_attr is not None:
            size = unknown(body.attrs[source_attr].location, f"the VHD is copied from {source_attr}; its size is not in the code")
        elif raw(body, "parent_path") is not None:
            size = unknown(body.attrs["parent_path"].location, "a differencing VHD has the size of its parent")
    provisioning, shown = _vhd_type(body, path, ext, source_attr, inst)
    disk = Disk(**_resource_kw(inst), name=path, role="data", size_bytes=size, provisioning=provisioning,
                differencing=_differencing(provisioning), type_label=shown, file_format=_file_format(path, ext, inst.location), datastore=ds,
                placement=placement)
    disk.host = hosts.for_instance(inst)
    return disk


def _differencing(provisioning: Val) -> Val:
    if not provisioning.known:
        return provisioning
    return Val(provisioning.value == "differencing", provisioning.state, provisioning.location, provisioning.origins)


def _file_format(path: Val, ext: str, where: Location) -> Val:
    if not path.known:
        return path
    return Val(ext or "unknown", path.state, path.location or where, path.origins)


def _vhd_type(body: EvalBlock, path: Val, ext: str, source_attr: Optional[str], inst: ResourceInstance) -> tuple:
    """(provisioning Val, storage type Val for messages) of a hyperv_vhd."""
    fmt = ext.upper() if ext in ("vhd", "vhdx") else "VHD"
    if ext in ("avhd", "avhdx"):
        v = Val("differencing", path.state, path.location, path.origins)
        return v, Val(f"differencing disk of a checkpoint (.{ext})", path.state, path.location, path.origins)
    if raw(body, "parent_path") is not None:
        parent = attr_val(body, "parent_path", convert=as_str)
        shown = f"differencing {fmt} (parent {parent.value})" if parent.known else f"differencing {fmt}"
        return (Val("differencing", EXPLICIT, parent.location, parent.origins),
                Val(shown, EXPLICIT, parent.location, parent.origins))
    if source_attr is not None and raw(body, "vhd_type") is None:
        v = unknown(body.attrs[source_attr].location, f"the VHD is copied from {source_attr}; its type is not in the code")
        return v, v
    vtype = attr_val(body, "vhd_type", "Dynamic", as_str)
    if not vtype.known:
        return vtype, vtype
    kind = vtype.value.lower()
    if kind not in ("fixed", "dynamic", "differencing"):
        v = unknown(vtype.location, f"vhd_type {vtype.value!r} is not Fixed, Dynamic or Differencing")
        return v, v
    shown = f"{kind} {fmt}" + (" (vhd_type omitted: the provider default is Dynamic)" if vtype.state == DEFAULT else "")
    return (Val(kind, vtype.state, vtype.location, vtype.origins),
            Val(shown, vtype.state, vtype.location, vtype.origins))


def _drive_disk(vm: VirtualMachine, inst: ResourceInstance, block: EvalBlock, i: int, vhds: dict,
                volumes: dict, inventory: Inventory) -> Optional[Disk]:
    """The disk one ``hard_disk_drives`` block attaches, or None for an empty drive."""
    number = attr_val(block, "disk_number", NO_DISK_NUMBER, as_int)
    address = f"{inst.address}.hard_disk_drives[{i}]"
    common = dict(address=address, kind=f"{inst.type}.hard_disk_drives", platform=PLATFORM, location=block.location,
                  call_sites=inst.call_sites, attach_location=block.location, vm=vm, host=vm.host)
    if number.known and number.value != NO_DISK_NUMBER:
        shown = f"pass-through host disk {number.value}"
        v = Val("passthrough", EXPLICIT, number.location, number.origins)
        disk = Disk(**common, name=Val(shown, EXPLICIT, number.location), provisioning=v,
                    type_label=Val(shown, EXPLICIT, number.location), file_format=Val("passthrough", EXPLICIT, number.location),
                    placement=Val(shown, EXPLICIT, number.location, number.origins))
        inventory.disks.append(disk)
        return disk
    path = attr_val(block, "path", "", as_str)
    if path.known and not path.value.strip():
        if not number.known:
            disk = Disk(**common, name=number, provisioning=number, differencing=number, type_label=number,
                        placement=number)
            inventory.disks.append(disk)
            return disk
        return None
    if path.known and normalise_path(path.value) in vhds:
        disk = vhds[normalise_path(path.value)]
        disk.vm = vm
        disk.attach_location = path.location
        return disk
    ext = _extension(path.value) if path.known else ""
    ds, placement = _volume(path, volumes, path.location or block.location)
    reason = f"no hyperv_vhd in this configuration creates {path.value}" if path.known else (path.reason or "path is not known")
    if ext in ("avhd", "avhdx"):
        prov = Val("differencing", path.state, path.location, path.origins)
        shown = Val(f"differencing disk of a checkpoint (.{ext})", path.state, path.location, path.origins)
    else:
        prov = shown = unknown(path.location or block.location, reason + "; its type is not in the code", path.origins)
    disk = Disk(**common, name=path, size_bytes=unknown(path.location or block.location, reason + "; its size is not in the code"),
                provisioning=prov, differencing=_differencing(prov), type_label=shown,
                file_format=_file_format(path, ext, block.location),
                datastore=ds, placement=placement)
    inventory.disks.append(disk)
    return disk


def _boot_drive(body: EvalBlock, drives: list, generation: Val) -> Optional[int]:
    """Index of the boot drive: the first hard disk in the Gen 2 boot order, else controller 0 location 0."""
    def pos(block: EvalBlock) -> tuple:
        return raw(block, "controller_number"), raw(block, "controller_location")

    firmware = first_block(body, "vm_firmware")
    if firmware is not None and not (generation.known and generation.value == 1):
        for entry in firmware.blocks_of("boot_order"):
            boot_type = raw(entry, "boot_type")
            if not (isinstance(boot_type, str) and boot_type.lower() == "harddiskdrive"):
                continue
            path = raw(entry, "path")
            for i, drive in enumerate(drives):
                dpath = raw(drive, "path")
                if isinstance(path, str) and path and isinstance(dpath, str) and normalise_path(path) == normalise_path(dpath):
                    return i
            wanted = (raw(entry, "controller_number"), raw(entry, "controller_location"))
            for i, drive in enumerate(drives):
                if _same_pos(pos(drive), wanted):
                    return i
            break
    ide = generation.known and generation.value == 1
    for i, drive in enumerate(drives):
        ctype = raw(drive, "controller_type")
        ctype = ctype.lower() if isinstance(ctype, str) else "scsi"
        if _same_pos(pos(drive), (0, 0)) and (ctype == "ide") == ide:
            return i
    return 0 if drives else None


def _same_pos(a: tuple, b: tuple) -> bool:
    try:
        return all(as_int(x) == as_int(y) for x, y in zip(a, b))
    except EvalError:  # not a whole number (null, unknown, text, 1e400): not this position
        return False


# --------------------------------------------------------------------------- VMs


def _vm(inst: ResourceInstance, hosts: _ProviderHosts, volumes: dict, vhds: dict,
        inventory: Inventory) -> VirtualMachine:
    body = inst.body
    vm = VirtualMachine(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str),
                        module_path=inst.module_path)
    vm.notes = attr_val(body, "notes", "", as_str)
    vm.vcpus = attr_val(body, "processor_count", 1, as_int)
    vm.dynamic_memory = attr_val(body, "dynamic_memory", False, as_bool)
    if vm.dynamic_memory.known and vm.dynamic_memory.value:
        memory = attr_val(body, "memory_maximum_bytes", 1099511627776, as_int)
    elif vm.dynamic_memory.known:
        memory = attr_val(body, "memory_startup_bytes", 536870912, as_int)
    else:
        memory = vm.dynamic_memory
    vm.memory_mib = Val(memory.value // MIB, memory.state, memory.location, memory.origins) if memory.known else memory
    vm.checkpoints = attr_val(body, "checkpoint_type", "Production", as_str)
    vm.stop_action = attr_val(body, "automatic_stop_action", "Save", as_str)
    vm.hibernation = Val(False, DEFAULT, inst.location)
    reason = "the hyperv provider has no guest OS attribute; map the VM to its OS with guest_os in .exvlint.yaml"
    vm.guest_os = vm.image = unknown(inst.location, reason)
    vm.host = hosts.for_instance(inst)
    for dvd in body.blocks_of("dvd_drives"):
        path = raw(dvd, "path")
        if isinstance(path, str) and "exchange" in path.lower():
            attr = dvd.attrs["path"]
            vm.exchange_evidence.append(Evidence(path, attr.location, f"DVD drive ISO {path}", attr.origins))
    drives = body.blocks_of("hard_disk_drives")
    if "hard_disk_drives" in body.unknown_blocks:
        vm.data_disks_complete = unknown(inst.location, "the dynamic hard_disk_drives blocks are not known")
    boot = _boot_drive(body, drives, attr_val(body, "generation", 2, as_int))
    for i, block in enumerate(drives):
        disk = _drive_disk(vm, inst, block, i, vhds, volumes, inventory)
        if disk is None:
            continue
        if i == boot and vm.os_disk is None:
            disk.role = "os"
            vm.os_disk = disk
        else:
            disk.role = "data"
            if disk not in vm.data_disks:
                vm.data_disks.append(disk)
    return vm
