"""How every Azure adapter (Terraform azurerm, ARM templates, Bicep through ARM) builds the model.

The adapters differ only in where they read a value (an HCL attribute, a JSON property); what the
value means for the model is decided here once: a VM size's memory and Premium Storage
capability, a marketplace image's Windows Server release and default OS disk size, a disk SKU's
Premium class, a storage account's tier, and the placement rule (every Azure disk is storage of
its own). Lookup data lives in :mod:`exvlint.adapters.azure_catalog`.
"""
from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any, Optional

from ..findings import Location, Related
from ..model import DEFAULT, EXPLICIT, GIB, Datastore, Evidence, Val, VirtualMachine, register_words, unknown
from ..exchange_scope import names_installation
from ..evaluation import Unknown
from . import azure_catalog

PLATFORM = "azure"

# Fix wording shared by the Azure adapters: both name the attribute for the reader
register_words(PLATFORM, {
    "premium-disk-fix": "use Premium_LRS or Premium_ZRS",
    "premium-size-fix": "choose a size with 's' in its feature letters (for example Standard_E8s_v5)",
    "hibernation-fix": "set hibernation_enabled = false (ARM/Bicep: additionalCapabilities.hibernationEnabled)",
    "memory-fix": "choose a size with more memory",
    "guest-os-fix": "choose the image SKU of a supported release (a new VM: Windows is not upgraded in place under Exchange)",
    "relay-fix": "record the relay where exvlint sees it: an Azure Communication Services email resource "
                 "(azurerm_email_communication_service, Microsoft.Communication/emailServices), an outbound NSG or "
                 "firewall rule for TCP 587 to the relay's address, the tag smtp-relay on the Exchange VMs, or "
                 "azure.smtp_relay in .exvlint.yaml",
    "smtp-egress-fix": "allow only the relay's address and port (usually 587), or remove the rule",
    "guest-share-fix": "keep Exchange databases, logs and queues on Premium managed disks (see EXV301), not on "
                       "Azure Files or Azure NetApp Files",
})

_BLOB_HOST = re.compile(r"^https?://([a-z0-9]+)\.blob\.", re.I)


def disk_type(type_label: Val) -> tuple:
    """(type_label, premium) for a disk SKU such as Premium_LRS (the caller applies the default)."""
    if not type_label.known:
        return type_label, type_label
    premium = str(type_label.value).lower() in azure_catalog.PREMIUM_DISK_TYPES
    return type_label, Val(premium, type_label.state, type_label.location, type_label.origins)


def gib_to_bytes(size: Val) -> Val:
    """A size in GB (Azure's GB are GiB) as bytes."""
    if not size.known:
        return size
    return Val(size.value * GIB, size.state, size.location, size.origins)


def apply_size(vm: VirtualMachine, size: Val) -> None:
    """The VM size with what the size table says of it: vCPUs, memory, Premium Storage capability."""
    vm.size = size
    if size.known:
        facts = azure_catalog.lookup_size(str(size.value))
        if facts is None:
            reason = f"size {size.value} is not in exvlint's Azure size table"
            vm.vcpus = vm.memory_mib = vm.premium_storage_capable = unknown(size.location, reason, size.origins)
        else:
            vm.vcpus = Val(facts.vcpus, size.state, size.location, size.origins)
            vm.memory_mib = Val(int(facts.memory_gib * 1024), size.state, size.location, size.origins)
            vm.premium_storage_capable = Val(facts.premium_storage, size.state, size.location, size.origins)
    else:
        vm.vcpus = vm.memory_mib = vm.premium_storage_capable = size
    vm.dynamic_memory = Val(False, DEFAULT, vm.location)  # fixed by the size


def runs_linux(os_type: Optional[str], linux_configuration: bool, publisher: Optional[str],
               offer: Optional[str]) -> bool:
    """A VM that is known to run Linux is not a Windows server, so it cannot be an Exchange server."""
    if linux_configuration or (isinstance(os_type, str) and os_type.lower() == "linux"):
        return True
    return isinstance(publisher, str) and isinstance(offer, str) and azure_catalog.linux_image(publisher, offer)


def unknown_image(vm: VirtualMachine, where: Optional[Location], reason: str, origins: tuple = ()) -> None:
    vm.guest_os = vm.image = unknown(where, reason, origins)


def apply_image(vm: VirtualMachine, publisher: Val, offer: Val, sku: Val) -> Optional[int]:
    """Guest OS (a fact, not a verdict) from a marketplace image reference; returns the image's default
    OS disk GiB."""
    if not (publisher.known and offer.known and sku.known):
        missing = next(v for v in (publisher, offer, sku) if not v.known)
        vm.guest_os = vm.image = missing
        return None
    pub, off, sk = str(publisher.value), str(offer.value), str(sku.value)
    facts = azure_catalog.windows_image(pub, off, sk)
    desc = f"{pub}/{off}/{sk}"
    vm.image = Val(desc, sku.state, sku.location, sku.origins)
    if facts.guest_os is None:
        vm.guest_os = unknown(sku.location, f"image {desc} does not say which Windows Server it is")
        return None
    named = {"sku": sku, "offer": offer, "publisher": publisher}[facts.named_by]  # the attribute to change
    vm.guest_os = Val(facts.guest_os, named.state, named.location, named.origins)
    return facts.os_disk_gib


def os_disk_size(size: Optional[Val], where: Optional[Location], image_gib: Optional[int], name: str) -> Val:
    """An OS disk's size in bytes from its size in GB; None means omitted: the image's default applies."""
    if size is None:
        if image_gib is None:
            return unknown(where, f"{name} is omitted and the image's OS disk size is not known")
        return Val(image_gib * GIB, DEFAULT, where)
    return gib_to_bytes(size)


def tier_premium(tier: Val) -> Val:
    """A storage account's tier (Premium / Standard) as the model's premium flag."""
    if not tier.known:
        return tier
    return Val(str(tier.value).lower() == "premium", tier.state, tier.location, tier.origins)


def blob_account(uri: str) -> Optional[str]:
    """The storage account a blob URI is in (``https://<name>.blob.core.windows.net/...``)."""
    m = _BLOB_HOST.match(uri)
    return m.group(1) if m else None


def account_named(accounts, name: str) -> Optional[Datastore]:
    found = [d for d in accounts if d.name.known and str(d.name.value).lower() == name.lower()]
    return found[0] if found else None


def vhd_storage(account: Optional[Datastore], uri: Val, attribute: str) -> tuple:
    """(type_label, premium) of an unmanaged VHD: its tier is the storage account's."""
    if account is not None and account.premium.known:
        tier = "Premium" if account.premium.value else "Standard"
        type_label = Val(f"unmanaged VHD in {tier} storage account {account.name.value or account.address}",
                           account.premium.state, uri.location, account.premium.origins)
        premium = Val(account.premium.value, account.premium.state, uri.location,
                      (Related(account.premium.location, "storage account tier"),) + account.premium.origins)
        return type_label, premium
    reason = account.premium.reason if account is not None else \
        f"the storage account of {attribute} is not in this configuration"
    return unknown(uri.location, reason), unknown(uri.location, reason)


def storage_account(datastore: Datastore) -> Datastore:
    """A storage account is block storage for the model (NAS rules do not apply to VHD blobs)."""
    datastore.storage_kind = Val("block", EXPLICIT, datastore.location)
    return datastore


def own_storage(disks) -> None:
    """Every Azure disk is storage of its own, so only a missing data disk is data on OS storage
    (EXV307); a managed disk is block storage, so the NAS rule has nothing to ask about it (EXV303)."""
    for disk in disks:
        if disk.platform != PLATFORM:
            continue
        if not disk.placement.known:
            disk.placement = Val(f"its own Azure disk {disk.address}", DEFAULT, disk.location)
        if disk.datastore is None and disk.file_format.known and disk.file_format.value == "managed":
            disk.datastore = Datastore(address=disk.address, kind=disk.kind, platform=PLATFORM, location=disk.location,
                                       name=disk.name, storage_kind=Val("block", DEFAULT, disk.location),
                                       description=f"Azure managed disk {disk.address}")


# What in a VM extension's or run command's settings says what it installs (the README's "How Exchange VMs are recognised"): the
# configuration function, script and module names and the command line. Other settings (a DSC
# property such as ExchangeServerName on a certificate authority) say nothing about the VM itself.
_COMMAND_KEYS = {"commandtoexecute", "script", "commandid", "configurationfunction", "function", "commandline"}
_FILE_KEYS = {"modulesurl", "url", "fileuris", "scripturi", "configurationurl"}  # only the file name counts


def _settings_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)  # azurerm settings are JSON strings
        except ValueError:
            return value
    return value


def _file_name(uri: str) -> str:
    return urllib.parse.unquote(uri.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1])


def settings_text(value: Any) -> str:
    """Extension settings as text (unknown parts left out): what the Exchange version is read from."""
    if isinstance(value, Unknown):
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, default=lambda v: "" if isinstance(v, Unknown) else str(v))
    except (TypeError, ValueError):
        return ""


def extension_evidence(settings: list, name: Optional[tuple], what: str) -> list:
    """Evidence that a VM extension or run command installs Exchange.

    ``settings``: (value, location, origins) of its settings; ``name``: the same for its name, or
    None. When a command line, script, configuration or module name (or the name) says Exchange,
    every part that mentions Exchange is evidence: one may name the version, another the module.
    """
    installs = any(installs_exchange(value) for value, _, _ in settings) or \
        (name is not None and isinstance(name[0], str) and names_installation(name[0]))
    if not installs:
        return []
    out = []
    for value, location, origins in settings + ([name] if name is not None else []):
        text = settings_text(value)
        if "exchange" in text.lower():
            out.append(Evidence(text, location, what, tuple(origins)))
    return out


def installs_exchange(settings: Any) -> Optional[str]:
    """The setting (command line, script, configuration or module name) of an extension or run
    command that names Exchange, or None."""
    stack = [_settings_value(settings)]
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        for key, item in value.items():
            norm = str(key).replace("_", "").lower()
            texts = item if isinstance(item, list) else [item]
            if norm in _COMMAND_KEYS or norm in _FILE_KEYS:
                for text in texts:
                    if isinstance(text, str):
                        shown = _file_name(text) if norm in _FILE_KEYS else text
                        if names_installation(shown):
                            return shown
            if isinstance(item, (dict, list)):
                stack.append(item)
    return None
