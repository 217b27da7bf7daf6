"""ARM template networking (also Bicep, which is evaluated as ARM) -> the neutral network model (EXV501,
EXV502), through :mod:`exvlint.adapters.azure_network`.

Resource types and property names: the ARM template reference (Microsoft.Network networkSecurityGroups and
their securityRules, networkInterfaces, virtualNetworks and their subnets, routeTables and their routes,
azureFirewalls with classic rule collections, firewallPolicies and their ruleCollectionGroups, ipGroups,
applicationSecurityGroups; Microsoft.Compute virtualMachines networkProfile). A child can be written inside
its parent (``securityRules``, ``subnets``, ``routes`` arrays) or as a resource of its own
(``parent/child`` names): both are read. One resource names another by its resource id (``resourceId()``,
a symbolic ``.id``) or through ``reference()``; ids compare without case, as ARM compares them.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Optional

from ..arm.result import ArmResource, ArmResult, View
from ..evaluation import Unknown, collect_refs
from ..findings import Location
from ..model import DEFAULT, EXPLICIT, Attachment, Inventory, IpConfiguration, NetworkInterface, Subnet, Val, unknown
from .arm_values import val
from .azure_network import PLATFORM, CollectionNames, Network, RouteNames, RuleNames, asg_key, resource_kw, text_of
from .terraform_values import as_str

NSG = "microsoft.network/networksecuritygroups"
NSG_RULE = "microsoft.network/networksecuritygroups/securityrules"
NIC = "microsoft.network/networkinterfaces"
VNET = "microsoft.network/virtualnetworks"
SUBNET = "microsoft.network/virtualnetworks/subnets"
ROUTE_TABLE = "microsoft.network/routetables"
ROUTE = "microsoft.network/routetables/routes"
FIREWALL = "microsoft.network/azurefirewalls"
POLICY = "microsoft.network/firewallpolicies"
POLICY_GROUP = "microsoft.network/firewallpolicies/rulecollectiongroups"
IP_GROUP = "microsoft.network/ipgroups"
ASG = "microsoft.network/applicationsecuritygroups"
VM = "microsoft.compute/virtualmachines"
# Azure Communication Services email resources: an SMTP relay (smtp.azurecomm.net, port 587) the code provides
RELAY_TYPES = {
    "microsoft.communication/emailservices": "Azure Communication Services email service",
    "microsoft.communication/emailservices/domains": "Azure Communication Services email domain",
    "microsoft.communication/communicationservices/smtpusernames": "Azure Communication Services SMTP user name",
}
HANDLED = {NSG, NSG_RULE, NIC, VNET, SUBNET, ROUTE_TABLE, ROUTE, FIREWALL, POLICY, POLICY_GROUP, IP_GROUP, ASG} | \
    set(RELAY_TYPES)

RULE = RuleNames(name="name", priority="priority", protocol="protocol", direction="direction", access="access",
                 ports=("destinationPortRange", "destinationPortRanges"),
                 destinations=("destinationAddressPrefix", "destinationAddressPrefixes"),
                 destination_groups=("destinationApplicationSecurityGroups",),
                 sources=("sourceAddressPrefix", "sourceAddressPrefixes"),
                 source_groups=("sourceApplicationSecurityGroups",))
_APPLICATION_DESTINATIONS = ("targetFqdns", "targetUrls", "fqdnTags", "webCategories", "destinationAddresses")
CLASSIC = CollectionNames(
    name="name", priority="priority", action="action.type", rules="rules", rule_name="name",
    network_protocols=("protocols",), ports=("destinationPorts",),
    network_destinations=("destinationAddresses", "destinationFqdns", "destinationIpGroups"),
    application_protocols=("protocols",), protocol_type="protocolType", protocol_port="port",
    application_destinations=_APPLICATION_DESTINATIONS, sources=("sourceAddresses", "sourceIpGroups"))
POLICY_RULES = replace(CLASSIC, network_protocols=("ipProtocols",))  # a policy's network rules name it so
ROUTE_NAMES = RouteNames(name="name", prefix="addressPrefix", next_hop="nextHopType", next_hop_address="nextHopIpAddress")


def reads_type(rtype: str) -> bool:
    return rtype.lower() in HANDLED


class _Fields:
    """An ARM object as fields: a member is read from the object itself, else from its ``properties``
    (``securityRules[].properties.priority`` and a child resource's ``properties.priority`` alike).
    Names may be dotted (``action.type``)."""

    def __init__(self, view: View):
        self.view = view
        self.location = view.location

    def get(self, name: str) -> View:
        view = self.view
        for part in name.split("."):
            found = view.get(part)
            if not found.present:
                props = view.get("properties")
                if props.present and isinstance(props.value, dict) and props.get(part).present:
                    found = props.get(part)
            view = found
        return view

    def raw(self, name: str) -> Any:
        view = self.get(name)
        return view.value if view.present else None

    def val(self, name: str, convert=None) -> Val:
        return val(self.get(name), name, convert=convert)

    def where(self, name: str) -> Location:
        return self.get(name).location

    def origins(self, name: str) -> tuple:
        return self.get(name).all_origins()

    def objects(self, name: str) -> list:
        return [_Fields(e) for e in self.get(name).elements() if isinstance(e.value, dict)]

    def objects_complete(self, name: str) -> bool:
        view = self.get(name)
        return not isinstance(view.value, Unknown) and not any(isinstance(e.value, Unknown) for e in view.elements())


def _id(value: Any) -> Any:
    """A reference written as ``{"id": ...}`` (ARM's usual shape) or as the id itself."""
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and key.lower() == "id":
                return value[key]
        return None
    return value


class _Refs:
    """Which resources of the deployment a value names: by resource id, or by the graph edges of an unknown."""

    def __init__(self, resources: list):
        self.by_id = {r.resource_id.lower().rstrip("/"): r for r in resources if isinstance(r.resource_id, str)}
        self.by_address = {r.address: r for r in resources}
        self.extra_ids: dict = {}  # id (lower) -> address of something that is no resource (an inline subnet)

    def targets(self, value: Any) -> list:
        value = _id(value)
        if isinstance(value, str):
            key = value.strip().lower().rstrip("/")
            if key in self.extra_ids:
                return [self.extra_ids[key]]
            found = self.by_id.get(key)
            return [found.address] if found is not None else []
        out = []
        for ref in sorted(collect_refs(value), key=lambda r: r.address):
            found = self.by_address.get(ref.address) or self.by_id.get(ref.address.lower())
            if found is not None and found.address not in out:
                out.append(found.address)
        return out

    def unresolved(self, value: Any) -> bool:
        value = _id(value)
        return isinstance(value, Unknown) and not self.targets(value)

    def parent(self, child: ArmResource, levels: int = 1) -> Optional[ArmResource]:
        """The resource a child resource (``nsg/rule``) belongs to, by its id."""
        if not isinstance(child.resource_id, str):
            return None
        return self.by_id.get(child.resource_id.rsplit("/", 2 * levels)[0].lower())


def adapt(result: ArmResult, inventory: Inventory, vms: dict) -> None:
    """Add the network of ``result`` to ``deployment``; ``vms`` maps VM addresses to their model VMs."""
    mine = [r for r in result.resources if r.type_lower in HANDLED]
    if not mine and not vms:
        return
    _Network(result, inventory, vms).build(mine)


class _Network:
    def __init__(self, result: ArmResult, inventory: Inventory, vms: dict):
        self.result = result
        self.refs = _Refs(result.resources)
        self.vms = vms
        self.aliases: dict = {}  # address of a child subnet resource -> the inline Subnet it also is
        self.net = Network(inventory, self.refs.targets, self.refs.unresolved, self._asg)

    def build(self, mine: list) -> None:
        net = self.net
        by_type: dict = {}
        for r in mine:
            by_type.setdefault(r.type_lower, []).append(r)
        for r in by_type.get(IP_GROUP, []):
            net.ip_groups[r.address] = net.list_val(_Fields(r.view()), ("ipAddresses",))
        for r in by_type.get(VNET, []):
            self._inline_subnets(r)
        for r in by_type.get(SUBNET, []):
            self._subnet(r)
        for r in by_type.get(NSG, []):
            self._nsg(r)
        for r in by_type.get(ROUTE_TABLE, []):
            self._route_table(r)
        for r in by_type.get(NIC, []):
            self._nic(r)
        for r in by_type.get(FIREWALL, []):
            self._firewall(r)
        for r in by_type.get(POLICY, []):
            net.policy(r, _Fields(r.view()).raw("basePolicy"))
        for r in by_type.get(FIREWALL, []):
            fields = _Fields(r.view())
            if fields.raw("firewallPolicy") is not None:
                net.use_policy(net.firewalls[r.address], _id(fields.raw("firewallPolicy")), fields.where("firewallPolicy"))
        for r in by_type.get(NSG_RULE, []):
            self._child_rule(r)
        for r in by_type.get(ROUTE, []):
            self._child_route(r)
        for r in by_type.get(POLICY_GROUP, []):
            self._policy_group(r)
        for r in by_type.get(VNET, []) + by_type.get(SUBNET, []):
            self._subnet_attachments(r)
        for r in by_type.get(NIC, []):
            self._nic_attachment(r)
        self._vm_interfaces()
        self._unknown_blocks()
        for r in mine:
            what = RELAY_TYPES.get(r.type_lower)
            if what is not None:
                net.relay(what, r.location, _label(r), r.origins, certain=r.assumed is None)
        net.finish()

    # ------------------------------------------------------------------ references

    def _asg(self, value: Any) -> Optional[str]:
        return asg_key(self.refs.targets(value), text_of(_id(value)))

    # ------------------------------------------------------------------ subnets

    def _subnet_model(self, key: str, address: str, kind: str, fields: _Fields, res: ArmResource) -> Subnet:
        if key and key in self.refs.extra_ids:  # written inline and as a child resource too: one subnet
            subnet = self.net.subnets[self.refs.extra_ids[key]]
            self.aliases[address] = subnet
            return subnet
        subnet = Subnet(address=address, kind=kind, platform=PLATFORM, location=fields.location,
                        call_sites=res.call_sites, origins=res.origins, name=fields.val("name", as_str),
                        address_prefixes=self.net.list_val(fields, ("addressPrefix", "addressPrefixes")))
        self.net.subnets[address] = subnet
        if key:
            self.refs.extra_ids.setdefault(key, address)
        return subnet

    def _inline_subnets(self, r: ArmResource) -> None:
        fields = _Fields(r.view())
        for sub in fields.objects("subnets"):
            name = sub.raw("name")
            key = f"{r.resource_id}/subnets/{name}".lower() if isinstance(r.resource_id, str) and isinstance(name, str) else ""
            address = f"{r.address}/subnets/{name if isinstance(name, str) else '?'}"
            self._subnet_model(key, address, f"{r.type}.subnets", sub, r)

    def _subnet(self, r: ArmResource) -> None:
        key = r.resource_id.lower() if isinstance(r.resource_id, str) else ""
        subnet = self._subnet_model(key, r.address, r.type, _Fields(r.view()), r)
        if r.address not in self.aliases:
            subnet.name = _short_name(r)

    def _subnet_of(self, value: Any, where: Location, origins: tuple = ()) -> Val:
        """The Subnet an id names: one of this deployment (a subnet resource, an inline subnet, the only
        subnet of a referenced virtual network), or one outside it named by its id; unknown otherwise."""
        value = _id(value)
        subnets = self.net.subnets
        for address in self.refs.targets(value):
            if address in subnets:
                return Val(subnets[address], EXPLICIT, where, origins)
            res = self.refs.by_address.get(address)
            if res is not None and res.type_lower == VNET:  # reference(vnet).subnets[0].id: its only subnet
                mine = {id(s): s for k, s in subnets.items() if k.startswith(address + "/subnets/")}
                for child in self.result.resources:
                    if child.type_lower == SUBNET and self.refs.parent(child) is res:
                        found = subnets.get(child.address) or self.aliases.get(child.address)
                        if found is not None:
                            mine[id(found)] = found
                if len(mine) == 1:
                    return Val(next(iter(mine.values())), EXPLICIT, where, origins)
        external = self.net.external_subnet(value, where, origins)
        if external is not None:
            return external
        reason = value.reason if isinstance(value, Unknown) else "the subnet is not in this deployment"
        return unknown(where, f"subnet.id: {reason}", origins)

    def _subnet_attachments(self, r: ArmResource) -> None:
        fields = _Fields(r.view())
        entries = fields.objects("subnets") if r.type_lower == VNET else [fields]
        for sub in entries:
            name = sub.raw("name")
            address = r.address if r.type_lower == SUBNET else f"{r.address}/subnets/{name if isinstance(name, str) else '?'}"
            subnet = self.net.subnets.get(address) or self.aliases.get(address)
            if subnet is None:
                continue
            for prop, table in (("networkSecurityGroup", self.net.nsgs), ("routeTable", self.net.tables)):
                value = sub.raw(prop)
                if value is not None:
                    where = sub.where(prop)
                    self.net.attach(table, _id(value), where, Attachment(where, subnet=subnet,
                                                                          target=Val(subnet.address, EXPLICIT, where)))

    # ------------------------------------------------------------------ interfaces

    def _interface(self, fields: _Fields, nic: NetworkInterface) -> NetworkInterface:
        groups: list = []
        configs = fields.objects("ipConfigurations")
        for ipc in configs:
            subnet = self._subnet_of(ipc.raw("subnet"), ipc.where("subnet"), ipc.origins("subnet"))
            address = self.net.ip_address(ipc.raw("privateIPAllocationMethod"), ipc.val("privateIPAddress", as_str),
                                          ipc.location)
            nic.ip_configurations.append(IpConfiguration(ipc.location, subnet, address))
            for value in ipc.raw("applicationSecurityGroups") or []:
                groups.append(self._asg(value))
        if not configs or not fields.objects_complete("ipConfigurations"):
            where = fields.where("ipConfigurations")
            nic.ip_configurations.append(IpConfiguration(where, unknown(where, "ipConfigurations is not known"),
                                                         unknown(where, "ipConfigurations is not known")))
        if any(g is None for g in groups) or isinstance(fields.raw("ipConfigurations"), Unknown):
            nic.application_groups = unknown(fields.location, "an application security group is not known")
        else:
            nic.application_groups = Val(groups, EXPLICIT if groups else DEFAULT, fields.location)
        return nic

    def _nic(self, r: ArmResource) -> None:
        nic = NetworkInterface(**resource_kw(r), name=_name(r))
        self.net.nics[r.address] = self._interface(_Fields(r.view()), nic)

    def _nic_attachment(self, r: ArmResource) -> None:
        fields = _Fields(r.view())
        nic = self.net.nics.get(r.address)
        if nic is not None and fields.raw("networkSecurityGroup") is not None:
            where = fields.where("networkSecurityGroup")
            self.net.attach(self.net.nsgs, _id(fields.raw("networkSecurityGroup")), where,
                            Attachment(where, interface=nic, target=Val(nic.address, EXPLICIT, where)))

    def _vm_interfaces(self) -> None:
        for address, vm in self.vms.items():
            res = self.refs.by_address.get(address)
            if res is None:
                continue
            profile = _Fields(res.get("properties.networkProfile"))
            listed = profile.get("networkInterfaces")
            for entry in listed.elements():
                value = _id(entry.value)
                found = [self.net.nics[a] for a in self.refs.targets(value) if a in self.net.nics]
                for nic in found:
                    self.net.link(vm, nic)
                if not found:
                    reason = value.reason if isinstance(value, Unknown) else \
                        "networkInterfaces names an interface outside this deployment"
                    vm.network_interfaces_complete = unknown(entry.location, f"networkInterfaces: {reason}",
                                                             entry.all_origins())
            if isinstance(listed.value, Unknown):
                vm.network_interfaces_complete = unknown(listed.location, f"networkInterfaces: {listed.value.reason}",
                                                         listed.all_origins())
            # networkInterfaceConfigurations: interfaces the VM creates itself (networkApiVersion)
            for i, config in enumerate(profile.objects("networkInterfaceConfigurations")):
                name = config.raw("name")
                nic = NetworkInterface(address=f"{address}/networkInterfaceConfigurations/"
                                               f"{name if isinstance(name, str) else i}",
                                       kind=f"{res.type}.networkInterfaceConfigurations", platform=PLATFORM,
                                       location=config.location, call_sites=res.call_sites,
                                       name=config.val("name", as_str))
                self.net.nics[nic.address] = self._interface(config, nic)
                self.net.link(vm, nic)
                if config.raw("networkSecurityGroup") is not None:
                    where = config.where("networkSecurityGroup")
                    self.net.attach(self.net.nsgs, _id(config.raw("networkSecurityGroup")), where,
                                    Attachment(where, interface=nic, target=Val(nic.address, EXPLICIT, where)))
            if isinstance(profile.raw("networkInterfaceConfigurations"), Unknown):
                vm.network_interfaces_complete = unknown(profile.where("networkInterfaceConfigurations"),
                                                         "networkInterfaceConfigurations is not known")

    # ------------------------------------------------------------------ security groups

    def _nsg(self, r: ArmResource) -> None:
        group = self.net.security_group(r, _name(r), _label(r))
        fields = _Fields(r.view())
        for rule in fields.objects("securityRules"):
            name = rule.raw("name")
            self._rule(rule, r, group, Val(r.address, EXPLICIT, r.location),
                       f"{r.address}/securityRules/{name if isinstance(name, str) else '?'}", f"{r.type}.securityRules")
        if not fields.objects_complete("securityRules"):
            group.rules_complete = unknown(fields.where("securityRules"), "the securityRules are not known")

    def _rule(self, fields: _Fields, r: ArmResource, group, group_ref: Val, address: str, kind: str,
              origins: tuple = (), name: Optional[Val] = None) -> None:
        rule = self.net.security_rule(fields, RULE, group, group_ref, address=address, kind=kind,
                                      call_sites=r.call_sites, origins=origins, name=name)
        if r.assumed is not None:  # the rule may not be deployed: it neither lets traffic out nor stops it for certain
            rule.access = _maybe_absent(r)

    def _child_rule(self, r: ArmResource) -> None:
        parent = self.refs.parent(r)
        group = self.net.nsgs.get(parent.address) if parent is not None else None
        ref = Val(parent.address, EXPLICIT, r.location) if parent is not None else \
            unknown(r.get("name").location, "the network security group is not in this deployment", r.origins)
        self._rule(_Fields(r.view()), r, group, ref, r.address, r.type, r.origins, _short_name(r))

    # ------------------------------------------------------------------ routes

    def _route_table(self, r: ArmResource) -> None:
        table = self.net.route_table(r, _name(r))
        fields = _Fields(r.view())
        for route in fields.objects("routes"):
            table.routes.append(self.net.route(route, ROUTE_NAMES))
        if not fields.objects_complete("routes"):
            table.routes_complete = unknown(fields.where("routes"), "the routes are not known")

    def _child_route(self, r: ArmResource) -> None:
        parent = self.refs.parent(r)
        table = self.net.tables.get(parent.address) if parent is not None else None
        if table is not None:
            table.routes.append(self.net.route(_Fields(r.view()), ROUTE_NAMES))

    # ------------------------------------------------------------------ firewalls

    def _firewall(self, r: ArmResource) -> None:
        fields = _Fields(r.view())
        subnets = [self._subnet_of(ipc.raw("subnet"), ipc.location) for ipc in fields.objects("ipConfigurations")]
        firewall = self.net.firewall(r, _name(r), _label(r), subnets)
        for prop, kind in (("networkRuleCollections", "network"), ("applicationRuleCollections", "application")):
            for collection in fields.objects(prop):
                self._collection(collection, r, CLASSIC, [(firewall, 0)], (), Val(r.address, EXPLICIT, r.location),
                                 lambda _, k=kind, p=prop: (k, f"{r.type}.{p}"), prop)
            if not fields.objects_complete(prop):
                firewall.rules_complete = unknown(fields.where(prop), f"the {prop} are not known")

    def _policy_group(self, r: ArmResource) -> None:
        parent = self.refs.parent(r)
        fields = _Fields(r.view())
        targets: list = []
        if parent is not None and parent.address in self.net.policies:
            targets = self.net.policy_targets(parent.address, _name(parent), _label(parent))
        ref = Val(parent.address, EXPLICIT, r.location) if parent is not None else \
            unknown(r.get("name").location, "the firewall policy is not in this deployment", r.origins)
        priority = fields.val("priority", _int)
        for collection in fields.objects("ruleCollections"):
            kind = collection.raw("ruleCollectionType")
            if isinstance(kind, str) and "nat" in kind.lower():
                continue  # DNAT: inbound
            self._collection(collection, r, POLICY_RULES, targets, (priority,), ref, _policy_rule_kind(r),
                             "ruleCollections")
        if not fields.objects_complete("ruleCollections"):
            for rule_set, _ in targets:
                rule_set.rules_complete = unknown(fields.where("ruleCollections"), "the ruleCollections are not known")

    def _collection(self, fields: _Fields, r: ArmResource, names: CollectionNames, targets: list, outer: tuple,
                    ref: Val, kind, prop: str) -> None:
        def address(collection: str, rule: str) -> str:
            return f"{r.address}/{prop}/{collection}/rules/{rule}"

        before = len(self.net.inventory.network_rules)
        self.net.collection(fields, names, targets, outer, ref, address, kind, r.call_sites)
        if r.assumed is not None:
            for rule in self.net.inventory.network_rules[before:]:
                rule.access = _maybe_absent(r)

    # ------------------------------------------------------------------ declarations not expanded

    def _unknown_blocks(self) -> None:
        """Declarations whose copy count is not known may add rules, subnets or interfaces."""
        net = self.net
        for block in self.result.unknown_blocks:
            rtype = block.type.lower()
            where = block.origins[0].location if block.origins else block.location
            why = f"the instances of {block.type} at line {block.location.line} are not known ({block.reason})"
            if rtype == NSG_RULE:
                for group in net.nsgs.values():
                    group.rules_complete = unknown(where, why)
            elif rtype == POLICY_GROUP:
                for group in net.firewalls.values():
                    group.rules_complete = unknown(where, why)
            elif rtype in (SUBNET, NIC, VNET):
                for group in list(net.nsgs.values()) + list(net.tables.values()):
                    group.attachments.append(Attachment(where, target=unknown(where, why), certain=False))
            elif rtype in RELAY_TYPES:
                net.relay(RELAY_TYPES[rtype], where, block.type, block.origins, certain=False)


def _policy_rule_kind(r: ArmResource):
    def kind(rule: _Fields) -> Optional[tuple]:
        rule_type = rule.raw("ruleType")
        text = rule_type.lower() if isinstance(rule_type, str) else ""
        if text == "networkrule":
            return "network", f"{r.type}.NetworkRule"
        if text == "applicationrule":
            return "application", f"{r.type}.ApplicationRule"
        if text == "natrule":
            return None
        return "network", f"{r.type}.rule"  # not known: read as a network rule, whose lists say what it allows
    return kind


def _maybe_absent(r: ArmResource) -> Val:
    return unknown(r.assumed, f"{_label(r)} may not be deployed (its condition is not known)", r.origins)


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("a bool is no number")
    return int(value)


def _name(r: ArmResource) -> Val:
    return val(r.get("name"), "name", convert=as_str)


def _short_name(r: ArmResource) -> Val:
    """A child resource's own name (``nsg/rule`` -> ``rule``)."""
    return Val(r.short_name, EXPLICIT, r.get("name").location, r.get("name").all_origins()) if r.short_name else _name(r)


def _label(r: ArmResource) -> str:
    return r.name_text or r.address


__all__ = ["adapt", "reads_type", "HANDLED", "RELAY_TYPES"]
