"""Hostile and broken input: every case is an input error (EXV000) or a configuration error (EXV003)
at the file, exit code 2, no traceback, and whatever else the tree holds is still linted.

The corpus is tests/fixtures/hostile/<case>/ (a tree plus case.yaml), and, for inputs too large or too
strange to keep in the repository (deep nesting, FIFOs, billion-laughs YAML), the generated cases
below. Each case.yaml gives the exit code and the findings that must be there, and may bound the
run's time (``seconds``) where the input once made exvlint's work grow with the square of its size.
"""
from __future__ import annotations

import json
import os
import shutil
import textwrap
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from conftest import ROOT

CORPUS = ROOT / "tests" / "fixtures" / "hostile"

# a good Exchange disk beside every hostile input: its finding proves the rest is still linted
GOOD = textwrap.dedent('''\
    resource "azurerm_windows_virtual_machine" "exch01" {
      name = "exch01"
      size = "Standard_E8s_v5"
      os_disk {
        storage_account_type = "Premium_LRS"
      }
    }
    resource "azurerm_managed_disk" "db" {
      name                 = "exch01-db"
      storage_account_type = "Standard_LRS"
      disk_size_gb         = 1024
    }
    resource "azurerm_virtual_machine_data_disk_attachment" "db" {
      managed_disk_id    = azurerm_managed_disk.db.id
      virtual_machine_id = azurerm_windows_virtual_machine.exch01.id
      lun                = 0
    }
    ''')


def _generated() -> dict:
    """name -> (files {relative path: text or bytes}, expected)."""
    deep_list = "[" * 600 + "]" * 600
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    nested_yaml = "exchange:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(500)) + "  " * 501 + "x: 1\n"
    return {
        "plan_nested_600": ({"plan.json": '{"format_version":"1.2","planned_values":' + deep_list + "}"},
                            {"exit": 2, "findings": [("EXV000", "plan.json", "nested more than")]}),
        "tfvars_json_nested_600": ({"terraform.tfvars.json": '{"x":' + deep_list + "}"},
                                   {"exit": 2, "findings": [("EXV000", "terraform.tfvars.json", "nested more than")]}),
        "config_billion_laughs_guest_os": ({".exvlint.yaml": "anchors:\n" + textwrap.indent(laughs, "  ")
                                            .replace("anchors:\n", "") + "guest_os:\n  exch*: *j\n"},
                                           {"exit": 2, "findings": [("EXV003", ".exvlint.yaml", "")]}),
        "config_nested_500": ({".exvlint.yaml": nested_yaml},
                              {"exit": 2, "findings": [("EXV003", ".exvlint.yaml", "")]}),
        # the section header is only text inside a string: there is no configuration, and no crash
        "pyproject_tool_is_a_string": ({"pyproject.toml": 'tool = """\n[tool.exvlint]\n"""\n'},
                                       {"exit": 1, "findings": []}),
        "nested_for_a_billion": ({"loop.tf": 'locals {\n  big = [for i in range(1000) : [for j in range(1000) : '
                                             '[for k in range(1000) : k]]]\n}\nresource "azurerm_managed_disk" "loop" {\n'
                                             '  name = "exch-${length(local.big)}"\n}\n'},
                                 {"exit": 2, "findings": [("EXV000", "loop.tf", "limits.evaluation_steps")]}),
        "count_a_billion": ({"many.tf": 'resource "azurerm_managed_disk" "many" {\n  count = 1e9\n  name = "exch"\n'
                                        '  storage_account_type = "Standard_LRS"\n}\n'},
                            {"exit": 2, "findings": [("EXV000", "many.tf", "limits.instances")]}),
        "hcl_nested_600": ({"deep.tf": "x = " + "[" * 600 + "]" * 600 + "\n"},
                           {"exit": 2, "findings": [("EXV000", "deep.tf:1:205", "limits.nesting_depth")]}),
        "hcl_sum_of_200000_terms": ({"sum.tf": "y = " + "+".join(["1"] * 200000) + "\n"},
                                    {"exit": 2, "findings": [("EXV000", "sum.tf", "limits.nesting_depth")]}),
        "hcl_list_of_150000": ({"list.tf": 'locals {\n  z = [' + ",".join(['"a"'] * 150000) + "]\n}\n"},
                               {"exit": 1, "findings": []}),
        "attribute_twice": ({"dup.tf": 'resource "azurerm_managed_disk" "d" {\n  name = "a"\n  name = "b"\n}\n'},
                            {"exit": 2, "findings": [("EXV000", "dup.tf:3:3", "defined twice")]}),
        # checkov's fixtures hold this: an argument and a nested block of one name
        "attribute_and_block_of_one_name": ({"vm.tf": 'resource "azurerm_windows_virtual_machine" "v" {\n'
                                                       '  os_disk = "invalid"\n  os_disk {\n    caching = "x"\n  }\n}\n'},
                                            {"exit": 2, "findings": [("EXV000", "vm.tf:3:3", "argument and a nested block")]}),
        "binary_tf": ({"blob.tf": b"\x00\x01\x02binary"},
                      {"exit": 2, "findings": [("EXV000", "blob.tf", "binary file")]}),
        "not_utf8": ({"latin.tf": 'resource "x" "y" {\n  name = "caf\xe9"\n}\n'.encode("latin-1")},
                     {"exit": 2, "findings": [("EXV000", "latin.tf", "not valid UTF-8")]}),
    }


def _cases():
    for name, (files, expected) in sorted(_generated().items()):
        yield pytest.param(files, expected, id=name)
    for case in sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file()) if CORPUS.is_dir() else []:
        spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
        expected = {"exit": spec["exit"], "findings": [(f["rule"], f["file"], f.get("message", ""))
                                                       for f in spec.get("findings") or []],
                    "seconds": spec.get("seconds")}
        yield pytest.param(case, expected, id=case.name)


@pytest.mark.parametrize("source,expected", list(_cases()))
def test_hostile_input(run_cli, tmp_path, source, expected):
    tree = tmp_path / "tree"
    if isinstance(source, Path):
        shutil.copytree(source, tree)
        (tree / "case.yaml").unlink()
    else:
        tree.mkdir()
        for rel, content in source.items():
            target = tree / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            (target.write_bytes if isinstance(content, bytes) else target.write_text)(content)
    (tree / "good.tf").write_text(GOOD)
    started = time.monotonic()
    code, out, err = run_cli("check", ".", "--format", "text", cwd=tree)
    if expected.get("seconds"):
        assert time.monotonic() - started < expected["seconds"], "the run took too long"
    assert "Traceback" not in out + err and "EXV002" not in out, out + err
    assert code == expected["exit"], out
    for rule, path, text in expected["findings"]:
        assert any(line.removeprefix("./").startswith(f"{path}:") and f" {rule} " in line and text in line
                   for line in out.splitlines()), \
            f"no {rule} at {path} mentioning {text!r}:\n{out}"
    assert "good.tf:" in out and "EXV301" in out, f"the rest of the tree was not linted:\n{out}"


def test_every_limit_is_configurable(run_cli, tmp_path):
    (tmp_path / "many.tf").write_text('resource "azurerm_managed_disk" "many" {\n  count = 20\n  name = "exch"\n'
                                      '  storage_account_type = "Standard_LRS"\n}\n')
    code, out, _ = run_cli("check", ".", cwd=tmp_path)
    assert code == 1 and out.count("EXV301") == 20
    (tmp_path / ".exvlint.yaml").write_text("limits:\n  instances: 10\n")
    code, out, _ = run_cli("check", ".", cwd=tmp_path)
    assert code == 2 and "limits.instances is 10" in out and "EXV301" not in out
    (tmp_path / ".exvlint.yaml").write_text("limits:\n  instancez: 10\n  file_bytes: -1\n")
    code, out, _ = run_cli("check", ".", cwd=tmp_path)
    assert code == 2 and "limits.instancez" in out and "limits.file_bytes must be a positive" in out


def test_a_parser_defect_costs_the_file_not_the_run(monkeypatch, tmp_path):
    from exvlint.config import Config
    from exvlint.engine import lint
    from exvlint.terraform import hcl

    (tmp_path / "good.tf").write_text(GOOD)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "odd.tf").write_text('variable "x" {}\n')
    real = hcl.parse_hcl

    def parse(text, path="<string>"):
        if path.endswith("odd.tf"):
            raise IndexError("a converter defect")
        return real(text, path)

    monkeypatch.setattr(hcl, "parse_hcl", parse)
    result = lint([str(tmp_path)], Config())
    errors = [f for f in result.findings if f.rule_id in ("EXV000", "EXV002")]
    assert len(errors) == 1 and errors[0].location.path.endswith("odd.tf") and errors[0].rule_id == "EXV002" and "IndexError" in errors[0].message
    assert any(f.rule_id == "EXV301" for f in result.findings)


def test_file_name_that_is_not_utf8(run_cli, tmp_path):
    """A name Python can only hold with surrogate escapes is linted and reported (as U+FFFD), never
    a UnicodeEncodeError while the report is written."""
    name = os.fsdecode(b"exch\xff.tf")
    try:
        (tmp_path / name).write_text(GOOD)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this filesystem takes UTF-8 names only")
    for fmt in ("text", "json", "sarif"):
        code, out, err = run_cli("check", ".", "--format", fmt, cwd=tmp_path)
        assert "Traceback" not in err and code == 1, err
        assert "exch\ufffd.tf" in (out if fmt == "text" else json.dumps(json.loads(out), ensure_ascii=False))
        assert "EXV301" in out


ARM_DISK = json.dumps({
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "resources": [{"type": "Microsoft.Compute/disks", "apiVersion": "2024-03-02", "name": "exch01-db",
                   "location": "westeurope", "sku": {"name": "Standard_LRS"},
                   "properties": {"creationData": {"createOption": "Empty"}, "diskSizeGB": 1024}}]})
BICEP_DISK = textwrap.dedent('''\
    resource db 'Microsoft.Compute/disks@2024-03-02' = {
      name: 'exch01-db'
      location: 'westeurope'
      sku: { name: 'Standard_LRS' }
      properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 1024 }
    }
    ''')


@pytest.mark.parametrize("suffix,text", [(".json", ARM_DISK), (".bicep", BICEP_DISK)])
def test_template_name_that_is_not_utf8(run_cli, tmp_path, suffix, text):
    """An ARM template or Bicep file whose name is not UTF-8 gets a template URI (deployment().properties
    .templateLink.uri) with the name's bytes escaped, as a file name reaches a URL, not a UnicodeEncodeError."""
    name = os.fsdecode(b"exch\xff" + suffix.encode())
    try:
        (tmp_path / name).write_text(text)
    except (OSError, UnicodeEncodeError):
        pytest.skip("this filesystem takes UTF-8 names only")
    code, out, err = run_cli("check", ".", "--format", "text", cwd=tmp_path)
    assert "Traceback" not in err and "EXV002" not in out, out + err
    assert code == 1 and "EXV301" in out and f"exch\ufffd{suffix}" in out, out


def test_a_long_key_is_not_repeated_in_reports(run_cli, tmp_path):
    """A for_each key 500,000 characters long (from a variables file) names the resources it makes;
    the reports show it shortened, so a small input cannot make a huge report."""
    (tmp_path / "main.tf").write_text(textwrap.dedent('''\
        variable "disks" {}
        resource "azurerm_managed_disk" "db" {
          for_each             = var.disks
          name                 = each.key
          storage_account_type = each.value
        }
        '''))
    sizes = {}
    for key in ("exch-x", "exch-" + "x" * 500_000):
        (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"disks": {key: "Standard_LRS"}}))
        for fmt in ("text", "json", "sarif"):
            code, out, err = run_cli("check", ".", "--strict", "--format", fmt, cwd=tmp_path)
            assert code == 1 and "EXV301" in out and "Traceback" not in err
            sizes.setdefault(fmt, []).append(len(out))
    assert all(long - short < 10_000 for short, long in sizes.values()), sizes


@pytest.mark.parametrize("fmt", ["text", "github", "markdown", "junit", "gitlab", "json", "sarif"])
def test_names_with_control_characters_stay_inside_their_line(run_cli, tmp_path, fmt):
    """A file name with a line break must not start a report line of its own: CI runners execute
    log lines such as "::warning ...::" as commands. A control character in a resource name still
    gives well-formed XML."""
    name = "x\n::warning title=injected::from a file name\n.tf"
    try:
        (tmp_path / name).write_text(GOOD)
    except OSError:
        pytest.skip("this filesystem refuses line breaks in names")
    (tmp_path / "vm.tf").write_text('resource "azurerm_windows_virtual_machine" "exch\x18vm" {\n  name = "exch02"\n'
                                    '  size = "Standard_E8s_v5"\n  os_disk {\n    storage_account_type = "Standard_LRS"\n'
                                    '  }\n}\n')
    code, out, err = run_cli("check", ".", "--format", fmt, cwd=tmp_path)
    assert code == 1 and "Traceback" not in err, err
    assert not any(line.lstrip().startswith("::warning title=injected") for line in out.splitlines()), out
    if fmt == "junit":
        ElementTree.fromstring(out)
    elif fmt in ("gitlab", "json", "sarif"):
        json.loads(out)


REPORT_FORMATS = ["text", "github", "markdown", "junit", "gitlab", "json", "sarif"]


def _non_utf8_dir(tmp_path, raw: bytes) -> str:
    """A directory whose name is not UTF-8 (Python holds it with surrogate escapes); skips where the
    filesystem refuses such names."""
    name = os.fsdecode(raw)
    try:
        (tmp_path / name).mkdir()
    except (OSError, UnicodeEncodeError):
        pytest.skip("this filesystem takes UTF-8 names only")
    return name


def _report(run_cli, cwd, fmt: str, *args: str) -> tuple:
    """(exit code, the report of ``fmt`` written with --output, as text with JSON escapes undone, stderr)."""
    report = cwd / "report.out"
    code, _, err = run_cli("check", *args, "--format", fmt, "--output", str(report), cwd=cwd)
    assert "Traceback" not in err, err
    text = report.read_text(encoding="utf-8")
    if fmt in ("json", "sarif", "gitlab"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return code, text, err


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_a_vm_name_with_a_lone_surrogate_escape(run_cli, tmp_path, fmt):
    """HCL's "\\ud800" escape gives a string no UTF-8 report can hold: every report shows it as U+FFFD
    (the Markdown report's VM table wrote it raw and stopped with a UnicodeEncodeError)."""
    (tmp_path / "vm.tf").write_text('resource "azurerm_windows_virtual_machine" "exch01" {\n'
                                    '  name = "exch-\\ud800-01"\n  size = "Standard_E8s_v5"\n'
                                    '  os_disk {\n    storage_account_type = "Standard_LRS"\n  }\n}\n')
    code, text, _ = _report(run_cli, tmp_path, fmt, ".")
    assert code == 1 and "exch-\ufffd-01" in text, text


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_a_tag_with_a_lone_surrogate_escape(run_cli, tmp_path, fmt):
    """The tag that makes a VM Exchange's is quoted in the reason it is held to Exchange's requirements;
    with a "\ud800" escape in it the streamed SARIF stopped with a UnicodeEncodeError (found by the
    fuzzer): every report shows it as U+FFFD."""
    (tmp_path / "vm.tf").write_text('resource "azurerm_windows_virtual_machine" "vm01" {\n'
                                    '  name = "vm01"\n  size = "Standard_E8s_v5"\n'
                                    '  tags = { role = "exchange-\\ud800-mailbox" }\n'
                                    '  os_disk {\n    storage_account_type = "Standard_LRS"\n  }\n}\n')
    code, text, _ = _report(run_cli, tmp_path, fmt, ".")
    assert code == 1 and "\ufffd" in text, text


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_a_directory_name_that_is_not_utf8_with_nothing_to_read(run_cli, tmp_path, fmt):
    """The notice that a scanned directory holds nothing exvlint reads names the directory: a name that is
    not UTF-8 is shown with U+FFFD, as in findings (the text, GitHub and Markdown reports stopped with a
    UnicodeEncodeError)."""
    name = _non_utf8_dir(tmp_path, b"docs\xff")
    (tmp_path / name / "readme.txt").write_text("nothing to lint\n")
    code, text, err = _report(run_cli, tmp_path, fmt, name)
    assert code == 0
    assert fmt not in ("text", "markdown") or "docs\ufffd: nothing exvlint reads" in text + err, text + err


@pytest.mark.parametrize("fmt", REPORT_FORMATS)
def test_a_module_directory_name_that_is_not_utf8(run_cli, tmp_path, fmt):
    """A root module in a directory whose name is not UTF-8 names the unit of its VMs and of what could not
    be decided: every report shows it with U+FFFD (the Markdown report's VM table stopped with a
    UnicodeEncodeError)."""
    name = _non_utf8_dir(tmp_path, b"mail\xff")
    (tmp_path / name / "main.tf").write_text(GOOD + 'variable "size" {}\nresource "azurerm_windows_virtual_machine" '
                                             '"exch02" {\n  name = "exch02"\n  size = var.size\n}\n')
    code, text, _ = _report(run_cli, tmp_path, fmt, ".", "--strict")
    assert code == 1 and "mail\ufffd" in text, text
