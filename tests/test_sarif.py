"""SARIF output: valid against the OASIS schema, repository-relative, deterministic, stable."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from conftest import EXAMPLE, ROOT
from exvlint.catalog import load_catalog

# the OASIS SARIF 2.1.0 schema (sarif-schema-2.1.0.json from the OASIS TC), kept in the project so a
# fresh clone validates without anything beside it
SCHEMA_PATH = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def _schema():
    # a missing schema is a failure, never a skip, so validation cannot silently stop
    assert SCHEMA_PATH.is_file(), f"SARIF schema not found at {SCHEMA_PATH}"
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def example_sarif():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "exvlint", "check", "examples/azure-exchange", "--format", "sarif"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    return proc.stdout


def test_validates_against_the_schema(example_sarif):
    jsonschema.validate(json.loads(example_sarif), _schema())


def test_results_are_located_relative_to_the_repository(example_sarif):
    log = json.loads(example_sarif)
    run = log["runs"][0]
    assert run["results"], "the example must produce results"
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        loc = result["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "\\" not in uri and uri.startswith("examples/azure-exchange/")
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert loc["region"]["startLine"] >= 1
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["partialFingerprints"]
        assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].startswith(
            ("module.mailbox[", "azurerm_snapshot", "azurerm_network_security_group.mailbox"))
    related = [r for res in run["results"] for r in res.get("relatedLocations", [])]
    assert any(r["physicalLocation"]["artifactLocation"]["uri"].endswith("terraform.tfvars") for r in related)
    assert any("argument" in r["message"]["text"] for r in related)


def test_rule_descriptors_come_from_the_documents(example_sarif):
    rules = json.loads(example_sarif)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(load_catalog())
    r301 = next(r for r in rules if r["id"] == "EXV301")
    assert r301["name"] == "non-premium-storage"
    assert r301["defaultConfiguration"]["level"] == "error"
    assert "## How to fix" in r301["help"]["markdown"]
    assert r301["shortDescription"]["text"] and r301["fullDescription"]["text"] and r301["helpUri"]


def test_output_is_deterministic(example_sarif):
    import subprocess
    import sys

    again = subprocess.run([sys.executable, "-m", "exvlint", "check", "examples/azure-exchange", "--format", "sarif"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    assert again == example_sarif


def test_fingerprints_survive_moved_lines(tmp_path, run_cli):
    copy = tmp_path / "deploy"
    shutil.copytree(EXAMPLE, copy)
    before = json.loads(run_cli("check", copy, "--format", "sarif")[1])["runs"][0]["results"]
    main = copy / "modules" / "exchange-server" / "main.tf"
    main.write_text("# moved down\n\n\n" + main.read_text())
    tfvars = copy / "terraform.tfvars"
    tfvars.write_text("\n\n" + tfvars.read_text())
    after = json.loads(run_cli("check", copy, "--format", "sarif")[1])["runs"][0]["results"]
    assert len(before) == len(after)
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in before] != \
        [r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after]
    assert sorted(r["partialFingerprints"]["exvlint/v1"] for r in before) == \
        sorted(r["partialFingerprints"]["exvlint/v1"] for r in after)


def test_parse_errors_are_tool_notifications(tmp_path, run_cli):
    (tmp_path / "bad.tf").write_text('resource "x" "y" {\n')
    code, out, _ = run_cli("check", tmp_path, "--format", "sarif")
    assert code == 2
    log = json.loads(out)
    jsonschema.validate(log, _schema())
    notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes and notes[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("bad.tf")


def test_same_module_in_two_roots_gives_distinct_fingerprints(tmp_path, run_cli):
    mod = tmp_path / "modules" / "vm"
    mod.mkdir(parents=True)
    (mod / "main.tf").write_text('variable "size" {}\nresource "azurerm_windows_virtual_machine" "vm" {\n'
                                 '  name = "exch"\n  size = var.size\n}\n')
    for env, size in (("a", "Standard_D4_v3"), ("b", "Standard_D8_v3")):
        (tmp_path / env).mkdir()
        (tmp_path / env / "main.tf").write_text(f'module "m" {{\n  source = "../modules/vm"\n  size = "{size}"\n}}\n')
    log = json.loads(run_cli("check", tmp_path, "--format", "sarif", "--select", "EXV302", cwd=tmp_path)[1])
    prints = [r["partialFingerprints"]["exvlint/v1"] for r in log["runs"][0]["results"]]
    assert len(prints) == 2 and len(set(prints)) == 2


def test_uris_are_relative_to_the_scanned_repository_not_the_working_directory(tmp_path, run_cli):
    code, out, _ = run_cli("check", EXAMPLE, "--format", "sarif", cwd=tmp_path)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(out)["runs"][0]["results"]}
    assert uris and all(u.startswith("examples/azure-exchange/") for u in uris), uris
