"""report: one formatter per output format, all reading the same LintResult.

The registry below is the only list of formats: the command line's choices, the format an
``--output`` file's extension selects and the formatter module all come from it. A formatter is a
module with ``render(result, options) -> str``; it is imported only when used.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from typing import Callable, Optional

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
