"""vsphere (hashicorp/vsphere) resources -> the neutral model.

Attribute names, units and defaults: the hashicorp/terraform-provider-vsphere documentation and schemas
(virtual_machine and its disk subresource, nas_datastore, vmfs_datastore, the datastore data source,
virtual_machine_snapshot, compute_cluster, vapp_entity). Disk ``size`` is in GB (GiB), ``memory`` and its reservation and limit in
MB (MiB). Omitted attributes take the provider's default: ``unit_number`` 0 (the OS disk),
``thin_provisioned`` true, ``disk_mode`` persistent, ``memory`` 1024, ``num_cpus`` 1, no memory
reservation, ``memory_limit`` -1, ``guest_id`` otherGuest64, vApp ``stop_action`` powerOff.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from ..findings import Related
from ..lookup import read_table
from ..model import (DEFAULT, EXPLICIT, GIB, Datastore, Inventory, Disk, Evidence, Host, Snapshot, Val, register_words,
                     VirtualMachine, unknown)
from ..terraform.results import EvalBlock, ResourceInstance
from ..evaluation import collect_refs
from ..windows import guest_os
from .terraform_values import InstanceIndex, as_bool, as_int, as_str, first_block, raw
from .terraform_values import attr_val

PLATFORM = "vsphere"
VM_TYPE = "vsphere_virtual_machine"
DATASTORE_TYPES = ("vsphere_nas_datastore", "vsphere_vmfs_datastore", "vsphere_datastore",
                   "vsphere_datastore_cluster")
HOST_TYPES = ("vsphere_host",)
CLUSTER_TYPES = ("vsphere_compute_cluster",)
POOL_TYPES = ("vsphere_resource_pool",)
CUSTOM_ATTRIBUTE_TYPES = ("vsphere_custom_attribute",)

DEFAULT_GUEST_ID = "otherGuest64"


REDO_LOG_MODES = {"nonpersistent", "independent_nonpersistent", "undoable", "append"}

register_words(PLATFORM, {
    "vcpus": "num_cpus",
    "dynamic-memory": ("memory hot-add is enabled (memory_hot_add_enabled = true), so the VM's memory can change "
                       "while it runs; set memory_hot_add_enabled = false"),
    "memory-reservation": "memory_reservation",
    "memory-fix": "raise memory (in MB)",
    "memory-limit": "memory_limit",
    "guest-os-fix": "install a supported release and set guest_id to match it",
    "stop-action": "the vApp entity's stop_action",
    "stop-action-when": "when the vApp stops,",
    "stop-action-fix": "set stop_action = \"guestShutdown\" on the vsphere_vapp_entity",
    "add-data-disk": "add a disk block with unit_number 1 or higher on a datastore of its own",
    "separate-storage": "set the disk's datastore_id to a datastore that does not hold the OS disk",
    "nas-fix": "use a VMFS datastore on block storage (FC, iSCSI, local)",
    "nas-config": "vsphere.nas_datastores",
    "redo-log-fix": "use disk_mode persistent or independent_persistent",
    "linked-clone": "clone.linked_clone = true",
    "linked-clone-fix": "make a full clone (linked_clone = false)",
    "thin": "thin_provisioned = true",
    "thin-default": "thin_provisioned is not set, and the provider's default is thin",
    "memory-limit-fix": "remove memory_limit or set it to -1 (unlimited)",
    "snapshot-memory": "memory = true",
    "host-missing": "the VM sets neither host_system_id nor resource_pool_id",
    "thin-fix": "set thin_provisioned = false, preferably with eagerly_scrub = true",
})


def reads_type(rtype: str) -> bool:
    """Whether this adapter reads resources of ``rtype`` (unresolved ones deserve a --strict note)."""
    return rtype.startswith("vsphere_")


def adapt(evaluated, inventory: Inventory) -> None:
    """Add the vsphere resources that ``evaluated`` (a Terraform Evaluator) holds to ``deployment``."""
    instances = evaluated.instances
    mine = [i for i in instances if reads_type(i.type)]
    if not any(i.mode == "managed" for i in mine):
        return
    inventory.platforms.add(PLATFORM)
    index = InstanceIndex(instances)
    datastores = _datastores(mine, index)
    inventory.datastores.extend(datastores.values())
    hosts = _HostResolver(index)
    vms = {}
    for inst in mine:
        if inst.type == VM_TYPE and inst.mode == "managed":
            vm = _vm(inst, index, datastores, hosts, evaluated, inventory)
            vms[inst.address] = vm
    inventory.vms.extend(vms.values())
    inventory.hosts.extend(hosts.hosts.values())
    for inst in mine:
        if inst.mode != "managed":
            continue
        if inst.type == "vsphere_virtual_machine_snapshot":
            inventory.snapshots.append(_snapshot(inst, index, vms))
        elif inst.type == "vsphere_vapp_entity":
            _vapp_entity(inst, index, vms)


def _resource_kw(inst: ResourceInstance) -> dict:
    return dict(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                call_sites=inst.call_sites, origins=inst.origins)


# --------------------------------------------------------------------------- datastores


def _datastores(mine: list, index: InstanceIndex) -> dict:
    out = {}
    for inst in mine:
        if inst.type not in DATASTORE_TYPES:
            continue
        body = inst.body
        name = attr_val(body, "name", convert=as_str)
        label = name.value if name.known else inst.address
        if inst.type == "vsphere_nas_datastore":
            nfs = attr_val(body, "type", "NFS", as_str)
            version = nfs.value if nfs.known else "NFS"
            kind = Val("nas", EXPLICIT, inst.location)
            desc = f"{'NFS 4.1' if str(version).upper() == 'NFS41' else 'NFS'} datastore {label}"
        elif inst.type == "vsphere_vmfs_datastore":
            kind = Val("block", EXPLICIT, inst.location)
            desc = f"VMFS datastore {label}"
        elif inst.type == "vsphere_datastore":
            kind = unknown(inst.location, f"data source {inst.address} does not say whether datastore {label} is "
                                          "VMFS or NFS; list NAS datastores in vsphere.nas_datastores")
            desc = f"datastore {label}"
        else:  # vsphere_datastore_cluster: decided from its members below
            kind = unknown(inst.location, f"the datastores of datastore cluster {label} are not in the code")
            desc = f"datastore cluster {label}"
        out[inst.address] = Datastore(**_resource_kw(inst), name=name, storage_kind=kind, description=desc)
    # a datastore cluster holds the datastores that name it in datastore_cluster_id
    members: dict = {}
    for inst in mine:
        if inst.type in ("vsphere_nas_datastore", "vsphere_vmfs_datastore") and inst.mode == "managed":
            for target in index.targets(inst.body, "datastore_cluster_id", ("vsphere_datastore_cluster",)):
                members.setdefault(target.address, []).append(out[inst.address])
    for address, cluster in out.items():
        if cluster.kind != "vsphere_datastore_cluster" or address not in members:
            continue
        nas = [d for d in members[address] if d.storage_kind.known and d.storage_kind.value == "nas"]
        if nas:
            cluster.storage_kind = Val("nas", EXPLICIT, cluster.location, (Related(nas[0].location, nas[0].description),))
            cluster.description += f", which holds {nas[0].description}"
        elif all(d.storage_kind.known for d in members[address]):
            cluster.storage_kind = Val("block", EXPLICIT, cluster.location)
    return out


def _datastore_ref(block: EvalBlock, name: str, index: InstanceIndex, datastores: dict) -> tuple:
    """(Datastore or None, placement Val) for a ``datastore_id``-like attribute that is written."""
    value = attr_val(block, name, convert=as_str)
    targets = index.targets(block, name, DATASTORE_TYPES)
    if targets and targets[0].address in datastores:
        ds = datastores[targets[0].address]
        return ds, Val(ds.description, EXPLICIT, value.location, value.origins)
    if value.known:
        return None, Val(f"datastore {value.value}", EXPLICIT, value.location, value.origins)
    return None, value


# --------------------------------------------------------------------------- hosts


class _HostResolver:
    """The host or cluster a VM runs on: host_system_id, else the cluster behind resource_pool_id."""

    def __init__(self, index: InstanceIndex):
        self.index = index
        self.hosts: dict = {}  # key -> Host

    def for_vm(self, inst: ResourceInstance) -> Optional[Host]:
        body = inst.body
        if raw(body, "host_system_id") is not None:
            return self._from_attr(body, "host_system_id", HOST_TYPES, "host")
        if raw(body, "resource_pool_id") is not None:
            return self._from_attr(body, "resource_pool_id", CLUSTER_TYPES + POOL_TYPES, "resource pool")
        return None

    def _from_attr(self, body: EvalBlock, name: str, types: tuple, what: str) -> Optional[Host]:
        targets = self.index.targets(body, name, types)
        if targets:
            return self._from_instance(targets[0], depth=0)
        value = attr_val(body, name, convert=as_str)
        key = ("id", value.value) if value.known else ("unknown", body.location)
        if key not in self.hosts:
            shown = value.value if value.known else None
            self.hosts[key] = Host(address=f"{what} {shown}" if shown else f"{what} of {body.location}",
                                   kind=f"{what} id", platform=PLATFORM, location=value.location or body.location,
                                   name=value if value.known else unknown(value.location, value.reason or f"{name} is not known"))
        return self.hosts[key]

    def _from_instance(self, inst: ResourceInstance, depth: int) -> Optional[Host]:
        if inst.type in POOL_TYPES and inst.mode == "managed" and depth < 10:
            # a resource pool runs on the cluster (or host) of its parent pool
            parents = self.index.targets(inst.body, "parent_resource_pool_id", CLUSTER_TYPES + POOL_TYPES + HOST_TYPES)
            if parents:
                return self._from_instance(parents[0], depth + 1)
        key = ("resource", inst.address)
        if key in self.hosts:
            return self.hosts[key]
        body = inst.body
        name = attr_val(body, "hostname" if inst.type == "vsphere_host" and inst.mode == "managed" else "name",
                        convert=as_str)
        count = Val(1, DEFAULT, inst.location)
        ids = raw(body, "host_system_ids") if inst.type in CLUSTER_TYPES and inst.mode == "managed" else None
        if isinstance(ids, list) and ids:  # the ids are known only after apply; how many there are is known
            where = body.attrs["host_system_ids"]
            count = Val(len(ids), EXPLICIT, where.location, where.origins)
        if inst.type in POOL_TYPES and name.known and "/Resources" in name.value:
            # "cl-prod/Resources/pool" is a pool of cluster cl-prod: the inventory names the cluster
            name = Val(name.value.split("/Resources")[0].split("/")[-1], name.state, name.location, name.origins)
        host = Host(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                    call_sites=inst.call_sites, name=name, host_count=count)
        self.hosts[key] = host
        return host


# --------------------------------------------------------------------------- VMs


def _vm(inst: ResourceInstance, index: InstanceIndex, datastores: dict, hosts: _HostResolver, evaluated,
        inventory: Inventory) -> VirtualMachine:
    body = inst.body
    vm = VirtualMachine(**_resource_kw(inst), name=attr_val(body, "name", convert=as_str),
                        module_path=inst.module_path)
    vm.notes = attr_val(body, "annotation", "", as_str)
    vm.labels = _custom_attributes(inst, index, evaluated)
    vm.vcpus = attr_val(body, "num_cpus", 1, as_int)
    vm.memory_mib = attr_val(body, "memory", 1024, as_int)
    vm.dynamic_memory = attr_val(body, "memory_hot_add_enabled", False, as_bool)
    vm.memory_reservation_mib = attr_val(body, "memory_reservation", 0, as_int)
    vm.memory_limit_mib = attr_val(body, "memory_limit", -1, as_int)
    vm.hibernation = Val(False, DEFAULT, inst.location)
    vm.stop_action = Val(None, DEFAULT, inst.location)  # only a vApp entity sets one (see _vapp_entity)
    clone = first_block(body, "clone")
    vm.linked_clone = attr_val(clone, "linked_clone", False, as_bool, owner=body)
    _guest_os(vm, body, clone)
    vm.host = hosts.for_vm(inst)
    _disks(vm, inst, index, datastores, inventory)
    for cdrom in body.blocks_of("cdrom"):
        path = raw(cdrom, "path")
        if isinstance(path, str) and "exchange" in path.lower():
            attr = cdrom.attrs["path"]
            vm.exchange_evidence.append(Evidence(path, attr.location, f"CD-ROM ISO {path}", attr.origins))
    return vm


def _guest_os(vm: VirtualMachine, body: EvalBlock, clone: Optional[EvalBlock]) -> None:
    if raw(body, "guest_id") is None and clone is not None:
        reason = "the VM is cloned from a template and sets no guest_id; its OS is the template's"
        vm.guest_os = vm.image = unknown(clone.location, reason)
        return
    gid = attr_val(body, "guest_id", DEFAULT_GUEST_ID, as_str)
    if not gid.known:
        vm.guest_os = vm.image = gid
        return
    shown = f"guest_id {gid.value}" + (", the provider default" if gid.state == DEFAULT else "")
    vm.image = Val(shown, gid.state, gid.location, gid.origins)
    found = guest_id_os(gid.value)
    if found is None:
        vm.guest_os = unknown(gid.location, f"guest_id {gid.value} is not a vSphere guest OS identifier exvlint "
                                            "knows", gid.origins)
    else:
        vm.guest_os = Val(found, gid.state, gid.location, gid.origins)


def guest_id_os(guest_id: str):
    """The GuestOs a vSphere guest_id stands for (data/vsphere_guest_ids.csv); None for an identifier not in
    the table that looks like a Windows one (a newer vSphere's, or a typo), which cannot be told."""
    row = _guest_ids().get(guest_id.strip().lower())
    if row is not None:
        return guest_os(tuple(row["releases"].split("|")), name=row["name"], note=row["note"])
    if guest_id.strip().lower().startswith("win"):
        return None
    return guest_os(("other",), name=f"not Windows ({guest_id})")


@lru_cache(maxsize=1)
def _guest_ids() -> dict:
    return {row["guest_id"].lower(): row for row in read_table("vsphere_guest_ids")}


def _disks(vm: VirtualMachine, inst: ResourceInstance, index: InstanceIndex, datastores: dict,
           inventory: Inventory) -> None:
    body = inst.body
    vm_ds, vm_place = None, None
    for attr in ("datastore_id", "datastore_cluster_id"):
        if raw(body, attr) is not None:
            vm_ds, vm_place = _datastore_ref(body, attr, index, datastores)
            break
    if "disk" in body.unknown_blocks:
        vm.data_disks_complete = unknown(inst.location, "the dynamic disk blocks are not known")
    elif not body.blocks_of("disk") and first_block(body, "ovf_deploy") is not None:
        where = first_block(body, "ovf_deploy").location
        vm.data_disks_complete = unknown(where, "the VM's disks come from the OVF template, which is not in the code")
    for i, block in enumerate(body.blocks_of("disk")):
        unit = attr_val(block, "unit_number", 0, as_int)
        label = attr_val(block, "label", convert=as_str)
        if not label.known and raw(block, "name") is not None:
            label = attr_val(block, "name", convert=as_str)  # the deprecated name of label
        attach = attr_val(block, "attach", False, as_bool)
        if attach.known and attach.value:
            reason = "the disk attaches an existing VMDK; its size and type are not in the code"
            size = provisioning = differencing = unknown(attach.location, reason)  # it may be a delta disk
        else:
            size = attr_val(block, "size", convert=as_int)
            if size.known:
                size = Val(size.value * GIB, size.state, size.location, size.origins)
            differencing = Val(False, DEFAULT, block.location)  # a new disk; deltas come from redo logs and clones
            thin = attr_val(block, "thin_provisioned", True, as_bool)
            provisioning = Val("thin" if thin.value else "thick", thin.state, thin.location, thin.origins) \
                if thin.known else thin
        if raw(block, "datastore_id") is not None:
            ds, place = _datastore_ref(block, "datastore_id", index, datastores)
        elif vm_place is not None:
            ds = vm_ds
            origin = (Related(vm_place.location, "the VM's datastore, which the disk uses"),) if vm_place.location else ()
            # the provider's default: the VM's datastore; the disk block is where datastore_id would go
            place = Val(vm_place.value, DEFAULT if vm_place.known else vm_place.state, block.location,
                        origin + vm_place.origins, vm_place.reason)
        else:
            ds, place = None, unknown(block.location, "neither the disk nor the VM sets datastore_id")
        shown = label.value if label.known else f"disk[{i}]"
        role = "os" if (unit.known and unit.value == 0 and vm.os_disk is None) or (not unit.known and i == 0) else "data"
        disk = Disk(address=f"{inst.address}.disk[{i}]", kind=f"{inst.type}.disk", platform=PLATFORM,
                    location=block.location, call_sites=inst.call_sites,
                    name=Val(shown, label.state if label.known else DEFAULT, label.location, label.origins),
                    role=role, size_bytes=size, provisioning=provisioning, differencing=differencing,
                    type_label=provisioning,
                    file_format=Val("vmdk", DEFAULT, block.location),
                    redo_log=_redo_log(attr_val(block, "disk_mode", "persistent", as_str)),
                    datastore=ds, placement=place, attach_location=block.location, vm=vm, host=vm.host)
        inventory.disks.append(disk)
        if role == "os":
            vm.os_disk = disk
        else:
            vm.data_disks.append(disk)


def _redo_log(mode: Val) -> Val:
    """Non-persistent disk modes send writes to a redo log: a differencing disk in all but name."""
    if not mode.known:
        return mode
    redo = f"disk_mode {mode.value}" if str(mode.value).lower() in REDO_LOG_MODES else None
    return Val(redo, mode.state, mode.location, mode.origins)


def _custom_attributes(inst: ResourceInstance, index: InstanceIndex, evaluated) -> dict:
    """``custom_attributes`` as attribute name -> Val.

    The map's keys are custom attribute ids, known only after apply (the evaluator keeps such an
    object's entries); the attribute's name is read from the ``vsphere_custom_attribute`` the key
    refers to.
    """
    attr = inst.body.attrs.get("custom_attributes")
    if attr is None:
        return {}
    value = attr.value
    entries = value.items() if isinstance(value, dict) else getattr(value, "entries", ())
    out = {}
    for key, item in entries:
        name = key if isinstance(key, str) else None
        for ref in sorted(collect_refs(key), key=lambda r: r.address) if name is None else ():
            target = index.by_address.get(ref.address)
            if target is not None and target.type in CUSTOM_ATTRIBUTE_TYPES and isinstance(raw(target.body, "name"), str):
                name = raw(target.body, "name")
                break
        if name is not None and isinstance(item, str):
            out[name] = Val(str(item), EXPLICIT, attr.location, attr.origins)
    return out


# --------------------------------------------------------------------------- snapshots, vApps


def _snapshot(inst: ResourceInstance, index: InstanceIndex, vms: dict) -> Snapshot:
    body = inst.body
    snap = Snapshot(**_resource_kw(inst), name=attr_val(body, "snapshot_name", convert=as_str), snapshot_kind="vm",
                    includes_memory=attr_val(body, "memory", False, as_bool))
    snap.target = attr_val(body, "virtual_machine_uuid", convert=as_str)
    targets = index.targets(body, "virtual_machine_uuid", (VM_TYPE,))
    if targets and targets[0].address in vms:
        snap.target_vm = vms[targets[0].address]
    return snap


def _vapp_entity(inst: ResourceInstance, index: InstanceIndex, vms: dict) -> None:
    """A vApp entity's stop action is what happens to the VM when the vApp stops."""
    body = inst.body
    targets = index.targets(body, "target_id", (VM_TYPE,))
    if not targets or targets[0].address not in vms:
        return
    vm = vms[targets[0].address]
    stop = attr_val(body, "stop_action", "powerOff", as_str)
    if stop.known and stop.state == DEFAULT:
        stop = Val(stop.value, DEFAULT, inst.location)
    current = vm.stop_action
    if not (current.known and isinstance(current.value, str) and current.value.lower() == "suspend"):
        vm.stop_action = stop
