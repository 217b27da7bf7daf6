"""The neutral model every rule reads, whatever the provider or input format.

Adapters (``exvlint.adapters``) fill it; checks (``exvlint.checks``) read it. Units are fixed
here once: sizes in bytes, memory in MiB, CPU in vCPUs. Every value is a :class:`Val` that
knows where it came from and whether it was written, is a provider default, or is unknown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .findings import Location, Related

GIB = 1024 ** 3
MIB = 1024 ** 2

EXPLICIT = "explicit"  # written in the source (possibly through variables)
DEFAULT = "default"  # omitted; the provider's documented default applies
UNKNOWN = "unknown"  # cannot be resolved offline


@dataclass(frozen=True, slots=True)
class Val:
    """A model value with provenance."""

    value: Any = None
    state: str = UNKNOWN
    location: Optional[Location] = None  # the attribute, or the block that omits it
    origins: tuple = ()  # tuple[Related]: variable default, tfvars line, module argument...
    reason: str = ""  # for unknown values: what is missing

    @property
    def known(self) -> bool:
        return self.state != UNKNOWN

    def __bool__(self) -> bool:  # guard against `if vm.memory_mib:` mistakes
        raise TypeError("test Val.known / Val.value explicitly")

    def __reduce__(self):  # pickled by its fields (worker processes): the frozen-slots default is 3x slower
        return (Val, (self.value, self.state, self.location, self.origins, self.reason))


def unknown(location: Optional[Location] = None, reason: str = "", origins: tuple = ()) -> Val:
    return Val(None, UNKNOWN, location, origins, reason)


def default(value: Any, location: Optional[Location]) -> Val:
    return Val(value, DEFAULT, location)


def explicit(value: Any, location: Optional[Location], origins: tuple = ()) -> Val:
    return Val(value, EXPLICIT, location, origins)


# Resources are things, not values: two are the same when they are the same object. Comparing field by
# field would be slow (a VM's disks refer back to the VM) and would merge distinct disks that look alike.
@dataclass(eq=False)
class Resource:
    """Common identity of everything in the model."""

    address: str  # e.g. module.mail["exch01"].azurerm_windows_virtual_machine.this
    kind: str  # provider resource type, e.g. azurerm_managed_disk, Microsoft.Compute/disks
    platform: str  # azure | vsphere | hyperv
    location: Location  # the resource's header line
    call_sites: tuple = ()  # tuple[Location]: module calls / nested deployments that create it
    origins: tuple = ()  # tuple[Related]: where its existence was decided (count / for_each and their inputs)


@dataclass(eq=False)
class Datastore(Resource):
    """Where disk files live: vSphere datastore, Azure storage account, Hyper-V volume or share."""

    name: Val = field(default_factory=unknown)
    storage_kind: Val = field(default_factory=unknown)  # block | nas | smb | unknown
    premium: Val = field(default_factory=unknown)  # Azure storage account tier Premium
    description: str = ""  # for messages, e.g. "NFS datastore filer01-exch"


@dataclass(eq=False)
class Disk(Resource):
    name: Val = field(default_factory=unknown)
    role: str = "data"  # os | data
    size_bytes: Val = field(default_factory=unknown)
    type_label: Val = field(default_factory=unknown)  # how the provider names its type (SKU, VHD kind, a phrase): messages only
    premium: Val = field(default_factory=unknown)  # Azure: is Premium Storage class
    provisioning: Val = field(default_factory=unknown)  # fixed | thin | thick | dynamic | differencing | passthrough
    # whether the disk is a delta of a parent disk (a differencing VHD, a checkpoint's .avhdx); a provider
    # whose disks never are says so by this default (vSphere's delta disks are redo_log / linked clones)
    differencing: Val = field(default_factory=lambda: Val(False, DEFAULT))
    file_format: Val = field(default_factory=unknown)  # vhd | vhdx | avhd | avhdx | vmdk | managed
    # how writes go to a redo log / delta instead of the disk (e.g. "disk_mode undoable"); None when they do
    # not, which is all a provider without such a mode can do
    redo_log: Val = field(default_factory=lambda: Val(None, DEFAULT))
    datastore: Optional[Datastore] = None
    placement: Val = field(default_factory=unknown)  # volume / share / datastore key for separation checks
    attach_location: Optional[Location] = None  # where the disk is attached to the VM (attachment / inline block)
    labels: dict = field(default_factory=dict)  # tags: key -> Val(str)
    vm: Optional["VirtualMachine"] = None  # the VM it is attached to
    host: Optional["Host"] = None  # the host that opens the disk file (Hyper-V: the provider's host)


@dataclass(eq=False)
class Snapshot(Resource):
    name: Val = field(default_factory=unknown)
    snapshot_kind: str = "disk"  # vm | disk | restore-point | checkpoint
    target_vm: Optional["VirtualMachine"] = None
    target_disk: Optional[Disk] = None
    target: Val = field(default_factory=unknown)  # the reference to what is snapshotted, for --strict notes
    includes_memory: Val = field(default_factory=unknown)


@dataclass
class Evidence:
    """Something attached to a VM that mentions Exchange: extension, DSC, script, ISO."""

    text: str
    location: Location
    what: str  # e.g. "VM extension install-exchange", "DVD drive ISO"
    origins: tuple = ()  # tuple[Related]: where the text came from (variable default, tfvars line...)
    certain: bool = True  # False when the code may not create it (its count or for_each is not known)


@dataclass(frozen=True)
class GuestOs:
    """The guest operating system as the source states it: a fact, not a verdict.

    Which Exchange version supports it is the rule's decision (EXV404), from the shipped data.
    """

    # Windows release keys it stands for (``2012r2``, ``2019``, ``client``, ``other``...), the one the
    # source names first; more than one when the source cannot tell them apart (a vSphere guest_id)
    releases: tuple
    name: str  # for messages, e.g. "Windows Server 2012 or 2012 R2"
    installation: str = ""  # desktop | core | nano; "" when the source does not say
    edition: str = ""  # datacenter | standard | azure-edition; "" when the source does not say
    note: str = ""  # why it may stand for several releases, for messages


@dataclass(frozen=True)
class ExchangeVersion:
    """The Exchange version a VM runs, with how it was found (see versions.py)."""

    version: str  # 2013 | 2016 | 2019 | SE
    cu: Optional[int] = None  # the cumulative update, when something states it
    source: str = ""  # for messages: "tag exchange-version=2019", "ExchangeServer2019-x64-CU14.ISO at main.tf:52"

    def __str__(self) -> str:
        return f"Exchange {self.version}" + (f" CU{self.cu}" if self.cu is not None else "")

    def described(self) -> str:
        """``Exchange 2019 CU14 (from ExchangeServer2019-x64-CU14.ISO at main.tf:52)``."""
        return f"{self} ({self.source})" if self.source else str(self)


@dataclass(eq=False)
class Host(Resource):
    """A hypervisor host, or a cluster of them, as the code names it (for the hosts: inventory)."""

    name: Val = field(default_factory=unknown)
    os: Val = field(default_factory=unknown)
    host_count: Val = field(default_factory=lambda: Val(1, DEFAULT))  # physical hosts behind it (a cluster has several)


@dataclass(eq=False)
class VirtualMachine(Resource):
    name: Val = field(default_factory=unknown)
    computer_name: Val = field(default_factory=unknown)
    module_path: str = ""  # module address that creates it, e.g. module.mail["a"]
    labels: dict = field(default_factory=dict)  # tags / labels: key -> Val(str)
    notes: Val = field(default_factory=unknown)  # free text (Hyper-V notes, vSphere annotation)
    exchange_evidence: list = field(default_factory=list)  # list[Evidence]
    size: Val = field(default_factory=unknown)  # Azure size name
    vcpus: Val = field(default_factory=unknown)
    memory_mib: Val = field(default_factory=unknown)
    dynamic_memory: Val = field(default_factory=unknown)
    memory_reservation_mib: Val = field(default_factory=unknown)
    memory_limit_mib: Val = field(default_factory=unknown)
    premium_storage_capable: Val = field(default_factory=unknown)
    os_disk: Optional[Disk] = None
    data_disks: list = field(default_factory=list)  # list[Disk]
    # whether data_disks is the whole list: unknown when an attachment's VM or instances are unknown
    data_disks_complete: Val = field(default_factory=lambda: Val(True, DEFAULT))
    data_disk_origins: tuple = ()  # tuple[Related]: count / for_each that decided how many data disks
    guest_os: Val = field(default_factory=unknown)  # GuestOs
    # ExchangeVersion; filled after the adapters from tags, evidence and configuration (exvlint.versions)
    exchange_version: Val = field(default_factory=unknown)
    image: Val = field(default_factory=unknown)  # description of the image for messages
    hibernation: Val = field(default_factory=unknown)  # resumes from saved memory state
    linked_clone: Val = field(default_factory=lambda: Val(False, DEFAULT))  # disks are deltas of a template's snapshot
    stop_action: Val = field(default_factory=unknown)  # save | shutdown | turnoff | suspend | poweroff
    checkpoints: Val = field(default_factory=unknown)  # checkpoint type; "disabled" when off
    host: Optional[Host] = None
    network_interfaces: list = field(default_factory=list)  # list[NetworkInterface], in the VM's order
    # whether network_interfaces is the whole list: unknown when an interface reference cannot be resolved
    network_interfaces_complete: Val = field(default_factory=lambda: Val(True, DEFAULT))
    file_mounts: list = field(default_factory=list)  # list[FileMount]: shares the guest maps by script


@dataclass
class ExchangePath:
    """A place the code tells Exchange to keep data (database, logs, transport queue), e.g. from
    ``New-MailboxDatabase -EdbFilePath Z:\\DB1\\DB1.edb`` or a DSC ``LogFolderPath``."""

    setting: str  # what sets it, e.g. "EdbFilePath", "LogFolderPath", "QueueDatabasePath"
    path: Val  # the path as written (str); unknown when the code builds it from an unknown value
    what: str = ""  # where it is set, e.g. "VM extension setup-exchange"


@dataclass
class FileMount:
    """A file share or NAS export that code run inside the guest maps (a script in a VM extension, a run
    command, custom data), and the Exchange data paths the same VM's code puts on it (EXV303).

    Filled by the adapters from the script text (``adapters/guest_scripts.py`` reads it); the check decides.
    """

    location: "Location"  # the attribute that holds the command mapping it
    what: str  # where the command is, e.g. "VM extension map-exchdb"
    target: Val  # the share as written: \\acct.file.core.windows.net\db (UNC) or 10.0.0.4:/vol (NFS)
    storage_kind: Val  # "smb" (UNC path) | "nas" (NFS export); the Datastore vocabulary
    drive: Val  # the drive letter it is mapped to ("Z:"); Val(None, DEFAULT) when used by its UNC path only
    datastore: Optional[Datastore] = None  # the share or volume of this configuration it is, when known
    exchange_paths: list = field(default_factory=list)  # list[ExchangePath] on this mount (an unknown path may be)
    paths_elsewhere: list = field(default_factory=list)  # list[ExchangePath] the VM's code puts on other drives


# --------------------------------------------------------------------------- network (EXV501, EXV502)
#
# Filled by the Azure adapters through adapters/azure_network.py (azurerm_network.py, arm_network.py). Strings
# keep the provider's spelling; compare them case-insensitively. Lists are Python lists of str:
# - addresses: an IPv4/IPv6 address or CIDR ("10.0.1.4", "10.0.0.0/16"), a service tag as written
#   ("Internet", "VirtualNetwork", "AzureCloud"), "*" for any, a DNS name (firewall FQDN rules), or
#   "asg:<address or id>" for an application security group;
# - ports: "25", "20-30" or "*";
# - protocols: "tcp", "udp", "icmp", "esp", "ah", "*" (any); firewall application rules "http", "https",
#   "mssql" (these never carry SMTP).
# Who is behind a rule set: RuleSet.attachments (NICs, subnets) and, for a firewall, the routes whose next
# hop it is. The checks decide what reaches the Internet (checks/netpath.py).


@dataclass(eq=False)
class NetworkRule(Resource):
    """One allow or deny rule of a RuleSet: an NSG security rule, a firewall network or application rule."""

    name: Val = field(default_factory=unknown)
    direction: Val = field(default_factory=unknown)  # "inbound" | "outbound" | "any" (firewall: what passes)
    access: Val = field(default_factory=unknown)  # "allow" | "deny"
    protocols: Val = field(default_factory=unknown)  # list[str]
    destination_ports: Val = field(default_factory=unknown)  # list[str]
    destinations: Val = field(default_factory=unknown)  # list[str] addresses
    sources: Val = field(default_factory=unknown)  # list[str] addresses
    # evaluation order inside its rule set, lower first, compared as tuples of ints: NSG (priority,);
    # firewall (policy depth, rule collection group priority, rule collection priority), parents first
    precedence: Val = field(default_factory=unknown)
    rule_set: Optional["RuleSet"] = None  # None when the code does not show which rule set it belongs to
    filter_kind: str = "security-group"  # the kind of rule set it belongs to (RuleSet.filter_kind), known or not
    rule_set_ref: Val = field(default_factory=unknown)  # the reference to its rule set, for notes
    description: str = ""  # for messages, e.g. "security rule smtp-out of network security group nsg-exch"


@dataclass
class Attachment:
    """Where a RuleSet or RouteTable applies: a network interface, a subnet, or what the code does not show."""

    location: "Location"  # the association resource or the attribute that makes it
    interface: Optional["NetworkInterface"] = None
    subnet: Optional["Subnet"] = None
    target: Val = field(default_factory=unknown)  # the reference as written; unknown when it cannot be resolved
    certain: bool = True  # False when the association may name another group or table (that side is unknown)


@dataclass
class RuleSet(Resource):
    """Ordered allow/deny rules that filter traffic: a network security group (applied to NICs and
    subnets) or a firewall (applied to the traffic routed through it)."""

    name: Val = field(default_factory=unknown)
    filter_kind: str = "security-group"  # "security-group" | "firewall"
    # what happens to outbound Internet traffic no rule matches: "allow" (Azure's default NSG rule
    # AllowInternetOutBound) or "deny" (a firewall denies what it does not allow)
    unmatched: str = "allow"
    rules: list = field(default_factory=list)  # list[NetworkRule] known to belong to it
    # unknown when rules of unknown number (dynamic blocks, unknown instances) belong to it
    rules_complete: Val = field(default_factory=lambda: Val(True, DEFAULT))
    attachments: list = field(default_factory=list)  # list[Attachment] (security groups)
    description: str = ""  # for messages, e.g. "network security group nsg-exch", "Azure Firewall fw-hub"


@dataclass
class IpConfiguration:
    location: "Location"
    subnet: Val = field(default_factory=unknown)  # Val(Subnet); unknown when the code does not show it
    address: Val = field(default_factory=unknown)  # Val(str) static address; Val(None, DEFAULT) from the subnet


@dataclass
class NetworkInterface(Resource):
    name: Val = field(default_factory=unknown)
    vm: Optional[VirtualMachine] = None
    ip_configurations: list = field(default_factory=list)  # list[IpConfiguration]
    application_groups: Val = field(default_factory=lambda: Val([], DEFAULT))  # list["asg:<address>"]


@dataclass
class Subnet(Resource):
    """A subnet: created here, read by a data source, or named by an id string (then only its identity)."""

    name: Val = field(default_factory=unknown)
    address_prefixes: Val = field(default_factory=unknown)  # list[str] CIDRs
    managed: bool = True  # created by this configuration; its attachments outside the code are unknown otherwise


@dataclass
class Route:
    location: "Location"
    name: Val = field(default_factory=unknown)
    prefix: Val = field(default_factory=unknown)  # "0.0.0.0/0", a CIDR or a service tag
    next_hop: Val = field(default_factory=unknown)  # "internet" | "appliance" | "gateway" | "vnet" | "none"
    next_hop_address: Val = field(default_factory=unknown)  # str, for "appliance"
    appliance: Optional[RuleSet] = None  # the firewall of this configuration the route leads to


@dataclass
class RouteTable(Resource):
    name: Val = field(default_factory=unknown)
    routes: list = field(default_factory=list)  # list[Route]
    routes_complete: Val = field(default_factory=lambda: Val(True, DEFAULT))
    attachments: list = field(default_factory=list)  # list[Attachment] (subnets)


@dataclass
class Inventory:
    """What one unit of evaluation (a Terraform root module with its children, an ARM or Bicep deployment)
    would create, in provider-neutral terms: the model the rules read."""

    name: str
    platforms: set = field(default_factory=set)
    vms: list = field(default_factory=list)
    disks: list = field(default_factory=list)  # every disk, attached or not
    datastores: list = field(default_factory=list)
    hosts: list = field(default_factory=list)
    snapshots: list = field(default_factory=list)
    network_rules: list = field(default_factory=list)  # every NetworkRule, those of an unknown rule set too
    rule_sets: list = field(default_factory=list)  # list[RuleSet]
    network_interfaces: list = field(default_factory=list)
    subnets: list = field(default_factory=list)
    route_tables: list = field(default_factory=list)
    relay_evidence: list = field(default_factory=list)  # list[Evidence]: SMTP relay resources (EXV501)
    unresolved: list = field(default_factory=list)  # list[(Location, address, what)] found while evaluating


# Provider wording for messages (attribute names, how to fix), registered by each adapter so that
# checks can say "set thin_provisioned = false" without knowing any provider themselves.
_WORDS: dict = {}  # (platform, topic) -> text

# What a check may ask an adapter to word: a name the registry does not know is a programming error,
# raised at once, never a silent fallback to generic text.
TOPICS = frozenset({
    "add-data-disk", "checkpoints", "checkpoints-fix", "differencing-fix", "dynamic-memory", "dynamic-memory-size",
    "dynamic-vhd-fix", "guest-os-fix", "guest-share-fix", "hibernation", "hibernation-fix", "host-missing",
    "linked-clone", "linked-clone-fix", "memory-fix", "memory-limit", "memory-limit-fix", "memory-reservation",
    "nas-config", "nas-fix", "premium-disk-fix", "premium-size-fix", "redo-log-fix", "relay-fix", "separate-storage",
    "smb-fix", "smb-fixed-fix", "smtp-egress-fix", "snapshot-memory", "stop-action", "stop-action-fix",
    "stop-action-when", "thin", "thin-default", "thin-fix", "vcpus",
})


def register_words(platform: str, words: dict) -> None:
    unknown_topics = sorted(set(words) - TOPICS)
    if unknown_topics:
        raise ValueError(f"register_words({platform!r}): unknown topics {unknown_topics}")
    for topic, text in words.items():
        _WORDS[(platform, topic)] = text


def words(platform: str, topic: str, default: str = "") -> str:
    """The provider's wording for ``topic`` (an attribute name, a fix), or ``default`` when the
    provider has none for it."""
    if topic not in TOPICS:
        raise KeyError(f"unknown wording topic {topic!r}")
    return _WORDS.get((platform, topic), default)


def related_from(val: Val) -> tuple:
    """Related locations for a finding about ``val``: where its value came from."""
    return tuple(val.origins)


__all__ = [
    "Val", "Resource", "Datastore", "Disk", "Snapshot", "Evidence", "GuestOs", "ExchangeVersion", "Host",
    "VirtualMachine", "NetworkRule", "Inventory", "ExchangePath", "FileMount", "Attachment", "RuleSet",
    "IpConfiguration", "NetworkInterface", "Subnet", "Route", "RouteTable",
    "unknown", "default", "explicit", "related_from", "register_words", "words",
    "GIB", "MIB", "EXPLICIT", "DEFAULT", "UNKNOWN", "Related",
]
