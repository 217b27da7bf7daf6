"""Which input formats exvlint reads: the front-end registry.

A front end has a ``name``, the file ``suffixes`` it reads, ``units(scan)`` (claim files from the
shared walk and turn them into units), ``load(unit, scan, config)`` (-> the evaluated result and its
diagnostics, never raising for bad input) and the ``adapters`` that map that result into the neutral
model; optionally ``containing_units(path)`` (the files to lint when ``path`` changed, for
pre-commit) and the ``exvlint:ignore`` directives it reads, as :class:`exvlint.suppress.Directive`
records, either per unit, ``directives(loaded, scan)`` (the files a loaded unit read: ARM, Bicep),
or per file, ``file_directives(paths, cache)`` (every file of the run's parse cache that it reads:
Terraform source and plans, whose HCL files several units may share). Order matters: a front end
claims files before the ones after it see them (a plan claims the configuration beside it before
the Terraform source front end looks).

A front end's module is imported only when a run meets a file with one of its suffixes: start-up
time matters for a pre-commit hook. Adding an input format is a folder with its front end, an adapter
and a line here (the README's Development section says how).
"""
from __future__ import annotations

import importlib

# (suffixes, module, class), in claiming order; Bicep before ARM: it claims the JSON compiled from the sources it
# lints (one deployment, reported once)
REGISTRY = (
    ((".json",), "exvlint.terraform.frontend", "PlanFrontEnd"),
    ((".bicep", ".bicepparam"), "exvlint.bicep.frontend", "BicepFrontEnd"),
    ((".json",), "exvlint.arm.frontend", "ArmFrontEnd"),
    ((".tf", ".tf.json", ".tfvars", ".tfvars.json"), "exvlint.terraform.frontend", "TerraformFrontEnd"),
)

SUFFIXES = tuple(s for suffixes, _, _ in REGISTRY for s in suffixes)

_INSTANCES: dict = {}


def frontends_for(paths) -> list:
    """The front ends (in claiming order) that read at least one of ``paths``."""
    names = [p.lower() for p in paths]
    out = []
    for suffixes, module, cls in REGISTRY:
        if any(n.endswith(suffixes) for n in names):
            key = (module, cls)
            if key not in _INSTANCES:
                _INSTANCES[key] = getattr(importlib.import_module(module), cls)()
            out.append(_INSTANCES[key])
    return out
