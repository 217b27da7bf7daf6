"""Which Exchange version each VM runs, and where that was stated.

First to last: a tag ``exchange-version`` (or ``exchange_version``) on the VM; installation evidence
attached to it that names a version (an ISO or installer path, extension or script settings such as
``ExchangeServer2019-x64-CU14.ISO``); ``exchange.version`` in the configuration; else Exchange 2013,
the statement exvlint started from. The cumulative update comes from the same place, or from a later
one that names the same version. Everything here reads the neutral model, so every input format and
provider gets the same answer.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

from .config import Config
from .findings import Location, Related, brief
from .model import DEFAULT, EXPLICIT, ExchangeVersion, Val, VirtualMachine, unknown
from .exchange_scope import vm_tags

VERSIONS = ("2013", "2016", "2019", "SE")
DEFAULT_VERSION = "2013"
VERSION_TAGS = ("exchange-version", "exchange_version")
DEFAULT_SOURCE = "the default, as no version is stated"

_YEAR = r"(2013|2016|2019)(?![0-9])"
_SE = r"(se|subscription[\s_-]*edition)(?![a-z0-9])"
# in free text (paths, settings) a version counts only right after "Exchange" or "Exchange Server"; media and
# configuration names also abbreviate it to two digits (EXCHANGE19.zip, Exchange16): 13, 16 and 19 only
_IN_TEXT = re.compile(r"exchange[\s_-]*(?:server[\s_-]*)?(?:" + _YEAR + "|" + _SE + r")"
                      r"|exchange(?:server)?[_-]?(13|16|19)(?![0-9a-z])", re.I)
# in a value that is about the version anyway (a tag, the configuration) the version alone is enough
_IN_VALUE = re.compile(r"(?<![0-9])" + _YEAR + r"|(?<![a-z])" + _SE, re.I)
_CU = re.compile(r"(?<![a-z])(?:cu|cumulative[\s_-]*update)[\s_-]?(\d{1,2})(?![0-9])", re.I)
_TOKEN_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _version(m: re.Match) -> str:
    if m.group(1):
        return m.group(1)
    if m.re is _IN_TEXT and m.group(3):
        return "20" + m.group(3)
    return "SE"


def _one_cu(text: str) -> Optional[int]:
    found = {int(m.group(1)) for m in _CU.finditer(text)}
    return found.pop() if len(found) == 1 else None


def parse_version(text: str) -> Optional[tuple]:
    """(version, cu or None) from a value such as ``2019``, ``Exchange 2019``, ``2019 CU14`` or ``SE``;
    None when it names no version, or several."""
    found = {_version(m) for m in _IN_VALUE.finditer(text)}
    if len(found) != 1:
        return None
    return found.pop(), _one_cu(text)


def parse_cu(value) -> Optional[int]:
    """A cumulative update number from ``14`` or ``CU14``; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    m = re.fullmatch(r"\s*(?:cu)?\s*(\d{1,3})\s*", str(value), re.I)
    return int(m.group(1)) if m else None


def _token(text: str, m: re.Match) -> str:
    """The file name or word around a match, for messages: ``ExchangeServer2019-x64-CU14.ISO``."""
    start, end = m.start(), m.end()
    while start > 0 and text[start - 1] in _TOKEN_CHARS:
        start -= 1
    while end < len(text) and text[end] in _TOKEN_CHARS:
        end += 1
    token = text[start:end]
    return token if len(token) <= 80 else text[m.start():m.end()]


def _place(location: Optional[Location]) -> str:
    if location is None:
        return ""
    return f"{os.path.basename(location.path)}:{location.line}" if location.line else os.path.basename(location.path)


@dataclass(frozen=True)
class _Stated:
    """One place that states a version (or, for the configuration, only a CU)."""

    version: Optional[str]
    cu: Optional[int]
    source: str
    location: Optional[Location]
    origins: tuple = ()


def _from_tags(vm: VirtualMachine):
    """A _Stated, an unknown Val (a tag that cannot be read), or None without a version tag."""
    for key, val, noun in vm_tags(vm):
        if key.lower() not in VERSION_TAGS:
            continue
        if not val.known:
            return unknown(val.location, f"{noun} {brief(key, 40)}: {val.reason}", val.origins)
        parsed = parse_version(str(val.value))
        if parsed is None:
            return unknown(val.location, f"{noun} {brief(key, 40)}={brief(val.value)} names no Exchange version "
                                         f"exvlint knows (2013, 2016, 2019 or SE)", val.origins)
        return _Stated(parsed[0], parsed[1], f"{noun} {brief(key, 40)}={brief(val.value)}", val.location, val.origins)
    return None


def _from_evidence(vm: VirtualMachine):
    """A _Stated, an unknown Val (evidence naming different versions), or None."""
    stated = []
    for evidence in vm.exchange_evidence:
        versions = {}
        for m in _IN_TEXT.finditer(evidence.text):
            versions.setdefault(_version(m), m)
        if len(versions) != 1:  # none, or an extension that mentions several versions: it does not tell
            continue
        version, m = next(iter(versions.items()))
        source = f"from {_token(evidence.text, m)} at {_place(evidence.location)}"
        stated.append(_Stated(version, _one_cu(evidence.text), source, evidence.location, tuple(evidence.origins)))
    named = sorted({s.version for s in stated})
    if len(named) > 1:
        listed = " and ".join(f"Exchange {v} ({next(s.source for s in stated if s.version == v)})" for v in named)
        return unknown(stated[0].location, f"the installation evidence names {listed}; state the version with an "
                                           "exchange-version tag", stated[0].origins)
    return stated or None


def _from_config(config: Config) -> Optional[_Stated]:
    if config.exchange_version is None and config.exchange_cu is None:
        return None
    shown = os.path.basename(config.source) if config.source else "the configuration"
    key = "exchange.version" if config.exchange_version is not None else "exchange.cu"
    line = config.key_lines.get(("exchange", key.split(".")[1]))
    location = Location(config.source, line, 1) if config.source and line else None
    return _Stated(config.exchange_version, config.exchange_cu, f"{key} in {shown}", location)


def detect(vm: VirtualMachine, config: Config) -> Val:
    """The VM's Exchange version as a model value: located where it was stated, with its origins."""
    candidates: list = []
    tag = _from_tags(vm)
    if isinstance(tag, Val):
        return tag
    if tag is not None:
        candidates.append(tag)
    evidence = _from_evidence(vm)
    if isinstance(evidence, Val):
        if not candidates:
            return evidence
    elif evidence:
        candidates.extend(evidence)
    configured = _from_config(config)
    if configured is not None:
        candidates.append(configured)
    primary = next((c for c in candidates if c.version is not None), None)
    if primary is None:
        return _default()
    origins = tuple(primary.origins)
    cu = primary.cu
    if cu is None:  # a later place may give the CU of the same version (a tag 2019 and an ISO ...-CU14)
        for later in candidates[candidates.index(primary) + 1:]:
            if later.cu is not None and later.version in (None, primary.version):
                cu = later.cu
                if later.location is not None:
                    origins += (Related(later.location, f"CU{cu} stated here ({later.source})"),)
                origins += tuple(later.origins)
                break
    return Val(ExchangeVersion(primary.version, cu, primary.source), EXPLICIT, primary.location, origins)


def _default() -> Val:
    return Val(ExchangeVersion(DEFAULT_VERSION, None, DEFAULT_SOURCE), DEFAULT, None)


def configured(config: Config) -> Val:
    """The version of Exchange storage that no VM attaches: the configuration's, else the default."""
    stated = _from_config(config)
    if stated is None or stated.version is None:
        return _default()
    return Val(ExchangeVersion(stated.version, stated.cu, stated.source), EXPLICIT, stated.location)


def of_vm(vm: Optional[VirtualMachine], config: Config) -> Val:
    """The version a finding about ``vm`` (or about storage no VM attaches) assumes."""
    return vm.exchange_version if vm is not None else configured(config)


def assign(vms: list, config: Config) -> None:
    for vm in vms:
        vm.exchange_version = detect(vm, config)


def version_related(version: Val) -> tuple:
    """Related locations for a finding that depends on the version: where it was stated, and its origins."""
    if not version.known or version.location is None:
        return ()
    return (Related(version.location, f"{version.value} stated here"),) + tuple(version.origins)
