"""How every Azure adapter builds the neutral network model (EXV501, EXV502).

The adapters differ in where they read a value (an HCL attribute of ``azurerm_network_security_rule``,
a ``securityRules[].properties`` member of an ARM template) and in how one resource names another (a
Terraform reference, an ARM resource id). What a rule, a route or a firewall collection means for the
model is decided here once: which attributes make a rule's lists (single and plural attributes, IP
groups, application security groups), precedence (NSG priority; firewall policy depth, rule collection
group and collection priorities), protocol and next hop spellings, firewall policies and their
parents, routes that lead to a firewall, and attaching security groups and route tables.

An adapter hands objects in as *fields* (:class:`Fields`): ``location``, ``raw(name)``, ``val(name,
convert)``, ``where(name)``, ``origins(name)``, ``objects(name)`` and ``objects_complete(name)``, with
the attribute names of its own format (:class:`RuleNames` and friends), and tells the builder which
resources a value names (``targets(value)`` -> addresses).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol

from ..evaluation import Unknown
from ..findings import Location
from ..model import (DEFAULT, EXPLICIT, Attachment, Inventory, Evidence, NetworkInterface, NetworkRule, Route,
                     RouteTable, RuleSet, Subnet, Val, unknown)
from .terraform_values import as_int, as_str

PLATFORM = "azure"
# next hop types, the same words in azurerm (next_hop_type) and ARM (nextHopType)
NEXT_HOP = {"virtualappliance": "appliance", "internet": "internet", "virtualnetworkgateway": "gateway",
            "vnetlocal": "vnet", "none": "none"}


class Fields(Protocol):
    location: Location

    def raw(self, name: str) -> Any: ...

    def val(self, name: str, convert: Optional[Callable[[Any], Any]] = None) -> Val: ...

    def where(self, name: str) -> Location: ...

    def origins(self, name: str) -> tuple: ...

    def objects(self, name: str) -> list: ...

    def objects_complete(self, name: str) -> bool: ...


@dataclass(frozen=True)
class RuleNames:
    """Attribute names of a network security rule."""

    name: str
    priority: str
    protocol: str
    direction: str
    access: str
    ports: tuple  # destination port: single and list attributes
    destinations: tuple
    destination_groups: tuple  # application security groups
    sources: tuple
    source_groups: tuple


@dataclass(frozen=True)
class CollectionNames:
    """Attribute names of a firewall rule collection and its rules."""

    name: str
    priority: str
    action: str  # the action's type ("Allow" / "Deny")
    rules: str
    rule_name: str
    network_protocols: tuple  # TCP, UDP, ICMP, Any
    ports: tuple
    network_destinations: tuple
    application_protocols: tuple  # objects with a type and a port
    protocol_type: str
    protocol_port: str
    application_destinations: tuple
    sources: tuple


@dataclass(frozen=True)
class RouteNames:
    name: str
    prefix: str
    next_hop: str
    next_hop_address: str


def text_of(value: Any) -> Optional[str]:
    if isinstance(value, bool) or value is None or isinstance(value, Unknown):
        return None
    if isinstance(value, (str, int, float)):
        return as_str(value)
    return None


def lower(value: Any) -> str:
    return as_str(value).strip().lower()


def in_prefix(ip, prefix: str) -> bool:
    try:
        return ip in ipaddress.ip_network(prefix.strip(), strict=False)
    except ValueError:
        return False


def asg_key(found: list, text: Optional[str]) -> Optional[str]:
    """An application security group as rules and NICs both name it: ``asg:<address>`` of the group of
    this configuration a value refers to (``found``), else ``asg:<id>`` of the id written; None when
    neither is known."""
    if found:
        return f"asg:{found[0]}"
    return f"asg:{text.strip().lower()}" if text else None


def resource_kw(res: Any) -> dict:
    """The model identity of a resource (a Terraform instance or an ARM resource: both have these)."""
    return dict(address=res.address, kind=res.type, platform=PLATFORM, location=res.location,
                call_sites=res.call_sites, origins=res.origins)


class Network:
    """The network of one deployment while an adapter builds it.

    ``targets(value)`` gives the addresses of the resources a value names (references, ids);
    ``unresolved(value)`` says a value names some resource that cannot be known (every table entry
    may be the one); ``asg(value)`` gives an application security group's key (``asg:<...>``, or None
    when it is not known, see :func:`asg_key`). The adapter fills ``ip_groups`` (address -> Val of
    the group's addresses) before it reads rules.
    """

    def __init__(self, inventory: Inventory, targets: Callable[[Any], list], unresolved: Callable[[Any], bool],
                 asg: Callable[[Any], Optional[str]]):
        self.inventory = inventory
        self.targets = targets
        self.unresolved = unresolved
        self.asg = asg
        self.ip_groups: dict = {}  # address -> Val(list[str])
        self.subnets: dict = {}  # key (address or id) -> Subnet
        self.nics: dict = {}  # address -> NetworkInterface
        self.nsgs: dict = {}  # address -> RuleSet
        self.tables: dict = {}  # address -> RouteTable
        self.firewalls: dict = {}  # address -> RuleSet
        self.firewall_subnets: dict = {}  # firewall address -> [Val(Subnet)] of its IP configurations
        self.policies: dict = {}  # address -> (parent policy values, [RuleSet of the firewalls using it], resource)
        self.policy_sets: dict = {}  # policy address -> RuleSet of a policy no firewall here uses
        self.route_refs: dict = {}  # id(Route) -> the value of its next hop address (resolved later)

    # ------------------------------------------------------------------ lists of strings

    def ip_group(self, value: Any) -> Optional[Val]:
        """The addresses of the IP groups a value names, as one Val (unknown when one is); None when it
        names none."""
        groups = [self.ip_groups[a] for a in self.targets(value) if a in self.ip_groups]
        if not groups:
            return None
        missing = next((g for g in groups if not g.known), None)
        return missing if missing is not None else Val([a for g in groups for a in g.value], EXPLICIT, groups[0].location)

    def list_val(self, fields: Fields, names: tuple, groups: tuple = (), lowercase: bool = False) -> Val:
        """One list Val from string / list attributes (``x_prefix`` + ``x_prefixes`` + security group
        references); omitted attributes add nothing; any unknown part makes it unknown."""
        items: list = []
        where, origins, state = None, (), DEFAULT
        for name in names + groups:
            value = fields.raw(name)
            if value is None or value == "" or value == []:
                continue
            loc, org = fields.where(name), fields.origins(name)
            where = where or loc
            origins += tuple(org)
            state = EXPLICIT
            for v in value if isinstance(value, list) else [value]:
                if name in groups:
                    item = self.asg(v)
                    if item is None:
                        return unknown(loc, f"{name}: an application security group is not known", org)
                    items.append(item)
                    continue
                cidrs = self.ip_group(v)
                if cidrs is not None:
                    if not cidrs.known:
                        return unknown(loc, f"{name}: the addresses of an IP group are not known ({cidrs.reason})", org)
                    items.extend(cidrs.value)
                    continue
                text = text_of(v)
                if text is None:
                    reason = v.reason if isinstance(v, Unknown) else f"{name} is partly unknown"
                    return unknown(loc, f"{name}: {reason}", org)
                items.append(text.strip().lower() if lowercase else text.strip())
        if state == DEFAULT:
            return unknown(fields.location, f"none of {', '.join(names)} is set")
        return Val(items, state, where, origins)

    # ------------------------------------------------------------------ subnets and interfaces

    def external_subnet(self, value: Any, where: Location, origins: tuple = ()) -> Optional[Val]:
        """A subnet outside the configuration, named by its id; None when the value is no subnet id."""
        text = text_of(value)
        if not text or "/subnets/" not in text.lower():
            return None
        key = text.strip().lower()
        if key not in self.subnets:
            self.subnets[key] = Subnet(address=key, kind="subnet id", platform=PLATFORM, location=where,
                                       name=Val(key.rsplit("/", 1)[-1], EXPLICIT, where, origins), managed=False,
                                       address_prefixes=unknown(where, "the subnet is outside this configuration"))
        return Val(self.subnets[key], EXPLICIT, where, origins)

    @staticmethod
    def ip_address(allocation: Any, address: Val, where: Location) -> Val:
        """A static private address as written; Dynamic (or unknown) allocation takes one from the subnet."""
        if isinstance(allocation, str) and allocation.strip().lower() == "static":
            return address
        return Val(None, DEFAULT, where)

    @staticmethod
    def link(vm, nic: NetworkInterface) -> None:
        if nic not in vm.network_interfaces:
            vm.network_interfaces.append(nic)
            nic.vm = vm

    # ------------------------------------------------------------------ security groups

    def security_group(self, res: Any, name: Val, label: str) -> RuleSet:
        group = RuleSet(**resource_kw(res), name=name, filter_kind="security-group", unmatched="allow",
                        description=f"network security group {label}")
        self.nsgs[res.address] = group
        return group

    def security_rule(self, fields: Fields, names: RuleNames, group: Optional[RuleSet], group_ref: Val, *,
                      address: str, kind: str, call_sites: tuple, origins: tuple = (),
                      name: Optional[Val] = None) -> NetworkRule:
        """A security rule; ``name`` when the rule's own name is not what its fields hold (``nsg/rule``)."""
        name = name if name is not None else fields.val(names.name, as_str)
        priority = fields.val(names.priority, as_int)
        precedence = Val((priority.value,), priority.state, priority.location, priority.origins) \
            if priority.known else priority
        protocol = fields.val(names.protocol, lower)
        protocols = Val(["*" if protocol.value == "any" else protocol.value], protocol.state, protocol.location,
                        protocol.origins) if protocol.known else protocol
        label = name.value if name.known else "?"
        where = f" of {group.description}" if group is not None else ""
        rule = NetworkRule(
            address=address, kind=kind, platform=PLATFORM, location=fields.location, call_sites=call_sites,
            origins=origins, name=name, direction=fields.val(names.direction, lower),
            access=fields.val(names.access, lower), protocols=protocols,
            destination_ports=self.list_val(fields, names.ports),
            destinations=self.list_val(fields, names.destinations, names.destination_groups),
            sources=self.list_val(fields, names.sources, names.source_groups),
            precedence=precedence, rule_set=group, rule_set_ref=group_ref,
            description=f"security rule {label}" + (f" (priority {priority.value})" if priority.known else "") + where)
        if group is not None:
            group.rules.append(rule)
        self.inventory.network_rules.append(rule)
        return rule

    # ------------------------------------------------------------------ attachments

    def attach(self, table: dict, group_value: Any, where: Location, attachment: Attachment) -> None:
        """Attach to the NSG / route table ``group_value`` names; when it names none of this configuration's
        and cannot be read, any of them may be the one: their attachment lists are not complete."""
        for address in self.targets(group_value):
            if address in table:
                table[address].attachments.append(attachment)
                return
        if self.unresolved(group_value):
            for obj in table.values():  # each may be the one it names
                obj.attachments.append(Attachment(where, attachment.interface, attachment.subnet, attachment.target,
                                                  certain=False))

    # ------------------------------------------------------------------ routes

    def route_table(self, res: Any, name: Val) -> RouteTable:
        table = RouteTable(**resource_kw(res), name=name)
        self.tables[res.address] = table
        return table

    def route(self, fields: Fields, names: RouteNames) -> Route:
        hop = fields.val(names.next_hop, lower)
        if hop.known:
            hop = Val(NEXT_HOP.get(hop.value, hop.value), hop.state, hop.location, hop.origins)
        route = Route(fields.location, name=fields.val(names.name, as_str), prefix=fields.val(names.prefix, as_str),
                      next_hop=hop, next_hop_address=fields.val(names.next_hop_address, as_str))
        self.route_refs[id(route)] = fields.raw(names.next_hop_address)  # resolved to a firewall later
        return route

    def routes_to_firewalls(self) -> None:
        """A virtual appliance next hop is a firewall of this configuration by reference, or by an address
        inside the firewall's subnet."""
        for table in self.tables.values():
            for route in table.routes:
                if not (route.next_hop.known and route.next_hop.value == "appliance"):
                    continue
                address = route.next_hop_address
                for target in self.targets(self.route_refs.get(id(route))):
                    if target in self.firewalls:
                        route.appliance = self.firewalls[target]
                if route.appliance is None and address.known:
                    route.appliance = self._firewall_at(address.value)
                if route.appliance is not None and not address.known:  # known as a reference to the firewall
                    route.next_hop_address = Val(f"the private address of {route.appliance.description}",
                                                 EXPLICIT, address.location, address.origins)

    def _firewall_at(self, address: str) -> Optional[RuleSet]:
        try:
            ip = ipaddress.ip_address(str(address).strip())
        except ValueError:
            return None
        found = []
        for fw_address, firewall in self.firewalls.items():
            for subnet in self.firewall_subnets.get(fw_address, ()):
                prefixes = subnet.value.address_prefixes if subnet.known else None
                if prefixes is not None and prefixes.known and any(in_prefix(ip, p) for p in prefixes.value):
                    found.append(firewall)
        return found[0] if len(set(map(id, found))) == 1 else None

    # ------------------------------------------------------------------ firewalls

    def firewall(self, res: Any, name: Val, label: str, subnets: list) -> RuleSet:
        firewall = RuleSet(**resource_kw(res), name=name, filter_kind="firewall", unmatched="deny",
                           description=f"Azure Firewall {label}")
        self.firewalls[res.address] = firewall
        self.firewall_subnets[res.address] = subnets
        return firewall

    def policy(self, res: Any, parents: Any) -> None:
        self.policies.setdefault(res.address, (parents, [], res))

    def use_policy(self, firewall: RuleSet, policy_value: Any, where: Location) -> None:
        """A firewall's policy: its rules count in the firewall; one outside this configuration makes the
        firewall's rules unknown."""
        if policy_value is None:
            return
        found = [a for a in self.targets(policy_value) if a in self.policies]
        for address in found:
            self.policies[address][1].append(firewall)
        if not found:
            firewall.rules_complete = unknown(where, "the firewall policy is not in this configuration")

    def policy_rule_set(self, address: str, name: Val, label: str) -> RuleSet:
        """A policy no firewall of this configuration uses: its rules stand on their own."""
        if address not in self.policy_sets:
            res = self.policies[address][2]
            self.policy_sets[address] = RuleSet(**resource_kw(res), name=name, filter_kind="firewall",
                                                unmatched="deny", description=f"firewall policy {label}")
        return self.policy_sets[address]

    def _parents(self, address: str) -> list:
        return [a for a in self.targets(self.policies[address][0]) if a in self.policies]

    def policy_targets(self, address: str, name: Val, label: str) -> list:
        """(rule set, depth) that a policy's rules apply in: every firewall that uses the policy or a
        child policy of it (parents' rules are processed first: depth counts the policy's parents)."""
        depth, seen, current = 0, {address}, address
        while True:
            parents = self._parents(current)
            if not parents or parents[0] in seen:
                break
            seen.add(parents[0])
            depth += 1
            current = parents[0]
        users, seen, todo = [], set(), [address]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            users.extend(self.policies[current][1])
            todo.extend(child for child in self.policies if current in self._parents(child))
        if not users:
            return [(self.policy_rule_set(address, name, label), depth)]
        return [(rs, depth) for rs in users]

    def collection(self, fields: Fields, names: CollectionNames, targets: list, outer: tuple, group_ref: Val,
                   address: Callable[[str, str], str], kind: Callable[[Fields], Optional[tuple]], call_sites: tuple) -> None:
        """The rules of one rule collection, added to every rule set in ``targets`` (or to none: a rule
        set the code does not show). ``kind(rule fields)`` is ("network" or "application", the rule's
        model kind), or None for a rule that filters nothing outbound (a DNAT rule);
        ``address(collection, rule)`` is the rule's address."""
        action = fields.val(names.action, lower)
        priority = fields.val(names.priority, as_int)
        parts = list(outer) + [priority]
        name = fields.val(names.name, as_str)
        label = name.value if name.known else "?"
        for rule_fields in fields.objects(names.rules):
            rule_kind = kind(rule_fields)
            if rule_kind is None:
                continue
            for rule_set, depth in targets or [(None, 0)]:
                unknown_part = next((p for p in parts if not p.known), None)
                precedence = unknown_part if unknown_part is not None else \
                    Val((depth,) + tuple(p.value for p in parts), EXPLICIT, priority.location, priority.origins)
                self._firewall_rule(rule_fields, names, rule_kind, label, action, precedence, rule_set, group_ref,
                                    address, call_sites)
        if not fields.objects_complete(names.rules):
            for rule_set, _ in targets:
                rule_set.rules_complete = unknown(fields.location, f"the rules of collection {label} are not known")

    def _firewall_rule(self, fields: Fields, names: CollectionNames, kinds: tuple, collection: str, action: Val,
                       precedence: Val, rule_set: Optional[RuleSet], group_ref: Val,
                       address: Callable[[str, str], str], call_sites: tuple) -> None:
        kind, model_kind = kinds
        name = fields.val(names.rule_name, as_str)
        label = name.value if name.known else "?"
        if kind == "network":
            protocols = self.list_val(fields, names.network_protocols, lowercase=True)
            if protocols.known:
                protocols = Val(["*" if p == "any" else p for p in protocols.value], protocols.state,
                                protocols.location, protocols.origins)
            ports = self.list_val(fields, names.ports)
            destinations = self.list_val(fields, names.network_destinations)
            noun = "network rule"
        else:  # application rules carry HTTP(S) and MSSQL only (protocol objects with a type and a port)
            types, ports_list = [], []
            for name_ in names.application_protocols:
                for proto in fields.objects(name_):
                    t, p = proto.val(names.protocol_type, lower), proto.val(names.protocol_port, as_str)
                    if not (t.known and p.known):
                        types = None
                        break
                    types.append(t.value)
                    ports_list.append(p.value)
                if types is None:
                    break
            where = fields.location
            protocols = Val(types, EXPLICIT, where) if types is not None else unknown(where, "a protocol is not known")
            ports = Val(ports_list, EXPLICIT, where) if types is not None else protocols
            destinations = self.list_val(fields, names.application_destinations)
            noun = "application rule"
        sources = self.list_val(fields, names.sources)
        owner = rule_set.description if rule_set is not None else "a firewall that is not known"
        rule = NetworkRule(
            address=address(collection, label), kind=model_kind, platform=PLATFORM,
            location=fields.location, call_sites=call_sites, name=name, direction=Val("any", DEFAULT, fields.location),
            access=action, protocols=protocols, destination_ports=ports, destinations=destinations, sources=sources,
            precedence=precedence, rule_set=rule_set, rule_set_ref=group_ref, filter_kind="firewall",
            description=f"{noun} {label} (collection {collection}) of {owner}")
        if rule_set is not None:
            rule_set.rules.append(rule)
        self.inventory.network_rules.append(rule)

    # ------------------------------------------------------------------ the end

    def relay(self, what: str, location: Location, label: str, origins: tuple = (), certain: bool = True) -> None:
        """SMTP relay evidence (Azure Communication Services email resources)."""
        self.inventory.relay_evidence.append(Evidence(what, location, f"{what} {label}", tuple(origins), certain))

    def finish(self) -> None:
        self.routes_to_firewalls()
        # built: the adapter's callback is let go (it holds this network and the whole evaluation it
        # reads, a reference cycle the engine's collector would otherwise have to find)
        self.asg = None
        d = self.inventory
        d.subnets.extend(self.subnets.values())
        d.network_interfaces.extend(self.nics.values())
        d.rule_sets.extend(list(self.nsgs.values()) + list(self.firewalls.values()) + list(self.policy_sets.values()))
        d.route_tables.extend(self.tables.values())
        if self.nics or self.nsgs or self.firewalls or self.policies or d.relay_evidence:
            d.platforms.add(PLATFORM)


__all__ = ["Network", "Fields", "RuleNames", "CollectionNames", "RouteNames", "NEXT_HOP", "PLATFORM", "text_of",
           "lower", "in_prefix", "resource_kw", "asg_key"]
