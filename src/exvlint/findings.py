"""What every stage after *check* reads: findings with their locations."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

LEVEL_RANK = {"none": 0, "note": 1, "warning": 2, "error": 3}


@dataclass(frozen=True, order=True, slots=True)  # slots: a large tree has hundreds of thousands
class Location:
    """A place in a source file. ``path`` is as the user gave it (relative or absolute)."""

    path: str
    line: int = 0  # 1-based; 0 when the whole file is meant
    col: int = 0  # 1-based; 0 when unknown
    end_line: int = 0
    end_col: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.col or 1}"
        return self.path


@dataclass(frozen=True, slots=True)
class Related:
    """A second place that explains a finding, e.g. where a value came from."""

    location: Location
    message: str


@dataclass(slots=True)
class Finding:
    rule_id: str
    level: str  # error | warning | note
    message: str
    location: Location
    address: str = ""  # resource address (logical location), "" for file-level findings
    related: tuple = ()  # tuple[Related, ...]
    scope_reason: str = ""  # why the VM is in Exchange scope
    key: str = ""  # stable identity inside (rule, address): disk name, attribute, ...
    suppressed: Optional[str] = None  # reason when a suppression applies
    unit: str = ""  # the deployment (root module, plan) it was found in
    fingerprint: str = ""  # set by the engine: see make_fingerprint
    extra: dict = field(default_factory=dict)

    def make_fingerprint(self, rel_path: str, rel_unit: str) -> str:
        """Stable across line moves and machines: rule, repository-relative file, deployment,
        resource address and what is flagged; never a line number."""
        what = self.key or ("" if self.address else self.message)
        basis = "\x1f".join((self.rule_id, rel_path, rel_unit, self.address, what))
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.rule_id, self.address, self.key, self.message)
