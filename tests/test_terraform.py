"""Terraform evaluation on real-world shapes: each case under fixtures/terraform/ holds a small
configuration and expect.yaml with the resource instances (and attribute values) Terraform would
create, and optionally the findings exvlint must report."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from exvlint.config import Config
from exvlint.engine import lint
from exvlint.terraform.evaluate import Evaluator
from exvlint.terraform.values import Unknown

CASES = Path(__file__).parent / "fixtures" / "terraform"
PLANS = Path(__file__).parent / "fixtures" / "plan"


def _cases():
    for case in sorted(p for p in CASES.iterdir() if (p / "expect.yaml").is_file()):
        yield pytest.param(case, id=case.name)


def _plain(value):
    if isinstance(value, Unknown):
        return "<unknown>"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return str(value)


@pytest.mark.parametrize("case", list(_cases()))
def test_evaluation_case(case: Path):
    expect = yaml.safe_load((case / "expect.yaml").read_text())
    root = str(case / expect.get("root", "."))
    ev = Evaluator(root, {}, tuple(("file", str(case / f)) for f in expect.get("var_files", [])))
    ev.run()
    got = {i.address: i for i in ev.instances if i.type in expect.get("types", [i.type])}
    if "instances" in expect:
        assert sorted(got) == sorted(expect["instances"]), sorted(got)
        for address, attrs in expect["instances"].items():
            for path, wanted in (attrs or {}).items():
                block = got[address].body
                *blocks, name = path.split(".")
                for b in blocks:
                    block = block.blocks_of(b)[0]
                assert _plain(block.attrs[name].value) == wanted, (address, path)
    if "diagnostics" in expect:
        diags = sorted((d.rule_id, Path(os.path.relpath(d.location.path, case)).as_posix(), d.location.line)
                       for d in ev.diagnostics)
        assert diags == sorted(tuple(d) for d in expect["diagnostics"]), diags
    if "findings" in expect:
        config = Config()
        config.strict = expect.get("strict", False)
        result = lint([root], config)
        found = sorted((f.rule_id, Path(os.path.relpath(f.location.path, case)).as_posix(), f.location.line)
                       for f in result.findings)
        assert found == sorted(tuple(f) for f in expect["findings"]), found


@pytest.mark.parametrize("plan_dir", sorted(p for p in PLANS.iterdir() if (p / "plan.json").is_file()), ids=lambda p: p.name)
def test_plan_gives_the_findings_of_its_source(plan_dir: Path, tmp_path: Path):
    """A plan (written by hand in `terraform show -json` format) and its .tf give the same findings."""
    source_only = tmp_path / "src"
    shutil.copytree(plan_dir, source_only, ignore=shutil.ignore_patterns("plan.json"))
    from_source = lint([str(source_only)], Config()).findings
    from_plan = lint([str(plan_dir / "plan.json")], Config()).findings
    key = lambda base: lambda f: (f.rule_id, Path(os.path.relpath(f.location.path, base)).as_posix(),
                                  f.location.line, f.address)
    assert from_source, "the source must produce findings for this test to mean anything"
    assert sorted(map(key(source_only), from_source)) == sorted(map(key(plan_dir), from_plan))


def test_directory_with_plan_reports_each_resource_once(tmp_path: Path):
    plan_dir = PLANS / "azure-module"
    copy = tmp_path / "d"
    shutil.copytree(plan_dir, copy)
    findings = lint([str(copy)], Config()).findings
    addresses = [(f.rule_id, f.address) for f in findings]
    assert len(addresses) == len(set(addresses)) == 5  # EXV301, EXV302, EXV304 twice and one EXV501


def test_unresolved_dynamic_blocks_name_their_own_resource(tmp_path: Path):
    (tmp_path / "main.tf").write_text(
        'variable "keys" {}\n'
        'resource "azurerm_availability_set" "as" {\n  name = "as"\n}\n'
        'resource "azurerm_virtual_machine" "exch" {\n'
        '  availability_set_id = azurerm_availability_set.as.id\n'
        '  dynamic "storage_data_disk" {\n    for_each = var.keys\n'
        '    content {\n      name = storage_data_disk.value\n    }\n  }\n}\n')
    ev = Evaluator(str(tmp_path), {}, (), environ={})
    ev.run()
    [note] = [d for d in ev.diagnostics if "dynamic" in d.message]
    assert note.address == "azurerm_virtual_machine.exch"


def test_partly_unknown_strings_keep_their_text(tmp_path: Path):
    """A script with a storage key known only after apply is unknown, but its text stays readable: the
    unknown part is a hole naming the attribute, through templates, jsonencode() and base64encode()."""
    (tmp_path / "main.tf").write_text(
        'variable "prefix" {}\n'
        'resource "azurerm_storage_account" "a" {\n  name = "exchfiles"\n}\n'
        'resource "azurerm_network_security_group" "g" {\n  name = "${var.prefix}-nsg"\n}\n'
        'resource "azurerm_virtual_machine_extension" "x" {\n'
        '  cmd = "net use Z: \\\\\\\\${azurerm_storage_account.a.name}.file.core.windows.net\\\\db /u:AZURE\\\\x'
        ' ${azurerm_storage_account.a.primary_access_key}"\n'
        '  settings = jsonencode({ commandToExecute = "key ${azurerm_storage_account.a.primary_access_key}", n = 1 })\n'
        '  custom = base64encode("mount ${var.prefix}")\n'
        '  nsg_name = azurerm_network_security_group.g.name\n'
        '}\n')
    ev = Evaluator(str(tmp_path), {}, (), environ={})
    ev.run()
    [ext] = [i for i in ev.instances if i.type == "azurerm_virtual_machine_extension"]
    cmd, settings, custom, nsg_name = (ext.body.attrs[n].value for n in ("cmd", "settings", "custom", "nsg_name"))
    assert all(isinstance(v, Unknown) for v in (cmd, settings, custom, nsg_name))
    assert cmd.text == "net use Z: \\\\exchfiles.file.core.windows.net\\db /u:AZURE\\x ${azurerm_storage_account.a.primary_access_key}"
    assert settings.text == '{"commandToExecute":"key ${azurerm_storage_account.a.primary_access_key}","n":1}'
    assert custom.text == "mount ${?}"
    # a configured attribute that is unknown (a variable without a value) is still a reference to its resource
    assert {r.address for r in nsg_name.refs} == {"azurerm_network_security_group.g"}
