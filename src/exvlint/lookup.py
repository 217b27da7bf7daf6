"""Lookup data shipped in the package (``exvlint/data/*.csv``) and the tables rule documents show from it.

Facts that change with Microsoft's documents (which Windows Server releases each Exchange version
supports, end-of-support dates, memory minimums) and provider facts (Azure image SKUs, vSphere guest
ids) are data, not code: each table has a ``source`` column with the URL it comes from. A rule
document holds a block ``<!-- data: NAME -->`` ... ``<!-- /data -->`` that is rendered from the table
when the catalog loads it, so ``exvlint explain`` always shows what the checks decide; the copy
committed in ``rules/`` is kept equal to it by a test (``python -m exvlint.lookup rules/*.md``
rewrites it).
"""
from __future__ import annotations

import csv
import io
import re
import sys
from functools import lru_cache
from importlib import resources
from typing import Callable


@lru_cache(maxsize=None)
def read_table(name: str) -> tuple:
    """The rows of ``data/NAME.csv`` as dicts (column -> text, empty cells ""), in file order."""
    text = resources.files("exvlint").joinpath(f"data/{name}.csv").read_text(encoding="utf-8")
    return tuple({k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(io.StringIO(text)))


# --------------------------------------------------------------------------- document tables


def _source(url: str) -> str:
    return f"<{url}>" if url else ""


def _markdown_table(header: tuple, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def release_names() -> dict:
    """Windows release key -> name, e.g. ``2012r2`` -> ``Windows Server 2012 R2``."""
    return {row["release"]: row["name"] for row in read_table("windows_releases")}


def _cu_cell(row: dict) -> str:
    if not row["min_cu"]:
        return "any"
    unknown = "counts as supported" if row["if_cu_unknown"] == "supported" else "is unknown: no finding"
    return f"CU{row['min_cu']} or later; an unstated CU {unknown}"


def _guest_os_table() -> str:
    rows = [(f"Exchange {r['exchange']}", r["os_name"],
             "allowed" if "core" in r["installations"].split() else "not supported",
             _cu_cell(r), _source(r["source"])) for r in read_table("exchange_guest_os")]
    return _markdown_table(("Exchange", "Windows Server", "Server Core", "Cumulative update", "Source"), rows)


_INSTALLATIONS = {"desktop": "Desktop Experience", "core": "Server Core", "nano": "Nano Server", "": "not said"}
_EDITIONS = {"datacenter": "Datacenter", "azure-edition": "Datacenter: Azure Edition", "standard": "Standard",
             "": "not said"}


def _code_alternatives(pattern: str) -> str:
    return ", ".join(f"`{p}`" for p in pattern.split("|"))


def _azure_images_table() -> str:
    names = release_names()
    rows = [(_code_alternatives(r["publisher"]), _code_alternatives(r["offer"]), _code_alternatives(r["sku"]),
             names[r["release"]], _INSTALLATIONS[r["installation"]], _EDITIONS[r["edition"]])
            for r in read_table("azure_windows_images")]
    return ("The first row that matches the image reference applies (case-insensitive; `*` is any text). "
            f"Source: {_source(read_table('azure_windows_images')[0]['source'])}.\n\n"
            + _markdown_table(("Publisher", "Offer", "SKU", "Windows", "Installation", "Edition"), rows))


def _vsphere_guest_ids_table() -> str:
    names = release_names()
    rows = []
    for r in read_table("vsphere_guest_ids"):
        stands = " or ".join(names[k] for k in r["releases"].split("|"))
        rows.append((f"`{r['guest_id']}`", r["label"], stands + (f" ({r['note']})" if r["note"] else ""),
                     _source(r["source"])))
    return _markdown_table(("guest_id", "vSphere's name", "Taken as", "Source"), rows)


def _memory_table() -> str:
    rows = [(f"Exchange {r['version']}", r["role"].capitalize(), f"below {r['minimum_gib']} GB", r["level"],
             r["wording"], _source(r["source"])) for r in read_table("exchange_memory")]
    return _markdown_table(("Exchange", "Role", "Memory", "Level", "Microsoft's word", "Source"), rows)


def _versions_table() -> str:
    rows = [(r["name"], r["end_of_support"] or "none while kept current (Modern Lifecycle Policy)",
             _source(r["source"])) for r in read_table("exchange_versions")]
    return _markdown_table(("Version", "End of support", "Source"), rows)


DOCUMENT_TABLES: dict = {  # name in a document's data block -> renderer
    "exchange_guest_os": _guest_os_table,
    "azure_windows_images": _azure_images_table,
    "vsphere_guest_ids": _vsphere_guest_ids_table,
    "exchange_memory": _memory_table,
    "exchange_versions": _versions_table,
}

_BLOCK = re.compile(r"(<!-- data: ([a-z_]+) -->\n)(.*?)(<!-- /data -->)", re.S)


def _render(name: str) -> str:
    renderer: Callable = DOCUMENT_TABLES.get(name)
    if renderer is None:
        raise RuntimeError(f"a rule document asks for data table {name!r}, which exvlint does not have")
    return renderer()


def update_tables(markdown: str) -> str:
    """The document with every data block filled from the data (markers kept): what ``rules/`` holds."""
    return _BLOCK.sub(lambda m: m.group(1) + _render(m.group(2)) + "\n" + m.group(4), markdown)


def render_tables(markdown: str) -> str:
    """The document as users read it: every data block replaced by its table, markers removed."""
    return _BLOCK.sub(lambda m: _render(m.group(2)), markdown)


def table_names(markdown: str) -> list:
    return [m.group(2) for m in _BLOCK.finditer(markdown)]


def main(argv: list) -> int:
    """Rewrite the data blocks of the given rule documents from the data (a development tool)."""
    for path in argv:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        updated = update_tables(text)
        if updated != text:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(updated)
            print(f"updated {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover - development tool
    sys.exit(main(sys.argv[1:]))
