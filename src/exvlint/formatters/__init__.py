"""report: one formatter per output format, all reading the same LintResult.

The registry below is the only list of formats: the command line's choices, the format an
``--output`` file's extension selects and the formatter module all come from it. A formatter is a
module with ``render(result, options) -> str``; it is imported only when used. A formatter whose
reports grow large also has ``chunks(result, options)``, the same text in pieces, which
:func:`write_report` writes as they come (a report of 100,000 findings is never one string).
"""
from __future__ import annotations

import importlib
import json as _json  # the json formatter module shadows the name in this package
import os
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Optional, TextIO

from ..paths import repo_relative, repository_root  # noqa: F401  (re-exported for formatters)


@dataclass(frozen=True)
class Format:
    name: str
    extension: str  # an --output file with this extension gets this format ("" = none claims it)
    description: str
    says_what_was_seen: bool = False  # the report ends with the summary and notes itself


FORMATS = {f.name: f for f in (
    Format("text", "", "one line per finding, then a summary (the default)", True),
    Format("json", ".json", "a stable JSON document of findings"),
    Format("sarif", ".sarif", "SARIF 2.1.0 for GitHub code scanning and other code-scanning tools"),
    Format("github", "", "GitHub Actions workflow commands: annotations on the pull request", True),
    Format("gitlab", "", "GitLab Code Quality report (merge-request widget)"),
    Format("junit", ".xml", "JUnit XML for the test tabs of Azure DevOps, GitLab and Jenkins"),
    Format("markdown", ".md", "a deployment review report for pull-request comments and reviews", True),
)}


@dataclass
class ReportOptions:
    color: bool = False  # ANSI colour (text on a terminal only)
    report_files: list = field(default_factory=list)  # the files this run writes, for "see the full report"
    show_suppressed: bool = False
    quiet: bool = False  # findings only: no summary or notes


def get_formatter(name: str) -> Callable:
    """``render(result, options)`` for the format ``name``."""
    if name not in FORMATS:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    return importlib.import_module(f"{__name__}.{name}").render


def write_report(name: str, result, options: "ReportOptions", stream: TextIO) -> None:
    """Write the ``name`` report of ``result`` to ``stream``, in pieces when the formatter has them."""
    module = importlib.import_module(f"{__name__}.{name}") if name in FORMATS else None
    if module is None:
        raise ValueError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})")
    chunks = getattr(module, "chunks", None)
    if chunks is None:
        stream.write(module.render(result, options))
        return
    for chunk in chunks(result, options):
        stream.write(chunk)


ITEMS = "\x00exvlint: the items go here\x00"  # placeholder for json_chunks' list in its document


def json_chunks(document, items: Iterable[dict], ensure_ascii: bool = True) -> Iterator[str]:
    """A JSON document in pieces: ``document`` indented by two spaces, except that its one value
    :data:`ITEMS` becomes the list ``items`` with each item on a line of its own.

    An item is written by the C encoder (``json.dumps`` with an indent runs the pure-Python one, which
    took half of a 60,000-resource run), a line per finding reads and diffs well, and items are
    encoded as they come, so no report is held in memory whole. Keys keep their insertion order:
    the output is byte-for-byte deterministic.
    """
    text = _json.dumps(document, indent=2, ensure_ascii=ensure_ascii)
    if not ensure_ascii:
        from ..findings import encodable

        text = encodable(text)
    marker = _json.dumps(ITEMS)
    head, found, tail = text.partition(marker)
    if not found:
        raise ValueError("json_chunks: the document has no ITEMS placeholder")
    line_start = head.rfind("\n") + 1
    indent = " " * (len(head) - line_start - len(head[line_start:].lstrip(" ")) + 2)
    encode = _json.JSONEncoder(ensure_ascii=ensure_ascii, separators=(",", ":"), check_circular=False).encode
    if not ensure_ascii:  # a lone surrogate anywhere in an item (an address, a name) cannot be written
        from ..findings import encodable

        plain = encode
        encode = lambda item: encodable(plain(item))  # noqa: E731
    first = True
    for item in items:
        yield (head + "[\n" if first else ",\n") + indent + encode(item)
        first = False
    yield (head + "[]" if first else "\n" + indent[:-2] + "]") + tail + "\n"


def format_for_file(path: str) -> Optional[str]:
    """The format an output file's extension selects, or None."""
    ext = os.path.splitext(path)[1].lower()
    return next((f.name for f in FORMATS.values() if f.extension and f.extension == ext), None)


def counts(result) -> dict:
    return {level: sum(1 for f in result.findings if f.level == level and not f.suppressed)
            for level in ("error", "warning", "note")}


def summary(result) -> str:
    """``3 findings (2 errors, 1 warning, 0 notes) in 9 files, 1 unit; 3 VMs, 3 treated as Exchange; 0.4 s``"""
    c = counts(result)
    total = sum(c.values())
    files, units = len(result.files), len(result.deployments)
    vms = len(result.vms)
    exchange = sum(1 for vm in result.vms if vm.reason)
    text = (f"{total} {_plural(total, 'finding')} ({_plural(c['error'], 'error', True)}, "
            f"{_plural(c['warning'], 'warning', True)}, {_plural(c['note'], 'note', True)}) in "
            f"{_plural(files, 'file', True)}, {_plural(units, 'unit', True)}; {_plural(vms, 'VM', True)}, "
            f"{exchange} treated as Exchange")
    if result.suppressed:
        text += f"; {result.suppressed} suppressed"
    return text + f"; {result.elapsed:.1f} s"


def _plural(n: int, word: str, count: bool = False) -> str:
    noun = word if n == 1 else word + "s"
    return f"{n} {noun}" if count else noun
