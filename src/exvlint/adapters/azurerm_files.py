"""azurerm file storage -> the neutral model (EXV303), through :mod:`exvlint.adapters.azure_files`.

Attribute names: the azurerm provider documentation (storage_share: ``name``, ``storage_account_id`` or
the older ``storage_account_name``, ``enabled_protocol`` SMB (default) or NFS; netapp_volume: ``name``,
``volume_path``, ``protocols`` NFSv3 (default), NFSv4.1 or CIFS, ``mount_ip_addresses`` known after
apply).
"""
from __future__ import annotations

from ..evaluation import collect_refs
from ..model import Inventory
from ..terraform.results import ResourceInstance
from .azure_files import Files, share_kind, volume_kind
from .terraform_values import as_str, attr_val, raw, resource_label

SHARE = "azurerm_storage_share"
VOLUME = "azurerm_netapp_volume"
HANDLED = {SHARE, VOLUME}


def adapt(evaluated, inventory: Inventory, vms: dict, accounts: dict, guest_code: dict) -> None:
    """Shares and volumes of ``evaluated`` become datastores; ``guest_code`` (VM address -> [(value, location,
    what)]) is what runs inside each VM, read for the shares it maps."""
    files = Files(accounts)
    for inst in evaluated.instances:
        if inst.mode != "managed":
            continue
        if inst.type == SHARE:
            _share(files, inst)
        elif inst.type == VOLUME:
            body = inst.body
            files.volume(inst, attr_val(body, "name", convert=as_str), volume_kind(attr_val(body, "protocols", ["NFSv3"])),
                         raw(body, "volume_path"), resource_label(inst))
    files.add_to(inventory, vms, guest_code)


def _share(files: Files, inst: ResourceInstance) -> None:
    body = inst.body
    account_name = None
    for ref in collect_refs(raw(body, "storage_account_id")):
        account = files.accounts.get(ref.address)
        if account is not None and account.name.known:
            account_name = str(account.name.value).lower()
    if account_name is None and isinstance(raw(body, "storage_account_name"), str):
        account_name = raw(body, "storage_account_name").lower()
    files.share(inst, attr_val(body, "name", convert=as_str), share_kind(attr_val(body, "enabled_protocol", "SMB", as_str)),
                account_name)
