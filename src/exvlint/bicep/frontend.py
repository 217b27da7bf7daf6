"""The Bicep front end: ``.bicep`` sources (callers first) and ``.bicepparam`` files.

``load`` lowers a unit into the positioned ARM template the Bicep compiler would emit
(:func:`exvlint.bicep.lower.lower`) or reads a parameters file (:func:`~exvlint.bicep.lower.parse_bicepparam`).
Until the ARM evaluator and its adapter are merged the front end has no adapters: Bicep files are
claimed (a commit that touches one passes the pre-commit hook) and broken ones are reported
(EXV000 with line and column), but their resources are not linted yet.
"""
from __future__ import annotations

from ..discover import Scan, Unit
from .lower import lower, parse_bicepparam
from .units import bicep_roots

SUFFIXES = (".bicep", ".bicepparam")


class BicepFrontEnd:
    name = "bicep"
    suffixes = SUFFIXES
    adapters = ()  # TEMPORARY (issue 9): the ARM evaluator and adapter will take the lowered template

    def units(self, scan: Scan) -> list:
        sources = scan.unclaimed(lambda p: p.endswith(".bicep"))
        params = scan.unclaimed(lambda p: p.endswith(".bicepparam"))
        scan.claimed.update(sources + params)
        roots = bicep_roots(sources, lambda p: (scan.text(p), None))
        return ([Unit(self, p, ("bicep", p), {p}) for p in roots]
                + [Unit(self, p, ("bicepparam", p), {p}) for p in params])

    def load(self, unit: Unit, scan: Scan, config) -> tuple:
        kind, path = unit.data
        read = parse_bicepparam if kind == "bicepparam" else lower
        result, diagnostics = read(path, scan.cache.boundary)
        # notes about unresolved values matter once the resources are linted; input errors matter now
        return result, [d for d in diagnostics if d.rule_id == "EXV000"]
