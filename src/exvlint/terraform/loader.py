"""Reading a module directory: its files parsed, its blocks indexed, override files merged."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace

from .. import files, jsonpos, limits
from ..findings import Diagnostic, Location, internal_error_message
from . import hcl, parsecache


@dataclass
class ModuleSource:
    """The parsed files of one module directory."""

    directory: str
    files: list = field(default_factory=list)  # paths of .tf files read
    variables: dict = field(default_factory=dict)  # name -> (Block, path)
    locals: dict = field(default_factory=dict)  # name -> (Attribute, path)
    resources: dict = field(default_factory=dict)  # (mode, type, name) -> (Block, path)
    module_calls: dict = field(default_factory=dict)  # name -> (Block, path)
    outputs: dict = field(default_factory=dict)  # name -> (Block, path)
    providers: list = field(default_factory=list)  # list[(Block, path)]
    comments: dict = field(default_factory=dict)  # path -> list[Comment]
    errors: list = field(default_factory=list)  # list[Diagnostic]


@dataclass
class ReleasedFile:
    """What a parsed file leaves in the run's file cache once the unit that read it is evaluated: its
    comments and the line spans of its blocks and attributes (what exvlint:ignore directives need).
    A unit that reads the file again parses it again (from the parse cache when there is one)."""

    path: str
    comments: list
    spans: dict  # first line -> (first, last line) of the outermost construct starting on it


def parse_file(path: str, cache: dict, named: bool = False) -> tuple:
    """Parsed file or a Diagnostic; parse results are cached per path for the run. Files are read
    inside the cache's boundary, except a file the user ``named`` on the command line."""
    touched = getattr(cache, "touched", None)
    if touched is not None:
        touched.add(path)
    if path in cache and not isinstance(cache[path][0], ReleasedFile):
        return cache[path]
    text, diag = files.read_source(path, None if named else getattr(cache, "boundary", None))
    if diag is not None:
        result = (None, diag)
    else:
        try:
            result = (parsecache.parse(text, path, getattr(cache, "store", None)), None)
        except hcl.HCLSyntaxError as exc:
            result = (None, Diagnostic("EXV000", Location(path, exc.line or 1, exc.col or 0), exc.message))
        except RecursionError:
            result = (None, Diagnostic("EXV000", Location(path, 1), "expression nesting too deep to parse"))
        except limits.LimitExceeded as exc:
            result = (None, Diagnostic("EXV000", Location(path, 1), str(exc)))
        except Exception as exc:  # a parser fault loses this file only; the module's other files are read
            result = (None, Diagnostic("EXV002", Location(path, 1), internal_error_message("parsing this file", exc)))
    cache[path] = result
    return result


def release(cache: dict, paths) -> None:
    """Drop the ASTs of the configuration files among ``paths`` from the file cache (an AST takes ~11
    bytes per byte of source, and a run used to keep every file's to its end)."""
    from .suppressions import constructs

    for path in paths:
        parsed, diag = cache.get(path, (None, None))
        if isinstance(parsed, hcl.ParsedFile) and path.endswith((".tf", ".tf.json")):
            # the spans matter only to a directive (suppress.py: no directive without these words)
            directive = any("exvlint:ignore" in c.text for c in parsed.comments)
            cache[path] = (ReleasedFile(path, parsed.comments, constructs(parsed.body) if directive else {}), diag)


def tf_files(directory: str) -> list:
    """The configuration files of a module directory. A name that is not a readable regular file
    (a dangling or looping symbolic link) is listed too, so that reading it reports why."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []  # load_module reports the unreadable directory
    return [os.path.join(directory, n) for n in names
            if n.endswith((".tf", ".tf.json")) and not os.path.isdir(os.path.join(directory, n))]


def _is_override(path: str) -> bool:
    name = os.path.basename(path)
    stem = name[: -len(".json")] if name.endswith(".json") else name
    return stem == "override.tf" or stem.endswith("_override.tf")


def load_module(directory: str, parse_cache: dict) -> ModuleSource:
    src = ModuleSource(directory)
    try:
        files.list_dir(directory, getattr(parse_cache, "boundary", None))
    except files.InputError as exc:
        src.errors.append(Diagnostic("EXV000", Location(directory), str(exc)))
        return src
    paths = tf_files(directory)
    # override files are merged into the blocks they name, after every other file (Terraform's rule)
    for path in [p for p in paths if not _is_override(p)] + [p for p in paths if _is_override(p)]:
        parsed, diag = parse_file(path, parse_cache)
        if diag is not None:
            src.errors.append(diag)
            continue
        src.files.append(path)
        src.comments[path] = parsed.comments
        override = _is_override(path)
        for block in parsed.body.blocks:
            _index_block(src, block, path, override)
    return src


def _index_block(src: ModuleSource, block: hcl.Block, path: str, override: bool = False) -> None:
    labels = block.labels
    table, key = None, None
    if block.type == "resource" and len(labels) == 2:
        table, key = src.resources, ("managed", labels[0], labels[1])
    elif block.type == "data" and len(labels) == 2:
        table, key = src.resources, ("data", labels[0], labels[1])
    elif block.type == "variable" and len(labels) == 1:
        table, key = src.variables, labels[0]
    elif block.type == "module" and len(labels) == 1:
        table, key = src.module_calls, labels[0]
    elif block.type == "output" and len(labels) == 1:
        table, key = src.outputs, labels[0]
    elif block.type == "locals":
        for name, attr in block.body.attributes.items():
            if name in src.locals and not override:
                src.errors.append(Diagnostic("EXV000", attr_location(path, attr), f"duplicate local value {name!r} "
                                             f"(first defined in {os.path.basename(src.locals[name][1])})"))
            src.locals[name] = (attr, path)
    elif block.type == "provider" and len(labels) == 1:
        src.providers.append((block, path))
    if table is None:
        return
    if key in table:
        if override:
            table[key] = (_merge_override(table[key][0], block, path), table[key][1])
        else:
            what = " ".join([block.type] + [f'"{l}"' for l in labels])
            src.errors.append(Diagnostic("EXV000", block_location(path, block),
                                         f"duplicate {what} (first defined in {os.path.basename(table[key][1])}); "
                                         "Terraform rejects this"))
        return
    table[key] = (block, path)


def _merge_override(base: hcl.Block, override: hcl.Block, path: str) -> hcl.Block:
    """Terraform's override merge: attributes replace attributes; a nested block type present in
    the override replaces every block of that type. What the override brings keeps its file."""

    attributes = dict(base.body.attributes)
    attributes.update({n: replace(a, path=path) for n, a in override.body.attributes.items()})
    replaced = {b.type for b in override.body.blocks}
    blocks = [b for b in base.body.blocks if b.type not in replaced] + \
        [replace(b, path=path) for b in override.body.blocks]
    return hcl.Block(base.type, base.labels, hcl.Body(attributes, blocks), base.line, base.col,
                     base.end_line, base.end_col, base.synthetic)


def attr_location(path: str, attr: hcl.Attribute) -> Location:
    return Location(attr.path or path, attr.line, attr.col, attr.line, attr.end_col if attr.end_line == attr.line else 0)


def block_location(path: str, block: hcl.Block) -> Location:
    return Location(path, block.line, block.col, block.line, 0)


def load_modules_json(root_dir: str, parse_cache: dict) -> tuple:
    """Registry and git modules installed by ``terraform init``: (module key -> directory,
    diagnostics). A malformed manifest is an input error; the modules it names stay unknown."""
    path = os.path.join(root_dir, ".terraform", "modules", "modules.json")
    if not os.path.lexists(path):
        return {}, []
    text, diag = files.read_source(path, getattr(parse_cache, "boundary", None))
    if diag is not None:
        return {}, [diag]
    try:
        data = jsonpos.loads(text)
    except jsonpos.JSONPosError as exc:
        return {}, [Diagnostic("EXV000", Location(path, exc.line, exc.col), f"invalid JSON: {exc.message}")]
    modules = data.get("Modules") if isinstance(data, dict) else None
    if not isinstance(modules, list):
        return {}, [Diagnostic("EXV000", Location(path, 1), "not a module manifest: \"Modules\" must be a list")]
    out, diags = {}, []
    for i, m in enumerate(modules):
        if not isinstance(m, dict):
            continue
        key, directory = m.get("Key"), m.get("Dir")
        if not isinstance(key, str) or not isinstance(directory, str):
            line = modules.item_lines[i][0] if i < len(modules.item_lines) else 1
            diags.append(Diagnostic("EXV000", Location(path, line), "module manifest entry needs a string Key and Dir; ignored"))
            continue
        if key:
            out[key] = directory
    return out, diags
