"""A large HCL file is parsed in pieces (tree-sitter's tree costs ~64 bytes per byte of source):
the AST, the comments and every syntax error are those of the whole file parsed at once."""
from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from exvlint.terraform import hcl

FILES = sorted(p for base in (ROOT / "tests" / "fixtures", ROOT / "examples")
               for p in base.rglob("*") if p.suffix in (".tf", ".tfvars") and p.is_file())


def _parse(text: str, piece_bytes: int, monkeypatch):
    monkeypatch.setattr(hcl, "PIECE_BYTES", piece_bytes)
    try:
        parsed = hcl.parse_hcl(text, "main.tf")
        return parsed.body, parsed.comments
    except hcl.HCLSyntaxError as exc:
        return ("error", exc.message, exc.line, exc.col)


def test_every_fixture_reads_the_same_in_pieces(monkeypatch):
    """Pieces of one byte: a cut after every line that is only "}"."""
    read_whole = []
    real = hcl._parse_piece
    monkeypatch.setattr(hcl, "_parse_piece", lambda src, piece: read_whole.append(piece is None) or real(src, piece))
    in_pieces = 0
    for path in FILES:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        whole = _parse(text, 1 << 40, monkeypatch)
        read_whole.clear()
        pieces = _parse(text, 1, monkeypatch)
        assert pieces == whole, path
        in_pieces += len(read_whole) > 1 and not any(read_whole)  # read in pieces, none of them refused
    assert len(FILES) > 500 and in_pieces > 100


_ITEMS = [
    'resource "azurerm_managed_disk" "d{n}" {{\n  name = "d{n}"\n  disk_size_gb = {n}\n}}\n',
    'locals {{\n  x{n} = <<EOT\n}}\nresource "a" "b" {{\n}}\nEOT\n}}\n',  # a heredoc holding "}" lines
    'locals {{\n  y{n} = <<-EOT\n    ${{var.a}}\n}}\n  EOT\n}}\n',
    '/* a comment\n}}\nresource "x" "y" {{\n}}\n*/\n',  # a block comment holding "}" lines
    'resource "vsphere_virtual_machine" "v{n}" {{\n  disk {{\n    size = {n}\n}}\n  name = "v"\n}}\n',  # badly indented
    'variable "v{n}" {{\n  default = {{ a = "}}" }}\n}}\n',
    'locals {{\n  s{n} = "${{ {{ a = 1 }} }}"\n}}\n',
    '# exvlint:ignore EXV301 a reason\nmodule "m{n}" {{\n  source = "./m"\n}}\n',
    'output "o{n}" {{\n  value = [\n    1,\n  ]\n}}\n',
    'x{n} = {{\n}}\n',
    'resource "a" "b{n}" {{\n',  # unclosed: a syntax error somewhere
    '}}\n',  # a stray closing brace
    'locals {{\n  z{n} = "unterminated\n}}\n',
    'data "d" "e{n}" {{ count = 1e3 }}\n',
]


@settings(derandomize=True, max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(range(len(_ITEMS))), st.integers(0, 99)), min_size=1, max_size=12),
       st.integers(1, 200))
def test_pieces_read_as_the_whole_file(items, piece_bytes):
    """Files made of items whose "}" lines sit inside heredocs, comments and badly indented blocks (a cut
    there must not change anything), broken ones among them."""
    text = "".join(_ITEMS[i].format(n=n) for i, n in items)
    with pytest.MonkeyPatch.context() as mp:
        assert _parse(text, piece_bytes, mp) == _parse(text, 1 << 40, mp)


def test_a_large_file_is_parsed_in_little_memory(monkeypatch):
    """4 MB of HCL: the whole file's tree alone would take ~250 MB of memory."""
    unit = 'resource "azurerm_managed_disk" "d{n}" {{\n  name                 = "disk-{n}"\n' \
           '  storage_account_type = "Premium_LRS"\n  disk_size_gb         = {n}\n  tags = {{ role = "x" }}\n}}\n'
    text = "".join(unit.format(n=n) for n in range(4_000_000 // len(unit.format(n=0))))
    hcl._parser()
    tracemalloc.start()
    try:
        parsed = hcl.parse_hcl(text, "big.tf")
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(parsed.body.blocks) > 20_000
    assert peak < 20 * len(text) + 64 * hcl.PIECE_BYTES, (peak, len(text))
