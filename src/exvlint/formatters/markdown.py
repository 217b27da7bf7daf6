"""A deployment review report in Markdown (GitHub-flavoured) for pull-request comments and reviews.

A table with one row per Exchange VM and a column per rule group (pass / fail / unknown, and why
the VM is held to Exchange's requirements), then the findings grouped by VM with their messages,
the places to change and the fix from the rule's document, then what could not be decided.
"""
from __future__ import annotations

import re

from .. import __version__
from ..catalog import load_catalog
from . import repo_relative, summary
from .verdicts import FAIL, NOTE, PASS, UNKNOWN, group_of, review

ICON = {PASS: "✅ pass", FAIL: "❌ fail", UNKNOWN: "❔ unknown", NOTE: "ℹ️ note"}


def cell(text: str) -> str:
    """Plain text as Markdown on one line (safe in a table cell): markup characters are escaped, so
    a value such as ``*exch*`` or ``<command line>`` shows as written."""
    return re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", re.sub(r"\s+", " ", text).strip())


def code(text: str, in_table: bool = False) -> str:
    """Inline code that survives backticks in the text (and pipes, in a table cell)."""
    fence = "``" if "`" in text else "`"
    pad = " " if fence == "``" else ""
    text = re.sub(r"\s+", " ", text)
    return f"{fence}{pad}{text.replace('|', chr(92) + '|') if in_table else text}{pad}{fence}"


def _where(loc, root: str) -> str:
    if loc.path.startswith("<"):
        return loc.path
    return f"{repo_relative(loc.path, root)}:{loc.line}" if loc.line else repo_relative(loc.path, root)


def _fix(doc) -> str:
    """The first paragraph or list item of the rule's "How to fix", on one line."""
    text = (doc.sections.get("How to fix") or "").strip() if doc else ""
    first = re.split(r"\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)", text)[0] if text else ""
    first = re.sub(r"^\s*(?:[-*]|\d+\.)\s+", "", first)
    return re.sub(r"\s+", " ", first).strip()


def _finding(f, root: str, catalog: dict) -> list:
    doc = catalog.get(f.rule_id)
    name = f"{f.rule_id} {doc.slug}" if doc else f.rule_id
    lines = [f"- **{name}** ({f.level}): {cell(f.message)}"]
    places = [f"{code(_where(f.location, root))}"] + \
        [f"{code(_where(r.location, root))} ({cell(r.message)})" for r in f.related]
    lines.append(f"  - change: {', '.join(places)}")
    if f.address:
        lines.append(f"  - resource: {code(f.address)}")
    fix = _fix(doc)
    if fix:
        lines.append(f"  - fix: {fix} ([{f.rule_id}]({doc.help_uri}))")
    if f.suppressed:
        lines.append(f"  - suppressed: {cell(f.suppression.reason or 'no reason given')}")
    return lines


def render(result, options=None) -> str:
    catalog = load_catalog()
    root = result.root
    items = review(result)
    groups = []
    for item in items:
        for rid in item.verdicts:
            if group_of(rid) not in groups:
                groups.append(group_of(rid))
    groups.sort(key=lambda g: [v for v in ("Memory", "CPU", "Storage", "State and OS", "Mail flow", "Other")].index(g))
    failing = sum(1 for i in items if i.status == FAIL)
    several = len({i.vm.unit for i in items}) > 1  # then a row says which deployment the VM is in
    out = ["# exvlint deployment review", ""]
    if items:
        out.append(f"**{failing} of {len(items)} Exchange VM{'s' if len(items) != 1 else ''} "
                   f"{'fail' if failing != 1 else 'fails'}** Microsoft's virtualization support requirements.")
    else:
        out.append("**No Exchange VM was found**, so no rule applied.")
    out += ["", summary(result) + f" (exvlint {__version__})", ""]
    for notice in result.notices:
        out.append(f"> {cell(notice)}")
    if result.notices:
        out.append("")

    if items:
        out.append("| Exchange VM | Why it is Exchange | " + " | ".join(groups) + " |")
        out.append("|---|---|" + "---|" * len(groups))
        for item in items:
            vm = item.vm
            cells = []
            for g in groups:
                verdicts = [v for rid, v in item.verdicts.items() if group_of(rid) == g]
                if not verdicts:
                    cells.append("—")
                    continue
                status = next(s for s in (FAIL, UNKNOWN, NOTE, PASS) if any(v.status == s for v in verdicts))
                ids = [v.rule_id for v in verdicts if v.status == status]
                cells.append(ICON[status] + ("" if status == PASS else f" ({', '.join(ids)})"))
            where = code(vm.address, True) + (f" in {code(repo_relative(vm.unit, root), True)}" if several else "")
            title = f"**{cell(vm.name)}**<br>" if vm.name != vm.address else ""  # a VM without a known name
            out.append(f"| {title}{where} | {cell(vm.reason)} | " + " | ".join(cells) + " |")
        out.append("")

    shown = set()
    by_vm: dict = {}  # (unit, VM) -> its findings, in order: looked up once per VM, not searched
    for f in result.findings:
        if f.vm:
            by_vm.setdefault((f.unit, f.vm), []).append(f)
    for item in items:
        vm = item.vm
        mine = [f for v in item.verdicts.values() for f in v.findings]
        in_verdicts = {id(x) for x in mine}
        mine += [f for f in by_vm.get((vm.unit, vm.address), []) if id(f) not in in_verdicts
                 and (f.suppressed or f.rule_id not in item.verdicts)]
        unsure = [v for v in item.verdicts.values() if v.status == UNKNOWN]
        if not mine and not unsure:
            continue
        out.append(f"## {cell(vm.name)} — {item.status}")
        out.append("")
        out.append(f"{code(vm.address)} in {code(repo_relative(vm.unit, root))}, Exchange because {cell(vm.reason)}.")
        out.append("")
        for f in sorted(mine, key=lambda f: f.sort_key()):
            shown.add(id(f))
            out.extend(_finding(f, root, catalog))
        for v in unsure:
            out.append(f"- ❔ **{v.rule_id}** could not decide without: {cell('; '.join(dict.fromkeys(v.undecided)))}")
        out.append("")
    others = [f for f in result.findings if id(f) not in shown]
    if others:
        out += ["## Other findings", ""]
        for f in others:
            out.extend(_finding(f, root, catalog))
        out.append("")
    return "\n".join(out).rstrip("\n") + "\n"
