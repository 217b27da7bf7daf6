"""Facts about VMs decided after the adapters, from the neutral model and the configuration.

The adapters say what the code says; this step adds what needs the configuration as well: the
Exchange version each VM runs (``versions``) and the guest OS that ``guest_os`` states for VMs the
code cannot tell (custom images, Hyper-V). Every rule then reads one model.
"""
from __future__ import annotations

import os

from . import versions
from .config import Config
from .findings import Location, Related
from .model import EXPLICIT, Inventory, Val, unknown
from .paths import glob_match
from .windows import parse_os_name


def complete(inventory: Inventory, config: Config) -> None:
    versions.assign(inventory.vms, config)
    apply_guest_os(inventory, config)


def apply_guest_os(inventory: Inventory, config: Config) -> None:
    """``guest_os`` in the configuration states the OS of the VMs it names (first matching glob wins),
    for images the code cannot tell (custom images, Hyper-V); it overrides what the code says."""
    if not config.guest_os:
        return
    shown_file = os.path.basename(config.source) if config.source else "the configuration"
    for vm in inventory.vms:
        names = [vm.address] + ([vm.name.value] if vm.name.known and isinstance(vm.name.value, str) else [])
        for pattern, stated in config.guest_os.items():
            if not any(glob_match(pattern, n) for n in names):
                continue
            # located at the image the configuration describes, where the OS is chosen
            where = vm.image.location or vm.location
            source = f"guest_os in {shown_file}"
            origins = ()
            line = config.key_lines.get(("guest_os", pattern))
            if config.source and line:
                origins = (Related(Location(config.source, line, 1), f"{source}: {pattern}"),)
            parsed = parse_os_name(stated)
            if parsed is None:
                vm.guest_os = unknown(where, f"{source} says {stated!r}, which names no Windows release exvlint "
                                             "can tell", origins)
            else:
                vm.guest_os = Val(parsed, EXPLICIT, where, origins)
            vm.image = Val(source, EXPLICIT, where, origins)
            break
