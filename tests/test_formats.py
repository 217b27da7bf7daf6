"""Every output format end to end on fixture trees, each checked the way its consumer reads it:
GitHub workflow commands parsed back as the Actions runner parses them, GitLab Code Quality against
a schema of the fields GitLab reads, JUnit against the Ant JUnit XSD, the review report as
GitHub-flavoured Markdown, SARIF against the OASIS schema."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import xmlschema
from markdown_it import MarkdownIt

from conftest import ROOT

SCHEMAS = Path(__file__).parent / "schemas"
VSPHERE = "examples/vsphere-exchange"  # relative to the checkout, where run_cli runs
UNKNOWN_CASE = ROOT / "tests" / "fixtures" / "rules" / "EXV001" / "data_source_value_strict"


def azure_vm(name: str, disk_type: str, size: str = "Standard_E8s_v5", role: str = "exchange-mailbox") -> str:
    """An Azure VM tagged with ``role`` with one data disk of ``disk_type``."""
    ident = "vm_" + re.sub(r"[^A-Za-z0-9]", "_", name)
    return f'''
resource "azurerm_windows_virtual_machine" "{ident}" {{
  name = "{name}"
  size = "{size}"
  tags = {{ role = "{role}", smtp_relay = "relay.example.com" }}
  os_disk {{
    storage_account_type = "Premium_LRS"
    disk_size_gb         = 256
  }}
  source_image_reference {{
    publisher = "MicrosoftWindowsServer"
    offer     = "WindowsServer"
    sku       = "2012-R2-Datacenter"
    version   = "latest"
  }}
}}
resource "azurerm_managed_disk" "{ident}_db" {{
  name                 = "{name}-db"
  storage_account_type = "{disk_type}"
  disk_size_gb         = 1024
}}
resource "azurerm_virtual_machine_data_disk_attachment" "{ident}_db" {{
  managed_disk_id    = azurerm_managed_disk.{ident}_db.id
  virtual_machine_id = azurerm_windows_virtual_machine.{ident}.id
  lun                = 0
}}
'''


# --------------------------------------------------------------------------- GitHub


def parse_workflow_command(line: str):
    """A workflow command as the Actions runner reads it (ActionCommand.TryParseV2): the text up to
    the next ``::`` is the command and its properties, split on ``,`` and then on the first ``=``;
    property values and the message are unescaped with the runner's tables."""
    message = line.lstrip()
    if not message.startswith("::"):
        return None
    end = message.find("::", 2)
    if end < 0:
        return None
    info = message[2:end]
    name, _, props_text = info.partition(" ")
    props = {}
    for item in [p for p in props_text.strip().split(",") if p]:
        key, sep, value = item.partition("=")
        if sep and key and value:
            for token, replacement in (("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")):
                value = value.replace(replacement, token)
            props[key.lower()] = value
    data = message[end + 2:]
    for token, replacement in (("\r", "%0D"), ("\n", "%0A"), ("%", "%25")):
        data = data.replace(replacement, token)
    return name, props, data


def test_github_annotations_read_back_as_the_runner_reads_them(run_cli):
    code, out, _ = run_cli("check", VSPHERE, "-f", "json")
    findings = json.loads(out)["findings"]
    code, out, _ = run_cli("check", VSPHERE, "-f", "github")
    assert code == 1
    commands = [c for c in map(parse_workflow_command, out.splitlines()) if c]
    assert findings and all(sum(f["level"] == lv for f in findings) <= 10 for lv in ("error", "warning", "note"))
    assert len(commands) == len(findings)
    levels = [name for name, _, _ in commands]
    assert levels == sorted(levels, key=["error", "warning", "notice"].index), "most severe first"
    by_key = {(f["rule"], f["location"]["path"], f["location"]["line"], f"{f['message']} ({f['address']})"): f
              for f in findings}
    for name, props, data in commands:
        rule = props["title"].split()[0]
        assert props["file"].startswith("examples/vsphere-exchange/"), props  # relative to the repository
        f = by_key.pop((rule, props["file"], int(props["line"]), data.splitlines()[0]))
        assert {"error": "error", "warning": "warning", "note": "notice"}[f["level"]] == name
        assert props["title"] == f"{f['rule']} {f['name']}"
        assert int(props["endline"]) >= int(props["line"])
        assert data.splitlines()[0] == f"{f['message']} ({f['address']})"
        assert len(data.splitlines()) == 1 + len(f["related"])


def test_github_escapes_what_the_runner_would_split_on(tmp_path, run_cli):
    folder = tmp_path / "site,a:b%c"
    folder.mkdir()
    (folder / "main.tf").write_text(azure_vm("exch,01:%25\u00e9", "Standard_LRS"))
    code, out, _ = run_cli("check", folder, "-f", "github", cwd=tmp_path)
    [(name, props, data)] = [c for c in map(parse_workflow_command, out.splitlines()) if c]
    assert name == "error" and props["file"] == "site,a:b%c/main.tf" and props["title"] == "EXV301 non-premium-storage"
    assert data.startswith("exch,01:%25\u00e9 (tag role=exchange-mailbox): data disk exch,01:%25\u00e9-db is "
                           "Standard_LRS")


def test_github_shows_ten_per_level_and_says_where_the_rest_is(tmp_path, run_cli):
    (tmp_path / "main.tf").write_text("".join(azure_vm(f"exch-{i:02}", "Standard_LRS") for i in range(13)))
    sarif = tmp_path / "exvlint.sarif"
    code, out, _ = run_cli("check", tmp_path, "-f", "github", "-f", "sarif", "-o", sarif, cwd=tmp_path)
    assert code == 1
    commands = [c for c in map(parse_workflow_command, out.splitlines()) if c]
    errors = [c for c in commands if c[0] == "error"]
    assert len(errors) == 10
    assert commands[-1][0] == "notice" and "3 more findings" in commands[-1][2] and str(sarif) in commands[-1][2]
    plain = [l for l in out.splitlines() if not l.startswith("::") and "EXV301" in l]
    assert len(plain) == 3, "the findings not annotated are still in the log"
    assert len(json.loads(sarif.read_text())["runs"][0]["results"]) == 13


# --------------------------------------------------------------------------- GitLab


def test_gitlab_code_quality_report(tmp_path, run_cli):
    (tmp_path / "main.tf").write_text(azure_vm("exch-01", "Standard_LRS") + azure_vm("exch-02", "StandardSSD_LRS"))
    (tmp_path / "broken.tf").write_text('resource "x" "y" {\n')
    report = tmp_path / "gl-code-quality-report.json"
    code, _, _ = run_cli("check", tmp_path, "-f", "gitlab", "-o", report, "--strict", cwd=tmp_path)
    assert code == 2
    raw = report.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    entries = json.loads(raw)
    jsonschema.validate(entries, json.loads((SCHEMAS / "gitlab-codequality.schema.json").read_text()))
    assert len({e["fingerprint"] for e in entries}) == len(entries)
    by_rule = {}
    for e in entries:
        by_rule.setdefault(e["check_name"], []).append(e)
    assert [e["severity"] for e in by_rule["EXV301"]] == ["major", "major"]
    assert by_rule["EXV000"][0]["location"] == {"path": "broken.tf", "lines": {"begin": 1, "end": 1}}
    assert {e["location"]["path"] for e in by_rule["EXV301"]} == {"main.tf"}
    # the same report again: the fingerprints are stable
    run_cli("check", tmp_path, "-f", "gitlab", "-o", tmp_path / "again.json", "--strict", cwd=tmp_path)
    assert [e["fingerprint"] for e in json.loads((tmp_path / "again.json").read_text())] == \
        [e["fingerprint"] for e in entries]


# --------------------------------------------------------------------------- JUnit


def _junit(text: str) -> dict:
    schema = xmlschema.XMLSchema(str(SCHEMAS / "junit.xsd"))
    schema.validate(text)
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text)
    out = {}
    for suite in root.iter("testsuite"):
        cases = {}
        for case in suite.iter("testcase"):
            child = next(iter(case), None)
            cases[case.get("name")] = (child.tag if child is not None else "passed", child, case)
        out[suite.get("name")] = (suite, cases)
    return out


def test_junit_one_case_per_rule_and_exchange_vm(run_cli, tmp_path):
    report = tmp_path / "exvlint.xml"
    code, _, _ = run_cli("check", VSPHERE, "-o", report)
    assert code == 1
    suites = _junit(report.read_text())
    vm = 'examples/vsphere-exchange: module.mailbox["exch-mbx-03"].vsphere_virtual_machine.this'
    suite, cases = suites["EXV102 memory-not-reserved"]
    assert set(cases) == {vm.replace("03", n) for n in ("01", "02", "03")}  # one per Exchange VM
    status, failure, case = cases[vm]
    assert status == "failure" and failure.get("type") == "EXV102" and "exch-mbx-03" in failure.get("message")
    assert case.get("classname") == "exvlint.EXV102.memory-not-reserved"
    assert case.get("file") == "examples/vsphere-exchange/modules/exchange-server/main.tf"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "0")
    assert cases[vm.replace("03", "01")][0] == "passed"
    # the snapshot finding belongs to exch-mbx-01 in the vm-snapshot suite
    assert suites["EXV401 vm-snapshot"][1][vm.replace("03", "01")][0] == "failure"


def test_junit_unknown_is_skipped_and_input_errors_are_errors(tmp_path, run_cli):
    tree = tmp_path / "t"
    tree.mkdir()
    for f in UNKNOWN_CASE.iterdir():
        if f.suffix == ".tf":
            (tree / f.name).write_text(f.read_text())
    (tree / "broken.tf").write_text("resource {\n")
    code, out, _ = run_cli("check", tree, "-f", "junit", cwd=tmp_path)
    assert code == 2
    suites = _junit(out)
    [(status, skipped, _)] = suites["EXV301 non-premium-storage"][1].values()
    assert status == "skipped" and "storage type" in skipped.get("message")
    [(status, error, _)] = suites["EXV000 parse-error"][1].values()
    assert status == "error" and error.get("type") == "EXV000"


# --------------------------------------------------------------------------- Markdown review


def _tables(markdown: str) -> list:
    """Tables as lists of rows of cell texts, the way a CommonMark + GFM-tables renderer reads them."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    tables, row = [], None
    for t in tokens:
        if t.type == "table_open":
            tables.append([])
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close":
            tables[-1].append(row)
        elif t.type == "inline" and row is not None and tables:
            row.append(t.content)
        elif t.type == "table_close":
            row = None
    return tables


def test_markdown_review_table_and_sections(run_cli, tmp_path):
    report = tmp_path / "review.md"
    code, _, _ = run_cli("check", VSPHERE, "-o", report)
    assert code == 1
    text = report.read_text()
    html = MarkdownIt("commonmark").enable("table").render(text)
    assert "<table>" in html
    [table] = _tables(text)
    header, rows = table[0], table[1:]
    assert header[:2] == ["Exchange VM", "Why it is Exchange"]
    assert header[2:] == ["Memory", "CPU", "Storage", "State and OS"]
    assert len(rows) == 3, "one row per Exchange VM (the fourth VM is not Exchange)"
    row = {r[0].split("<br>")[0].strip("*"): dict(zip(header, r)) for r in rows}
    assert row["exch-mbx-03"]["Memory"].startswith("❌ fail") and "EXV102" in row["exch-mbx-03"]["Memory"]
    assert row["exch-mbx-01"]["Memory"] == "✅ pass"
    assert row["exch-mbx-01"]["Why it is Exchange"] == "annotation role=exchange-mailbox"
    # findings grouped by VM, with the place to change and the fix
    section = text.split("## exch-mbx-03")[1].split("\n## ")[0]
    assert "**EXV102 memory-not-reserved**" in section
    assert "change: `examples/vsphere-exchange/" in section and "fix: " in section


def test_markdown_marks_what_could_not_be_decided(tmp_path, run_cli):
    code, out, _ = run_cli("check", UNKNOWN_CASE, "-f", "markdown")
    [table] = _tables(out)
    row = dict(zip(table[0], table[1]))
    assert row["Storage"] == "❔ unknown (EXV301)"
    assert "could not decide without: the storage type of data disk exch-mbx-01-db01" in out


def test_markdown_escapes_values_from_the_code(tmp_path, run_cli):
    (tmp_path / "main.tf").write_text(azure_vm("exch|*01*", "Standard_LRS"))
    _, out, _ = run_cli("check", tmp_path, "-f", "markdown", cwd=tmp_path)
    [table] = _tables(out)
    assert len(table[1]) == len(table[0]), "a | in a name must not add a cell"
    assert "<em>" not in MarkdownIt("commonmark").enable("table").render(out)


def test_markdown_when_no_vm_is_exchange(tmp_path, run_cli):
    (tmp_path / "main.tf").write_text(azure_vm("web-01", "Standard_LRS", role="web"))
    code, out, _ = run_cli("check", tmp_path, "-f", "markdown", cwd=tmp_path)
    assert code == 0 and "No Exchange VM was found" in out and "--all-vms" in out


# --------------------------------------------------------------------------- choosing formats


@pytest.mark.parametrize("name,check", [
    ("r.sarif", lambda t: json.loads(t)["version"] == "2.1.0"),
    ("r.json", lambda t: json.loads(t)["tool"] == "exvlint"),
    ("r.xml", lambda t: t.startswith('<?xml') and "<testsuites>" in t),
    ("r.md", lambda t: t.startswith("# exvlint deployment review")),
])
def test_output_alone_takes_the_format_from_the_extension(name, check, tmp_path, run_cli):
    code, out, err = run_cli("check", VSPHERE, "-o", tmp_path / name)
    assert code == 1 and out == ""
    assert check((tmp_path / name).read_text())
    assert "findings" in err  # the summary goes to standard error when no report is on standard output


def test_output_with_an_unknown_extension_is_a_usage_error(tmp_path, run_cli):
    code, _, err = run_cli("check", VSPHERE, "-o", tmp_path / "report.txt")
    assert code == 2 and "cannot tell the format" in err and not (tmp_path / "report.txt").exists()


def test_one_run_writes_every_report(tmp_path, run_cli):
    files = {fmt: tmp_path / f"report-{fmt}" for fmt in ("sarif", "gitlab", "junit", "markdown", "json")}
    args = []
    for fmt, path in files.items():
        args += ["--format", fmt, "--output", path]
    code, out, _ = run_cli("check", VSPHERE, *args, "-f", "github")
    assert code == 1
    assert out.startswith("::")
    sarif = json.loads(files["sarif"].read_text())
    jsonschema.validate(sarif, json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text()))
    assert len(json.loads(files["gitlab"].read_text())) == len(json.loads(files["json"].read_text())["findings"]) > 0
    _junit(files["junit"].read_text())
    assert "| Exchange VM |" in files["markdown"].read_text()
