"""exvlint lints strangers' code and its reports are published: nothing outside the scanned tree is
read, no secret reaches a report, and no program is run to find the repository."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT
from exvlint.cache import directory as cache_folder

MARKER = "EXVLINT_CANARY_7f3a9c"

DISK = textwrap.dedent('''\
    resource "azurerm_windows_virtual_machine" "exch01" {
      name = "exch01"
      size = "Standard_E8s_v5"
      os_disk {
        storage_account_type = "Premium_LRS"
      }
    }
    resource "azurerm_managed_disk" "db" {
      name                 = NAME
      storage_account_type = "Standard_LRS"
      disk_size_gb         = 1024
    }
    resource "azurerm_virtual_machine_data_disk_attachment" "db" {
      managed_disk_id    = azurerm_managed_disk.db.id
      virtual_machine_id = azurerm_windows_virtual_machine.exch01.id
      lun                = 0
    }
    ''')


def _lint_all_formats(run_cli, tree, tmp_path, env=None):
    """(exit code, every byte the run wrote: stdout, stderr and text, JSON and SARIF reports)."""
    outs = {fmt: tmp_path / f"report.{fmt}" for fmt in ("json", "sarif", "text")}
    args = ["check", os.path.relpath(tree, tmp_path)]
    for fmt, path in outs.items():
        args += ["--format", fmt, "--output", path.name]
    code, out, err = run_cli(*args, "--format", "text", env=env, cwd=tmp_path)
    written = out + err + "".join(p.read_text(encoding="utf-8") for p in outs.values() if p.exists())
    return code, written


@pytest.fixture
def outside(tmp_path):
    d = tmp_path / "outside"
    d.mkdir()
    (d / "secret.txt").write_text(f"password={MARKER}\n", encoding="utf-8")
    (d / "other.tf").write_text(DISK.replace("NAME", f'"{MARKER}"').replace('"db"', '"stolen"'), encoding="utf-8")
    return d


CLIMB = "../" * 12  # from the tree up to the filesystem root, then down: OUTSIDE is absolute


@pytest.mark.parametrize("name_expr", [
    '"exch-${file("/proc/self/environ")}"',
    '"exch-${file("OUTSIDE/secret.txt")}"',
    '"exch-${templatefile("CLIMBOUTSIDE/secret.txt", {})}"',
    '"exch-${filemd5("OUTSIDE/secret.txt")}-${filebase64("OUTSIDE/secret.txt")}"',
    '"exch-${join(",", fileset("OUTSIDE", "*"))}"',
    '"exch-${fileexists("OUTSIDE/secret.txt")}"',
    '"exch-${join(",", fileset("/", "**"))}"',
    '"exch-${abspath(path.module)}"',
])
def test_no_file_outside_the_tree_reaches_a_report(run_cli, tmp_path, outside, name_expr):
    tree = tmp_path / "tree"
    tree.mkdir()
    expr = name_expr.replace("CLIMBOUTSIDE", CLIMB + str(outside).lstrip("/")).replace("OUTSIDE", str(outside))
    (tree / "main.tf").write_text(DISK.replace("NAME", expr), encoding="utf-8")
    code, written = _lint_all_formats(run_cli, tree, tmp_path, env={"EXVLINT_TEST_SECRET": MARKER})
    assert MARKER not in written
    assert "secret.txt" not in written  # not even a file name that fileset() would have found
    assert str(tmp_path) not in written  # no absolute path of the runner either
    assert code == 1 and "EXV301" in written  # the disk is still linted; its name is unknown


def test_templatefile_cannot_climb_out(run_cli, tmp_path, outside):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(DISK.replace("NAME", '"x-${templatefile("../outside/secret.txt", {})}"'))
    code, written = _lint_all_formats(run_cli, tree, tmp_path)
    assert MARKER not in written and code == 1


def test_symlinked_file_leaving_the_tree_is_an_input_error(run_cli, tmp_path, outside):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(DISK.replace("NAME", '"exch01-db"'))
    (tree / "other.tf").symlink_to(outside / "other.tf")
    (tree / "passwd.tf").symlink_to("/etc/passwd")
    code, written = _lint_all_formats(run_cli, tree, tmp_path)
    assert code == 2
    assert MARKER not in written and "root:" not in written
    assert "other.tf" in written and "outside the scanned tree" in written
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"] for loc in r["locations"]}
    assert not any(u.startswith("..") or u.startswith("/") for u in uris), uris
    assert any(r["ruleId"] == "EXV301" for r in sarif["runs"][0]["results"])  # the rest is linted


@pytest.mark.parametrize("name,text", [
    (".exvlint.yaml", f"exchange:\n  {MARKER}: 1\nguest_os:\n  x: {MARKER}\n"),
    ("pyproject.toml", f"[tool.exvlint]\n{MARKER} = 1\n"),
])
def test_configuration_linked_out_of_the_tree_is_not_read(run_cli, tmp_path, outside, name, text):
    """A configuration is found by looking, in code a stranger wrote: a link out of the repository
    is a configuration error, and what it points at never reaches a report."""
    (outside / "config").write_text(text, encoding="utf-8")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "main.tf").write_text(DISK.replace("NAME", '"exch01-db"'))
    (tree / name).symlink_to(outside / "config")
    code, written = _lint_all_formats(run_cli, tree, tmp_path)
    assert MARKER not in written
    assert code == 2 and "EXV003" in written and "outside the scanned tree" in written
    assert "EXV301" in written  # the code is still linted


def test_symlink_loop_is_an_input_error_not_silence(run_cli, tmp_path):
    (tmp_path / "main.tf").write_text(DISK.replace("NAME", '"exch01-db"'))
    (tmp_path / "loop.tf").symlink_to(tmp_path / "loop.tf")
    code, out, _ = run_cli("check", tmp_path)
    assert code == 2 and "loop.tf" in out and "EXV000" in out and "EXV301" in out


def test_module_source_leaving_the_repository_without_running_git(run_cli, tmp_path, outside):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)  # a repository git itself might refuse ("dubious ownership")
    (repo / "env").mkdir()
    (repo / "env" / "main.tf").write_text(f'module "m" {{\n  source = "{os.path.relpath(outside, repo / "env")}"\n}}\n')
    code, out, _ = run_cli("check", repo / "env", env={"PATH": "/nonexistent"})  # no git to run
    assert code == 2 and "outside the scanned tree" in out and MARKER not in out


def test_plan_module_source_outside_is_not_followed(run_cli, tmp_path, outside):
    tree = tmp_path / "tree"
    tree.mkdir()
    plan = {"format_version": "1.2", "planned_values": {"root_module": {"child_modules": [{
        "address": "module.m", "resources": [{"address": "module.m.azurerm_managed_disk.stolen", "mode": "managed",
                                               "type": "azurerm_managed_disk", "name": "stolen",
                                               "values": {"name": "d", "storage_account_type": "Standard_LRS"}}]}]}},
        "configuration": {"root_module": {"module_calls": {"m": {"source": "../outside", "module": {}}}}}}
    (tree / "plan.json").write_text(json.dumps(plan))
    code, written = _lint_all_formats(run_cli, tree, tmp_path)
    assert MARKER not in written and "outside the scanned tree" in written


@pytest.mark.parametrize("name", ["plan.json", "x.auto.tfvars", "main.tf", "terraform.tfvars.json"])
def test_fifo_inputs_do_not_hang(run_cli, tmp_path, name):
    (tmp_path / "vm.tf").write_text(DISK.replace("NAME", '"exch01-db"'))
    os.mkfifo(tmp_path / name)
    code, out, _ = run_cli("check", tmp_path)  # run_cli times out after 120 s
    assert code == 2 and name in out and "not a regular file" in out


def test_file_function_on_a_fifo_does_not_hang(run_cli, tmp_path):
    (tmp_path / "main.tf").write_text(DISK.replace("NAME", '"x-${file("${path.module}/pipe")}"'))
    os.mkfifo(tmp_path / "pipe")
    code, out, _ = run_cli("check", tmp_path, "--strict")
    assert "EXV301" in out


def test_unreadable_directory_is_reported(monkeypatch, tmp_path):
    from exvlint.config import Config
    from exvlint.engine import lint

    (tmp_path / "ok").mkdir()
    (tmp_path / "ok" / "main.tf").write_text(DISK.replace("NAME", '"exch01-db"'))
    (tmp_path / "locked").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # as for a directory of mode 000 when not running as root
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = lint([str(tmp_path)], Config())
    errors = [f for f in result.findings if f.rule_id == "EXV000"]
    assert errors and "locked" in errors[0].location.path and "cannot read directory" in errors[0].message
    assert any(f.rule_id == "EXV301" for f in result.findings)


def test_long_values_are_cut_in_messages(run_cli, tmp_path):
    long_name = "exch-" + "x" * 5000
    (tmp_path / "main.tf").write_text(DISK.replace("NAME", f'"{long_name}"'))
    code, out, _ = run_cli("check", tmp_path)
    assert code == 1
    assert all(len(line) < 1200 for line in out.splitlines())
    assert "x" * 200 not in out


AUDIT = textwrap.dedent('''\
    import json, os, sys
    allowed = [os.path.realpath(p) for p in json.loads(sys.argv[1])]
    events = []
    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes)):
            path = os.path.realpath(os.fsdecode(args[0]))
            if not any(path == a or path.startswith(a + os.sep) for a in allowed):
                events.append(("open", path))
        elif event in ("subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork",
                       "socket.connect", "socket.bind", "socket.getaddrinfo"):
            events.append((event, repr(args)[:200]))
    sys.addaudithook(hook)
    from exvlint.cli import main
    code = main(sys.argv[2:])
    print("AUDIT " + json.dumps(events), file=sys.stderr)
    sys.exit(code)
''')


def test_a_whole_run_opens_nothing_outside_and_runs_nothing(tmp_path, outside):
    """Python audit hooks watch a complete CLI run: no file opened outside the tree, the Python
    installation, the named output and the parse cache (its folder in the user's cache); no program
    started; no socket."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "main.tf").write_text(DISK.replace("NAME", f'"x-${{file("{outside}/secret.txt")}}-${{file("/etc/passwd")}}"'))
    (repo / "link.tf").symlink_to(outside / "other.tf")
    report = tmp_path / "out.sarif"
    import exvlint
    allowed = [str(repo), str(report), os.path.dirname(os.__file__), os.path.dirname(exvlint.__file__),
               str(ROOT / "rules"), sys.prefix, sys.base_prefix, "/dev/null", cache_folder()]
    allowed += [p for p in sys.path if p and os.path.isdir(p)]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    for run in range(2):  # the first run writes the parse cache, the second reads it
        proc = subprocess.run([sys.executable, "-c", AUDIT, json.dumps(allowed), "check", str(repo),
                               "--format", "sarif", "--output", str(report)],
                              capture_output=True, text=True, env=env, timeout=120, cwd=str(repo))
        line = [l for l in proc.stderr.splitlines() if l.startswith("AUDIT ")]
        assert line, proc.stderr
        events = json.loads(line[-1][len("AUDIT "):])
        assert events == [], events
        assert MARKER not in report.read_text()
