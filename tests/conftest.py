import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "azure-exchange"


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
