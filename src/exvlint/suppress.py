"""suppress: which rules run, and which findings the reports leave out.

Applied after every check has run, in this order: rule selection (``select`` / ``ignore``), inline
directives, the baseline (``baseline.py``). Inline directives come from the front ends as neutral
:class:`Directive` records (a range of lines in one file and the rules it silences): Terraform reads
them from ``exvlint:ignore`` comments (``terraform/suppressions.py``); ARM resource ``metadata`` and
Bicep comments give the same records, so this stage knows no input format.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Optional

from .config import Config
from .findings import Finding, Location, Suppression

ALWAYS_REPORTED = {"EXV000", "EXV002", "EXV003"}  # input and internal errors cannot be switched off
UNUSED, NO_REASON = "EXV004", "EXV005"


@dataclass(frozen=True)
class Directive:
    """``exvlint:ignore`` written at ``location``; it covers lines ``start_line``-``end_line`` of ``path``."""

    location: Location
    path: str
    start_line: int
    end_line: int
    rules: tuple  # rule ids it silences
    reason: str
    unknown: tuple = ()  # names that are no rule (an EXV003 error at the directive)
    text: str = ""  # as written, for messages

    def covers(self, location: Location) -> bool:
        return (self.start_line <= location.line <= self.end_line
                and _same_file(location.path, self.path))


_DIRECTIVE = re.compile(r"exvlint:ignore\b(.*)", re.S)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")


def parse_directive(text: str) -> Optional[tuple]:
    """(rule ids, unknown names, reason) from comment text holding ``exvlint:ignore``, or None.

    Syntax: ``exvlint:ignore ID[,ID ...] reason``; ids are rule ids or slugs separated by commas or
    spaces; the reason is the rest (a leading ``--`` or ``:`` is dropped).
    """
    from .catalog import resolve_rule

    m = _DIRECTIVE.search(text)
    if m is None:
        return None
    rest = m.group(1).rstrip().removesuffix("*/").strip()
    rules, unknown = [], []
    while rest:
        token = _NAME.match(rest)
        if token is None:
            break
        name = token.group(0)
        rid = resolve_rule(name)
        if rid is None and not re.fullmatch(r"EXV\d+", name, re.I):
            break  # the reason starts here
        (rules if rid else unknown).append(rid or name)
        rest = rest[token.end():].lstrip()
        if rest.startswith(","):
            rest = rest[1:].lstrip()
    reason = re.sub(r"^(--|:|-)\s*", "", rest).strip()
    return tuple(dict.fromkeys(rules)), tuple(unknown), reason


def comment_directives(path: str, comments: Iterable[tuple], starts: dict) -> list:
    """Directives from a file's comments ``(line, text)`` (markers ``#``, ``//``, ``/* */`` included):
    one on the line where a construct starts, or directly above it (other comment lines may stand
    between), covers that construct, ``starts[first line] = (first, last line)``, and everything inside
    it; one above nothing covers nothing. Front ends whose languages have comments share this."""
    comments = list(comments)
    comment_lines = set()
    for line, text in comments:
        comment_lines.update(range(line, line + text.count("\n") + 1))
    out = []
    for line, text in comments:
        found = parse_directive(_strip_markers(text))
        if found is None:
            continue
        rules, unknown, reason = found
        last = line + text.count("\n")
        span = starts.get(line)  # on the same line as a construct
        if span is None or text.startswith("/*") and last != line:
            nxt = last + 1
            while nxt in comment_lines and nxt not in starts:
                nxt += 1
            span = starts.get(nxt)
        start, end = span if span else (0, -1)  # a directive above nothing covers nothing
        out.append(Directive(Location(path, line, 1), path, start, end, rules, reason, unknown, text))
    return out


def _strip_markers(text: str) -> str:
    text = text.strip()
    if text.startswith("/*"):
        text = text[2:].removesuffix("*/")
    return text.lstrip("#/").strip()


@lru_cache(maxsize=4096)
def _real(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def _same_file(a: str, b: str) -> bool:
    return a == b or (not a.startswith("<") and not b.startswith("<") and _real(a) == _real(b))


def selected(rule_id: str, config: Config) -> bool:
    if rule_id in ALWAYS_REPORTED:
        return True
    if config.select and rule_id not in config.select:
        return False
    return rule_id not in config.ignore


def runs(rule_id: str, config: Config) -> bool:
    """Whether the check of ``rule_id`` runs. An invalid selection runs none (as ruff refuses to
    lint with an unknown rule code). Selecting EXV001 with --strict beside other rules gives the
    notes of those rules; selecting it with no rule that has a check (``--select EXV001``) runs
    every check that is not ignored, for the notes of what each could not decide."""
    if getattr(config, "selection_invalid", False):
        return False
    if selected(rule_id, config):
        return True
    if not (config.strict and "EXV001" in config.select) or rule_id in config.ignore:
        return False
    from .catalog import load_catalog

    catalog = load_catalog()
    return all("meta" in catalog[r].tags for r in config.select if r in catalog)


def apply(findings: list, config: Config, directives: Iterable[Directive] = (), rules_run: Iterable[str] = ()) -> list:
    """The selected findings, with inline suppressions set, plus the notes and errors about the
    directives themselves (unknown rule: EXV003; no reason: EXV005; suppresses nothing: EXV004)."""
    directives = sorted(set(directives), key=lambda d: (d.location, d.rules))
    out = [f for f in findings if selected(f.rule_id, config)]
    by_file: dict = {}
    for d in directives:
        by_file.setdefault(_real(d.path), []).append(d)
    used: set = set()  # (directive, rule id)
    for f in out:
        if f.rule_id in ALWAYS_REPORTED:
            continue
        places = (f.location,) + tuple(f.anchors)
        for d in _candidates(by_file, places):
            if f.rule_id in d.rules and any(d.covers(p) for p in places):
                used.add((d, f.rule_id))
                if f.suppression is None:
                    f.suppression = Suppression("inSource", d.reason, d.location)
    ran = set(rules_run)
    notes = []
    for d in directives:
        for name in d.unknown:
            notes.append(Finding("EXV003", "error", f"exvlint:ignore names an unknown rule {name!r}; "
                                 "`exvlint rules` lists them", d.location, key=f"ignore:{name}"))
        if not d.rules and not d.unknown:
            notes.append(Finding("EXV003", "error", "exvlint:ignore names no rule; write "
                                 "`exvlint:ignore EXV301 <reason>`", d.location, key="ignore:"))
        if d.rules and not d.reason:
            notes.append(Finding(NO_REASON, config.levels.get(NO_REASON, "note"),
                                 f"exvlint:ignore {','.join(d.rules)} gives no reason; say why the finding is "
                                 "accepted after the rule ids", d.location, key=f"no-reason:{','.join(d.rules)}"))
        idle = [r for r in d.rules if (d, r) not in used and r in ran]
        if idle:
            notes.append(Finding(UNUSED, config.levels.get(UNUSED, "note"),
                                 f"exvlint:ignore {','.join(idle)} suppresses nothing here; remove it",
                                 d.location, key=f"unused:{','.join(idle)}"))
    return out + [n for n in notes if selected(n.rule_id, config)]


def _candidates(by_file: dict, places: tuple) -> list:
    seen: list = []
    for p in places:
        if p.path.startswith("<"):
            continue
        for d in by_file.get(_real(p.path), ()):
            if d not in seen:
                seen.append(d)
    return seen
