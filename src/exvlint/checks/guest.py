"""Guest operating system rule."""
from __future__ import annotations

import re

from ..model import words
from ..paths import glob_match
from ..findings import brief
from . import RuleContext, check

SUPPORTED = re.compile(r"^windows server (2008 r2 sp1|2008 r2|2012 r2|2012)\b", re.I)


@check("EXV404", platforms=("azure", "vsphere", "hyperv"))
def unsupported_guest_os(deployment, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        stated = _configured_os(vm, ctx)
        if stated is not None:
            if not SUPPORTED.match(stated.strip()):
                # located at the image the configuration describes, where the OS is chosen
                at = vm.image.location or vm.location
                ctx.report(vm, f"guest OS {stated} (from guest_os in {ctx.config.source or 'the configuration'})"
                           " is not Windows Server 2008 R2 SP1, 2012 or 2012 R2", at, key="guest-os")
            continue
        supported = vm.guest_os_supported
        if not supported.known:
            ctx.unresolved(vm, supported, "the guest OS")
        elif supported.value is False:
            shown = vm.image.value if vm.image.known else vm.guest_os.value
            fix = words(vm.platform, "guest-os-fix", "use Windows Server 2008 R2 SP1, 2012 or 2012 R2")
            ctx.report(vm, f"guest OS {brief(vm.guest_os.value)} ({shown}) is not supported for Exchange 2013; {fix}",
                       supported, key="guest-os")


def _configured_os(vm, ctx: RuleContext):
    for pattern, os_name in ctx.config.guest_os.items():
        names = [vm.address] + ([vm.name.value] if vm.name.known and isinstance(vm.name.value, str) else [])
        if any(glob_match(pattern, n) for n in names):
            return os_name
    return None
