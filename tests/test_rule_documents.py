"""Every rule document has its metadata and its sections, and its examples do what they claim.

A rule document (``rules/EXVnnn-slug.md``) has front matter (id, slug, level, summary, platforms,
tags, references) and the sections "What it flags", "Why it matters", "Failing example", "Passing
example" and "How to fix", in that order.

How the examples are read:

- Every fenced block under "Failing example" and "Passing example" is part of an example; its
  language says what it is: ``hcl`` / ``terraform`` (written as ``main.tf``), ``json`` (an ARM
  template or a Terraform plan, written as ``example.json`` and recognised by its content),
  ``bicep`` (``main.bicep``) or ``yaml`` (``.exvlint.yaml``). Any other language is an error, so
  that no example goes unchecked.
- Each hcl/json/bicep block is one example: it is written alone into an empty temporary directory
  and linted with :func:`exvlint.lint`, as ``exvlint check`` lints a directory.
- A ``yaml`` block is the ``.exvlint.yaml`` of the code blocks after it in the same section, up to
  the next ``yaml`` block. A ``yaml`` block that no code block follows is an example of its own,
  linted in a directory that holds nothing else (EXV003's examples are configuration files).
- Markers: a comment ``# EXVnnn`` (``// EXVnnn`` in JSON and Bicep) on a line says that the run
  reports rule EXVnnn at that line; ``# ^ EXVnnn`` on a line of its own points at the line above
  (for a finding on a line that cannot carry a second comment, such as an ``exvlint:ignore``
  directive). Text may follow the rule id. A failing example must carry at least one marker for its
  document's rule, and the lines where that rule reports in the example must be exactly the marked
  ones. A passing example has no marker for its document's rule, that rule reports nothing, and it
  reports nothing because it decided (no value it needed was unknown), not because it could not
  tell. Markers for other rules are checked too (the finding must be at the marked line).
- Examples are self-contained: a Terraform example declares every variable, local, resource and
  data source it refers to (outside ids come in as variables), so it is a whole configuration.
- No example may produce EXV000 or EXV002, except where that is the point of the example (EXV000's
  failing example) and then only at a marked line.
- Annotation: a first line ``# exvlint-example: OPTION ...`` (``//`` in JSON and Bicep) sets how
  the example is linted. ``strict`` runs with ``--strict``; ``date=YYYY-MM-DD`` fixes the day of
  the run (``SOURCE_DATE_EPOCH``) for examples that depend on it. The annotation line is blanked
  in the written file, so line numbers stay those of the block.
"""
from __future__ import annotations

import calendar
import dataclasses
import datetime
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import exvlint
from conftest import ROOT
from exvlint.catalog import load_catalog
from exvlint.terraform import hcl

SECTIONS = ("What it flags", "Why it matters", "Failing example", "Passing example", "How to fix")
EXAMPLE_SECTIONS = {"Failing example": "failing", "Passing example": "passing"}
LEVELS = {"error", "warning", "note"}
PLATFORMS = {"all", "azure", "vsphere", "hyperv"}
FILE_NAMES = {"hcl": "main.tf", "terraform": "main.tf", "json": "example.json", "bicep": "main.bicep"}
CONFIG_NAME = ".exvlint.yaml"

# Example sections that hold no lintable example, and why none can exist.
NO_EXAMPLE = {
    ("EXV002", "failing"): "EXV002 reports a bug in exvlint; no correct input is meant to trigger it, "
                           "and a known trigger would be fixed rather than documented",
}

_FENCE = re.compile(r"^```([A-Za-z0-9_+-]*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
_MARKER = re.compile(r"(?:#|//)[ \t]*(\^[ \t]*)?(EXV\d{3})\b")
_ANNOTATION = re.compile(r"^[ \t]*(?:#|//)[ \t]*exvlint-example:(.*)$")


@dataclass
class Example:
    rule_id: str
    kind: str  # failing | passing
    index: int  # position among the examples of its section, from 1
    files: dict = field(default_factory=dict)  # file name -> text as written
    markers: set = field(default_factory=set)  # (rule id, file name, line)
    options: dict = field(default_factory=dict)
    error: str = ""  # why the block cannot be linted (an unknown language)

    @property
    def name(self) -> str:
        return f"{self.rule_id}-{self.kind}-{self.index}"


def _markers(text: str, file_name: str) -> set:
    out = set()
    for number, line in enumerate(text.splitlines(), 1):
        for m in _MARKER.finditer(line):
            out.add((m.group(2), file_name, number - 1 if m.group(1) else number))
    return out


def _options(text: str) -> tuple:
    """(options, text with the annotation line blanked, what is wrong with the annotation)."""
    first, _, rest = text.partition("\n")
    m = _ANNOTATION.match(first)
    if not m:
        return {}, text, ""
    options = {}
    for word in m.group(1).split():
        key, _, value = word.partition("=")
        if key not in ("strict", "date"):
            return {}, text, f"unknown example option {word!r}"
        options[key] = value or True
    return options, "\n" + rest, ""


def examples_of(rule_id: str, kind: str, section: str) -> list:
    """The examples of one section, in order."""
    blocks = [(m.group(1).lower(), m.group(2)) for m in _FENCE.finditer(section)]
    out, config, config_used = [], None, True

    def add(files: dict, options: dict) -> None:
        example = Example(rule_id, kind, len(out) + 1, options=options)
        for name, text in files.items():
            example.files[name] = text
            example.markers |= _markers(text, name)
        out.append(example)

    for language, text in blocks:
        if language == "yaml":
            if not config_used:
                add({CONFIG_NAME: config}, {})  # a configuration file on its own
            config, config_used = text, False
            continue
        if language not in FILE_NAMES:
            out.append(Example(rule_id, kind, len(out) + 1, error=f"a ```{language or '(no language)'} block; "
                                                                  f"examples are {sorted(FILE_NAMES)} or yaml"))
            continue
        options, written, error = _options(text)
        if error:
            out.append(Example(rule_id, kind, len(out) + 1, error=error))
            continue
        files = {FILE_NAMES[language]: written}
        if config is not None:
            files[CONFIG_NAME] = config
        add(files, options)
        config_used = True
    if not config_used:
        add({CONFIG_NAME: config}, {})
    return out


def _documents() -> dict:
    return load_catalog()


def _all_examples() -> list:
    params = []
    for rule_id, doc in _documents().items():
        for title, kind in EXAMPLE_SECTIONS.items():
            for example in examples_of(rule_id, kind, doc.sections.get(title, "")):
                params.append(pytest.param(example, id=example.name))
    return params


# --------------------------------------------------------------------------- the documents


def test_every_document_is_in_the_catalog():
    files = sorted(p.name for p in (ROOT / "rules").glob("EXV*.md"))
    catalog = _documents()
    assert files == sorted(doc.file for doc in catalog.values())
    for rule_id, doc in catalog.items():
        assert doc.file == f"{rule_id}-{doc.slug}.md", f"{doc.file}: the file name is not ID-slug.md"


@pytest.mark.parametrize("rule_id", sorted(load_catalog()))
def test_front_matter(rule_id):
    doc = _documents()[rule_id]
    assert re.fullmatch(r"EXV\d{3}", doc.id)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", doc.slug), f"{rule_id}: slug {doc.slug!r} is not kebab case"
    assert doc.level in LEVELS, f"{rule_id}: level {doc.level!r}"
    assert doc.summary and doc.summary.endswith("."), f"{rule_id}: the summary is missing or not a sentence"
    assert doc.platforms and set(doc.platforms) <= PLATFORMS, f"{rule_id}: platforms {doc.platforms}"
    assert ("all" in doc.platforms) == (len(doc.platforms) == 1 and doc.platforms[0] == "all")
    assert doc.tags and all(re.fullmatch(r"[a-z0-9-]+", t) for t in doc.tags), f"{rule_id}: tags {doc.tags}"
    assert doc.references and all(re.fullmatch(r"https://\S+", r) for r in doc.references), \
        f"{rule_id}: references must be https URLs"
    assert doc.markdown.startswith(f"# {rule_id} {doc.slug}\n"), f"{rule_id}: the title is not '# {rule_id} {doc.slug}'"


@pytest.mark.parametrize("rule_id", sorted(load_catalog()))
def test_sections_in_order(rule_id):
    doc = _documents()[rule_id]
    titles = re.findall(r"^## (.+?)\s*$", doc.markdown, re.M)
    assert titles == list(SECTIONS), f"{rule_id}: sections {titles}, expected {list(SECTIONS)}"
    for title in SECTIONS:
        assert doc.sections[title].strip(), f"{rule_id}: '{title}' is empty"


@pytest.mark.parametrize("rule_id", sorted(load_catalog()))
def test_every_example_section_has_examples(rule_id):
    doc = _documents()[rule_id]
    for title, kind in EXAMPLE_SECTIONS.items():
        found = examples_of(rule_id, kind, doc.sections[title])
        if (rule_id, kind) in NO_EXAMPLE:
            assert not found, f"{rule_id} has a {kind} example now: drop it from NO_EXAMPLE"
            continue
        assert found, f"{rule_id}: '{title}' holds no example that exvlint can lint"
        for example in found:
            own = {m for m in example.markers if m[0] == rule_id}
            if kind == "failing":
                assert own, f"{example.name}: a failing example marks the line of its finding (# {rule_id})"
            else:
                assert not own, f"{example.name}: a passing example marks {sorted(own)}"


# --------------------------------------------------------------------------- the examples


def _references(node, out: set) -> set:
    """(root name, attribute names) of every reference such as ``var.x`` or ``data.t.n.id`` in ``node``."""
    if isinstance(node, hcl.GetAttr):
        names, inner = [], node
        while isinstance(inner, hcl.GetAttr):
            names.append(inner.name)
            inner = inner.obj
        if isinstance(inner, hcl.Name):
            out.add((inner.name, tuple(reversed(names))))
            return out
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            _references(getattr(node, f.name), out)
    elif isinstance(node, (list, tuple)):
        for item in node:
            _references(item, out)
    elif isinstance(node, dict):
        for item in node.values():
            _references(item, out)
    return out


def undeclared(text: str) -> list:
    """References in a Terraform file to variables, locals, resources or data sources it does not declare."""
    body = hcl.parse_hcl(text).body
    declared = set()
    for block in body.blocks:
        if block.type in ("resource", "data") and len(block.labels) == 2:
            declared.add(("data." if block.type == "data" else "") + ".".join(block.labels))
        elif block.type == "variable" and block.labels:
            declared.add("var." + block.labels[0])
        elif block.type == "locals":
            declared.update("local." + name for name in block.body.attributes)
        elif block.type == "module" and block.labels:
            declared.add("module." + block.labels[0])
    missing = []
    for root, names in sorted(_references(body, set())):
        if root in ("var", "local", "module"):
            wanted = f"{root}.{names[0]}"
        elif root == "data":
            wanted = "data." + ".".join(names[:2])
        elif "_" in root and root not in ("each", "count", "self", "path", "terraform"):
            wanted = f"{root}.{names[0]}"  # a resource: TYPE.NAME
        else:
            continue
        if wanted not in declared:
            missing.append(wanted)
    return missing


def _date_epoch(day: str) -> str:
    return str(calendar.timegm(datetime.date.fromisoformat(day).timetuple()))


def lint_example(example: Example, directory: Path, monkeypatch):
    for name, text in example.files.items():
        (directory / name).write_text(text, encoding="utf-8")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    if "date" in example.options:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", _date_epoch(example.options["date"]))
    return exvlint.lint([str(directory)], strict=bool(example.options.get("strict")))


@pytest.mark.parametrize("example", _all_examples())
def test_example_is_self_contained(example: Example):
    for name, text in example.files.items():
        if name.endswith(".tf") and not {m for m in example.markers if m[0] == "EXV000"}:
            assert not undeclared(text), f"{example.name}: refers to what it does not declare: {undeclared(text)}"


@pytest.mark.parametrize("example", _all_examples())
def test_example(example: Example, tmp_path: Path, monkeypatch):
    assert not example.error, f"{example.name}: {example.error}"
    result = lint_example(example, tmp_path, monkeypatch)
    findings = result.findings

    def place(f):
        return f.rule_id, Path(os.path.relpath(f.location.path, tmp_path)).as_posix(), f.location.line

    got = {place(f) for f in findings}
    detail = "\n".join(f"  {p[1]}:{p[2]}: {f.rule_id} {f.message}" for f, p in ((f, place(f)) for f in findings))
    rule_id = example.rule_id
    own = {p for p in got if p[0] == rule_id}
    wanted = {m for m in example.markers if m[0] == rule_id}
    if example.kind == "failing":
        assert own == wanted, f"{example.name}: {rule_id} reported at {sorted(own)}, marked {sorted(wanted)}\n{detail}"
    else:
        assert not own, f"{example.name}: the passing example produces {rule_id}\n{detail}"
        unsure = [u for u in result.undecided if u[1] == rule_id]
        assert not unsure, f"{example.name}: {rule_id} passes only because it cannot decide: {unsure}"
    for marker in example.markers - wanted:
        assert marker in got, f"{example.name}: marked {marker} not reported\n{detail}"
    for broken in ("EXV000", "EXV002"):
        stray = {p for p in got if p[0] == broken} - example.markers
        assert not stray, f"{example.name}: {broken} {sorted(stray)}\n{detail}"
