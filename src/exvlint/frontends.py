"""Which input formats exvlint reads: the front-end registry.

A front end has a ``name``, the file ``suffixes`` it reads, ``units(scan)`` (claim files from the
shared walk and turn them into units), ``load(unit, scan, config)`` (-> the evaluated result and its
diagnostics, never raising for bad input) and the ``adapters`` that map that result into the neutral
model. Order matters: a front end claims files before the ones after it see them (a plan claims
the configuration beside it before the Terraform source front end looks).
"""
from __future__ import annotations

from .arm.frontend import ArmFrontEnd
from .bicep.frontend import BicepFrontEnd
from .terraform.frontend import PlanFrontEnd, TerraformFrontEnd

# Bicep before ARM: it claims the JSON compiled from the sources it lints (one deployment, reported once)
FRONTENDS = (PlanFrontEnd(), BicepFrontEnd(), ArmFrontEnd(), TerraformFrontEnd())
