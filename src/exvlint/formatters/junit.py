"""JUnit XML for the test tabs of Azure DevOps (``PublishTestResults@2``), GitLab
(``artifacts:reports:junit``) and Jenkins.

One test suite per rule that ran, and in it one test case per rule and Exchange VM: ``failure``
when the rule reported an error or warning about the VM (at or above the fail level), ``skipped``
when it could not decide (a value it needs is unknown) or the finding is suppressed, passed
otherwise. Findings about no VM (an unattached disk, an input error) are test cases of their own,
named after the resource or the file. Test case names are unique within their class, because
GitLab keeps only the first of two equal names.

The shape is the Ant JUnit schema (Windy Road ``JUnit.xsd``, which Azure's documentation points
to): ``testsuite`` carries name, timestamp (UTC, no zone), hostname, tests, failures, errors, time;
``properties``, ``system-out`` and ``system-err`` are present; ``failure`` and ``error`` carry a
``type``. ``testcase@file`` is GitLab's addition. The hostname is ``localhost``, as the schema asks
when it is not to be told, so the report carries nothing about the machine.
"""
from __future__ import annotations

import datetime
import os
import re
from xml.sax.saxutils import escape, quoteattr

from ..catalog import load_catalog
from ..findings import LEVEL_RANK
from . import repo_relative
from .verdicts import UNKNOWN, review, rules_with_verdicts


def _timestamp() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible builds' convention for a fixed time
    when = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch and epoch.isdigit() \
        else datetime.datetime.now(datetime.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S")


# what XML 1.0 cannot hold even escaped: control characters (a resource name from the code may have them)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _attrs(**values) -> str:
    return "".join(f" {k.rstrip('_').replace('__', '-')}={quoteattr(_xml(str(v)))}" for k, v in values.items())


def _text(findings: list, root: str) -> str:
    out = []
    for f in findings:
        loc = f.location
        where = loc.path if loc.path.startswith("<") else f"{repo_relative(loc.path, root)}:{loc.line}:{loc.col or 1}"
        out.append(f"{where}: {f.rule_id} [{f.level}] {f.message}" + (f" ({f.address})" if f.address else ""))
        for rel in f.related:
            rwhere = rel.location.path if rel.location.path.startswith("<") else \
                f"{repo_relative(rel.location.path, root)}:{rel.location.line}"
            out.append(f"    {rwhere}: {rel.message}")
    return "\n".join(out)


class _Case:
    def __init__(self, name: str, file: str):
        self.name, self.file = name, file
        self.kind, self.type, self.message = "", "", ""
        self.findings: list = []


def render(result, options=None) -> str:
    catalog = load_catalog()
    root = result.root
    threshold = LEVEL_RANK.get(result.fail_level, 2) or 99  # fail level none: nothing fails
    suites: dict = {rid: {} for rid in rules_with_verdicts(result)}  # rule id -> {case name: _Case}
    notes: dict = {}  # rule id -> text of findings below the fail level

    def case(rid: str, name: str, file: str) -> _Case:
        cases = suites.setdefault(rid, {})
        if name not in cases:
            cases[name] = _Case(name, file)
        return cases[name]

    for item in review(result):
        vm = item.vm
        for rid, verdict in item.verdicts.items():
            c = case(rid, f"{repo_relative(vm.unit, root)}: {vm.address}", repo_relative(vm.location.path, root))
            if verdict.status == UNKNOWN:
                c.kind, c.message = "skipped", "could not decide without " + "; ".join(verdict.undecided)
    for f in result.findings:
        file = "" if f.location.path.startswith("<") else repo_relative(f.location.path, root)
        unit = repo_relative(f.unit, root) if f.unit else ""
        if f.vm:
            name = f"{unit}: {f.vm}"
        elif f.address:
            name = f"{unit}: {f.address}" if unit else f.address
        else:
            name = file or f.location.path
        c = case(f.rule_id, name, file)
        if f.suppressed:
            if not c.kind:
                c.kind, c.message = "skipped", f"suppressed: {f.suppression.reason or 'no reason given'}"
            continue
        if f.rule_id in ("EXV000", "EXV002", "EXV003"):
            kind = "error"
        elif LEVEL_RANK.get(f.level, 0) >= threshold:
            kind = "failure"
        else:
            notes.setdefault(f.rule_id, []).append(f)
            continue
        if c.kind in ("", "skipped"):
            c.kind, c.type, c.message = kind, f.rule_id, f.message
        c.findings.append(f)

    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<testsuites>"]
    stamp = _timestamp()
    for index, (rid, cases) in enumerate(sorted((r, c) for r, c in suites.items() if c)):
        doc = catalog.get(rid)
        suite_name = f"{rid} {doc.slug}" if doc else rid
        classname = f"exvlint.{rid}.{doc.slug}" if doc else f"exvlint.{rid}"
        ordered = [cases[k] for k in sorted(cases)]
        failures = sum(1 for c in ordered if c.kind == "failure")
        errors = sum(1 for c in ordered if c.kind == "error")
        skipped = sum(1 for c in ordered if c.kind == "skipped")
        out.append("  <testsuite" + _attrs(name=suite_name, package="exvlint", id=index, timestamp=stamp,
                                          hostname="localhost", tests=len(ordered), failures=failures,
                                          errors=errors, skipped=skipped, time="0") + ">")
        out.append("    <properties>" + "".join(
            f"<property{_attrs(name=k, value=v)}/>" for k, v in (("level", doc.level if doc else ""),
                                                                 ("help", doc.help_uri if doc else ""))) +
                   "</properties>")
        for c in ordered:
            head = "    <testcase" + _attrs(name=c.name, classname=classname, time="0") + \
                (_attrs(file=c.file) if c.file else "")
            if not c.kind:
                out.append(head + "/>")
            elif c.kind == "skipped":
                out.append(head + ">" + f"<skipped{_attrs(message=c.message)}/></testcase>")
            else:
                body = escape(_xml(_text(c.findings, root)))
                message = c.message if len(c.findings) == 1 else f"{len(c.findings)} findings: {c.message}"
                out.append(head + ">" + f"<{c.kind}{_attrs(type=c.type, message=message)}>{body}</{c.kind}>"
                           + "</testcase>")
        out.append(f"    <system-out>{escape(_xml(_text(notes.get(rid, []), root)))}</system-out>")
        out.append("    <system-err></system-err>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"
