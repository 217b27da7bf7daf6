"""Azure lookup data: VM sizes (shipped table) and Windows Server marketplace images.

Shared by every Azure adapter (Terraform azurerm, ARM, Bicep), so the knowledge lives once.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from ..lookup import read_table
from ..model import GuestOs
from ..paths import glob_match
from ..windows import guest_os


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
    table = {}
    for row in read_table("azure_vm_sizes"):
        size = VmSize(row["size"], int(row["vcpus"]), float(row["memory_gib"]),
                      row["premium_storage"].lower() == "true", row["family"])
        table[size.name.lower()] = size
    return table


def lookup_size(name: str) -> Optional[VmSize]:
    return size_table().get(name.strip().lower())


# Premium-class disk SKUs (rules/EXV301): PremiumV2/Ultra are data-disk only.
PREMIUM_DISK_TYPES = {"premium_lrs", "premium_zrs", "premiumv2_lrs", "ultrassd_lrs"}
SERVER_DEFAULT_DISK_TYPE = "Standard_LRS"  # Azure's server default when no type is sent

# Windows Server marketplace images (publisher MicrosoftWindowsServer, offer WindowsServer).
STANDARD_IMAGE_OS_DISK_GIB = 127  # Windows Server marketplace images
SMALLDISK_IMAGE_OS_DISK_GIB = 30  # "-smalldisk" SKUs


@dataclass(frozen=True)
class ImageFacts:
    guest_os: Optional[GuestOs]  # None when the image reference does not say
    os_disk_gib: Optional[int]  # default OS disk size of the image, None when unknown
    named_by: str = "sku"  # which part of the image reference names the OS: sku, offer or publisher


def _matches(pattern: str, text: str) -> bool:
    return any(glob_match(p, text) for p in pattern.split("|"))


def linux_image(publisher: str, offer: str) -> bool:
    """Whether a marketplace image reference names a Linux image (data/azure_linux_images.csv)."""
    return any(_matches(row["publisher"], publisher) and _matches(row["offer"], offer)
               for row in read_table("azure_linux_images"))


def windows_image(publisher: str, offer: str, sku: str) -> ImageFacts:
    """What a marketplace image reference tells about the guest OS and its OS disk (data/azure_windows_images.csv)."""
    for row in read_table("azure_windows_images"):
        if _matches(row["publisher"], publisher) and _matches(row["offer"], offer) and _matches(row["sku"], sku):
            break
    else:
        return ImageFacts(None, None)
    release = row["release"]
    if release == "client":
        name = f"Windows client ({offer})"
    elif release == "unlisted":
        name = f"Windows Server ({sku})"
    else:
        name = ""
    found = guest_os((release,), row["installation"], row["edition"], name=name)
    disk = None
    if row["named_by"] == "sku":  # the Windows Server images themselves
        disk = SMALLDISK_IMAGE_OS_DISK_GIB if "smalldisk" in sku.lower() else STANDARD_IMAGE_OS_DISK_GIB
    return ImageFacts(found, disk, row["named_by"])
