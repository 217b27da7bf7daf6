import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "azure-exchange"


@pytest.fixture(scope="session", autouse=True)
def cache_home(tmp_path_factory):
    """The parse cache of every test run (in this process and in the processes tests start) is in a
    temporary folder: the suite never reads or writes the user's cache, and starts from an empty one."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    saved = {name: os.environ.get(name) for name in ("XDG_CACHE_HOME", "EXVLINT_NO_CACHE")}
    os.environ["XDG_CACHE_HOME"] = str(folder)
    os.environ.pop("EXVLINT_NO_CACHE", None)
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def run_cli():
    """Run the real CLI (`python -m exvlint`) and return (exit code, stdout, stderr)."""

    def run(*args, cwd=None, env=None):
        full_env = dict(os.environ)
        full_env.pop("TF_VAR_admin_password", None)
        # the source tree first, so a different working directory still runs this checkout's code
        full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src")] + [p for p in full_env.get("PYTHONPATH", "").split(os.pathsep) if p])
        if env:
            full_env.update(env)
        proc = subprocess.run([sys.executable, "-m", "exvlint", *map(str, args)], cwd=cwd or ROOT,
                              capture_output=True, text=True, env=full_env, timeout=120)
        return proc.returncode, proc.stdout, proc.stderr

    return run
