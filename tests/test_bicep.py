"""Bicep front end: parsing, lowering to the ARM template the compiler emits, .bicepparam, errors."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from exvlint.bicep.bicepparam import parse_bicepparam
from exvlint.bicep.lower import lower
from exvlint.bicep.parse import BicepSyntaxError, parse
from exvlint.bicep.units import bicep_roots
from exvlint.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "bicep"


def assert_subset(expected, actual, where="$"):
    """Every value written in the expected JSON is in the lowering, equal (lists element by element)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected an object, got {actual!r}"
        for key, value in expected.items():
            assert key in actual, f"{where}: missing {key!r} (has {sorted(actual)})"
            assert_subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"{where}: {actual!r} != {expected!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            assert_subset(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.mark.parametrize("case", sorted(p.name for p in FIXTURES.iterdir() if (p / "expected.json").is_file()))
def test_lowering_matches_expected_template(case):
    folder = FIXTURES / case
    template, diags = lower(str(folder / "main.bicep"), boundary=str(folder))
    assert template is not None, [d.message for d in diags]
    assert not [d for d in diags if d.rule_id == "EXV000"], [d.message for d in diags]
    expected = json.loads((folder / "expected.json").read_text())
    assert_subset(expected, json.loads(json.dumps(template)))


def test_positions_point_into_the_bicep_files():
    folder = FIXTURES / "module_nested"
    template, _ = lower(str(folder / "main.bicep"), boundary=str(folder))
    assert template.path.endswith("main.bicep")
    disks = template["resources"]["disks"]
    assert (disks.line, disks.col) == (9, 1)
    assert disks["properties"]["parameters"].key_lines["sku"] == (13, 5)
    nested = disks["properties"]["template"]
    assert nested.path == os.path.normpath(str(folder / "modules" / "disk.bicep"))
    disk = nested["resources"]["disk"]
    assert disk["sku"].key_lines["name"] == (9, 5)  # `name: sku` in disk.bicep
    vm_case = FIXTURES / "exchange_vm"
    vm_template, _ = lower(str(vm_case / "main.bicep"), boundary=str(vm_case))
    data_disks = vm_template["resources"]["vm"]["properties"]["storageProfile"]["copy"][0]["input"]
    assert data_disks.key_lines["managedDisk"] == (67, 9)
    assert vm_template["parameters"].key_lines["vmSize"] == (9, 7)


def test_bicepparam_values_and_expressions(tmp_path):
    (tmp_path / "main.bicep").write_text("param vmSize string = 'Standard_D4s_v3'\nparam diskSku string\n")
    (tmp_path / "prod.bicepparam").write_text(
        "using './main.bicep'\n"
        "var prefix = 'Premium'\n"
        "param vmSize = 'Standard_E16s_v5'\n"
        "param diskSku = '${prefix}_LRS'\n"
        "param fromEnv = readEnvironmentVariable('SKU', 'x')\n"
        "param tags = { role: 'exchange-mailbox', sizes: [1, 2] }\n")
    params, diags = parse_bicepparam(str(tmp_path / "prod.bicepparam"), boundary=str(tmp_path))
    assert not diags
    assert params.template == str(tmp_path / "main.bicep")
    values = params.parameters["parameters"]
    assert values["vmSize"]["value"] == "Standard_E16s_v5"
    assert values["diskSku"]["value"] == "Premium_LRS"
    assert values["tags"]["value"] == {"role": "exchange-mailbox", "sizes": [1, 2]}
    assert values["diskSku"].key_lines["value"] == (4, 17)
    assert "fromEnv" not in values and params.expressions["fromEnv"][0].startswith("[exvlint.unknown(")


def test_syntax_error_is_reported_with_line_and_column(tmp_path):
    path = tmp_path / "broken.bicep"
    path.write_text("param a string\nresource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {\n  name: 'x'\n"
                    "  properties: {\n    hardwareProfile: { vmSize: 'Standard_E16s_v5' \n")
    template, diags = lower(str(path))
    assert template is None
    assert [(d.rule_id, d.location.line, d.location.col) for d in diags] == [("EXV000", 6, 1)]


@pytest.mark.parametrize("source, line, col", [
    ("var a = 'unterminated\n", 1, 9),
    ("var a = 'bad \\q escape'\n", 1, 14),
    ("param 1x string\n", 1, 7),
    ("var a = [\n  1\n  2\n", 4, 1),
    ("var a = concat('a' 'b')\n", 1, 20),
    ("var a = 1 +\n", 1, 12),
    ("/* never closed\n", 1, 1),
])
def test_parser_errors(source, line, col):
    with pytest.raises(BicepSyntaxError) as exc:
        parse(source)
    assert (exc.value.line, exc.value.col) == (line, col)


def test_parser_reads_current_syntax():
    program = parse(
        "#disable-next-line no-unused-params\n"
        "@sys.description('x')\n"
        "param tags resourceInput<'Microsoft.Resources/resourceGroups@2025-04-01'>.tags?\n"
        "var typed string = 'a'\n"
        "var nn = tags!.role\n"
        "var multi = cond\n  ? 'a'\n  : 'b'\n"
        "var obj = { a: 1, b: 2, }\n"
        "var s = $'''\nx ${typed} y\n'''\n"
        "type t = {\n  @description('d')\n  name: string?\n  *: int\n}\n"
        "extension microsoftGraphV1\n")
    assert [d.kind for d in program.decls] == ["param", "var", "var", "var", "var", "var", "type", "extension"]


def test_module_cycle_and_paths_leaving_the_tree(tmp_path):
    (tmp_path / "a.bicep").write_text("module b 'b.bicep' = {\n  name: 'b'\n}\n")
    (tmp_path / "b.bicep").write_text("module a 'a.bicep' = {\n  name: 'a'\n}\n")
    (tmp_path / "c.bicep").write_text("module x '../outside.bicep' = {\n  name: 'x'\n}\n"
                                      "module r 'br/public:avm/res/compute/disk:0.4.0' = {\n  name: 'r'\n}\n")
    _, diags = lower(str(tmp_path / "a.bicep"), boundary=str(tmp_path))
    assert [(d.rule_id, d.location.path.endswith("b.bicep"), d.location.line) for d in diags] == [("EXV000", True, 1)]
    assert "cycle" in diags[0].message
    template, diags = lower(str(tmp_path / "c.bicep"), boundary=str(tmp_path))
    assert [(d.rule_id, d.location.line) for d in diags] == [("EXV000", 1), ("EXV001", 4)]
    assert template["resources"]["r"]["properties"]["templateLink"] == {"id": "br/public:avm/res/compute/disk:0.4.0"}
    assert "template" not in template["resources"]["x"]["properties"]


def test_callers_first_roots(tmp_path):
    shutil.copytree(FIXTURES / "module_nested", tmp_path / "m")
    files = [str(tmp_path / "m" / "modules" / "disk.bicep"), str(tmp_path / "m" / "main.bicep")]
    assert bicep_roots(files, lambda p: (Path(p).read_text(), None)) == [os.path.normpath(files[1])]


def test_cli_accepts_bicep_files_and_reports_broken_ones(tmp_path, capsys):
    (tmp_path / "ok.bicep").write_text("param a string = 'x'\n")
    (tmp_path / "ok.bicepparam").write_text("using './ok.bicep'\nparam a = 'y'\n")
    assert main(["check", str(tmp_path / "ok.bicep"), str(tmp_path / "ok.bicepparam")]) == 0
    (tmp_path / "broken.bicep").write_text("param a string = 'x\n")
    assert main(["check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "broken.bicep:1:18: EXV000" in out


def test_compiled_json_beside_its_bicep_is_recognised(tmp_path):
    from exvlint.bicep.units import compiled_twins

    (tmp_path / "main.bicep").write_text("param a string = 'x'\n")
    (tmp_path / "azuredeploy.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "metadata": {"_generator": {"name": "bicep", "version": "0.30.3.12046"}}, "resources": []}))
    (tmp_path / "main.json").write_text(json.dumps({"metadata": {"_generator": {"name": "someone-else"}}}))
    assert compiled_twins(str(tmp_path / "main.bicep")) == [str(tmp_path / "azuredeploy.json")]


def test_bicepparam_naming_a_missing_template(tmp_path):
    (tmp_path / "dev.bicepparam").write_text("using './nope.bicep'\nparam a = 1\n")
    params, diags = parse_bicepparam(str(tmp_path / "dev.bicepparam"))
    assert params.template is None
    assert [(d.rule_id, d.location.line, d.location.col) for d in diags] == [("EXV000", 1, 7)]


def test_deep_nesting_is_an_input_error_not_a_crash(tmp_path):
    path = tmp_path / "deep.bicep"
    path.write_text("var a = " + "[" * 3000 + "1" + "]" * 3000 + "\n")
    template, diags = lower(str(path))
    assert template is None
    assert [(d.rule_id, d.location.line) for d in diags] == [("EXV000", 1)]
    assert "nested too deeply" in diags[0].message


EXAMPLE = Path(__file__).parent.parent / "examples" / "azure-exchange-bicep"


def _findings(paths):
    import exvlint

    result = exvlint.lint([str(p) for p in paths])
    return result.findings


def test_source_and_compiled_twin_give_the_same_findings(tmp_path):
    """The .bicep source and the JSON compiled from it, each linted on its own, deploy the same: the same
    rules, resources and messages, located in their own files."""
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    (folder / "main.bicepparam").unlink()  # the compiled JSON is linted with its defaults: so is the source
    source = _findings([folder / "main.bicep"])
    compiled = _findings([folder / "main.json"])
    as_set = lambda found: {(f.rule_id, f.address, f.message) for f in found}  # noqa: E731
    assert as_set(source) == as_set(compiled)
    assert {f.rule_id for f in source} >= {"EXV301", "EXV501", "EXV502"}
    assert all(f.location.path.endswith(".bicep") for f in source)
    assert all(f.location.path.endswith("main.json") for f in compiled)


def test_a_folder_with_source_and_twin_reports_each_deployment_once(tmp_path):
    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder)
    found = _findings([folder])
    assert found and all(f.location.path.endswith((".bicep", ".bicepparam")) for f in found)
    assert len({f.unit for f in found}) == 1
    # a twin whose source is not part of the run is an ARM template like any other
    alone = _findings([folder / "main.json"])
    assert {f.rule_id for f in alone} == {f.rule_id for f in found}


SIZED_VM = (  # a VM whose size is the parameter vmSize
    "resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {\n"
    "  name: 'exch-mbx-01'\n"
    "  location: 'westeurope'\n"
    "  properties: {\n"
    "    hardwareProfile: {\n"
    "      vmSize: vmSize\n"
    "    }\n"
    "  }\n"
    "}\n")


def test_json_parameters_of_the_twin_go_with_the_source(tmp_path):
    """A quickstart folder: main.bicep, its compiled azuredeploy.json and azuredeploy.parameters.json,
    which is then a parameters file of main.bicep too."""
    (tmp_path / "main.bicep").write_text("param vmSize string = 'Standard_E16s_v5'\n" + SIZED_VM)
    (tmp_path / "azuredeploy.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "metadata": {"_generator": {"name": "bicep", "version": "0.30.23.60470"}},
        "parameters": {"vmSize": {"type": "string", "defaultValue": "Standard_E16s_v5"}},
        "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "exch-mbx-01",
                       "location": "westeurope", "properties": {"hardwareProfile": {"vmSize": "[parameters('vmSize')]"}}}]},
        indent=2))
    (tmp_path / "azuredeploy.parameters.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0", "parameters": {"vmSize": {"value": "Standard_E16_v5"}}}, indent=2))
    found = [f for f in _findings([tmp_path]) if f.rule_id == "EXV302"]
    assert [(os.path.basename(f.location.path), f.location.line) for f in found] == [("main.bicep", 7)]
    assert "Standard_E16_v5" in found[0].message
    assert any(r.location.path.endswith("azuredeploy.parameters.json") for r in found[0].related)


def test_unknown_values_of_the_lowering_keep_their_reason(tmp_path):
    (tmp_path / "main.bicepparam").write_text("using './main.bicep'\nparam vmSize = readEnvironmentVariable('VM_SIZE')\n")
    (tmp_path / "main.bicep").write_text("param vmSize string\n" + SIZED_VM)
    import exvlint

    result = exvlint.lint([str(tmp_path)], strict=True)
    notes = [f.message for f in result.findings if f.rule_id == "EXV001" and "EXV302" in f.message]
    assert notes and "readEnvironmentVariable" in notes[0] and "exvlint.unknown" not in notes[0], notes


def test_a_changed_module_is_linted_through_the_files_that_deploy_it(tmp_path, run_cli):
    """What the pre-commit hook relies on: a module .bicep named alone is linted through the root files
    that deploy it, also through a module in between, with their .bicepparam files."""
    subprocess_git = shutil.which("git")
    if subprocess_git is None:
        pytest.skip("needs git")
    import subprocess

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    server = (
        "param name string\n"
        "param diskSku string = 'Premium_LRS'\n"
        "resource vm 'Microsoft.Compute/virtualMachines@2023-03-01' = {\n"
        "  name: name\n"
        "  location: 'westeurope'\n"
        "  properties: {\n"
        "    storageProfile: {\n"
        "      dataDisks: [\n"
        "        {\n"
        "          lun: 0\n"
        "          createOption: 'Empty'\n"
        "          managedDisk: {\n"
        "            storageAccountType: diskSku\n"
        "          }\n"
        "        }\n"
        "      ]\n"
        "    }\n"
        "  }\n"
        "}\n")
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "server.bicep").write_text(server)
    (tmp_path / "modules" / "site.bicep").write_text(
        "param prefix string\nparam diskSku string\n"
        "module a 'server.bicep' = {\n  name: 'a'\n  params: {\n    name: '${prefix}-mbx-01'\n    diskSku: diskSku\n  }\n}\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "main.bicep").write_text(
        "param prefix string = 'dev'\nparam diskSku string = 'Premium_LRS'\n"
        "module site '../modules/site.bicep' = {\n  name: 'site'\n  params: {\n    prefix: prefix\n    diskSku: diskSku\n  }\n}\n")
    (tmp_path / "envs" / "prod.bicepparam").write_text("using './main.bicep'\nparam prefix = 'prod'\nparam diskSku = 'Standard_LRS'\n")
    code, out, _ = run_cli("check", "modules/server.bicep", cwd=tmp_path)
    assert code == 1 and "1 unit" in out and "prod-mbx-01" in out and "EXV301" in out, out
    assert "modules/server.bicep:13:" in out and "prod.bicepparam" in out, out
    from exvlint.bicep.frontend import BicepFrontEnd

    front = BicepFrontEnd()
    assert front.containing_units(str(tmp_path / "envs" / "main.bicep")) == [
        str(tmp_path / "envs" / "main.bicep"), str(tmp_path / "envs" / "prod.bicepparam")]
    assert front.containing_units(str(tmp_path / "envs" / "prod.bicepparam")) is None


def test_parameters_files_of_a_bicep_source(tmp_path, run_cli):
    """Each .bicepparam naming a source is a deployment of its own (the defaults are not linted apart);
    --parameters picks one, or a JSON parameters file for a source named on the command line; a
    .bicepparam may name a JSON template, which is then deployed with it only."""
    (tmp_path / "main.bicep").write_text("param vmSize string = 'Standard_E16s_v5'\n" + SIZED_VM)
    (tmp_path / "test.bicepparam").write_text("using './main.bicep'\nparam vmSize = 'Standard_E8_v5'\n")
    (tmp_path / "dev.bicepparam").write_text("using './main.bicep'\nparam vmSize = 'Standard_E4_v5'\n")
    (tmp_path / "other.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "parameters": {"vmSize": {"value": "Standard_D2_v3"}}}))
    code, out, _ = run_cli("check", tmp_path, "--select", "EXV302")
    assert code == 1 and "2 units" in out and "Standard_E16s_v5" not in out, out
    assert "Standard_E8_v5" in out and "(with parameters test.bicepparam)" in out
    assert "Standard_E4_v5" in out and "(with parameters dev.bicepparam)" in out
    code, out, _ = run_cli("check", tmp_path, "--parameters", tmp_path / "test.bicepparam", "--select", "EXV302")
    assert "1 unit" in out and "Standard_E8_v5" in out and "Standard_E4_v5" not in out, out
    code, out, _ = run_cli("check", tmp_path / "main.bicep", "--parameters", tmp_path / "other.json", "--select", "EXV302")
    assert "1 unit" in out and "Standard_D2_v3" in out and "other.json" in out, out
    code, out, _ = run_cli("check", tmp_path / "dev.bicepparam", "--select", "EXV302")
    assert "1 unit" in out and "Standard_E4_v5" in out and "Standard_E8_v5" not in out, out
    json_dir = tmp_path / "json"
    json_dir.mkdir()
    (json_dir / "azuredeploy.json").write_text(json.dumps({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0", "parameters": {"vmSize": {"type": "string", "defaultValue": "Standard_E16s_v5"}},
        "resources": [{"type": "Microsoft.Compute/virtualMachines", "apiVersion": "2023-03-01", "name": "exch-mbx-01",
                       "location": "westeurope", "properties": {"hardwareProfile": {"vmSize": "[parameters('vmSize')]"}}}]}))
    (json_dir / "prod.bicepparam").write_text("using './azuredeploy.json'\nparam vmSize = 'Standard_E8_v5'\n")
    code, out, _ = run_cli("check", json_dir, "--select", "EXV302")
    assert code == 1 and "1 unit; 1 VM" in out and "json/azuredeploy.json:" in out and "prod.bicepparam" in out, out
    (tmp_path / "bad.bicepparam").write_text("using './nope.bicep'\n")
    code, out, _ = run_cli("check", tmp_path / "bad.bicepparam")
    assert code == 2 and out.count("EXV000") == 1 and "bad.bicepparam:1:7" in out, out
