"""azurerm networking -> the neutral network model (EXV501, EXV502).

Network interfaces and the VMs they belong to, subnets, network security groups with their rules
(inline ``security_rule`` and ``azurerm_network_security_rule``) and associations, route tables
(inline ``route`` and ``azurerm_route``) and their subnet associations, Azure Firewall with its
classic rule collections or its firewall policy (rule collection groups, parent policies), and the
Azure Communication Services email resources that are SMTP relay evidence.

Attribute names: the azurerm provider documentation (network_security_group, network_security_rule,
network_interface, subnet, *_association, route_table, route, firewall, firewall_policy,
firewall_policy_rule_collection_group, firewall_network_rule_collection,
firewall_application_rule_collection, ip_group, email_communication_service*), read for provider 4.x
with the 1.x/2.x inline attributes that older code still uses (``network_security_group_id`` and
``route_table_id`` on subnets and NICs, ``address_prefix`` on subnets).
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ..evaluation import Unknown, collect_refs
from ..findings import Location
from ..model import (DEFAULT, EXPLICIT, Attachment, Inventory, IpConfiguration, NetworkInterface, RuleSet, Subnet, Val,
                     unknown)
from ..terraform.results import EvalAttr, EvalBlock, ResourceInstance
from .azure_network import CollectionNames, Network, RouteNames, RuleNames, asg_key, text_of
from .terraform_values import InstanceIndex, as_int, as_str, attr_val, raw, resource_label
from .values import written_val

PLATFORM = "azure"
NIC = "azurerm_network_interface"
SUBNET = "azurerm_subnet"
VNET = "azurerm_virtual_network"
NSG = "azurerm_network_security_group"
NSG_RULE = "azurerm_network_security_rule"
NIC_NSG = "azurerm_network_interface_security_group_association"
SUBNET_NSG = "azurerm_subnet_network_security_group_association"
NIC_ASG = "azurerm_network_interface_application_security_group_association"
ASG = "azurerm_application_security_group"
ROUTE_TABLE = "azurerm_route_table"
ROUTE = "azurerm_route"
SUBNET_ROUTES = "azurerm_subnet_route_table_association"
FIREWALL = "azurerm_firewall"
POLICY = "azurerm_firewall_policy"
POLICY_GROUP = "azurerm_firewall_policy_rule_collection_group"
FW_NETWORK = "azurerm_firewall_network_rule_collection"
FW_APPLICATION = "azurerm_firewall_application_rule_collection"
IP_GROUP = "azurerm_ip_group"
# Azure Communication Services email: an SMTP relay (smtp.azurecomm.net, port 587) the code provides
RELAY_TYPES = {
    "azurerm_email_communication_service": "Azure Communication Services email service",
    "azurerm_email_communication_service_domain": "Azure Communication Services email domain",
    "azurerm_communication_service_email_domain_association": "Azure Communication Services email domain link",
}
HANDLED = {NIC, SUBNET, VNET, NSG, NSG_RULE, NIC_NSG, SUBNET_NSG, NIC_ASG, ROUTE_TABLE, ROUTE, SUBNET_ROUTES,
           FIREWALL, POLICY, POLICY_GROUP, FW_NETWORK, FW_APPLICATION, IP_GROUP} | set(RELAY_TYPES)

RULE = RuleNames(name="name", priority="priority", protocol="protocol", direction="direction", access="access",
                 ports=("destination_port_range", "destination_port_ranges"),
                 destinations=("destination_address_prefix", "destination_address_prefixes"),
                 destination_groups=("destination_application_security_group_ids",),
                 sources=("source_address_prefix", "source_address_prefixes"),
                 source_groups=("source_application_security_group_ids",))
COLLECTION = CollectionNames(
    name="name", priority="priority", action="action", rules="rule", rule_name="name", network_protocols=("protocols",),
    ports=("destination_ports",), network_destinations=("destination_addresses", "destination_fqdns",
                                                        "destination_ip_groups"),
    application_protocols=("protocol", "protocols"), protocol_type="type", protocol_port="port",
    application_destinations=("target_fqdns", "destination_fqdns", "destination_urls", "destination_addresses",
                              "fqdn_tags", "destination_fqdn_tags"),
    sources=("source_addresses", "source_ip_groups"))
ROUTE_NAMES = RouteNames(name="name", prefix="address_prefix", next_hop="next_hop_type",
                         next_hop_address="next_hop_in_ip_address")


def adapt(evaluated, inventory: Inventory, vms: dict) -> None:
    """Add the network of ``evaluated`` to ``deployment``; ``vms`` maps VM addresses to their model VMs."""
    managed = [i for i in evaluated.instances if i.type in HANDLED and i.mode == "managed"]
    if not managed and not vms:
        return
    net = _Network(evaluated, inventory, vms)
    net.build(managed)


class _Fields:
    """One object's attributes, written as a nested block or as an object inside an attribute
    (``security_rule = [{...}]``): both read the same way."""

    def __init__(self, block: Optional[EvalBlock] = None, obj: Optional[dict] = None,
                 attr: Optional[EvalAttr] = None, owner: Optional[EvalBlock] = None):
        self.block, self.obj, self.attr, self.owner = block, obj, attr, owner
        self.location = block.location if block is not None else attr.location

    def raw(self, name: str) -> Any:
        if self.block is not None:
            return raw(self.block, name)
        return self.obj.get(name)

    def val(self, name: str, convert=None) -> Val:
        """The value, or unknown when omitted (no default) or not resolvable."""
        if self.block is not None:
            return attr_val(self.block, name, convert=convert)
        value = self.obj.get(name)
        if value is None:
            return unknown(self.location, f"{name} is not set", self.attr.origins)
        return written_val(value, name, self.location, self.attr.origins, convert)

    def where(self, name: str) -> Location:
        if self.block is not None and name in self.block.attrs:
            return self.block.attrs[name].location
        return self.location

    def origins(self, name: str) -> tuple:
        if self.block is not None:
            attr = self.block.attrs.get(name)
            return attr.origins if attr is not None else ()
        return self.attr.origins

    def refs(self, name: str) -> frozenset:
        return collect_refs(self.raw(name))

    def objects(self, name: str) -> list:
        """Nested objects ``name`` as _Fields: blocks, or a list of objects written as an attribute."""
        if self.block is None:
            value = self.obj.get(name)
            return [_Fields(obj=v, attr=self.attr) for v in value if isinstance(v, dict)] \
                if isinstance(value, list) else []
        return objects_of(self.block, name)

    def objects_complete(self, name: str) -> bool:
        if self.block is None:
            return not isinstance(self.obj.get(name), Unknown)
        return name not in self.block.unknown_blocks and not isinstance(raw(self.block, name), Unknown)


def objects_of(block: EvalBlock, name: str) -> list:
    out = [_Fields(block=b) for b in block.blocks_of(name)]
    attr = block.attrs.get(name)
    if attr is not None and isinstance(attr.value, list):
        out += [_Fields(obj=v, attr=attr, owner=block) for v in attr.value if isinstance(v, dict)]
    return out


class _Network:
    def __init__(self, evaluated, inventory: Inventory, vms: dict):
        self.index = InstanceIndex(evaluated.instances)
        self.blocks = evaluated.resource_blocks
        self.inventory = inventory
        self.vms = vms
        self.net = Network(inventory, _targets, _unresolved, self._asg)

    # ------------------------------------------------------------------ build

    def build(self, managed: list) -> None:
        net = self.net
        by_type: dict = {}
        for inst in managed:
            by_type.setdefault(inst.type, []).append(inst)
        for inst in by_type.get(IP_GROUP, []):
            net.ip_groups[inst.address] = net.list_val(_Fields(block=inst.body), ("cidrs",))
        for inst in by_type.get(SUBNET, []):
            self._subnet(inst)
        for inst in by_type.get(VNET, []):
            self._inline_subnets(inst)
        for inst in by_type.get(NSG, []):
            self._nsg(inst)
        for inst in by_type.get(ROUTE_TABLE, []):
            self._route_table(inst)
        for inst in by_type.get(NIC, []):
            self._nic(inst)
        for inst in by_type.get(FIREWALL, []):
            self._firewall(inst)
        for inst in by_type.get(POLICY, []):
            net.policy(inst, raw(inst.body, "base_policy_id"))
        for inst in by_type.get(FIREWALL, []):
            net.use_policy(net.firewalls[inst.address], raw(inst.body, "firewall_policy_id"),
                           inst.body.attrs["firewall_policy_id"].location if "firewall_policy_id" in inst.body.attrs
                           else inst.location)
        for inst in by_type.get(NSG_RULE, []):
            self._standalone_rule(inst)
        for inst in by_type.get(POLICY_GROUP, []):
            self._policy_group(inst)
        for inst in by_type.get(FW_NETWORK, []) + by_type.get(FW_APPLICATION, []):
            self._classic_collection(inst)
        for inst in by_type.get(ROUTE, []):
            self._standalone_route(inst)
        for inst in by_type.get(NIC_NSG, []):
            self._association(inst, "network_interface_id", (NIC,), "network_security_group_id")
        for inst in by_type.get(SUBNET_NSG, []):
            self._association(inst, "subnet_id", (SUBNET,), "network_security_group_id")
        for inst in by_type.get(SUBNET_ROUTES, []):
            self._association(inst, "subnet_id", (SUBNET,), "route_table_id")
        for inst in by_type.get(NIC_ASG, []):
            self._nic_asg(inst)
        self._legacy_attachments(by_type)
        self._vm_interfaces()
        self._unknown_instances()
        for rtype, what in RELAY_TYPES.items():
            for inst in by_type.get(rtype, []):
                net.relay(what, inst.location, resource_label(inst))
        net.finish()

    # ------------------------------------------------------------------ references

    def _asg(self, value: Any) -> Optional[str]:
        return asg_key([a for a in _targets(value) if a in self.index.by_address], text_of(value))

    # ------------------------------------------------------------------ subnets

    def _subnet(self, inst: ResourceInstance) -> None:
        body = _Fields(block=inst.body)
        prefixes = self.net.list_val(body, ("address_prefixes", "address_prefix"))
        self.net.subnets[inst.address] = Subnet(**self._kw(inst), name=attr_val(inst.body, "name", convert=as_str),
                                                address_prefixes=prefixes, managed=inst.mode == "managed")

    def _kw(self, inst: ResourceInstance) -> dict:
        return dict(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                    call_sites=inst.call_sites, origins=inst.origins)

    def _inline_subnets(self, inst: ResourceInstance) -> None:
        for sub in objects_of(inst.body, "subnet"):
            name = sub.val("name", as_str)
            key = f"{inst.address}.subnet[{json.dumps(name.value)}]" if name.known else f"{inst.address}.subnet"
            subnet = Subnet(address=key, kind=f"{VNET}.subnet", platform=PLATFORM, location=sub.location,
                            call_sites=inst.call_sites, name=name,
                            address_prefixes=self.net.list_val(sub, ("address_prefixes", "address_prefix")))
            self.net.subnets[key] = subnet
            if sub.raw("security_group") is not None:  # the NSG of an inline subnet
                self.net.attach(self.net.nsgs, sub.raw("security_group"), sub.where("security_group"),
                                Attachment(sub.where("security_group"), subnet=subnet,
                                           target=Val(key, EXPLICIT, sub.location)))

    def _subnet_of(self, value: Any, where: Location, origins: tuple = ()) -> Val:
        """The Subnet an id attribute names: a subnet resource or data source by reference, the only
        inline subnet of a referenced virtual network, or an id string; unknown otherwise."""
        subnets = self.net.subnets
        for ref in sorted(collect_refs(value), key=lambda r: (r.address, r.attr)):
            if ref.address in subnets:
                return Val(subnets[ref.address], EXPLICIT, where, origins)
            inst = self.index.by_address.get(ref.address)
            if inst is not None and inst.type == SUBNET and inst.mode == "data":
                subnet = Subnet(**self._kw(inst), name=attr_val(inst.body, "name", convert=as_str), managed=False,
                                address_prefixes=unknown(inst.location, f"{inst.address} is read from Azure"))
                subnets[ref.address] = subnet
                return Val(subnet, EXPLICIT, where, origins)
            if inst is not None and inst.type == VNET:
                inline = [s for k, s in subnets.items() if k.startswith(ref.address + ".subnet")]
                if len(inline) == 1:
                    return Val(inline[0], EXPLICIT, where, origins)
        external = self.net.external_subnet(value, where, origins)
        if external is not None:
            return external
        reason = value.reason if isinstance(value, Unknown) else "the subnet is not in this configuration"
        return unknown(where, f"subnet_id: {reason}", origins)

    # ------------------------------------------------------------------ interfaces

    def _nic(self, inst: ResourceInstance) -> None:
        body = inst.body
        nic = NetworkInterface(**self._kw(inst), name=attr_val(body, "name", convert=as_str))
        groups: list = []
        for ipc in objects_of(body, "ip_configuration"):
            subnet = self._subnet_of(ipc.raw("subnet_id"), ipc.where("subnet_id"), ipc.origins("subnet_id"))
            address = self.net.ip_address(ipc.raw("private_ip_address_allocation"),
                                          ipc.val("private_ip_address", as_str), ipc.location)
            nic.ip_configurations.append(IpConfiguration(ipc.location, subnet, address))
            for value in ipc.raw("application_security_group_ids") or []:  # azurerm 1.x
                groups.append(self._asg(value))
        if not objects_of(body, "ip_configuration") or "ip_configuration" in body.unknown_blocks:
            nic.ip_configurations.append(IpConfiguration(inst.location, unknown(inst.location, "ip_configuration is not known"),
                                                         unknown(inst.location, "ip_configuration is not known")))
        if any(g is None for g in groups):
            nic.application_groups = unknown(inst.location, "an application security group is not known")
        else:
            nic.application_groups = Val(groups, EXPLICIT if groups else DEFAULT, inst.location)
        self.net.nics[inst.address] = nic

    def _nic_asg(self, inst: ResourceInstance) -> None:
        body = inst.body
        nics = self.index.targets(body, "network_interface_id", (NIC,))
        if not nics or nics[0].address not in self.net.nics:
            return
        nic = self.net.nics[nics[0].address]
        group = self._asg(raw(body, "application_security_group_id"))
        if group is None or not nic.application_groups.known:
            nic.application_groups = unknown(inst.location, "an application security group is not known")
        else:
            nic.application_groups = Val(nic.application_groups.value + [group], EXPLICIT, inst.location)

    def _vm_interfaces(self) -> None:
        nics = self.net.nics
        for address, vm in self.vms.items():
            inst = self.index.by_address.get(address)
            if inst is None:
                continue
            for name in ("network_interface_ids", "primary_network_interface_id"):
                attr = inst.body.attrs.get(name)
                if attr is None or attr.value is None:
                    continue
                values = attr.value if isinstance(attr.value, list) else [attr.value]
                for value in values:
                    found = [nics[r.address] for r in sorted(collect_refs(value), key=lambda r: r.address)
                             if r.address in nics]
                    for nic in found:
                        self.net.link(vm, nic)
                    if not found:
                        reason = value.reason if isinstance(value, Unknown) else \
                            f"{name} names an interface outside this configuration"
                        vm.network_interfaces_complete = unknown(attr.location, f"{name}: {reason}", attr.origins)

    # ------------------------------------------------------------------ security groups

    def _nsg(self, inst: ResourceInstance) -> None:
        body = inst.body
        group = self.net.security_group(inst, attr_val(body, "name", convert=as_str), resource_label(inst))
        for rule in objects_of(body, "security_rule"):
            self._security_rule(rule, group, inst, Val(inst.address, EXPLICIT, inst.location))
        if not _Fields(block=body).objects_complete("security_rule"):
            group.rules_complete = unknown(inst.location, "the security_rule blocks are not known")

    def _security_rule(self, fields: _Fields, group: Optional[RuleSet], inst: ResourceInstance, group_ref: Val,
                       standalone: bool = False) -> None:
        name = fields.val("name", as_str)
        label = name.value if name.known else "?"
        self.net.security_rule(
            fields, RULE, group, group_ref, call_sites=inst.call_sites, origins=inst.origins if standalone else (),
            address=inst.address if standalone else f"{inst.address}.security_rule[{json.dumps(label)}]",
            kind=inst.type if standalone else f"{inst.type}.security_rule")

    def _standalone_rule(self, inst: ResourceInstance) -> None:
        body = inst.body
        group = self._by_name(body, "network_security_group_name", self.net.nsgs)
        ref = attr_val(body, "network_security_group_name", convert=as_str)
        self._security_rule(_Fields(block=body), group, inst, ref, standalone=True)

    def _by_name(self, body: EvalBlock, attr: str, table: dict) -> Optional[Any]:
        """The object of ``table`` that ``body.attr`` names: by reference, else by name (and resource group)."""
        value = raw(body, attr)
        for ref in collect_refs(value):
            if ref.address in table:
                return table[ref.address]
        name = text_of(value)
        if name is None:
            return None
        group_name = text_of(raw(body, "resource_group_name"))
        found = []
        for address, obj in table.items():
            inst = self.index.by_address.get(address)
            if inst is None or text_of(raw(inst.body, "name")) != name:
                continue
            other_group = text_of(raw(inst.body, "resource_group_name"))
            if group_name is None or other_group is None or other_group == group_name:
                found.append(obj)
        return found[0] if len(found) == 1 else None

    # ------------------------------------------------------------------ attachments

    def _association(self, inst: ResourceInstance, target_attr: str, target_types: tuple, group_attr: str) -> None:
        body = inst.body
        table = self.net.tables if group_attr == "route_table_id" else self.net.nsgs
        target_value = raw(body, target_attr)
        where = body.attrs[target_attr].location if target_attr in body.attrs else inst.location
        origins = body.attrs[target_attr].origins if target_attr in body.attrs else ()
        attachment = Attachment(inst.location)
        if NIC in target_types:
            nics = [self.net.nics[r.address] for r in collect_refs(target_value) if r.address in self.net.nics]
            if nics:
                attachment.interface = nics[0]
                attachment.target = Val(nics[0].address, EXPLICIT, where, origins)
            elif text_of(target_value) is not None:  # an interface outside this configuration, by its id
                attachment.target = Val(text_of(target_value), EXPLICIT, where, origins)
            else:
                reason = target_value.reason if isinstance(target_value, Unknown) else "it is not set"
                attachment.target = unknown(where, f"{target_attr}: {reason}", origins)
        else:
            subnet = self._subnet_of(target_value, where, origins)
            if subnet.known:
                attachment.subnet = subnet.value
                attachment.target = Val(subnet.value.address, EXPLICIT, where, origins)
            else:
                attachment.target = subnet
        self.net.attach(table, raw(body, group_attr), inst.location, attachment)

    def _legacy_attachments(self, by_type: dict) -> None:
        """azurerm 1.x: network_security_group_id / route_table_id on subnets and NICs."""
        for inst in by_type.get(SUBNET, []):
            subnet = self.net.subnets.get(inst.address)
            for attr, table in (("network_security_group_id", self.net.nsgs), ("route_table_id", self.net.tables)):
                if raw(inst.body, attr) is not None and subnet is not None:
                    where = inst.body.attrs[attr].location
                    self.net.attach(table, raw(inst.body, attr), where,
                                    Attachment(where, subnet=subnet, target=Val(subnet.address, EXPLICIT, where)))
        for inst in by_type.get(NIC, []):
            nic = self.net.nics.get(inst.address)
            if raw(inst.body, "network_security_group_id") is not None and nic is not None:
                where = inst.body.attrs["network_security_group_id"].location
                self.net.attach(self.net.nsgs, raw(inst.body, "network_security_group_id"), where,
                                Attachment(where, interface=nic, target=Val(nic.address, EXPLICIT, where)))

    # ------------------------------------------------------------------ routes

    def _route_table(self, inst: ResourceInstance) -> None:
        body = inst.body
        table = self.net.route_table(inst, attr_val(body, "name", convert=as_str))
        for route in objects_of(body, "route"):
            table.routes.append(self.net.route(route, ROUTE_NAMES))
        if not _Fields(block=body).objects_complete("route"):
            table.routes_complete = unknown(inst.location, "the route blocks are not known")

    def _standalone_route(self, inst: ResourceInstance) -> None:
        table = self._by_name(inst.body, "route_table_name", self.net.tables)
        if table is not None:
            table.routes.append(self.net.route(_Fields(block=inst.body), ROUTE_NAMES))
        else:  # a route of a table the code does not show: that table may be any of them
            for other in self.net.tables.values():
                other.routes_complete = unknown(inst.location, f"{inst.address} adds a route to a table that is not known")

    # ------------------------------------------------------------------ firewalls

    def _firewall(self, inst: ResourceInstance) -> None:
        subnets = [self._subnet_of(ipc.raw("subnet_id"), ipc.location) for ipc in objects_of(inst.body, "ip_configuration")]
        self.net.firewall(inst, attr_val(inst.body, "name", convert=as_str), resource_label(inst), subnets)

    def _policy_group(self, inst: ResourceInstance) -> None:
        body = inst.body
        policy_refs = [r.address for r in collect_refs(raw(body, "firewall_policy_id")) if r.address in self.net.policies]
        group_priority = attr_val(body, "priority", convert=as_int)
        targets: list = []
        if policy_refs:
            policy = self.net.policies[policy_refs[0]][2]
            targets = self.net.policy_targets(policy_refs[0], attr_val(policy.body, "name", convert=as_str),
                                              resource_label(policy))
        ref = attr_val(body, "firewall_policy_id", convert=as_str)
        for kind in ("network_rule_collection", "application_rule_collection"):
            for collection in objects_of(body, kind):
                self._collection(collection, inst, kind, targets, (group_priority,), ref)

    def _classic_collection(self, inst: ResourceInstance) -> None:
        firewall = self._by_name(inst.body, "azure_firewall_name", self.net.firewalls)
        kind = "network_rule_collection" if inst.type == FW_NETWORK else "application_rule_collection"
        targets = [(firewall, 0)] if firewall is not None else []
        ref = attr_val(inst.body, "azure_firewall_name", convert=as_str)
        self._collection(_Fields(block=inst.body), inst, kind, targets, (), ref, standalone=True)

    def _collection(self, fields: _Fields, inst: ResourceInstance, kind: str, targets: list, outer: tuple,
                    group_ref: Val, standalone: bool = False) -> None:
        def address(collection: str, rule: str) -> str:
            if standalone:
                return f"{inst.address}.rule[{json.dumps(rule)}]"
            return f"{inst.address}.{kind}[{json.dumps(collection)}].rule[{json.dumps(rule)}]"

        kinds = ("network" if kind == "network_rule_collection" else "application", f"{inst.type}.{kind}")
        self.net.collection(fields, COLLECTION, targets, outer, group_ref, address, lambda _: kinds, inst.call_sites)

    # ------------------------------------------------------------------ instances not known

    def _unknown_instances(self) -> None:
        """Blocks whose count / for_each is unknown may add rules, routes or associations."""
        net = self.net
        for block in self.blocks:
            if block.instances is not None or block.mode != "managed":
                continue
            where = block.origins[0].location if block.origins else block.location
            why = f"the instances of {block.address} are not known ({block.reason})"
            if block.type in (NSG_RULE,):
                for group in net.nsgs.values():
                    group.rules_complete = unknown(where, why)
            elif block.type in (POLICY_GROUP, FW_NETWORK, FW_APPLICATION):
                for group in net.firewalls.values():
                    group.rules_complete = unknown(where, why)
            elif block.type in (NIC_NSG, SUBNET_NSG):
                for group in net.nsgs.values():
                    group.attachments.append(Attachment(where, target=unknown(where, why), certain=False))
            elif block.type == SUBNET_ROUTES:
                for table in net.tables.values():
                    table.attachments.append(Attachment(where, target=unknown(where, why), certain=False))
            elif block.type in RELAY_TYPES:
                net.relay(RELAY_TYPES[block.type], where, block.address, certain=False)


def _targets(value: Any) -> list:
    return [r.address for r in sorted(collect_refs(value), key=lambda r: (r.address, r.attr))]


def _unresolved(value: Any) -> bool:
    return isinstance(value, Unknown) and not collect_refs(value)
