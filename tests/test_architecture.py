"""The dependency direction of the package, read from its import statements (``ast``), so that the
architecture the README describes cannot rot unnoticed:

    core (findings, model, evaluation, files, paths, config, catalog, engine...)
      <- front ends (terraform/, arm/, bicep/: discovery, parsing, evaluation, their result types)
      <- adapters (a front end's result types -> the neutral model)
      <- each front end's frontend.py (its units, loading and adapters; named in frontends.py)
    checks read the model only; formatters read findings only.

Every import counts: at module level, inside functions (deferred for start-up time) and under
``TYPE_CHECKING``. Module-level imports (those that run when a module is imported) form no cycle.
"""
from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "exvlint"
FRONT_ENDS = ("terraform", "arm", "bicep")
# what adapters may read of a front end: the result types it hands over, and Terraform's conversions
ADAPTER_VIEW = {"exvlint.terraform.results", "exvlint.terraform.values", "exvlint.arm.result"}


def _module_name(path: Path) -> str:
    parts = ("exvlint",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str) -> list:
    """(imported module, line, module level?) for every import of an exvlint module in ``name``."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    top_level = set()
    for node in tree.body:  # statements that run on import (TYPE_CHECKING blocks do not)
        if not (isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)):
            top_level.update(id(n) for n in ast.walk(node) if not isinstance(node, (ast.FunctionDef, ast.ClassDef)))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from . import x` and `from .pkg import mod` name modules; `from .mod import f` names mod
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        else:
            continue
        for target in targets:
            if target == "exvlint" or target.startswith("exvlint."):
                out.append((target, node.lineno, id(node) in top_level))
    return out


IMPORTS = {name: _imports(name) for name in MODULES}


SUBPACKAGES = {name.split(".")[1] for name in MODULES if name.count(".") >= 2}


def _layer(module: str) -> str:
    """The subpackage a module belongs to (``checks``, ``terraform``...), or ``core``."""
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[1] in SUBPACKAGES else "core"


def _violations(source_layers: set, forbidden, allowed=lambda source, target: False) -> list:
    found = []
    for name, imports in IMPORTS.items():
        if _layer(name) not in source_layers:
            continue
        for target, line, _ in imports:
            if forbidden(_layer(target), target) and not allowed(name, target):
                found.append(f"{MODULES[name].relative_to(PACKAGE.parent)}:{line} imports {target}")
    return found


def test_the_import_reader_sees_the_imports():
    # the rules below mean nothing if the reader finds no imports: a few that exist
    edges = {(name, target) for name, imports in IMPORTS.items() for target, _, _ in imports}
    assert ("exvlint.engine", "exvlint.discover") in edges
    assert ("exvlint.adapters.azurerm", "exvlint.terraform.results") in edges
    assert ("exvlint.bicep.lower", "exvlint.bicep.expressions") in edges
    assert ("exvlint.engine", "exvlint.checks") in edges  # deferred, inside a function
    assert {"terraform", "arm", "bicep", "adapters", "checks", "formatters"} <= SUBPACKAGES


def test_the_core_names_no_input_format():
    """The engine, discovery, suppression and the rest of the core know no format: front ends are
    registered by name in frontends.py and imported from there when a run meets their files."""
    bad = _violations({"core"}, lambda layer, _: layer in FRONT_ENDS + ("adapters",))
    assert not bad, "\n".join(bad)


def test_checks_read_the_neutral_model_only():
    bad = _violations({"checks"}, lambda layer, _: layer in FRONT_ENDS + ("adapters", "formatters"))
    assert not bad, "\n".join(bad)


def test_formatters_read_findings_only():
    bad = _violations({"formatters"}, lambda layer, _: layer in FRONT_ENDS + ("adapters", "checks"))
    assert not bad, "\n".join(bad)


def test_adapters_read_a_front_end_through_its_result_types_only():
    bad = _violations({"adapters"}, lambda layer, target: layer in FRONT_ENDS and target not in ADAPTER_VIEW)
    assert not bad, "\n".join(bad)


def test_front_ends_stand_apart():
    """A front end imports no other (Bicep is lowered to ARM and evaluated by it), and only its
    frontend.py, the glue the registry loads, names adapters."""
    others = {"terraform": {"arm", "bicep"}, "arm": {"terraform", "bicep"}, "bicep": {"terraform"}}
    bad = []
    for front_end, forbidden in others.items():
        bad += _violations({front_end}, lambda layer, _, forbidden=forbidden: layer in forbidden)
        bad += _violations({front_end}, lambda layer, _: layer == "adapters",
                           allowed=lambda source, _, front_end=front_end: source == f"exvlint.{front_end}.frontend")
    assert not bad, "\n".join(bad)


def test_module_level_imports_form_no_cycle():
    graph = {name: {t for t, _, top in imports if top and t in MODULES and t != name} for name, imports in IMPORTS.items()}
    state: dict = {}  # name -> "open" | "done"

    def visit(name: str, path: tuple) -> tuple:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                return path + (name, target)
            if target not in state:
                cycle = visit(target, path + (name,))
                if cycle:
                    return cycle
        state[name] = "done"
        return ()

    for name in sorted(graph):
        if name not in state:
            cycle = visit(name, ())
            assert not cycle, " -> ".join(cycle[cycle.index(cycle[-1]):])
