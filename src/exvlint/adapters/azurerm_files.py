"""azurerm file storage -> the neutral model (EXV303): Azure Files shares and Azure NetApp Files volumes
as datastores, and the shares that code run in an Exchange VM maps, with the Exchange data paths the
same code puts on them.

Attribute names: the azurerm provider documentation (storage_share: ``name``, ``storage_account_id`` or
the older ``storage_account_name``, ``enabled_protocol`` SMB (default) or NFS; netapp_volume: ``name``,
``volume_path``, ``protocols`` NFSv3 (default), NFSv4.1 or CIFS, ``mount_ip_addresses`` known after
apply). An Azure Files share is reached as ``\\\\<account>.file.core.windows.net\\<share>`` (SMB); an
Azure NetApp Files volume as ``<mount address>:/<volume_path>`` (NFS) or ``\\\\<server>\\<volume_path>``.
"""
from __future__ import annotations

import re
from typing import Optional

from ..model import DEFAULT, EXPLICIT, Datastore, Deployment, ExchangePath, FileMount, Val, unknown
from ..terraform.evaluate import ResourceInstance
from ..evaluation import collect_refs
from . import guest_scripts as gs
from .terraform_values import as_str, attr_val, raw, resource_label

PLATFORM = "azure"
SHARE = "azurerm_storage_share"
VOLUME = "azurerm_netapp_volume"
HANDLED = {SHARE, VOLUME}
# the Azure Files endpoint of a storage account, in every Azure cloud
AZURE_FILES_HOST = re.compile(r"^([a-z0-9]{3,24})\.file\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net|"
                              r"cloudapi\.de)$", re.I)


def adapt(evaluated, deployment: Deployment, vms: dict, accounts: dict, guest_code: dict) -> None:
    """Shares and volumes of ``evaluated`` become datastores; ``guest_code`` (VM address -> [(value, location,
    what)]) is what runs inside each VM, read for the shares it maps."""
    files = _Files(accounts)
    for inst in evaluated.instances:
        if inst.mode != "managed":
            continue
        if inst.type == SHARE:
            files.share(inst)
        elif inst.type == VOLUME:
            files.volume(inst)
    deployment.datastores.extend(files.shares.values())
    deployment.datastores.extend(files.volumes.values())
    for address, code in guest_code.items():
        vm = vms.get(address)
        if vm is not None:
            vm.file_mounts.extend(files.mounts(code))


class _Files:
    def __init__(self, accounts: dict):
        self.accounts = accounts  # address -> Datastore (storage accounts, from the azurerm adapter)
        self.shares: dict = {}  # address -> Datastore
        self.share_account: dict = {}  # share address -> account name (lower case) or None
        self.volumes: dict = {}  # address -> Datastore
        self.volume_path: dict = {}  # volume address -> volume_path (lower case)

    def share(self, inst: ResourceInstance) -> None:
        body = inst.body
        name = attr_val(body, "name", convert=as_str)
        protocol = attr_val(body, "enabled_protocol", "SMB", as_str)
        kind = Val("nas" if protocol.value.upper() == "NFS" else "smb", protocol.state, protocol.location,
                   protocol.origins) if protocol.known else protocol
        account_name = None
        for ref in collect_refs(raw(body, "storage_account_id")):
            account = self.accounts.get(ref.address)
            if account is not None and account.name.known:
                account_name = str(account.name.value).lower()
        if account_name is None and isinstance(raw(body, "storage_account_name"), str):
            account_name = raw(body, "storage_account_name").lower()
        self.share_account[inst.address] = account_name
        label = f"{account_name or '?'}/{name.value if name.known else '?'}"
        protocol_text = "NFS" if kind.known and kind.value == "nas" else "SMB"
        self.shares[inst.address] = Datastore(
            address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
            call_sites=inst.call_sites, origins=inst.origins, name=name, storage_kind=kind,
            description=f"Azure Files share {label} ({protocol_text})")

    def volume(self, inst: ResourceInstance) -> None:
        body = inst.body
        protocols = attr_val(body, "protocols", ["NFSv3"])
        if protocols.known and isinstance(protocols.value, list):
            smb = any(str(p).upper() == "CIFS" for p in protocols.value)
            kind = Val("smb" if smb else "nas", protocols.state, protocols.location, protocols.origins)
        else:
            kind = protocols
        path = raw(body, "volume_path")
        self.volume_path[inst.address] = path.lower() if isinstance(path, str) else None
        self.volumes[inst.address] = Datastore(
            address=inst.address, kind=inst.type, platform=PLATFORM, location=inst.location,
            call_sites=inst.call_sites, origins=inst.origins, name=attr_val(body, "name", convert=as_str),
            storage_kind=kind, description=f"Azure NetApp Files volume {resource_label(inst)}")

    # ------------------------------------------------------------------ what the guest maps

    def mounts(self, code: list) -> list:
        """FileMounts of one VM, each with the Exchange data paths its code puts there."""
        found: list = []  # (FileMount, Mapping)
        paths: list = []  # (DataPath, location, what)
        for value, location, what in code:
            for text in value:
                for mapping in gs.mappings(text):
                    found.append((self._mount(mapping, location, what), mapping))
                for data_path in gs.exchange_paths(text):
                    paths.append((data_path, location, what))
        for data_path, location, what in paths:  # a UNC path used directly is a share too
            if gs.is_unc(data_path.path) and not any(gs.on_mapping(data_path.path, m) for _, m in found):
                host, segment = gs.unc_parts(data_path.path)
                if host and segment:
                    mapping = gs.Mapping(None, f"\\\\{host}\\{segment}", "smb")
                    found.append((self._mount(mapping, location, what), mapping))
        for mount, mapping in found:
            for data_path, location, what in paths:
                on = gs.on_mapping(data_path.path, mapping)
                if on is True:
                    mount.exchange_paths.append(ExchangePath(data_path.setting, Val(data_path.path, EXPLICIT, location), what))
                elif on is None:
                    reason = f"{data_path.setting} {data_path.path} may be on {mapping.target}"
                    mount.exchange_paths.append(ExchangePath(data_path.setting, unknown(location, reason), what))
                else:
                    mount.paths_elsewhere.append(ExchangePath(data_path.setting, Val(data_path.path, EXPLICIT, location),
                                                              what))
        return [mount for mount, _ in found]

    def _mount(self, mapping: gs.Mapping, location, what: str) -> FileMount:
        datastore = self._datastore(mapping.target)
        drive = Val(None, DEFAULT, location) if mapping.drive is None else (
            unknown(location, f"the drive letter {mapping.target} is mapped to is not known") if mapping.drive == "?"
            else Val(mapping.drive, EXPLICIT, location))
        kind = datastore.storage_kind if datastore is not None and datastore.storage_kind.known else \
            Val(mapping.storage_kind, EXPLICIT, location)
        return FileMount(location, what, Val(mapping.target, EXPLICIT, location), kind, drive, datastore)

    def _datastore(self, target: str) -> Optional[Datastore]:
        host, segment = gs.unc_parts(target)
        named = [h.rsplit(".", 1)[0] for h in gs.holes(host) + gs.holes(segment) if "." in h]
        for address in named:
            if address in self.shares:
                return self.shares[address]
            if address in self.volumes:
                return self.volumes[address]
        account = None
        m = AZURE_FILES_HOST.match(host)
        if m:
            account = m.group(1).lower()
        for address in named:
            if address in self.accounts and self.accounts[address].name.known:
                account = str(self.accounts[address].name.value).lower()
        if account is not None:
            for address, share in self.shares.items():
                if self.share_account.get(address) == account and share.name.known \
                        and str(share.name.value).lower() == segment.lower():
                    return share
            return None  # an Azure Files share outside this configuration
        if segment and not gs.holes(segment):
            matches = [self.volumes[a] for a, p in self.volume_path.items() if p == segment.lower()]
            if len(matches) == 1:
                return matches[0]
        return None
