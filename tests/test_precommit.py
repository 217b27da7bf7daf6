"""The pre-commit hook end to end with the real pre-commit: a repository whose configuration
points at this checkout, a commit that breaks an Exchange VM through a child module's default
(the module alone, with its own defaults, looks fine), and the fix."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT

MODULE = textwrap.dedent('''\
    variable "name" {}
    variable "disk_type" {
      default = "Premium_LRS"
    }
    resource "azurerm_windows_virtual_machine" "this" {
      name = var.name
      size = "Standard_E8s_v5"
      tags = { smtp_relay = "relay.example.com" }  # EXV501: mail leaves through a relay
      os_disk {
        storage_account_type = "Premium_LRS"
        disk_size_gb         = 256
      }
      source_image_reference {
        publisher = "MicrosoftWindowsServer"
        offer     = "WindowsServer"
        sku       = "2012-R2-Datacenter"
        version   = "latest"
      }
    }
    resource "azurerm_managed_disk" "db" {
      name                 = "${var.name}-db"
      storage_account_type = var.disk_type
      disk_size_gb         = 1024
    }
    resource "azurerm_virtual_machine_data_disk_attachment" "db" {
      managed_disk_id    = azurerm_managed_disk.db.id
      virtual_machine_id = azurerm_windows_virtual_machine.this.id
      lun                = 0
    }
    ''')
ROOT_MODULE = 'module "mailbox" {\n  source = "../../modules/mailbox"\n  name   = "exch-mbx-01"\n}\n'
IGNORED = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", "build", "dist", ".tox"}


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check,
                          timeout=600)


def _hook_repo(tmp: Path) -> tuple:
    """This checkout as it is now (uncommitted edits included), committed in a repository of its
    own: pre-commit installs a hook repository from a commit (repo: path, rev: sha)."""
    repo = tmp / "exvlint-hook"
    shutil.copytree(ROOT, repo, ignore=lambda d, names: [n for n in names if n in IGNORED or n.endswith(".egg-info")])
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "hook under test")
    return repo, _git(repo, "rev-parse", "HEAD").stdout.strip()


def _readme_snippet(repo: Path, sha: str) -> str:
    """The README's pre-commit configuration as written, with repo and rev pointing at ``repo``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Pre-commit", 1)[1]
    snippet = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert "id: exvlint" in snippet
    snippet = re.sub(r"(?m)^(\s*- repo: ).*$", lambda m: m.group(1) + str(repo), snippet)
    return re.sub(r"(?m)^(\s*rev: )\S+.*$", lambda m: m.group(1) + sha, snippet)


@pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git")
def test_hook_lints_a_child_module_through_its_callers(tmp_path):
    hook_repo, sha = _hook_repo(tmp_path)
    work = tmp_path / "infra"
    (work / "modules" / "mailbox").mkdir(parents=True)
    (work / "envs" / "prod").mkdir(parents=True)
    _git(work, "init", "-q")
    (work / ".pre-commit-config.yaml").write_text(_readme_snippet(hook_repo, sha))
    (work / "modules" / "mailbox" / "main.tf").write_text(MODULE)
    (work / "envs" / "prod" / "main.tf").write_text(ROOT_MODULE)
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    env.pop("TF_VAR_admin_password", None)
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run(pre_commit + ["install"], cwd=work, env=env, check=True, capture_output=True, timeout=120)
    _git(work, "add", "-A")
    first = subprocess.run(["git", "commit", "-q", "-m", "mailbox server"], cwd=work, capture_output=True, text=True,
                           env=dict(env, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                                    GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com"), timeout=900)
    assert first.returncode == 0, first.stdout + first.stderr

    def commit(message: str) -> subprocess.CompletedProcess:
        _git(work, "add", "-A")
        return subprocess.run(["git", "commit", "-q", "-m", message], cwd=work, capture_output=True, text=True,
                              env=dict(env, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
                                       GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com"), timeout=900)

    # only the child module changes; alone, its VM has no name and is not recognised as Exchange
    module = work / "modules" / "mailbox" / "main.tf"
    module.write_text(MODULE.replace('default = "Premium_LRS"', 'default = "Standard_LRS"'))
    bad = commit("cheaper disks")
    output = bad.stdout + bad.stderr
    assert bad.returncode != 0, output
    assert "modules/mailbox/main.tf:22:3: EXV301 [error] exch-mbx-01" in output, output
    # the module directory alone, with its defaults, has no Exchange VM: only its caller makes it one
    alone = subprocess.run([sys.executable, "-m", "exvlint", "check", "modules/mailbox"], cwd=work, env=dict(
        env, PYTHONPATH=str(ROOT / "src")), capture_output=True, text=True, timeout=120)
    assert alone.returncode == 0 and "0 treated as Exchange" in alone.stdout, alone.stdout
    assert "findings (" not in output  # --quiet: the findings only

    module.write_text(MODULE.replace('default = "Premium_LRS"', 'default = "Premium_ZRS"'))
    good = commit("zone-redundant premium disks")
    assert good.returncode == 0, good.stdout + good.stderr


def test_changed_files_are_linted_in_the_units_that_contain_them(tmp_path, run_cli):
    """What the hook relies on, without pre-commit: a file of a module called by two roots is linted
    through both; a commented-out call is no call; a module nobody calls is linted on its own."""
    _git(tmp_path, "init", "-q")
    (tmp_path / "modules" / "mailbox").mkdir(parents=True)
    (tmp_path / "modules" / "mailbox" / "main.tf").write_text(MODULE.replace('"Premium_LRS"\n}', '"Standard_LRS"\n}', 1))
    for env in ("prod", "test"):
        (tmp_path / "envs" / env).mkdir(parents=True)
        (tmp_path / "envs" / env / "main.tf").write_text(ROOT_MODULE.replace("exch-mbx-01", f"exch-{env}"))
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "main.tf").write_text("# " + ROOT_MODULE.replace("\n", "\n# ").replace("../../", "../"))
    code, out, _ = run_cli("check", "modules/mailbox/main.tf", cwd=tmp_path)
    assert code == 1 and "2 units" in out and "exch-prod" in out and "exch-test" in out, out
    # a root's tfvars re-checks that root
    (tmp_path / "envs" / "prod" / "terraform.tfvars").write_text("")
    code, out, _ = run_cli("check", "envs/prod/terraform.tfvars", cwd=tmp_path)
    assert code == 1 and "1 unit" in out and "exch-prod" in out and "exch-test" not in out, out
    # a module that no root calls is linted alone, with its defaults
    (tmp_path / "modules" / "spare").mkdir()
    (tmp_path / "modules" / "spare" / "main.tf").write_text(MODULE.replace("var.name", '"exch-spare"'))
    code, out, _ = run_cli("check", "modules/spare/main.tf", cwd=tmp_path)
    assert code == 0 and "1 unit; 1 VM, 1 treated as Exchange" in out, out


def test_caller_index_reads_only_module_sources():
    from exvlint.terraform.callers import _hcl_sources, _json_sources

    text = textwrap.dedent('''\
        # module "a" {
        #   source = "./commented"
        # }
        /* module "b" { source = "./in-a-block-comment" } */
        module "c" {
          source = "../called" # a comment
          settings = { source = "./an-object-key" }
          dynamic "d" {
            content { source = "./a-nested-block" }
          }
        }
        module "e" { # the source after other arguments
          providers = { azurerm = azurerm.hub }
          source    = "./also-called"
        }
        module "registry" {
          source = "Azure/avm-res-compute-virtualmachine/azurerm"
        }
        resource "null_resource" "copy" {
          provisioner "file" {
            source = "./scripts/setup.ps1"
          }
        }
        ''')
    assert _hcl_sources(text) == ["../called", "./also-called"]
    assert _json_sources('{"module": {"m": {"source": "./j"}, "r": {"source": "hashicorp/x"}}}') == ["./j"]
