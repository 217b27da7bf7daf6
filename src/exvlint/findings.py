"""What every stage after *check* reads: findings with their locations."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Optional

LEVEL_RANK = {"none": 0, "note": 1, "warning": 2, "error": 3}


@dataclass(frozen=True, order=True)
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


@dataclass(frozen=True)
class Related:
    """A second place that explains a finding, e.g. where a value came from."""

    location: Location
    message: str


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not reported: an inline directive (``inSource``) or the baseline (``external``)."""

    kind: str  # inSource | external (SARIF's suppression kinds)
    reason: str
    location: Optional[Location] = None  # the directive, or the baseline file


@dataclass
class Finding:
    rule_id: str
    level: str  # error | warning | note
    message: str
    location: Location
    address: str = ""  # resource address (logical location), "" for file-level findings
    related: tuple = ()  # tuple[Related, ...]
    scope_reason: str = ""  # why the VM is in Exchange scope
    key: str = ""  # stable identity inside (rule, address): disk name, attribute, ...
    suppression: Optional[Suppression] = None  # set when a suppression or the baseline applies
    unit: str = ""  # the deployment (root module, plan) it was found in
    fingerprint: str = ""  # set by the engine: see make_fingerprint
    extra: dict = field(default_factory=dict)
    vm: str = ""  # address of the Exchange VM the finding concerns, "" when none
    # other places whose suppression covers this finding: the resource's own block and the module
    # calls (or nested deployments) that create it
    anchors: tuple = ()  # tuple[Location]

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def make_fingerprint(self, rel_path: str, rel_unit: str) -> str:
        """Stable across line moves, file moves and machines: rule, deployment, resource address and
        what is flagged; the repository-relative file only for findings without an address (a
        resource address is unique in its deployment, and a resource moved to another file is the
        same finding); never a line number."""
        what = self.key or ("" if self.address else self.message)
        basis = "\x1f".join((self.rule_id, "" if self.address else rel_path, rel_unit, self.address, what))
        return hashlib.sha256(basis.encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.rule_id, self.address, self.key, self.message)
