"""Which VMs are Exchange servers, and why: configuration, tags, name patterns, installation evidence.

The reason is part of every finding's message, so a user can see at once why exvlint holds a
VM to Exchange's requirements.
"""
from __future__ import annotations

import re
from typing import Optional

from .config import Config
from .findings import brief
from .paths import glob_match
from .model import Disk, Val, VirtualMachine

TAG_KEYS = ("role", "workload", "app", "application", "service", "purpose")
OPT_OUT_TAG = "exvlint-exchange"


def _names(vm: VirtualMachine) -> list:
    """(label, text) pairs a name pattern is tried against."""
    out = []
    if vm.name.known and isinstance(vm.name.value, str):
        out.append(("name", vm.name.value))
    if vm.computer_name.known and isinstance(vm.computer_name.value, str):
        out.append(("computer name", vm.computer_name.value))
    out.append(("address", vm.address))
    if vm.module_path:
        out.append(("module", vm.module_path))
    return out


def _label_value(labels: dict, key: str) -> Optional[str]:
    for k, v in labels.items():
        if k.lower() == key and v.known:
            return str(v.value)
    return None


def exchange_reason(vm: VirtualMachine, config: Config) -> Optional[str]:
    """Why ``vm`` is an Exchange server, or None when it is not (or is excluded)."""
    targets = [t for _, t in _names(vm)]
    if any(glob_match(p, t) for p in config.exchange_exclude for t in targets):
        return None
    opt_out = _label_value(vm.labels, OPT_OUT_TAG)
    if opt_out is not None and opt_out.strip().lower() == "false":
        return None
    for pattern in config.exchange_vms:
        for label, text in _names(vm):
            if glob_match(pattern, text):
                return f"exchange.vms {pattern}"
    if config.all_vms:
        return "all VMs in scope"
    reason = _label_reason(vm.labels, _LABEL_NOUN.get(vm.platform, "tag"))
    if reason:
        return reason
    for key, value in notes_pairs(vm.notes):
        if key.lower() in TAG_KEYS and "exchange" in value.lower():
            return f"{_NOTES_NOUN.get(vm.platform, 'notes')} {brief(key, 40)}={brief(value)}"
    for pattern in config.name_patterns:
        for label, text in _names(vm):
            if glob_match(pattern, text):
                return f"{label} matches {pattern}"
    for evidence in vm.exchange_evidence:
        return f"{evidence.what} installs Exchange"
    return None


# Exchange named only to prepare Active Directory (setup /PrepareSchema, /PrepareAD, /PrepareAllDomains,
# /PrepareDomain and their short forms, a DSC configuration such as PREPAREADEXCHANGE16) or to download the
# media (DOWNLOADEXCHANGE10): both run on domain controllers and file servers too, so they do not make a VM an
# Exchange server unless the same text also installs it (setup /Mode:Install or /Roles, xExchInstall, a
# configuration or script named InstallExchange)
_PREPARATION = re.compile(r"prepare[\s_-]*(?:exchange[\s_-]*)?(?:schema|alldomains|domain|ad)(?![a-z])"
                          r"|prepare[\s_-]*ad(?=[\s_-]*exchange)"
                          r"|/p(?:ad|s|l)(?![a-z])|download[\s_-]*(?:exchange|the[\s_-]*media|media|iso)", re.I)
_INSTALLATION = re.compile(r"/m(?:ode)?:\s*(?:install|upgrade)|/r(?:oles?)?:|xexchinstall|install[\s_-]*exchange"
                           r"|exchange[\s_-]*install", re.I)


def names_installation(text: str) -> bool:
    """Whether text attached to a VM (an extension's command line, configuration or module name) says the
    VM runs Exchange: it names Exchange, and not only to prepare Active Directory or download the media."""
    if "exchange" not in text.lower():
        return False
    return not _PREPARATION.search(text) or bool(_INSTALLATION.search(text))


_LABEL_NOUN = {"vsphere": "custom attribute"}  # what the platform calls a VM's labels
_NOTES_NOUN = {"vsphere": "annotation"}  # and its free-text notes
# key=value (or key: value) in free text; a value runs to a separator or to the next key=value pair
_KEY = r"[A-Za-z_][A-Za-z0-9_-]*"
_NOTE_PAIR = re.compile(rf"({_KEY})[ \t]*[=:][ \t]*([^;,\n]*?)(?=[ \t]*(?:[;,\n]|$|[ \t]+{_KEY}[ \t]*[=:]))")


def notes_pairs(notes: Val) -> list:
    """(key, value) pairs written in a VM's free-text notes, e.g. ``role=exchange-mailbox; site=ams``."""
    if not notes.known or not isinstance(notes.value, str):
        return []
    return [(m.group(1), m.group(2)) for m in _NOTE_PAIR.finditer(notes.value) if m.group(2)]


def vm_tags(vm: VirtualMachine) -> list:
    """(key, Val, what the platform calls it) for every tag of a VM: its labels, then the pairs in its notes."""
    out = [(key, val, _LABEL_NOUN.get(vm.platform, "tag")) for key, val in sorted(vm.labels.items())]
    for key, value in notes_pairs(vm.notes):
        out.append((key, Val(value, vm.notes.state, vm.notes.location, vm.notes.origins),
                    _NOTES_NOUN.get(vm.platform, "notes")))
    return out


_EDGE = re.compile(r"(?<![a-z])edge", re.I)


def exchange_role(vm: VirtualMachine) -> tuple:
    """("edge" or "mailbox", why): Edge when a role tag or the VM's name says edge, else Mailbox.

    Taking a VM for an Edge server only lowers the memory it is held to, so names count too.
    """
    for key, val, noun in vm_tags(vm):
        low = key.lower()
        if (low in TAG_KEYS or low in ("exchange", "exchange-role", "exchange_role")) and val.known \
                and _EDGE.search(str(val.value)):
            return "edge", f"{noun} {brief(key, 40)}={brief(val.value)}"
    for label, text in _names(vm)[:2]:  # the VM's name and computer name
        if label in ("name", "computer name") and _EDGE.search(text):
            return "edge", f"{label} {brief(text)}"
    return "mailbox", "no tag or name says Edge"


def _label_reason(labels: dict, noun: str = "tag") -> Optional[str]:
    for key, val in sorted(labels.items()):
        if not val.known:
            continue
        value = brief(val.value)
        key = brief(key, 40)
        if key.lower() == "exchange":
            return f"{noun} {key}={value}" if value else f"{noun} {key}"
        if key.lower() in TAG_KEYS and "exchange" in value.lower():
            return f"{noun} {key}={value}"
    return None


def disk_reason(disk: Disk, config: Config) -> Optional[str]:
    """A disk no VM attaches is in scope when its own name or tags say Exchange."""
    opt_out = _label_value(disk.labels, OPT_OUT_TAG)
    if opt_out is not None and opt_out.strip().lower() == "false":
        return None
    reason = _label_reason(disk.labels)
    if reason:
        return reason
    texts = [("address", disk.address)]
    if disk.name.known and isinstance(disk.name.value, str):
        texts.insert(0, ("name", disk.name.value))
    for pattern in config.name_patterns:
        for label, text in texts:
            if glob_match(pattern, text):
                return f"{label} matches {pattern}"
    return None


def vm_label(vm: VirtualMachine) -> str:
    if vm.name.known and isinstance(vm.name.value, str) and vm.name.value:
        return brief(vm.name.value)
    return brief(vm.address, 200)
