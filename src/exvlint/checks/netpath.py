"""Which rules let an Exchange VM send TCP port 25 to the Internet, over the neutral network model.

Three-valued throughout: True, False, or None when the code does not decide it. Azure's semantics,
which the model's fields are defined by (model.py, "network"):

- a rule set evaluates its rules in precedence order and the first rule that matches a packet
  decides; what none matches is allowed out to the Internet by a security group (Azure's default rule
  AllowInternetOutBound, priority 65001) and denied by a firewall;
- outbound traffic passes the NIC's security group and then the subnet's: both must allow it;
- a subnet whose route for 0.0.0.0/0 leads to a firewall or another appliance sends Internet traffic
  there, so that appliance decides, not the security groups alone.

"The SMTP slice" below is TCP port 25 towards any Internet address. A rule covers it when its
direction is outbound (or any), its protocols include TCP, its ports include 25 and its
destinations include the whole Internet (``Internet``, ``*``, ``0.0.0.0/0``, ``Any``).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Optional

from ..model import NetworkRule, RuleSet, Val, VirtualMachine

SMTP_PORT = 25
RELAY_PORTS = (25, 465, 587)  # SMTP, SMTPS and submission: the ports a relay (smart host) listens on
WHOLE_INTERNET = {"*", "any", "internet", "0.0.0.0/0", "::/0"}
VNET_SOURCES = {"virtualnetwork"}  # a service tag that holds every address of the VM's own network


def and3(*values) -> Optional[bool]:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def or3(values) -> Optional[bool]:
    values = list(values)
    if any(v is True for v in values):
        return True
    if any(v is None for v in values):
        return None
    return False


def _items(val: Val) -> Optional[list]:
    return [str(x).strip().lower() for x in val.value] if val.known and isinstance(val.value, list) else None


def ports_include(ports: Val, port: int) -> Optional[bool]:
    items = _items(ports)
    if items is None:
        return None
    for item in items:
        if item in ("*", "any", "0-65535"):
            return True
        lo, _, hi = item.partition("-")
        try:
            if int(lo) <= port <= int(hi or lo):
                return True
        except ValueError:
            return None  # not a port we can read
    return False


def names_port(ports: Val, port: int) -> Optional[bool]:
    """The rule names ``port`` itself (``587``, ``587-587``, a list holding it), not a range around it."""
    items = _items(ports)
    if items is None:
        return None
    return any(item == str(port) or item == f"{port}-{port}" for item in items)


def protocols_include_tcp(protocols: Val) -> Optional[bool]:
    items = _items(protocols)
    if items is None:
        return None
    return any(p in ("*", "any", "tcp") for p in items)


def whole_internet(destinations: Val) -> Optional[bool]:
    items = _items(destinations)
    if items is None:
        return None
    return any(d in WHOLE_INTERNET for d in items)


def outbound(direction: Val) -> Optional[bool]:
    if not direction.known:
        return None
    return str(direction.value).lower() in ("outbound", "any")


def covers_smtp(rule: NetworkRule) -> Optional[bool]:
    """Whether the rule matches TCP 25 to the whole Internet (whatever its access)."""
    return and3(outbound(rule.direction), protocols_include_tcp(rule.protocols),
                ports_include(rule.destination_ports, SMTP_PORT), whole_internet(rule.destinations))


def relay_rule(rule: NetworkRule) -> Optional[bool]:
    """An outbound allow for TCP 25, 465 or 587 to specific addresses: the way to a relay (smart host)."""
    access = None if not rule.access.known else rule.access.value == "allow"
    specific = whole_internet(rule.destinations)
    specific = None if specific is None else (not specific and bool(rule.destinations.value))
    port = or3(names_port(rule.destination_ports, p) for p in RELAY_PORTS)
    return and3(access, outbound(rule.direction), protocols_include_tcp(rule.protocols), port, specific)


# --------------------------------------------------------------------------- who is behind a rule

@dataclass
class Place:
    """Where a VM sits: its interfaces, their subnets and addresses (what rules and routes select on)."""

    vm: VirtualMachine
    interfaces: list
    subnets: list  # Subnets known
    subnets_complete: bool  # False when an interface's subnet is not known
    addresses: list = field(default_factory=list)  # list[(ip address | None, [prefix Val])] per IP configuration


def place_of(vm: VirtualMachine) -> Place:
    subnets, complete, addresses = [], vm.network_interfaces_complete.known, []
    for nic in vm.network_interfaces:
        for ipc in nic.ip_configurations:
            subnet = ipc.subnet.value if ipc.subnet.known else None
            if subnet is None:
                complete = False
            elif subnet not in subnets:
                subnets.append(subnet)
            if ipc.address.known and ipc.address.value:
                addresses.append((ipc.address.value, None))
            elif not ipc.address.known:
                addresses.append((None, None))
            else:  # from the subnet's prefixes
                addresses.append((None, subnet.address_prefixes if subnet is not None else None))
    return Place(vm, list(vm.network_interfaces), subnets, complete, addresses)


def attachment_reaches(rule_set: RuleSet, place: Place) -> tuple:
    """(True/False/None, [the attachments that put the VM behind it])."""
    found, maybe = [], False
    for att in rule_set.attachments:
        hit = None
        if att.interface is not None:
            hit = att.interface in place.interfaces
            if not hit and not place.vm.network_interfaces_complete.known:
                hit = None
        elif att.subnet is not None:
            hit = att.subnet in place.subnets
            if not hit and not place.subnets_complete:
                hit = None
        if hit is True and att.certain:
            found.append(att)
        elif hit is None or (hit is True and not att.certain):
            maybe = True
    if found:
        return True, found
    return (None if maybe else False), []


def source_covers(sources: Val, place: Place) -> Optional[bool]:
    """Whether a rule's sources include the VM's addresses."""
    items = _items(sources)
    if items is None:
        return None
    results = []
    for item in items:
        if item in WHOLE_INTERNET - {"internet"} or item in VNET_SOURCES:
            return True
        if item.startswith("asg:"):
            results.append(_in_group(item, place))
            continue
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            results.append(False)  # another service tag: public addresses, not the VM's private one
            continue
        results.append(or3(_address_in(address, prefixes, network) for address, prefixes in place.addresses)
                       if place.addresses else None)
    return or3(results)


def _in_group(item: str, place: Place) -> Optional[bool]:
    values = []
    for nic in place.interfaces:
        groups = nic.application_groups
        values.append(None if not groups.known else item in [str(g).lower() for g in groups.value])
    return or3(values) if values else None


def _address_in(address, prefixes: Optional[Val], network) -> Optional[bool]:
    try:
        if address is not None:
            return ipaddress.ip_address(str(address).strip()) in network
        if prefixes is None or not prefixes.known or not prefixes.value:
            return None
        nets = [ipaddress.ip_network(str(p).strip(), strict=False) for p in prefixes.value]
    except ValueError:
        return None
    if all(n.version == network.version and n.subnet_of(network) for n in nets):
        return True
    if all(n.version != network.version or not n.overlaps(network) for n in nets):
        return False
    return None  # the VM may or may not have an address inside


# --------------------------------------------------------------------------- one rule set

@dataclass
class Verdict:
    """What one rule set does with the SMTP slice from one VM."""

    allows: list = field(default_factory=list)  # rules that let it out, none of them hidden by a deny
    undecided: list = field(default_factory=list)  # (rule, Val) that may let it out or hide an allow
    effect: Optional[str] = None  # "allow" | "deny" for the whole rule set, None when not decided


def evaluate(rule_set: Optional[RuleSet], rules: list, place: Place, strays: list = ()) -> Verdict:
    """Evaluate ``rules`` (those of ``rule_set``, plus ``strays`` that may belong to it) for the VM at ``place``."""
    verdict = Verdict()
    entries = []
    for rule, member in [(r, True) for r in rules] + [(r, None) for r in strays]:
        applies = and3(member, covers_smtp(rule), source_covers(rule.sources, place))
        if applies is False:
            continue
        access = rule.access.value if rule.access.known else None
        entries.append((rule, applies, access))
    # denies that may apply: (rule, certain); an allow after a certain one never matches
    denies = [(r, applies is True and access == "deny") for r, applies, access in entries if access in ("deny", None)]
    for rule, applies, access in entries:
        if access not in ("allow", None):
            continue
        if applies is None or access is None:
            verdict.undecided.append((rule, _undecided(rule)))
            continue
        hidden, doubt = False, None
        for deny, certain in denies:
            if deny is rule:
                continue
            before = _before(deny, rule)
            if before is True and certain:
                hidden = True
                break
            if before is not False:  # it may come first and may apply
                hidden, doubt = None, deny
        if hidden is True:
            continue
        if hidden is None:
            verdict.undecided.append((rule, _doubt(rule, doubt)))
            continue
        verdict.allows.append(rule)
    verdict.effect = _effect(rule_set, entries)
    if rule_set is not None and not rule_set.rules_complete.known and verdict.allows:
        # rules the code does not show may come first
        verdict.undecided.extend((r, rule_set.rules_complete) for r in verdict.allows)
        verdict.allows = []
    return verdict


def _precedence(rule: NetworkRule):
    return tuple(rule.precedence.value) if rule.precedence.known else None


def _before(first: NetworkRule, second: NetworkRule) -> Optional[bool]:
    a, b = _precedence(first), _precedence(second)
    if a is None or b is None:
        return None
    return a < b


def _undecided(rule: NetworkRule) -> Val:
    for val in (rule.access, rule.direction, rule.protocols, rule.destination_ports, rule.destinations,
                rule.sources, rule.precedence):
        if not val.known:
            return val
    return Val(None, "unknown", rule.location, (), "whether it applies to the VM is not known")


def _doubt(rule: NetworkRule, deny: NetworkRule) -> Val:
    if not rule.precedence.known:
        return rule.precedence
    why = _undecided(deny)
    return Val(None, "unknown", rule.location, why.origins,
               f"{deny.description} may come first and deny it ({why.reason})")


def _effect(rule_set: Optional[RuleSet], entries: list) -> Optional[str]:
    """The rule set's decision for the slice: its first matching rule, else its default."""
    if any(_precedence(rule) is None for rule, _, _ in entries):
        return None
    for rule, applies, access in sorted(entries, key=lambda e: _precedence(e[0])):
        if applies is None or access is None:
            return None
        return access
    if rule_set is None or not rule_set.rules_complete.known:
        return None
    return rule_set.unmatched


# --------------------------------------------------------------------------- the path of one VM

@dataclass
class Path:
    """What filters the VM's Internet traffic: the rule sets attached to it and its default route."""

    groups: list  # [(RuleSet, [Attachment])] attached to its NICs or subnets
    route: Optional[object] = None  # the Route for 0.0.0.0/0 of its subnet, when the code shows one
    route_attachment: Optional[object] = None
    route_known: bool = True  # False when a subnet's route table is not known


def path_of(place: Place, rule_sets: list, route_tables: list) -> Path:
    groups = []
    for rs in rule_sets:
        if rs.filter_kind != "security-group":
            continue
        reach, atts = attachment_reaches(rs, place)
        if reach is True:
            groups.append((rs, atts))
    path = Path(groups)
    for table in route_tables:
        for att in table.attachments:
            if att.subnet is None or att.subnet not in place.subnets or not att.certain:
                continue
            for route in table.routes:
                if route.prefix.known and str(route.prefix.value).strip() in ("0.0.0.0/0",) and route.next_hop.known:
                    path.route, path.route_attachment = route, att
    return path


def diverted(path: Path) -> bool:
    """The VM's Internet traffic goes to an appliance, a gateway or nowhere, not straight out."""
    return path.route is not None and path.route.next_hop.value != "internet"


def blocked_by_other(path: Path, place: Place, rule_set: Optional[RuleSet], strays: list) -> bool:
    """Another security group on the VM's path denies the slice for certain (both must allow)."""
    for rs, _ in path.groups:
        if rs is rule_set:
            continue
        if evaluate(rs, rs.rules, place, strays).effect == "deny":
            return True
    return False
