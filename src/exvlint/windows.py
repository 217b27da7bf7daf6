"""Windows releases as facts: their names, and the OS a person wrote down (``guest_os`` in the configuration).

Shared by the adapters and the configuration; which Exchange version supports which release is not
decided here but in the EXV404 check.
"""
from __future__ import annotations

import re
from typing import Optional

from .lookup import release_names
from .model import GuestOs

_RELEASE = re.compile(r"(?<![0-9])(2000|2003|2008|2012|2016|2019|2022|2025)(?:\s*(r2))?(?![0-9])", re.I)
_CLIENT = re.compile(r"windows\s*(xp|vista|7|8(\.1)?|10|11)\b", re.I)


def guest_os(releases: tuple, installation: str = "", edition: str = "", name: str = "", note: str = "") -> GuestOs:
    """A GuestOs named after its first release unless ``name`` is given."""
    return GuestOs(tuple(releases), name or release_names().get(releases[0], releases[0]), installation, edition, note)


def parse_os_name(text: str) -> Optional[GuestOs]:
    """The OS a person wrote (``Windows Server 2012 R2``, ``WS2019 Core``, ``Ubuntu 22.04``); None when a
    Windows is named without a release that can be told."""
    shown = text.strip()
    low = shown.lower()
    installation = ("nano" if "nano" in low else "core" if re.search(r"\bcore\b", low)
                    else "desktop" if re.search(r"desktop|\bgui\b|full installation", low) else "")
    edition = ("azure-edition" if re.search(r"azure[\s_-]*edition", low) else "datacenter" if "datacenter" in low
               else "standard" if "standard" in low else "")
    if "server" not in low and _CLIENT.search(low):
        return guest_os(("client",), name=shown)
    m = _RELEASE.search(low)
    if m:
        year = m.group(1)
        key = year + "r2" if m.group(2) and year in ("2008", "2012") else year
        return guest_os((key,), installation, edition, name=shown)
    if "win" in low:
        return None
    return guest_os(("other",), name=shown)
