"""Adapter tests: a small Terraform source next to the neutral model it must produce.

Each case under fixtures/adapters/ holds a Terraform root module (main.tf, maybe terraform.tfvars or
a child module) or an ARM template (with its parameters and linked templates), and model.yaml, the
expected neutral model in a plain form. One generic test evaluates the source, runs the adapters into
a fresh Deployment, serializes it and compares it with model.yaml.

The plain form (see ``serialize``):

- ``vms``, ``disks`` (every disk of the deployment), ``unattached_disks`` (those no VM uses),
  ``snapshots``, ``datastores``, ``hosts``, ``rule_sets`` (NSGs, firewalls), ``network_rules`` (every
  rule, those of an unknown rule set too), ``network_interfaces``, ``subnets`` and ``route_tables``
  are maps keyed by resource address. When a case lists
  one of them, the addresses must match exactly: a listed resource must exist and an unlisted one
  must not. ``vms`` must always be listed.
- A VM's ``os_disk`` is a disk (or null) and ``data_disks`` a list of disks, compared in order and
  in full length.
- Every model ``Val`` is one string: ``<value> @ <file>:<line> (<state>)`` with state explicit or
  default, for example ``Premium_LRS @ main.tf:12 (explicit)``; an unknown value is
  ``<unknown> @ main.tf:3``. A string value that reads as another type is quoted (``"8"`` is the
  string, ``8`` the number). When the value came from elsewhere (tfvars, a variable default, a
  module argument, a local) its origins follow: ``... (explicit) <- terraform.tfvars:1``. Files are
  relative to the case directory. Quote the whole string in YAML when it holds ``: `` or starts
  with a YAML indicator.
- Only the keys a case writes are compared, so a case lists what it is about; run
  ``python tests/test_adapters.py <case>`` to print the whole model of a case.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml

from exvlint.adapters import TERRAFORM_ADAPTERS
from exvlint.model import UNKNOWN, Datastore, Inventory, Disk, GuestOs, Host, Snapshot, Val, VirtualMachine
from exvlint.terraform.evaluate import Evaluator

CASES = Path(__file__).parent / "fixtures" / "adapters"
KEYED_SECTIONS = ("vms", "disks", "unattached_disks", "snapshots", "datastores", "hosts", "rule_sets", "network_rules",
                  "network_interfaces", "subnets", "route_tables")
UNKNOWN_SHOWN = "<unknown>"  # an unknown Val has no value, only the place that could not be resolved

# Adapter bugs the cases expose: case name -> reason. The case keeps asserting the correct model.
KNOWN_BUGS: dict = {}  # case name -> reason, for adapter bugs not fixed yet (strict xfail)


# --------------------------------------------------------------------------- evaluation


def adapt_case(case: Path) -> Inventory:
    if not any(case.glob("*.tf")) and any(case.glob("*.json")):  # an ARM template (with its parameters)
        return adapt_arm_case(case)
    root = str(case)
    # environ={}: TF_VAR_* or HYPERV_HOST in the developer's shell must not change a case
    evaluator = Evaluator(root, {}, environ={})
    evaluator.run()
    inventory = Inventory(name=root)
    for adapter in TERRAFORM_ADAPTERS:
        adapter.adapt(evaluator, inventory)
    return inventory


def adapt_arm_case(case: Path) -> Inventory:
    """Through the ARM front end, as a run would (discovery, evaluation, adapter)."""
    from exvlint.config import Config
    from exvlint.discover import discover
    from exvlint.files import FileCache
    from exvlint.paths import Boundary

    units, _, scan = discover([str(case)], FileCache(Boundary.for_paths([str(case)])))
    inventory = Inventory(name=str(case))
    for unit in units:
        result, _ = unit.frontend.load(unit, scan, Config())
        for adapter in unit.frontend.adapters:
            adapter.adapt(result, inventory)
    return inventory


# --------------------------------------------------------------------------- plain form


def _where(location, case: Path) -> str:
    """``file:line`` with the file relative to the case directory."""
    if location is None:
        return ""
    shown = location.path
    if os.path.isabs(shown):
        try:
            shown = Path(os.path.relpath(shown, case)).as_posix()
        except ValueError:  # another drive on Windows
            pass
    return f"{shown}:{location.line}"


def _guest_os(os: GuestOs) -> str:
    """``Windows Server 2012 or 2012 R2 [2012|2012r2]``, with installation and edition when the source says."""
    facts = "|".join(os.releases) + "".join(f" {x}" for x in (os.installation, os.edition) if x)
    return f"{os.name} [{facts}]"


def _scalar(value) -> str:
    if isinstance(value, GuestOs):
        return _guest_os(value)
    if isinstance(value, str):
        # quote a string that would read as a number, bool or null, or that is blank or <unknown>
        try:
            reads_as = yaml.safe_load(value)
        except yaml.YAMLError:
            reads_as = value
        ambiguous = (value != value.strip() or not value or value == UNKNOWN_SHOWN or " @ " in value
                     or reads_as is None or isinstance(reads_as, (bool, int, float)))
        return json.dumps(value) if ambiguous else value
    return json.dumps(value)


def _val(val: Val, case: Path) -> str:
    where = _where(val.location, case)
    if val.state == UNKNOWN:
        text = f"{UNKNOWN_SHOWN} @ {where}" if where else UNKNOWN_SHOWN
    else:
        shown = _scalar(val.value)
        text = f"{shown} @ {where} ({val.state})" if where else f"{shown} ({val.state})"
    origins = [_where(r.location, case) for r in val.origins]
    if origins:
        text += " <- " + ", ".join(origins)
    return text


def _ref(resource) -> object:
    return resource.address if resource is not None else None


def _datastore_brief(ds: Datastore, case: Path) -> object:
    if ds is None:
        return None
    return {"address": ds.address, "name": _val(ds.name, case), "storage_kind": _val(ds.storage_kind, case)}


def _disk(disk: Disk, case: Path) -> object:
    if disk is None:
        return None
    return {
        "address": disk.address,
        "kind": disk.kind,
        "platform": disk.platform,
        "location": _where(disk.location, case),
        "name": _val(disk.name, case),
        "role": disk.role,
        "size_bytes": _val(disk.size_bytes, case),
        "type_label": _val(disk.type_label, case),
        "premium": _val(disk.premium, case),
        "provisioning": _val(disk.provisioning, case),
        "file_format": _val(disk.file_format, case),
        "redo_log": _val(disk.redo_log, case),
        "placement": _val(disk.placement, case),
        "datastore": _datastore_brief(disk.datastore, case),
        "attached_at": _where(disk.attach_location, case) or None,
        "vm": _ref(disk.vm),
        "host": _ref(disk.host),
    }


def _host_brief(host: Host, case: Path) -> object:
    if host is None:
        return None
    return {"address": host.address, "name": _val(host.name, case)}


def _vm(vm: VirtualMachine, case: Path) -> dict:
    return {
        "kind": vm.kind,
        "platform": vm.platform,
        "location": _where(vm.location, case),
        "module_path": vm.module_path,
        "name": _val(vm.name, case),
        "computer_name": _val(vm.computer_name, case),
        "size": _val(vm.size, case),
        "vcpus": _val(vm.vcpus, case),
        "memory_mib": _val(vm.memory_mib, case),
        "dynamic_memory": _val(vm.dynamic_memory, case),
        "memory_reservation_mib": _val(vm.memory_reservation_mib, case),
        "memory_limit_mib": _val(vm.memory_limit_mib, case),
        "premium_storage_capable": _val(vm.premium_storage_capable, case),
        "image": _val(vm.image, case),
        "guest_os": _val(vm.guest_os, case),
        "exchange_evidence": [_evidence(e, case) for e in vm.exchange_evidence],
        "hibernation": _val(vm.hibernation, case),
        "linked_clone": _val(vm.linked_clone, case),
        "stop_action": _val(vm.stop_action, case),
        "checkpoints": _val(vm.checkpoints, case),
        "host": _host_brief(vm.host, case),
        "os_disk": _disk(vm.os_disk, case),
        "data_disks": [_disk(d, case) for d in vm.data_disks],
        "data_disks_complete": _val(vm.data_disks_complete, case),
        "network_interfaces": [nic.address for nic in vm.network_interfaces],
        "network_interfaces_complete": _val(vm.network_interfaces_complete, case),
        "file_mounts": [_mount(m, case) for m in vm.file_mounts],
    }


def _object_val(val: Val, case: Path) -> str:
    """A Val whose value is a model object (a Subnet): shown by its address."""
    if not val.known:
        return _val(val, case)
    return _val(Val(val.value.address, val.state, val.location, val.origins), case)


def _mount(mount, case: Path) -> dict:
    return {
        "at": _where(mount.location, case),
        "what": mount.what,
        "target": _val(mount.target, case),
        "storage_kind": _val(mount.storage_kind, case),
        "drive": _val(mount.drive, case),
        "datastore": _ref(mount.datastore),
        "exchange_paths": [f"{p.setting} {_val(p.path, case)}" for p in mount.exchange_paths],
        "paths_elsewhere": [f"{p.setting} {_val(p.path, case)}" for p in mount.paths_elsewhere],
    }


def _attachment(att, case: Path) -> dict:
    return {"at": _where(att.location, case), "interface": _ref(att.interface), "subnet": _ref(att.subnet),
            "target": _val(att.target, case), "certain": att.certain}


def _rule(rule, case: Path) -> dict:
    return {
        "kind": rule.kind,
        "location": _where(rule.location, case),
        "name": _val(rule.name, case),
        "direction": _val(rule.direction, case),
        "access": _val(rule.access, case),
        "protocols": _val(rule.protocols, case),
        "destination_ports": _val(rule.destination_ports, case),
        "destinations": _val(rule.destinations, case),
        "sources": _val(rule.sources, case),
        "precedence": _val(rule.precedence, case),
        "rule_set": _ref(rule.rule_set),
        "filter_kind": rule.filter_kind,
        "description": rule.description,
    }


def _rule_set(rs, case: Path) -> dict:
    return {
        "kind": rs.kind,
        "location": _where(rs.location, case),
        "name": _val(rs.name, case),
        "filter_kind": rs.filter_kind,
        "unmatched": rs.unmatched,
        "description": rs.description,
        "rules": [r.address for r in rs.rules],
        "rules_complete": _val(rs.rules_complete, case),
        "attachments": [_attachment(a, case) for a in rs.attachments],
    }


def _nic(nic, case: Path) -> dict:
    return {
        "location": _where(nic.location, case),
        "name": _val(nic.name, case),
        "vm": _ref(nic.vm),
        "ip_configurations": [{"at": _where(c.location, case), "subnet": _object_val(c.subnet, case),
                               "address": _val(c.address, case)} for c in nic.ip_configurations],
        "application_groups": _val(nic.application_groups, case),
    }


def _subnet(subnet, case: Path) -> dict:
    return {"kind": subnet.kind, "name": _val(subnet.name, case),
            "address_prefixes": _val(subnet.address_prefixes, case), "managed": subnet.managed}


def _route_table(table, case: Path) -> dict:
    return {
        "name": _val(table.name, case),
        "routes": [{"at": _where(r.location, case), "name": _val(r.name, case), "prefix": _val(r.prefix, case),
                    "next_hop": _val(r.next_hop, case), "next_hop_address": _val(r.next_hop_address, case),
                    "appliance": _ref(r.appliance)} for r in table.routes],
        "routes_complete": _val(table.routes_complete, case),
        "attachments": [_attachment(a, case) for a in table.attachments],
    }


def _evidence(evidence, case: Path) -> str:
    """``<what> @ <file>:<line>``, with the places its text came from: ``... <- terraform.tfvars:3``."""
    text = f"{evidence.what} @ {_where(evidence.location, case)}"
    origins = [_where(r.location, case) for r in evidence.origins]
    return text + (" <- " + ", ".join(origins) if origins else "")


def _snapshot(snap: Snapshot, case: Path) -> dict:
    return {
        "kind": snap.kind,
        "location": _where(snap.location, case),
        "name": _val(snap.name, case),
        "snapshot_kind": snap.snapshot_kind,
        "target": _val(snap.target, case),
        "target_vm": _ref(snap.target_vm),
        "target_disk": _ref(snap.target_disk),
        "includes_memory": _val(snap.includes_memory, case),
    }


def _datastore(ds: Datastore, case: Path) -> dict:
    return {
        "kind": ds.kind,
        "platform": ds.platform,
        "location": _where(ds.location, case),
        "name": _val(ds.name, case),
        "storage_kind": _val(ds.storage_kind, case),
        "premium": _val(ds.premium, case),
        "description": ds.description,
    }


def _host(host: Host, case: Path) -> dict:
    return {
        "kind": host.kind,
        "platform": host.platform,
        "location": _where(host.location, case),
        "name": _val(host.name, case),
        "host_count": _val(host.host_count, case),
    }


def _keyed(items, render, case: Path) -> dict:
    out = {}
    for item in items:
        key, n = item.address, 1
        while key in out:  # two resources with one address: show both, the comparison reports it
            n += 1
            key = f"{item.address} (duplicate {n})"
        out[key] = render(item, case)
    return out


def serialize(inventory: Inventory, case: Path) -> dict:
    """The deployment in the plain form model.yaml is written in."""
    return {
        "platforms": sorted(inventory.platforms),
        "vms": _keyed(inventory.vms, _vm, case),
        "disks": _keyed(inventory.disks, _disk, case),
        "unattached_disks": _keyed([d for d in inventory.disks if d.vm is None], _disk, case),
        "snapshots": _keyed(inventory.snapshots, _snapshot, case),
        "datastores": _keyed(inventory.datastores, _datastore, case),
        "hosts": _keyed(inventory.hosts, _host, case),
        "rule_sets": _keyed(inventory.rule_sets, _rule_set, case),
        "network_rules": _keyed(inventory.network_rules, _rule, case),
        "network_interfaces": _keyed(inventory.network_interfaces, _nic, case),
        "subnets": _keyed(inventory.subnets, _subnet, case),
        "route_tables": _keyed(inventory.route_tables, _route_table, case),
        "relay_evidence": [{"what": e.what, "at": _where(e.location, case), "certain": e.certain}
                           for e in inventory.relay_evidence],
    }


# --------------------------------------------------------------------------- comparison


def _compare(expected, actual, path: str, errors: list) -> None:
    """Collect the differences; a dict in ``expected`` names only the keys it checks."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            errors.append(f"{path}: expected a mapping, got {actual!r}")
            return
        for key, want in expected.items():
            if key not in actual:
                errors.append(f"{path}.{key}: no such key in the model (keys: {sorted(actual)})")
                continue
            _compare(want, actual[key], f"{path}.{key}", errors)
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            errors.append(f"{path}: expected {len(expected)} entries, got {actual!r}")
            return
        for i, (want, got) in enumerate(zip(expected, actual)):
            _compare(want, got, f"{path}[{i}]", errors)
    elif expected != actual:
        errors.append(f"{path}: expected {expected!r}, got {actual!r}")


def compare_model(expected: dict, actual: dict) -> list:
    errors = [] if "vms" in expected else ["model.yaml must list vms (an empty map when there is none)"]
    for section in KEYED_SECTIONS:
        if section not in expected:
            continue
        want, got = set(expected[section] or {}), set(actual[section])
        if want - got:
            errors.append(f"{section}: missing from the model: {sorted(want - got)}")
        if got - want:
            errors.append(f"{section}: not listed in model.yaml: {sorted(got - want)}")
    # the keys of each listed section are checked above; compare the contents of those that exist
    present = {k: ({a: e for a, e in (v or {}).items() if a in actual[k]} if k in KEYED_SECTIONS else v)
               for k, v in expected.items()}
    _compare(present, actual, "model", errors)
    return errors


def _cases():
    for case in sorted(p for p in CASES.iterdir() if (p / "model.yaml").is_file()):
        marks = ()
        if case.name in KNOWN_BUGS:
            marks = (pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[case.name]),)
        yield pytest.param(case, id=case.name, marks=marks)


@pytest.mark.parametrize("case", list(_cases()))
def test_adapter_case(case: Path):
    expected = yaml.safe_load((case / "model.yaml").read_text(encoding="utf-8"))
    actual = serialize(adapt_case(case), case)
    errors = compare_model(expected, actual)
    assert not errors, "\n".join(errors)


def test_there_are_cases_for_every_terraform_adapter():
    platforms = set()
    for case in CASES.iterdir():
        if (case / "model.yaml").is_file():
            platforms.update(yaml.safe_load((case / "model.yaml").read_text(encoding="utf-8")).get("platforms", []))
    assert {"azure", "vsphere", "hyperv"} <= platforms


def test_comparison_catches_differences():
    """The comparison is the test: it must notice a wrong value, a missing and an extra VM or disk."""
    actual = {"vms": {"a": {"vcpus": "8 @ main.tf:3 (explicit)", "data_disks": [{"address": "d1"}]}},
              "disks": {"d1": {}}}
    assert compare_model({"vms": {"a": {"vcpus": "8 @ main.tf:3 (explicit)"}}}, actual) == []
    assert compare_model({"vms": {"a": {"vcpus": "8 @ main.tf:3 (default)"}}}, actual)
    assert compare_model({"vms": {}}, actual)
    assert compare_model({"vms": {"a": {}, "b": {}}}, actual)
    assert compare_model({"vms": {"a": {"data_disks": []}}}, actual)
    assert compare_model({"vms": {"a": {"data_disks": [{"address": "d2"}]}}}, actual)
    assert compare_model({"vms": {"a": {}}, "disks": {"d1": {}, "d2": {}}}, actual)
    assert compare_model({"vms": {"a": {"no_such_field": 1}}}, actual)


def test_val_rendering_keeps_types_apart():
    from exvlint.findings import Location, Related

    here = Path("/case")
    loc = Location("/case/main.tf", 12)
    assert _val(Val(8, "explicit", loc), here) == "8 @ main.tf:12 (explicit)"
    assert _val(Val("8", "explicit", loc), here) == '"8" @ main.tf:12 (explicit)'
    assert _val(Val(True, "default", loc), here) == "true @ main.tf:12 (default)"
    assert _val(Val("true", "default", loc), here) == '"true" @ main.tf:12 (default)'
    assert _val(Val(None, "unknown", loc), here) == "<unknown> @ main.tf:12"
    assert _val(Val("<unknown>", "explicit", loc), here) == '"<unknown>" @ main.tf:12 (explicit)'
    assert _val(Val("volume D:", "explicit", None), here) == "volume D: (explicit)"
    assert _val(Val("Premium_LRS", "explicit", loc, (Related(Location("/case/terraform.tfvars", 1), "x"),)),
                here) == "Premium_LRS @ main.tf:12 (explicit) <- terraform.tfvars:1"


if __name__ == "__main__":  # print a case's whole model, to write or review its model.yaml
    for name in sys.argv[1:]:
        path = Path(name) if Path(name).is_dir() else CASES / name
        print(yaml.safe_dump(serialize(adapt_case(path), path), sort_keys=False, width=200))
