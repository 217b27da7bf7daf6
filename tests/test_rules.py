"""Rule cases are data: tests/fixtures/rules/<RULE>/<case>/ holds a small Terraform tree and a
case.yaml with the findings it must produce. One generic test runs them all.

case.yaml ``options``: ``strict``, ``all_vms``, ``var_files``, ``vars`` as on the command line, and
``env``: environment variables set for the run (``SOURCE_DATE_EPOCH`` fixes the date of a run). An
expected finding may name its ``level`` besides ``message_contains``, ``related`` and ``address``."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from exvlint.catalog import load_catalog
from exvlint.checks import CHECKS
from exvlint.config import Config, find_config, load_config
from exvlint.engine import lint

RULES_DIR = Path(__file__).parent / "fixtures" / "rules"


def _cases():
    for rule_dir in sorted(RULES_DIR.iterdir()):
        for case_dir in sorted(p for p in rule_dir.iterdir() if (p / "case.yaml").is_file()):
            yield pytest.param(rule_dir.name, case_dir, id=f"{rule_dir.name}/{case_dir.name}")


def _load_case(case_dir: Path) -> dict:
    return yaml.safe_load((case_dir / "case.yaml").read_text(encoding="utf-8")) or {}


def run_case(case_dir: Path, case: dict):
    config_path = find_config(str(case_dir))
    config = load_config(config_path) if config_path and Path(config_path).parent == case_dir else Config()
    options = case.get("options") or {}
    config.strict = bool(options.get("strict", False))
    config.all_vms = config.all_vms or bool(options.get("all_vms", False))
    config.cli_inputs = [("file", str(case_dir / f)) for f in options.get("var_files", [])]
    config.cli_inputs += [("var", v) for v in options.get("vars", [])]
    paths = [str(case_dir / p) for p in case.get("paths", ["."])]
    return lint(paths, config)


def _rel(path: str, case_dir: Path) -> str:
    return Path(os.path.relpath(path, case_dir)).as_posix()


@pytest.mark.parametrize("rule_id,case_dir", list(_cases()))
def test_rule_case(rule_id: str, case_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = _load_case(case_dir)
    rules = set(case.get("rules", [rule_id]))
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # a case's date is its own, not the shell's
    for name, value in ((case.get("options") or {}).get("env") or {}).items():
        monkeypatch.setenv(name, str(value))
    result = run_case(case_dir, case)
    got = sorted((f.rule_id, _rel(f.location.path, case_dir), f.location.line)
                 for f in result.findings if f.rule_id in rules)
    expected = sorted((e["rule"], e["file"], e["line"]) for e in case.get("findings") or [])
    detail = "\n".join(f"{f.location}: {f.rule_id} {f.message}" for f in result.findings)
    assert got == expected, f"findings differ for {case_dir.name}:\n{detail}"
    for e in case.get("findings") or []:
        match = [f for f in result.findings if (f.rule_id, _rel(f.location.path, case_dir), f.location.line)
                 == (e["rule"], e["file"], e["line"])]
        for text in e.get("message_contains", []):
            assert any(text in f.message for f in match), f"{text!r} not in {[f.message for f in match]}"
        for rel in e.get("related", []):
            places = {(_rel(r.location.path, case_dir), r.location.line) for f in match for r in f.related}
            assert (rel["file"], rel["line"]) in places, f"related {rel} missing; got {sorted(places)}"
        if "address" in e:
            assert any(f.address == e["address"] for f in match), [f.address for f in match]
        if "level" in e:
            assert any(f.level == e["level"] for f in match), [f.level for f in match]
    # findings of other rules that must (not) be there, told apart by their messages
    for e in case.get("absent") or []:
        bad = [f for f in result.findings if f.rule_id == e["rule"]
               and all(t in f.message for t in e.get("message_contains", []))]
        assert not bad, f"unexpected {e['rule']}: {[f.message for f in bad]}"
    for e in case.get("present") or []:
        assert any(f.rule_id == e["rule"] and all(t in f.message for t in e.get("message_contains", []))
                   for f in result.findings), f"missing {e}:\n{detail}"


def test_every_rule_has_document_check_and_cases() -> None:
    """Adding a rule touches its document, its check and its cases; all three must exist, and the
    cases cover every platform the document names."""
    catalog = load_catalog()
    for rule_id in CHECKS:
        assert rule_id in catalog, f"{rule_id} has a check but no rules/ document"
        platforms = catalog[rule_id].platforms
        assert platforms and "all" not in platforms, f"{rule_id}: its document names no platform"
        cases = [(_load_case(p), p) for p in (RULES_DIR / rule_id).iterdir() if (p / "case.yaml").is_file()] \
            if (RULES_DIR / rule_id).is_dir() else []
        for platform in platforms:
            mine = [c for c, _ in cases if c.get("platform") == platform]
            assert any(c.get("findings") for c in mine), f"{rule_id}: no failing case on {platform}"
            assert any(not c.get("findings") for c in mine), f"{rule_id}: no passing case on {platform}"


def test_a_check_covers_only_the_platforms_of_its_document(monkeypatch) -> None:
    """The document is the one source of a rule's platforms: narrowing it narrows the check."""
    import dataclasses

    from exvlint import catalog as catalog_module

    case = RULES_DIR / "EXV301" / next(p.name for p in sorted((RULES_DIR / "EXV301").iterdir())
                                       if (p / "case.yaml").is_file() and _load_case(p).get("findings")
                                       and _load_case(p).get("platform") == "azure")
    assert any(f.rule_id == "EXV301" for f in run_case(case, _load_case(case)).findings)
    docs = dict(catalog_module.load_catalog())
    docs["EXV301"] = dataclasses.replace(docs["EXV301"], platforms=("vsphere",))
    monkeypatch.setattr(catalog_module, "load_catalog", lambda: docs)
    assert not any(f.rule_id == "EXV301" for f in run_case(case, _load_case(case)).findings)


def test_a_crashing_rule_is_an_exv002_and_the_others_still_run(monkeypatch) -> None:
    import exvlint.checks as checks

    case = RULES_DIR / "EXV301" / next(p.name for p in sorted((RULES_DIR / "EXV301").iterdir())
                                       if (p / "case.yaml").is_file() and _load_case(p).get("findings")
                                       and _load_case(p).get("platform") == "azure")

    def broken(inventory, ctx):
        raise ZeroDivisionError("boom")

    monkeypatch.setitem(checks.CHECKS, "EXV302", broken)
    result = run_case(case, _load_case(case))
    crashed = [f for f in result.findings if f.rule_id == "EXV002"]
    assert len(crashed) == 1 and "EXV302" in crashed[0].message and "ZeroDivisionError" in crashed[0].message
    assert any(f.rule_id == "EXV301" for f in result.findings)
    assert result.exit_code() == 2
