"""What every stage after *check* reads: findings with their locations."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Optional

LEVEL_RANK = {"none": 0, "note": 1, "warning": 2, "error": 3}

MAX_SHOWN = 80  # characters of one value quoted in a message
MAX_MESSAGE = 1000  # characters of a whole message
MAX_ADDRESS = 300  # characters of a resource address: a for_each key may be a whole file

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def brief(value: Any, limit: int = MAX_SHOWN) -> str:
    """A value as a message shows it: one line, at most ``limit`` characters. Reports are
    published, and a value may come from a file: never quote much of it."""
    return _shortened(str(value), limit)


def _one_line(message: str) -> str:
    return encodable(_shortened(message, MAX_MESSAGE))


def _shortened(text: str, limit: int) -> str:
    if len(text) <= limit and text.isprintable():  # most messages: no control character to replace
        return text
    # only the head is looked at: a value may be megabytes long, and is shown a few hundred characters long
    head = text[: 2 * limit]
    shown = _CONTROL.sub(" ", head)
    if len(shown) <= limit and len(head) == len(text):
        return shown
    return shown[: limit - 1] + "…"


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def encodable(text: str) -> str:
    """``text`` with every lone surrogate as U+FFFD. They come from JSON and YAML escapes
    (``"\\ud800"``) and from file names that are not UTF-8; no report could be written with them."""
    if text.isascii():
        return text
    return _SURROGATE.sub("\ufffd", text) if _SURROGATE.search(text) else text


def internal_error_message(what: str, exc: BaseException) -> str:
    """The message of an EXV002: what failed, the exception and the line that raised it."""
    import os
    import traceback

    frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    name = os.path.basename(frame.filename) if frame else ""
    if name == "__init__.py":  # which package's
        name = f"{os.path.basename(os.path.dirname(frame.filename))}/{name}"
    where = f" at {name}:{frame.lineno}" if frame else ""
    return f"internal error in {what}: {type(exc).__name__}: {exc}{where}; please report this"


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

    def __reduce__(self):  # pickled by its fields (worker processes): the frozen-slots default is 3x slower
        return (Location, (self.path, self.line, self.col, self.end_line, self.end_col))


@dataclass(frozen=True, slots=True)
class Related:
    """A second place that explains a finding, e.g. where a value came from."""

    location: Location
    message: str

    def __reduce__(self):  # see Location.__reduce__
        return (Related, (self.location, self.message))


@dataclass(frozen=True)
class Suppression:
    """Why a finding is not reported: an inline directive (``inSource``) or the baseline (``external``)."""

    kind: str  # inSource | external (SARIF's suppression kinds)
    reason: str
    location: Optional[Location] = None  # the directive, or the baseline file


@dataclass
class Diagnostic:
    """What a front end reports while reading: an input error (EXV000) or, for --strict, a value it
    could not resolve (EXV001). The engine turns diagnostics into findings."""

    rule_id: str
    location: Location
    message: str
    address: str = ""


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
    suppression: Optional[Suppression] = None  # set when a suppression or the baseline applies
    unit: str = ""  # the deployment (root module, plan) it was found in
    fingerprint: str = ""  # set by the engine: see make_fingerprint
    vm: str = ""  # address of the Exchange VM the finding concerns, "" when none
    # other places whose suppression covers this finding: the resource's own block and the module
    # calls (or nested deployments) that create it
    anchors: tuple = ()  # tuple[Location]

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def __post_init__(self) -> None:
        self.message = _one_line(self.message)
        self.address, self.key = encodable(brief(self.address, MAX_ADDRESS)), encodable(self.key)
        self.location = _shown_location(self.location)
        if any(_UNSHOWN.search(r.location.path) or _one_line(r.message) != r.message for r in self.related):
            self.related = tuple(Related(_shown_location(r.location), _one_line(r.message)) for r in self.related)

    def make_fingerprint(self, rel_path: str, rel_unit: str) -> str:
        """Stable across line moves, file moves and machines: rule, deployment, resource address and
        what is flagged; the repository-relative file only for findings without an address (a
        resource address is unique in its deployment, and a resource moved to another file is the
        same finding); never a line number."""
        what = self.key or ("" if self.address else self.message)
        basis = "\x1f".join((self.rule_id, "" if self.address else rel_path, rel_unit, self.address, what))
        return hashlib.sha256(encodable(basis).encode("utf-8")).hexdigest()[:32]

    def sort_key(self) -> tuple:
        loc = self.location
        return (loc.path, loc.line, loc.col, self.rule_id, self.address, self.key, self.message)


# what a file name may hold but a report line must not: a line break in a name would start a line of
# its own in the report (where a CI runner reads "::command::" lines), and surrogates cannot be written
_UNSHOWN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _shown_location(loc: Location) -> Location:
    if not _UNSHOWN.search(loc.path):
        return loc
    return Location(_UNSHOWN.sub("\ufffd", loc.path), loc.line, loc.col, loc.end_line, loc.end_col)
