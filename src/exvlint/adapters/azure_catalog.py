"""Azure lookup data: VM sizes (shipped table) and Windows Server marketplace images.

Shared by every Azure adapter (Terraform azurerm, ARM, Bicep), so the knowledge lives once.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional



@dataclass(frozen=True)
class VmSize:
    name: str
    vcpus: int
    memory_gib: float
    premium_storage: bool
    family: str


@lru_cache(maxsize=1)
def size_table() -> dict:
    """Size name (lower case) -> VmSize, from data/azure_vm_sizes.csv."""
    text = resources.files("exvlint").joinpath("data/azure_vm_sizes.csv").read_text(encoding="utf-8")
    table = {}
    for row in csv.DictReader(io.StringIO(text)):
        size = VmSize(row["size"], int(row["vcpus"]), float(row["memory_gib"]),
                      row["premium_storage"].strip().lower() == "true", row["family"])
        table[size.name.lower()] = size
    return table


def lookup_size(name: str) -> Optional[VmSize]:
    return size_table().get(name.strip().lower())


# Premium-class disk SKUs (rules.md EXV301): PremiumV2/Ultra are data-disk only.
PREMIUM_DISK_TYPES = {"premium_lrs", "premium_zrs", "premiumv2_lrs", "ultrassd_lrs"}
SERVER_DEFAULT_DISK_TYPE = "Standard_LRS"  # Azure's server default when no type is sent

# Windows Server marketplace images (publisher MicrosoftWindowsServer, offer WindowsServer).
WINDOWS_PUBLISHER = "microsoftwindowsserver"
WINDOWS_OFFER = "windowsserver"
_SUPPORTED_SKU = re.compile(r"^(2008-r2-sp1|2012-datacenter|2012-r2-datacenter)(-smalldisk)?(-gensecond|-g2|-zhcn|-zhcn-g2|-smalldisk-g2)?$", re.I)
_SKU_OS = [
    (re.compile(r"^2008-r2-sp1", re.I), "Windows Server 2008 R2 SP1"),
    (re.compile(r"^2012-r2-", re.I), "Windows Server 2012 R2"),
    (re.compile(r"^2012-", re.I), "Windows Server 2012"),
    (re.compile(r"^2016-", re.I), "Windows Server 2016"),
    (re.compile(r"^2019-", re.I), "Windows Server 2019"),
    (re.compile(r"^2022-", re.I), "Windows Server 2022"),
    (re.compile(r"^2025-", re.I), "Windows Server 2025"),
    (re.compile(r"^2008-", re.I), "Windows Server 2008"),
    (re.compile(r"^(datacenter-core-|20h2|2004|1709|1803|1809|1903|1909)", re.I), "Windows Server semi-annual channel"),
]
STANDARD_IMAGE_OS_DISK_GIB = 127  # Windows Server marketplace images
SMALLDISK_IMAGE_OS_DISK_GIB = 30  # "-smalldisk" SKUs


@dataclass(frozen=True)
class ImageFacts:
    os_name: Optional[str]  # None when the image does not say
    supported: Optional[bool]  # None when unknown
    os_disk_gib: Optional[int]  # default OS disk size of the image, None when unknown
    named_by: str = "sku"  # which part of the image reference names the OS: sku, offer or publisher


_WS_IN_OFFER = re.compile(r"-ws(2008r2|2012r2|2012|2016|2019|2022|2025)\b", re.I)  # e.g. sql2019-ws2019
_WS_NAMES = {"2008r2": "Windows Server 2008 R2", "2012": "Windows Server 2012", "2012r2": "Windows Server 2012 R2",
             "2016": "Windows Server 2016", "2019": "Windows Server 2019", "2022": "Windows Server 2022",
             "2025": "Windows Server 2025"}
_SUPPORTED_OS = {"Windows Server 2008 R2 SP1", "Windows Server 2012", "Windows Server 2012 R2"}


# Marketplace publishers and offer words of Linux images: a VM booting one cannot run Exchange.
_LINUX_PUBLISHERS = {"canonical", "redhat", "openlogic", "suse", "debian", "credativ", "coreos", "kinvolk",
                     "almalinux", "resf", "erockyenterprisesoftwarefoundationinc1653071250513", "center-for-internet-security-inc"}
_LINUX_OFFER = re.compile(r"ubuntu|centos|rhel|debian|sles|suse|linux|alma|rocky|flatcar|cbl-mariner|azurelinux", re.I)


def linux_image(publisher: str, offer: str) -> bool:
    """Whether a marketplace image reference names a Linux image."""
    if publisher.lower() in ("microsoftwindowsserver", "microsoftwindowsdesktop", "microsoftsqlserver"):
        return False
    return publisher.lower() in _LINUX_PUBLISHERS or bool(_LINUX_OFFER.search(offer))


def windows_image(publisher: str, offer: str, sku: str) -> ImageFacts:
    """What a marketplace image reference tells about the guest OS and its OS disk."""
    if publisher.lower() == "microsoftwindowsdesktop":  # Windows 10/11 client images
        return ImageFacts(f"Windows client ({offer})", False, None, "publisher")
    m = _WS_IN_OFFER.search(offer)
    if m and publisher.lower() in ("microsoftsqlserver", "microsoftsharepoint", "microsoftbiztalkserver",
                                   "microsoftvisualstudio", "microsoftdynamicsax"):
        os_name = _WS_NAMES[m.group(1).lower()]
        # the offer names the Windows Server release; 2008 R2 images of these products carry SP1
        os_name = "Windows Server 2008 R2 SP1" if os_name == "Windows Server 2008 R2" else os_name
        return ImageFacts(os_name, os_name in _SUPPORTED_OS, None, "offer")
    if publisher.lower() != WINDOWS_PUBLISHER or offer.lower() != WINDOWS_OFFER:
        return ImageFacts(None, None, None)
    os_name = next((name for pattern, name in _SKU_OS if pattern.search(sku)), None)
    supported = bool(_SUPPORTED_SKU.match(sku.strip()))
    disk = SMALLDISK_IMAGE_OS_DISK_GIB if "smalldisk" in sku.lower() else STANDARD_IMAGE_OS_DISK_GIB
    return ImageFacts(os_name or f"Windows Server ({sku})", supported, disk)

