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

import ipaddress
import json
from typing import Any, Optional

from ..findings import Location, brief
from ..model import (DEFAULT, EXPLICIT, Attachment, Deployment, Evidence, IpConfiguration, NetworkInterface,
                     NetworkRule, Route, RouteTable, RuleSet, Subnet, Val, unknown)
from ..terraform.evaluate import EvalAttr, EvalBlock, ResourceInstance
from ..evaluation import CONVERSION_ERRORS, Unknown, collect_refs, contains_unknown
from .terraform_values import InstanceIndex, as_int, as_str, attr_val, raw, resource_label

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

_NEXT_HOP = {"virtualappliance": "appliance", "internet": "internet", "virtualnetworkgateway": "gateway",
             "vnetlocal": "vnet", "none": "none"}


def adapt(evaluated, deployment: Deployment, vms: dict) -> None:
    """Add the network of ``evaluated`` to ``deployment``; ``vms`` maps VM addresses to their model VMs."""
    managed = [i for i in evaluated.instances if i.type in HANDLED and i.mode == "managed"]
    if not managed and not vms:
        return
    net = _Network(evaluated, deployment, vms)
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
        if contains_unknown(value):
            reason = value.reason if isinstance(value, Unknown) else f"{name} is partly unknown"
            return unknown(self.location, f"{name}: {reason}", self.attr.origins)
        if convert is not None:
            try:
                value = convert(value)
            except CONVERSION_ERRORS:
                return unknown(self.location, f"{name} has an unexpected value {brief(repr(value))}", self.attr.origins)
        return Val(value, EXPLICIT, self.location, self.attr.origins)

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


def _text(value: Any) -> Optional[str]:
    if isinstance(value, bool) or value is None or isinstance(value, Unknown):
        return None
    if isinstance(value, (str, int, float)):
        return as_str(value)
    return None


def _lower(value: Any) -> str:
    return as_str(value).strip().lower()


class _Network:
    def __init__(self, evaluated, deployment: Deployment, vms: dict):
        self.index = InstanceIndex(evaluated.instances)
        self.blocks = evaluated.resource_blocks
        self.deployment = deployment
        self.vms = vms
        self.subnets: dict = {}  # key (address or id) -> Subnet
        self.nics: dict = {}  # address -> NetworkInterface
        self.nsgs: dict = {}  # address -> RuleSet
        self.tables: dict = {}  # address -> RouteTable
        self.firewalls: dict = {}  # address -> RuleSet
        self.policies: dict = {}  # address -> (instance, [RuleSet using it])
        self.policy_sets: dict = {}  # policy address -> RuleSet of a policy no firewall here uses
        self.route_refs: dict = {}  # id(Route) -> the references of its next hop address
        self.ip_groups: dict = {}  # address -> Val(list[str])

    # ------------------------------------------------------------------ build

    def build(self, managed: list) -> None:
        by_type: dict = {}
        for inst in managed:
            by_type.setdefault(inst.type, []).append(inst)
        for inst in by_type.get(IP_GROUP, []):
            self.ip_groups[inst.address] = self._list(_Fields(block=inst.body), ("cidrs",))
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
            self.policies.setdefault(inst.address, (inst, []))
        self._policies_to_firewalls(by_type.get(FIREWALL, []))
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
        self._routes_to_firewalls()
        self._vm_interfaces()
        self._unknown_instances()
        for rtype, what in RELAY_TYPES.items():
            for inst in by_type.get(rtype, []):
                self.deployment.relay_evidence.append(Evidence(what, inst.location, f"{what} {resource_label(inst)}"))
        d = self.deployment
        d.subnets.extend(self.subnets.values())
        d.network_interfaces.extend(self.nics.values())
        d.rule_sets.extend(list(self.nsgs.values()) + list(self.firewalls.values()) + list(self.policy_sets.values()))
        d.route_tables.extend(self.tables.values())
        if self.nics or self.nsgs or self.firewalls or self.policies or d.relay_evidence:
            d.platforms.add(PLATFORM)

    def _kw(self, inst: ResourceInstance) -> dict:
        return dict(address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
                    call_sites=inst.call_sites, origins=inst.origins)

    # ------------------------------------------------------------------ lists of strings

    def _list(self, fields: _Fields, names: tuple, asg: tuple = (), lower: bool = False) -> Val:
        """One list Val from string / list attributes (``x_prefix`` + ``x_prefixes`` + ASG ids); omitted
        attributes add nothing; any unknown part makes it unknown."""
        items: list = []
        where, origins, state = None, (), DEFAULT
        for name in names + asg:
            value = fields.raw(name)
            if value is None or value == "" or value == []:
                continue
            loc, org = fields.where(name), fields.origins(name)
            where = where or loc
            origins += tuple(org)
            state = EXPLICIT
            values = value if isinstance(value, list) else [value]
            for v in values:
                if name in asg:
                    item = self._asg(v)
                    if item is None:
                        return unknown(loc, f"{name}: an application security group is not known", org)
                    items.append(item)
                    continue
                refs = collect_refs(v)
                groups = [r for r in refs if r.address in self.ip_groups]
                if groups:
                    for r in groups:
                        cidrs = self.ip_groups[r.address]
                        if not cidrs.known:
                            return unknown(loc, f"{name}: the addresses of {r.address} are not known", org)
                        items.extend(cidrs.value)
                    continue
                text = _text(v)
                if text is None:
                    reason = v.reason if isinstance(v, Unknown) else f"{name} is partly unknown"
                    return unknown(loc, f"{name}: {reason}", org)
                items.append(text.strip().lower() if lower else text.strip())
        if state == DEFAULT:
            return unknown(fields.location, f"none of {', '.join(names)} is set")
        return Val(items, state, where, origins)

    def _asg(self, value: Any) -> Optional[str]:
        for ref in collect_refs(value):
            if ref.address in self.index.by_address:
                return f"asg:{ref.address}"
        text = _text(value)
        return f"asg:{text.lower()}" if text else None

    # ------------------------------------------------------------------ subnets

    def _subnet(self, inst: ResourceInstance) -> None:
        body = _Fields(block=inst.body)
        prefixes = self._list(body, ("address_prefixes", "address_prefix"))
        self.subnets[inst.address] = Subnet(**self._kw(inst), name=attr_val(inst.body, "name", convert=as_str),
                                            address_prefixes=prefixes, managed=inst.mode == "managed")

    def _inline_subnets(self, inst: ResourceInstance) -> None:
        for sub in objects_of(inst.body, "subnet"):
            name = sub.val("name", as_str)
            key = f"{inst.address}.subnet[{json.dumps(name.value)}]" if name.known else f"{inst.address}.subnet"
            subnet = Subnet(address=key, kind=f"{VNET}.subnet", platform=PLATFORM, location=sub.location,
                            call_sites=inst.call_sites, name=name,
                            address_prefixes=self._list(sub, ("address_prefixes", "address_prefix")))
            self.subnets[key] = subnet
            if sub.raw("security_group") is not None:  # the NSG of an inline subnet
                self._attach(self.nsgs, sub.raw("security_group"), sub.where("security_group"),
                             Attachment(sub.where("security_group"), subnet=subnet,
                                        target=Val(key, EXPLICIT, sub.location)))

    def _subnet_of(self, value: Any, where: Location, origins: tuple = ()) -> Val:
        """The Subnet an id attribute names: a subnet resource or data source by reference, the only
        inline subnet of a referenced virtual network, or an id string; unknown otherwise."""
        for ref in sorted(collect_refs(value), key=lambda r: (r.address, r.attr)):
            if ref.address in self.subnets:
                return Val(self.subnets[ref.address], EXPLICIT, where, origins)
            inst = self.index.by_address.get(ref.address)
            if inst is not None and inst.type == SUBNET and inst.mode == "data":
                subnet = Subnet(**self._kw(inst), name=attr_val(inst.body, "name", convert=as_str), managed=False,
                                address_prefixes=unknown(inst.location, f"{inst.address} is read from Azure"))
                self.subnets[ref.address] = subnet
                return Val(subnet, EXPLICIT, where, origins)
            if inst is not None and inst.type == VNET:
                inline = [s for k, s in self.subnets.items() if k.startswith(ref.address + ".subnet")]
                if len(inline) == 1:
                    return Val(inline[0], EXPLICIT, where, origins)
        text = _text(value)
        if text and "/subnets/" in text.lower():  # a subnet outside the configuration, named by its id
            key = text.strip().lower()
            if key not in self.subnets:
                self.subnets[key] = Subnet(address=key, kind="subnet id", platform=PLATFORM, location=where,
                                           name=Val(key.rsplit("/", 1)[-1], EXPLICIT, where, origins), managed=False,
                                           address_prefixes=unknown(where, "the subnet is outside this configuration"))
            return Val(self.subnets[key], EXPLICIT, where, origins)
        reason = value.reason if isinstance(value, Unknown) else "the subnet is not in this configuration"
        return unknown(where, f"subnet_id: {reason}", origins)

    # ------------------------------------------------------------------ interfaces

    def _nic(self, inst: ResourceInstance) -> None:
        body = inst.body
        nic = NetworkInterface(**self._kw(inst), name=attr_val(body, "name", convert=as_str))
        groups: list = []
        for ipc in objects_of(body, "ip_configuration"):
            subnet = self._subnet_of(ipc.raw("subnet_id"), ipc.where("subnet_id"), ipc.origins("subnet_id"))
            allocation = ipc.raw("private_ip_address_allocation")
            if isinstance(allocation, str) and allocation.strip().lower() == "static":
                address = ipc.val("private_ip_address", as_str)
            else:  # Dynamic (or unknown): the address comes from the subnet's prefixes
                address = Val(None, DEFAULT, ipc.location)
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
        self.nics[inst.address] = nic

    def _nic_asg(self, inst: ResourceInstance) -> None:
        body = inst.body
        nics = self.index.targets(body, "network_interface_id", (NIC,))
        if not nics or nics[0].address not in self.nics:
            return
        nic = self.nics[nics[0].address]
        group = self._asg(raw(body, "application_security_group_id"))
        if group is None or not nic.application_groups.known:
            nic.application_groups = unknown(inst.location, "an application security group is not known")
        else:
            nic.application_groups = Val(nic.application_groups.value + [group], EXPLICIT, inst.location)

    def _vm_interfaces(self) -> None:
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
                    found = [self.nics[r.address] for r in sorted(collect_refs(value), key=lambda r: r.address)
                             if r.address in self.nics]
                    for nic in found:
                        if nic not in vm.network_interfaces:
                            vm.network_interfaces.append(nic)
                            nic.vm = vm
                    if not found:
                        reason = value.reason if isinstance(value, Unknown) else \
                            f"{name} names an interface outside this configuration"
                        vm.network_interfaces_complete = unknown(attr.location, f"{name}: {reason}", attr.origins)

    # ------------------------------------------------------------------ security groups

    def _nsg(self, inst: ResourceInstance) -> None:
        body = inst.body
        label = resource_label(inst)
        group = RuleSet(**self._kw(inst), name=attr_val(body, "name", convert=as_str), filter_kind="security-group",
                        unmatched="allow", description=f"network security group {label}")
        for rule in objects_of(body, "security_rule"):
            self._security_rule(rule, group, inst, Val(inst.address, EXPLICIT, inst.location))
        if not _Fields(block=body).objects_complete("security_rule"):
            group.rules_complete = unknown(inst.location, "the security_rule blocks are not known")
        self.nsgs[inst.address] = group

    def _security_rule(self, fields: _Fields, group: Optional[RuleSet], inst: ResourceInstance, group_ref: Val,
                       standalone: bool = False) -> NetworkRule:
        name = fields.val("name", as_str)
        priority = fields.val("priority", as_int)
        precedence = Val((priority.value,), priority.state, priority.location, priority.origins) \
            if priority.known else priority
        protocol = fields.val("protocol", _lower)
        protocols = Val(["*" if protocol.value == "any" else protocol.value], protocol.state, protocol.location,
                        protocol.origins) if protocol.known else protocol
        label = name.value if name.known else "?"
        where = f" of {group.description}" if group is not None else ""
        rule = NetworkRule(
            address=inst.address if standalone else f"{inst.address}.security_rule[{json.dumps(label)}]",
            kind=inst.type if standalone else f"{inst.type}.security_rule", platform=PLATFORM,
            location=fields.location, call_sites=inst.call_sites, origins=inst.origins if standalone else (),
            name=name, direction=fields.val("direction", _lower), access=fields.val("access", _lower),
            protocols=protocols,
            destination_ports=self._list(fields, ("destination_port_range", "destination_port_ranges")),
            destinations=self._list(fields, ("destination_address_prefix", "destination_address_prefixes"),
                                    asg=("destination_application_security_group_ids",)),
            sources=self._list(fields, ("source_address_prefix", "source_address_prefixes"),
                               asg=("source_application_security_group_ids",)),
            precedence=precedence, rule_set=group, rule_set_ref=group_ref,
            description=f"security rule {label}" + (f" (priority {priority.value})" if priority.known else "") + where)
        if group is not None:
            group.rules.append(rule)
        self.deployment.network_rules.append(rule)
        return rule

    def _standalone_rule(self, inst: ResourceInstance) -> None:
        body = inst.body
        group = self._by_name(body, "network_security_group_name", self.nsgs)
        ref = attr_val(body, "network_security_group_name", convert=as_str)
        self._security_rule(_Fields(block=body), group, inst, ref, standalone=True)

    def _by_name(self, body: EvalBlock, attr: str, table: dict) -> Optional[Any]:
        """The object of ``table`` that ``body.attr`` names: by reference, else by name (and resource group)."""
        value = raw(body, attr)
        for ref in collect_refs(value):
            if ref.address in table:
                return table[ref.address]
        name = _text(value)
        if name is None:
            return None
        group_name = _text(raw(body, "resource_group_name"))
        found = []
        for address, obj in table.items():
            inst = self.index.by_address.get(address)
            if inst is None or _text(raw(inst.body, "name")) != name:
                continue
            other_group = _text(raw(inst.body, "resource_group_name"))
            if group_name is None or other_group is None or other_group == group_name:
                found.append(obj)
        return found[0] if len(found) == 1 else None

    # ------------------------------------------------------------------ attachments

    def _association(self, inst: ResourceInstance, target_attr: str, target_types: tuple, group_attr: str) -> None:
        body = inst.body
        table = self.tables if group_attr == "route_table_id" else self.nsgs
        target_value = raw(body, target_attr)
        where = body.attrs[target_attr].location if target_attr in body.attrs else inst.location
        origins = body.attrs[target_attr].origins if target_attr in body.attrs else ()
        attachment = Attachment(inst.location)
        if NIC in target_types:
            nics = [self.nics[r.address] for r in collect_refs(target_value) if r.address in self.nics]
            if nics:
                attachment.interface = nics[0]
                attachment.target = Val(nics[0].address, EXPLICIT, where, origins)
            elif _text(target_value) is not None:  # an interface outside this configuration, by its id
                attachment.target = Val(_text(target_value), EXPLICIT, where, origins)
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
        self._attach(table, raw(body, group_attr), inst.location, attachment)

    def _attach(self, table: dict, group_value: Any, where: Location, attachment: Attachment) -> None:
        """Attach to the NSG / route table ``group_value`` names; when it names none of this configuration's
        and cannot be read, any of them may be the one: their attachment lists are not complete."""
        for ref in collect_refs(group_value):
            if ref.address in table:
                table[ref.address].attachments.append(attachment)
                return
        if isinstance(group_value, Unknown) and not collect_refs(group_value):
            for obj in table.values():  # each may be the one it names
                obj.attachments.append(Attachment(where, attachment.interface, attachment.subnet, attachment.target,
                                                  certain=False))

    def _legacy_attachments(self, by_type: dict) -> None:
        """azurerm 1.x: network_security_group_id / route_table_id on subnets and NICs."""
        for inst in by_type.get(SUBNET, []):
            subnet = self.subnets.get(inst.address)
            for attr, table in (("network_security_group_id", self.nsgs), ("route_table_id", self.tables)):
                if raw(inst.body, attr) is not None and subnet is not None:
                    where = inst.body.attrs[attr].location
                    self._attach(table, raw(inst.body, attr), where,
                                 Attachment(where, subnet=subnet, target=Val(subnet.address, EXPLICIT, where)))
        for inst in by_type.get(NIC, []):
            nic = self.nics.get(inst.address)
            if raw(inst.body, "network_security_group_id") is not None and nic is not None:
                where = inst.body.attrs["network_security_group_id"].location
                self._attach(self.nsgs, raw(inst.body, "network_security_group_id"), where,
                             Attachment(where, interface=nic, target=Val(nic.address, EXPLICIT, where)))

    # ------------------------------------------------------------------ routes

    def _route_table(self, inst: ResourceInstance) -> None:
        body = inst.body
        table = RouteTable(**self._kw(inst), name=attr_val(body, "name", convert=as_str))
        for route in objects_of(body, "route"):
            table.routes.append(self._route(route))
        if not _Fields(block=body).objects_complete("route"):
            table.routes_complete = unknown(inst.location, "the route blocks are not known")
        self.tables[inst.address] = table

    def _route(self, fields: _Fields) -> Route:
        hop = fields.val("next_hop_type", _lower)
        if hop.known:
            hop = Val(_NEXT_HOP.get(hop.value, hop.value), hop.state, hop.location, hop.origins)
        route = Route(fields.location, name=fields.val("name", as_str), prefix=fields.val("address_prefix", as_str),
                      next_hop=hop, next_hop_address=fields.val("next_hop_in_ip_address", as_str))
        self.route_refs[id(route)] = fields.refs("next_hop_in_ip_address")  # resolved to an appliance later
        return route

    def _standalone_route(self, inst: ResourceInstance) -> None:
        table = self._by_name(inst.body, "route_table_name", self.tables)
        if table is not None:
            table.routes.append(self._route(_Fields(block=inst.body)))
        else:  # a route of a table the code does not show: that table may be any of them
            for other in self.tables.values():
                other.routes_complete = unknown(inst.location, f"{inst.address} adds a route to a table that is not known")

    def _routes_to_firewalls(self) -> None:
        """A virtual appliance next hop is a firewall of this configuration by reference, or by an address
        inside the firewall's subnet."""
        for table in self.tables.values():
            for route in table.routes:
                if not (route.next_hop.known and route.next_hop.value == "appliance"):
                    continue
                address = route.next_hop_address
                for ref in self.route_refs.get(id(route), ()):
                    if ref.address in self.firewalls:
                        route.appliance = self.firewalls[ref.address]
                if route.appliance is None and address.known:
                    route.appliance = self._firewall_at(address.value)
                if route.appliance is not None and not address.known:  # known as a reference to the firewall
                    route.next_hop_address = Val(f"the private address of {route.appliance.description}",
                                                 EXPLICIT, address.location, address.origins)

    def _firewall_at(self, address: str) -> Optional[RuleSet]:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return None
        found = []
        for fw_address, firewall in self.firewalls.items():
            inst = self.index.by_address[fw_address]
            for ipc in objects_of(inst.body, "ip_configuration"):
                subnet = self._subnet_of(ipc.raw("subnet_id"), ipc.location)
                prefixes = subnet.value.address_prefixes if subnet.known else None
                if prefixes is not None and prefixes.known and any(_in(ip, p) for p in prefixes.value):
                    found.append(firewall)
        return found[0] if len(set(map(id, found))) == 1 else None

    # ------------------------------------------------------------------ firewalls

    def _firewall(self, inst: ResourceInstance) -> None:
        self.firewalls[inst.address] = RuleSet(
            **self._kw(inst), name=attr_val(inst.body, "name", convert=as_str), filter_kind="firewall",
            unmatched="deny", description=f"Azure Firewall {resource_label(inst)}")

    def _policies_to_firewalls(self, firewalls: list) -> None:
        for inst in firewalls:
            for ref in collect_refs(raw(inst.body, "firewall_policy_id")):
                if ref.address in self.policies:
                    self.policies[ref.address][1].append(self.firewalls[inst.address])
            if raw(inst.body, "firewall_policy_id") is not None and not any(
                    r.address in self.policies for r in collect_refs(raw(inst.body, "firewall_policy_id"))):
                # a policy from outside this configuration: its rules are not known
                self.firewalls[inst.address].rules_complete = unknown(
                    inst.body.attrs["firewall_policy_id"].location, "the firewall policy is not in this configuration")

    def _policy_rule_set(self, inst: ResourceInstance) -> RuleSet:
        """A policy no firewall of this configuration uses: its rules stand on their own."""
        if inst.address not in self.policy_sets:
            self.policy_sets[inst.address] = RuleSet(
                **self._kw(inst), name=attr_val(inst.body, "name", convert=as_str), filter_kind="firewall",
                unmatched="deny", description=f"firewall policy {resource_label(inst)}")
        return self.policy_sets[inst.address]

    def _policy_chain(self, policy_address: str) -> list:
        """The rule sets that a policy's rules apply in, with the policy's depth below them: a policy's
        rules count in every firewall that uses it or a child policy of it."""
        out = []
        seen = set()
        todo = [(policy_address, 0)]
        while todo:
            address, depth = todo.pop()
            if address in seen:
                continue
            seen.add(address)
            inst, users = self.policies.get(address, (None, []))
            for user in users:
                out.append((user, depth))
            for child_address, (child, _) in self.policies.items():
                if any(r.address == address for r in collect_refs(raw(child.body, "base_policy_id"))):
                    todo.append((child_address, depth + 1))
        return out

    def _policy_group(self, inst: ResourceInstance) -> None:
        body = inst.body
        policy_refs = [r.address for r in collect_refs(raw(body, "firewall_policy_id")) if r.address in self.policies]
        group_priority = attr_val(body, "priority", convert=as_int)
        targets: list = []
        if policy_refs:
            chain = self._policy_chain(policy_refs[0])
            depth_below = self._depth(policy_refs[0])
            targets = [(rs, depth_below) for rs, _ in chain] if chain else \
                [(self._policy_rule_set(self.policies[policy_refs[0]][0]), depth_below)]
        ref = attr_val(body, "firewall_policy_id", convert=as_str)
        for kind in ("network_rule_collection", "application_rule_collection"):
            for collection in objects_of(body, kind):
                self._collection(collection, inst, kind, targets, (group_priority,), ref)

    def _depth(self, policy_address: str) -> int:
        """How many parent policies a policy has (parents' rules are processed first)."""
        depth, seen = 0, {policy_address}
        inst = self.policies[policy_address][0]
        while True:
            parents = [r.address for r in collect_refs(raw(inst.body, "base_policy_id")) if r.address in self.policies]
            if not parents or parents[0] in seen:
                return depth
            seen.add(parents[0])
            depth += 1
            inst = self.policies[parents[0]][0]

    def _classic_collection(self, inst: ResourceInstance) -> None:
        firewall = self._by_name(inst.body, "azure_firewall_name", self.firewalls)
        kind = "network_rule_collection" if inst.type == FW_NETWORK else "application_rule_collection"
        targets = [(firewall, 0)] if firewall is not None else []
        ref = attr_val(inst.body, "azure_firewall_name", convert=as_str)
        self._collection(_Fields(block=inst.body), inst, kind, targets, (), ref, standalone=True)

    def _collection(self, fields: _Fields, inst: ResourceInstance, kind: str, targets: list, outer: tuple,
                    group_ref: Val, standalone: bool = False) -> None:
        """The rules of one rule collection, added to every rule set in ``targets`` (or to none: a rule
        set the code does not show)."""
        action = fields.val("action", _lower)
        priority = fields.val("priority", as_int)
        parts = list(outer) + [priority]
        name = fields.val("name", as_str)
        label = name.value if name.known else "?"
        for rule_fields in fields.objects("rule"):
            for rule_set, depth in targets or [(None, 0)]:
                unknown_part = next((p for p in parts if not p.known), None)
                precedence = unknown_part if unknown_part is not None else \
                    Val((depth,) + tuple(p.value for p in parts), EXPLICIT, priority.location, priority.origins)
                self._firewall_rule(rule_fields, inst, kind, label, action, precedence, rule_set, group_ref, standalone)
        if not fields.objects_complete("rule"):
            for rule_set, _ in targets:
                rule_set.rules_complete = unknown(fields.location, f"the rules of collection {label} are not known")

    def _firewall_rule(self, fields: _Fields, inst: ResourceInstance, kind: str, collection: str, action: Val,
                       precedence: Val, rule_set: Optional[RuleSet], group_ref: Val, standalone: bool) -> None:
        name = fields.val("name", as_str)
        label = name.value if name.known else "?"
        if kind == "network_rule_collection":
            protocols = self._list(fields, ("protocols",), lower=True)
            if protocols.known:
                protocols = Val(["*" if p == "any" else p for p in protocols.value], protocols.state, protocols.location,
                                protocols.origins)
            ports = self._list(fields, ("destination_ports",))
            destinations = self._list(fields, ("destination_addresses", "destination_fqdns", "destination_ip_groups"))
            noun = "network rule"
        else:  # application rules carry HTTP(S) and MSSQL only (protocol blocks)
            types, ports_list = [], []
            for proto in fields.objects("protocol") + fields.objects("protocols"):
                t, p = proto.val("type", _lower), proto.val("port", as_str)
                if not (t.known and p.known):
                    types = None
                    break
                types.append(t.value)
                ports_list.append(p.value)
            where = fields.location
            protocols = Val(types, EXPLICIT, where) if types is not None else unknown(where, "a protocol is not known")
            ports = Val(ports_list, EXPLICIT, where) if types is not None else protocols
            destinations = self._list(fields, ("target_fqdns", "destination_fqdns", "destination_urls",
                                               "destination_addresses", "fqdn_tags", "destination_fqdn_tags"))
            noun = "application rule"
        sources = self._list(fields, ("source_addresses", "source_ip_groups"))
        owner = rule_set.description if rule_set is not None else "a firewall that is not known"
        rule = NetworkRule(
            address=f"{inst.address}.{kind}[{json.dumps(collection)}].rule[{json.dumps(label)}]" if not standalone
            else f"{inst.address}.rule[{json.dumps(label)}]",
            kind=f"{inst.type}.{kind}", platform=PLATFORM, location=fields.location, call_sites=inst.call_sites,
            name=name, direction=Val("any", DEFAULT, fields.location), access=action, protocols=protocols,
            destination_ports=ports, destinations=destinations, sources=sources, precedence=precedence,
            rule_set=rule_set, rule_set_ref=group_ref, filter_kind="firewall",
            description=f"{noun} {label} (collection {collection}) of {owner}")
        if rule_set is not None:
            rule_set.rules.append(rule)
        self.deployment.network_rules.append(rule)

    # ------------------------------------------------------------------ instances not known

    def _unknown_instances(self) -> None:
        """Blocks whose count / for_each is unknown may add rules, routes or associations."""
        for block in self.blocks:
            if block.instances is not None or block.mode != "managed":
                continue
            where = block.origins[0].location if block.origins else block.location
            why = f"the instances of {block.address} are not known ({block.reason})"
            if block.type in (NSG_RULE,):
                for group in self.nsgs.values():
                    group.rules_complete = unknown(where, why)
            elif block.type in (POLICY_GROUP, FW_NETWORK, FW_APPLICATION):
                for group in self.firewalls.values():
                    group.rules_complete = unknown(where, why)
            elif block.type in (NIC_NSG, SUBNET_NSG):
                for group in self.nsgs.values():
                    group.attachments.append(Attachment(where, target=unknown(where, why), certain=False))
            elif block.type == SUBNET_ROUTES:
                for table in self.tables.values():
                    table.attachments.append(Attachment(where, target=unknown(where, why), certain=False))
            elif block.type in RELAY_TYPES:
                self.deployment.relay_evidence.append(Evidence(RELAY_TYPES[block.type], where,
                                                               f"{RELAY_TYPES[block.type]} {block.address}",
                                                               certain=False))


def _in(ip, prefix: str) -> bool:
    try:
        return ip in ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return False
