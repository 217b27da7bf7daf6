"""Lifecycle rule: an Exchange version past its end of support (data/exchange_versions.csv)."""
from __future__ import annotations

import datetime as dt
import os
from functools import lru_cache

from ..model import DEFAULT, unknown
from ..lookup import read_table
from ..versions import version_related
from . import RuleContext, check


@lru_cache(maxsize=1)
def end_of_support() -> dict:
    """Exchange version -> date its support ends, or None (Subscription Edition has no fixed end)."""
    return {row["version"]: dt.date.fromisoformat(row["end_of_support"]) if row["end_of_support"] else None
            for row in read_table("exchange_versions")}


def run_date(environ=None) -> tuple:
    """(date, problem): the run's date, from SOURCE_DATE_EPOCH when set (reproducible runs), else the clock."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None or epoch == "":
        return dt.datetime.now(dt.timezone.utc).date(), ""
    try:
        return dt.datetime.fromtimestamp(int(epoch.strip()), dt.timezone.utc).date(), ""
    except (ValueError, OverflowError, OSError):
        return None, f"SOURCE_DATE_EPOCH {epoch!r} is not a number of seconds since 1970"


@check("EXV405")
def version_out_of_support(inventory, ctx: RuleContext) -> None:
    today, problem = run_date()
    for vm in ctx.exchange_vms():
        version = vm.exchange_version
        if not ctx.known(vm, (version, "the Exchange version")):
            continue
        if version.state == DEFAULT:  # only a version someone stated: the 2013 default is exvlint's assumption
            continue
        ends = end_of_support().get(version.value.version)
        if ends is None:
            continue
        if today is None:
            ctx.unresolved(vm, unknown(vm.location, problem), "the date of the run")
            continue
        if today <= ends:
            continue
        ver = version.value
        # a version stated in the configuration is reported at each VM, the configuration related
        in_config = version.location is not None and version.location.path == ctx.config.source
        at = vm.location if in_config else version
        ctx.report(vm, f"runs {ver.described()}, whose support ended on {ends.isoformat()} (the run's date is "
                       f"{today.isoformat()}): it gets no security updates; move to Exchange Server Subscription "
                       f"Edition", at, related=version_related(version), key="end-of-support")
