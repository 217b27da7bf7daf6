"""The tree-sitter HCL front end against the python-hcl2 reference, on every HCL file in the repository.

Both parse each fixture and example; their ASTs must match (blocks, attributes, values,
expressions, positions) and a file one rejects the other must reject at the same line.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hcl_compare import differences, parse_both

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for folder in ("tests", "examples") for p in (ROOT / folder).rglob("*")
               if p.is_file() and p.name.endswith((".tf", ".tfvars")))


def test_the_repository_has_hcl_files_to_compare():
    assert len(FILES) > 500


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_front_ends_agree(path):
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        pytest.skip("not UTF-8 (exvlint reports it before parsing)")
    assert differences(text) == []


SAMPLES = {
    # comments wherever the grammar allows them: inside for expressions, before a legacy index
    "comments inside for expressions": 'x = {\n  # a comment\n  for e in y : e => e # another\n}\n'
                                       'z = [ /* c */ for k, v in m : v if k != "a" ]\n',
    # an exponent after an integer: HCL allows it, tree-sitter-hcl only after a fraction
    "integer_exponent": 'a = 1e9\nb = [1E2, 1e-3, 2.5e1]\nc = "x 1e9 y"\nd = v1e9 # 3e4\n',
    "heredoc with directives and trimming": 'x = <<-EOT\n    %{ for n in ["a", "b"] ~}\n    ${upper(n)};\n    %{ endfor ~}\n  EOT\n',
    "escapes and literal interpolation markers": 'x = "a\\tb\\u00e9 $${not} %%{not} \\"q\\""\n',
    "block comments after = and between labels": 'resource "a" /* c */ "b" {\n  x = /* y */ 1\n}\n',
    "splats, legacy index and provider functions": 'x = a.b[*].c[0]\ny = a.*.b\nz = a.0.b\nw = provider::p::f(1, [2]...)\n',
    "operators and precedence": 'x = !a && b || c == 1 + 2 * -3 % 4 ? "y" : null\ny = a - b - c / d * e\nz = (a) + !(b)\n',
    "conditional chains group to the right": 'x = a ? b : c ? d : e ? f : g\ny = (a ? b : c) ? d : e\nz = a ? b ? c : d : e\n',
    "whitespace-only string": 'x = join(" ", ["a"])\n',
    "for expressions": 'x = { for k, v in m : upper(k) => v... if v != null }\ny = [for v in l : v * 2]\n',
    "object keys": 'x = { a = 1, "b" = 2, (c) = 3, d: 4, true = 5, for = 6 }\n',
    "non-ASCII text before an expression": 'x = "ünïcode"\ny = { "é" = [1, 2] }\n',
    "missing value": 'resource "a" "b" {\n  name = \n}\n',
    "unclosed block": 'variable "x" {\n  default = 1\n',
    "unclosed string": 'x = "abc\ny = 2\n',
    "unclosed heredoc": 'variable "x" {\n  description = <<EOT\nabc\n\ndef\n',
}


@pytest.mark.parametrize("text", SAMPLES.values(), ids=SAMPLES.keys())
def test_front_ends_agree_on_hard_cases(text):
    assert differences(text) == []


def test_positions_count_characters_not_bytes():
    new, _ = parse_both('x = "ünïcode"\ny = { "é" = [1, 2] }\n')
    items = new.body.attributes["y"].expr.items
    assert (items[0][1].line, items[0][1].col) == (2, 13)  # 12 characters, 13 bytes, before the [


def test_a_run_does_not_import_the_reference_parser():
    import subprocess
    import sys

    code = ("import sys; from exvlint.cli import main; main(['check', sys.argv[1], '-f', 'json', '--output', '/dev/null']); "
            "print(sorted(m for m in ('hcl2', 'lark') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "examples" / "azure-exchange")],
                         capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
