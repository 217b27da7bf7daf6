"""Guest operating system rule: the Windows Server releases each Exchange version supports.

The adapters say which OS the code names (a fact); this rule decides, from data/exchange_guest_os.csv,
whether the VM's Exchange version supports it.
"""
from __future__ import annotations

from functools import lru_cache

from ..findings import brief
from ..lookup import read_table
from ..model import unknown, words
from ..versions import version_related
from . import RuleContext, check

SUPPORTED, UNSUPPORTED, UNKNOWN = "supported", "unsupported", "unknown"
# editions Microsoft's Exchange requirements do not mention: a release they support is unknown in them
UNDOCUMENTED_EDITIONS = {"azure-edition": "Datacenter: Azure Edition"}


@lru_cache(maxsize=1)
def support_table() -> dict:
    """Exchange version -> {Windows release key -> row} (data/exchange_guest_os.csv)."""
    out: dict = {}
    for row in read_table("exchange_guest_os"):
        out.setdefault(row["exchange"], {})[row["release"]] = row
    return out


def supported_names(version: str) -> str:
    """``Windows Server 2008 R2 SP1, 2012 or 2012 R2``: the releases an Exchange version runs on."""
    names = [row["os_name"] for row in support_table().get(version, {}).values()]
    short = [names[0]] + [n.replace("Windows Server ", "") for n in names[1:]]
    return short[0] if len(short) == 1 else ", ".join(short[:-1]) + " or " + short[-1]


def _release(version, release: str, installation: str) -> tuple:
    """(verdict, why) for one Windows release under an ExchangeVersion."""
    row = support_table().get(version.version, {}).get(release)
    if row is None:
        return UNSUPPORTED, ""
    if installation and installation not in row["installations"].split():
        if installation == "nano":
            return UNSUPPORTED, "Exchange does not run on Nano Server"
        return UNSUPPORTED, f"Exchange {version.version} needs the Desktop Experience, not Server Core"
    if row["min_cu"]:
        needed = int(row["min_cu"])
        if version.cu is None:
            if row["if_cu_unknown"] == SUPPORTED:
                return SUPPORTED, ""
            return UNKNOWN, (f"{row['os_name']} needs Exchange {version.version} CU{needed} or later, and no "
                             f"cumulative update is stated (say it in the exchange-version tag, such as "
                             f"'{version.version} CU{needed}', or in exchange.cu)")
        if version.cu < needed:
            return UNSUPPORTED, f"{row['os_name']} needs Exchange {version.version} CU{needed} or later"
    return SUPPORTED, ""


def decide(guest, version) -> tuple:
    """(verdict, why) for a GuestOs under an ExchangeVersion.

    The OS may stand for several releases (a vSphere guest_id): it fails only when none of them is
    supported, passes when the release it names is, and is unknown otherwise.
    """
    results = [_release(version, r, guest.installation) for r in guest.releases]
    if all(v == UNSUPPORTED for v, _ in results):
        return UNSUPPORTED, next((why for _, why in results if why), "")
    verdict, why = results[0]
    if verdict == SUPPORTED:
        if guest.edition in UNDOCUMENTED_EDITIONS:
            return UNKNOWN, (f"Microsoft's requirements for Exchange {version.version} do not mention "
                             f"{UNDOCUMENTED_EDITIONS[guest.edition]}")
        return SUPPORTED, ""
    if verdict == UNKNOWN:
        return UNKNOWN, why
    maybe = f"{brief(guest.name)} may be another release"
    return UNKNOWN, f"{maybe} ({guest.note})" if guest.note else maybe


@check("EXV404")
def unsupported_guest_os(inventory, ctx: RuleContext) -> None:
    for vm in ctx.exchange_vms():
        os_val, version = vm.guest_os, vm.exchange_version
        if not ctx.known(vm, (os_val, "the guest OS"), (version, "the Exchange version")):
            continue
        guest, ver = os_val.value, version.value
        verdict, why = decide(guest, ver)
        if verdict == UNKNOWN:
            ctx.unresolved(vm, unknown(os_val.location, why, os_val.origins),
                           f"whether {ver} supports {brief(guest.name)}")
        elif verdict == UNSUPPORTED:
            shown = f" ({brief(vm.image.value)})" if vm.image.known else ""
            fix = words(vm.platform, "guest-os-fix", "rebuild the VM on a supported release")
            ctx.report(vm, f"guest OS {brief(guest.name)}{shown} is not supported for {ver.described()}"
                           f"{': ' + why if why else ''}; Exchange {ver.version} runs on "
                           f"{supported_names(ver.version)}; {fix}", os_val,
                       related=version_related(version), key="guest-os")
