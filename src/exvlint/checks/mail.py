"""Mail flow rules: an SMTP relay (smart host) for outbound mail, and no direct TCP 25 to the Internet.

Both are decided over the neutral network model; ``netpath`` says which rules reach the Internet.
"""
from __future__ import annotations

from ..findings import Related
from ..model import Val, unknown, words
from ..exchange_scope import vm_label
from . import RuleContext, check
from .netpath import (and3, attachment_reaches, blocked_by_other, covers_smtp, diverted, evaluate, or3, path_of,
                      place_of, relay_rule, source_covers)

RELAY_TAGS = {"smtp-relay", "smtp_relay", "smtprelay", "smart-host", "smart_host", "smarthost"}
NO_RELAY = {"", "false", "no", "none"}


def _first_location_order(vm):
    return (vm.location.path, vm.location.line, vm.address)


@check("EXV501")
def missing_smtp_relay(inventory, ctx: RuleContext) -> None:
    vms = sorted(ctx.exchange_vms(), key=_first_location_order)
    if not vms:
        return
    relay = ctx.config.smtp_relay
    if relay is True or (isinstance(relay, str) and relay.strip().lower() not in NO_RELAY):
        return
    maybe = []  # (subject, Val, vm): evidence the code may hold
    for vm in vms:
        for key, val in vm.labels.items():
            if key.strip().lower() in RELAY_TAGS:
                if not val.known:
                    maybe.append((vm, val, vm))
                elif str(val.value).strip().lower() not in NO_RELAY:
                    return
    for evidence in inventory.relay_evidence:
        if evidence.certain:
            return
        maybe.append((vms[0], unknown(evidence.location, f"{evidence.what} may not be created"), vms[0]))
    places = [place_of(vm) for vm in vms]
    for rule in inventory.network_rules:
        found = and3(relay_rule(rule), _reaches_any(rule, places, inventory))
        if found is True:
            return
        if found is None:
            maybe.append((rule, _why(rule), vms[0]))
    if maybe:
        subject, val, vm = maybe[0]
        ctx.unresolved(subject, val, "whether the deployment has an SMTP relay (smart host)", vm=vm)
        return
    first = vms[0]
    names = _names(vms)
    fix = words(first.platform, "relay-fix", "record the relay in the code or the configuration")
    ctx.report(first, f"no SMTP relay (smart host) for outbound mail in this deployment of {len(vms)} Exchange "
               f"VM{'s' if len(vms) > 1 else ''} ({names}): mail to external domains from Azure is supported only "
               f"through a relay; {fix}", first.location, key="smtp-relay")


def _reaches_any(rule, places, inventory):
    """Whether a rule applies to at least one Exchange VM (True), to none (False), or may (None)."""
    rs = rule.rule_set
    if rs is None:
        return None
    results = []
    for place in places:
        if rs.filter_kind == "security-group":
            reach = attachment_reaches(rs, place)[0] if rs.attachments else True
        else:
            reach = _firewall_reach(rs, place, inventory)[0]
        results.append(and3(reach, source_covers(rule.sources, place)))
    return or3(results)


def _why(rule) -> Val:
    for val in (rule.access, rule.direction, rule.protocols, rule.destination_ports, rule.destinations, rule.sources):
        if not val.known:
            return val
    if rule.rule_set is None:
        return unknown(rule.location, f"the rule set it belongs to is not known ({rule.rule_set_ref.reason or 'not in this configuration'})",
                       rule.rule_set_ref.origins)
    return unknown(rule.location, f"whether {rule.rule_set.description} applies to an Exchange VM is not known")


def _routed(rs, inventory) -> list:
    """The routes of this configuration whose next hop is the firewall ``rs``."""
    return [(table, route) for table in inventory.route_tables for route in table.routes if route.appliance is rs]


def _firewall_reach(rs, place, inventory, path=None) -> tuple:
    """(reach, related) of a firewall for a VM: the VM's default route leads to it; a firewall no route of
    this configuration leads to stands for every VM, as a security group attached to nothing does."""
    if not _routed(rs, inventory):
        return True, ()
    path = path or path_of(place, inventory.rule_sets, inventory.route_tables)
    if path.route is not None and path.route.appliance is rs:
        related = ((path.route.location, f"sends the Internet traffic of {{vms}} to {rs.description}"),
                   (path.route_attachment.location, "applies that route to the subnet of {vms}"))
        return True, related
    if path.route is None and not place.subnets_complete:
        return None, ()
    return False, ()


@check("EXV502")
def direct_smtp_egress(inventory, ctx: RuleContext) -> None:
    vms = sorted(ctx.exchange_vms(), key=_first_location_order)
    if not vms:
        return
    places = {id(vm): place_of(vm) for vm in vms}
    paths = {id(vm): path_of(places[id(vm)], inventory.rule_sets, inventory.route_tables) for vm in vms}
    strays = {kind: [r for r in inventory.network_rules if r.rule_set is None and r.filter_kind == kind]
              for kind in ("security-group", "firewall")}
    found: dict = {}  # id(rule) -> (rule, [vm], [Related], unattached)
    notes: dict = {}  # (id(rule), reason) -> (rule, Val, vm)
    for rs in inventory.rule_sets:
        for vm in vms:
            place, path = places[id(vm)], paths[id(vm)]
            if rs.filter_kind == "security-group":
                if rs.attachments:
                    reach, atts = attachment_reaches(rs, place)
                    related = tuple((a.location, f"puts {{vms}} behind {rs.description}") for a in atts)
                else:
                    reach, related = True, ()
                if reach is not False and diverted(path):
                    # its Internet traffic goes elsewhere first: a firewall of this configuration decides below;
                    # an appliance the code does not describe may or may not let TCP 25 out
                    if path.route.next_hop.value == "appliance" and path.route.appliance is None:
                        why = unknown(path.route.location, f"the subnet sends Internet traffic to the appliance at "
                                      f"{path.route.next_hop_address.value if path.route.next_hop_address.known else '?'}"
                                      ", which this configuration does not describe", path.route.next_hop.origins)
                        for rule in evaluate(rs, rs.rules, place, strays[rs.filter_kind]).allows:
                            _note(notes, rule, why, vm)
                    continue
            else:
                reach, related = _firewall_reach(rs, place, inventory, path)
            if reach is False:
                continue
            verdict = evaluate(rs, rs.rules, place, strays[rs.filter_kind])
            if reach is None:
                for rule in verdict.allows:
                    _note(notes, rule, _attachment_unknown(rs), vm)
                continue
            for rule, why in verdict.undecided:
                _note(notes, rule, why, vm)
            if not verdict.allows:
                continue
            if blocked_by_other(path, place, rs, strays["security-group"]):
                continue  # another security group on its way denies TCP 25 to the Internet
            for rule in verdict.allows:
                entry = found.setdefault(id(rule), (rule, [], {}, not rs.attachments and rs.filter_kind == "security-group"
                                                    or (rs.filter_kind == "firewall" and not _routed(rs, inventory))))
                entry[1].append(vm)
                for location, text in related:
                    entry[2].setdefault((location.path, location.line, location.col), (location, text, []))[2].append(vm)
    for kind, rules in strays.items():
        for rule in rules:
            may = and3(covers_smtp(rule), None if not rule.access.known else rule.access.value == "allow")
            if may is not False:
                why = unknown(rule.location, f"the rule set it belongs to is not known"
                              f" ({rule.rule_set_ref.reason or 'it is not in this configuration'})", rule.rule_set_ref.origins)
                _note(notes, rule, why, vms[0])
    for rule, val, vm in notes.values():
        if id(rule) not in found:
            ctx.unresolved(rule, val, f"whether {rule.description} lets Exchange VMs send TCP 25 to the Internet",
                           vm=vm)
    for rule, affected, places_, unattached in found.values():
        related = tuple(Related(location, text.format(vms=_names(vms_))) for location, text, vms_ in places_.values())
        _report(ctx, rule, affected, related, unattached)


def _attachment_unknown(rs) -> Val:
    for att in rs.attachments:
        if not att.target.known:
            return att.target
    return unknown(rs.location, f"which interfaces and subnets {rs.description} applies to is not known")


def _note(notes: dict, rule, val: Val, vm) -> None:
    notes.setdefault((id(rule), val.reason), (rule, val, vm))


def _names(vms: list) -> str:
    return ", ".join(vm_label(vm) for vm in vms[:5]) + (f" and {len(vms) - 5} more" if len(vms) > 5 else "")


def _report(ctx: RuleContext, rule, affected: list, related: tuple, unattached: bool) -> None:
    names = _names(affected)
    wide = [d for d in rule.destinations.value if str(d).strip().lower() in ("*", "any", "internet", "0.0.0.0/0", "::/0")]
    ports = [str(p) for p in rule.destination_ports.value]
    ports = "any port" if "*" in ports else f"port{'s' if len(ports) > 1 or '-' in ports[0] else ''} {', '.join(ports)}"
    protocols = "any protocol" if "*" in rule.protocols.value else "/".join(str(p).upper() for p in rule.protocols.value)
    how = (f"; {rule.rule_set.description} is applied to nothing in this configuration, which holds Exchange VMs"
           if unattached else "")
    fix = words(rule.platform, "smtp-egress-fix", "allow only the relay's address and port (usually 587)")
    at = rule.destinations if rule.destinations.location is not None else rule.location
    ctx.report(rule, f"{rule.description} allows {protocols} on {ports} to {', '.join(wide)} outbound, so "
               f"{names} can send mail (TCP 25) straight to the Internet{how}; Exchange in Azure must send external "
               f"mail through an SMTP relay (smart host): {fix}", at, vm=affected[0], related=related,
               key=rule.address)
