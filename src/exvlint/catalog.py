"""The rule catalog, read from the rule documents (``rules/EXV301-non-premium-storage.md``).

One document per rule feeds ``exvlint rules``, ``exvlint explain`` and SARIF's rule
descriptors. In a wheel the documents live in ``exvlint/rules/``; in a source checkout they
are read from the repository's top-level ``rules/`` folder.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Optional

from .lookup import render_tables

HELP_URI = "https://github.com/exvlint/exvlint/blob/main/rules/{file}"


@dataclass(frozen=True)
class RuleDoc:
    id: str
    slug: str
    level: str
    summary: str
    platforms: tuple
    tags: tuple
    references: tuple
    markdown: str  # the whole document body (after the front matter)
    sections: dict = field(default_factory=dict, compare=False, hash=False)
    file: str = ""

    @property
    def help_uri(self) -> str:
        return HELP_URI.format(file=self.file)

    @property
    def what_it_flags(self) -> str:
        return _plain(self.sections.get("What it flags", self.summary))


def _docs_dir():
    packaged = resources.files("exvlint").joinpath("rules")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir():
        return checkout
    raise RuntimeError("exvlint's rule documents are missing from this installation")


@lru_cache(maxsize=1)
def load_catalog() -> dict:
    """Rule id -> RuleDoc, in id order."""
    docs = {}
    index = _front_matter_index()
    for entry in _rule_documents():
        text = entry.read_text(encoding="utf-8")
        m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
        if not m:
            raise RuntimeError(f"rule document {entry.name} has no front matter")
        meta = _front_matter(entry.name, m.group(1), index)
        body = render_tables(m.group(2)).strip() + "\n"  # tables such as EXV404's come from the data files
        docs[meta["id"]] = RuleDoc(
            id=meta["id"], slug=meta["slug"], level=meta["level"], summary=str(meta.get("summary", "")).strip(),
            platforms=tuple(meta.get("platforms") or ()), tags=tuple(meta.get("tags") or ()),
            references=tuple(meta.get("references") or ()), markdown=body, sections=_sections(body),
            file=entry.name)
    return dict(sorted(docs.items()))


def _rule_documents() -> list:
    return [entry for entry in sorted(_docs_dir().iterdir(), key=lambda p: p.name)
            if entry.name.endswith(".md") and re.match(r"^EXV\d{3}-", entry.name)]


# The front matter of every rule document, already parsed, keyed by document and checked against a
# hash of the YAML text: a run then needs no YAML parser (importing it and parsing 21 documents
# was about 0.1 s of every start-up). A document whose front matter changed since the index was
# written is parsed from its YAML, so the index is only ever a shortcut; `python -m exvlint.catalog`
# rewrites it, and a test fails while it is out of date.
INDEX_FILE = "rules_index.json"


def _front_matter_index() -> dict:
    try:
        return json.loads(resources.files("exvlint").joinpath(INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _front_matter(name: str, yaml_text: str, index: dict) -> dict:
    entry = index.get(name)
    if entry is not None and entry.get("sha256") == _digest(yaml_text):
        return entry["meta"]
    import yaml

    return yaml.safe_load(yaml_text)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compile_index() -> dict:
    """The index of every rule document's front matter, parsed from its YAML."""
    import yaml

    index = {}
    for entry in _rule_documents():
        m = re.match(r"^---\n(.*?)\n---\n", entry.read_text(encoding="utf-8"), re.S)
        if m:
            index[entry.name] = {"sha256": _digest(m.group(1)), "meta": yaml.safe_load(m.group(1))}
    return index


def _sections(body: str) -> dict:
    out = {}
    for m in re.finditer(r"^## (.+?)\n(.*?)(?=^## |\Z)", body, re.S | re.M):
        out[m.group(1).strip()] = m.group(2).strip()
    return out


def _plain(markdown: str) -> str:
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"\*\*?([^*]+)\*\*?", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", text)
    return re.sub(r"[ \t]+\n", "\n", text).strip()


def plain_text(markdown: str) -> str:
    return _plain(markdown)


def resolve_rule(name: str) -> Optional[str]:
    """A rule id from an id or a slug (case-insensitive); None when there is no such rule."""
    wanted = name.strip().lower()
    for doc in load_catalog().values():
        if wanted in (doc.id.lower(), doc.slug.lower()):
            return doc.id
    return None


if __name__ == "__main__":  # python -m exvlint.catalog: rewrite the front-matter index
    target = Path(__file__).with_name(INDEX_FILE)
    target.write_text(json.dumps(compile_index(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {target}")
