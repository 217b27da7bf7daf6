"""What an ARM expression sees: its template, copy loops, lambda variables, and the deployment.

:class:`Ctx` answers what the functions of :mod:`exvlint.arm.functions` ask (parameters,
variables, ``copyIndex()``, ``reference()``...). ``subscription()``, ``resourceGroup()``,
``deployment()``, ``tenant()`` and ``managementGroup()`` return fixed placeholder objects (a
resource group named ``resourceGroup`` in ``resourceGroupLocation``, subscription
``00000000-0000-0000-0000-000000000000``, a deployment named ``deployment`` ...) so that names and
ids built from them match each other.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

from ..evaluation import EvalError, Ref, Unknown
from ..findings import Diagnostic

if TYPE_CHECKING:
    from .template import Frame

SUBSCRIPTION_ID = "00000000-0000-0000-0000-000000000000"
TENANT_ID = "00000000-0000-0000-0000-000000000000"
RESOURCE_GROUP = "resourceGroup"
RESOURCE_GROUP_LOCATION = "resourceGroupLocation"
DEPLOYMENT_NAME = "deployment"
DEPLOYMENT_LOCATION = "deploymentLocation"
MANAGEMENT_GROUP = "managementGroup"
ARTIFACTS_BASE = "https://artifacts.exvlint.invalid/"  # deployment().properties.templateLink.uri of the scanned folder


@dataclass
class ArmDiagnostic(Diagnostic):
    rtype: str = ""  # the resource type a note is about ("" when it is about no one resource)


class PartialObject(dict):
    """An object known only in part (a nested deployment's reference()): other members are unknown."""

    def __init__(self, data: dict, reason: str, refs: frozenset):
        super().__init__(data)
        self.reason = reason
        self.refs = refs


class Ctx:
    """What an expression sees: its template, the copy loops and lambda variables around it, and
    the trace that collects where its inputs came from."""

    __slots__ = ("frame", "copies", "lambdas", "trace", "fn_params", "depth")

    def __init__(self, frame: "Frame", copies: Optional[dict] = None, lambdas: Optional[dict] = None,
                 trace: Optional[list] = None, fn_params: Optional[dict] = None, depth: int = 0):
        self.frame = frame
        self.copies = copies or {}
        self.lambdas = lambdas or {}
        self.trace = trace if trace is not None else []
        self.fn_params = fn_params
        self.depth = depth

    def with_trace(self, trace: list) -> "Ctx":
        return Ctx(self.frame, self.copies, self.lambdas, trace, self.fn_params, self.depth)

    def with_copy(self, loop: Optional[str], index: int, resource_loop: bool = False) -> "Ctx":
        copies = dict(self.copies)
        if loop:
            copies[loop.lower()] = index
        if resource_loop:
            copies[""] = index
        return Ctx(self.frame, copies, self.lambdas, self.trace, self.fn_params, self.depth)

    # -- what functions ask (see exvlint.arm.functions)
    def parameter(self, name: str) -> Any:
        if self.fn_params is not None:  # inside a user-defined function: its own parameters only
            key = name.lower()
            if key not in self.fn_params:
                raise EvalError(f"the function has no parameter {name!r}")
            return self.fn_params[key]
        return self.frame.scope_frame.parameter(name, self.trace)

    def variable(self, name: str) -> Any:
        return self.frame.scope_frame.variable(name, self.trace)

    def copy_index(self, loop: Optional[str]) -> int:
        key = (loop or "").lower()
        if key not in self.copies:
            raise EvalError(f"copyIndex({loop!r})" if loop else "copyIndex() is used outside a copy loop")
        return self.copies[key]

    def scope_level(self) -> str:
        return self.frame.level

    def subscription_id(self) -> str:
        return self.frame.subscription_id

    def resource_group_name(self) -> str:
        return self.frame.resource_group

    def management_group_name(self) -> str:
        return MANAGEMENT_GROUP

    def resource_group(self) -> dict:
        f = self.frame
        return {"id": f"/subscriptions/{f.subscription_id}/resourceGroups/{f.resource_group}",
                "name": f.resource_group, "type": "Microsoft.Resources/resourceGroups",
                "location": RESOURCE_GROUP_LOCATION, "tags": {},
                "properties": {"provisioningState": "Succeeded"}}

    def subscription(self) -> dict:
        sub = self.frame.subscription_id
        return {"id": f"/subscriptions/{sub}", "subscriptionId": sub, "tenantId": TENANT_ID,
                "displayName": "subscription"}

    def tenant(self) -> dict:
        return {"id": f"/tenants/{TENANT_ID}", "tenantId": TENANT_ID, "countryCode": "US", "displayName": "tenant"}

    def management_group(self) -> dict:
        return {"id": f"/providers/Microsoft.Management/managementGroups/{MANAGEMENT_GROUP}",
                "name": MANAGEMENT_GROUP, "type": "Microsoft.Management/managementGroups",
                "properties": {"displayName": MANAGEMENT_GROUP, "tenantId": TENANT_ID}}

    def deployment(self) -> dict:
        f = self.frame
        return {"name": f.deployment_name, "location": DEPLOYMENT_LOCATION,
                "properties": {"templateLink": {"uri": f.template_uri, "contentVersion": "1.0.0.0"},
                               "template": {"contentVersion": "1.0.0.0"}, "parameters": {},
                               "mode": "Incremental", "provisioningState": "Accepted"}}

    def reference(self, target: Any, full: Any) -> Any:
        return self.frame.reference(target, full, self)

    def resource_info(self, symbolic: str) -> Any:
        inst = self.frame.find_symbolic(symbolic)
        if inst is None:
            raise EvalError(f"no resource with symbolic name {symbolic!r}")
        return {"id": inst.resource_id, "name": inst.name, "type": inst.type, "apiVersion": inst.api_version}

    def list_value(self, target: Any) -> Any:
        if isinstance(target, Unknown):
            return target
        inst = self.frame.find_target(target)
        address = inst.address if inst is not None else str(target)
        return Unknown(f"list*() of {address} is known only in Azure", frozenset({Ref(address, "")}))
