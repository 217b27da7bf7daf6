"""The library entry point: what ``exvlint check`` does, without the command line.

``lint(paths)`` finds the configuration as the command line does (``--config`` or the nearest
``.exvlint.yaml`` / ``pyproject.toml`` at or above the first path), merges the options a caller
gives over it, runs the pipeline and returns the :class:`~exvlint.engine.LintResult`. The command
line only parses arguments into these options and writes the reports.
"""
from __future__ import annotations

import os
from typing import Callable, Iterable, Optional

from .config import Config, find_config, load_config
from .engine import LintResult
from .findings import Finding, Location


def lint(paths: Iterable[str] = (".",), config: Optional[Config] = None, *, config_file: Optional[str] = None,
         select: Optional[Iterable[str]] = None, ignore: Iterable[str] = (), fail_level: Optional[str] = None,
         all_vms: bool = False, strict: bool = False, cli_inputs: Iterable[tuple] = (),
         parameter_files: Iterable[str] = (),
         baseline: Optional[str] = None, show_suppressed: bool = False,
         progress: Optional[Callable] = None, jobs: Optional[int] = None, cache: bool = True) -> LintResult:
    """Lint ``paths`` as ``exvlint check`` does.

    ``config``: a ready :class:`Config` (no file is looked for); otherwise ``config_file`` or the
    nearest configuration file is read. ``select`` / ``ignore`` are rule ids or slugs (``select``
    replaces the configuration's, ``ignore`` adds to it; an unknown name is an EXV003 error and no
    rule runs); ``cli_inputs`` are ordered ``("file", path)`` / ``("var", "name=value")`` pairs
    (``--var-file`` / ``--var``); ``parameter_files`` are ARM parameters files (``--parameters``);
    ``baseline`` is a baseline file (over the configuration's). ``jobs``: worker processes for a
    large input (None: one per core when it pays, 1: none); ``cache``: False leaves the parse cache
    in the user's cache folder alone (as does EXVLINT_NO_CACHE); the result is the same either way.
    """
    paths = [str(p) for p in paths] or ["."]
    if config is None:
        config = resolve_config(paths, config_file)
    if select is not None:
        config.select = _rule_ids(list(select), "--select", config)
        if not config.select and not config.selection_invalid:
            config.errors.append(_cli_error("--select names no rule; leave it out to run every rule"))
            config.selection_invalid = True
    config.ignore = list(config.ignore) + _rule_ids(list(ignore), "--ignore", config)
    if fail_level:
        config.fail_level = fail_level
    config.all_vms = config.all_vms or all_vms
    config.strict = config.strict or strict
    config.cli_inputs = list(config.cli_inputs) + list(cli_inputs)
    config.parameter_files = list(config.parameter_files) + [str(p) for p in parameter_files]
    if baseline:
        config.baseline = baseline
    config.show_suppressed = config.show_suppressed or show_suppressed
    from .engine import lint as run
    from .owners import expand

    # a changed file is linted in the units that contain it (a child module through its callers)
    return run(expand(paths), config, progress=progress, jobs=jobs, cache=cache)


def resolve_config(paths: list, config_file: Optional[str] = None) -> Config:
    """The configuration for ``paths``: ``config_file``, else the nearest one above the first path."""
    if config_file is not None:
        if not os.path.isfile(config_file):
            config = Config()
            config.errors.append(_cli_error(f"--config {config_file}: no such file"))
            return config
        return load_config(config_file, os.path.relpath(config_file), named=True)
    found = find_config(paths[0] if paths else ".")
    return load_config(found, os.path.relpath(found) if found else None)


def _rule_ids(names: list, option: str, config: Config) -> list:
    from .catalog import resolve_rule

    ids = []
    for name in names:
        for item in str(name).split(","):
            if not item.strip():
                continue
            rid = resolve_rule(item)
            if rid is None:
                config.errors.append(_cli_error(f"{option}: unknown rule {item.strip()!r}"))
                config.selection_invalid = True
            else:
                ids.append(rid)
    return ids


def _cli_error(message: str) -> Finding:
    return Finding("EXV003", "error", message, Location("<command line>"), key=message)
