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
    # outbound mail leaves through Azure Communication Services (SMTP relay, EXV501)
    resource "azurerm_email_communication_service" "mail" {
      name          = "exch-mail"
      data_location = "Europe"
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
    # the mailbox subnet's NSG lets the servers deliver mail themselves on TCP 25, and nothing shows a relay
    [direct] = by_rule["EXV502"]
    assert direct.startswith("examples/azure-exchange/main.tf:") and "allow-smtp-out" in direct
    assert "exch-mbx-01, exch-mbx-02, exch-mbx-03" in direct
    assert len(by_rule["EXV501"]) == 1 and "3 Exchange VMs" in by_rule["EXV501"][0]
    # every message says why the VM is Exchange
    assert all("(tag role=exchange-mailbox)" in l for l in lines[:-1]), out


def test_bicep_example_reports_its_problems_in_the_bicep_files(run_cli):
    """examples/azure-exchange-bicep: the source is linted with its .bicepparam; the JSON compiled from it
    beside it is the same deployment and is not reported again."""
    code, out, err = run_cli("check", "examples/azure-exchange-bicep")
    assert code == 1, out + err
    lines = [l for l in out.splitlines() if not l.startswith(" ")][:-1]
    by_rule = {}
    for line in lines:
        by_rule.setdefault(line.split(": ", 1)[1].split()[0], []).append(line)
    assert sorted(by_rule) == ["EXV301", "EXV501", "EXV502"], out
    assert len(by_rule["EXV301"]) == 2 and all(
        f"exch-mbx-0{i}-log01 is Standard_LRS" in l and l.startswith("examples/azure-exchange-bicep/modules/mailbox.bicep:")
        for i, l in enumerate(sorted(by_rule["EXV301"], key=lambda l: "exch-mbx-02" in l), 1))
    [direct] = by_rule["EXV502"]
    assert direct.startswith("examples/azure-exchange-bicep/main.bicep:") and "allow-smtp-out" in direct
    assert "exch-mbx-01, exch-mbx-02" in direct
    assert len(by_rule["EXV501"]) == 1 and "2 Exchange VMs" in by_rule["EXV501"][0]
    assert "main.json" not in out and "1 unit" in (out + err)


def test_example_with_a_relay_rule_passes_the_smtp_rules(run_cli, tmp_path):
    """The fix the rule documents: the outbound rule allows only the relay, on 587. That is relay
    evidence, so EXV501 passes too, and the other findings of the example stay."""
    copy = tmp_path / "azure-exchange"
    shutil.copytree(EXAMPLE, copy)
    main = (copy / "main.tf").read_text()
    smtp_out = main[main.index('name                       = "allow-smtp-out"'):]
    smtp_out = smtp_out[:smtp_out.index("}")]
    fixed = smtp_out.replace('"allow-smtp-out"', '"allow-relay-out"').replace(
        'destination_port_range     = "25"', 'destination_port_range     = "587"').replace(
        'destination_address_prefix = "Internet"', 'destination_address_prefix = "203.0.113.25/32"')
    assert fixed != smtp_out
    (copy / "main.tf").write_text(main.replace(smtp_out, fixed))
    code, out, _ = run_cli("check", copy)
    assert code == 1, out  # the storage and OS findings remain
    assert "EXV301" in out and "EXV502" not in out and "EXV501" not in out, out


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


def test_parent_module_outside_git_is_read_within_the_scanned_tree(tmp_path, run_cli):
    """envs/prod -> ../../modules/vm, outside any git checkout (as after a download): the module is
    followed when the scanned tree holds it, and never read from outside the scanned tree."""
    (tmp_path / "modules" / "vm").mkdir(parents=True)
    (tmp_path / "envs" / "prod").mkdir(parents=True)
    (tmp_path / "modules" / "vm" / "main.tf").write_text(GOOD.replace('default = "Premium_LRS"', 'default = "Standard_LRS"'))
    (tmp_path / "envs" / "prod" / "main.tf").write_text('module "exch" {\n  source = "../../modules/vm"\n}\n')
    code, out, _ = run_cli("check", tmp_path, cwd=tmp_path)
    assert code == 1, out
    assert "EXV301" in out and "EXV000" not in out
    code, out, _ = run_cli("check", tmp_path / "envs" / "prod", cwd=tmp_path)
    assert code == 2 and "outside the scanned tree" in out and "EXV301" not in out


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


# --------------------------------------------------------------------------- options and configuration


def test_abbreviated_options_are_rejected(tree, run_cli):
    code, _, err = run_cli("check", tree, "--stric")
    assert code == 2 and "--stric" in err


def test_short_options(tree, run_cli, tmp_path):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    (tree / "other.yaml").write_text("rules:\n  ignore: [EXV301]\n")
    out_file = tmp_path / "r.json"
    code, out, _ = run_cli("check", tree, "-f", "json", "-o", out_file, "-c", tree / "other.yaml", "-q")
    assert code == 0 and out == ""  # the configuration named with -c ignores the only finding; -q prints nothing
    assert json.loads(out_file.read_text())["findings"] == []


def test_unknown_rule_in_select_runs_no_rule(tree, run_cli):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    code, out, _ = run_cli("check", tree, "--select", "EXV301,EXV999")
    assert code == 2 and "unknown rule 'EXV999'" in out
    assert "EXV301 [" not in out  # as ruff: an invalid selection lints nothing
    code, out, _ = run_cli("check", tree, "--ignore", "EXV31")
    assert code == 2 and "EXV301 [" not in out


def test_empty_select_is_an_error_not_every_rule(tree, run_cli):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    code, out, _ = run_cli("check", tree, "--select", "")
    assert code == 2 and "--select names no rule" in out and "EXV301 [" not in out
    (tree / ".exvlint.yaml").write_text("rules:\n  select: []\n")
    code, out, _ = run_cli("check", tree)
    assert code == 2 and "rules.select is empty" in out and "EXV301 [" not in out


def test_select_exv001_with_strict_gives_the_notes(run_cli):
    case = "tests/fixtures/rules/EXV001/data_source_value_strict"
    code, out, _ = run_cli("check", case, "--select", "EXV001", "--strict")
    lines = [l for l in out.splitlines() if " EXV" in l and not l.startswith(" ")]
    assert lines and all(" EXV001 [note] EXV301 cannot decide" in l for l in lines), out
    code, out, _ = run_cli("check", case, "--select", "EXV001")
    assert "EXV001 [" not in out  # without --strict there are no EXV001 notes


def test_config_keys_that_would_do_nothing_are_errors(tree, run_cli):
    (tree / ".exvlint.yaml").write_text("azure:\n  smtp_relay: relay.example.com\n")
    code, out, _ = run_cli("check", tree)
    from exvlint.checks import CHECKS

    if "EXV501" in CHECKS:  # once the SMTP rules are checked, the key is relay evidence for them
        assert "smtp_relay" not in out
    else:
        assert code == 2 and ".exvlint.yaml:2:1: EXV003 [error] azure.smtp_relay has no effect" in out


def test_baseline_key_in_the_configuration_works(tree, run_cli):
    (tree / "terraform.tfvars").write_text('db_type = "Standard_LRS"\n')
    assert run_cli("check", tree, "--write-baseline", tree / "exvlint-baseline.json", cwd=tree.parent)[0] == 0
    (tree / ".exvlint.yaml").write_text("baseline: exvlint-baseline.json\n")  # relative to the file
    code, out, _ = run_cli("check", tree, cwd=tree.parent)
    assert code == 0 and "0 findings" in out and "1 suppressed" in out
    (tree / ".exvlint.yaml").write_text("baseline: missing.json\n")
    code, out, _ = run_cli("check", tree)
    assert code == 2 and "baseline: no such file" in out


def test_paths_are_printed_in_one_style(run_cli):
    code, out, _ = run_cli("check", ".", "-f", "json", cwd=EXAMPLE)
    paths = {f["location"]["path"] for f in json.loads(out)["findings"]} | \
        {r["path"] for f in json.loads(out)["findings"] for r in f["related"]}
    assert "main.tf" in paths and "modules/exchange-server/main.tf" in paths
    assert not any(p.startswith("./") for p in paths), paths
    code, out, _ = run_cli("check", ".", cwd=EXAMPLE)
    assert "./" not in out


def test_summary_says_what_was_seen(tree, run_cli, tmp_path):
    code, out, _ = run_cli("check", EXAMPLE)
    assert "in 6 files, 1 unit; 3 VMs, 3 treated as Exchange;" in out.splitlines()[-1]
    assert out.splitlines()[-1].endswith(" s")
    (tree / "main.tf").write_text(GOOD.replace('"exch01"', '"web01"'))
    code, out, _ = run_cli("check", tree)
    assert code == 0 and "1 VM, 0 treated as Exchange" in out
    assert "none recognised as an Exchange server" in out and "exchange.vms" in out and "--all-vms" in out
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "README.md").write_text("nothing here\n")
    code, out, _ = run_cli("check", empty)
    assert code == 0 and "nothing exvlint reads" in out
    code, out, err = run_cli("check", empty, "-q")
    assert code == 0 and out == "" and err == ""


def test_colour_only_on_a_terminal():
    import io

    from exvlint.cli import _color

    class Tty(io.StringIO):
        def isatty(self):
            return True

    import os

    old = os.environ.pop("NO_COLOR", None)
    try:
        assert _color(Tty()) and not _color(io.StringIO())
        os.environ["NO_COLOR"] = "1"
        assert not _color(Tty())
    finally:
        os.environ.pop("NO_COLOR", None)
        if old is not None:
            os.environ["NO_COLOR"] = old


def test_text_report_is_not_coloured_when_piped(run_cli):
    _, out, _ = run_cli("check", EXAMPLE)
    assert "\033[" not in out


def test_explain_renders_plain_text_for_a_terminal(run_cli):
    code, out, _ = run_cli("explain", "EXV301", "--format", "text")
    assert code == 0 and "HOW TO FIX" in out and "## " not in out and "```" not in out
    assert "    resource \"azurerm_managed_disk\"" in out  # code stays, indented


def test_a_rule_without_a_check_says_so(capsys, monkeypatch):
    """Whether a rule is checked is decided from the registered checks: take one away and the
    catalog, explain and SARIF say it is documented but not checked."""
    import exvlint.checks
    from exvlint.cli import main
    from exvlint.formatters import get_formatter

    monkeypatch.delitem(exvlint.checks.CHECKS, "EXV502")
    monkeypatch.chdir(ROOT)
    main(["rules"])
    lines = [l for l in capsys.readouterr().out.splitlines() if "not checked yet" in l]
    assert [l.split()[0] for l in lines] == ["EXV502"]
    main(["explain", "EXV502", "--format", "markdown"])
    assert "Not checked yet" in capsys.readouterr().out
    import exvlint

    result = exvlint.lint(["examples/azure-exchange"])
    rules = json.loads(get_formatter("sarif")(result, None))["runs"][0]["tool"]["driver"]["rules"]
    r502 = next(r for r in rules if r["id"] == "EXV502")
    assert r502["defaultConfiguration"]["enabled"] is False and "Not checked yet" in r502["fullDescription"]["text"]
    assert all(r.get("defaultConfiguration", {}).get("enabled", True) for r in rules if r["id"] != "EXV502")
    # and a configuration key that feeds an unchecked rule is an error
    monkeypatch.delitem(exvlint.checks.CHECKS, "EXV501")
    from exvlint.config import load_config

    cfg = ROOT / "examples" / "azure-exchange2019" / ".exvlint.yaml"
    assert any("smtp_relay has no effect" in e.message for e in load_config(str(cfg)).errors)


def test_rules_not_yet_checked_say_so(run_cli):
    from exvlint.checks import CHECKS

    todo = [rid for rid in load_catalog() if rid not in CHECKS and "meta" not in load_catalog()[rid].tags]
    _, out, _ = run_cli("rules")
    for line in out.splitlines():
        assert ("not checked yet" in line) == (line.split()[0] in todo), line
    if todo:
        _, out, _ = run_cli("explain", todo[0])
        assert "Not checked yet" in out
        _, out, _ = run_cli("check", EXAMPLE, "-f", "sarif")
        rule = next(r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == todo[0])
        assert rule["defaultConfiguration"]["enabled"] is False and "Not checked yet" in rule["fullDescription"]["text"]


def _trees():
    """Every example, and every fixture tree: a directory holding a file some front end reads, or a
    test case (case.yaml), that lies in no other tree."""
    from exvlint.frontends import SUFFIXES

    trees = [p for p in sorted((ROOT / "examples").iterdir()) if p.is_dir()]
    for case in sorted((ROOT / "tests" / "fixtures").rglob("*")):
        if case.is_dir() and not any(parent in trees for parent in case.parents) and \
                any(f.is_file() and (f.name.lower().endswith(SUFFIXES) or f.name == "case.yaml") for f in case.iterdir()):
            trees.append(case)
    return trees


def test_library_and_command_line_agree_on_every_example_and_fixture(capsys, monkeypatch):
    """exvlint.lint(paths) gives what exvlint check paths prints: same configuration, same findings."""
    import exvlint
    from exvlint.cli import main

    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("TF_VAR_admin_password", raising=False)
    trees = _trees()
    groups = {t.relative_to(ROOT).parts[2] for t in trees if "fixtures" in t.parts}
    assert groups >= {"rules", "adapters", "terraform", "plan", "bicep", "suppress", "hostile"}, groups
    assert any(next(t.glob("*.bicep"), None) for t in trees if "rules" in t.parts)  # Bicep rule cases too
    for tree in trees:
        rel = str(tree.relative_to(ROOT))
        code = main(["check", rel, "-f", "json"])
        printed = json.loads(capsys.readouterr().out)["findings"]
        result = exvlint.lint([rel])
        got = [(f.rule_id, f.location.path, f.location.line, f.message) for f in result.findings]
        assert got == [(f["rule"], f["location"]["path"], f["location"]["line"], f["message"]) for f in printed], rel
        assert code == result.exit_code(), rel
