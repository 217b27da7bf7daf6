"""End-to-end: the real command line on fixture trees and on the shipped example."""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT
from exvlint.catalog import load_catalog

GOOD = textwrap.dedent('''\
    resource "azurerm_windows_virtual_machine" "exch01" {
      name = "exch01"
      size = "Standard_E8s_v5"
      os_disk {
        storage_account_type = "Premium_LRS"
        disk_size_gb         = 128
      }
      source_image_reference {
        publisher = "MicrosoftWindowsServer"
        offer     = "WindowsServer"
        sku       = "2012-R2-Datacenter"
        version   = "latest"
      }
    }
    resource "azurerm_managed_disk" "db" {
      name                 = "exch01-db"
      storage_account_type = var.db_type
      disk_size_gb         = 1024
    }
    resource "azurerm_virtual_machine_data_disk_attachment" "db" {
      managed_disk_id    = azurerm_managed_disk.db.id
      virtual_machine_id = azurerm_windows_virtual_machine.exch01.id
      lun                = 0
    }
    variable "db_type" {
      default = "Premium_LRS"
    }
    ''')


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "main.tf").write_text(GOOD)
    return tmp_path


def test_clean_tree_exits_0(tree, run_cli):
    code, out, _ = run_cli("check", tree)
    assert code == 0, out
    assert "0 findings" in out


def test_example_deployment_reports_its_problems(run_cli):
    code, out, err = run_cli("check", "examples/azure-exchange")
    assert code == 1, out + err
    lines = [l for l in out.splitlines() if not l.startswith(" ")]
    by_rule = {}
    for line in lines[:-1]:
        by_rule.setdefault(line.split(": ", 1)[1].split()[0], []).append(line)
    assert any("exch-mbx-02-logs01 is StandardSSD_LRS" in l for l in by_rule["EXV301"])
    assert any("Standard_E16_v5" in l for l in by_rule["EXV302"])
    assert any("exch-mbx-03" in l and "2019" in l for l in by_rule["EXV404"])
    assert any("128 GB < 15 GB + 128 GB memory = 143 GB" in l for l in by_rule["EXV304"])
    assert any("[warning]" in l for l in by_rule["EXV401"])
    # every message says why the VM is Exchange
    assert all("(tag role=exchange-mailbox)" in l for l in lines[:-1]), out


def test_var_and_var_file_precedence(tree, run_cli):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    code, out, _ = run_cli("check", tree)
    assert code == 1 and "is Standard_LRS" in out and "terraform.tfvars:1" in out
    (tree / "fix.tfvars").write_text('db_type = "Premium_ZRS"\n')
    code, out, _ = run_cli("check", tree, "--var-file", tree / "fix.tfvars")
    assert code == 0, out
    # later -var wins over the earlier -var-file, as in Terraform
    code, out, _ = run_cli("check", tree, "--var-file", tree / "fix.tfvars", "--var", "db_type=StandardSSD_LRS")
    assert code == 1 and "StandardSSD_LRS" in out


def test_tf_var_environment_is_below_tfvars(tree, run_cli):
    code, out, _ = run_cli("check", tree, env={"TF_VAR_db_type": "Standard_LRS"})
    assert code == 1 and "is Standard_LRS" in out
    (tree / "terraform.tfvars").write_text('db_type = "Premium_LRS"\n')
    code, out, _ = run_cli("check", tree, env={"TF_VAR_db_type": "Standard_LRS"})
    assert code == 0, out


def test_broken_file_is_exv000_and_the_rest_is_linted(tree, run_cli):
    (tree / "main.tf").write_text(GOOD.replace('default = "Premium_LRS"', 'default = "Standard_LRS"'))
    (tree / "broken.tf").write_text('resource "azurerm_managed_disk" "x" {\n  name = \n}\n')
    code, out, _ = run_cli("check", tree)
    assert code == 2
    assert "broken.tf:2:" in out and "EXV000 [error]" in out
    assert "EXV301" in out  # main.tf is still linted


def test_config_error_exits_2(tree, run_cli):
    (tree / ".exvlint.yaml").write_text("exchange:\n  vms: [exch01]\nrulez: {}\n")
    code, out, _ = run_cli("check", tree)
    assert code == 2
    assert ".exvlint.yaml:3:1: EXV003 [error] unknown configuration key 'rulez'" in out


def test_fail_level_select_and_ignore(tree, run_cli):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    assert run_cli("check", tree, "--ignore", "EXV301")[0] == 0
    assert run_cli("check", tree, "--ignore", "non-premium-storage")[0] == 0
    assert run_cli("check", tree, "--select", "EXV302")[0] == 0
    assert run_cli("check", tree, "--fail-level", "none")[0] == 0
    assert run_cli("check", tree, "--select", "EXV999")[0] == 2


def test_several_formats_in_one_run(tree, run_cli, tmp_path):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    sarif, js = tmp_path / "out.sarif", tmp_path / "out.json"
    code, out, _ = run_cli("check", tree, "--format", "sarif", "--output", sarif, "--format", "json",
                           "--output", js, "--format", "text")
    assert code == 1
    assert "EXV301" in out
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert json.loads(js.read_text())["findings"][0]["rule"] == "EXV301"


def test_json_document(tree, run_cli):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    code, out, _ = run_cli("check", tree, "--format", "json")
    doc = json.loads(out)
    [finding] = doc["findings"]
    assert finding["rule"] == "EXV301" and finding["name"] == "non-premium-storage"
    assert finding["level"] == "error"
    assert finding["location"]["path"].endswith("main.tf") and finding["location"]["line"] == 17
    assert finding["address"] == "azurerm_managed_disk.db"
    assert finding["scope_reason"] == "name matches *exch*"
    assert any(r["path"].endswith("terraform.tfvars") and r["line"] == 1 for r in finding["related"])
    assert doc["summary"]["error"] == 1


def test_rules_and_explain(run_cli):
    code, out, _ = run_cli("rules")
    assert code == 0
    assert len(out.strip().splitlines()) == len(load_catalog())
    assert "EXV301  non-premium-storage" in out
    code, out, _ = run_cli("explain", "non-premium-storage")
    assert code == 0 and out.startswith("EXV301 non-premium-storage (error)") and "## How to fix" in out
    code, out, err = run_cli("explain", "EXV999")
    assert code == 2 and "no rule" in err
    code, out, _ = run_cli("rules", "--format", "json")
    assert {r["id"] for r in json.loads(out)} >= {"EXV000", "EXV301", "EXV502"}


def test_usage_errors_exit_2(run_cli):
    assert run_cli("check", "--format", "xml")[0] == 2
    assert run_cli()[0] == 2
    assert run_cli("--version")[1].startswith("exvlint ")


def test_missing_path_is_an_input_error(run_cli, tmp_path):
    code, out, _ = run_cli("check", tmp_path / "nope")
    assert code == 2 and "no such file or directory" in out


def test_library_entry_point(tree):
    import exvlint
    from exvlint.config import Config

    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    result = exvlint.lint([str(tree)], Config())
    assert [f.rule_id for f in result.findings] == ["EXV301"]
    assert result.exit_code() == 1


def test_parent_module_outside_git_is_followed(tmp_path, run_cli):
    """envs/prod -> ../../modules/vm, scanned outside any git checkout (as after a download)."""
    (tmp_path / "modules" / "vm").mkdir(parents=True)
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "modules" / "vm" / "main.tf").write_text(GOOD.replace('default = "Premium_LRS"', 'default = "Standard_LRS"'))
    (tmp_path / "envs" / "prod" / "main.tf").write_text('module "exch" {\n  source = "../../modules/vm"\n}\n')
    code, out, _ = run_cli("check", tmp_path / "envs" / "prod", cwd=tmp_path)
    assert code == 1, out
    assert "EXV301" in out and "EXV000" not in out


def test_command_line_values_are_not_located_in_a_directory(tree, run_cli):
    (tree / "main.tf").write_text(GOOD.replace('variable "db_type" {\n  default = "Premium_LRS"\n}',
                                               'variable "db_type" {\n  type = object({ t = string })\n}')
                                  .replace("var.db_type", "var.db_type.t"))
    code, out, _ = run_cli("check", tree, "--var", 'db_type={ t = "Standard_LRS" }')
    assert code == 1 and "<command line>: --var db_type" in out
    assert f"{tree}:" not in out  # no related location points at the directory itself
    code, out, _ = run_cli("check", tree, env={"TF_VAR_db_type": '{ t = "Standard_LRS" }'})
    assert code == 1 and "<environment>: TF_VAR_db_type" in out


def test_parse_error_line_is_inside_the_file(tmp_path, run_cli):
    (tmp_path / "bad.tf").write_text("sdjnf\n")
    code, out, _ = run_cli("check", tmp_path)
    assert code == 2 and "bad.tf:1:" in out
    (tmp_path / "bad.tf").write_text('resource "x" "y" {\n  a = 1\n')
    code, out, _ = run_cli("check", tmp_path)
    assert code == 2 and "bad.tf:2:" in out


def test_overlapping_paths_count_files_once(run_cli):
    _, out_one, _ = run_cli("check", "examples/azure-exchange")
    _, out_two, _ = run_cli("check", "examples/azure-exchange", "examples/azure-exchange/modules/../modules")
    assert out_one.splitlines()[-1].rsplit(";", 1)[0] == out_two.splitlines()[-1].rsplit(";", 1)[0]


def test_options_not_built_yet_are_refused_not_ignored(tree, run_cli):
    code, _, err = run_cli("check", tree, "--parameters", "x.json")
    assert code == 2 and "not supported" in err
