"""GitHub Actions workflow commands: annotations on the pull request without code scanning.

``::error file=F,line=L,endLine=L2,col=C,endColumn=C2,title=T::message`` (and ``warning``,
``notice``), with paths relative to the repository root. Escaping follows the runner's parser
(actions/runner ``ActionCommand.cs``): in the message ``%``, CR and LF; in property values also
``:`` and ``,``, which would otherwise end the properties or split them.

GitHub shows at most 10 annotations of each level per step, so the most severe findings come
first, each level is cut at 10, and a last notice says how many more there are and where the full
report is; the findings not annotated are still printed to the log as plain lines.
"""
from __future__ import annotations

from ..catalog import load_catalog
from . import repo_relative, summary

PER_LEVEL = 10  # annotations GitHub shows per level and step
COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _command(f, root: str, catalog: dict) -> str:
    doc = catalog.get(f.rule_id)
    props = []
    loc = f.location
    if not loc.path.startswith("<"):
        props.append(("file", repo_relative(loc.path, root)))
        if loc.line:
            end = max(loc.end_line or loc.line, loc.line)
            props += [("line", str(loc.line)), ("endLine", str(end))]
            if loc.col and end == loc.line:  # the runner drops columns on a multi-line range
                props.append(("col", str(loc.col)))
                if loc.end_col > loc.col:
                    props.append(("endColumn", str(loc.end_col)))
    props.append(("title", f"{f.rule_id} {doc.slug}" if doc else f.rule_id))
    message = f.message + (f" ({f.address})" if f.address else "")
    for rel in f.related:
        where = rel.location.path if rel.location.path.startswith("<") else \
            f"{repo_relative(rel.location.path, root)}:{rel.location.line}"
        message += f"\n{where}: {rel.message}"
    head = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    return f"::{COMMAND[f.level]} {head}::{escape_data(message)}"


def _plain(f, root: str) -> str:
    loc = f.location
    where = loc.path if loc.path.startswith("<") else f"{repo_relative(loc.path, root)}:{loc.line}:{loc.col or 1}"
    return f"{where}: {f.rule_id} [{f.level}] {f.message}" + (f" ({f.address})" if f.address else "")


def render(result, options=None) -> str:
    catalog = load_catalog()
    root = result.root
    findings = [f for f in result.findings if not f.suppressed]
    order = {"error": 0, "warning": 1, "note": 2}
    findings.sort(key=lambda f: (order.get(f.level, 3),) + f.sort_key())
    shown, rest, per_level = [], [], {}
    for f in findings:
        per_level[f.level] = per_level.get(f.level, 0) + 1
        (shown if per_level[f.level] <= PER_LEVEL else rest).append(f)
    notes = [f for f in shown if f.level == "note"]
    if rest and len(notes) == PER_LEVEL:  # the closing notice needs one of the 10 notice slots
        shown.remove(notes[-1])
        rest.insert(0, notes[-1])
    lines = [_command(f, root, catalog) for f in shown]
    if rest:
        lines.extend(_plain(f, root) for f in rest)
        files = (options.report_files if options else []) or []
        where = ("the full report is in " + ", ".join(files)) if files else "every finding is listed in this step's log"
        text = f"{len(rest)} more findings than GitHub annotates (10 per level and step); {where}"
        lines.append(f"::notice title=exvlint::{escape_data(text)}")
    if not (options and options.quiet):
        lines.append(summary(result))
        lines.extend(f"note: {n}" for n in result.notices)
    return "\n".join(lines) + "\n"
