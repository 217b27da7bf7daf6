"""The rule catalog's front-matter index: current, and never trusted over a changed document."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from exvlint import catalog

INDEX = Path(catalog.__file__).with_name(catalog.INDEX_FILE)


def test_index_matches_the_rule_documents():
    committed = json.loads(INDEX.read_text(encoding="utf-8"))
    assert committed == catalog.compile_index(), "rule documents changed: run `python -m exvlint.catalog`"


def test_a_changed_front_matter_is_read_from_its_yaml():
    index = {"EXV301-x.md": {"sha256": catalog._digest("id: EXV301\nlevel: error\n"),
                             "meta": {"id": "EXV301", "level": "error"}}}
    assert catalog._front_matter("EXV301-x.md", "id: EXV301\nlevel: warning\n", index)["level"] == "warning"
    assert catalog._front_matter("EXV301-x.md", "id: EXV301\nlevel: error\n", index)["level"] == "error"


def test_a_run_reads_the_catalog_without_a_yaml_parser(tmp_path):
    code = ("import sys; from exvlint.cli import main; rc = main(['check', sys.argv[1]]); "
            "print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stdout + out.stderr
