"""What Terraform evaluation yields, and all that adapters read of it.

The evaluator (``evaluate.py``) and the plan reader (``plan.py``) both produce a
:class:`TerraformResult`; of the Terraform front end, the adapters import only this module (and
the value conversions of ``values.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from ..findings import Location


@dataclass(slots=True)
class EvalAttr:
    name: str
    value: Any
    location: Location
    origins: tuple = ()  # tuple[Related]


@dataclass
class EvalBlock:
    type: str
    labels: list
    location: Location
    attrs: dict = field(default_factory=dict)  # name -> EvalAttr
    blocks: list = field(default_factory=list)  # list[EvalBlock]
    unknown_blocks: set = field(default_factory=set)  # block types whose count is unknown (dynamic)
    synthetic: bool = False  # read from a .tf.json object that is also an attribute

    def blocks_of(self, block_type: str) -> list:
        return [b for b in self.blocks if b.type == block_type]


@dataclass
class ResourceInstance:
    address: str
    mode: str  # managed | data
    type: str
    name: str
    key: Any  # None, int (count) or str (for_each)
    module_path: str  # "" for the root module
    body: EvalBlock
    location: Location  # resource header
    call_sites: tuple  # tuple[Location]: module calls from the root down
    provider: str  # the provider configuration it uses, resolved through module calls: "hyperv.hv02"
    origins: tuple = ()  # tuple[Related]: where count / for_each (so this instance's existence) came from
    provider_module: str = ""  # module address of that configuration ("" = the root module)
    provider_reason: str = ""  # why the configuration could not be resolved, when it could not


@dataclass
class ResourceBlock:
    """One resource block as expanded in one module instance, including blocks with no instance."""

    address: str  # without instance key
    mode: str
    type: str
    module_path: str
    location: Location
    instances: Optional[int]  # None when count / for_each is unknown
    origins: tuple  # tuple[Related]: the count / for_each attribute and where its value came from
    reason: str = ""  # why the instances are unknown


@dataclass
class ProviderConfig:
    name: str  # e.g. "hyperv" or "hyperv.hv02"
    module_path: str
    body: EvalBlock


@dataclass
class TerraformResult:
    """One evaluated Terraform configuration (a root module with its modules, or a plan)."""

    instances: list = field(default_factory=list)  # list[ResourceInstance]
    resource_blocks: list = field(default_factory=list)  # list[ResourceBlock], including blocks with no instance
    providers: list = field(default_factory=list)  # list[ProviderConfig]
    diagnostics: list = field(default_factory=list)  # list[Diagnostic]
    # provider settings that come from the environment (HYPERV_HOST...); empty for a plan
    environ: dict = field(default_factory=dict)
