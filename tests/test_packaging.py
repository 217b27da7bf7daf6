"""The built wheel carries the rule documents and works in a fresh virtual environment."""
from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from conftest import ROOT
from exvlint.catalog import load_catalog


def test_wheel_installs_and_lists_rules(tmp_path: Path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(ROOT)],
                   check=True, timeout=600)
    [wheel] = list(dist.glob("exvlint-*.whl"))
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    subprocess.run([str(bindir / "python"), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=600)
    out = subprocess.run([str(bindir / "exvlint"), "rules"], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "EXV301  non-premium-storage" in out.stdout
    assert len(out.stdout.strip().splitlines()) == len(load_catalog())
    # the documents come from inside the installed package, not from this checkout
    where = subprocess.run([str(bindir / "python"), "-c",
                            "import importlib.resources as r; print(r.files('exvlint').joinpath('rules').is_dir())"],
                           capture_output=True, text=True, cwd=tmp_path)
    assert where.stdout.strip() == "True"
    # the lookup data ships too: the EXV404 document shows its tables rendered from it
    out = subprocess.run([str(bindir / "exvlint"), "explain", "EXV404"], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "| Exchange 2019 | Windows Server 2022 | allowed | CU12 or later" in out.stdout
    assert "`windows2019srvNext_64Guest`" in out.stdout and "<!-- data:" not in out.stdout
