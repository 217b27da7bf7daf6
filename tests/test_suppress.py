"""Suppressions and the baseline. Suppression cases are data: tests/fixtures/suppress/<case>/ holds
a small tree and a case.yaml with the findings that are reported and the ones that are suppressed
(with their reasons); the run keeps suppressed findings (--show-suppressed) so both can be compared."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

import exvlint
from conftest import ROOT

CASES = Path(__file__).parent / "fixtures" / "suppress"


def _rel(path: str, case_dir: Path) -> str:
    return Path(os.path.relpath(path, case_dir)).as_posix()


@pytest.mark.parametrize("case_dir", sorted(p for p in CASES.iterdir() if (p / "case.yaml").is_file()),
                         ids=lambda p: p.name)
def test_suppression_case(case_dir: Path) -> None:
    case = yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8"))
    result = exvlint.lint([str(case_dir)], show_suppressed=True)
    detail = "\n".join(f"{f.location}: {f.rule_id} {f.message} {f.address} {f.suppression}" for f in result.findings)
    reported = sorted((f.rule_id, _rel(f.location.path, case_dir), f.location.line)
                      for f in result.findings if not f.suppressed)
    assert reported == sorted((e["rule"], e["file"], e["line"]) for e in case["findings"] or []), detail
    suppressed = sorted((f.rule_id, _rel(f.location.path, case_dir), f.location.line, f.suppression.reason)
                        for f in result.findings if f.suppressed)
    assert suppressed == sorted((e["rule"], e["file"], e["line"], e["reason"]) for e in case["suppressed"] or []), detail
    for e in case["suppressed"] or []:
        if "address" in e:
            assert any(f.address == e["address"] and f.suppressed for f in result.findings), (e, detail)
    assert all(f.suppression.kind == "inSource" for f in result.findings if f.suppressed)
    # without --show-suppressed they are left out, and counted
    plain = exvlint.lint([str(case_dir)])
    assert not any(f.suppressed for f in plain.findings)
    assert plain.suppressed == len(case["suppressed"] or [])


def test_suppressed_findings_in_json_and_sarif(run_cli, tmp_path):
    case = CASES / "comment_above_resource"
    code, out, _ = run_cli("check", case, "-f", "json")
    assert code == 0 and json.loads(out)["findings"] == [] and json.loads(out)["summary"]["suppressed"] == 1
    code, out, _ = run_cli("check", case, "-f", "json", "--show-suppressed")
    [finding] = json.loads(out)["findings"]
    assert code == 0  # a suppressed finding never fails the run
    assert finding["suppressed"]["kind"] == "inSource"
    assert finding["suppressed"]["reason"] == "lab copy, never holds production data"
    assert finding["suppressed"]["location"]["line"] == 16
    code, out, _ = run_cli("check", case, "-f", "sarif", "--show-suppressed")
    log = json.loads(out)
    import jsonschema

    jsonschema.validate(log, json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text()))
    [result] = log["runs"][0]["results"]
    [suppression] = result["suppressions"]
    assert suppression["kind"] == "inSource" and suppression["justification"] == "lab copy, never holds production data"
    code, out, _ = run_cli("check", case, "-f", "sarif")
    assert json.loads(out)["runs"][0]["results"] == []  # left out by default: code scanning may not honour it


# --------------------------------------------------------------------------- baseline


def _git_repo(path: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(path)], check=True)


def test_baseline_fails_only_on_new_findings_and_survives_edits(tmp_path, run_cli):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "examples" / "azure-exchange", repo)
    _git_repo(repo)
    baseline = repo / "exvlint-baseline.json"
    n = len(json.loads(run_cli("check", ".", "-f", "json", cwd=repo)[1])["findings"])
    code, out, err = run_cli("check", ".", "--write-baseline", baseline, cwd=repo)
    assert code == 0 and f"recorded {n} findings" in err
    doc = json.loads(baseline.read_text())
    assert doc["exvlint_baseline"] == 1 and len(doc["findings"]) == n
    assert all(set(e) == {"fingerprint", "rule", "path", "address", "message"} for e in doc["findings"])
    assert not any(e["path"].startswith(("/", "./")) for e in doc["findings"])

    code, out, _ = run_cli("check", ".", "--baseline", baseline, cwd=repo)
    assert code == 0 and "0 findings" in out and f"{n} suppressed" in out

    # lines move, and the snapshot resource moves to a file of its own: still the same findings
    main = (repo / "main.tf").read_text()
    start = main.index('resource "azurerm_snapshot"')
    end = main.index("\n}\n", start) + 3
    (repo / "snapshots.tf").write_text("\n\n\n" + main[start:end])
    (repo / "main.tf").write_text("# moved\n\n" + main[:start] + main[end:])
    module = repo / "modules" / "exchange-server" / "main.tf"
    module.write_text("\n\n\n\n" + module.read_text())
    code, out, _ = run_cli("check", ".", "--baseline", baseline, cwd=repo)
    assert code == 0 and "0 findings" in out, out

    # a new finding fails; the others stay accepted
    tfvars = repo / "terraform.tfvars"
    tfvars.write_text(tfvars.read_text().replace("db01   = { size_gb = 2048, lun = 0 }",
                                                 'db01   = { size_gb = 2048, lun = 0, type = "Standard_LRS" }', 1))
    code, out, _ = run_cli("check", ".", "--baseline", baseline, cwd=repo)
    assert code == 1 and out.count("EXV301 [error]") == 1 and f"{n} suppressed" in out

    # a fixed finding leaves a stale entry, reported in the summary
    tfvars.write_text(tfvars.read_text().replace("Standard_E16_v5", "Standard_E16s_v5"))
    code, out, _ = run_cli("check", ".", "--baseline", baseline, "-f", "json", cwd=repo)
    assert json.loads(out)["summary"]["baseline_stale"] == 1
    code, out, _ = run_cli("check", ".", "--baseline", baseline, cwd=repo)
    assert "1 baseline entry matched no finding" in out

    # SARIF marks baselined results as external suppressions when they are kept
    code, out, _ = run_cli("check", ".", "--baseline", baseline, "--show-suppressed", "-f", "sarif", cwd=repo)
    kinds = {s["kind"] for r in json.loads(out)["runs"][0]["results"] for s in r.get("suppressions", [])}
    assert kinds == {"external"}


def test_baseline_does_not_depend_on_the_order_of_paths(tmp_path, run_cli):
    repo = tmp_path / "repo"
    for name in ("west", "north"):
        shutil.copytree(ROOT / "examples" / "azure-exchange", repo / name)
    _git_repo(repo)
    n = len(json.loads(run_cli("check", "west", "north", "-f", "json", cwd=repo)[1])["findings"])
    run_cli("check", "west", "north", "--write-baseline", repo / "b.json", cwd=repo)
    assert n and len(json.loads((repo / "b.json").read_text())["findings"]) == n
    code, out, _ = run_cli("check", "north", "west", "--baseline", repo / "b.json", cwd=repo)
    assert code == 0 and "0 findings" in out, out


def test_invalid_baseline_is_a_configuration_error(tmp_path, run_cli):
    (tmp_path / "b.json").write_text("[1, 2]")
    code, out, _ = run_cli("check", ROOT / "examples" / "azure-exchange", "--baseline", tmp_path / "b.json")
    assert code == 2 and "not an exvlint baseline" in out
