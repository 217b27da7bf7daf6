"""The Terraform front ends: source modules (evaluated) and plans (read), both producing a
:class:`~exvlint.terraform.results.TerraformResult` for the Terraform adapters."""
from __future__ import annotations

import os
import re
from typing import Optional

from ..adapters import TERRAFORM_ADAPTERS
from ..discover import Scan, Unit, callers_first
from .evaluate import Evaluator
from .hcl import Template
from .loader import parse_file, release, tf_files
from .plan import PlanReader, parse_plan
from .suppressions import directives as hcl_directives

SOURCE_SUFFIXES = (".tf", ".tf.json", ".tfvars", ".tfvars.json")


class TerraformFrontEnd:
    """Root modules with their children. A directory that another scanned directory calls as a local
    module is evaluated through that caller (with its arguments), not again on its own; a module
    library that no scanned file calls is evaluated on its own with its defaults."""

    name = "terraform"
    suffixes = SOURCE_SUFFIXES
    adapters = TERRAFORM_ADAPTERS
    parallel = True  # load() needs only the scan's file cache: a worker process can load a unit (runner.py)

    def units(self, scan: Scan) -> list:
        dirs: list = []
        for path in scan.unclaimed(lambda p: p.endswith(SOURCE_SUFFIXES)):
            directory = os.path.dirname(path) or "."
            # a variables file named on the command line stands for its module: Terraform references
            # cross files, so the whole directory is read
            if (path.endswith((".tf", ".tf.json")) or path in scan.named) and directory not in dirs:
                dirs.append(directory)
        dirs = [d for d in dirs if d not in scan.claimed]  # a plan beside them stands for them
        scan.claimed.update(scan.unclaimed(lambda p: p.endswith(SOURCE_SUFFIXES) and os.path.dirname(p) in dirs))
        # a directory reachable from no root (a module cycle) is evaluated on its own; the evaluator
        # then reports the cycle
        return [Unit(self, d, d) for d in callers_first(dirs, _called_dirs(dirs, scan.cache))]

    def containing_units(self, path: str) -> Optional[list]:
        """For a changed file: the root modules of its repository that call its module (see callers.py)."""
        from .callers import containing_units

        return containing_units(path)

    def load(self, unit: Unit, scan: Scan, config) -> tuple:
        # the ASTs this unit reads are dropped once it is evaluated (another unit reading one parses it again)
        scan.cache.touched = touched = set()
        try:
            result = Evaluator(unit.data, scan.cache, tuple(config.cli_inputs)).run()
        finally:
            scan.cache.touched = None
            release(scan.cache, touched)
        return result, [d for d in result.diagnostics if relevant(d)]

    # the exvlint:ignore comments of the HCL files the run parsed (modules and .tfvars included)
    file_directives = staticmethod(hcl_directives)


class PlanFrontEnd:
    """Plan JSON (``terraform show -json``), recognised by its content whatever the file is called.
    A plan stands for the configuration beside it, so that directory is not evaluated again."""

    name = "terraform-plan"
    suffixes = (".json",)
    adapters = TERRAFORM_ADAPTERS

    def units(self, scan: Scan) -> list:
        units = []
        for path in scan.unclaimed(lambda p: p.endswith(".json") and not p.endswith(SOURCE_SUFFIXES)):
            text = scan.text(path)
            if text is None:
                scan.claimed.add(path)  # unreadable: reported once, by the scan
                continue
            doc, diag = parse_plan(path, text)
            if diag is not None:
                scan.diagnostics.append(diag)
                scan.claimed.add(path)
            elif doc is not None:
                scan.claimed.update({path, os.path.dirname(path) or "."})
                scan.cache[path] = (None, None)  # listed among the files read
                units.append(Unit(self, path, doc, {path}))
        return units

    def load(self, unit: Unit, scan: Scan, config) -> tuple:
        result = PlanReader(unit.name, unit.data, scan.cache).run()
        return result, [d for d in result.diagnostics if relevant(d)]

    # a plan's findings point into the .tf files beside it, whose comments hold the directives
    file_directives = staticmethod(hcl_directives)


def relevant(diagnostic) -> bool:
    """An evaluator note (EXV001) matters when it hides a module or a resource an adapter reads."""
    if diagnostic.rule_id != "EXV001":
        return True
    rest = _MODULE_PREFIX.sub("", diagnostic.address or "")
    if not rest:  # the address of a module call: its resources may be anything
        return True
    rtype = rest[len("data."):] if rest.startswith("data.") else rest
    return any(adapter.reads_type(rtype.split(".")[0]) for adapter in TERRAFORM_ADAPTERS)


# the quoted key as an unrolled loop ([^"\\]* takes whole runs): a for_each key can be megabytes long
_MODULE_PREFIX = re.compile(r'^(?:module\.[A-Za-z0-9_-]+(?:\[(?:"[^"\\]*(?:\\.[^"\\]*)*"|\d+)\])?(?:\.|$))+')


def _called_dirs(dirs: list, cache: dict) -> dict:
    """Scanned directories that another scanned directory calls as a local module -> callers."""
    scanned = set(dirs)
    called: dict = {}
    for d in dirs:
        for path in tf_files(d):
            parsed, _ = parse_file(path, cache)
            if parsed is None:
                continue
            for block in parsed.body.blocks:
                if block.type != "module":
                    continue
                source = block.body.attributes.get("source")
                text = _literal_string(source.expr) if source is not None else None
                if text and text.startswith(("./", "../")):
                    target = os.path.normpath(os.path.join(d, text))
                    if target in scanned and target != d:
                        called.setdefault(target, set()).add(d)
    return called


def _literal_string(expr) -> Optional[str]:
    if isinstance(expr, Template) and len(expr.parts) == 1 and isinstance(expr.parts[0], str):
        return expr.parts[0]
    return None
