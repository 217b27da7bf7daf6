"""Worker processes (--jobs), streamed reports and a closed standard output.

A run over several units gives the same reports whether its units were checked here or in worker
processes; a small input never starts a pool; a report read by `| head -1` ends quietly.
"""
from __future__ import annotations

import dataclasses
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from exvlint import api, runner
from exvlint.findings import Location, Related
from exvlint.formatters import FORMATS, ITEMS, json_chunks
from exvlint.model import EXPLICIT, Val

SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"

BROKEN_TF = 'resource "azurerm_managed_disk" "x" {\n  name = "a"\n  storage_account_type = \n'


def _env(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src")] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["SOURCE_DATE_EPOCH"] = "1767225600"  # JUnit's timestamp: the same in both runs
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """Every example (Terraform, Bicep), the suppression fixtures (HCL comments, ARM metadata, Bicep
    comments) and a broken file: many units of every kind, with findings, suppressions and an EXV000."""
    root = tmp_path_factory.mktemp("multi") / "repo"
    shutil.copytree(ROOT / "examples", root / "examples")
    for case in sorted((ROOT / "tests" / "fixtures" / "suppress").iterdir()):
        if case.is_dir():
            shutil.copytree(case, root / "suppress" / case.name, ignore=shutil.ignore_patterns("case.yaml"))
    # an installed registry module is parsed by the unit's load (discovery skips .terraform), in a worker
    # under --jobs: its suppression directive must come back from there
    shutil.copytree(ROOT / "tests" / "fixtures" / "terraform" / "registry_module_installed", root / "registry",
                    ignore=shutil.ignore_patterns("expect.yaml"))
    module = root / "registry" / ".terraform" / "modules" / "exchange" / "main.tf"
    module.write_text(module.read_text().replace('resource "azurerm_windows_virtual_machine"',
                                                 '# exvlint:ignore EXV302 a lab VM\nresource "azurerm_windows_virtual_machine"'))
    (root / "broken").mkdir()
    (root / "broken" / "main.tf").write_text(BROKEN_TF)
    return root


def _all_reports(tree: Path, out: Path, *args: str) -> dict:
    """Every format's report of one CLI run over ``tree``, by format name, and the run's exit code
    (written into ``out``, which reports name: the same for the runs compared)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    cmd = [sys.executable, "-m", "exvlint", "check", str(tree), "--all-vms", "--show-suppressed", *args]
    for name in FORMATS:
        cmd += ["--format", name, "--output", str(out / f"report.{name}")]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    reports = {name: (out / f"report.{name}").read_bytes() for name in FORMATS}
    # the summary ends with the run's duration, the one thing the run itself decides
    reports = {name: re.sub(rb"; [0-9.]+ s\b", b"; <duration>", data) for name, data in reports.items()}
    return {"exit": proc.returncode, "stderr": re.sub(r"; [0-9.]+ s\b", "", proc.stderr), **reports}


def test_workers_give_the_same_reports_byte_for_byte(tree, tmp_path):
    serial = _all_reports(tree, tmp_path / "reports", "--jobs", "1")
    pooled = _all_reports(tree, tmp_path / "reports", "--jobs", "2")
    assert serial["exit"] == 2  # findings and the broken file's EXV000
    log = json.loads(serial["sarif"])
    rules = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert {"EXV000", "EXV301"} <= rules
    suppressed = [(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                  for r in log["runs"][0]["results"] if r.get("suppressions")]
    assert any(rid == "EXV302" and uri.endswith("registry/.terraform/modules/exchange/main.tf")
               for rid, uri in suppressed)
    for name in serial:
        assert pooled[name] == serial[name], f"--jobs 2 changed the {name} report"


def test_jobs_2_checks_the_terraform_units_in_workers(tree, monkeypatch):
    """The comparison above means something only if the units did go to workers."""
    here = []
    real = runner.process_unit

    def counted(unit, *args):
        if os.getpid() == parent:
            here.append(unit.name)
        return real(unit, *args)

    parent = os.getpid()
    monkeypatch.setattr(runner, "process_unit", counted)
    result = api.lint([str(tree)], all_vms=True, jobs=2)
    assert len(result.deployments) > 10
    tf_units = {str(tree / "examples" / name) for name in ("azure-exchange", "hyperv-exchange", "vsphere-exchange")}
    assert tf_units <= {d.name for d in result.deployments}
    assert not tf_units & set(here), "the Terraform units ran in this process"
    assert here, "the ARM and Bicep units stay in this process"


def test_a_worker_that_dies_leaves_its_units_to_this_process(tree, monkeypatch):
    serial = api.lint([str(tree)], all_vms=True, jobs=1)
    parent = os.getpid()
    real = runner.process_unit

    def dying(unit, *args):
        if os.getpid() != parent:
            os._exit(3)  # a worker killed (out of memory, a signal)
        return real(unit, *args)

    monkeypatch.setattr(runner, "process_unit", dying)
    pooled = api.lint([str(tree)], all_vms=True, jobs=2)
    key = lambda f: (f.rule_id, str(f.location), f.message, f.fingerprint)  # noqa: E731
    assert [key(f) for f in pooled.findings] == [key(f) for f in serial.findings]
    assert len(pooled.deployments) == len(serial.deployments)


def _daemonic_lint(path: str, queue) -> None:
    try:
        result = api.lint([path], all_vms=True, jobs=2)
        queue.put([(f.rule_id, str(f.location), f.message) for f in result.findings])
    except BaseException as exc:  # the parent reports it
        queue.put(f"{type(exc).__name__}: {exc}")


def test_a_daemonic_caller_is_checked_without_a_pool(tree):
    """A library user's pool worker is daemonic and may not start processes: --jobs 2 there is a
    serial run with the same findings, never "daemonic processes are not allowed to have children"
    (found by the fuzzer, which runs the CLI in such a worker)."""
    import multiprocessing

    serial = api.lint([str(tree)], all_vms=True, jobs=1)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    worker = context.Process(target=_daemonic_lint, args=(str(tree), queue), daemon=True)
    worker.start()
    got = queue.get(timeout=240)
    worker.join(60)
    assert got == [(f.rule_id, str(f.location), f.message) for f in serial.findings]


def test_a_pool_that_cannot_start_leaves_every_unit_to_this_process(tree, monkeypatch):
    """No process can start (a process limit, no memory to fork): the run is serial, not an error."""
    import concurrent.futures

    class NoPool:
        def __init__(self, *args, **kwargs):
            raise OSError(11, "Resource temporarily unavailable")

    serial = api.lint([str(tree)], all_vms=True, jobs=1)
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", NoPool)
    pooled = api.lint([str(tree)], all_vms=True, jobs=2)
    key = lambda f: (f.rule_id, str(f.location), f.message, f.fingerprint)  # noqa: E731
    assert [key(f) for f in pooled.findings] == [key(f) for f in serial.findings]


def test_a_small_input_is_checked_without_a_pool(monkeypatch):
    def no_pool(*args, **kwargs):
        raise AssertionError("a pool was started for a small input")

    monkeypatch.setattr(runner, "_run_pooled", no_pool)
    monkeypatch.setattr(runner, "available_cores", lambda: 4)
    result = api.lint([str(ROOT / "examples")], all_vms=True)  # jobs: automatic
    assert result.findings and len(result.deployments) > 1


def test_a_large_input_is_checked_in_a_pool_when_jobs_are_automatic(tree, monkeypatch):
    started = []
    real = runner._run_pooled
    monkeypatch.setattr(runner, "_run_pooled", lambda *a: started.append(a[2]) or real(*a))
    monkeypatch.setattr(runner, "available_cores", lambda: 2)
    monkeypatch.setattr(runner, "PARALLEL_BYTES", 1)  # any input is large
    api.lint([str(tree)], all_vms=True)
    assert started == [2]


@pytest.mark.parametrize("value", [
    Location("a/main.tf", 3, 5, 4, 9),
    Related(Location("vars.tfvars", 2, 1, 2, 20), "variable default"),
    Val(64, EXPLICIT, Location("main.tf", 7, 3), (Related(Location("x.tf", 1), "module argument"),), "why"),
], ids=["Location", "Related", "Val"])
def test_model_values_come_back_from_a_worker_whole(value):
    """Worker outcomes are pickled: every field must survive (a field added later too)."""
    back = pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    assert type(back) is type(value)
    for f in dataclasses.fields(value):
        assert getattr(back, f.name) == getattr(value, f.name), f.name
    for f in dataclasses.fields(value):  # and none keeps its default in the example above
        assert getattr(value, f.name) != f.default, f"give {type(value).__name__}.{f.name} a value in this test"


# --------------------------------------------------------------------------- streamed JSON reports

def test_streamed_sarif_of_many_findings_validates(tree, tmp_path):
    out = tmp_path / "r.sarif"
    proc = subprocess.run([sys.executable, "-m", "exvlint", "check", str(tree), "--all-vms", "--show-suppressed",
                           "--output", str(out), "--jobs", "2"], capture_output=True, text=True, env=_env(),
                          timeout=300)
    assert proc.returncode == 2, proc.stderr
    text = out.read_text(encoding="utf-8")
    log = json.loads(text)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    results = log["runs"][0]["results"]
    assert len(results) > 50
    # one result a line: the line of each result reads back as that result
    lines = [line.strip().rstrip(",") for line in text.splitlines() if line.startswith("        {\"ruleId\"")]
    assert [json.loads(line) for line in lines] == results


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12)


def _place(doc, path: list):
    """``doc`` with ITEMS put at ``path`` (a list of choices), and the parent that holds it."""
    if not path or not isinstance(doc, (dict, list)) or not doc:
        return ITEMS
    key = list(doc)[path[0] % len(doc)] if isinstance(doc, dict) else path[0] % len(doc)
    copy = dict(doc) if isinstance(doc, dict) else list(doc)
    copy[key] = _place(doc[key], path[1:])
    return copy


def _fill(doc, items: list):
    if isinstance(doc, str) and doc == ITEMS:
        return items
    if isinstance(doc, dict):
        return {k: _fill(v, items) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_fill(v, items) for v in doc]
    return doc


@settings(derandomize=True, max_examples=300)
@given(doc=_json_values, path=st.lists(st.integers(0, 5), max_size=4),
       items=st.lists(st.dictionaries(st.text(max_size=5), _json_values, max_size=3), max_size=4),
       ensure_ascii=st.booleans())
def test_a_streamed_document_reads_as_the_indented_one(doc, path, items, ensure_ascii):
    """json_chunks' text is json.dumps(indent=2)'s document (the layout before streaming), with each item
    on a line of its own."""
    placed = _place(doc, path)
    text = "".join(json_chunks(placed, iter(items), ensure_ascii=ensure_ascii))
    whole = _fill(placed, items)
    assert json.loads(text) == json.loads(json.dumps(whole, indent=2, ensure_ascii=ensure_ascii))
    assert text.endswith("\n") and not text.endswith("\n\n")
    if ensure_ascii:
        assert text.isascii()
    if not items:  # nothing to stream: exactly the old layout
        assert text == json.dumps(whole, indent=2, ensure_ascii=ensure_ascii) + "\n"
    encoded = [json.dumps(i, ensure_ascii=ensure_ascii, separators=(",", ":")) for i in items]
    lines = [line.strip().rstrip(",") for line in text.split("\n")]
    for item in encoded:
        assert item in lines  # one item a line


# --------------------------------------------------------------------------- a reader that has gone

def _closed_stdout(*args: str) -> tuple:
    """Run the CLI with a standard output nobody reads (`| head -1` once head has exited)."""
    proc = subprocess.Popen([sys.executable, "-m", "exvlint", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    proc.stdout.close()  # before the interpreter has started: its first write meets a closed pipe
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), err


@pytest.mark.parametrize("args, code", [
    (("check", "examples", "--all-vms"), 1),
    (("check", "examples", "--all-vms", "--format", "sarif"), 1),
    (("check", "examples", "--all-vms", "--format", "json", "--jobs", "2"), 1),
    (("explain", "EXV301"), 0),
    (("explain", "EXV301", "--format", "text"), 0),
    (("rules",), 0),
    (("rules", "--format", "json"), 0),
], ids=lambda v: " ".join(v) if isinstance(v, tuple) else None)
def test_a_closed_standard_output_ends_quietly(args, code):
    exit_code, err = _closed_stdout(*args)
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err, err
    assert exit_code == code


def test_head_reads_the_first_line_of_a_report_quietly():
    """The shell pipeline itself, where head exits after a line while exvlint still writes."""
    for command in ("check examples --all-vms --format json", "explain EXV301"):
        proc = subprocess.run(f"{sys.executable} -m exvlint {command} | head -1", shell=True, cwd=ROOT,
                              capture_output=True, text=True, env=_env(), timeout=120)
        assert proc.stdout.count("\n") == 1
        assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr, proc.stderr


def test_a_closed_standard_error_keeps_the_exit_code():
    # findings, but none fails the run: an exception would exit 1
    proc = subprocess.Popen([sys.executable, "-m", "exvlint", "check", "examples", "--all-vms", "--fail-level", "none",
                             "--format", "sarif", "--output", os.devnull], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_env())
    proc.stderr.close()  # the summary goes to standard error here
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in out


# --------------------------------------------------------------------------- memory

EVALUATION_TYPES = {"EvalBlock", "EvalAttr", "ResourceInstance", "ModuleInstance", "FunctionContext", "Network",
                    "_Network", "TerraformResult", "Evaluator"}


@pytest.mark.parametrize("tree", ["examples", "tests/fixtures/rules/EXV501", "tests/fixtures/rules/EXV303"])
def test_an_evaluation_is_freed_as_soon_as_the_inventory_is_built(tree):
    """A run keeps the cyclic collector off: an evaluation caught in a reference cycle would stay in memory
    (a 60,000-resource file's is 300 MB) until the next unit's collection, or to the end of the run."""
    import gc

    from exvlint.config import Config
    from exvlint.discover import discover
    from exvlint.files import FileCache
    from exvlint.model import Inventory
    from exvlint.paths import Boundary

    paths = [str(ROOT / tree)]
    cache = FileCache(Boundary.for_paths(paths))
    units, _, scan = discover(paths, cache)
    units = [u for u in units if u.frontend.name == "terraform"]
    assert units
    gc.collect()
    gc.disable()
    try:
        for unit in units:
            loaded, _ = unit.frontend.load(unit, scan, Config(all_vms=True))
            for adapter in unit.frontend.adapters:
                adapter.adapt(loaded, Inventory(name=unit.name))
            del loaded
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        left = {type(o).__name__ for o in gc.garbage} & EVALUATION_TYPES
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert not left, f"reference cycles kept {left} alive"


def test_roots_sharing_a_module_each_read_it_whole(tmp_path):
    """A unit's ASTs leave the file cache once it is evaluated: a second root module calling the same
    module reads it again, with its suppression directives, and finds what it finds alone."""
    (tmp_path / ".git").mkdir()  # one repository: a root linted alone reads the module beside it
    shared = tmp_path / "modules" / "exchange-server"
    shutil.copytree(ROOT / "examples" / "azure-exchange" / "modules" / "exchange-server", shared)
    main = shared / "main.tf"
    main.write_text(main.read_text().replace('resource "azurerm_managed_disk"',
                                             '# exvlint:ignore EXV301 lab disks\nresource "azurerm_managed_disk"', 1))
    for env in ("dev", "prod"):
        root = tmp_path / env
        shutil.copytree(ROOT / "examples" / "azure-exchange", root, ignore=shutil.ignore_patterns("modules"))
        text = (root / "main.tf").read_text()
        assert '"./modules/exchange-server"' in text
        (root / "main.tf").write_text(text.replace('"./modules/exchange-server"', '"../modules/exchange-server"'))
        tfvars = root / "terraform.tfvars"  # servers of their own: the second unit's findings are not the first's
        tfvars.write_text(tfvars.read_text().replace('"exch-mbx-', f'"{env}-mbx-'))
    key = lambda f: (f.rule_id, str(f.location), f.message, f.suppressed, f.unit)  # noqa: E731
    together = api.lint([str(tmp_path)], show_suppressed=True, jobs=1, cache=False)
    alone = [f for env in ("dev", "prod")
             for f in api.lint([str(tmp_path / env)], show_suppressed=True, jobs=1, cache=False).findings]
    assert sorted(map(key, together.findings)) == sorted(map(key, alone))
    suppressed = {f.message.split()[0] for f in together.findings if f.suppressed and f.rule_id == "EXV301"}
    assert {"dev-mbx-02", "prod-mbx-02"} <= suppressed
