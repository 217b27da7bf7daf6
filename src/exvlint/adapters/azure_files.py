"""How every Azure adapter models file storage (EXV303): Azure Files shares and Azure NetApp Files volumes as
datastores, and the shares that code run in an Exchange VM maps, with the Exchange data paths the same code
puts on them.

The adapters differ in where a share's name, account and protocol are written (``azurerm_storage_share``,
``Microsoft.Storage/storageAccounts/fileServices/shares``); what a mapping in a guest script means is decided
here once, with :mod:`exvlint.adapters.guest_scripts` reading the scripts. An Azure Files share is reached as
``\\\\<account>.file.core.windows.net\\<share>`` (SMB); an Azure NetApp Files volume as
``<mount address>:/<volume path>`` (NFS) or ``\\\\<server>\\<volume path>`` (SMB).
"""
from __future__ import annotations

import re
from typing import Any, Optional

from ..model import DEFAULT, EXPLICIT, Datastore, ExchangePath, FileMount, Val, unknown
from . import guest_scripts as gs

PLATFORM = "azure"
# the Azure Files endpoint of a storage account, in every Azure cloud
AZURE_FILES_HOST = re.compile(r"^([a-z0-9]{3,24})\.file\.core\.(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net|"
                              r"cloudapi\.de)$", re.I)


def share_kind(protocol: Val) -> Val:
    """An Azure Files share's protocol (SMB, the default, or NFS) as the model's storage kind."""
    if not protocol.known:
        return protocol
    return Val("nas" if str(protocol.value).upper() == "NFS" else "smb", protocol.state, protocol.location,
               protocol.origins)


def volume_kind(protocols: Val) -> Val:
    """An Azure NetApp Files volume's protocols (NFSv3, the default, NFSv4.1 or CIFS) as the storage kind."""
    if not (protocols.known and isinstance(protocols.value, list)):
        return protocols
    smb = any(str(p).upper() == "CIFS" for p in protocols.value)
    return Val("smb" if smb else "nas", protocols.state, protocols.location, protocols.origins)


class Files:
    """The shares and volumes of one deployment, and what each VM's guest code maps."""

    def __init__(self, accounts: dict):
        self.accounts = accounts  # address -> Datastore (storage accounts, from the adapter)
        self.shares: dict = {}  # address -> Datastore
        self.share_account: dict = {}  # share address -> account name (lower case) or None
        self.volumes: dict = {}  # address -> Datastore
        self.volume_path: dict = {}  # volume address -> volume path (lower case)

    def share(self, res: Any, name: Val, kind: Val, account_name: Optional[str]) -> None:
        self.share_account[res.address] = account_name
        label = f"{account_name or '?'}/{name.value if name.known else '?'}"
        protocol_text = "NFS" if kind.known and kind.value == "nas" else "SMB"
        self.shares[res.address] = Datastore(
            address=res.address, kind=res.type, platform=PLATFORM, location=res.location,
            call_sites=res.call_sites, origins=res.origins, name=name, storage_kind=kind,
            description=f"Azure Files share {label} ({protocol_text})")

    def volume(self, res: Any, name: Val, kind: Val, path: Any, label: str) -> None:
        self.volume_path[res.address] = path.lower() if isinstance(path, str) else None
        self.volumes[res.address] = Datastore(
            address=res.address, kind=res.type, platform=PLATFORM, location=res.location,
            call_sites=res.call_sites, origins=res.origins, name=name, storage_kind=kind,
            description=f"Azure NetApp Files volume {label}")

    def add_to(self, inventory, vms: dict, guest_code: dict) -> None:
        """The datastores into ``deployment``; ``guest_code`` (VM address -> [(texts, location, what)]) is
        what runs inside each VM, read for the shares it maps."""
        inventory.datastores.extend(self.shares.values())
        inventory.datastores.extend(self.volumes.values())
        for address, code in guest_code.items():
            vm = vms.get(address)
            if vm is not None:
                vm.file_mounts.extend(self.mounts(code))

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
        named = [self._address_of(h) for h in gs.holes(host) + gs.holes(segment)]
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

    def _address_of(self, hole: str) -> str:
        """The resource a hole names: ``address.attr`` (Terraform) or the address itself (ARM ``reference()``)."""
        if hole in self.shares or hole in self.volumes or hole in self.accounts:
            return hole
        return hole.rsplit(".", 1)[0] if "." in hole else hole
