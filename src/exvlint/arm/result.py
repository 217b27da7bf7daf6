"""What an evaluated ARM deployment looks like to the adapter (and to nothing else of the evaluator).

Evaluated JSON keeps where it was written: objects and arrays written in a template are
:class:`EvDict` / :class:`EvList`, which remember the location of each member and the origins
of the expressions that produced it (parameter defaults, parameters-file values, variables,
copy loops). Scalars written in a template are located scalars (they remember their place as they
travel through parameters and variables). A :class:`View` reads any property path of a resource
with case-insensitive keys, as ARM compares them, and returns its value, the place to point a
finding at and where the value came from.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..findings import Location, Related
from ..evaluation import Unknown

__all__ = ["EvDict", "EvList", "View", "ArmResource", "ArmResult", "UnknownBlock", "find_key", "MISSING"]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()


class EvDict(dict):
    """A JSON object written in a template (or parameters file), evaluated."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.loc: Optional[Location] = None
        self.member_loc: dict = {}  # key -> Location of the key
        self.member_origins: dict = {}  # key -> tuple[Related]: where an expression's inputs came from
        self.computed: set = set()  # keys whose value an expression computed


class EvList(list):
    """A JSON array written in a template, evaluated (property copy loops give one too)."""

    def __init__(self, *args: Any):
        super().__init__(*args)
        self.loc: Optional[Location] = None
        self.item_loc: list = []  # Location of each element
        self.item_origins: list = []  # tuple[Related] per element
        self.computed: set = set()
        self.origins: tuple = ()  # what decided the number of elements (a property copy loop)


def find_key(obj: dict, key: str) -> Optional[str]:
    """The key of ``obj`` that equals ``key`` ignoring case (ARM property names), or None."""
    if key in obj:
        return key
    lower = key.lower()
    for k in obj:
        if isinstance(k, str) and k.lower() == lower:
            return k
    return None


@dataclass(frozen=True)
class View:
    """A place in an evaluated resource: its value, where a finding about it points, and why.

    ``location`` is the deepest place written in the resource itself (or the object that omits
    the property); once a path goes through a value that an expression computed (a variable, a
    parameter), the location stays at that expression and ``written`` follows the value to where
    it is written.
    """

    value: Any
    location: Location
    origins: tuple = ()
    present: bool = True
    inside: bool = False  # inside a value that an expression computed
    written: Optional[Location] = None  # where the value itself is written, when not at location

    @property
    def known(self) -> bool:
        return self.present and not isinstance(self.value, Unknown)

    def get(self, key: str) -> "View":
        """The member ``key`` (case-insensitive); absent members are ``present=False`` at this object."""
        value = self.value
        if isinstance(value, Unknown):
            return View(value, self.location, self.origins, True, self.inside, self.written)
        k = find_key(value, key) if isinstance(value, dict) else None
        if k is None:
            return View(MISSING, self.location, self.origins, False, self.inside, self.written)
        if isinstance(value, EvDict):
            view = self._step(value[k], value.member_loc.get(k), value.member_origins.get(k, ()), k in value.computed)
        else:
            view = View(value[k], self.location, self.origins, True, self.inside, self.written)
        if isinstance(view.value, EvList) and view.value.origins:
            view = View(view.value, view.location, view.origins + tuple(view.value.origins), True, view.inside,
                        view.written)
        return view

    def _step(self, child: Any, where: Optional[Location], origins: tuple, computed: bool,
              base: Optional[tuple] = None) -> "View":
        """The view of a member written at ``where``: inside a computed value only ``written`` moves."""
        origins = (self.origins if base is None else base) + tuple(origins)
        location, inside, written = self.location, self.inside, self.written
        if where is not None:
            if inside:
                written = where
            else:
                location, inside = where, computed
        return View(child, location, origins, True, inside, written)

    def path(self, dotted: str) -> "View":
        """``a.b.c`` (case-insensitive keys)."""
        view = self
        for part in dotted.split("."):
            view = view.get(part)
        return view

    def elements(self) -> list:
        """The elements of an array value as views; [] for anything else."""
        value = self.value
        if not isinstance(value, list):
            return []
        if not isinstance(value, EvList):
            return [View(item, self.location, self.origins, True, self.inside, self.written) for item in value]
        own = set(value.origins)
        base = tuple(o for o in self.origins if o not in own)  # the count is not where an element comes from
        return [self._step(item, value.item_loc[i] if i < len(value.item_loc) else None,
                           value.item_origins[i] if i < len(value.item_origins) else (), i in value.computed, base)
                for i, item in enumerate(value)]

    def all_origins(self) -> tuple:
        """Origins plus where the value is written, when that is not the finding's own line."""
        extra = []
        origin = getattr(self.value, "origin", None)  # a located scalar: where it is written
        for place in (self.written, origin):
            if place is not None and (place.path, place.line) != (self.location.path, self.location.line):
                extra.append(Related(place, "value written here"))
        seen = set()
        out = []
        for r in tuple(self.origins) + tuple(extra):
            key = (r.location.path, r.location.line)
            if key not in seen and key != (self.location.path, self.location.line):
                seen.add(key)
                out.append(r)
        return tuple(out)


@dataclass
class ArmResource:
    """One deployed resource instance (after copy loops and conditions)."""

    type: str  # full type, e.g. Microsoft.Compute/virtualMachines/extensions
    name: Any  # full evaluated name ("vm1/ext"), or Unknown
    symbolic: str  # languageVersion 2.0 symbolic name ("" in array form)
    api_version: Any
    address: str  # stable logical address, prefixed by the nested deployments it lives in
    resource_id: Any  # the id it would have (placeholder subscription / resource group), or Unknown
    location: Location  # the resource object
    body: EvDict  # the evaluated resource object
    origins: tuple = ()  # tuple[Related]: copy loop and condition that decided it exists
    call_sites: tuple = ()  # tuple[Location]: nested deployments that create it, outermost first
    deployment: str = ""  # address of the nested deployment it lives in ("" for the template itself)
    depends_on: tuple = ()  # addresses of the resources it depends on (dependsOn, resolved)
    copy_index: Optional[int] = None
    # a condition (its own, a parent's or its deployment's) that is not known: it may not be deployed
    assumed: Optional[Location] = None

    def view(self) -> View:
        return View(self.body, self.location)

    def get(self, dotted: str) -> View:
        return self.view().path(dotted)

    @property
    def type_lower(self) -> str:
        return self.type.lower()

    @property
    def name_text(self) -> str:
        return self.name if isinstance(self.name, str) else ""

    @property
    def short_name(self) -> str:
        """The last segment of the name (``vm1/ext`` -> ``ext``)."""
        return self.name_text.rsplit("/", 1)[-1]


@dataclass
class UnknownBlock:
    """A resource declaration whose instances are not known (unknown or too large copy count)."""

    type: str
    location: Location
    reason: str
    origins: tuple = ()
    deployment: str = ""


@dataclass
class ArmResult:
    """An evaluated deployment: a template with its parameters, nested and linked templates."""

    template: str  # the template file
    parameters: Optional[str] = None  # the parameters file, when there is one
    resources: list = field(default_factory=list)  # list[ArmResource], deployed ones only
    unknown_blocks: list = field(default_factory=list)  # list[UnknownBlock]
    diagnostics: list = field(default_factory=list)  # Diagnostic (EXV000 / EXV001)
    files: list = field(default_factory=list)  # every template / parameters file read
    linked: set = field(default_factory=set)  # real paths of templates evaluated through a templateLink

    def by_id(self) -> dict:
        """Resource id (lower case) -> resource."""
        return {r.resource_id.lower(): r for r in self.resources if isinstance(r.resource_id, str)}

    def by_address(self) -> dict:
        return {r.address: r for r in self.resources}
