"""What code run inside a Windows guest does with file shares and Exchange data paths (EXV303).

Adapters hand in the text of what runs in the guest (VM extension settings, run command scripts,
custom data); this module finds which shares it maps to which drive letters and which Exchange
database, log and queue paths it sets. It knows Windows and Exchange, not any cloud provider, so every
adapter (Terraform azurerm, ARM and Bicep) uses it. A part of the text that is only known after
apply is a hole ``${...}`` (see terraform/values.py ``hole``), which may name the resource it comes from.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any, Optional

HOLE = re.compile(r"\$\{([^}]*)\}")
_DRIVE = r"(?P<drive>[A-Za-z]:|\*|\$\{[^}]*\})"
_QUOTED = r"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"';|]+))"""

# Commands that map a share (Windows): net use, New-SmbMapping, New-PSDrive, WScript MapNetworkDrive use SMB;
# mount.exe is the Client for NFS.
_NET_USE = re.compile(r"\bnet(?:\.exe)?\s+use\s+" + _DRIVE + r"\s+" + _QUOTED, re.I)
_NET_USE_UNC = re.compile(r"\bnet(?:\.exe)?\s+use\s+" + _QUOTED, re.I)
_NFS_MOUNT = re.compile(r"\bmount(?:\.exe)?\s+(?:-o\s+\S+\s+|-[a-z]\s+)*" + _QUOTED + r"\s+" + _DRIVE, re.I)
_MAP_DRIVE = re.compile(r"MapNetworkDrive\s*\(\s*[\"'](?P<drive>[A-Za-z]:)[\"']\s*,\s*[\"'](?P<dq>[^\"']+)[\"']", re.I)
_CMDLETS = re.compile(r"\b(New-SmbMapping|New-PSDrive)\b(?P<args>[^\r\n;|]*)", re.I)
_PARAM = re.compile(r"-(?P<name>[A-Za-z]+)(?::|\s+)" + _QUOTED)

# Where Exchange keeps data: mailbox databases and their logs, the transport queue database, and the
# installation folder that holds the first database when setup is not told otherwise.
EXCHANGE_SETTINGS = {
    "edbfilepath": "EdbFilePath", "logfolderpath": "LogFolderPath", "queuedatabasepath": "QueueDatabasePath",
    "queuedatabaseloggingpath": "QueueDatabaseLoggingPath", "dbfilepath": "DbFilePath", "targetdir": "TargetDir",
}
# New-MailboxDatabase / Move-DatabasePath / Set-TransportService -X <path>; setup.exe /X:<path>;
# DSC or hashtables X = '<path>'; JSON "X": "<path>"
_EXCHANGE_PATH = re.compile(
    r"(?:(?<![\w-])[-/](?P<p>EdbFilePath|LogFolderPath|QueueDatabasePath|QueueDatabaseLoggingPath|DbFilePath|"
    r"TargetDir)(?::|\s+)|(?<![\w-])(?P<k>EdbFilePath|LogFolderPath|QueueDatabasePath|QueueDatabaseLoggingPath)"
    r"\s*=\s*|\"(?P<j>EdbFilePath|LogFolderPath|QueueDatabasePath|QueueDatabaseLoggingPath)\"\s*:\s*)" + _QUOTED,
    re.I)


@dataclass
class Mapping:
    """A share the script maps: ``drive`` None when the script uses the UNC path itself."""

    drive: Optional[str]  # "Z:" (upper case); None for a UNC path used directly; "?" when not known
    target: str  # as written: \\host\share\... or host:/export
    storage_kind: str  # "smb" | "nas"


@dataclass
class DataPath:
    setting: str  # EdbFilePath, LogFolderPath, ...
    path: str  # as written (may hold holes)


def texts_of(value: Any) -> list:
    """The readable texts inside an evaluated settings value: strings of a JSON object, a JSON string
    parsed into its strings, or the text of a partly known value (holes kept)."""
    out: list = []
    _collect(value, out, 0)
    return out


def _collect(value: Any, out: list, depth: int) -> None:
    if depth > 20:
        return
    text = getattr(value, "text", None) if not isinstance(value, (str, dict, list)) else None
    if isinstance(value, str) or text is not None:
        text = value if isinstance(value, str) else text
        parsed = _json(text)
        if parsed is not None and not isinstance(parsed, str):
            _collect(parsed, out, depth + 1)
        else:
            out.append(text)
    elif isinstance(value, dict):
        for k, v in value.items():
            if str(k).lower() in EXCHANGE_SETTINGS and isinstance(v, str):
                out.append(f'{k} = "{v}"')  # a DSC argument or hashtable entry: the key is the setting
            else:
                _collect(v, out, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _collect(v, out, depth + 1)


def _json(text: str) -> Any:
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def decode_custom_data(value: Any) -> list:
    """Custom data as text: base64 (as the provider wants it) is decoded; plain text stays."""
    texts = texts_of(value)
    out = []
    for text in texts:
        decoded = None
        compact = text.strip()
        if compact and re.fullmatch(r"[A-Za-z0-9+/=\s]+", compact) and len(compact) % 4 == 0:
            try:
                raw = base64.b64decode(compact, validate=False)
                decoded = raw.decode("utf-8") if not raw.startswith(b"\x1f\x8b") else None
            except (binascii.Error, UnicodeDecodeError, ValueError):
                decoded = None
        out.append(decoded if decoded is not None else text)
    return out


def _value(m: re.Match) -> str:
    for group in ("dq", "sq", "bare"):
        if m.groupdict().get(group) is not None:
            return m.group(group)
    return ""


def _drive(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    text = text.strip().rstrip("\\/")
    if re.fullmatch(r"[A-Za-z]:", text):
        return text.upper()
    if re.fullmatch(r"[A-Za-z]", text):  # New-PSDrive -Name Z
        return text.upper() + ":"
    return "?"  # "*" (next free letter) or a hole: not known


def is_unc(path: str) -> bool:
    return path.startswith(("\\\\", "//")) and not path.startswith(("\\\\?\\", "\\\\.\\"))


def is_nfs(path: str) -> bool:
    return re.match(r"^[^\\/\s:]+:/", path) is not None and not re.match(r"^[A-Za-z]:/", path)


def mappings(text: str) -> list:
    """The shares a script maps, in order."""
    found = []
    for m in _NET_USE.finditer(text):
        target = _value(m)
        if is_unc(target):
            found.append((m.start(), Mapping(_drive(m.group("drive")), target, "smb")))
    for m in _NET_USE_UNC.finditer(text):
        target = _value(m)
        if is_unc(target):  # net use \\server\share: connects without a drive letter
            found.append((m.start(), Mapping(None, target, "smb")))
    for m in _NFS_MOUNT.finditer(text):
        target = _value(m)
        if is_unc(target) or is_nfs(target):
            found.append((m.start(), Mapping(_drive(m.group("drive")), target, "nas")))
    for m in _MAP_DRIVE.finditer(text):
        found.append((m.start(), Mapping(_drive(m.group("drive")), m.group("dq"), "smb")))
    for m in _CMDLETS.finditer(text):
        params = {p.group("name").lower(): _value(p) for p in _PARAM.finditer(m.group("args"))}
        if m.group(1).lower() == "new-smbmapping":
            target, drive = params.get("remotepath"), params.get("localpath")
        else:
            target, drive = params.get("root"), params.get("name")
            if target is None or drive is None:  # positional: New-PSDrive Z FileSystem \\host\share
                words = [w.strip("\"'") for w in m.group("args").split() if not w.startswith("-")]
                drive = drive or (words[0] if words else None)
                target = target or (words[2] if len(words) > 2 else None)
        if target and is_unc(target):
            found.append((m.start(), Mapping(_drive(drive) if drive else "?", target, "smb")))
    return [mapping for _, mapping in sorted(found, key=lambda f: f[0])]


def exchange_paths(text: str) -> list:
    """The Exchange data paths a script sets."""
    out = []
    for m in _EXCHANGE_PATH.finditer(text):
        setting = (m.group("p") or m.group("k") or m.group("j")).lower()
        path = _value(m).strip().rstrip(",;)")
        if path:
            out.append(DataPath(EXCHANGE_SETTINGS[setting], path))
    return out


def normalise(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").lower() if is_unc(path) else path.rstrip("\\/").lower()


def on_mapping(path: str, mapping: Mapping) -> Optional[bool]:
    """Whether an Exchange path lies on a mapped share: True, False, or None when the path (or the drive
    letter) is not known well enough to tell."""
    stripped = path.strip()
    if re.match(r"^(\$env:|%)(systemdrive|programfiles|exchangeinstallpath)\b", stripped, re.I):
        return False  # the system drive or the Exchange installation folder: local
    if stripped.startswith(("${", "$")) or mapping.drive == "?":
        return None  # a hole or a PowerShell variable first: any drive
    if mapping.drive and re.match(r"^[A-Za-z]:", stripped):
        return stripped[:2].upper() == mapping.drive
    if is_unc(stripped) or is_nfs(stripped):
        target = normalise(mapping.target)
        candidate = normalise(stripped)
        return candidate == target or candidate.startswith(target + "\\") or candidate.startswith(target + "/")
    return False


def unc_parts(target: str) -> tuple:
    """(host, first path segment) of a UNC path or an NFS export (host:/a/b -> (host, a))."""
    if is_unc(target):
        parts = re.split(r"[\\/]+", target.strip("\\/"))
        return (parts[0], parts[1] if len(parts) > 1 else "")
    if is_nfs(target):
        host, _, rest = target.partition(":")
        parts = [p for p in rest.split("/") if p]
        return host, parts[0] if parts else ""
    return "", ""


def holes(text: str) -> list:
    """The resource attributes that holes in ``text`` name (``address.attr``)."""
    return [m.group(1) for m in HOLE.finditer(text) if m.group(1) != "?"]
