"""Exchange versions: how a VM's version is found, the facts adapters read from images and guest ids,
and the rule documents that show the lookup data."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import ROOT
from exvlint.adapters.azure_catalog import windows_image
from exvlint.adapters.vsphere import guest_id_os
from exvlint.catalog import load_catalog
from exvlint.config import Config, load_config
from exvlint.findings import Location
from exvlint.lookup import DOCUMENT_TABLES, read_table, table_names, update_tables
from exvlint.model import DEFAULT, EXPLICIT, UNKNOWN, Evidence, Val, VirtualMachine
from exvlint.versions import detect, parse_version
from exvlint.windows import parse_os_name

HERE = Location("main.tf", 7, 3)


def _vm(labels=None, notes=None, evidence=()) -> VirtualMachine:
    vm = VirtualMachine(address="azurerm_windows_virtual_machine.exch01", kind="azurerm_windows_virtual_machine",
                        platform="azure", location=Location("main.tf", 1, 1))
    vm.labels = {k: Val(v, EXPLICIT, HERE) for k, v in (labels or {}).items()}
    if notes is not None:
        vm.notes = Val(notes, EXPLICIT, HERE)
    vm.exchange_evidence = [Evidence(text, Location("main.tf", 20 + i, 5), "CD-ROM ISO") for i, text in enumerate(evidence)]
    return vm


@pytest.mark.parametrize("text,version,cu", [
    ("ExchangeServer2019-x64-CU14.ISO", "2019", 14),
    ("https://download.microsoft.com/download/b/c/7/bc766694/ExchangeServer2019-x64-CU12.ISO", "2019", 12),
    ("\\\\server\\share\\Exchange 2019\\ExchangeServer2019-x64-cu14", "2019", 14),
    ("ISO/SW_DVD9_Exchange_Server_2013_CU23.iso", "2013", 23),
    ("mu_exchange_server_2019_cumulative_update_14_x64_dvd_1a2b3c4d.iso", "2019", 14),
    ("ExchangeServerSE-x64.iso", "SE", None),
    ("Exchange2016-x64.exe", "2016", None),
    ('{"configurationFunction": "InstallExchange.ps1\\\\Exchange Server Subscription Edition"}', "SE", None),
    ("https://example.blob.core.windows.net/dsc/EXCHANGE19.zip", "2019", None),  # media and DSC names abbreviate it
    ("CONFIGEXCHANGE16.ps1\\CONFIGEXCHANGE16", "2016", None),
    ("Exchange13-CU23", "2013", 23),
])
def test_installation_evidence_names_the_version(text, version, cu):
    found = detect(_vm(evidence=[text]), Config())
    assert found.state == EXPLICIT and (found.value.version, found.value.cu) == (version, cu)
    assert found.location == Location("main.tf", 20, 5)
    assert "at main.tf:20" in found.value.source


@pytest.mark.parametrize("text", [
    "xExchange", "ExchangeDsc", "ExchangeServerSetup.exe /IAcceptExchangeServerLicenseTerms",
    "MXS2019-x64-CU12-KB5011156", "install Exchange 2016 or Exchange 2019 management tools",
    "Exchange 16GB", "EXCHANGE10.zip", "exchange190",  # no version: a size, Exchange 2010, another number
])
def test_evidence_without_one_version_leaves_the_default(text):
    found = detect(_vm(evidence=[text]), Config())
    assert found.state == DEFAULT and found.value.version == "2013" and found.location is None


def test_evidence_naming_two_versions_is_unknown():
    found = detect(_vm(evidence=["ExchangeServer2016-x64-CU23.ISO", "ExchangeServer2019-x64-CU15.ISO"]), Config())
    assert found.state == UNKNOWN and "2016" in found.reason and "2019" in found.reason


@pytest.mark.parametrize("value,expected", [
    ("2019", ("2019", None)), ("Exchange 2019", ("2019", None)), ("2019 CU14", ("2019", 14)),
    ("2019CU14", ("2019", 14)), ("SE", ("SE", None)), ("exchange se", ("SE", None)),
    ("Exchange Server Subscription Edition", ("SE", None)), ("2016-cu23", ("2016", 23)),
    ("2010", None), ("15.2", None), ("2016 or 2019", None), ("server", None),
])
def test_tag_values(value, expected):
    assert parse_version(value) == expected


def test_order_tag_then_evidence_then_configuration():
    config = Config(exchange_version="2016", exchange_cu=23, source=".exvlint.yaml",
                    key_lines={("exchange", "version"): 2})
    tagged = detect(_vm(labels={"Exchange-Version": "2019"}, evidence=["ExchangeServer2019-x64-CU14.ISO"]), config)
    assert (tagged.value.version, tagged.value.cu) == ("2019", 14)  # the tag's version, the ISO's CU
    assert tagged.location == HERE and tagged.value.source == "tag Exchange-Version=2019"
    assert [r.location.line for r in tagged.origins] == [20]
    from_iso = detect(_vm(evidence=["ExchangeServerSE-x64.iso"]), config)
    assert from_iso.value.version == "SE" and from_iso.value.cu is None  # the configuration's CU is 2016's
    configured = detect(_vm(), config)
    assert (configured.value.version, configured.value.cu) == ("2016", 23)
    assert configured.location == Location(".exvlint.yaml", 2, 1)
    from_notes = detect(_vm(notes="role=exchange-mailbox; exchange_version=2019 CU15"), config)
    assert (from_notes.value.version, from_notes.value.cu) == ("2019", 15)


def test_unreadable_tag_is_unknown_not_the_default():
    found = detect(_vm(labels={"exchange-version": "2010"}), Config(exchange_version="2019"))
    assert found.state == UNKNOWN and "2010" in found.reason


def test_configuration_keys(tmp_path: Path):
    path = tmp_path / ".exvlint.yaml"
    path.write_text("exchange:\n  version: Exchange 2019 CU14\n")
    config = load_config(str(path))
    assert (config.exchange_version, config.exchange_cu, config.errors) == ("2019", 14, [])
    path.write_text("exchange:\n  version: SE\n  cu: CU1\n")
    config = load_config(str(path))
    assert (config.exchange_version, config.exchange_cu) == ("SE", 1)
    path.write_text("exchange:\n  version: 2010\n  cu: latest\n")
    errors = load_config(str(path)).errors
    assert [(e.rule_id, e.location.line) for e in errors] == [("EXV003", 2), ("EXV003", 3)]


@pytest.mark.parametrize("publisher,offer,sku,facts", [
    ("MicrosoftWindowsServer", "WindowsServer", "2008-R2-SP1-zhcn", ("2008r2", "desktop", "")),
    ("MicrosoftWindowsServer", "WindowsServer", "2012-r2-datacenter-smalldisk-g2", ("2012r2", "desktop", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "2012-datacenter-gensecond", ("2012", "desktop", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "2016-Datacenter-Server-Core-smalldisk", ("2016", "core", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "2016-datacenter-with-containers-gs", ("2016", "desktop", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "2019-datacenter-core-with-containers-smalldisk-g2",
     ("2019", "core", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "2019-Datacenter-zhcn", ("2019", "desktop", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition-hotpatch",
     ("2022", "desktop", "azure-edition")),
    ("MicrosoftWindowsServer", "WindowsServer", "2022-datacenter-azure-edition-core-smalldisk",
     ("2022", "core", "azure-edition")),
    ("MicrosoftWindowsServer", "WindowsServer", "2025-datacenter-core-g2", ("2025", "core", "datacenter")),
    ("microsoftwindowsserver", "windowsserver", "2025-DATACENTER-G2", ("2025", "desktop", "datacenter")),
    ("MicrosoftWindowsServer", "WindowsServer", "datacenter-core-20h2-with-containers-smalldisk-gen2", ("sac", "core", "")),
    ("MicrosoftWindowsServer", "WindowsServer", "2030-datacenter", ("unlisted", "", "")),
    ("MicrosoftSQLServer", "sql2019-ws2022", "enterprise-gen2", ("2022", "desktop", "")),
    ("MicrosoftSQLServer", "SQL2016SP2-WS2012R2", "Enterprise", ("2012r2", "desktop", "")),
    ("MicrosoftWindowsDesktop", "windows-11", "win11-23h2-pro", ("client", "", "")),
])
def test_azure_image_facts(publisher, offer, sku, facts):
    os = windows_image(publisher, offer, sku).guest_os
    assert (os.releases[0], os.installation, os.edition) == facts


def test_azure_images_of_other_publishers_do_not_say():
    assert windows_image("Canonical", "0001-com-ubuntu-server-jammy", "22_04-lts").guest_os is None
    assert windows_image("MicrosoftWindowsServer", "WindowsServerUpgrade", "server2022Upgrade").guest_os is None


@pytest.mark.parametrize("guest_id,releases", [
    ("windows7Server64Guest", ("2008r2",)), ("WINDOWS8SERVER64GUEST", ("2012", "2012r2")),
    ("windows9Server64Guest", ("2016", "2019", "2022")), ("windows2019srv_64Guest", ("2019",)),
    ("windows2019srvNext_64Guest", ("2022",)), ("windows2022srvNext_64Guest", ("2025",)),
    ("windows9_64Guest", ("client",)), ("otherGuest64", ("other",)), ("ubuntu64Guest", ("other",)),
])
def test_vsphere_guest_ids(guest_id, releases):
    assert guest_id_os(guest_id).releases == releases


def test_unknown_windows_guest_id_cannot_be_told():
    assert guest_id_os("windows2025srvNext_64Guest") is None


@pytest.mark.parametrize("text,facts", [
    ("Windows Server 2012 R2", ("2012r2", "")), ("WS2019 Core", ("2019", "core")),
    ("Windows Server 2022 Datacenter: Azure Edition", ("2022", "")),
    ("Windows Server 2016 (Desktop Experience)", ("2016", "desktop")), ("Windows Server 2008 R2 SP1", ("2008r2", "")),
    ("Windows 10 Enterprise", ("client", "")), ("Ubuntu 22.04", ("other", "")),
])
def test_stated_os_names(text, facts):
    os = parse_os_name(text)
    assert (os.releases[0], os.installation) == facts and os.name == text


def test_stated_windows_without_release_cannot_be_told():
    assert parse_os_name("Windows Server (latest)") is None
    assert parse_os_name("win2k12") is None


# --------------------------------------------------------------------------- documents and data

RULES = ROOT / "rules"


def test_rule_documents_show_the_data():
    """The tables committed in rules/ are the data's: a change to either without the other fails here
    (regenerate with ``python -m exvlint.lookup rules/*.md``)."""
    shown = set()
    for path in sorted(RULES.glob("EXV*.md")):
        text = path.read_text(encoding="utf-8")
        assert update_tables(text) == text, f"{path.name}: its data tables differ from src/exvlint/data"
        shown.update(table_names(text))
    assert shown == set(DOCUMENT_TABLES), "every lookup table is shown in a rule document"
    assert set(table_names((RULES / "EXV404-unsupported-guest-os.md").read_text(encoding="utf-8"))) == {
        "exchange_guest_os", "azure_windows_images", "vsphere_guest_ids"}


def test_explain_renders_every_row():
    """What `exvlint explain` shows is rendered from the data at load time, without markers."""
    catalog = load_catalog()
    guest = catalog["EXV404"].markdown
    assert "<!-- data:" not in guest and "<!-- /data -->" not in guest
    for row in read_table("exchange_guest_os"):
        assert f"| Exchange {row['exchange']} | {row['os_name']} |" in guest
    for row in read_table("vsphere_guest_ids"):
        assert f"`{row['guest_id']}`" in guest
    memory = catalog["EXV103"].markdown
    for row in read_table("exchange_memory"):
        assert f"| Exchange {row['version']} | {row['role'].capitalize()} | below {row['minimum_gib']} GB |" in memory
    ends = catalog["EXV405"].markdown
    for row in read_table("exchange_versions"):
        assert row["name"] in ends and (row["end_of_support"] or "none while kept current") in ends


def test_every_data_row_has_a_source():
    for name in ("windows_releases", "exchange_guest_os", "exchange_versions", "exchange_memory",
                 "azure_windows_images", "vsphere_guest_ids"):
        for row in read_table(name):
            assert row["source"].startswith("https://"), (name, row)


# --------------------------------------------------------------------------- examples


def test_exchange2019_example_is_clean(run_cli):
    code, out, _ = run_cli("check", "examples/azure-exchange2019", "--strict")
    assert code == 0 and out.strip().startswith("0 findings (0 errors, 0 warnings, 0 notes) in 6 files,"), out


def test_se_example_has_one_problem_found_through_the_version(run_cli):
    code, out, _ = run_cli("check", "examples/vsphere-exchange-se", "--format", "json")
    [finding] = json.loads(out)["findings"]
    assert code == 1 and finding["rule"] == "EXV404"
    assert finding["address"] == 'module.mailbox["exchse-mbx-02"].vsphere_virtual_machine.this'
    assert "Exchange SE (from ExchangeServerSE-x64.iso" in finding["message"]
    # without the SE ISO the Exchange 2013 default applies: the 2012 R2 server passes, the 2022 one fails
    code, out, _ = run_cli("check", "examples/vsphere-exchange-se", "--var", "install_iso=ISO/setup.iso",
                           "--format", "json")
    [finding] = json.loads(out)["findings"]
    assert finding["address"] == 'module.mailbox["exchse-mbx-01"].vsphere_virtual_machine.this'
    assert "Exchange 2013 (the default" in finding["message"]


@pytest.mark.parametrize("text,installs", [
    ("xExchange", True), ("ExchangeDsc", True), ("InstallAndConfigureExchange", True),
    ("Setup.exe /IAcceptExchangeServerLicenseTerms", True), ("EXCHANGE16.ps1\\EXCHANGE16", True),
    ("PREPAREEXCHANGE16.zip", True),  # prerequisites on the Exchange server itself
    ("Setup.exe /Mode:Install /Roles:Mailbox /IAcceptExchangeServerLicenseTerms_DiagnosticDataOFF", True),
    ("Setup.exe /m:install /r:mb /IAcceptExchangeServerLicenseTerms /PrepareAD", True),  # installs too
    ("PREPAREADEXCHANGE16.ps1\\PREPAREADEXCHANGE16", False), ("DOWNLOADEXCHANGE10.zip", False),
    ("Setup.exe /PrepareSchema /IAcceptExchangeServerLicenseTerms_DiagnosticDataOFF", False),
    ("Setup.exe /PrepareAD /OrganizationName:Contoso /IAcceptExchangeServerLicenseTerms", False),
    ("Setup.exe /PS /IAcceptExchangeServerLicenseTerms", False), ("prepare-exchange-schema", False),
    ("Get-ExchangeCertificate", True), ("New-ADUser", False),
])
def test_what_makes_a_vm_an_exchange_server(text, installs):
    from exvlint.exchange_scope import names_installation

    assert names_installation(text) is installs
