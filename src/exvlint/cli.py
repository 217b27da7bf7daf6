"""Command line: parses arguments, calls :func:`exvlint.lint`, writes reports. Nothing more."""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Optional

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _OrderedInput(argparse.Action):
    """--var-file and --var keep their command-line order (Terraform's precedence)."""

    def __call__(self, parser, namespace, values, option_string=None):
        items = getattr(namespace, "cli_inputs", None) or []
        kind = "file" if option_string == "--var-file" else "var"
        if kind == "var" and "=" not in values:
            parser.error(f"--var needs NAME=VALUE, got {values!r}")
        items.append((kind, values))
        namespace.cli_inputs = items


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="exvlint", description="Find Exchange servers that infrastructure code would deploy in a "
        "configuration Microsoft does not support.")
    parser.add_argument("--version", action="version", version=f"exvlint {__version__}")
    sub = parser.add_subparsers(dest="command")

    check = sub.add_parser("check", help="lint Terraform (and, later, ARM/Bicep) files or directories")
    check.add_argument("paths", nargs="*", default=[], metavar="PATH")
    check.add_argument("--format", action="append", dest="formats", metavar="FORMAT",
                       help="text (default), json or sarif; may be repeated, paired with --output")
    check.add_argument("--output", action="append", dest="outputs", metavar="FILE",
                       help="write the report of the matching --format to FILE")
    check.add_argument("--config", metavar="FILE", help="configuration file (default: nearest .exvlint.yaml)")
    check.add_argument("--var-file", action=_OrderedInput, metavar="FILE", help="Terraform variables file")
    check.add_argument("--var", action=_OrderedInput, metavar="NAME=VALUE", help="Terraform variable")
    check.add_argument("--parameters", action="append", default=[], metavar="FILE", help=argparse.SUPPRESS)
    check.add_argument("--select", metavar="IDS", help="only these rules (comma-separated ids or slugs)")
    check.add_argument("--ignore", metavar="IDS", help="skip these rules (comma-separated ids or slugs)")
    check.add_argument("--fail-level", choices=("error", "warning", "note", "none"),
                       help="lowest level that makes the exit code 1 (default: warning)")
    check.add_argument("--all-vms", action="store_true", help="treat every VM as an Exchange server")
    check.add_argument("--strict", action="store_true", help="report values that could not be resolved (EXV001)")
    check.add_argument("--baseline", metavar="FILE", help=argparse.SUPPRESS)
    check.add_argument("--write-baseline", metavar="FILE", help=argparse.SUPPRESS)
    check.add_argument("--no-cache", action="store_true", help=argparse.SUPPRESS)  # no cache yet: nothing to skip

    rules = sub.add_parser("rules", help="list the rule catalog")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    explain = sub.add_parser("explain", help="show one rule's documentation")
    explain.add_argument("rule", metavar="ID", help="rule id or slug, e.g. EXV301 or non-premium-storage")
    return parser


def main(argv: Optional[list] = None) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help/--version
        return int(exc.code or 0)
    if args.command == "check":
        return _check(args, parser)
    if args.command == "rules":
        return _rules(args)
    if args.command == "explain":
        return _explain(args)
    parser.print_help(sys.stderr)
    return EXIT_ERROR


def _rule_list(text: Optional[str], option: str) -> tuple:
    from .catalog import resolve_rule

    ids, bad = [], []
    for item in (text or "").split(","):
        if item.strip():
            rid = resolve_rule(item)
            (ids if rid else bad).append(rid or item.strip())
    return ids, [f"{option}: unknown rule {b!r}" for b in bad]


def _check(args, parser) -> int:
    from .config import find_config, load_config
    from .engine import lint
    from .findings import Finding, Location
    from .formatters import FORMATS, get_formatter

    formats = args.formats or ["text"]
    outputs = args.outputs or []
    for fmt in formats:
        if fmt not in FORMATS:
            parser.error(f"--format: unknown format {fmt!r} (choose from {', '.join(FORMATS)})")
    if len(outputs) > len(formats):
        parser.error("more --output than --format options")
    if len(formats) - len(outputs) > 1:
        parser.error("only one --format may go to standard output; give an --output for the others")

    unsupported = [opt for opt, value in (("--baseline", args.baseline), ("--write-baseline", args.write_baseline),
                                          ("--parameters", args.parameters)) if value]
    if unsupported:  # accepted by the interface, not built yet: say so rather than ignore it
        print(f"exvlint: error: {', '.join(unsupported)} is not supported in exvlint {__version__} yet",
              file=sys.stderr)
        return EXIT_ERROR

    config_path = args.config
    if config_path is None:
        config_path = find_config(args.paths[0] if args.paths else ".")
    elif not os.path.isfile(config_path):
        print(f"exvlint: error: --config {config_path}: no such file", file=sys.stderr)
        return EXIT_ERROR
    config = load_config(config_path, os.path.relpath(config_path) if config_path else None, named=bool(args.config))
    select, errs1 = _rule_list(args.select, "--select")
    ignore, errs2 = _rule_list(args.ignore, "--ignore")
    config.errors.extend(Finding("EXV003", "error", e, Location("<command line>"), key=e) for e in errs1 + errs2)
    if select:
        config.select = select
    config.ignore = list(config.ignore) + ignore
    if args.fail_level:
        config.fail_level = args.fail_level
    config.all_vms = config.all_vms or args.all_vms
    config.strict = args.strict
    config.cli_inputs = list(getattr(args, "cli_inputs", None) or [])

    result = lint(args.paths or ["."], config)
    for i, fmt in enumerate(formats):
        report = get_formatter(fmt)(result)
        if i < len(outputs):
            try:
                with open(outputs[i], "w", encoding="utf-8", newline="\n") as fh:
                    fh.write(report)
            except OSError as exc:
                print(f"exvlint: error: cannot write {outputs[i]}: {exc.strerror or exc}", file=sys.stderr)
                return EXIT_ERROR
        else:
            sys.stdout.write(report)
    return result.exit_code(config.fail_level)


def _rules(args) -> int:
    from .catalog import load_catalog

    catalog = load_catalog()
    if args.format == "json":
        data = [{"id": d.id, "name": d.slug, "level": d.level, "platforms": list(d.platforms),
                 "summary": d.summary} for d in catalog.values()]
        print(json.dumps(data, indent=2))
        return EXIT_OK
    width = max(len(d.slug) for d in catalog.values())
    for d in catalog.values():
        print(f"{d.id}  {d.slug:<{width}}  {d.level:<7}  {d.summary}")
    return EXIT_OK


def _explain(args) -> int:
    from .catalog import load_catalog, resolve_rule

    rid = resolve_rule(args.rule)
    if rid is None:
        print(f"exvlint: error: no rule {args.rule!r}; `exvlint rules` lists them", file=sys.stderr)
        return EXIT_ERROR
    doc = load_catalog()[rid]
    print(f"{doc.id} {doc.slug} ({doc.level})\n")
    print(doc.markdown.rstrip())
    return EXIT_OK
