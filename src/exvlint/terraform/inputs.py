"""Values for a root module's variables, in Terraform's order of precedence: ``TF_VAR_name``,
``terraform.tfvars(.json)``, ``*.auto.tfvars(.json)``, then ``--var-file`` / ``--var`` as given."""
from __future__ import annotations

import os
from typing import Any, Optional

from .. import files, jsonpos
from ..findings import Diagnostic, Location, Related
from .loader import ModuleSource, attr_location, parse_file
from .values import plain


class RootInputs:
    """Values for root-module variables, with Terraform's precedence already applied."""

    def __init__(self) -> None:
        self.values: dict = {}  # name -> (raw value or ("expr", Expr, path), Related | None)

    def set(self, name: str, value: Any, origin: Optional[Related]) -> None:
        self.values[name] = (value, origin)


def root_inputs(src: ModuleSource, environ, cli_inputs: tuple, parse_cache: dict, diagnostics: list) -> RootInputs:
    """The values of the root module ``src``'s variables from every source, later ones winning."""
    inputs = RootInputs()
    for name in src.variables:
        try:
            env = environ.get("TF_VAR_" + name)
        except ValueError:  # a name from a "\ud800" escape: no environment variable can have it
            env = None
        if env is not None:
            inputs.set(name, ("raw", env), Related(Location("<environment>"), f"TF_VAR_{name}"))
    directory = src.directory
    auto = []
    for fname in ("terraform.tfvars", "terraform.tfvars.json"):
        p = os.path.join(directory, fname)
        if os.path.lexists(p):  # whatever it is: reading it says what is wrong with it
            auto.append(p)
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        names = []
    auto += [os.path.join(directory, n) for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
    for path in auto:
        _load_tfvars(path, inputs, parse_cache, diagnostics)
    for kind, item in cli_inputs:
        if kind == "file":
            _load_tfvars(item, inputs, parse_cache, diagnostics, named=True)
        else:
            name, _, raw = item.partition("=")
            inputs.set(name.strip(), ("raw", raw), Related(Location("<command line>"), f"--var {name.strip()}"))
    return inputs

def _load_tfvars(path: str, inputs: RootInputs, parse_cache: dict, diagnostics: list, named: bool = False) -> None:
    display = path
    if path.endswith(".json"):
        text, diag = files.read_source(path, None if named else getattr(parse_cache, "boundary", None))
        if diag:
            diagnostics.append(diag)
            return
        try:
            data = jsonpos.loads(text)
        except jsonpos.JSONPosError as exc:
            diagnostics.append(Diagnostic("EXV000", Location(display, exc.line, exc.col), f"invalid JSON: {exc.message}"))
            return
        if not isinstance(data, dict):
            diagnostics.append(Diagnostic("EXV000", Location(display, 1), "a .tfvars.json file must hold a JSON object"))
            return
        for name, value in data.items():
            line, col = data.key_lines.get(name, (1, 0))
            inputs.set(name, ("value", plain(value)),
                       Related(Location(display, line, col), f"var.{name} set in {os.path.basename(path)}"))
        return
    parsed, diag = parse_file(path, parse_cache, named=named)
    if diag:
        diagnostics.append(diag)
        return
    for block in parsed.body.blocks:
        diagnostics.append(Diagnostic("EXV000", Location(display, block.line), f"blocks are not allowed in a variables file ({block.type})"))
    for name, attr in parsed.body.attributes.items():
        inputs.set(name, ("expr", attr.expr, path), Related(attr_location(display, attr), f"var.{name} set in {os.path.basename(path)}"))
