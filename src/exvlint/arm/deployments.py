"""Nested and linked deployments: the templates a ``Microsoft.Resources/deployments`` resource deploys.

Part of the evaluation of one template (:class:`exvlint.arm.template.Frame` inherits
:class:`NestedDeployments`). An inline template is evaluated in its own scope (``inner``, with the
parameters the deployment passes) or in its caller's (``outer``); a linked template is read when
its ``relativePath`` or ``uri`` names a file inside the scanned folder, with its ``parameters`` and
``parametersLink``. Deployments nest at most :data:`MAX_DEPLOYMENT_DEPTH` deep, and a cycle of
linked templates is an input error.
"""
from __future__ import annotations

import os
from typing import Optional

from ..evaluation import Unknown
from ..findings import Related
from .context import DEPLOYMENT_NAME, RESOURCE_GROUP
from .documents import _ci, _Input, is_template, parameter_inputs, read_json
from .resources import DEPLOYMENTS_TYPE, _Inst
from .result import EvDict, View, find_key

MAX_DEPLOYMENT_DEPTH = 16  # nested and linked deployments inside each other


class NestedDeployments:
    """Nested and linked deployments of a template (a part of :class:`exvlint.arm.template.Frame`)."""

    # -- nested and linked deployments
    def _nested(self, inst: _Inst, body: EvDict) -> None:
        view = View(body, inst.location)
        props = view.get("properties")
        raw_props = _ci(inst.node, "properties")
        name = inst.name if isinstance(inst.name, str) else inst.address
        if self.depth + 1 > MAX_DEPLOYMENT_DEPTH:
            self.ev.diag("EXV001", inst.location, f"nested deployment {inst.address} is more than "
                         f"{MAX_DEPLOYMENT_DEPTH} deployments deep; not evaluated", inst.address, DEPLOYMENTS_TYPE)
            return
        scope = props.get("expressionEvaluationOptions").get("scope").value
        inner = isinstance(scope, str) and scope.lower() == "inner"
        template = _ci(raw_props, "template")
        link = props.get("templateLink")
        kwargs = self._child_scope(view, inst)
        if isinstance(template, dict):
            path = getattr(template, "path", "") or inst.path
            if inner:
                inputs = self._deployment_inputs(props, name)
                child = type(self)(self.ev, template, path, inputs=inputs, **kwargs)
            else:
                child = type(self)(self.ev, template, path, outer=self, **kwargs)
        elif link.present and isinstance(link.value, dict):
            target = self._linked_file(link, inst)
            if target is None:
                return
            doc, diag = read_json(target, self.ev.boundary)
            if diag is not None:
                self.ev.result.diagnostics.append(diag)
                return
            self.ev.read(target)
            if not is_template(doc) and not (isinstance(doc, dict) and find_key(doc, "resources") is not None):
                self.ev.diag("EXV000", link.location, f"linked template {os.path.basename(target)} is not a "
                             "deployment template", inst.address)
                return
            self.ev.result.linked.add(os.path.realpath(target))
            inputs = self._deployment_inputs(props, name)
            inputs.update(self._parameters_link(props, inst))
            kwargs["stack"] = self.stack + (os.path.realpath(target),)
            child = type(self)(self.ev, doc, target, inputs=inputs, **kwargs)
        else:
            self.ev.diag("EXV001", inst.location, f"nested deployment {inst.address} has no template or "
                         "templateLink that exvlint can read", inst.address, DEPLOYMENTS_TYPE)
            return
        inst.child = child
        child.run()

    def _child_scope(self, view: View, inst: _Inst) -> dict:
        kwargs = dict(deployment_name=inst.name if isinstance(inst.name, str) else DEPLOYMENT_NAME,
                      prefix=inst.address + "/", call_sites=self.call_sites + (inst.location,),
                      subscription_id=self.subscription_id, resource_group=self.resource_group,
                      depth=self.depth + 1, stack=self.stack, origins=inst.origins, assumed=inst.assumed)
        sub = view.get("subscriptionId").value
        group = view.get("resourceGroup").value
        if isinstance(sub, str) and sub:
            kwargs["subscription_id"] = sub
        if isinstance(group, str) and group:
            kwargs["resource_group"] = group
            kwargs["level"] = "resourceGroup"
        elif view.get("resourceGroup").present:  # a group whose name is not known: its ids are not either
            kwargs["resource_group"] = RESOURCE_GROUP
        return kwargs

    def _deployment_inputs(self, props: View, name: str) -> dict:
        """Parameter values a nested deployment passes: ``parameters: {x: {value: ...}}``."""
        inputs: dict = {}
        params = props.get("parameters")
        if not isinstance(params.value, dict):
            return inputs
        for key in params.value:
            entry = params.get(key)
            value = entry.get("value")
            if value.present:
                origin = Related(value.location, f"parameter {key} of deployment {name}")
                inputs[key.lower()] = _Input(value.value, (origin,) + value.all_origins())
            elif entry.get("reference").present:
                inputs[key.lower()] = _Input(Unknown(f"parameter {key} of deployment {name} comes from a "
                                                     "Key Vault secret"), ())
            elif isinstance(entry.value, Unknown):
                inputs[key.lower()] = _Input(entry.value, ())
        return inputs

    def _linked_file(self, link: View, inst: _Inst) -> Optional[str]:
        rel = link.get("relativePath")
        uri = link.get("uri")
        where = link.location
        if rel.present and isinstance(rel.value, str):
            target = os.path.normpath(os.path.join(os.path.dirname(self.path), rel.value))
            where = rel.location
        elif uri.present and isinstance(uri.value, str):
            target = self.ev.local_path(uri.value, self.path)
            where = uri.location
            if target is None:
                shown = uri.value.split("?", 1)[0]  # never a SAS token
                self.ev.diag("EXV001", where, f"linked template {shown!r} of {inst.address} is not a file in "
                             "the scanned folder", inst.address, DEPLOYMENTS_TYPE)
                return None
        else:
            spec = link.get("id").value
            if isinstance(spec, str) and not spec.startswith("/"):
                return None  # a Bicep registry module (br:, ts:): the Bicep front end says so once, at the module
            if isinstance(spec, str):
                reason = f"it is the template spec {spec.split('?', 1)[0]}, which is not in the scanned folder"
            elif isinstance(spec, Unknown):
                reason = f"its template spec id: {spec.reason}"
            elif isinstance(uri.value, Unknown):
                reason = uri.value.reason
            else:
                reason = "it has no uri, relativePath or id"
            self.ev.diag("EXV001", where, f"the linked template of {inst.address} is not known: {reason}",
                         inst.address, DEPLOYMENTS_TYPE)
            return None
        real = os.path.realpath(target)
        if self.ev.boundary is not None and not self.ev.boundary.contains(real):
            self.ev.diag("EXV001", where, f"linked template {os.path.basename(target)} of {inst.address} is "
                         "outside the scanned folder; not read", inst.address, DEPLOYMENTS_TYPE)
            return None
        if not os.path.isfile(real):
            self.ev.diag("EXV001", where, f"linked template {os.path.relpath(target)} of {inst.address} does "
                         "not exist", inst.address, DEPLOYMENTS_TYPE)
            return None
        if real in self.stack:
            chain = " -> ".join(os.path.basename(p) for p in self.stack + (real,))
            self.ev.diag("EXV000", where, f"linked templates form a cycle ({chain}); the deployment would "
                         "never end", inst.address)
            return None
        return target

    def _parameters_link(self, props: View, inst: _Inst) -> dict:
        link = props.get("parametersLink")
        uri = link.get("uri").value
        if not isinstance(uri, str):
            return {}
        target = self.ev.local_path(uri, self.path)
        if target is None or (self.ev.boundary is not None and not self.ev.boundary.contains(target)):
            self.ev.diag("EXV001", link.location, f"parametersLink {uri.split('?', 1)[0]!r} of {inst.address} is "
                         "not a file in the scanned folder", inst.address, DEPLOYMENTS_TYPE)
            return {}
        doc, diag = read_json(target, self.ev.boundary) if os.path.isfile(target) else (None, None)
        if doc is None:
            if diag is not None:
                self.ev.result.diagnostics.append(diag)
            return {}
        self.ev.read(target)
        return parameter_inputs(doc, target)
